/* test-ui-failures.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "osais-application.h"
#include "osais-gallery.h"
#include "osais-input-well.h"
#include "osais-login-failure.h"
#include "osais-preferences-window.h"
#include "osais-store-private.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"

/* The unhappy paths a person reaches through the window: each runs the whole
 * application, drives it as a person would, and checks that the window stays
 * and says what happened and what to do. */

typedef struct
{
  OsaisApplication *app;
  OsaisSession     *session;
  char             *data_dir;
  char             *origin;
  guint             busy_port;
  /* Weak: a failure that destroys the window clears it. */
  GtkWidget        *window;
} Run;

static void
run_init (Run        *run,
          const char *origin)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;

  osais_ui_test_reset_settings (settings);
  if (origin != NULL)
    g_settings_set_string (settings, "server-origin", origin);
  run->origin = g_strdup (origin);
  run->data_dir = g_dir_make_tmp ("osais-failures-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
run_clear (Run *run)
{
  osais_test_remove_tree (run->data_dir);
  g_clear_pointer (&run->data_dir, g_free);
  g_clear_pointer (&run->origin, g_free);
}

/* An origin where nothing listens: a port taken from the system, then let go. */
static char *
dup_closed_origin (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  return g_strdup_printf ("http://127.0.0.1:%u/", port);
}

static void
run_application (Run                *run,
                 const char * const *args,
                 void              (*check) (Run *run))
{
  run->app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run->app), run->data_dir, args,
                                 (GSourceOnceFunc) check, run);
  g_clear_object (&run->app);
  run->session = NULL;
}

static gboolean
has_window (gpointer data)
{
  Run *run = data;
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));

  if (window == NULL)
    return FALSE;
  run->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &run->window);
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
login_failed (gpointer data)
{
  Run *run = data;

  return osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_FAILED;
}

static void
start (Run *run)
{
  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (session_ready, run, "the session");
}

/* The window outlived the failure: still the application's, still shown. */
static void
assert_window_stays (Run *run)
{
  /* What a failure destroys goes at the next iterations. */
  osais_ui_test_settle (200);
  g_assert_nonnull (run->window);
  g_assert_true (gtk_widget_get_mapped (run->window));
  g_assert_nonnull (g_list_find (gtk_application_get_windows (GTK_APPLICATION (run->app)),
                                 run->window));
}

static void
quit (Run *run)
{
  if (run->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (run->window), (gpointer *) &run->window);
  run->window = NULL;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* The banner --------------------------------------------------------------- */

static OsaisBanner *
get_banner (Run *run)
{
  return osais_window_get_banner (OSAIS_WINDOW (run->window));
}

static gboolean
is_button (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_BUTTON (widget);
}

static GtkWidget *
banner_button (Run *run)
{
  GtkWidget *button = osais_ui_test_find_widget (GTK_WIDGET (get_banner (run)), is_button, NULL);

  g_assert_nonnull (button);
  return button;
}

/* A button showing @data, as its label or as its icon. */
static gboolean
is_labelled (GtkWidget     *widget,
             gconstpointer  data)
{
  return GTK_IS_BUTTON (widget)
         && (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0
             || g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), data) == 0);
}

typedef struct
{
  Run        *run;
  const char *text;
} Finding;

static gboolean
shows_text (gpointer data)
{
  Finding *finding = data;

  return osais_ui_test_find_label (finding->run->window, finding->text) != NULL;
}

/* The banner is out, on screen, with @title, and a button @button_label
 * (NULL: none) bound to @action. */
static void
assert_banner (Run        *run,
               const char *title,
               const char *button_label,
               const char *action)
{
  OsaisBanner *banner = get_banner (run);
  Finding finding = { run, title };

  g_assert_true (osais_banner_get_revealed (banner));
  g_assert_cmpstr (osais_banner_get_title (banner), ==, title);
  osais_ui_test_wait_until (shows_text, &finding, "the banner's title on screen");
  g_assert_cmpstr (osais_banner_get_button_label (banner), ==, button_label);
  if (button_label != NULL)
    {
      GtkWidget *button = banner_button (run);

      g_assert_true (gtk_widget_get_visible (button));
      g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, action);
    }
}

/* Preferences ------------------------------------------------------------- */

static GtkWidget *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (OSAIS_IS_PREFERENCES_WINDOW (window) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static gboolean
has_preferences (gpointer data)
{
  GtkWidget **preferences = data;

  *preferences = find_preferences ();
  return *preferences != NULL && gtk_widget_get_mapped (*preferences);
}

static GtkWidget *
get_named (GtkWidget  *window,
           const char *name)
{
  GtkWidget *widget = osais_ui_test_find_named (window, name);

  if (widget == NULL)
    g_error ("No widget named %s", name);
  return widget;
}

static void
type_into (GtkWidget  *window,
           const char *name,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (get_named (window, name)), text);
}

/* Welcome → Sign In… → the token and secret (and the server, when given) →
 * Sign In. Returns the preferences window. */
static GtkWidget *
sign_in_through_welcome (Run        *run,
                         const char *origin,
                         const char *token,
                         const char *secret)
{
  GtkWidget *preferences = NULL;

  gtk_widget_activate (osais_ui_test_find_actionable (run->window, "win.choose-sign-in"));
  osais_ui_test_wait_until (has_preferences, &preferences, "the sign-in fields");
  if (origin != NULL)
    {
      type_into (preferences, "origin-row", origin);
      g_signal_emit_by_name (get_named (preferences, "origin-row"), "apply");
    }
  type_into (preferences, "token-row", token);
  type_into (preferences, "secret-row", secret);
  gtk_widget_activate (get_named (preferences, "sign-in-button"));
  return preferences;
}

static const char *
sign_in_error (GtkWidget *preferences)
{
  GtkWidget *label = get_named (preferences, "sign-in-error-label");

  g_assert_true (gtk_widget_get_visible (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

/* Wrong credentials ------------------------------------------------------- */

static void
check_wrong_credentials (Run *run)
{
  GtkWidget *preferences;
  const char *message;

  start (run);
  preferences = sign_in_through_welcome (run, NULL, OSAIS_SIMULATOR_DEFAULT_TOKEN,
                                         "not-the-secret");
  osais_ui_test_wait_until (login_failed, run, "the refused login");
  assert_window_stays (run);

  /* Said beside the fields it is about: what happened, what to do. */
  g_assert_true (find_preferences () == preferences);
  message = sign_in_error (preferences);
  g_assert_nonnull (strstr (message, "OSAIS refused this client token and secret"));
  g_assert_nonnull (strstr (message, "then sign in"));
  /* Not signed in: nothing to sign out of. */
  g_assert_false (gtk_widget_get_visible (osais_ui_test_find_named (preferences,
                                                                    "sign-out-button")));
  osais_ui_test_save_screenshot (preferences, "failure-wrong-credentials.png");

  /* Closed, the main window says it lasts, and Sign In… opens the fields. */
  gtk_window_close (GTK_WINDOW (preferences));
  assert_banner (run, "Not signed in to OSAIS", "_Sign In…", "win.choose-sign-in");
  /* The empty gallery does not invite a prompt that could not be sent. */
  g_assert_nonnull (osais_ui_test_find_label (run->window, "Not Signed In"));
  g_assert_null (osais_ui_test_find_label (run->window, "No Images Yet"));
  osais_ui_test_save_screenshot (run->window, "banner-not-signed-in.png");
  g_assert_null (find_preferences ());
  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (has_preferences, &preferences, "the sign-in fields again");
  g_assert_true (gtk_widget_get_visible (get_named (preferences, "sign-in-group")));
  gtk_window_close (GTK_WINDOW (preferences));
  quit (run);
}

static void
test_wrong_credentials (void)
{
  static const char * const no_args[] = { NULL };
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  Run run = { 0 };

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  run_init (&run, origin);

  run_application (&run, no_args, check_wrong_credentials);

  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* Connection refused ------------------------------------------------------ */

static void
check_connection_refused (Run *run)
{
  g_autofree char *expected = NULL;
  GtkWidget *preferences;
  const char *message;

  start (run);
  /* The server typed in the preferences, as a person with their own does. */
  preferences = sign_in_through_welcome (run, run->origin, "a-token", "a-secret");
  osais_ui_test_wait_until (login_failed, run, "the login to a closed port");
  assert_window_stays (run);

  message = sign_in_error (preferences);
  expected = g_strdup_printf ("Could not reach OSAIS at %s.", run->origin);
  g_assert_nonnull (strstr (message, expected));
  g_assert_nonnull (strstr (message, "Check the network connection and the server address"));
  osais_ui_test_save_screenshot (preferences, "failure-connection-refused.png");

  gtk_window_close (GTK_WINDOW (preferences));
  assert_banner (run, "OSAIS is not reachable: check the network connection", "_Retry",
                 "win.retry-login");
  osais_ui_test_save_screenshot (run->window, "banner-not-reachable.png");

  /* Retry logs in again, and fails again as long as nothing listens. (A
   * click: activating a button clicks it only after a 250 ms flash.) */
  g_signal_emit_by_name (banner_button (run), "clicked");
  g_assert_cmpint (osais_session_get_login_state (run->session), ==,
                   OSAIS_LOGIN_STATE_LOGGING_IN);
  g_assert_false (osais_banner_get_revealed (get_banner (run)));
  osais_ui_test_wait_until (login_failed, run, "the retried login");
  g_assert_true (osais_banner_get_revealed (get_banner (run)));
  quit (run);
}

static void
test_connection_refused (void)
{
  static const char * const no_args[] = { NULL };
  g_autofree char *origin = dup_closed_origin ();
  Run run = { 0 };

  /* The settings' server is the default: the closed port is typed in. */
  run_init (&run, NULL);
  run.origin = g_strdup (origin);

  run_application (&run, no_args, check_connection_refused);

  run_clear (&run);
}

/* A server that accepts and never answers --------------------------------- */

typedef struct
{
  GSocketService *service;
  GPtrArray      *connections;  /* held open, never answered */
  char           *origin;
  /* Answers plain HTTP at once instead, whatever was sent (a TLS hello). */
  gboolean        plain;
} SilentServer;

static gboolean
silent_incoming_cb (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  SilentServer *server = user_data;
  static const char answer[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                               "Content-Length: 0\r\n\r\n";

  g_ptr_array_add (server->connections, g_object_ref (connection));
  if (server->plain)
    {
      GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

      g_output_stream_write_all (output, answer, sizeof answer - 1, NULL, NULL, NULL);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  return TRUE;
}

static void
silent_server_start (SilentServer *server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->service = g_socket_service_new ();
  server->connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                 &error);
  g_assert_no_error (error);
  g_signal_connect (server->service, "incoming", G_CALLBACK (silent_incoming_cb), server);
  g_socket_service_start (server->service);
  server->origin = g_strdup_printf ("http://127.0.0.1:%u/",
                                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
silent_server_stop (SilentServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_clear_object (&server->service);
  g_clear_pointer (&server->connections, g_ptr_array_unref);
  g_clear_pointer (&server->origin, g_free);
}

/* Timeout: OSAIS takes the connection and says nothing --------------------- */

static void
check_timeout (Run *run)
{
  g_autofree char *expected = NULL;
  GtkWidget *preferences;
  const char *message;

  start (run);
  /* One second instead of thirty: the client's own timeout, not a test's. */
  osais_session_set_client_timeout (run->session, 1);
  preferences = sign_in_through_welcome (run, run->origin, "a-token", "a-secret");
  osais_ui_test_wait_until (login_failed, run, "the login to a silent server");
  assert_window_stays (run);
  g_assert_true (g_error_matches (osais_session_get_login_failure (run->session),
                                  OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT));

  message = sign_in_error (preferences);
  expected = g_strdup_printf ("OSAIS at %s accepted the connection but did not answer in time",
                              run->origin);
  g_assert_nonnull (strstr (message, expected));
  g_assert_nonnull (strstr (message, "try again later"));
  osais_ui_test_save_screenshot (preferences, "failure-timeout.png");

  gtk_window_close (GTK_WINDOW (preferences));
  assert_banner (run, "OSAIS is not answering: try again later", "_Retry", "win.retry-login");
  osais_ui_test_save_screenshot (run->window, "banner-timeout.png");
  quit (run);
}

static void
test_timeout (void)
{
  static const char * const no_args[] = { NULL };
  SilentServer server = { 0 };
  Run run = { 0 };

  silent_server_start (&server);
  run_init (&run, NULL);
  run.origin = g_strdup (server.origin);

  run_application (&run, no_args, check_timeout);

  run_clear (&run);
  g_assert_cmpuint (server.connections->len, >=, 1);
  silent_server_stop (&server);
}

/* TLS: an https:// address to a server that speaks plain HTTP -------------- */

static void
check_tls_error (Run *run)
{
  g_autofree char *expected = NULL;
  GtkWidget *preferences;
  const char *message;

  start (run);
  osais_session_set_client_timeout (run->session, 10);
  preferences = sign_in_through_welcome (run, run->origin, "a-token", "a-secret");
  osais_ui_test_wait_until (login_failed, run, "the login over TLS to a plain server");
  assert_window_stays (run);
  g_test_message ("TLS failure: %s", osais_session_get_login_failure (run->session)->message);
  g_assert_true (g_error_matches (osais_session_get_login_failure (run->session),
                                  OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TLS));

  message = sign_in_error (preferences);
  expected = g_strdup_printf ("Could not connect securely to %s", run->origin);
  g_assert_nonnull (strstr (message, expected));
  g_assert_nonnull (strstr (message, "starts with http:// or https://"));
  osais_ui_test_save_screenshot (preferences, "failure-tls.png");

  gtk_window_close (GTK_WINDOW (preferences));
  assert_banner (run, "No secure connection to OSAIS: check the server address",
                 "_Preferences", "app.preferences");
  osais_ui_test_save_screenshot (run->window, "banner-tls.png");
  quit (run);
}

static void
test_tls_error (void)
{
  static const char * const no_args[] = { NULL };
  SilentServer server = { .plain = TRUE };
  Run run = { 0 };

  silent_server_start (&server);
  run_init (&run, NULL);
  run.origin = g_strconcat ("https://", server.origin + strlen ("http://"), NULL);

  run_application (&run, no_args, check_tls_error);

  run_clear (&run);
  silent_server_stop (&server);
}

/* A user's engine descriptor that cannot be read --------------------------- */

static gboolean logged_in   (gpointer data);
static gboolean has_engines (gpointer data);

static gboolean
shows_toast (gpointer data)
{
  Run *run = data;

  return osais_ui_test_find_label (run->window, "Engine descriptor “broken.json” skipped")
         != NULL;
}

static void
check_descriptor_refused (Run *run)
{
  GtkLabel *reason;
  GtkWidget *overlay;
  GtkWidget *button;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  osais_ui_test_wait_until (has_engines, run, "the engines");
  osais_ui_test_wait_until (shows_toast, run, "the toast about the descriptor");
  assert_window_stays (run);

  /* What is wrong with it, all of it (where in the file), and the folder
   * where it is mended. */
  reason = osais_ui_test_find_label (run->window, "not valid JSON");
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (gtk_label_get_text (reason), "1:32"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (reason)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (reason)));
  overlay = osais_ui_test_find_descendant (run->window, ADW_TYPE_TOAST_OVERLAY);
  button = osais_ui_test_find_actionable (overlay, "win.open-engines-folder");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "_Open Folder");
  /* The other engines are there. */
  g_assert_nonnull (osais_engines_lookup (osais_session_get_engines (run->session),
                                          "diffusion"));
  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (run->window, "failure-descriptor-refused.png");
  quit (run);
}

static void
test_descriptor_refused (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "osais-studio", "engines",
                                           NULL);
  g_autofree char *path = g_build_filename (dir, "broken.json", NULL);
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, "{\"engine\": \"broken\", \"params\": [", -1, &error);
  g_assert_no_error (error);
  run_init (&run, NULL);

  run_application (&run, args, check_descriptor_refused);

  run_clear (&run);
  g_assert_cmpint (g_remove (path), ==, 0);
}

/* Demo account without a network ----------------------------------------- */

static void
check_demo_unreachable (Run *run)
{
  start (run);
  gtk_widget_activate (osais_ui_test_find_actionable (run->window, "win.choose-demo"));
  osais_ui_test_wait_until (login_failed, run, "the demo login to a closed port");
  assert_window_stays (run);

  assert_banner (run, "OSAIS is not reachable: check the network connection", "_Retry",
                 "win.retry-login");
  /* The details are one click away, in the status popover. */
  g_assert_nonnull (strstr (osais_session_get_account_label (run->session),
                            "Could not reach OSAIS"));
  osais_ui_test_save_screenshot (run->window, "failure-demo-unreachable.png");

  quit (run);
}

static void
test_demo_unreachable (void)
{
  static const char * const no_args[] = { NULL };
  g_autofree char *origin = dup_closed_origin ();
  Run run = { 0 };

  run_init (&run, origin);

  run_application (&run, no_args, check_demo_unreachable);

  run_clear (&run);
}

/* --simulator ------------------------------------------------------------- */

/* Runs the application as `osais-studio --data-dir DIR @args…`: with no
 * --listen, the callback port is the settings' (or what --simulator makes
 * of it). */
static void
run_without_listen (Run                *run,
                    const char * const *args,
                    void              (*check) (Run *run))
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  run->app = osais_application_new ();
  g_application_set_flags (G_APPLICATION (run->app),
                           g_application_get_flags (G_APPLICATION (run->app))
                           | G_APPLICATION_NON_UNIQUE);
  g_ptr_array_add (argv, (gpointer) "osais-studio");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, run->data_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_idle_add_once ((GSourceOnceFunc) check, run);
  g_assert_cmpint (g_application_run (G_APPLICATION (run->app), (int) argv->len - 1,
                                      (char **) argv->pdata), ==, 0);
  g_clear_object (&run->app);
  run->session = NULL;
}

/* Started and logged in, whether or not the callback server listens. */
static gboolean
logged_in (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN;
}

static void
check_busy_port (Run *run)
{
  g_autofree char *busy_suffix = g_strdup_printf (":%u/", run->busy_port);
  const char *uri;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");

  /* Listening, on another port than the busy one. */
  g_assert_true (osais_session_get_server_listening (run->session));
  uri = osais_session_get_server_uri (run->session);
  g_assert_true (g_str_has_prefix (uri, "http://127.0.0.1:"));
  g_assert_false (g_str_has_suffix (uri, busy_suffix));
  g_assert_null (osais_session_get_server_error (run->session));
  quit (run);
}

static void
test_simulator_busy_port (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  run_init (&run, NULL);
  /* The configured port is taken, as by another instance or `osais serve`. */
  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  run.busy_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_settings_set_uint (settings, "listen-port", run.busy_port);

  run_without_listen (&run, args, check_busy_port);

  g_socket_listener_close (listener);
  run_clear (&run);
}

/* The knobs of the simulator, as the CLI reads them ---------------------- */

static void
select_engine (Run        *run,
               const char *name)
{
  GtkDropDown *dropdown = osais_window_get_engine_dropdown (OSAIS_WINDOW (run->window));
  GListModel *engines = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      if (g_str_equal (osais_engine_get_name (engine), name))
        {
          gtk_drop_down_set_selected (dropdown, i);
          return;
        }
    }
  g_assert_not_reached ();
}

static gboolean
has_engines (gpointer data)
{
  Run *run = data;
  GListModel *engines = osais_session_get_engines (run->session);

  return engines != NULL && g_list_model_get_n_items (engines) > 0;
}

static gboolean
has_finished_job (gpointer data)
{
  Run *run = data;
  GListModel *store = G_LIST_MODEL (osais_session_get_store (run->session));
  g_autoptr(OsaisJob) job = NULL;

  if (g_list_model_get_n_items (store) == 0)
    return FALSE;
  job = g_list_model_get_item (store, 0);
  return osais_job_get_finished (job);
}

/* The newest job ends at @stage, and the window is still there. */
static void
assert_job_ends (Run        *run,
                 OsaisStage  stage)
{
  g_autoptr(OsaisJob) job = NULL;

  osais_ui_test_wait_until (has_finished_job, run, "the job to end");
  job = g_list_model_get_item (G_LIST_MODEL (osais_session_get_store (run->session)), 0);
  g_assert_cmpint (osais_job_get_stage (job), ==, stage);
  assert_window_stays (run);
}

static void
check_knobs (Run *run)
{
  OsaisSimulator *simulator;
  GtkWidget *prompt;
  g_autofree char *fail_engine = NULL;
  guint step_delay = 0;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  osais_ui_test_wait_until (has_engines, run, "the engines");

  simulator = osais_session_get_simulator (run->session);
  g_assert_nonnull (simulator);
  g_object_get (simulator, "fail-engine", &fail_engine, "step-delay", &step_delay, NULL);
  g_assert_cmpstr (fail_engine, ==, "diffusion");
  g_assert_cmpuint (step_delay, ==, 20);

  /* A request typed and run as a person does ends as the knob says. */
  select_engine (run, "diffusion");
  prompt = osais_request_form_get_field (osais_window_get_form (OSAIS_WINDOW (run->window)),
                                         "word");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (prompt)), "it fails", -1);
  g_assert_true (gtk_widget_activate_action (run->window, "win.run", NULL));
  assert_job_ends (run, OSAIS_STAGE_ERROR);

  /* Its card says why, and offers Retry and Dismiss. */
  {
    g_autoptr(OsaisJob) job = g_list_model_get_item (
      G_LIST_MODEL (osais_session_get_store (run->session)), 0);
    Finding finding = { run, osais_job_get_error_message (job) };
    GtkWidget *gallery = GTK_WIDGET (osais_window_get_gallery (OSAIS_WINDOW (run->window)));

    osais_ui_test_wait_until (shows_text, &finding, "the failed card's reason");
    g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_widget (gallery, is_labelled,
                                                                      "_Retry")));
    g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_widget (gallery, is_labelled,
                                                                      "window-close-symbolic")));
    osais_ui_test_settle (300);
    osais_ui_test_save_screenshot (run->window, "failure-job-failed.png");
  }
  quit (run);
}

static void
test_simulator_knobs (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };

  run_init (&run, NULL);
  g_setenv ("OSAIS_SIMULATOR_FAIL_ENGINE", "diffusion", TRUE);
  g_setenv ("OSAIS_SIMULATOR_STEP_DELAY", "20", TRUE);

  run_application (&run, args, check_knobs);

  g_unsetenv ("OSAIS_SIMULATOR_FAIL_ENGINE");
  g_unsetenv ("OSAIS_SIMULATOR_STEP_DELAY");
  run_clear (&run);
}

/* An input image that cannot be kept ---------------------------------------- */

static gboolean
input_has_loaded (gpointer data)
{
  Run *run = data;

  return osais_request_form_get_valid (osais_window_get_form (OSAIS_WINDOW (run->window)));
}

static gboolean
shows_input_not_kept (gpointer data)
{
  Run *run = data;

  return osais_ui_test_find_label (run->window,
                                   "The input image could not be kept for comparing: ") != NULL;
}

/* The folder the inputs are kept in cannot be made (a file is in its way):
 * the job still runs to its end, and a toast says that Compare will lack
 * its input, naming the folder. */
static void
check_input_not_kept (Run *run)
{
  g_autoptr(GBytes) png = osais_test_make_png (64, 48, 3);
  g_autofree char *png_path = g_build_filename (run->data_dir, "input.png", NULL);
  g_autoptr(GFile) png_file = g_file_new_for_path (png_path);
  g_autoptr(GFile) probe = NULL;
  g_autoptr(GFile) inputs = NULL;
  g_autofree char *inputs_path = NULL;
  g_autoptr(GError) error = NULL;
  GtkLabel *toast;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  osais_ui_test_wait_until (has_engines, run, "the engines");

  probe = osais_store_dup_input_file (osais_session_get_store (run->session), 1);
  inputs = g_file_get_parent (probe);
  inputs_path = g_file_get_path (inputs);
  g_assert_false (g_file_test (inputs_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (inputs_path, "not a folder", -1, &error));
  g_assert_true (g_file_set_contents (png_path, g_bytes_get_data (png, NULL),
                                      g_bytes_get_size (png), &error));

  select_engine (run, "ping");
  osais_window_open_files (OSAIS_WINDOW (run->window), &png_file, 1);
  osais_ui_test_wait_until (input_has_loaded, run, "the input image");
  g_assert_true (gtk_widget_activate_action (run->window, "win.run", NULL));

  osais_ui_test_wait_until (shows_input_not_kept, run, "the toast about the input");
  toast = osais_ui_test_find_label (run->window,
                                    "The input image could not be kept for comparing: ");
  g_assert_nonnull (strstr (gtk_label_get_text (toast), inputs_path));
  assert_job_ends (run, OSAIS_STAGE_FINISHED);
  quit (run);
}

static void
test_input_not_kept (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };

  run_init (&run, NULL);
  run_application (&run, args, check_input_not_kept);
  run_clear (&run);
}

/* A bad input image ------------------------------------------------------- */

static OsaisInputWell *
get_well (Run *run)
{
  OsaisRequestForm *form = osais_window_get_form (OSAIS_WINDOW (run->window));
  OsaisEngine *engine = osais_request_form_get_engine (form);
  GtkWidget *well = osais_request_form_get_field (form,
                                                  osais_engine_get_input_param (engine)->name);

  g_assert_true (OSAIS_IS_INPUT_WELL (well));
  return OSAIS_INPUT_WELL (well);
}

static gboolean
input_refused (gpointer data)
{
  Run *run = data;
  OsaisInputWell *well = get_well (run);

  return osais_input_well_get_error (well) != NULL && !osais_input_well_get_loading (well);
}

/* The well refused what it was given: it says so in the form, and beside
 * Run, which is off, it says to choose another, and Choose… and Paste are there to give another. */
static void
assert_input_refused (Run        *run,
                      const char *words)
{
  GtkWidget *well = GTK_WIDGET (get_well (run));
  GtkWidget *run_button = osais_ui_test_find_actionable (run->window, "win.run");
  GtkWidget *header = gtk_widget_get_ancestor (run_button, ADW_TYPE_HEADER_BAR);
  GtkLabel *label;
  const char *error;

  osais_ui_test_wait_until (input_refused, run, "the input to be refused");
  assert_window_stays (run);
  error = osais_input_well_get_error (OSAIS_INPUT_WELL (well));
  g_test_message ("Refused: %s", error);
  g_assert_nonnull (strstr (error, words));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (osais_ui_test_find_label (well, error))));
  g_assert_false (gtk_widget_is_sensitive (run_button));
  /* Run's tooltip says the whole refusal; beside Run, where the header has
   * room, what to do. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run_button), ==, error);
  g_assert_cmpstr (osais_request_form_get_invalid_hint (osais_window_get_form (OSAIS_WINDOW (run->window))), ==,
                   "Choose another input image");
  label = osais_ui_test_find_label (header, "Choose another input image");
  if (label != NULL)
    g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (label)), ==, error);
  g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_actionable (well, "well.choose")));
  g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_actionable (well, "well.paste")));
  /* Not a third time in a toast: the well is in sight. */
  g_assert_null (osais_ui_test_find_toast (run->window));
}

/* A file that is not an image, opened in (or dropped on) the window, and
 * a pasted image too large to be an input. */
static void
check_bad_input (Run *run)
{
  static const guchar huge_header[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0,
    0x00, 0x00, 0x00, 0x00,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
  };
  g_autofree char *path = g_build_filename (run->data_dir, "notes.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GBytes) bytes = g_bytes_new_static (huge_header, sizeof huge_header);
  g_autoptr(GdkContentProvider) provider = gdk_content_provider_new_for_bytes ("image/png",
                                                                              bytes);
  OsaisInputWell *well;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  osais_ui_test_wait_until (has_engines, run, "the engines");
  select_engine (run, "gfpgan");
  well = get_well (run);

  g_assert_true (g_file_set_contents (path, "not an image\n", -1, NULL));
  osais_window_open_files (OSAIS_WINDOW (run->window), &file, 1);
  assert_input_refused (run, "is not a PNG, JPEG or WebP image");
  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (run->window, "failure-bad-input.png");

  osais_input_well_clear (well);
  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (well)), provider);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (well), "well.paste", NULL));
  assert_input_refused (run, "The pasted image is too large");
  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (run->window, "failure-pasted-too-large.png");
  quit (run);
}

static void
test_bad_input (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };

  run_init (&run, NULL);
  run_application (&run, args, check_bad_input);
  run_clear (&run);
}

static void
check_knob_ignored (Run *run)
{
  guint step_delay = G_MAXUINT;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  g_object_get (osais_session_get_simulator (run->session), "step-delay", &step_delay, NULL);
  g_assert_cmpuint (step_delay, ==, 0);
  quit (run);
}

/* A delay that is not a number of milliseconds is said and ignored: no
 * critical warning from the simulator's property, no crash. */
static void
test_simulator_knob_invalid (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };

  run_init (&run, NULL);
  g_setenv ("OSAIS_SIMULATOR_STEP_DELAY", "99999999999", TRUE);

  run_application (&run, args, check_knob_ignored);

  g_unsetenv ("OSAIS_SIMULATOR_STEP_DELAY");
  run_clear (&run);
}

/* Not listening, and a full disk ------------------------------------------ */

static gboolean
is_red_title (GtkWidget     *widget,
              gconstpointer  data)
{
  return ADW_IS_WINDOW_TITLE (widget) && gtk_widget_has_css_class (widget, "error");
}

static gboolean
server_failed (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_error (run->session) != NULL;
}

static void
check_not_listening (Run *run)
{
  GtkWidget *preferences = NULL;
  OsaisBanner *banner;
  OsaisBanner *narrow_banner;
  GtkWidget *narrow;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (server_failed, run, "the callback server to fail");
  osais_ui_test_wait_until (logged_in, run, "the offline login");
  banner = get_banner (run);

  assert_banner (run, "Not listening for results: the callback server could not start",
                 "_Preferences", "app.preferences");
  /* The empty gallery says the same, with the same way out. */
  g_assert_nonnull (osais_ui_test_find_label (run->window, "Not Listening for Results"));
  g_assert_null (osais_ui_test_find_label (run->window, "No Images Yet"));
  g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_actionable (
    GTK_WIDGET (osais_window_get_gallery (OSAIS_WINDOW (run->window))), "app.preferences")));
  /* The subtitle names the state, not red, without the core's message
   * (that is in the popover). */
  g_assert_cmpstr (osais_ui_test_get_status_subtitle (run->window), ==,
                   "Offline simulator · Not listening");
  g_assert_null (osais_ui_test_find_widget (run->window, is_red_title, NULL));
  osais_ui_test_save_screenshot (run->window, "banner-not-listening.png");
  /* On a phone the title wraps beside its button, and GTK warns (fatal
   * here) of anything without room. A window opened narrow, as in GNOME's
   * layout (no minimize, no maximize), and 5 px a side of frame without a
   * compositor: 370 px leave 360 to the app. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", ":close", NULL);
  narrow = GTK_WIDGET (osais_window_new (run->app));
  gtk_window_set_default_size (GTK_WINDOW (narrow), 370, 640);
  gtk_window_present (GTK_WINDOW (narrow));
  osais_ui_test_wait_painted (narrow, 3);
  osais_ui_test_settle (500);
  g_assert_cmpint (gtk_widget_get_width (narrow), <=, 360);
  narrow_banner = osais_window_get_banner (OSAIS_WINDOW (narrow));
  g_assert_true (osais_banner_get_revealed (narrow_banner));
  g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_widget (GTK_WIDGET (narrow_banner),
                                                                    is_button, NULL)));
  osais_ui_test_save_screenshot (narrow, "banner-not-listening-narrow.png");
  osais_ui_test_destroy_window (narrow);
  gtk_settings_reset_property (gtk_settings_get_default (), "gtk-decoration-layout");

  /* A full disk matters more; when it is cleared, the banner goes back. */
  osais_window_set_disk_full (OSAIS_WINDOW (run->window), TRUE);
  assert_banner (run, "The disk is full: new images cannot be stored until some space is freed",
                 "_Open Folder", "win.open-data-folder");
  osais_ui_test_save_screenshot (run->window, "banner-disk-full.png");
  osais_window_set_disk_full (OSAIS_WINDOW (run->window), FALSE);
  g_assert_cmpstr (osais_banner_get_title (banner), ==,
                   "Not listening for results: the callback server could not start");

  /* So does an images/ folder that cannot be written. */
  {
    g_autofree char *images = g_build_filename (run->data_dir, "images", NULL);
    g_autofree char *title = g_strdup_printf ("The folder %s cannot be written: new images are "
                                              "refused", images);

    osais_window_set_images_read_only (OSAIS_WINDOW (run->window), TRUE);
    assert_banner (run, title, "_Open Folder", "win.open-data-folder");
    osais_window_set_images_read_only (OSAIS_WINDOW (run->window), FALSE);
    g_assert_cmpstr (osais_banner_get_title (banner), ==,
                     "Not listening for results: the callback server could not start");
  }

  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (has_preferences, &preferences, "the preferences");
  gtk_window_close (GTK_WINDOW (preferences));
  quit (run);
}

static void
test_not_listening (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  const char *args[] = { "--simulator", "--listen", NULL, NULL };
  Run run = { 0 };

  run_init (&run, NULL);
  /* Asked for by name, a busy port is a failure, even offline. */
  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  listen = g_strdup_printf ("127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  args[2] = listen;

  run_without_listen (&run, args, check_not_listening);

  g_socket_listener_close (listener);
  run_clear (&run);
}

/* What each failed login is called, and what fixes it ---------------------- */

/* The store runs out of space while it writes: the banner says so, with
 * the folder to free space in, until a write succeeds again. */
static gboolean
store_disk_full (gpointer data)
{
  Run *run = data;

  return osais_store_get_disk_full (osais_session_get_store (run->session));
}

static gboolean
store_has_space (gpointer data)
{
  return !store_disk_full (data);
}

static void
notify_once (Run  *run,
             gint64 uid)
{
  OsaisNotification notification = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  OsaisStore *store = osais_session_get_store (run->session);

  notification.uid = uid;
  notification.token = (char *) "t";
  notification.stage = OSAIS_STAGE_STARTED;
  osais_store_apply_notification_async (store, &notification, NULL, osais_test_store_result_cb,
                                        &result);
  osais_test_wait_for_result (&result, "the notification");
}

static void
check_disk_full (Run *run)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisStore *store;

  start (run);
  store = osais_session_get_store (run->session);
  osais_store_create_job_async (store, 0, 77, "t", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the job");
  job = osais_store_create_job_finish (store, result, NULL);
  g_assert_nonnull (job);

  osais_test_set_disk_full (TRUE);
  notify_once (run, 77);
  osais_ui_test_wait_until (store_disk_full, run, "the store to find the disk full");
  assert_banner (run, "The disk is full: new images cannot be stored until some space is freed",
                 "_Open Folder", "win.open-data-folder");

  osais_test_set_disk_full (FALSE);
  notify_once (run, 77);
  osais_ui_test_wait_until (store_has_space, run, "the store to have space again");
  g_assert_false (osais_window_get_disk_full (OSAIS_WINDOW (run->window)));
  g_assert_false (osais_banner_get_revealed (get_banner (run)));
  quit (run);
}

static void
test_disk_full (void)
{
  static const char * const args[] = { "--simulator", NULL };
  Run run = { 0 };

  osais_test_full_disk_install ();
  run_init (&run, NULL);
  run_application (&run, args, check_disk_full);
  run_clear (&run);
  osais_test_full_disk_uninstall ();
}

/* A damaged history: the window says so and offers to move it aside;
 * taken, the damaged file is kept byte for byte and a new history starts. */
static const char damaged_bytes[] = "SQLite format 3\0 but what follows is not a database";

static gboolean
store_open (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL;
}

static void
check_damaged_history (Run *run)
{
  g_autofree char *title = g_strdup_printf ("The history in %s is damaged. It was left as it is.",
                                            run->data_dir);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean kept = FALSE;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_settle (500);
  g_assert_null (osais_session_get_store (run->session));
  assert_banner (run, title, "_Move Aside and Start Fresh", "app.move-history-aside");
  /* The empty gallery does not invite a first request it cannot keep. */
  g_assert_nonnull (osais_ui_test_find_label (run->window, "History Not Open"));
  g_assert_null (osais_ui_test_find_label (run->window, "No Images Yet"));
  osais_ui_test_save_screenshot (run->window, "banner-damaged-history.png");

  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (store_open, run, "a new history");
  osais_ui_test_wait_until (session_ready, run, "the session");
  g_assert_false (osais_banner_get_revealed (get_banner (run)));
  g_assert_nonnull (osais_ui_test_find_label (run->window, "No Images Yet"));

  dir = g_dir_open (run->data_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "history.sqlite3.moved-aside-"))
      {
        g_autofree char *path = g_build_filename (run->data_dir, name, NULL);
        g_autofree char *contents = NULL;
        gsize length = 0;

        g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
        g_assert_cmpmem (contents, length, damaged_bytes, sizeof damaged_bytes);
        kept = TRUE;
      }
  g_assert_true (kept);
  quit (run);
}

static void
test_damaged_history (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autofree char *history = NULL;
  Run run = { 0 };

  run_init (&run, NULL);
  history = g_build_filename (run.data_dir, "history.sqlite3", NULL);
  g_assert_true (g_file_set_contents (history, damaged_bytes, sizeof damaged_bytes, NULL));
  run_application (&run, args, check_damaged_history);
  run_clear (&run);
}

/* Damage that the first page does not read, found by the history's check
 * after the window showed that page: the window says so as for a history
 * refused at opening, the file is left byte for byte, and Move Aside keeps
 * it and starts a new history. */
typedef struct
{
  Run    *run;
  GBytes *history;  /* the damaged file, before the app ran */
} DamageLater;

static gboolean
history_damaged (gpointer data)
{
  Run *run = data;

  return osais_session_get_history_damage (run->session) != NULL
         && osais_session_get_store (run->session) == NULL;
}

static void
assert_file_is (const char *path,
                GBytes     *expected)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL),
                   g_bytes_get_size (expected));
}

static void
check_damage_found_later (DamageLater *later)
{
  Run *run = later->run;
  g_autofree char *title = g_strdup_printf ("The history in %s is damaged. It was left as it is.",
                                            run->data_dir);
  g_autofree char *history = g_build_filename (run->data_dir, "history.sqlite3", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  gboolean kept = FALSE;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (store_open, run, "the history's first page");
  /* The first page, while the check has not even started. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (osais_session_get_store (run->session))),
                    ==, 3);
  g_assert_false (osais_banner_get_revealed (get_banner (run)));

  osais_store_hold_checks (FALSE);
  osais_ui_test_wait_until (history_damaged, run, "the damage");
  g_assert_error ((GError *) osais_session_get_history_damage (run->session),
                  OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  osais_ui_test_settle (300);
  assert_banner (run, title, "_Move Aside and Start Fresh", "app.move-history-aside");
  osais_ui_test_save_screenshot (run->window, "banner-damage-found-later.png");
  assert_file_is (history, later->history);

  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (store_open, run, "a new history");
  osais_ui_test_wait_until (session_ready, run, "the session");
  g_assert_false (osais_banner_get_revealed (get_banner (run)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (osais_session_get_store (run->session))),
                    ==, 0);

  dir = g_dir_open (run->data_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "history.sqlite3.moved-aside-"))
      {
        g_autofree char *path = g_build_filename (run->data_dir, name, NULL);

        assert_file_is (path, later->history);
        kept = TRUE;
      }
  g_assert_true (kept);
  quit (run);
}

static void
test_damage_found_later (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autofree char *history = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  DamageLater later = { 0 };
  Run run = { 0 };
  OsaisStore *store;
  gint64 stages_page;

  run_init (&run, NULL);
  history = g_build_filename (run.data_dir, "history.sqlite3", NULL);
  store = osais_store_open (run.data_dir, &error);
  g_assert_no_error (error);
  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (osais_test_store_create_job (store, uid, "{\"prompt\":\"a lighthouse\"}"));
  osais_test_store_notify (store, 1, OSAIS_STAGE_STARTED, 1, "start");
  /* The stages, read by no page of the list. */
  stages_page = osais_test_history_root_page (run.data_dir, "stages");
  osais_store_close (store);
  g_object_unref (store);
  osais_test_damage_history_page (run.data_dir, stages_page);
  g_assert_true (g_file_get_contents (history, &contents, &length, NULL));
  later.history = g_bytes_new_take (g_steal_pointer (&contents), length);
  later.run = &run;

  osais_store_hold_checks (TRUE);
  run.app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run.app), run.data_dir, args,
                                 (GSourceOnceFunc) check_damage_found_later, &later);
  g_clear_object (&run.app);
  /* Whatever happened, no later store waits for a check. */
  osais_store_hold_checks (FALSE);
  g_bytes_unref (later.history);
  run_clear (&run);
}

/* The public URL is checked when the app starts with an account: the
 * window says whether OSAIS can reach it, and says it plainly when it
 * cannot (a tunnel with nothing behind it). */
typedef struct
{
  Run        *run;
  const char *prefix;
} SubtitleWait;

static gboolean
subtitle_has (gpointer data)
{
  SubtitleWait *wait = data;

  return wait->run->window != NULL
         && strstr (osais_ui_test_get_status_subtitle (wait->run->window), wait->prefix) != NULL;
}

static void
check_reachable (Run *run)
{
  SubtitleWait wait = { run, "Reachable at http://127.0.0.1:" };

  start (run);
  osais_ui_test_wait_until (subtitle_has, &wait, "the public URL found reachable");
  g_assert_false (osais_banner_get_revealed (get_banner (run)));
  quit (run);
}

static void
check_not_reachable (Run *run)
{
  SubtitleWait wait = { run, "Not reachable from the internet" };

  start (run);
  osais_ui_test_wait_until (subtitle_has, &wait, "the public URL found unreachable");
  g_assert_true (osais_banner_get_revealed (get_banner (run)));
  g_assert_true (g_str_has_prefix (osais_banner_get_title (get_banner (run)),
                                   "OSAIS cannot reach this computer: "));
  g_assert_nonnull (strstr (osais_banner_get_title (get_banner (run)), "nothing listens"));
  osais_ui_test_save_screenshot (run->window, "banner-public-url-unreachable.png");
  quit (run);
}

static void
test_public_url_checked (void)
{
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  guint port = osais_test_closed_port ();
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autoptr(OsaisTestFake) broken = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  const char *good_args[] = { "--listen", listen, "--public-url", NULL, NULL };
  const char *bad_args[] = { "--listen", listen, "--public-url", NULL, NULL };
  Run run = { 0 };

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  good_args[3] = osais_test_fake_get_origin (tunnel);
  bad_args[3] = osais_test_fake_get_origin (broken);

  /* The demo account on the simulator: a real login, not offline. */
  run_init (&run, origin);
  settings = g_settings_new (APPLICATION_ID);
  g_settings_set_enum (settings, "account-mode", OSAIS_ACCOUNT_MODE_DEMO);
  run_application (&run, good_args, check_reachable);
  run_application (&run, bad_args, check_not_reachable);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

static void
test_login_failure_words (void)
{
  g_autoptr(GError) refused = g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                   OSAIS_CLIENT_ERROR_LOGIN_FAILED, "refused");
  g_autoptr(GError) network = g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                   OSAIS_CLIENT_ERROR_NETWORK, "no route");
  g_autoptr(GError) timeout = g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                   OSAIS_CLIENT_ERROR_TIMEOUT, "slow");
  g_autoptr(GError) tls = g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TLS,
                                               "not TLS");
  g_autoptr(GError) bad_reply = g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                     OSAIS_CLIENT_ERROR_BAD_REPLY, "not JSON");
  g_autoptr(GError) simulator = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                                                     "in use");
  struct {
    OsaisAccountMode  mode;
    const GError     *error;
    const char       *title;
    OsaisLoginRemedy  remedy;
  } cases[] = {
    { OSAIS_ACCOUNT_MODE_ACCOUNT, refused, "Not signed in to OSAIS",
      OSAIS_LOGIN_REMEDY_SIGN_IN },
    /* Only time fixes a refused demo login, not other credentials. */
    { OSAIS_ACCOUNT_MODE_DEMO, refused, "OSAIS refused the demo login: try again later",
      OSAIS_LOGIN_REMEDY_RETRY },
    { OSAIS_ACCOUNT_MODE_DEMO, network, "OSAIS is not reachable: check the network connection",
      OSAIS_LOGIN_REMEDY_RETRY },
    /* A server that takes the connection and says nothing is not a network
     * to check; one that does not speak HTTPS is an address to mend. */
    { OSAIS_ACCOUNT_MODE_ACCOUNT, timeout,
      "OSAIS is not answering: try again later", OSAIS_LOGIN_REMEDY_RETRY },
    { OSAIS_ACCOUNT_MODE_DEMO, tls,
      "No secure connection to OSAIS: check the server address", OSAIS_LOGIN_REMEDY_PREFERENCES },
    { OSAIS_ACCOUNT_MODE_ACCOUNT, bad_reply,
      "Could not sign in to OSAIS: check the server address", OSAIS_LOGIN_REMEDY_PREFERENCES },
    { OSAIS_ACCOUNT_MODE_OFFLINE, simulator, "The offline simulator could not start",
      OSAIS_LOGIN_REMEDY_PREFERENCES },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *title = osais_login_failure_dup_title (cases[i].mode, cases[i].error);

      g_assert_cmpstr (title, ==, cases[i].title);
      g_assert_cmpint (osais_login_failure_get_remedy (cases[i].mode, cases[i].error), ==,
                       cases[i].remedy);
    }
}

/* The empty gallery after a failed login says what failed: offline, only
 * the simulator can, and "sign in" would not be true there. */
static void
test_empty_page_follows_account (void)
{
  GtkWidget *window = gtk_window_new ();
  OsaisGallery *gallery = OSAIS_GALLERY (osais_gallery_new ());

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (gallery));
  gtk_window_present (GTK_WINDOW (window));
  osais_gallery_set_listening (gallery, TRUE);
  osais_gallery_set_history_open (gallery, TRUE);
  g_assert_nonnull (osais_ui_test_find_label (window, "No Images Yet"));

  osais_gallery_set_signed_in (gallery, FALSE, OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_nonnull (osais_ui_test_find_label (window, "Simulator Not Running"));
  g_assert_null (osais_ui_test_find_label (window, "Not Signed In"));

  osais_gallery_set_signed_in (gallery, FALSE, OSAIS_ACCOUNT_MODE_DEMO);
  g_assert_nonnull (osais_ui_test_find_label (window, "Not Signed In"));
  g_assert_null (osais_ui_test_find_label (window, "Simulator Not Running"));

  osais_gallery_set_signed_in (gallery, TRUE, OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_nonnull (osais_ui_test_find_label (window, "No Images Yet"));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus, so no keyring, as on a headless machine. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Failures/login-failure-words", test_login_failure_words);
  g_test_add_func ("/Osais/Failures/wrong-credentials", test_wrong_credentials);
  g_test_add_func ("/Osais/Failures/empty-page-follows-account", test_empty_page_follows_account);
  g_test_add_func ("/Osais/Failures/connection-refused", test_connection_refused);
  g_test_add_func ("/Osais/Failures/demo-unreachable", test_demo_unreachable);
  g_test_add_func ("/Osais/Failures/timeout", test_timeout);
  g_test_add_func ("/Osais/Failures/tls-error", test_tls_error);
  g_test_add_func ("/Osais/Failures/descriptor-refused", test_descriptor_refused);
  g_test_add_func ("/Osais/Failures/not-listening", test_not_listening);
  g_test_add_func ("/Osais/Failures/disk-full", test_disk_full);
  g_test_add_func ("/Osais/Failures/damaged-history", test_damaged_history);
  g_test_add_func ("/Osais/Failures/damage-found-later", test_damage_found_later);
  g_test_add_func ("/Osais/Failures/public-url-checked", test_public_url_checked);
  g_test_add_func ("/Osais/Failures/simulator-busy-port", test_simulator_busy_port);
  g_test_add_func ("/Osais/Failures/simulator-knobs", test_simulator_knobs);
  g_test_add_func ("/Osais/Failures/simulator-knob-invalid", test_simulator_knob_invalid);
  g_test_add_func ("/Osais/Failures/input-not-kept", test_input_not_kept);
  g_test_add_func ("/Osais/Failures/bad-input", test_bad_input);

  return g_test_run ();
}
