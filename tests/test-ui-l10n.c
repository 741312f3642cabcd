/* test-ui-l10n.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <glib/gi18n.h>

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
  g_test_add_func ("/Osais/L10n/welcome", test_welcome);
  g_test_add_func ("/Osais/L10n/studio", test_studio);

  return g_test_run ();
}
