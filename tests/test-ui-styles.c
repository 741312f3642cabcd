/* test-ui-styles.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestStyles"

#include <glib/gstdio.h>

#include <adwaita.h>

#include "osais-last-form-private.h"
#include "osais-request-form.h"
#include "osais-style-popover-private.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

/* Helpers ----------------------------------------------------------------- */

static GListModel *engines;

static OsaisRequestForm *
new_form (const char *engine)
{
  OsaisRequestForm *form = g_object_ref_sink (OSAIS_REQUEST_FORM (osais_request_form_new ()));

  osais_request_form_set_engine (form, osais_engines_lookup (engines, engine));
  g_assert_nonnull (osais_request_form_get_engine (form));

  return form;
}

static void
set_prompt (OsaisRequestForm *form,
            const char       *text)
{
  GtkTextView *view = GTK_TEXT_VIEW (osais_request_form_get_field (form, "word"));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text, -1);
}

static char *
dup_value (OsaisRequestForm *form,
           const char       *name)
{
  g_autoptr(GHashTable) values = osais_request_form_dup_values (form);

  return g_strdup (g_hash_table_lookup (values, name));
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static OsaisStylePopover *
form_styles (OsaisRequestForm *form)
{
  GtkWidget *widget = GTK_WIDGET (form);

  /* The styles button's popover: the first menu button whose popover is one. */
  for (GtkWidget *button = find_widget (widget, GTK_TYPE_MENU_BUTTON);
       button != NULL;
       button = gtk_widget_get_next_sibling (button))
    {
      if (GTK_IS_MENU_BUTTON (button) &&
          OSAIS_IS_STYLE_POPOVER (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button))))
        return OSAIS_STYLE_POPOVER (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
    }

  g_assert_not_reached ();
}

static gboolean
popover_idle (gpointer data)
{
  return !osais_style_popover_get_busy (data);
}

static gboolean
last_form_idle (gpointer data)
{
  return !osais_last_form_get_busy (data);
}

static GFile *
test_file (const char *name)
{
  g_autofree char *path = g_build_filename (osais_test_get_dir (), name, NULL);

  g_unlink (path);
  return g_file_new_for_path (path);
}

/* Tests ------------------------------------------------------------------- */

/* Save the form as a style; it is in the file, in order, and applying it
 * later gives the form back its values. A name given again replaces it. */
static void
test_save_and_apply (void)
{
  OsaisRequestForm *form = new_form ("diffusion");
  OsaisStylePopover *popover = form_styles (form);
  g_autoptr(GFile) file = test_file ("styles.json");
  g_autoptr(GPtrArray) styles = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *steps = NULL;
  g_auto(GStrv) names = NULL;
  gsize length = 0;
  OsaisStyle *style;

  osais_request_form_set_styles_file (form, file);
  osais_ui_test_wait_until (popover_idle, popover, "the styles to load");
  names = osais_style_popover_dup_names (popover);
  g_assert_cmpuint (g_strv_length (names), ==, 0);
  g_clear_pointer (&names, g_strfreev);

  set_prompt (form, "an oil painting of a harbour");
  osais_request_form_set_values_from_json (form, "{\"steps\":\"35\"}");
  osais_style_popover_save (popover, "  Harbour  ");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be saved");
  set_prompt (form, "a pencil sketch");
  osais_style_popover_save (popover, "Sketch");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be saved");

  names = osais_style_popover_dup_names (popover);
  g_assert_cmpstrv (names, ((const char * const[]) { "Sketch", "Harbour", NULL }));
  /* Each row says its engine and prompt. */
  {
    GtkWidget *list_box = find_widget (GTK_WIDGET (popover), GTK_TYPE_LIST_BOX);
    GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 1);

    g_assert_true (ADW_IS_ACTION_ROW (row));
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Harbour");
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                     "diffusion — an oil painting of a harbour");
  }
  g_assert_true (g_file_load_contents (file, NULL, &contents, &length, NULL, &error));
  g_assert_no_error (error);
  styles = osais_styles_parse (contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (styles->len, ==, 2);
  style = g_ptr_array_index (styles, 1);
  g_assert_cmpstr (style->name, ==, "Harbour");
  g_assert_cmpstr (style->engine, ==, "diffusion");
  g_assert_nonnull (strstr (style->values, "\"word\":\"an oil painting of a harbour\""));
  g_assert_nonnull (strstr (style->values, "\"steps\":\"35\""));

  osais_request_form_reset (form);
  g_assert_true (osais_style_popover_apply (popover, "Harbour"));
  g_assert_cmpstr ((prompt = dup_value (form, "word")), ==, "an oil painting of a harbour");
  g_assert_cmpstr ((steps = dup_value (form, "steps")), ==, "35");
  g_assert_false (osais_style_popover_apply (popover, "No Such Style"));

  /* Its trash button deletes a style, from the file too. */
  {
    GtkWidget *list_box = find_widget (GTK_WIDGET (popover), GTK_TYPE_LIST_BOX);
    GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 0));
    GtkWidget *trash = find_widget (row, GTK_TYPE_BUTTON);
    g_autofree char *after = NULL;

    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Sketch");
    g_assert_nonnull (trash);
    g_signal_emit_by_name (trash, "clicked");
    osais_ui_test_wait_until (popover_idle, popover, "the style to be deleted");
    g_clear_pointer (&names, g_strfreev);
    names = osais_style_popover_dup_names (popover);
    g_assert_cmpstrv (names, ((const char * const[]) { "Harbour", NULL }));
    g_assert_true (g_file_load_contents (file, NULL, &after, NULL, NULL, &error));
    g_assert_null (strstr (after, "Sketch"));
    g_assert_nonnull (strstr (after, "Harbour"));
  }

  /* The same name again: replaced, on top. */
  osais_style_popover_save (popover, "Harbour");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be replaced");
  g_clear_pointer (&names, g_strfreev);
  names = osais_style_popover_dup_names (popover);
  g_assert_cmpstrv (names, ((const char * const[]) { "Harbour", NULL }));

  g_assert_finalize_object (form);
}

static void
apply_style_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  *(GVariant **) user_data = g_variant_ref (parameter);
}

/* A style of another engine goes to the window, which switches engines. */
static void
test_other_engine_goes_to_window (void)
{
  OsaisRequestForm *form = new_form ("diffusion");
  OsaisStylePopover *popover = form_styles (form);
  g_autoptr(GFile) file = test_file ("styles-other.json");
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("apply-style", G_VARIANT_TYPE ("(ss)"));
  g_autoptr(GVariant) applied = NULL;
  GtkWidget *window = gtk_window_new ();
  const char *engine = NULL;
  const char *values = NULL;

  g_signal_connect (action, "activate", G_CALLBACK (apply_style_cb), &applied);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
  gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (group));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (form));

  osais_request_form_set_styles_file (form, file);
  osais_ui_test_wait_until (popover_idle, popover, "the styles to load");
  set_prompt (form, "a diffusion prompt");
  osais_style_popover_save (popover, "Diffusion");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be saved");

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "rembg"));
  g_assert_true (osais_style_popover_apply (popover, "Diffusion"));
  g_assert_nonnull (applied);
  g_variant_get (applied, "(&s&s)", &engine, &values);
  g_assert_cmpstr (engine, ==, "diffusion");
  g_assert_nonnull (strstr (values, "a diffusion prompt"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (form);
}

/* A style of another engine names that engine by its title, found in the
 * engines installed. */
static void
test_other_engine_titled (void)
{
  OsaisRequestForm *form = new_form ("rembg");
  OsaisStylePopover *popover = form_styles (form);
  g_autoptr(GFile) file = test_file ("styles-titled.json");
  GtkWidget *list_box;
  GtkListBoxRow *row;

  osais_request_form_set_styles_file (form, file);
  osais_ui_test_wait_until (popover_idle, popover, "the styles to load");
  osais_style_popover_save (popover, "Cutout");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be saved");

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  osais_request_form_set_engines (form, engines);
  list_box = find_widget (GTK_WIDGET (popover), GTK_TYPE_LIST_BOX);
  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Remove Background");

  g_assert_finalize_object (form);
}

/* A styles file we cannot read: nothing listed, no crash; saving a style
 * keeps the broken file aside, byte for byte, instead of writing over it. */
static void
test_broken_file_kept (void)
{
  OsaisRequestForm *form = new_form ("diffusion");
  OsaisStylePopover *popover = form_styles (form);
  g_autoptr(GFile) file = test_file ("styles-broken.json");
  g_autoptr(GFile) aside = test_file ("styles-broken.json.broken");
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_auto(GStrv) names = NULL;
  const char *broken = "{\"styles\": [ {\"name\": \"half a styl";

  g_assert_true (g_file_set_contents (g_file_peek_path (file), broken, -1, &error));
  osais_request_form_set_styles_file (form, file);
  osais_ui_test_wait_until (popover_idle, popover, "the styles to load");
  names = osais_style_popover_dup_names (popover);
  g_assert_cmpuint (g_strv_length (names), ==, 0);

  set_prompt (form, "after the damage");
  osais_style_popover_save (popover, "Fresh");
  osais_ui_test_wait_until (popover_idle, popover, "the style to be saved");

  g_assert_true (g_file_get_contents (g_file_peek_path (aside), &kept, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, broken);
  g_clear_pointer (&names, g_strfreev);
  names = osais_style_popover_dup_names (popover);
  g_assert_cmpstrv (names, ((const char * const[]) { "Fresh", NULL }));

  g_assert_finalize_object (form);
}

/* The core refuses what is not a styles file, and a save over a file that
 * broke since it was read fails unless told to keep it aside. */
static void
test_core_refuses_broken (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);
  g_autoptr(GFile) file = test_file ("styles-core.json");
  g_autoptr(GAsyncResult) result = NULL;
  const char *cases[] = {
    "", "[]", "{\"styles\": {}}", "{\"styles\": [{\"name\": \"x\"}]}",
    "{\"styles\": [{\"engine\": \"diffusion\", \"values\": []}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      none = osais_styles_parse (cases[i], strlen (cases[i]), &error);
      g_assert_error (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN);
      g_assert_null (none);
      g_clear_error (&error);
    }

  g_assert_true (g_file_set_contents (g_file_peek_path (file), "not json", -1, &error));
  g_ptr_array_add (styles, osais_style_new ("a", "diffusion", "{}"));
  osais_styles_save_async (file, styles, FALSE, NULL, osais_test_store_result_cb, &result);
  g_assert_false (osais_styles_save_finish (osais_test_wait_for_result (&result, "save"),
                                            NULL, &error));
  g_assert_error (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN);
}

/* The form sent last comes back at start-up: a new form, once it shows
 * that engine, has its prompt and values. */
static void
test_last_form_restored (void)
{
  OsaisRequestForm *form = new_form ("diffusion");
  OsaisRequestForm *next = g_object_ref_sink (OSAIS_REQUEST_FORM (osais_request_form_new ()));
  g_autoptr(OsaisLastForm) last = osais_last_form_new (form);
  g_autoptr(OsaisLastForm) restored = osais_last_form_new (next);
  g_autoptr(GFile) file = test_file ("last-form.json");
  g_autofree char *prompt = NULL;
  g_autofree char *steps = NULL;

  osais_last_form_set_file (last, file);
  osais_ui_test_wait_until (last_form_idle, last, "the last form to load");
  set_prompt (form, "the same fox, again");
  osais_request_form_set_values_from_json (form, "{\"steps\":\"41\"}");
  osais_last_form_save (last);
  osais_ui_test_wait_until (last_form_idle, last, "the last form to be kept");
  g_assert_true (g_file_query_exists (file, NULL));

  /* The file first, then the engine (the engines come from the network). */
  osais_last_form_set_file (restored, file);
  osais_ui_test_wait_until (last_form_idle, restored, "the last form to load");
  osais_request_form_set_engine (next, osais_engines_lookup (engines, "diffusion"));
  g_assert_cmpstr ((prompt = dup_value (next, "word")), ==, "the same fox, again");
  g_assert_cmpstr ((steps = dup_value (next, "steps")), ==, "41");

  /* Written in before the file was read: the user's prompt stays. */
  {
    OsaisRequestForm *quick = new_form ("diffusion");
    g_autoptr(OsaisLastForm) late = osais_last_form_new (quick);
    g_autofree char *kept = NULL;

    set_prompt (quick, "typed at once");
    osais_last_form_set_file (late, file);
    osais_ui_test_wait_until (last_form_idle, late, "the last form to load");
    g_assert_cmpstr ((kept = dup_value (quick, "word")), ==, "typed at once");
    g_clear_object (&late);
    g_assert_finalize_object (quick);
  }

  g_clear_object (&last);
  g_clear_object (&restored);
  g_assert_finalize_object (form);
  g_assert_finalize_object (next);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) warnings = NULL;
  int status;

  osais_ui_test_init (&argc, &argv);
  engines = osais_engines_load (&warnings);

  g_test_add_func ("/Osais/Styles/save-and-apply", test_save_and_apply);
  g_test_add_func ("/Osais/Styles/other-engine-goes-to-window", test_other_engine_goes_to_window);
  g_test_add_func ("/Osais/Styles/other-engine-titled", test_other_engine_titled);
  g_test_add_func ("/Osais/Styles/broken-file-kept", test_broken_file_kept);
  g_test_add_func ("/Osais/Styles/core-refuses-broken", test_core_refuses_broken);
  g_test_add_func ("/Osais/Styles/last-form-restored", test_last_form_restored);

  status = g_test_run ();
  g_clear_object (&engines);

  return status;
}
