/* test-ui-background.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Closing the window while a job runs: the app keeps receiving and storing
 * its images, then quits by itself; with the preference off, it quits at
 * once.
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <adwaita.h>

#include "osais-application.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"

typedef struct
{
  OsaisApplication *app;
  OsaisSession     *session;
  char             *data_dir;
  OsaisJob         *job;
  guint             n_images_at_close;
  gboolean          went_background;
  gboolean          job_complete_at_end;
  guint             watchdog;
} Run;

static gboolean
session_ready (gpointer data)
{
  Run *run = data;

  if (osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app)) == NULL)
    return FALSE;
  run->session = osais_application_get_session (run->app);
  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_listening (run->session)
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN;
}

static gboolean
job_running (gpointer data)
{
  Run *run = data;

  return run->job != NULL && osais_job_get_stage (run->job) >= OSAIS_STAGE_STARTED;
}

static gboolean
job_complete (gpointer data)
{
  Run *run = data;

  return osais_job_is_complete (run->job);
}

static gboolean
not_in_background (gpointer data)
{
  Run *run = data;

  return !osais_application_get_receiving_in_background (run->app);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  run->job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("The application did not quit by itself once its jobs were done");
  return G_SOURCE_REMOVE;
}

/* Sends a slow diffusion request for three images and waits until it runs. */
static void
start_slow_job (Run *run)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);

  osais_ui_test_wait_until (session_ready, run, "the session");
  /* A callback every 300 ms: the window closes between two of them. */
  g_object_set (osais_session_get_simulator (run->session), "step-delay", 300, NULL);
  g_hash_table_insert (values, (char *) "word", (char *) "kept while closed");
  g_hash_table_insert (values, (char *) "cimg", (char *) "3");
  osais_session_submit_async (run->session, "diffusion", values, NULL, NULL, NULL,
                              submitted_cb, run);
  osais_ui_test_wait_until (job_running, run, "the job to start");
}

static void
close_window (Run *run)
{
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));

  g_assert_nonnull (window);
  run->n_images_at_close = g_list_model_get_n_items (osais_job_get_images (run->job));
  gtk_window_close (GTK_WINDOW (window));
}

static void
check_keeps_receiving (Run *run)
{
  start_slow_job (run);
  close_window (run);

  /* No window, yet the app runs, and the server listens. */
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (run->app)));
  g_assert_true (osais_application_get_receiving_in_background (run->app));
  g_assert_true (osais_session_get_server_listening (run->session));

  /* The images uploaded after the window closed are stored. */
  osais_ui_test_wait_until (job_complete, run, "the job to complete with the window closed");
  g_test_message ("%u image(s) stored before the window closed, %u in all",
                  run->n_images_at_close,
                  g_list_model_get_n_items (osais_job_get_images (run->job)));
  g_assert_cmpint (osais_job_get_stage (run->job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (run->job)), ==, 3);
  g_assert_cmpuint (run->n_images_at_close, <, 3);

  /* Nothing is left running: the app lets itself quit. */
  osais_ui_test_wait_until (not_in_background, run, "the app to stop holding itself");
  run->went_background = TRUE;
  run->watchdog = g_timeout_add_seconds (20, watchdog_cb, NULL);
}

static void
check_quits_when_off (Run *run)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

  g_settings_set_boolean (settings, "keep-receiving", FALSE);
  start_slow_job (run);
  close_window (run);
  g_assert_false (osais_application_get_receiving_in_background (run->app));
  run->watchdog = g_timeout_add_seconds (20, watchdog_cb, NULL);
}

static void
run_application (Run        *run,
                 void      (*check) (Run *run))
{
  static const char * const args[] = { "--simulator", NULL };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;

  osais_ui_test_reset_settings (settings);
  run->data_dir = g_dir_make_tmp ("osais-background-XXXXXX", &error);
  g_assert_no_error (error);
  run->app = osais_application_new ();
  /* g_application_run() returns only once the app has quit by itself. */
  osais_ui_test_run_application (G_APPLICATION (run->app), run->data_dir, args,
                                 (GSourceOnceFunc) check, run);
  g_clear_handle_id (&run->watchdog, g_source_remove);
  g_assert_nonnull (run->job);
  run->job_complete_at_end = osais_job_is_complete (run->job);
  g_clear_object (&run->job);
  g_clear_object (&run->app);
  osais_test_remove_tree (run->data_dir);
  g_free (run->data_dir);
}

static void
test_keeps_receiving (void)
{
  Run run = { 0 };

  run_application (&run, check_keeps_receiving);
  g_assert_true (run.went_background);
  g_assert_true (run.job_complete_at_end);
}

static void
test_quits_when_off (void)
{
  Run run = { 0 };

  run_application (&run, check_quits_when_off);
  /* It quit at once, in the middle of the job. */
  g_assert_false (run.job_complete_at_end);
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus: the application runs on its own; notifications go
   * nowhere, which is what a machine without a notification server does. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Background/keeps-receiving", test_keeps_receiving);
  g_test_add_func ("/Osais/Background/quits-when-off", test_quits_when_off);

  return g_test_run ();
}
