/* test-ui-preferences.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <libsoup/soup.h>

#include "osais-preferences-window.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

typedef struct
{
  char         *data_dir;
  OsaisSession *session;
  GSettings    *settings;
  GtkWidget    *window;
} Fixture;

static GtkWidget *
get_named (Fixture    *fixture,
           const char *name)
{
  GtkWidget *widget = osais_ui_test_find_named (fixture->window, name);

  if (widget == NULL)
    g_error ("No widget named %s in the preferences", name);
  return widget;
}

static const char *
row_subtitle (Fixture    *fixture,
              const char *name)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (get_named (fixture, name)));
}

static void
scroll_to_end (GtkWidget *window)
{
  GtkWidget *scrolled = osais_ui_test_find_descendant (window, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;

  g_assert_nonnull (scrolled);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                            - gtk_adjustment_get_page_size (adjustment));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  fixture->data_dir = g_dir_make_tmp ("osais-prefs-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->settings = g_settings_new (APPLICATION_ID);
  osais_ui_test_reset_settings (fixture->settings);

  fixture->session = osais_session_new (fixture->data_dir);
  g_object_set (fixture->session,
                "listen-port", 0,
                "account-mode", OSAIS_ACCOUNT_MODE_OFFLINE,
                NULL);
  osais_session_start_async (fixture->session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the session to start");
  g_assert_true (osais_session_start_finish (fixture->session, result, &error));
  g_assert_no_error (error);
  g_assert_true (osais_session_get_server_listening (fixture->session));

  fixture->window = osais_preferences_window_new (NULL, fixture->session, fixture->settings);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  osais_ui_test_destroy_window (fixture->window);
  osais_session_stop (fixture->session);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->settings);
  osais_test_remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
}

static gboolean
not_restarting (gpointer data)
{
  return g_strcmp0 (row_subtitle (data, "server-status-row"), "Restarting…") != 0;
}

/* Applies @text to the entry row @name, and waits for the restart of the
 * server it may start. */
static void
apply_entry (Fixture    *fixture,
             const char *name,
             const char *text)
{
  GtkWidget *row = get_named (fixture, name);

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
  osais_ui_test_wait_until (not_restarting, fixture, "the server's restart");
}

static void
clipboard_text_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
}

static char *
read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, clipboard_text_cb,
                                 &text);
  while (text == NULL)
    g_main_context_iteration (NULL, TRUE);
  return text;
}

static void
test_callback_urls (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *local_notify = NULL;
  g_autofree char *local_upload = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *public_url = NULL;
  GtkWidget *error_label = get_named (fixture, "server-error-label");

  /* Without a public URL, the local address is the one to register. */
  local_notify = g_strconcat (osais_session_get_server_uri (fixture->session), "notify", NULL);
  local_upload = g_strconcat (osais_session_get_server_uri (fixture->session), "upload", NULL);
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==, local_notify);
  g_assert_cmpstr (row_subtitle (fixture, "upload-url-row"), ==, local_upload);

  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences.png");

  /* A tunnel's URL, without the trailing slash: the routes go under it. */
  apply_entry (fixture, "public-url-row", "https://example.ngrok.app/osais");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (osais_session_get_public_uri (fixture->session), ==,
                   "https://example.ngrok.app/osais/");
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==,
                   "https://example.ngrok.app/osais/notify");
  g_assert_cmpstr (row_subtitle (fixture, "upload-url-row"), ==,
                   "https://example.ngrok.app/osais/upload");
  public_url = g_settings_get_string (fixture->settings, "public-url");
  g_assert_cmpstr (public_url, ==, "https://example.ngrok.app/osais");

  osais_ui_test_wait_painted (fixture->window, 3);
  scroll_to_end (fixture->window);
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-callback-server.png");
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 360, 640);
  osais_ui_test_wait_painted (fixture->window, 3);
  scroll_to_end (fixture->window);
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-narrow.png");

  /* The copy button puts the exact URL on the clipboard. */
  gtk_widget_activate_action (fixture->window, "preferences.copy-url", "s", "upload");
  copied = read_clipboard (fixture->window);
  g_assert_cmpstr (copied, ==, "https://example.ngrok.app/osais/upload");

  /* Not a URL OSAIS can call: refused beside the field, nothing changes. */
  apply_entry (fixture, "public-url-row", "ftp://example.org/");
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_true (gtk_widget_has_css_class (get_named (fixture, "public-url-row"), "error"));
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==,
                   "https://example.ngrok.app/osais/notify");

  /* Cleared: back to the local address. */
  apply_entry (fixture, "public-url-row", "");
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_null (osais_session_get_public_url (fixture->session));
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==,
                   g_strconcat (osais_session_get_server_uri (fixture->session), "notify", NULL));
}

static guint
free_port (GSocketListener **keep)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  if (keep != NULL)
    *keep = g_steal_pointer (&listener);
  else
    g_socket_listener_close (listener);
  return port;
}

typedef struct
{
  Fixture    *fixture;
  const char *uri;
} UriWait;

static gboolean
server_uri_is (gpointer data)
{
  UriWait *wait = data;

  return g_strcmp0 (osais_session_get_server_uri (wait->fixture->session), wait->uri) == 0;
}

static gboolean
server_error_shown (gpointer data)
{
  return gtk_widget_get_visible (get_named (data, "server-error-label"));
}

static gboolean
server_listening (gpointer data)
{
  Fixture *fixture = data;

  return osais_session_get_server_listening (fixture->session);
}

static void
test_port_restarts_server (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GSocketListener) busy = NULL;
  g_autofree char *old_uri = g_strdup (osais_session_get_server_uri (fixture->session));
  g_autofree char *expected = NULL;
  g_autofree char *notify = NULL;
  GtkSpinButton *spin = GTK_SPIN_BUTTON (get_named (fixture, "port-spin"));
  GtkWidget *status = get_named (fixture, "server-status-row");
  guint port = free_port (NULL);
  guint busy_port;

  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 0);

  gtk_spin_button_set_value (spin, port);
  expected = g_strdup_printf ("http://127.0.0.1:%u/", port);
  {
    UriWait wait = { fixture, expected };

    osais_ui_test_wait_until (server_uri_is, &wait, "the server on the new port");
  }
  g_assert_cmpstr (osais_session_get_server_uri (fixture->session), ==, expected);
  g_assert_cmpstr (osais_session_get_server_uri (fixture->session), !=, old_uri);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "listen-port"), ==, port);
  notify = g_strconcat (expected, "notify", NULL);
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==, notify);
  g_assert_true (g_str_has_suffix (row_subtitle (fixture, "server-status-row"), expected));
  g_assert_false (gtk_widget_has_css_class (status, "error"));

  /* A port in use: the reason shows inline, and the status says so. */
  busy_port = free_port (&busy);
  gtk_spin_button_set_value (spin, busy_port);
  osais_ui_test_wait_until (server_error_shown, fixture, "the busy port to be refused");
  g_assert_false (osais_session_get_server_listening (fixture->session));
  /* Beside the fields, what to do about it. */
  {
    GtkLabel *label = GTK_LABEL (get_named (fixture, "server-error-label"));
    g_autofree char *advice = g_strdup_printf ("Another program uses port %u. Choose another "
                                               "port, or 0 for any free one.", busy_port);

    g_assert_cmpstr (gtk_label_get_text (label), ==, advice);
  }
  g_assert_true (gtk_widget_get_visible (get_named (fixture, "server-error-label")));
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  /* The state, not the system's words a second time. */
  g_assert_cmpstr (row_subtitle (fixture, "server-status-row"), ==, "Not listening");
  g_assert_cmpstr (row_subtitle (fixture, "notify-url-row"), ==, "Not listening");
  g_assert_true (gtk_widget_get_visible (fixture->window));
  osais_ui_test_wait_painted (fixture->window, 3);
  scroll_to_end (fixture->window);
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-port-busy.png");

  g_socket_listener_close (busy);
  gtk_spin_button_set_value (spin, 0);
  osais_ui_test_wait_until (server_listening, fixture, "the server on any port");
  g_assert_false (gtk_widget_get_visible (get_named (fixture, "server-error-label")));
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

typedef struct
{
  gint64 last;
  gint64 longest;
} Pulse;

static gboolean
pulse_cb (gpointer data)
{
  Pulse *pulse = data;
  gint64 now = g_get_monotonic_time ();

  pulse->longest = MAX (pulse->longest, now - pulse->last);
  pulse->last = now;
  return G_SOURCE_CONTINUE;
}

/* A port typed digit by digit (3, 30, 302, 3025) moves the server once,
 * after typing pauses, to the whole number; never to 3 or 30. The main
 * loop keeps running meanwhile. */
static void
test_port_typed_debounced (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkEditable *spin = GTK_EDITABLE (get_named (fixture, "port-spin"));
  guint port = free_port (NULL);
  g_autofree char *digits = g_strdup_printf ("%u", port);
  g_autofree char *expected = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autofree char *old_uri = g_strdup (osais_session_get_server_uri (fixture->session));
  UriWait wait = { fixture, expected };
  Pulse pulse = { 0 };
  guint n_port = 0;
  guint n_uri = 0;
  guint pulse_id;
  gint64 start;

  g_signal_connect (fixture->session, "notify::listen-port", G_CALLBACK (count_cb), &n_port);
  g_signal_connect (fixture->session, "notify::server-uri", G_CALLBACK (count_cb), &n_uri);

  for (gsize i = 1; i <= strlen (digits); i++)
    {
      g_autofree char *typed = g_strndup (digits, i);

      gtk_editable_set_text (spin, typed);
      osais_ui_test_settle (100);
      g_assert_cmpuint (n_port, ==, 0);
      g_assert_cmpstr (osais_session_get_server_uri (fixture->session), ==, old_uri);
    }

  start = g_get_monotonic_time ();
  pulse.last = start;
  pulse_id = g_timeout_add (5, pulse_cb, &pulse);
  osais_ui_test_wait_until (server_uri_is, &wait, "the server on the typed port");
  g_source_remove (pulse_id);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * G_TIME_SPAN_MILLISECOND);
  /* The restart (bind, and join the old server's thread) is brief. */
  g_test_message ("Longest stall of the main loop during the restart: %" G_GINT64_FORMAT " ms",
                  pulse.longest / 1000);
  g_assert_cmpint (pulse.longest, <, 250 * G_TIME_SPAN_MILLISECOND);
  osais_ui_test_settle (800);
  g_assert_cmpuint (n_port, ==, 1);
  g_assert_cmpuint (osais_session_get_listen_port (fixture->session), ==, port);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "listen-port"), ==, port);
  g_assert_true (osais_session_get_server_listening (fixture->session));

  g_signal_handlers_disconnect_by_func (fixture->session, count_cb, &n_port);
  g_signal_handlers_disconnect_by_func (fixture->session, count_cb, &n_uri);
  /* One move: from the old URI to the new (a restart may say "none" between). */
  g_assert_cmpuint (n_uri, <=, 2);
}

static void
fixture_set_up_slow_disk (Fixture       *fixture,
                          gconstpointer  data)
{
  osais_test_full_disk_install ();
  fixture_set_up (fixture, data);
}

static void
fixture_tear_down_slow_disk (Fixture       *fixture,
                             gconstpointer  data)
{
  osais_test_hold_disk_writes (FALSE);
  fixture_tear_down (fixture, data);
  osais_test_full_disk_uninstall ();
}

typedef struct
{
  Fixture *fixture;
  Pulse    pulse;
  guint    ticks_stopping;  /* pulses while the old server was stopping */
  gboolean said_restarting;
} RestartWatch;

/* Every 10 ms of the window's main loop: notes the longest gap, and once
 * the restart has begun, lets the old server's held commit go on the third
 * pulse, which only a main loop running during the restart can do. */
static gboolean
restart_pulse_cb (gpointer data)
{
  RestartWatch *watch = data;
  Fixture *fixture = watch->fixture;

  pulse_cb (&watch->pulse);
  if (osais_session_get_server_listening (fixture->session) || watch->ticks_stopping >= 3)
    return G_SOURCE_CONTINUE;

  watch->said_restarting |= g_strcmp0 (row_subtitle (fixture, "server-status-row"),
                                       "Restarting…") == 0;
  if (++watch->ticks_stopping == 3)
    osais_test_hold_disk_writes (FALSE);
  return G_SOURCE_CONTINUE;
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GBytes **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
reply_is_in (gpointer data)
{
  GBytes **reply = data;

  return *reply != NULL;
}

/* A port typed while the server is storing an upload: the server moves
 * once, after the upload is stored and acknowledged, and the window's main
 * loop runs all along, saying "Restarting…" meanwhile. */
static void
test_port_restart_responsive (Fixture       *fixture,
                              gconstpointer  data)
{
  OsaisStore *store = osais_session_get_store (fixture->session);
  g_autoptr(OsaisJob) job = osais_test_store_create_job (store, 1001, "{}");
  g_autoptr(GBytes) png = osais_test_make_png (16, 16, 1);
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  g_autofree char *body = g_strdup_printf ("{\"image\":\"%s\",\"uid\":1001,\"token\":\"t\","
                                           "\"cycle\":\"0\",\"engine\":\"diffusion\"}", b64);
  g_autoptr(GBytes) body_bytes = g_bytes_new (body, strlen (body));
  g_autofree char *upload_uri = g_strconcat (osais_session_get_server_uri (fixture->session),
                                             "upload", NULL);
  g_autoptr(SoupSession) http = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", upload_uri);
  g_autoptr(GBytes) reply = NULL;
  guint port = free_port (NULL);
  g_autofree char *digits = g_strdup_printf ("%u", port);
  g_autofree char *expected = g_strdup_printf ("http://127.0.0.1:%u/", port);
  UriWait wait = { fixture, expected };
  RestartWatch watch = { fixture, { 0, 0 }, 0, FALSE };
  guint n_port = 0;
  guint n_listening = 0;
  guint pulse_id;

  soup_message_set_request_body_from_bytes (msg, "application/json", body_bytes);
  osais_test_hold_disk_writes (TRUE);
  soup_session_send_and_read_async (http, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &reply);
  osais_ui_test_wait_until (osais_test_disk_writes_held, NULL, "the upload's commit");

  g_signal_connect (fixture->session, "notify::listen-port", G_CALLBACK (count_cb), &n_port);
  g_signal_connect (fixture->session, "notify::server-listening", G_CALLBACK (count_cb),
                    &n_listening);
  watch.pulse.last = g_get_monotonic_time ();
  pulse_id = g_timeout_add (10, restart_pulse_cb, &watch);
  gtk_editable_set_text (GTK_EDITABLE (get_named (fixture, "port-spin")), digits);
  osais_ui_test_wait_until (server_uri_is, &wait, "the server on the typed port");
  osais_ui_test_wait_until (reply_is_in, &reply, "the upload's answer");
  g_source_remove (pulse_id);

  g_test_message ("Longest gap of the main loop while the old server stopped with an upload "
                  "held in its store: %" G_GINT64_FORMAT " ms", watch.pulse.longest / 1000);
  g_assert_cmpuint (watch.ticks_stopping, ==, 3);
  g_assert_true (watch.said_restarting);
  /* The three ticks while stopping already show that the stop does not
   * block (the held commit is let go by the third); the gap catches work of
   * a second's scale on the main thread. Tighter, it measured the machine:
   * 15-26 ms alone, 363 ms once with the whole suite beside five builds. */
  g_assert_cmpint (watch.pulse.longest, <, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (n_port, ==, 1);
  g_assert_cmpuint (n_listening, ==, 2);
  g_assert_true (g_str_has_suffix (row_subtitle (fixture, "server-status-row"), expected));
  g_assert_true (gtk_widget_get_visible (fixture->window));

  g_signal_handlers_disconnect_by_func (fixture->session, count_cb, &n_port);
  g_signal_handlers_disconnect_by_func (fixture->session, count_cb, &n_listening);
}

static void
test_notifications_switch (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkSwitch *toggle = GTK_SWITCH (get_named (fixture, "notifications-switch"));

  g_assert_true (g_settings_get_boolean (fixture->settings, "notifications"));
  g_assert_true (gtk_switch_get_active (toggle));

  gtk_switch_set_active (toggle, FALSE);
  g_assert_false (g_settings_get_boolean (fixture->settings, "notifications"));

  g_settings_set_boolean (fixture->settings, "notifications", TRUE);
  g_assert_true (gtk_switch_get_active (toggle));
}

static gboolean
login_settled (gpointer data)
{
  Fixture *fixture = data;
  OsaisLoginState state = osais_session_get_login_state (fixture->session);

  /* The button is insensitive while a sign-in is in progress. */
  return gtk_widget_get_sensitive (get_named (fixture, "sign-in-button"))
         && (state == OSAIS_LOGIN_STATE_LOGGED_IN || state == OSAIS_LOGIN_STATE_FAILED);
}

/* The one AdwMessageDialog open, or the test fails. */
static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }

  g_error ("No message dialog is open");
}

static void
test_sign_in (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *token = NULL;
  GtkWidget *error_label = get_named (fixture, "sign-in-error-label");
  AdwMessageDialog *dialog;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);
  apply_entry (fixture, "origin-row", origin);
  g_assert_cmpstr (osais_session_get_server_origin (fixture->session), ==, origin);

  osais_preferences_window_show_sign_in (OSAIS_PREFERENCES_WINDOW (fixture->window));
  g_assert_true (gtk_widget_get_visible (get_named (fixture, "sign-in-group")));
  g_assert_false (gtk_widget_get_sensitive (get_named (fixture, "sign-in-button")));

  /* A wrong secret: the reason shows beside the fields, nothing is saved. */
  gtk_editable_set_text (GTK_EDITABLE (get_named (fixture, "token-row")),
                         OSAIS_SIMULATOR_DEFAULT_TOKEN);
  gtk_editable_set_text (GTK_EDITABLE (get_named (fixture, "secret-row")), "wrong");
  gtk_widget_activate_action (fixture->window, "preferences.sign-in", NULL);
  osais_ui_test_wait_until (login_settled, fixture, "the failed sign-in");
  g_assert_cmpint (osais_session_get_login_state (fixture->session), ==,
                   OSAIS_LOGIN_STATE_FAILED);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), !=, "");
  token = g_settings_get_string (fixture->settings, "client-token");
  g_assert_cmpstr (token, ==, "");
  g_clear_pointer (&token, g_free);

  /* The right one: signed in; the token is in the settings, and the secret
   * is not (the keyring is unavailable here, which must not matter). */
  gtk_editable_set_text (GTK_EDITABLE (get_named (fixture, "secret-row")),
                         OSAIS_SIMULATOR_DEFAULT_SECRET);
  g_assert_false (gtk_widget_get_visible (error_label));
  gtk_widget_activate_action (fixture->window, "preferences.sign-in", NULL);
  osais_ui_test_wait_until (login_settled, fixture, "the sign-in");
  g_assert_cmpint (osais_session_get_login_state (fixture->session), ==,
                   OSAIS_LOGIN_STATE_LOGGED_IN);
  g_assert_cmpstr (row_subtitle (fixture, "account-status-row"), ==,
                   "Signed in as " OSAIS_SIMULATOR_USERNAME);
  token = g_settings_get_string (fixture->settings, "client-token");
  g_assert_cmpstr (token, ==, OSAIS_SIMULATOR_DEFAULT_TOKEN);
  g_clear_pointer (&token, g_free);
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "account-mode"), ==,
                   OSAIS_ACCOUNT_MODE_ACCOUNT);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get_named (fixture, "secret-row"))),
                   ==, "");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (get_named (fixture,
                                                                           "account-check"))));
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-signed-in.png");

  /* Signed in, Sign Out is offered; cancelled, it changes nothing. */
  g_assert_true (gtk_widget_get_visible (get_named (fixture, "sign-out-button")));
  gtk_widget_activate_action (fixture->window, "preferences.sign-out", NULL);
  adw_message_dialog_response (find_message_dialog (), "cancel");
  g_assert_cmpint (osais_session_get_account_mode (fixture->session), ==,
                   OSAIS_ACCOUNT_MODE_ACCOUNT);
  osais_ui_test_settle (50);

  /* Confirmed: no account mode (the main window's welcome page), the token
   * kept for the next sign-in, and nothing more to sign out of. */
  gtk_widget_activate_action (fixture->window, "preferences.sign-out", NULL);
  dialog = find_message_dialog ();
  osais_ui_test_wait_painted (GTK_WIDGET (dialog), 2);
  osais_ui_test_save_screenshot (GTK_WIDGET (dialog), "preferences-sign-out.png");
  adw_message_dialog_response (dialog, "sign-out");
  g_assert_cmpint (osais_session_get_account_mode (fixture->session), ==,
                   OSAIS_ACCOUNT_MODE_NONE);
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "account-mode"), ==,
                   OSAIS_ACCOUNT_MODE_NONE);
  token = g_settings_get_string (fixture->settings, "client-token");
  g_assert_cmpstr (token, ==, OSAIS_SIMULATOR_DEFAULT_TOKEN);
  g_assert_false (gtk_widget_get_visible (get_named (fixture, "sign-out-button")));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (get_named (fixture,
                                                                            "account-check"))));
  osais_ui_test_settle (50);

  osais_simulator_stop (simulator);
}

static void
test_account_modes (Fixture       *fixture,
                    gconstpointer  data)
{
  GtkCheckButton *offline = GTK_CHECK_BUTTON (get_named (fixture, "offline-check"));
  GtkCheckButton *demo = GTK_CHECK_BUTTON (get_named (fixture, "demo-check"));

  g_assert_true (gtk_check_button_get_active (offline));
  g_assert_false (gtk_widget_get_visible (get_named (fixture, "sign-in-group")));

  /* An invalid origin is refused beside the field. */
  apply_entry (fixture, "origin-row", "not a url");
  g_assert_true (gtk_widget_get_visible (get_named (fixture, "origin-error-label")));
  g_assert_cmpstr (osais_session_get_server_origin (fixture->session), ==,
                   OSAIS_CLIENT_DEFAULT_ORIGIN);

  /* Demo against a closed port: the choice applies at once and the login
   * error is the status. */
  apply_entry (fixture, "origin-row", "http://127.0.0.1:1/");
  g_assert_false (gtk_widget_get_visible (get_named (fixture, "origin-error-label")));
  gtk_check_button_set_active (demo, TRUE);
  g_assert_cmpint (osais_session_get_account_mode (fixture->session), ==,
                   OSAIS_ACCOUNT_MODE_DEMO);
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "account-mode"), ==,
                   OSAIS_ACCOUNT_MODE_DEMO);
  while (osais_session_get_login_state (fixture->session) != OSAIS_LOGIN_STATE_FAILED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_has_css_class (get_named (fixture, "account-status-row"), "error"));
  /* In the app's words, not the core's (which are the command line's). */
  g_assert_cmpstr (row_subtitle (fixture, "account-status-row"), ==,
                   "OSAIS is not reachable: check the network connection");

  /* The session changed elsewhere (the welcome page): the buttons follow. */
  osais_session_set_account_mode (fixture->session, OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_true (gtk_check_button_get_active (offline));
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "account-mode"), ==,
                   OSAIS_ACCOUNT_MODE_DEMO);
}

static gboolean
check_finished (gpointer data)
{
  Fixture *fixture = data;

  return g_strcmp0 (row_subtitle (fixture, "check-row"), "Checking…") != 0;
}

/* Presses Check and waits for the verdict in the row. */
static const char *
check_now (Fixture *fixture)
{
  gtk_widget_activate_action (fixture->window, "preferences.check-url", NULL);
  osais_test_wait_until (check_finished, fixture, "the check of the public URL");
  return row_subtitle (fixture, "check-row");
}

/* The Check button sends a request through the public URL and shows the
 * verdict, with its fix, in the row: the round trip through a tunnel to
 * this server is reachable; a tunnel with nothing behind is not. */
static void
test_check_public_url (Fixture       *fixture,
                       gconstpointer  data)
{
  guint port = osais_test_closed_port ();
  g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  g_autoptr(OsaisTestFake) broken = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  GtkWidget *row = get_named (fixture, "check-row");
  const char *verdict;

  /* A known port, so that the fake tunnel forwards to the server restarted
   * by each new public URL. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (get_named (fixture, "port-spin")), port);
  {
    g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
    UriWait wait = { fixture, uri };

    osais_ui_test_wait_until (server_uri_is, &wait, "the server on the known port");
  }
  g_assert_cmpuint (osais_session_get_listen_port (fixture->session), ==, port);
  g_assert_true (osais_session_get_server_listening (fixture->session));

  /* Without a public URL there is nothing OSAIS could call. */
  verdict = check_now (fixture);
  g_assert_true (g_str_has_prefix (verdict, "Set the public URL"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  apply_entry (fixture, "public-url-row", osais_test_fake_get_origin (tunnel));
  g_assert_cmpstr (row_subtitle (fixture, "check-row"), ==, "Not checked yet");
  verdict = check_now (fixture);
  g_assert_true (g_str_has_prefix (verdict, "Reachable: "));
  g_assert_true (gtk_widget_has_css_class (row, "success"));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  osais_ui_test_wait_painted (fixture->window, 3);
  scroll_to_end (fixture->window);
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-check-reachable.png");

  apply_entry (fixture, "public-url-row", osais_test_fake_get_origin (broken));
  verdict = check_now (fixture);
  g_assert_nonnull (strstr (verdict, "nothing listens behind it"));
  /* The fix on the next line names the port to forward to. */
  g_assert_nonnull (strstr (verdict, "\nPoint the tunnel at port"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (row, "success"));
  osais_ui_test_wait_painted (fixture->window, 3);
  scroll_to_end (fixture->window);
  osais_ui_test_wait_painted (fixture->window, 3);
  osais_ui_test_save_screenshot (fixture->window, "preferences-check-no-origin.png");
}

int
main (int   argc,
      char *argv[])
{
  /* No Secret Service and no session bus to start one: the keyring is
   * unavailable, as on a headless machine. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add ("/Osais/Preferences/callback-urls", Fixture, NULL,
              fixture_set_up, test_callback_urls, fixture_tear_down);
  g_test_add ("/Osais/Preferences/port-typed-debounced", Fixture, NULL,
              fixture_set_up, test_port_typed_debounced, fixture_tear_down);
  g_test_add ("/Osais/Preferences/port-restarts-server", Fixture, NULL,
              fixture_set_up, test_port_restarts_server, fixture_tear_down);
  g_test_add ("/Osais/Preferences/port-restart-responsive", Fixture, NULL,
              fixture_set_up_slow_disk, test_port_restart_responsive,
              fixture_tear_down_slow_disk);
  g_test_add ("/Osais/Preferences/notifications-switch", Fixture, NULL,
              fixture_set_up, test_notifications_switch, fixture_tear_down);
  g_test_add ("/Osais/Preferences/account-modes", Fixture, NULL,
              fixture_set_up, test_account_modes, fixture_tear_down);
  g_test_add ("/Osais/Preferences/sign-in-and-out", Fixture, NULL,
              fixture_set_up, test_sign_in, fixture_tear_down);
  g_test_add ("/Osais/Preferences/check-public-url", Fixture, NULL,
              fixture_set_up, test_check_public_url, fixture_tear_down);

  return g_test_run ();
}
