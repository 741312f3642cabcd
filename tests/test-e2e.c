/* test-e2e.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole protocol over real HTTP on loopback: OsaisClient talks to the
 * simulator, the simulator calls back OsaisCallbackServer, and the store
 * keeps what arrives.
 */

#define G_LOG_DOMAIN "OsaisTestE2e"

#include <signal.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "osais-core.h"
#include "osais-test-utils.h"

typedef struct
{
  char                *data_dir;
  OsaisStore          *store;
  OsaisCallbackServer *server;
  OsaisSimulator      *simulator;
  OsaisClient         *client;
  GListModel          *engines;
} Fixture;

static void
fixture_start_server (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *public_uri = NULL;

  fixture->server = osais_callback_server_new (fixture->store);
  g_object_set (fixture->server, "address", "127.0.0.1", "port", 0, NULL);
  osais_callback_server_start (fixture->server, &error);
  g_assert_no_error (error);

  public_uri = osais_callback_server_dup_public_uri (fixture->server);
  osais_simulator_set_callback_url (fixture->simulator, public_uri);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;

  fixture->data_dir = g_dir_make_tmp ("osais-e2e-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->store = osais_store_open (fixture->data_dir, &error);
  g_assert_no_error (error);

  fixture->simulator = osais_simulator_new ();
  osais_simulator_start (fixture->simulator, "127.0.0.1", 0, &error);
  g_assert_no_error (error);

  fixture_start_server (fixture);

  origin = osais_simulator_dup_origin (fixture->simulator);
  fixture->client = osais_client_new (origin);
  fixture->engines = osais_engines_load (NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  osais_callback_server_stop (fixture->server);
  osais_simulator_stop (fixture->simulator);
  g_assert_finalize_object (fixture->server);
  g_assert_finalize_object (fixture->simulator);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->engines);
  osais_store_close (fixture->store);
  g_clear_object (&fixture->store);
  osais_test_remove_tree (fixture->data_dir);
  g_free (fixture->data_dir);
}

static void
login_demo (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  osais_client_login_demo_async (fixture->client, NULL, osais_test_store_result_cb, &result);
  osais_client_login_demo_finish (fixture->client,
                                  osais_test_wait_for_result (&result, "demo login"), &error);
  g_assert_no_error (error);
}

/* Builds the engine's request from NAME=VALUE pairs (NULL-terminated). */
static JsonObject *
build_request (Fixture    *fixture,
               const char *engine_name,
               ...)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  OsaisEngine *engine = osais_engines_lookup (fixture->engines, engine_name);
  JsonObject *request;
  const char *name;
  va_list args;

  g_assert_nonnull (engine);
  va_start (args, engine_name);
  while ((name = va_arg (args, const char *)) != NULL)
    g_hash_table_insert (values, (gpointer) name, va_arg (args, char *));
  va_end (args);

  request = osais_engine_build_request (engine, values, &error);
  g_assert_no_error (error);
  return request;
}

/* Sends a request the way the applications do, and waits for the job. */
static OsaisJob *
submit (Fixture    *fixture,
        const char *engine,
        JsonObject *request)
{
  g_autoptr(GAsyncResult) submitted = NULL;
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), request);
  g_autofree char *parameters = json_to_string (node, FALSE);
  guint request_id = osais_store_begin_request (fixture->store);
  OsaisJob *job;
  gint64 uid = 0;

  osais_client_submit_async (fixture->client, engine, request, NULL,
                             osais_test_store_result_cb, &submitted);
  osais_client_submit_finish (fixture->client,
                              osais_test_wait_for_result (&submitted, "the submit reply"),
                              &uid, &token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (uid, >, 0);
  g_assert_nonnull (token);

  osais_store_create_job_async (fixture->store, request_id, uid, token, engine, parameters,
                                NULL, osais_test_store_result_cb, &created);
  job = osais_store_create_job_finish (fixture->store,
                                       osais_test_wait_for_result (&created, "the job's creation"),
                                       &error);
  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_assert_cmpint (osais_job_get_uid (job), ==, uid);
  return job;
}

/* Waits until the job is done and every announced image is stored, and
 * until the simulator has had the answers to all its callbacks. A complete
 * job stays complete, so the two waits in turn see both hold at once. */
static void
wait_for_job (Fixture  *fixture,
              OsaisJob *job)
{
  osais_test_wait_for_job (job, "the job");
  osais_test_wait_for_simulator (fixture->simulator);
}

static void
test_diffusion_three_images (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) request = NULL;
  GListModel *images;

  login_demo (fixture);
  request = build_request (fixture, "diffusion",
                           "word", "a lighthouse at dawn", "cimg", "3", "seed", "42", NULL);
  job = submit (fixture, "diffusion", request);
  wait_for_job (fixture, job);

  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 3);
  g_assert_cmpint (osais_job_get_cycle (job), ==, 2);
  g_assert_cmpint (osais_job_get_cost (job), >=, 0);
  g_assert_cmpstr (osais_job_get_engine (job), ==, "diffusion");

  images = osais_job_get_images (job);
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);
      g_autoptr(GBytes) bytes = osais_test_load_image (image);
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

      /* A real PNG of the requested size, inside the data folder. */
      g_assert_true (g_str_has_prefix (path, fixture->data_dir));
      g_assert_cmpstr (osais_image_get_content_type (image), ==, "image/png");
      pixbuf = gdk_pixbuf_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 512);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 512);
      g_assert_cmpstr (osais_image_get_hash (image), ==, hash);

      for (guint j = 0; j < hashes->len; j++)
        g_assert_cmpstr (g_ptr_array_index (hashes, j), !=, hash);
      g_ptr_array_add (hashes, g_steal_pointer (&hash));
    }

  g_assert_cmpuint (osais_simulator_get_acks_bad (fixture->simulator), ==, 0);
  /* Stages 0, 1, 2, then 3, upload, 4 per image, then 5. */
  g_assert_cmpuint (osais_simulator_get_acks_good (fixture->simulator), ==, 3 + 3 * 3 + 1);
}

static void
test_ping_returns_input (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autofree char *input_id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *public_uri = NULL;

  input = osais_simulator_render_png ("the input", 7, 320, 240, &error);
  g_assert_no_error (error);
  url = osais_callback_server_register_input (fixture->server, input, "image/png", &input_id);
  public_uri = osais_callback_server_dup_public_uri (fixture->server);
  g_assert_true (g_str_has_prefix (url, public_uri));
  g_assert_true (g_str_has_suffix (url, input_id));
  g_assert_cmpuint (strlen (input_id), ==, 32);

  login_demo (fixture);
  request = build_request (fixture, "ping", "url_upload", url, NULL);
  job = submit (fixture, "ping", request);
  wait_for_job (fixture, job);

  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  image = g_list_model_get_item (osais_job_get_images (job), 0);
  output = osais_test_load_image (image);
  g_assert_true (g_bytes_equal (input, output));
  g_assert_cmpuint (osais_simulator_get_acks_bad (fixture->simulator), ==, 0);

  osais_callback_server_unregister_input (fixture->server, input_id);
}

static void
test_relogin_after_401 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(JsonObject) request = NULL;

  login_demo (fixture);
  g_assert_cmpuint (osais_simulator_get_logins (fixture->simulator), ==, 1);

  osais_simulator_expire_session (fixture->simulator);
  request = build_request (fixture, "diffusion", "word", "after expiry", NULL);
  job = submit (fixture, "diffusion", request);

  /* One 401, one new login, and the request went through once. */
  g_assert_cmpuint (osais_simulator_get_logins (fixture->simulator), ==, 2);
  g_assert_cmpuint (osais_simulator_get_requests (fixture->simulator), ==, 1);
  wait_for_job (fixture, job);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
}

static void
test_failed_job (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(JsonObject) request = NULL;

  g_object_set (fixture->simulator, "fail-engine", "diffusion", NULL);
  login_demo (fixture);
  request = build_request (fixture, "diffusion", "word", "doomed", NULL);
  job = submit (fixture, "diffusion", request);
  wait_for_job (fixture, job);

  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_ERROR);
  g_assert_true (osais_job_get_finished (job));
  g_assert_nonnull (osais_job_get_error_message (job));
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 0);
  g_assert_cmpuint (osais_simulator_get_acks_bad (fixture->simulator), ==, 0);
}

static void
test_restart_keeps_history (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisStore) reopened = NULL;
  g_autoptr(OsaisJob) found = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  gint64 uid;

  login_demo (fixture);
  request = build_request (fixture, "diffusion", "word", "kept", "cimg", "2", NULL);
  job = submit (fixture, "diffusion", request);
  wait_for_job (fixture, job);
  uid = osais_job_get_uid (job);

  osais_callback_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  osais_store_close (fixture->store);
  g_clear_object (&fixture->store);

  reopened = osais_store_open (fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reopened)), ==, 1);
  found = g_list_model_get_item (G_LIST_MODEL (reopened), 0);
  g_assert_cmpint (osais_job_get_uid (found), ==, uid);
  g_assert_cmpstr (osais_job_get_token (found), ==, osais_job_get_token (job));
  g_assert_cmpint (osais_job_get_stage (found), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpint (osais_job_get_cycle (found), ==, 1);
  g_assert_cmpint (osais_job_get_cost (found), ==, osais_job_get_cost (job));
  g_assert_cmpuint (osais_job_get_announced_images (found), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (found)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (osais_job_get_images (found), i);
      g_assert_true (g_file_query_exists (osais_image_get_file (image), NULL));
    }

  /* The fixture's tear-down wants a store and a server of its own. */
  fixture->store = g_steal_pointer (&reopened);
  fixture_start_server (fixture);
}

/* A child process serves callbacks (`osais serve`); the test sends one,
 * kills the child with SIGKILL the moment the acknowledgement arrives, and
 * checks that what was acknowledged is on disk. */
static void
test_ack_survives_kill (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("osais-kill-XXXXXX", &error);
  g_autoptr(OsaisStore) store = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) child_err = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) notify = NULL;
  g_autoptr(SoupMessage) upload = NULL;
  g_autoptr(SoupMultipart) multipart = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *url = NULL;
  const char *cli = g_getenv ("OSAIS_CLI");
  const char *line_prefix = "osais: listening on ";
  const char *notify_json =
    "{\"uid\":\"1234\",\"token\":\"tok-1234\",\"stage\":\"5\",\"cost\":\"321\"}";
  char *line;

  g_assert_no_error (error);
  if (cli == NULL)
    {
      g_test_skip ("OSAIS_CLI is not set: run through meson test");
      return;
    }

  store = osais_store_open (data_dir, &error);
  g_assert_no_error (error);
  osais_store_create_job_async (store, 0, 1234, "tok-1234", "diffusion", "{}", NULL,
                                osais_test_store_result_cb, &created);
  job = osais_store_create_job_finish (store,
                                       osais_test_wait_for_result (&created, "job creation"),
                                       &error);
  g_assert_no_error (error);
  osais_store_close (store);
  g_clear_object (&job);
  g_clear_object (&store);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                            &error, cli, "--data-dir", data_dir, "serve",
                            "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  child_err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (child));
  while ((line = g_data_input_stream_read_line_utf8 (child_err, NULL, NULL, &error)) != NULL)
    {
      if (g_str_has_prefix (line, line_prefix))
        {
          uri = g_strdup (line + strlen (line_prefix));
          g_free (line);
          break;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_nonnull (uri);

  url = g_strconcat (uri, "notify", NULL);
  notify = soup_message_new ("POST", url);
  body = g_bytes_new_static (notify_json, strlen (notify_json));
  soup_message_set_request_body_from_bytes (notify, "application/json", body);
  reply = soup_session_send_and_read (session, notify, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (notify), ==, 200);
  g_clear_pointer (&reply, g_bytes_unref);

  png = osais_simulator_render_png ("survivor", 3, 64, 64, &error);
  g_assert_no_error (error);
  multipart = soup_multipart_new ("multipart/form-data");
  soup_multipart_append_form_string (multipart, "uid", "1234");
  soup_multipart_append_form_string (multipart, "token", "tok-1234");
  soup_multipart_append_form_string (multipart, "cycle", "0");
  soup_multipart_append_form_file (multipart, "file", "x.png", "image/png", png);
  g_free (url);
  url = g_strconcat (uri, "upload", NULL);
  upload = soup_message_new_from_multipart (url, multipart);
  reply = soup_session_send_and_read (session, upload, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (upload), ==, 200);

  /* Acknowledged: kill at once, with no chance to flush anything. */
  g_subprocess_send_signal (child, SIGKILL);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);

  store = osais_store_open (data_dir, &error);
  g_assert_no_error (error);
  job = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_nonnull (job);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpint (osais_job_get_cost (job), ==, 321);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  {
    g_autoptr(OsaisImage) image = g_list_model_get_item (osais_job_get_images (job), 0);
    g_autoptr(GBytes) stored = osais_test_load_image (image);

    g_assert_true (g_bytes_equal (stored, png));
  }
  osais_store_close (store);
  g_clear_object (&job);
  g_clear_object (&store);
  osais_test_remove_tree (data_dir);
}

int
main (int   argc,
      char *argv[])
{
  osais_test_init (&argc, &argv);

  g_test_add ("/Osais/E2e/diffusion-three-images", Fixture, NULL,
              fixture_set_up, test_diffusion_three_images, fixture_tear_down);
  g_test_add ("/Osais/E2e/ping-returns-input", Fixture, NULL,
              fixture_set_up, test_ping_returns_input, fixture_tear_down);
  g_test_add ("/Osais/E2e/relogin-after-401", Fixture, NULL,
              fixture_set_up, test_relogin_after_401, fixture_tear_down);
  g_test_add ("/Osais/E2e/failed-job", Fixture, NULL,
              fixture_set_up, test_failed_job, fixture_tear_down);
  g_test_add ("/Osais/E2e/restart-keeps-history", Fixture, NULL,
              fixture_set_up, test_restart_keeps_history, fixture_tear_down);
  g_test_add_func ("/Osais/E2e/ack-survives-kill", test_ack_survives_kill);

  return g_test_run ();
}
