/* test-ui-application.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <stdlib.h>

#include <adwaita.h>

#include "osais-application.h"
#include "osais-test-utils.h"
#include "osais-window.h"

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

  test_home = g_dir_make_tmp ("osais-test-app-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (test_home, folders[i].folder, NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (folders[i].variable, path, TRUE);
    }
  atexit (remove_test_home);
}

static void
reset_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

static GtkWidget *
find_widget (GtkWidget *root,
             gboolean (*match) (GtkWidget *widget))
{
  if (match (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The window's main stack: the one with the welcome page. */
static gboolean
is_main_stack (GtkWidget *widget)
{
  return GTK_IS_STACK (widget)
         && gtk_stack_get_child_by_name (GTK_STACK (widget), "welcome") != NULL;
}

static const char *
visible_page (OsaisWindow *window)
{
  GtkWidget *stack = find_widget (GTK_WIDGET (window), is_main_stack);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

/* The studio page's title: the one with a subtitle (the status). */
static gboolean
is_status_title (GtkWidget *widget)
{
  return ADW_IS_WINDOW_TITLE (widget)
         && *adw_window_title_get_subtitle (ADW_WINDOW_TITLE (widget)) != '\0';
}

static const char *
status_subtitle (OsaisWindow *window)
{
  GtkWidget *title = find_widget (GTK_WIDGET (window), is_status_title);

  return title != NULL ? adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)) : "";
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  OsaisApplication *app;
  OsaisWindow      *window;
  OsaisSession     *session;
  char             *data_dir;
  const char       *input_path;
} Run;

typedef gboolean (*Condition) (Run *run);

static void
wait_until (Run        *run,
            Condition   condition,
            const char *what)
{
  guint id = g_timeout_add_seconds (OSAIS_TEST_TIMEOUT_SECONDS, timeout_cb, (gpointer) what);

  while (!condition (run))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
after_paint_cb (GdkFrameClock *clock,
                guint         *painted)
{
  (*painted)++;
}

/* Waits until @window has been painted @n times: laid out at its size. */
static void
wait_painted (GtkWidget *window,
              guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  guint painted = 0;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  while (painted < n)
    {
      gtk_widget_queue_draw (window);
      g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handler_disconnect (clock, id);
}

static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  const char *dir = g_getenv ("OSAIS_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  if (dir == NULL)
    return;

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

static gboolean
has_window (Run *run)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (run->app));

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return FALSE;
  run->window = OSAIS_WINDOW (window);
  run->session = osais_application_get_session (run->app);
  return TRUE;
}

static gboolean
session_ready (Run *run)
{
  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_listening (run->session)
         && osais_session_get_login_state (run->session) != OSAIS_LOGIN_STATE_LOGGING_IN;
}

static gboolean
logged_in_offline (Run *run)
{
  return session_ready (run)
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN
         && g_str_has_prefix (status_subtitle (run->window), "Offline simulator");
}

static gboolean
form_has_input (Run *run)
{
  return osais_request_form_get_has_input (osais_window_get_form (run->window));
}

/* Runs the application with @args, calls @check once its window shows,
 * then quits it. The application is not unique: no session bus here. */
static void
run_application (Run                *run,
                 const char * const *args,
                 void              (*check) (Run *run))
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  run->app = osais_application_new ();
  g_application_set_flags (G_APPLICATION (run->app),
                           g_application_get_flags (G_APPLICATION (run->app))
                           | G_APPLICATION_NON_UNIQUE);
  g_ptr_array_add (argv, (gpointer) "osais-studio");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, run->data_dir);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* Idles run once g_application_run() has activated the application. */
  g_idle_add_once ((GSourceOnceFunc) check, run);
  status = g_application_run (G_APPLICATION (run->app), argv->len - 1, (char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);

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
  wait_until (run, has_window, "the window");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (run->window)), ==, "OSAIS Studio");
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  wait_until (run, logged_in_offline, "the offline login");
  g_assert_cmpint (osais_session_get_account_mode (run->session), ==,
                   OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_cmpstr (osais_session_get_data_dir (run->session), ==, run->data_dir);
  g_assert_true (g_str_has_prefix (status_subtitle (run->window),
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
  wait_until (run, has_window, "the window");
  wait_until (run, session_ready, "the session");
  g_assert_cmpstr (visible_page (run->window), ==, "welcome");
  wait_painted (GTK_WIDGET (run->window), 3);
  save_screenshot (GTK_WIDGET (run->window), "welcome.png");
  gtk_window_set_default_size (GTK_WINDOW (run->window), 360, 640);
  wait_painted (GTK_WIDGET (run->window), 3);
  save_screenshot (GTK_WIDGET (run->window), "welcome-narrow.png");
  gtk_window_set_default_size (GTK_WINDOW (run->window), 1100, 720);
  wait_painted (GTK_WIDGET (run->window), 3);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.choose-offline",
                                             NULL));
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  wait_until (run, logged_in_offline, "the offline login");
  quit (run);
}

static void
check_remembered (Run *run)
{
  wait_until (run, has_window, "the window");
  g_assert_cmpstr (visible_page (run->window), ==, "studio");
  wait_until (run, logged_in_offline, "the offline login");
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
  wait_until (run, has_window, "the window");
  wait_until (run, form_has_input, "the opened image in the form");
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

int
main (int   argc,
      char *argv[])
{
  /* No session bus: the application runs on its own, and there is no
   * keyring, as on a headless machine. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  isolate_folders ();
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/Application/simulator", test_simulator);
  g_test_add_func ("/Osais/Application/welcome", test_welcome);
  g_test_add_func ("/Osais/Application/open", test_open);

  return g_test_run ();
}
