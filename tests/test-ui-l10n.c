/* test-ui-l10n.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include <adwaita.h>

#include "osais-application.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"

/* The French a French user sees: the strings of po/fr.po. */
#define FRENCH_WELCOME "Bienvenue dans OSAIS Studio"
#define FRENCH_TRY_OFFLINE "Essayer hors ligne"
#define FRENCH_RUN "Lancer"
#define FRENCH_LISTENING "À l’écoute sur http://127.0.0.1:"

static char *test_home;

static void
remove_test_home (void)
{
  osais_test_remove_tree (test_home);
  g_clear_pointer (&test_home, g_free);
}

/* The isolation of osais_test_init(), without its g_test_init(), which
 * gtk_test_init() calls. */
static void
isolate_folders (void)
{
  static const struct { const char *variable; const char *folder; } folders[] = {
    { "HOME", "home" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autoptr(GError) error = NULL;

  test_home = g_dir_make_tmp ("osais-test-l10n-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (test_home, folders[i].folder, NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (folders[i].variable, path, TRUE);
    }
  atexit (remove_test_home);
}

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
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return FALSE;
  run->window = GTK_WIDGET (window);
  return TRUE;
}

static gboolean
shows_french_welcome (gpointer data)
{
  Run *run = data;

  return osais_ui_test_find_label (run->window, FRENCH_WELCOME) != NULL;
}

/* The studio page's title: the one with a subtitle (the status). */
static AdwWindowTitle *
find_status_title (GtkWidget *widget)
{
  if (ADW_IS_WINDOW_TITLE (widget)
      && *adw_window_title_get_subtitle (ADW_WINDOW_TITLE (widget)) != '\0')
    return ADW_WINDOW_TITLE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwWindowTitle *found = find_status_title (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
shows_french_status (gpointer data)
{
  Run *run = data;
  AdwWindowTitle *title = find_status_title (run->window);

  return title != NULL && strstr (adw_window_title_get_subtitle (title), FRENCH_LISTENING);
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

/* Runs the application with @args and calls @check once it is running. The
 * application is not unique: no session bus here. */
static void
run_application (const char * const *args,
                 void              (*check) (Run *run))
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  int status;

  run.data_dir = g_dir_make_tmp ("osais-l10n-XXXXXX", &error);
  g_assert_no_error (error);
  run.app = osais_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           g_application_get_flags (G_APPLICATION (run.app))
                           | G_APPLICATION_NON_UNIQUE);
  g_ptr_array_add (argv, (gpointer) "osais-studio");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, run.data_dir);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_idle_add_once ((GSourceOnceFunc) check, &run);
  status = g_application_run (G_APPLICATION (run.app), argv->len - 1, (char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);

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

  /* A French user: LANGUAGE is only read when the locale is not "C", and
   * gtk_init() sets the locale from the environment. The catalogue is the one
   * compiled in the build folder (po/fr/LC_MESSAGES). */
  g_assert_nonnull (locale_dir);
  g_setenv ("LANGUAGE", "fr", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  isolate_folders ();
  gtk_test_init (&argc, &argv, NULL);
  /* gtk_test_init() sets an English locale of its own. */
  setlocale (LC_ALL, "C.UTF-8");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_add_func ("/Osais/L10n/catalogue", test_catalogue);
  g_test_add_func ("/Osais/L10n/welcome", test_welcome);
  g_test_add_func ("/Osais/L10n/studio", test_studio);

  return g_test_run ();
}
