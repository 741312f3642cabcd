/* test-ui-application.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <adwaita.h>

#include "osais-application.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"

static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  osais_ui_test_reset_settings (settings);
}

/* The window's main stack: the one with the welcome page. */
static gboolean
is_main_stack (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_STACK (widget)
         && gtk_stack_get_child_by_name (GTK_STACK (widget), "welcome") != NULL;
}

static const char *
visible_page (OsaisWindow *window)
{
  GtkWidget *stack = osais_ui_test_find_widget (GTK_WIDGET (window), is_main_stack, NULL);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

typedef struct
{
  OsaisApplication *app;
  OsaisWindow      *window;
  OsaisSession     *session;
  char             *data_dir;
  const char       *input_path;
} Run;

static gboolean
has_window (gpointer data)
{
  Run *run = data;
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));

  if (window == NULL)
    return FALSE;
  run->window = OSAIS_WINDOW (window);
  run->session = osais_application_get_session (run->app);
  return TRUE;
}

static gboolean
session_ready (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_listening (run->session)
         && osais_session_get_login_state (run->session) != OSAIS_LOGIN_STATE_LOGGING_IN;
}

static gboolean
logged_in_offline (gpointer data)
{
  Run *run = data;

  return session_ready (run)
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN
         && g_str_has_prefix (osais_ui_test_get_status_subtitle (GTK_WIDGET (run->window)),
                              "Offline simulator");
}

static gboolean
form_has_input (gpointer data)
{
  Run *run = data;

  return osais_request_form_get_has_input (osais_window_get_form (run->window));
}

/* Runs the application with @args, calls @check once it runs; @check
 * quits it. */
static void
run_application (Run                *run,
                 const char * const *args,
                 void              (*check) (Run *run))
{
  run->app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run->app), run->data_dir, args,
                                 (GSourceOnceFunc) check, run);
  g_clear_object (&run->app);
  run->window = NULL;
  run->session = NULL;
}

static void
quit (Run *run)
{
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
check_simulator (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (run->window)), ==, "OSAIS Studio");
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  osais_ui_test_wait_until (logged_in_offline, run, "the offline login");
  g_assert_cmpint (osais_session_get_account_mode (run->session), ==,
                   OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_cmpstr (osais_session_get_data_dir (run->session), ==, run->data_dir);
  g_assert_true (g_str_has_prefix (osais_ui_test_get_status_subtitle (GTK_WIDGET (run->window)),
                                   "Offline simulator · Listening on http://127.0.0.1:"));
  quit (run);
}

static void
test_simulator (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;

  reset_settings ();
  run.data_dir = g_dir_make_tmp ("osais-app-XXXXXX", &error);
  g_assert_no_error (error);

  run_application (&run, args, check_simulator);

  /* --simulator is for this run only. */
  g_assert_cmpint (g_settings_get_enum (settings, "account-mode"), ==, OSAIS_ACCOUNT_MODE_NONE);
  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

static void
check_welcome_then_offline (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (session_ready, run, "the session");
  g_assert_cmpstr (visible_page (run->window), ==, "welcome");
  osais_ui_test_wait_painted (GTK_WIDGET (run->window), 3);
  osais_ui_test_save_screenshot (GTK_WIDGET (run->window), "welcome.png");
  gtk_window_set_default_size (GTK_WINDOW (run->window), 360, 640);
  osais_ui_test_wait_painted (GTK_WIDGET (run->window), 3);
  osais_ui_test_save_screenshot (GTK_WIDGET (run->window), "welcome-narrow.png");
  gtk_window_set_default_size (GTK_WINDOW (run->window), 1100, 720);
  osais_ui_test_wait_painted (GTK_WIDGET (run->window), 3);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.choose-offline",
                                             NULL));
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  osais_ui_test_wait_until (logged_in_offline, run, "the offline login");
  quit (run);
}

static void
check_remembered (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  osais_ui_test_wait_until (logged_in_offline, run, "the offline login");
  quit (run);
}

static void
test_welcome (void)
{
  static const char * const no_args[] = { NULL };
  Run run = { 0 };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;

  reset_settings ();
  run.data_dir = g_dir_make_tmp ("osais-app-XXXXXX", &error);
  g_assert_no_error (error);

  run_application (&run, no_args, check_welcome_then_offline);
  g_assert_cmpint (g_settings_get_enum (settings, "account-mode"), ==,
                   OSAIS_ACCOUNT_MODE_OFFLINE);

  /* The next start goes straight to the studio, offline. */
  run_application (&run, no_args, check_remembered);

  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

static void
check_open (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (form_has_input, run, "the opened image in the form");
  quit (run);
}

static void
test_open (void)
{
  Run run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *path = NULL;
  const char *args[] = { "--simulator", NULL, NULL };

  reset_settings ();
  run.data_dir = g_dir_make_tmp ("osais-app-XXXXXX", &error);
  g_assert_no_error (error);
  png = osais_simulator_render_png ("an input", 1, 64, 64, &error);
  g_assert_no_error (error);
  path = g_build_filename (run.data_dir, "input.png", NULL);
  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  args[1] = path;

  run_application (&run, args, check_open);

  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

/* Starting writes no setting: the last engine, chosen before, is selected
 * again without being written (each start wrote it, first as the model's
 * first engine: with the keyfile backend a file synced on the main thread
 * before the first frame). */
typedef struct
{
  Run   run;
  guint n_written;
} StartRun;

static void
last_engine_written_cb (GSettings  *settings,
                        const char *key,
                        StartRun   *start)
{
  start->n_written++;
}

static gboolean
form_has_engine (gpointer data)
{
  Run *run = data;

  return osais_request_form_get_engine (osais_window_get_form (run->window)) != NULL;
}

static void
check_start_writes_no_setting (StartRun *start)
{
  Run *run = &start->run;
  OsaisEngine *engine;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (session_ready, run, "the session");
  osais_ui_test_wait_until (form_has_engine, run, "the engines");
  osais_ui_test_settle (200);
  engine = osais_request_form_get_engine (osais_window_get_form (run->window));
  g_assert_cmpstr (osais_engine_get_name (engine), ==, "rembg");
  g_assert_cmpuint (start->n_written, ==, 0);
  quit (run);
}

static void
test_start_writes_no_setting (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_engine = NULL;
  StartRun start = { 0 };

  reset_settings ();
  g_settings_set_string (settings, "last-engine", "rembg");
  g_signal_connect (settings, "changed::last-engine", G_CALLBACK (last_engine_written_cb), &start);
  start.run.data_dir = g_dir_make_tmp ("osais-application-XXXXXX", &error);
  g_assert_no_error (error);

  start.run.app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (start.run.app), start.run.data_dir, args,
                                 (GSourceOnceFunc) check_start_writes_no_setting, &start);
  g_clear_object (&start.run.app);

  last_engine = g_settings_get_string (settings, "last-engine");
  g_assert_cmpstr (last_engine, ==, "rembg");
  g_signal_handlers_disconnect_by_data (settings, &start);
  osais_test_remove_tree (start.run.data_dir);
  g_free (start.run.data_dir);
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus: the application runs on its own, and there is no
   * keyring, as on a headless machine. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Application/simulator", test_simulator);
  g_test_add_func ("/Osais/Application/welcome", test_welcome);
  g_test_add_func ("/Osais/Application/open", test_open);
  g_test_add_func ("/Osais/Application/start-writes-no-setting", test_start_writes_no_setting);

  return g_test_run ();
}
