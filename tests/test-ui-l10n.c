/* test-ui-l10n.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <adwaita.h>

#include "osais-application.h"
#include "osais-image-check.h"
#include "osais-input-well.h"
#include "osais-request-form.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"

/* The French a French user sees: the strings of po/fr.po. */
#define FRENCH_WELCOME "Bienvenue dans OSAIS Studio"
#define FRENCH_TRY_OFFLINE "Essayer hors ligne"
#define FRENCH_RUN "Lancer"
#define FRENCH_LISTENING "À l’écoute sur http://127.0.0.1:"
/* The core's messages, from po/fr.po too. */
#define FRENCH_NOT_VALID "n’est pas une valeur valide pour «\u00a0seed\u00a0»"
#define FRENCH_AN_INTEGER "une graine entière"
#define FRENCH_CANNOT_BE_USED "«\u00a0cut.png\u00a0» ne peut pas être utilisée\u00a0: "
#define FRENCH_CUT_SHORT "L’en-tête PNG est tronqué"
#define FRENCH_NOT_AN_IMAGE "Ce n’est pas une image PNG, JPEG ou WebP"
/* The bundled engines' texts, from src/core/engines/osais-engine-strings.h. */
#define FRENCH_STEP_COUNT "Nombre d’étapes"
#define FRENCH_PROMPT_TITLE "Entrée (texte et/ou image)"
#define FRENCH_PROMPT_EXAMPLE "ex.\u00a0: pièce d’or de Rome, 100\u00a0av. J.-C., en entier"
#define FRENCH_RESOLUTION "Résolution de sortie"
#define FRENCH_REMBG "Supprimer l’arrière-plan"
#define FRENCH_DIFFUSION "Transformation d’images par l’IA Stable Diffusion"

/* A user's descriptor whose texts are all in the catalogue: it has no
 * catalogue of its own, so they must show as written. */
#define USER_ENGINE \
  "{\"engine\": \"mine\", \"name\": \"Remove Background\", " \
  "\"description\": \"Image Utility\", \"params\": [" \
  "{\"in\": \"steps\", \"type\": \"int\", \"default\": 20, \"ui\": {" \
  "\"title\": \"Step Count\", \"tooltip\": \"Strength\", \"widget\": \"uiRangeSlider\", " \
  "\"min\": 1, \"max\": 50}}, " \
  "{\"in\": \"res\", \"type\": \"int\", \"default\": 1, " \
  "\"accept\": {\"$in\": [1, 2], \"display\": [\"x1\", \"x2\"]}, " \
  "\"ui\": {\"title\": \"Output resolution\", \"widget\": \"uiMultiToggle\"}}]}"

typedef struct
{
  OsaisApplication *app;
  GtkWidget        *window;
  char             *data_dir;
} Run;

static gboolean
has_window (gpointer data)
{
  Run *run = data;

  run->window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));
  return run->window != NULL;
}

static gboolean
shows_french_welcome (gpointer data)
{
  Run *run = data;

  return osais_ui_test_find_label (run->window, FRENCH_WELCOME) != NULL;
}

static gboolean
shows_french_status (gpointer data)
{
  Run *run = data;

  return strstr (osais_ui_test_get_status_subtitle (run->window), FRENCH_LISTENING) != NULL;
}

static void
check_welcome (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (shows_french_welcome, run, "the French welcome page");
  g_assert_nonnull (osais_ui_test_find_label (run->window, FRENCH_TRY_OFFLINE));
  g_assert_null (osais_ui_test_find_label (run->window, "Welcome to OSAIS Studio"));
  osais_ui_test_settle (200);
  osais_ui_test_save_screenshot (run->window, "l10n-welcome-fr.png");
  g_application_quit (G_APPLICATION (run->app));
}

static void
check_studio (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (shows_french_status, run, "the French status");
  g_assert_nonnull (osais_ui_test_find_label (run->window, FRENCH_RUN));
  osais_ui_test_settle (200);
  osais_ui_test_save_screenshot (run->window, "l10n-studio-fr.png");
  g_application_quit (G_APPLICATION (run->app));
}

static const char *
row_title (OsaisRequestForm *form,
           const char       *name)
{
  GtkWidget *row = osais_request_form_get_field (form, name);

  g_assert_true (ADW_IS_PREFERENCES_ROW (row));

  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
}

static const char *
group_title (OsaisRequestForm *form,
             const char       *name)
{
  GtkWidget *group = osais_request_form_get_field (form, name);

  g_assert_true (ADW_IS_PREFERENCES_GROUP (group));

  return adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group));
}

/* The request form of a bundled engine shows its descriptor's texts in
 * French, the values it sends stay the descriptor's; a user's descriptor
 * shows its own texts as written, even those the catalogue knows. */
static void
test_engine_texts (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *user_path = NULL;
  g_autofree char *rembg_title = NULL;
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GError) error = NULL;
  OsaisEngine *diffusion;
  OsaisEngine *user;
  GtkWidget *window;
  GtkWidget *scrolled;
  OsaisRequestForm *form;
  GtkWidget *toggle;
  GtkWidget *row;

  dir = g_build_filename (g_get_user_config_dir (), "osais-studio", "engines", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  user_path = g_build_filename (dir, "mine.json", NULL);
  g_file_set_contents (user_path, USER_ENGINE, -1, &error);
  g_assert_no_error (error);

  engines = osais_engines_load (&warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  diffusion = osais_engines_lookup (engines, "diffusion");
  user = osais_engines_lookup (engines, "mine");
  g_assert_nonnull (diffusion);
  g_assert_nonnull (user);

  /* The engine selector binds these properties. An id standing in for a
   * display name stays the id. */
  g_object_get (osais_engines_lookup (engines, "rembg"), "title", &rembg_title, NULL);
  g_assert_cmpstr (rembg_title, ==, FRENCH_REMBG);
  g_assert_cmpstr (osais_engine_get_title (diffusion), ==, "diffusion");
  g_assert_cmpstr (osais_engine_get_description (diffusion), ==, FRENCH_DIFFUSION);
  g_assert_cmpstr (osais_engine_get_title (user), ==, "Remove Background");
  g_assert_cmpstr (osais_engine_get_description (user), ==, "Image Utility");

  form = OSAIS_REQUEST_FORM (osais_request_form_new ());
  window = gtk_window_new ();
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (form));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 1000);

  osais_request_form_set_engine (form, diffusion);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 1);

  g_assert_cmpstr (row_title (form, "steps"), ==, FRENCH_STEP_COUNT);
  g_assert_cmpstr (group_title (form, "width"), ==, FRENCH_RESOLUTION);
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (form), FRENCH_PROMPT_TITLE));
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (form), FRENCH_PROMPT_EXAMPLE));
  g_assert_null (osais_ui_test_find_toggle_button (GTK_WIDGET (form), "640x640"));
  toggle = osais_ui_test_find_toggle_button (GTK_WIDGET (form), "640×640");
  g_assert_nonnull (toggle);
  osais_ui_test_save_screenshot (window, "l10n-request-form-fr.png");

  /* What is sent is the descriptor's value, under its wire name. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  values = osais_request_form_dup_values (form);
  g_assert_cmpstr (g_hash_table_lookup (values, "width"), ==, "640");

  osais_request_form_set_engine (form, user);
  osais_ui_test_settle (100);
  g_assert_cmpstr (row_title (form, "steps"), ==, "Step Count");
  row = osais_request_form_get_field (form, "steps");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Strength");
  g_assert_cmpstr (group_title (form, "res"), ==, "Output resolution");
  g_assert_nonnull (osais_ui_test_find_toggle_button (GTK_WIDGET (form), "x2"));
  g_assert_null (osais_ui_test_find_toggle_button (GTK_WIDGET (form), "×2"));

  osais_ui_test_destroy_window (window);
  g_assert_cmpint (g_remove (user_path), ==, 0);
}

/* A refused value marks its own field from the param the engine names, not
 * from the words of its message, which are French here; the message and
 * what the field accepts are French too. */
static void
test_refused_value (void)
{
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  OsaisRequestForm *form;
  GtkWidget *window;
  GtkWidget *prompt;
  GtkWidget *seed;
  const char *reason;

  engines = osais_engines_load (&warnings);
  form = OSAIS_REQUEST_FORM (osais_request_form_new ());
  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (form));
  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  gtk_window_present (GTK_WINDOW (window));

  prompt = osais_request_form_get_field (form, "word");
  seed = osais_request_form_get_field (form, "seed");
  g_assert_nonnull (prompt);
  g_assert_nonnull (seed);
  g_assert_true (GTK_IS_TEXT_VIEW (prompt));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (prompt)), "un phare", -1);
  g_assert_true (osais_request_form_get_valid (form));
  gtk_editable_set_text (GTK_EDITABLE (seed), "abc");

  reason = osais_request_form_get_invalid_reason (form);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, FRENCH_NOT_VALID));
  g_assert_nonnull (strstr (reason, FRENCH_AN_INTEGER));
  g_assert_null (strstr (reason, "is not a valid value"));
  g_assert_true (gtk_widget_has_css_class (seed, "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (seed), ==, reason);

  gtk_editable_set_text (GTK_EDITABLE (seed), "42");
  g_assert_false (gtk_widget_has_css_class (seed, "error"));

  osais_ui_test_destroy_window (window);
}

static gboolean
well_refused (gpointer data)
{
  OsaisInputWell *well = data;

  return osais_input_well_get_error (well) != NULL && !osais_input_well_get_loading (well);
}

/* The image check's reasons, from the core, reach the input well in French:
 * a file whose PNG header is cut short is refused in one French sentence. */
static void
test_image_check (void)
{
  static const guint8 cut_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0 };
  g_autoptr(GBytes) not_image = g_bytes_new_static ("GIF89a", 6);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) file_error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-l10n-XXXXXX", &file_error);
  g_autofree char *path = g_build_filename (dir, "cut.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *expected = g_strconcat (FRENCH_CANNOT_BE_USED, FRENCH_CUT_SHORT, NULL);
  OsaisInputWell *well;
  GtkWidget *window;

  g_assert_no_error (file_error);
  g_assert_false (osais_image_check (not_image, NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==, FRENCH_NOT_AN_IMAGE);

  g_assert_true (g_file_set_contents (path, (const char *) cut_png, sizeof cut_png,
                                      &file_error));
  g_assert_no_error (file_error);
  well = OSAIS_INPUT_WELL (osais_input_well_new ());
  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (well));
  gtk_window_present (GTK_WINDOW (window));
  osais_input_well_set_file (well, file);
  osais_ui_test_wait_until (well_refused, well, "the cut-short PNG to be refused");
  g_test_message ("Refused: %s", osais_input_well_get_error (well));
  g_assert_cmpstr (osais_input_well_get_error (well), ==, expected);
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (well), expected));
  /* Past the well's crossfade from its loading page. */
  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (window, "l10n-image-check-fr.png");

  osais_ui_test_destroy_window (window);
  osais_test_remove_tree (dir);
}

/* Runs the application with @args and calls @check once it is running. */
static void
run_application (const char * const *args,
                 void              (*check) (Run *run))
{
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  run.data_dir = g_dir_make_tmp ("osais-l10n-XXXXXX", &error);
  g_assert_no_error (error);
  run.app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run.app), run.data_dir, args,
                                 (GSourceOnceFunc) check, &run);

  g_clear_object (&run.app);
  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

/* First run: the welcome page, in French. */
static void
test_welcome (void)
{
  static const char * const args[] = { NULL };

  run_application (args, check_welcome);
}

/* The studio on the simulator: the Run button and the server status. */
static void
test_studio (void)
{
  static const char * const args[] = { "--simulator", NULL };

  run_application (args, check_studio);
}

/* The catalogue itself, plural forms included. */
static void
test_catalogue (void)
{
  g_assert_cmpstr (_("Welcome to OSAIS Studio"), ==, FRENCH_WELCOME);
  /* French plural forms: zero and one take the singular. The space before
   * the question mark is a narrow no-break space (U+202F). */
  g_assert_cmpstr (ngettext ("Run %d Job?", "Run %d Jobs?", 0), ==, "Lancer %d tâche ?");
  g_assert_cmpstr (ngettext ("Run %d Job?", "Run %d Jobs?", 1), ==, "Lancer %d tâche ?");
  g_assert_cmpstr (ngettext ("Run %d Job?", "Run %d Jobs?", 2), ==, "Lancer %d tâches ?");
}

int
main (int   argc,
      char *argv[])
{
  const char *locale_dir = g_getenv ("OSAIS_LOCALE_DIR");

  /* A French user: LANGUAGE is read since the locale is not "C" but
   * osais_ui_test_init()'s C.UTF-8. The catalogue is the one compiled in the
   * build folder (po/fr/LC_MESSAGES). */
  g_assert_nonnull (locale_dir);
  g_setenv ("LANGUAGE", "fr", TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_func ("/Osais/L10n/catalogue", test_catalogue);
  g_test_add_func ("/Osais/L10n/engine-texts", test_engine_texts);
  g_test_add_func ("/Osais/L10n/refused-value", test_refused_value);
  g_test_add_func ("/Osais/L10n/image-check", test_image_check);
  g_test_add_func ("/Osais/L10n/welcome", test_welcome);
  g_test_add_func ("/Osais/L10n/studio", test_studio);

  return g_test_run ();
}
