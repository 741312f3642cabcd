/* test-session.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestSession"

#include <string.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include <sqlite3.h>

#include "osais-core.h"
#include "osais-store-private.h"
#include "osais-test-utils.h"

static gboolean
job_is_stalled (gpointer data)
{
  return osais_job_get_stalled (data);
}

static gboolean
job_is_not_stalled (gpointer data)
{
  return !osais_job_get_stalled (data);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static OsaisSession *
new_offline_session (void)
{
  OsaisSession *session = osais_session_new (NULL);

  /* Any free port, so that tests never collide. */
  g_object_set (session,
                "account-mode", OSAIS_ACCOUNT_MODE_OFFLINE,
                "listen-port", 0,
                NULL);
  return session;
}

static gboolean
start_session (OsaisSession  *session,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_session_start_async (session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the session to start");
  return osais_session_start_finish (session, result, error);
}

static OsaisJob *
submit_valist (OsaisSession  *session,
               const char    *engine,
               GBytes        *input,
               GError       **error,
               va_list        args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name;

  while ((name = va_arg (args, const char *)) != NULL)
    g_hash_table_insert (values, (char *) name, va_arg (args, char *));

  osais_session_submit_async (session, engine, values, input,
                              input != NULL ? "image/png" : NULL, NULL,
                              osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the request to be sent");
  return osais_session_submit_finish (session, result, error);
}

/* Submits NAME, VALUE pairs ending in NULL. */
G_GNUC_NULL_TERMINATED static OsaisJob *
submit (OsaisSession  *session,
        const char    *engine,
        GBytes        *input,
        GError       **error,
        ...)
{
  OsaisJob *job;
  va_list args;

  va_start (args, error);
  job = submit_valist (session, engine, input, error, args);
  va_end (args);
  return job;
}

static OsaisJob *
retry (OsaisSession  *session,
       OsaisJob      *job,
       GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_session_retry_async (session, job, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the retry to be sent");
  return osais_session_retry_finish (session, result, error);
}

static JsonObject *
job_parameters (OsaisJob *job)
{
  g_autoptr(JsonNode) root = json_from_string (osais_job_get_parameters (job), NULL);

  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static guint
http_get_status (const char *url)
{
  g_autoptr(SoupSession) http = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (http, message, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (message);
}

static void
test_offline_start (void)
{
  g_autoptr(GError) error = NULL;
  OsaisSession *session = new_offline_session ();
  guint login_notifies = 0;
  guint store_notifies = 0;

  g_signal_connect (session, "notify::login-state", G_CALLBACK (count_cb), &login_notifies);
  g_signal_connect (session, "notify::store", G_CALLBACK (count_cb), &store_notifies);
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_OUT);
  g_assert_nonnull (osais_session_get_data_dir (session));

  g_assert_true (start_session (session, &error));
  g_assert_no_error (error);

  g_assert_nonnull (osais_session_get_store (session));
  g_assert_cmpuint (store_notifies, ==, 1);
  g_assert_cmpstr (osais_store_get_data_dir (osais_session_get_store (session)), ==,
                   osais_session_get_data_dir (session));
  g_assert_nonnull (osais_session_get_engines (session));
  g_assert_nonnull (osais_engines_lookup (osais_session_get_engines (session), "diffusion"));
  g_assert_true (osais_session_get_server_listening (session));
  g_assert_true (g_str_has_prefix (osais_session_get_server_uri (session), "http://127.0.0.1:"));
  g_assert_cmpstr (osais_session_get_public_uri (session), ==,
                   osais_session_get_server_uri (session));
  g_assert_null (osais_session_get_server_error (session));
  g_assert_nonnull (osais_session_get_simulator (session));
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_IN);
  /* LOGGING_IN, then LOGGED_IN. */
  g_assert_cmpuint (login_notifies, ==, 2);
  g_assert_null (osais_session_get_login_error (session));
  g_assert_cmpstr (osais_session_get_account_label (session), ==, "Offline simulator");

  osais_session_stop (session);
  g_assert_null (osais_session_get_store (session));
  g_assert_false (osais_session_get_server_listening (session));
  g_assert_null (osais_session_get_server_uri (session));
  g_assert_null (osais_session_get_simulator (session));
  g_assert_finalize_object (session);
}

static void
test_diffusion_three_images (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(JsonObject) parameters = NULL;
  OsaisSession *session = new_offline_session ();

  g_assert_true (start_session (session, &error));
  job = submit (session, "diffusion", NULL, &error, "word", "three cats", "cimg", "3", NULL);
  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_assert_true (osais_store_lookup (osais_session_get_store (session),
                                     osais_job_get_uid (job)) == job);

  osais_test_wait_for_job (job, "the diffusion job");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 3);

  /* The body sent is the job's parameters: Reuse Parameters reads it. */
  parameters = job_parameters (job);
  g_assert_cmpstr (json_object_get_string_member (parameters, "word"), ==, "three cats");
  g_assert_cmpint (json_object_get_int_member (parameters, "cimg"), ==, 3);
  g_assert_true (json_object_has_member (parameters, "seed"));
  g_assert_cmpuint (osais_simulator_get_requests (osais_session_get_simulator (session)), ==, 1);

  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

/* An OSAIS that awaits its stage 0 notification's acknowledgement before
 * it answers the request: the notification comes while the request is in
 * flight and is acknowledged at once (holding it for the reply would wait
 * forever), and the job still gets every stage and image. */
static void
test_osais_waits_for_first_ack (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisSimulator *simulator;
  gint64 start;

  g_assert_true (start_session (session, &error));
  simulator = osais_session_get_simulator (session);
  g_object_set (simulator, "reply-after-first-ack", TRUE, NULL);

  start = g_get_monotonic_time ();
  job = submit (session, "diffusion", NULL, &error, "word", "patient", "cimg", "2", NULL);
  g_assert_no_error (error);
  g_test_message ("Request answered after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  /* The reply came after that acknowledgement, which it waited for. */
  g_assert_cmpuint (osais_simulator_get_acks_good (simulator), >=, 1);

  osais_test_wait_for_job (job, "the job of an OSAIS that awaits its notifier");
  osais_test_wait_for_simulator (simulator);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 2);
  g_assert_cmpuint (osais_simulator_get_acks_bad (simulator), ==, 0);
  g_assert_cmpuint (osais_store_get_n_early (osais_session_get_store (session)), ==, 0);

  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_query_exists (data, NULL);
}

static void
test_ping_returns_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(JsonObject) parameters = NULL;
  g_autoptr(GFile) input_file = NULL;
  g_autoptr(GBytes) kept = NULL;
  OsaisSession *session = new_offline_session ();
  const char *url;

  g_assert_true (start_session (session, &error));
  input = osais_simulator_render_png ("the input", 7, 320, 240, &error);
  g_assert_no_error (error);

  job = submit (session, "ping", input, &error, NULL);
  g_assert_no_error (error);
  parameters = job_parameters (job);
  url = json_object_get_string_member (parameters, "url_upload");
  g_assert_true (g_str_has_prefix (url, osais_session_get_public_uri (session)));

  osais_test_wait_for_job (job, "the ping job");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  image = g_list_model_get_item (osais_job_get_images (job), 0);
  output = osais_test_load_image (image);
  g_assert_true (g_bytes_equal (input, output));

  /* Served while the job ran, not after. */
  g_assert_cmpuint (http_get_status (url), ==, SOUP_STATUS_NOT_FOUND);

  /* Kept beside the result, for the viewer to compare them. */
  input_file = osais_store_dup_input_file (osais_session_get_store (session),
                                           osais_job_get_uid (job));
  osais_test_wait_until (file_exists, input_file, "the input kept");
  kept = g_file_load_bytes (input_file, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (input, kept));

  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

typedef struct
{
  OsaisJob *job;
  char     *message;
} NotKept;

static void
input_not_kept_cb (OsaisSession *session,
                   OsaisJob     *job,
                   const char   *message,
                   NotKept      *not_kept)
{
  g_set_object (&not_kept->job, job);
  g_free (not_kept->message);
  not_kept->message = g_strdup (message);
}

static gboolean
input_not_kept_said (gpointer data)
{
  return ((NotKept *) data)->job != NULL;
}

/* An input image that cannot be kept (its folder cannot be made: a file is
 * in the way, which even root cannot write into) is said, with the job,
 * and the job still runs to its end. */
static void
test_input_not_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GFile) probe = NULL;
  g_autoptr(GFile) inputs = NULL;
  g_autofree char *inputs_path = NULL;
  OsaisSession *session = new_offline_session ();
  NotKept not_kept = { NULL, NULL };

  g_assert_true (start_session (session, &error));
  probe = osais_store_dup_input_file (osais_session_get_store (session), 1);
  inputs = g_file_get_parent (probe);
  inputs_path = g_file_get_path (inputs);
  /* The test's own data folder (isolated): no inputs kept there yet. */
  g_assert_false (g_file_test (inputs_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (inputs_path, "not a folder", -1, &error));
  g_signal_connect (session, "input-not-kept", G_CALLBACK (input_not_kept_cb), &not_kept);

  input = osais_simulator_render_png ("the input", 7, 320, 240, &error);
  g_assert_no_error (error);
  job = submit (session, "ping", input, &error, NULL);
  g_assert_no_error (error);
  osais_test_wait_until (input_not_kept_said, &not_kept, "the input said not kept");
  g_assert_true (not_kept.job == job);
  g_assert_nonnull (not_kept.message);
  g_assert_nonnull (strstr (not_kept.message, inputs_path));
  osais_test_wait_for_job (job, "the ping job");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);

  g_signal_handlers_disconnect_by_data (session, &not_kept);
  g_assert_cmpint (g_unlink (inputs_path), ==, 0);
  g_clear_object (&not_kept.job);
  g_free (not_kept.message);
  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_invalid_parameter (void)
{
  g_autoptr(GError) error = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisJob *job;

  g_assert_true (start_session (session, &error));

  job = submit (session, "diffusion", NULL, &error, "word", "a cat", "cimg", "99", NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "cimg"));
  g_clear_error (&error);

  job = submit (session, "diffusion", NULL, &error, "word", "a cat", "colour", "red", NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_PARAMETER);
  g_assert_nonnull (strstr (error->message, "colour"));
  g_clear_error (&error);

  job = submit (session, "no-such-engine", NULL, &error, NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_ENGINE);
  g_clear_error (&error);

  /* Nothing was sent and no job was recorded. */
  g_assert_cmpuint (osais_simulator_get_requests (osais_session_get_simulator (session)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (osais_session_get_store (session))),
                    ==, 0);

  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_input_rejected (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) small = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("not an image", 12);
  OsaisSession *session = new_offline_session ();
  OsaisJob *job;

  g_assert_true (start_session (session, &error));
  small = osais_simulator_render_png ("small", 1, 100, 100, &error);
  g_assert_no_error (error);

  /* rembg's uiSelectPicture asks for at least 256×256. */
  job = submit (session, "rembg", small, &error, NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "100×100"));
  g_assert_nonnull (strstr (error->message, "256×256"));
  g_clear_error (&error);

  job = submit (session, "rembg", text, &error, NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* The input is mandatory: the engine's error names it. */
  job = submit (session, "rembg", NULL, &error, NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "url_upload"));
  g_clear_error (&error);

  g_assert_cmpuint (osais_simulator_get_requests (osais_session_get_simulator (session)), ==, 0);

  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_account_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisSimulator) simulator = osais_simulator_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *origin = NULL;
  OsaisSession *session = osais_session_new (NULL);
  OsaisJob *job;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);

  g_object_set (session,
                "account-mode", OSAIS_ACCOUNT_MODE_ACCOUNT,
                "server-origin", origin,
                "listen-port", 0,
                NULL);
  osais_session_set_credentials (session, "wrong-token", "wrong-secret");

  /* A refused login does not fail the start. */
  g_assert_true (start_session (session, &error));
  g_assert_no_error (error);
  g_assert_null (osais_session_get_simulator (session));
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_FAILED);
  g_assert_nonnull (osais_session_get_login_error (session));
  g_assert_cmpstr (osais_session_get_account_label (session), ==,
                   osais_session_get_login_error (session));
  /* Typed, so that the app can say what to do without reading the text. */
  g_assert_error (osais_session_get_login_failure (session),
                  OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED);

  job = submit (session, "diffusion", NULL, &error, "word", "a cat", NULL);
  g_assert_null (job);
  g_assert_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_LOGGED_IN);
  g_clear_error (&error);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 0);

  /* The user corrects the credentials and signs in again. */
  osais_session_set_credentials (session, OSAIS_SIMULATOR_DEFAULT_TOKEN,
                                 OSAIS_SIMULATOR_DEFAULT_SECRET);
  osais_session_log_in_async (session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the login");
  g_assert_true (osais_session_log_in_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_IN);
  g_assert_null (osais_session_get_login_error (session));
  g_assert_null (osais_session_get_login_failure (session));
  g_assert_cmpstr (osais_session_get_account_label (session), ==,
                   "Signed in as " OSAIS_SIMULATOR_USERNAME);

  osais_session_stop (session);
  g_assert_finalize_object (session);
  osais_simulator_stop (simulator);
}

static void
test_newer_login_wins (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  OsaisSession *session = new_offline_session ();

  g_assert_true (start_session (session, &error));
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_IN);

  /* The user switches to the demo account and back before the first
   * login ends: only the last one counts. */
  osais_session_log_in_async (session, NULL, osais_test_store_result_cb, &first);
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGING_IN);
  osais_session_log_in_async (session, NULL, osais_test_store_result_cb, &second);
  osais_test_wait_for_result (&first, "the first login");
  osais_test_wait_for_result (&second, "the second login");

  g_assert_false (osais_session_log_in_finish (session, first, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (osais_session_log_in_finish (session, second, &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_IN);
  g_assert_cmpstr (osais_session_get_account_label (session), ==, "Offline simulator");

  /* Choosing no account logs out and stops the simulator. */
  g_clear_object (&first);
  osais_session_set_account_mode (session, OSAIS_ACCOUNT_MODE_NONE);
  osais_session_log_in_async (session, NULL, osais_test_store_result_cb, &first);
  osais_test_wait_for_result (&first, "the log-out");
  g_assert_true (osais_session_log_in_finish (session, first, &error));
  g_assert_cmpint (osais_session_get_login_state (session), ==, OSAIS_LOGIN_STATE_LOGGED_OUT);
  g_assert_null (osais_session_get_simulator (session));

  g_clear_object (&first);
  g_clear_object (&second);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_public_url (void)
{
  g_autoptr(GError) error = NULL;
  OsaisSession *session = new_offline_session ();
  g_autofree char *server_uri = NULL;
  g_autofree char *public_uri = NULL;
  OsaisCallbackServer *server;
  guint public_notifies = 0;

  g_assert_true (start_session (session, &error));
  g_signal_connect (session, "notify::public-uri", G_CALLBACK (count_cb), &public_notifies);

  server_uri = g_strdup (osais_session_get_server_uri (session));
  server = osais_session_get_callback_server (session);
  osais_session_set_public_url (session, "https://tunnel.example/osais");
  /* The running server takes it at once, with no restart: the same server
   * on the same port. */
  g_assert_cmpstr (osais_session_get_public_uri (session), ==, "https://tunnel.example/osais/");
  g_assert_true (osais_session_get_callback_server (session) == server);
  g_assert_cmpstr (osais_session_get_server_uri (session), ==, server_uri);
  g_assert_cmpuint (public_notifies, ==, 1);
  public_uri = osais_callback_server_dup_public_uri (server);
  g_assert_cmpstr (public_uri, ==, "https://tunnel.example/osais/");

  /* Cleared, it falls back to the local URI. */
  osais_session_set_public_url (session, NULL);
  g_assert_cmpstr (osais_session_get_public_uri (session), ==, server_uri);
  g_assert_cmpuint (public_notifies, ==, 2);
  /* A restart keeps it. */
  osais_session_set_public_url (session, "https://tunnel.example/osais");
  g_assert_true (osais_session_restart_server (session, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (osais_session_get_public_uri (session), ==, "https://tunnel.example/osais/");

  osais_session_stop (session);
  g_assert_finalize_object (session);
}

/* Restarts asked for while one stops share one start, with the settings
 * as they are when it starts; a taken port is reported by the last; a stop
 * of the session meanwhile ends the restart with an error. */
static void
test_restart_server_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GAsyncResult) busy = NULL;
  g_autoptr(GAsyncResult) late = NULL;
  OsaisSession *session = new_offline_session ();
  guint listening_notifies = 0;
  guint port;

  g_assert_true (start_session (session, &error));
  g_signal_connect (session, "notify::server-listening", G_CALLBACK (count_cb),
                    &listening_notifies);

  osais_session_set_public_url (session, "https://one.example/");
  osais_session_restart_server_async (session, NULL, osais_test_store_result_cb, &first);
  /* The old server is out of use at once, while it stops. */
  g_assert_false (osais_session_get_server_listening (session));
  osais_session_set_public_url (session, "https://two.example/");
  osais_session_restart_server_async (session, NULL, osais_test_store_result_cb, &second);
  osais_test_wait_for_result (&first, "the first restart");
  osais_test_wait_for_result (&second, "the second restart");
  g_assert_true (osais_session_restart_server_finish (session, first, &error));
  g_assert_no_error (error);
  g_assert_true (osais_session_restart_server_finish (session, second, &error));
  g_assert_no_error (error);
  g_assert_true (osais_session_get_server_listening (session));
  g_assert_cmpstr (osais_session_get_public_uri (session), ==, "https://two.example/");
  /* Off once, on once: one start for both. */
  g_assert_cmpuint (listening_notifies, ==, 2);

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  osais_session_set_listen_port (session, port);
  osais_session_restart_server_async (session, NULL, osais_test_store_result_cb, &busy);
  osais_test_wait_for_result (&busy, "the restart on a taken port");
  g_assert_false (osais_session_restart_server_finish (session, busy, &error));
  g_assert_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_PORT_IN_USE);
  g_clear_error (&error);
  g_assert_false (osais_session_get_server_listening (session));
  g_assert_nonnull (osais_session_get_server_error (session));

  g_socket_listener_close (listener);
  osais_session_set_listen_port (session, 0);
  g_assert_true (osais_session_restart_server (session, &error));
  osais_session_restart_server_async (session, NULL, osais_test_store_result_cb, &late);
  osais_session_stop (session);
  osais_test_wait_for_result (&late, "the restart the stop ended");
  g_assert_false (osais_session_restart_server_finish (session, late, &error));
  g_assert_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED);
  g_assert_false (osais_session_get_server_listening (session));

  g_clear_object (&first);
  g_clear_object (&second);
  g_clear_object (&busy);
  g_clear_object (&late);
  g_assert_finalize_object (session);
}

static void
test_server_port_busy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisJob *refused;
  gint64 uid;
  guint port;

  /* A first run leaves one job in the history. */
  g_assert_true (start_session (session, &error));
  job = submit (session, "diffusion", NULL, &error, "word", "kept", NULL);
  g_assert_no_error (error);
  osais_test_wait_for_job (job, "the first job");
  uid = osais_job_get_uid (job);
  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  session = new_offline_session ();
  g_object_set (session, "listen-port", port, NULL);
  g_assert_true (start_session (session, &error));
  g_assert_no_error (error);
  g_assert_false (osais_session_get_server_listening (session));
  g_assert_nonnull (osais_session_get_server_error (session));
  g_assert_null (osais_session_get_server_uri (session));

  /* The history is there all the same. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (osais_session_get_store (session))),
                    ==, 1);
  g_assert_nonnull (osais_store_lookup (osais_session_get_store (session), uid));

  /* Without a callback server OSAIS could not report back: nothing is sent. */
  refused = submit (session, "diffusion", NULL, &error, "word", "lost", NULL);
  g_assert_null (refused);
  g_assert_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NO_SERVER);
  g_clear_error (&error);
  g_assert_cmpuint (osais_simulator_get_requests (osais_session_get_simulator (session)), ==, 0);

  /* Once the port is free, a restart listens. */
  g_socket_listener_close (listener);
  g_assert_true (osais_session_restart_server (session, &error));
  g_assert_no_error (error);
  g_assert_true (osais_session_get_server_listening (session));
  g_assert_null (osais_session_get_server_error (session));

  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_retry_failed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) failed = NULL;
  g_autoptr(OsaisJob) again = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisSimulator *simulator;

  g_assert_true (start_session (session, &error));
  simulator = osais_session_get_simulator (session);
  g_object_set (simulator, "fail-engine", "diffusion", NULL);

  failed = submit (session, "diffusion", NULL, &error, "word", "try again", "cimg", "2", NULL);
  g_assert_no_error (error);
  osais_test_wait_for_job (failed, "the failing job");
  g_assert_cmpint (osais_job_get_stage (failed), ==, OSAIS_STAGE_ERROR);

  g_object_set (simulator, "fail-engine", NULL, NULL);
  again = retry (session, failed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpint (osais_job_get_uid (again), !=, osais_job_get_uid (failed));
  /* The same body, seed included. */
  g_assert_cmpstr (osais_job_get_parameters (again), ==, osais_job_get_parameters (failed));

  osais_test_wait_for_job (again, "the retried job");
  g_assert_cmpint (osais_job_get_stage (again), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (again)), ==, 2);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 2);

  g_clear_object (&failed);
  g_clear_object (&again);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_retry_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(OsaisJob) failed = NULL;
  g_autoptr(OsaisJob) again = NULL;
  g_autoptr(OsaisJob) foreign = NULL;
  g_autoptr(OsaisJob) refused = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(JsonObject) failed_parameters = NULL;
  g_autoptr(JsonObject) again_parameters = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisSimulator *simulator;

  g_assert_true (start_session (session, &error));
  simulator = osais_session_get_simulator (session);
  input = osais_simulator_render_png ("retried input", 3, 64, 48, &error);
  g_assert_no_error (error);

  g_object_set (simulator, "fail-engine", "ping", NULL);
  failed = submit (session, "ping", input, &error, NULL);
  g_assert_no_error (error);
  osais_test_wait_for_job (failed, "the failing ping");
  g_assert_cmpint (osais_job_get_stage (failed), ==, OSAIS_STAGE_ERROR);

  /* The input is served again, under a new URL, and OSAIS gets it. */
  g_object_set (simulator, "fail-engine", NULL, NULL);
  again = retry (session, failed, &error);
  g_assert_no_error (error);
  failed_parameters = job_parameters (failed);
  again_parameters = job_parameters (again);
  g_assert_cmpstr (json_object_get_string_member (again_parameters, "url_upload"), !=,
                   json_object_get_string_member (failed_parameters, "url_upload"));
  osais_test_wait_for_job (again, "the retried ping");
  g_assert_cmpint (osais_job_get_stage (again), ==, OSAIS_STAGE_FINISHED);
  image = g_list_model_get_item (osais_job_get_images (again), 0);
  output = osais_test_load_image (image);
  g_assert_true (g_bytes_equal (input, output));

  /* A job whose input this session no longer holds (an earlier run's). */
  osais_store_create_job_async (osais_session_get_store (session), 0, 999999, "t", "ping",
                                "{\"width\":512,\"height\":512,\"url_upload\":"
                                "\"http://127.0.0.1:3024/input/0123456789abcdef0123456789abcdef\"}",
                                NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the job of an earlier run");
  foreign = osais_store_create_job_finish (osais_session_get_store (session), result, &error);
  g_assert_no_error (error);
  refused = retry (session, foreign, &error);
  g_assert_null (refused);
  g_assert_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INPUT_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, 2);

  g_clear_object (&result);
  g_clear_object (&failed);
  g_clear_object (&again);
  g_clear_object (&foreign);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

static void
test_stalled (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisSession *session = new_offline_session ();
  guint stalled_notifies = 0;

  g_object_set (session, "stall-timeout", 1, NULL);
  g_assert_true (start_session (session, &error));
  g_object_set (osais_session_get_simulator (session), "step-delay", 3000, NULL);

  job = submit (session, "diffusion", NULL, &error, "word", "slow", NULL);
  g_assert_no_error (error);
  g_signal_connect (job, "notify::stalled", G_CALLBACK (count_cb), &stalled_notifies);
  g_assert_false (osais_job_get_stalled (job));

  /* Three seconds between callbacks: marked after one second without one... */
  osais_test_wait_until (job_is_stalled, job, "the job to be marked stalled");
  g_assert_false (osais_job_is_complete (job));
  /* ...and cleared by the next callback. */
  osais_test_wait_until (job_is_not_stalled, job, "the next callback to clear stalled");
  g_assert_cmpuint (stalled_notifies, ==, 2);

  /* A stall-timeout of 0 turns the marking off, at once. */
  osais_test_wait_until (job_is_stalled, job, "the job to be marked stalled again");
  osais_session_set_stall_timeout (session, 0);
  g_assert_false (osais_job_get_stalled (job));
  g_assert_cmpuint (stalled_notifies, ==, 4);

  g_signal_handlers_disconnect_by_data (job, &stalled_notifies);
  g_clear_object (&job);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

/* A job that was running when the app last stopped goes on waiting after a
 * restart: its callbacks are still taken, and it is stalled only a stall
 * timeout after the history was opened again, not at once for being old. */
static void
test_unfinished_job_waits_after_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisJob) created = NULL;
  g_autofree char *database = NULL;
  OsaisSession *session = new_offline_session ();
  OsaisStore *store;
  OsaisJob *job;
  OsaisNotification notification = { 0 };
  sqlite3 *db = NULL;

  g_assert_true (start_session (session, &error));
  osais_store_create_job_async (osais_session_get_store (session), 0, 4242, "t", "diffusion",
                                "{\"word\":\"left running\"}", NULL,
                                osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the job");
  created = osais_store_create_job_finish (osais_session_get_store (session), result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_object (&created);
  database = g_build_filename (osais_session_get_data_dir (session), "history.sqlite3", NULL);
  osais_session_stop (session);
  g_assert_finalize_object (session);

  /* Its last callback came an hour ago. */
  g_assert_cmpint (sqlite3_open (database, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE jobs SET created = created - 3600000000,"
                                     " updated = updated - 3600000000",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  session = new_offline_session ();
  g_object_set (session, "stall-timeout", 2, NULL);
  g_assert_true (start_session (session, &error));
  store = osais_session_get_store (session);
  job = osais_store_lookup (store, 4242);
  g_assert_nonnull (job);
  g_assert_false (osais_job_get_stalled (job));

  /* Its callbacks are still taken. */
  notification.uid = 4242;
  notification.token = (char *) "t";
  notification.stage = OSAIS_STAGE_STARTED;
  osais_store_apply_notification_async (store, &notification, NULL,
                                        osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the notification");
  g_assert_true (osais_store_apply_notification_finish (store, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);

  /* Stalled once the timeout has passed without another. */
  osais_test_wait_until (job_is_stalled, job, "the job to be marked stalled");

  g_clear_object (&result);
  osais_session_stop (session);
  g_assert_finalize_object (session);
}

/* Sockets of this process that the peer closed and this side did not:
 * /proc/net/tcp's state 08 (CLOSE_WAIT), for the inodes this process holds. */
static guint
count_close_wait (void)
{
  g_autofree char *tcp = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint n = 0;

  while (fds != NULL && (name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
    }

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &tcp, NULL, NULL));
  lines = g_strsplit (tcp, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      if (words->len > 9 && g_str_equal (g_ptr_array_index (words, 3), "08")
          && g_hash_table_contains (inodes, g_ptr_array_index (words, 9)))
        n++;
    }
  return n;
}

/* A long offline session does not pile up half-closed sockets: the
 * simulator's connections to the callback server go when the server
 * closes them. */
static void
test_long_offline_session (void)
{
  g_autoptr(GError) error = NULL;
  OsaisSession *session = new_offline_session ();
  guint close_wait;

  g_assert_true (start_session (session, &error));
  for (guint i = 0; i < 25; i++)
    {
      g_autoptr(OsaisJob) job = submit (session, "diffusion", NULL, &error, "word", "again",
                                        NULL);

      g_assert_no_error (error);
      osais_test_wait_for_job (job, "a job of a long session");
    }
  osais_test_wait_for_simulator (osais_session_get_simulator (session));
  close_wait = count_close_wait ();
  g_test_message ("%u socket(s) in CLOSE_WAIT after 25 jobs", close_wait);
  g_assert_cmpuint (close_wait, <, 5);

  osais_session_stop (session);
  g_assert_finalize_object (session);
}

/* A history whose stages' page is damaged: the first page of the list
 * reads well, the integrity check does not. */
static char *
make_history_damaged_later (void)
{
  g_autofree char *dir = g_dir_make_tmp ("osais-session-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  OsaisStore *store = osais_store_open (dir, &error);
  gint64 stages_page;

  g_assert_no_error (error);
  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (osais_test_store_create_job (store, uid, "{\"prompt\":\"a lighthouse\"}"));
  osais_test_store_notify (store, 1, OSAIS_STAGE_STARTED, 1, "start");
  stages_page = osais_test_history_root_page (dir, "stages");
  osais_store_close (store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (store);
  osais_test_damage_history_page (dir, stages_page);

  return g_steal_pointer (&dir);
}

static gboolean
hold_connection_cb (GSocketService     *service,
                    GSocketConnection  *connection,
                    GObject            *source_object,
                    GPtrArray          *held)
{
  g_ptr_array_add (held, g_object_ref (connection));
  return TRUE;
}

static gboolean
holds_connection (gpointer data)
{
  GPtrArray *held = data;

  return held->len > 0;
}

static gboolean
session_has_store (gpointer data)
{
  return osais_session_get_store (data) != NULL;
}

static gboolean
session_logging_in (gpointer data)
{
  return osais_session_get_login_state (data) == OSAIS_LOGIN_STATE_LOGGING_IN;
}

static gboolean
session_history_damaged (gpointer data)
{
  return osais_session_get_history_damage (data) != NULL;
}

/* The integrity check finds the damage while the start is still logging
 * in: the store is closed at once and the callback server stopped, so that
 * nothing is written, and the start then fails with the damage, which the
 * app shows as a history refused at opening. Moved aside, the history
 * starts afresh. */
static void
test_damage_found_while_starting (void)
{
  g_autofree char *dir = make_history_damaged_later ();
  g_autofree char *history = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *aside = g_build_filename (dir, "history.sqlite3.aside", NULL);
  static const char refusal[] = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                                "Content-Length: 2\r\n\r\n{}";
  g_autofree char *origin = NULL;
  g_autoptr(GSocketService) osais = g_socket_service_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length = 0;
  gsize after_length = 0;
  OsaisSession *session = osais_session_new (dir);

  /* An OSAIS that takes the login's connection and says nothing yet. */
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (osais), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  g_assert_no_error (error);
  g_signal_connect (osais, "incoming", G_CALLBACK (hold_connection_cb), held);
  g_socket_service_start (osais);
  origin = g_strdup_printf ("http://127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_object_set (session,
                "account-mode", OSAIS_ACCOUNT_MODE_ACCOUNT,
                "server-origin", origin,
                "listen-port", 0,
                NULL);
  osais_session_set_credentials (session, OSAIS_SIMULATOR_DEFAULT_TOKEN,
                                 OSAIS_SIMULATOR_DEFAULT_SECRET);
  g_assert_true (g_file_get_contents (history, &before, &before_length, NULL));

  osais_store_hold_checks (TRUE);
  osais_session_start_async (session, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_until (session_has_store, session, "the history's first page");
  osais_test_wait_until (session_logging_in, session, "the login");
  osais_test_wait_until (holds_connection, held, "the login's connection");
  g_assert_true (osais_session_get_server_listening (session));

  osais_store_hold_checks (FALSE);
  osais_test_wait_until (session_history_damaged, session, "the damage");
  g_assert_null (osais_session_get_store (session));
  g_assert_false (osais_session_get_server_listening (session));
  g_assert_null (result);

  /* OSAIS refuses the login: the start fails, with the damage. */
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (g_ptr_array_index (held, 0)),
                                            refusal, strlen (refusal), NULL, NULL, &error));
  g_assert_no_error (error);
  osais_test_wait_for_result (&result, "the start");
  g_socket_service_stop (osais);
  g_socket_listener_close (G_SOCKET_LISTENER (osais));
  g_ptr_array_set_size (held, 0);
  g_assert_false (osais_session_start_finish (session, result, &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_true (g_file_get_contents (history, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);

  /* Moved aside, as the app's banner offers: a new history starts (with no
   * account, the OSAIS above being gone). */
  g_assert_cmpint (g_rename (history, aside), ==, 0);
  g_object_set (session, "account-mode", OSAIS_ACCOUNT_MODE_NONE, NULL);
  g_assert_true (start_session (session, &error));
  g_assert_no_error (error);
  g_assert_null (osais_session_get_history_damage (session));
  g_assert_nonnull (osais_session_get_store (session));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (osais_session_get_store (session))),
                    ==, 0);

  osais_session_stop (session);
  g_assert_finalize_object (session);
  osais_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/Osais/Session/offline-start", test_offline_start);
  g_test_add_func ("/Osais/Session/diffusion-three-images", test_diffusion_three_images);
  g_test_add_func ("/Osais/Session/osais-waits-for-first-ack", test_osais_waits_for_first_ack);
  g_test_add_func ("/Osais/Session/ping-returns-input", test_ping_returns_input);
  g_test_add_func ("/Osais/Session/input-not-kept", test_input_not_kept);
  g_test_add_func ("/Osais/Session/invalid-parameter", test_invalid_parameter);
  g_test_add_func ("/Osais/Session/input-rejected", test_input_rejected);
  g_test_add_func ("/Osais/Session/account-login", test_account_login);
  g_test_add_func ("/Osais/Session/newer-login-wins", test_newer_login_wins);
  g_test_add_func ("/Osais/Session/public-url", test_public_url);
  g_test_add_func ("/Osais/Session/server-port-busy", test_server_port_busy);
  g_test_add_func ("/Osais/Session/restart-server-async", test_restart_server_async);
  g_test_add_func ("/Osais/Session/retry-failed", test_retry_failed);
  g_test_add_func ("/Osais/Session/retry-input", test_retry_input);
  g_test_add_func ("/Osais/Session/stalled", test_stalled);
  g_test_add_func ("/Osais/Session/long-offline-session", test_long_offline_session);
  g_test_add_func ("/Osais/Session/damage-found-while-starting",
                   test_damage_found_while_starting);
  g_test_add_func ("/Osais/Session/unfinished-job-waits-after-restart",
                   test_unfinished_job_waits_after_restart);

  return g_test_run ();
}
