/* test-client.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestClient"

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "osais-client.h"
#include "osais-test-utils.h"

#define TEST_TOKEN  "client-token-1"
#define TEST_SECRET "s3cr3t-never-logged"

/* A small OSAIS that plays scripted answers on its own thread and records
 * each request it receives. */

typedef enum
{
  ACTION_REPLY,
  ACTION_DROP,  /* close the connection without answering */
  ACTION_HANG,  /* never answer */
} Action;

typedef struct
{
  char   *path;
  Action  action;
  guint   status;
  char   *body;
  char   *retry_after;
} Scripted;

typedef struct
{
  char   *method;
  char   *path;
  char   *authorization;
  char   *user_agent;
  char   *body;
  gint64  time;
} Recorded;

typedef struct
{
  OsaisTestHttpServer *server;
  const char          *origin;

  GMutex               mutex;
  GQueue               script;    /* of Scripted, matched by path */
  GPtrArray           *requests;  /* of Recorded */
  GPtrArray           *hanging;   /* of SoupServerMessage */
  guint                logins;
} FakeOsais;

static void
scripted_free (Scripted *scripted)
{
  g_free (scripted->path);
  g_free (scripted->body);
  g_free (scripted->retry_after);
  g_free (scripted);
}

static void
recorded_free (Recorded *recorded)
{
  g_free (recorded->method);
  g_free (recorded->path);
  g_free (recorded->authorization);
  g_free (recorded->user_agent);
  g_free (recorded->body);
  g_free (recorded);
}

static void
fake_script (FakeOsais  *fake,
             const char *path,
             Action      action,
             guint       status,
             const char *body,
             const char *retry_after)
{
  Scripted *scripted = g_new0 (Scripted, 1);

  scripted->path = g_strdup (path);
  scripted->action = action;
  scripted->status = status;
  scripted->body = g_strdup (body);
  scripted->retry_after = g_strdup (retry_after);

  g_mutex_lock (&fake->mutex);
  g_queue_push_tail (&fake->script, scripted);
  g_mutex_unlock (&fake->mutex);
}

/* Takes the first scripted answer for @path, if any. */
static Scripted *
fake_pop_script (FakeOsais  *fake,
                 const char *path)
{
  for (GList *l = fake->script.head; l != NULL; l = l->next)
    {
      Scripted *scripted = l->data;

      if (g_str_equal (scripted->path, path))
        {
          g_queue_delete_link (&fake->script, l);
          return scripted;
        }
    }

  return NULL;
}

static guint
fake_count (FakeOsais  *fake,
            const char *path)
{
  guint count = 0;

  g_mutex_lock (&fake->mutex);
  for (guint i = 0; i < fake->requests->len; i++)
    {
      Recorded *recorded = g_ptr_array_index (fake->requests, i);

      if (g_str_equal (recorded->path, path))
        count++;
    }
  g_mutex_unlock (&fake->mutex);

  return count;
}

static guint
fake_total (FakeOsais *fake)
{
  guint total;

  g_mutex_lock (&fake->mutex);
  total = fake->requests->len;
  g_mutex_unlock (&fake->mutex);

  return total;
}

/* The @nth request (from 0) to @path; the fake outlives the caller's use. */
static Recorded *
fake_get (FakeOsais  *fake,
          const char *path,
          guint       nth)
{
  Recorded *found = NULL;

  g_mutex_lock (&fake->mutex);
  for (guint i = 0; i < fake->requests->len && found == NULL; i++)
    {
      Recorded *recorded = g_ptr_array_index (fake->requests, i);

      if (g_str_equal (recorded->path, path) && nth-- == 0)
        found = recorded;
    }
  g_mutex_unlock (&fake->mutex);

  g_assert_nonnull (found);
  return found;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *message,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  FakeOsais *fake = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (message);
  SoupMessageBody *request_body = soup_server_message_get_request_body (message);
  g_autoptr(GBytes) body = soup_message_body_flatten (request_body);
  g_autofree char *default_body = NULL;
  Scripted *scripted;
  Recorded *recorded;

  recorded = g_new0 (Recorded, 1);
  recorded->method = g_strdup (soup_server_message_get_method (message));
  recorded->path = g_strdup (path);
  recorded->authorization = g_strdup (soup_message_headers_get_one (request_headers,
                                                                    "Authorization"));
  recorded->user_agent = g_strdup (soup_message_headers_get_one (request_headers,
                                                                 "User-Agent"));
  recorded->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  recorded->time = g_get_monotonic_time ();

  g_mutex_lock (&fake->mutex);
  g_ptr_array_add (fake->requests, recorded);
  scripted = fake_pop_script (fake, path);
  if (scripted == NULL &&
      (g_str_equal (path, "/api/v1/public/client/login") ||
       g_str_equal (path, "/api/v1/public/client/demo")))
    {
      /* Each login hands out a new authToken, so that a test sees which
       * session a call used. */
      fake->logins++;
      default_body = g_strdup_printf ("{\"data\":{\"token\":\"%s\",\"authToken\":\"auth-%u\"}}",
                                      TEST_TOKEN, fake->logins);
    }
  g_mutex_unlock (&fake->mutex);

  if (scripted == NULL)
    {
      if (default_body == NULL && g_str_equal (path, "/api/v1/private/client"))
        default_body = g_strdup ("{\"data\":{\"user\":{\"username\":\"tester\"}}}");
      else if (default_body == NULL && g_str_has_prefix (path, "/api/v1/private/client/ai/"))
        default_body = g_strdup ("{\"data\":{\"uid\":\"42\",\"token\":\"tk42\"}}");

      if (default_body == NULL)
        soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
      else
        {
          soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                            default_body, strlen (default_body));
        }
      return;
    }

  switch (scripted->action)
    {
    case ACTION_REPLY:
      soup_server_message_set_status (message, scripted->status, NULL);
      if (scripted->retry_after != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                      "Retry-After", scripted->retry_after);
      if (scripted->body != NULL)
        soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                          scripted->body, strlen (scripted->body));
      break;

    case ACTION_DROP:
      {
        g_autoptr(GIOStream) stream = soup_server_message_steal_connection (message);

        g_io_stream_close (stream, NULL, NULL);
      }
      break;

    case ACTION_HANG:
      soup_server_message_pause (message);
      g_ptr_array_add (fake->hanging, g_object_ref (message));
      break;

    default:
      g_assert_not_reached ();
    }

  scripted_free (scripted);
}

/* On the server's thread, once its clients are gone. */
static void
fake_release_hanging (gpointer user_data)
{
  FakeOsais *fake = user_data;

  g_ptr_array_set_size (fake->hanging, 0);
}

static FakeOsais *
fake_osais_new (void)
{
  FakeOsais *fake = g_new0 (FakeOsais, 1);

  g_mutex_init (&fake->mutex);
  g_queue_init (&fake->script);
  fake->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) recorded_free);
  fake->hanging = g_ptr_array_new_with_free_func (g_object_unref);
  fake->server = osais_test_http_server_new (server_callback, fake, fake_release_hanging);
  fake->origin = osais_test_http_server_get_origin (fake->server);

  return fake;
}

static void
fake_osais_free (FakeOsais *fake)
{
  osais_test_http_server_free (fake->server);

  g_queue_clear_full (&fake->script, (GDestroyNotify) scripted_free);
  g_ptr_array_unref (fake->requests);
  g_ptr_array_unref (fake->hanging);
  g_mutex_clear (&fake->mutex);
  g_free (fake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeOsais, fake_osais_free)

/* Helpers to run the client's calls to completion. */

/* The client's results, with osais_test_wait_for_result()'s time limit. */
static GAsyncResult *
wait_result (GAsyncResult **result)
{
  return osais_test_wait_for_result (result, "the client");
}

static OsaisClient *
client_new_for (FakeOsais *fake)
{
  OsaisClient *client = osais_client_new (fake->origin);

  /* Short delays keep the retry tests fast. */
  osais_client_set_retry_base_delay (client, 10);
  return client;
}

static gboolean
do_login (OsaisClient  *client,
          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_client_login_async (client, TEST_TOKEN, TEST_SECRET, NULL,
                            osais_test_store_result_cb, &result);
  return osais_client_login_finish (client, wait_result (&result), error);
}

static JsonObject *
do_get_info (OsaisClient   *client,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_client_get_info_async (client, cancellable, osais_test_store_result_cb, &result);
  return osais_client_get_info_finish (client, wait_result (&result), error);
}

static gboolean
do_submit (OsaisClient   *client,
           const char    *engine,
           GCancellable  *cancellable,
           gint64        *uid,
           char         **token,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) parameters = json_object_new ();

  json_object_set_string_member (parameters, "word", "a lighthouse");
  json_object_set_int_member (parameters, "steps", 20);

  osais_client_submit_async (client, engine, parameters, cancellable,
                             osais_test_store_result_cb, &result);
  return osais_client_submit_finish (client, wait_result (&result), uid, token, error);
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* Tests */

static void
test_origin (void)
{
  g_autoptr(OsaisClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *normalized = NULL;

  client = osais_client_new (NULL);
  g_assert_cmpstr (osais_client_get_origin (client), ==, OSAIS_CLIENT_DEFAULT_ORIGIN);
  g_clear_object (&client);

  client = osais_client_new ("http://localhost:3022");
  g_assert_cmpstr (osais_client_get_origin (client), ==, "http://localhost:3022/");

  normalized = osais_client_normalize_origin ("ftp://example.com/", &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT);
  g_assert_null (normalized);
  g_clear_error (&error);

  normalized = osais_client_normalize_origin ("https://user:pw@example.com/", &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT);
  g_assert_null (normalized);
  g_clear_error (&error);

  /* A client with a bad origin fails its calls instead of sending anything. */
  osais_client_set_origin (client, "file:///etc/passwd");
  osais_client_login_demo_async (client, NULL, osais_test_store_result_cb, &result);
  g_assert_false (osais_client_login_demo_finish (client, wait_result (&result), &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT);
}

static void
test_not_logged_in (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  user = do_get_info (client, NULL, &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NOT_LOGGED_IN);
  g_assert_null (user);
  g_assert_cmpuint (fake_total (fake), ==, 0);
}

static void
test_login_ok (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected_agent = NULL;
  JsonObject *body;
  Recorded *login;
  guint notifies = 0;
  gint64 uid;
  g_autofree char *token = NULL;

  g_signal_connect (client, "notify::logged-in", G_CALLBACK (notify_count_cb), &notifies);
  g_assert_false (osais_client_get_logged_in (client));

  g_assert_true (do_login (client, &error));
  g_assert_no_error (error);
  g_assert_true (osais_client_get_logged_in (client));
  g_assert_cmpuint (notifies, ==, 1);

  login = fake_get (fake, "/api/v1/public/client/login", 0);
  g_assert_cmpstr (login->method, ==, "POST");
  g_assert_null (login->authorization);
  expected_agent = g_strdup_printf ("OSAIS-Studio/%s", PACKAGE_VERSION);
  g_assert_cmpstr (login->user_agent, ==, expected_agent);
  g_assert_true (json_parser_load_from_data (parser, login->body, -1, &error));
  body = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (body, "token"), ==, TEST_TOKEN);
  g_assert_cmpstr (json_object_get_string_member (body, "secret"), ==, TEST_SECRET);

  g_assert_true (do_submit (client, "diffusion", NULL, &uid, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client/ai/diffusion", 0)->authorization, ==,
                   "Bearer auth-1");
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client/ai/diffusion", 0)->method, ==,
                   "POST");
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 1);
}

static void
test_origin_change (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(FakeOsais) other = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  guint notifies = 0;

  g_assert_true (do_login (client, &error));
  g_signal_connect (client, "notify::logged-in", G_CALLBACK (notify_count_cb), &notifies);

  /* Neither the session nor the credentials follow the client to another
   * server. */
  osais_client_set_origin (client, other->origin);
  g_assert_false (osais_client_get_logged_in (client));
  g_assert_cmpuint (notifies, ==, 1);

  user = do_get_info (client, NULL, &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NOT_LOGGED_IN);
  g_assert_cmpuint (fake_total (other), ==, 0);
}

static void
test_login_refused (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 200, "{\"data\":null}", NULL);
  g_assert_false (do_login (client, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED);
  g_assert_nonnull (strstr (error->message, "OSAIS_SECRET"));
  g_assert_false (osais_client_get_logged_in (client));
  g_clear_error (&error);

  /* A 401 is a refusal too, and is not retried. */
  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 401, "{}", NULL);
  g_assert_false (do_login (client, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 2);
}

static void
test_demo_login (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) user = NULL;
  Recorded *demo;

  osais_client_login_demo_async (client, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_client_login_demo_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (osais_client_get_logged_in (client));

  demo = fake_get (fake, "/api/v1/public/client/demo", 0);
  g_assert_cmpstr (demo->method, ==, "POST");
  g_assert_cmpstr (demo->body, ==, "");
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 0);

  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client", 0)->authorization, ==,
                   "Bearer auth-1");
}

static void
test_client_info (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  Recorded *info;

  g_assert_true (do_login (client, &error));
  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "tester");

  info = fake_get (fake, "/api/v1/private/client", 0);
  g_assert_cmpstr (info->method, ==, "GET");
  g_assert_cmpstr (info->authorization, ==, "Bearer auth-1");
  g_clear_pointer (&user, json_object_unref);

  /* A reply without a user is not one we can read. */
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 200, "{\"data\":{\"user\":3}}",
               NULL);
  user = do_get_info (client, NULL, &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY);
  g_assert_null (user);
}

static void
test_submit_shapes (void)
{
  static const struct {
    const char *body;
    gint64      uid;
    const char *token;
  } good[] = {
    { "{\"data\":{\"uid\":\"1001\",\"token\":\"abc\"}}", 1001, "abc" },
    { "{\"data\":{\"uid\":1002,\"token\":77}}", 1002, "77" },
    { "{\"data\":{\"data\":{\"uid\":1003,\"token\":\"t3\"}}}", 1003, "t3" },
    { "{\"data\":{\"request\":{\"uid\":\"1004\",\"token\":\"t4\"},\"ok\":true}}", 1004, "t4" },
    { "{\"data\":{\"status\":\"queued\",\"job\":{\"uid\":1005,\"token\":\"t5\"}}}", 1005, "t5" },
  };
  static const char * const bad[] = {
    "{\"data\":{\"uid\":\"12x\",\"token\":\"t\"}}",
    "{\"data\":{\"uid\":1.5,\"token\":\"t\"}}",
    "{\"data\":{\"token\":\"t\"}}",
    "{\"data\":{\"uid\":7}}",
    "{\"data\":null}",
    "not json",
  };
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  g_assert_true (do_login (client, &error));

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *token = NULL;
      gint64 uid = 0;

      fake_script (fake, "/api/v1/private/client/ai/sdxl", ACTION_REPLY, 200, good[i].body, NULL);
      g_assert_true (do_submit (client, "sdxl", NULL, &uid, &token, &error));
      g_assert_no_error (error);
      g_assert_cmpint (uid, ==, good[i].uid);
      g_assert_cmpstr (token, ==, good[i].token);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *token = NULL;
      gint64 uid = 0;

      fake_script (fake, "/api/v1/private/client/ai/sdxl", ACTION_REPLY, 200, bad[i], NULL);
      g_assert_false (do_submit (client, "sdxl", NULL, &uid, &token, &error));
      g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY);
      g_assert_null (token);
      g_clear_error (&error);
    }

  /* Each submit was sent exactly once. */
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client/ai/sdxl"), ==,
                    G_N_ELEMENTS (good) + G_N_ELEMENTS (bad));
}

/* A reply is bytes from a peer like a callback: read by the same bounded
 * reader, so that a hostile or broken OSAIS cannot crash the app (100,000
 * '[' overflowed json-glib's recursion), wrap a uid beyond 64 bits onto
 * another, or cut a token short with an escaped NUL. */
static void
test_hostile_replies (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"data\":{\"uid\":1001,\"token\":\"t\",\"x\":");
  const char *bad[] = {
    NULL,
    "{\"data\":{\"uid\":18446744073709552617,\"token\":\"t\"}}",
    "{\"data\":{\"uid\":1001,\"token\":\"t\\u0000junk\"}}",
  };
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  bad[0] = deep->str;

  g_assert_true (do_login (client, &error));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *token = NULL;
      gint64 uid = 0;

      fake_script (fake, "/api/v1/private/client/ai/sdxl", ACTION_REPLY, 200, bad[i], NULL);
      g_assert_false (do_submit (client, "sdxl", NULL, &uid, &token, &error));
      g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY);
      g_assert_null (token);
      g_clear_error (&error);
    }
}

static void
test_submit_bad_engine (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  guint before;

  g_assert_true (do_login (client, &error));
  before = fake_total (fake);

  g_assert_false (do_submit (client, "../public/client/login", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (do_submit (client, "Diffusion", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (fake_total (fake), ==, before);
}

static void
test_relogin_on_401 (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  gint64 uid = 0;

  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client/ai/ping", ACTION_REPLY, 401, "{}", NULL);

  g_assert_true (do_submit (client, "ping", NULL, &uid, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpint (uid, ==, 42);
  g_assert_true (osais_client_get_logged_in (client));

  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 2);
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client/ai/ping"), ==, 2);
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client/ai/ping", 0)->authorization, ==,
                   "Bearer auth-1");
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client/ai/ping", 1)->authorization, ==,
                   "Bearer auth-2");
  /* The renewal used the same credentials. */
  g_assert_cmpstr (fake_get (fake, "/api/v1/public/client/login", 1)->body, ==,
                   fake_get (fake, "/api/v1/public/client/login", 0)->body);
}

static void
test_401_twice (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 401, "{}", NULL);
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 401, "{}", NULL);
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 401, "{}", NULL);

  user = do_get_info (client, NULL, &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP);
  g_assert_null (user);

  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client"), ==, 2);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 2);
}

static void
test_session_lifetime (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  osais_client_set_session_lifetime (client, 1);
  g_assert_true (do_login (client, &error));

  /* Within the lifetime, the session is used as is. */
  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&user, json_object_unref);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 1);

  g_usleep (1100 * 1000);

  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 2);
  g_assert_cmpstr (fake_get (fake, "/api/v1/private/client", 1)->authorization, ==,
                   "Bearer auth-2");
}

static void
test_retry_after (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  gint64 first, second;

  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 503, "{}", "1");

  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);

  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client"), ==, 2);
  first = fake_get (fake, "/api/v1/private/client", 0)->time;
  second = fake_get (fake, "/api/v1/private/client", 1)->time;
  g_assert_cmpint (second - first, >=, G_USEC_PER_SEC);
}

static void
test_retry_429 (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 429, "{}", NULL);
  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 429, "{}", NULL);
  g_assert_true (do_login (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 3);
}

static void
test_no_retry (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 400, "{}", NULL);
  g_assert_false (do_login (client, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 1);
  g_clear_error (&error);

  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 500, "{}", NULL);
  user = do_get_info (client, NULL, &error);
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP);
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client"), ==, 1);
  g_clear_error (&error);

  /* An AI request is not retried on a 503 either: only a 401 proves it was
   * not taken. */
  fake_script (fake, "/api/v1/private/client/ai/ping", ACTION_REPLY, 503, "{}", "1");
  g_assert_false (do_submit (client, "ping", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP);
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client/ai/ping"), ==, 1);
}

static void
test_submit_dropped (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client/ai/ping", ACTION_DROP, 0, NULL, NULL);

  g_assert_false (do_submit (client, "ping", NULL, NULL, &token, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_UNCERTAIN);
  g_assert_nonnull (strstr (error->message, "check before resending"));
  g_assert_null (token);
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client/ai/ping"), ==, 1);
}

static void
test_submit_refused_connection (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  g_assert_true (do_login (client, &error));

  /* Nothing listens there any more: the request never left. */
  g_clear_pointer (&fake, fake_osais_free);
  g_assert_false (do_submit (client, "ping", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NETWORK);
}

static void
test_network_retried (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;

  fake_script (fake, "/api/v1/public/client/login", ACTION_DROP, 0, NULL, NULL);
  g_assert_true (do_login (client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fake_count (fake, "/api/v1/public/client/login"), ==, 2);
}

static void
test_timeout (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  gint64 start, elapsed;

  g_assert_true (do_login (client, &error));
  osais_client_set_timeout (client, 1);

  fake_script (fake, "/api/v1/private/client", ACTION_HANG, 0, NULL, NULL);
  start = g_get_monotonic_time ();
  user = do_get_info (client, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT);
  g_assert_null (user);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <, 3 * G_USEC_PER_SEC);
  g_clear_error (&error);

  fake_script (fake, "/api/v1/private/client/ai/ping", ACTION_HANG, 0, NULL, NULL);
  g_assert_false (do_submit (client, "ping", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "check before resending"));
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client/ai/ping"), ==, 1);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;

  g_assert_true (do_login (client, &error));

  fake_script (fake, "/api/v1/private/client", ACTION_HANG, 0, NULL, NULL);
  g_timeout_add (200, cancel_cb, cancellable);
  user = do_get_info (client, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (user);
  g_clear_error (&error);

  /* Cancelling during a retry wait ends the wait at once. */
  g_cancellable_reset (cancellable);
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 503, "{}", "10");
  g_timeout_add (200, cancel_cb, cancellable);
  user = do_get_info (client, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fake_count (fake, "/api/v1/private/client"), ==, 2);
}

/* Captures every log message while capturing is on. */
static GString *captured_log;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (captured_log != NULL)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_str_equal (fields[i].key, "MESSAGE") || g_str_equal (fields[i].key, "GLIB_DOMAIN"))
            {
              if (fields[i].length < 0)
                g_string_append (captured_log, fields[i].value);
              else
                g_string_append_len (captured_log, fields[i].value, fields[i].length);
              g_string_append_c (captured_log, '\n');
            }
        }

      /* Debug messages are kept out of the TAP output. */
      if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
        return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
test_secret_not_logged (void)
{
  g_autoptr(FakeOsais) fake = fake_osais_new ();
  g_autoptr(OsaisClient) client = client_new_for (fake);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *log = NULL;

  /* Not by setting G_MESSAGES_DEBUG: changing the environment once threads
   * run is unsafe (GLib 2.84 warns of it), and this is the API for it. */
  g_log_set_debug_enabled (TRUE);
  captured_log = g_string_new (NULL);

  /* Every path that logs: login, a retried call, a 401 and a re-login,
   * a refused login, and a dropped connection. */
  g_assert_true (do_login (client, &error));
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 503, "{}", NULL);
  fake_script (fake, "/api/v1/private/client", ACTION_REPLY, 401, "{}", NULL);
  user = do_get_info (client, NULL, &error);
  g_assert_no_error (error);
  fake_script (fake, "/api/v1/private/client/ai/ping", ACTION_DROP, 0, NULL, NULL);
  g_assert_false (do_submit (client, "ping", NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_UNCERTAIN);
  g_assert_null (strstr (error->message, TEST_SECRET));
  g_clear_error (&error);
  fake_script (fake, "/api/v1/public/client/login", ACTION_REPLY, 200, "{\"data\":null}", NULL);
  g_assert_false (do_login (client, &error));
  g_assert_null (strstr (error->message, TEST_SECRET));

  g_log_set_debug_enabled (FALSE);
  log = g_string_free (g_steal_pointer (&captured_log), FALSE);

  /* The capture works: the client did log its calls. */
  g_assert_nonnull (strstr (log, "OsaisClient"));
  g_assert_nonnull (strstr (log, "api/v1/public/client/login"));
  g_assert_null (strstr (log, TEST_SECRET));
  g_assert_null (strstr (log, "auth-1"));
  g_assert_null (strstr (log, "auth-2"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* GLib 2.84 (Debian 13, the GNOME runtime) has g_test_init() route g_log()
   * messages to a handler of its own that prints them as TAP comments and
   * never calls the writer: put back the default handler, which does. */
  g_log_set_default_handler (g_log_default_handler, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/Osais/Client/origin", test_origin);
  g_test_add_func ("/Osais/Client/not-logged-in", test_not_logged_in);
  g_test_add_func ("/Osais/Client/login-ok", test_login_ok);
  g_test_add_func ("/Osais/Client/origin-change", test_origin_change);
  g_test_add_func ("/Osais/Client/login-refused", test_login_refused);
  g_test_add_func ("/Osais/Client/demo-login", test_demo_login);
  g_test_add_func ("/Osais/Client/client-info", test_client_info);
  g_test_add_func ("/Osais/Client/submit-shapes", test_submit_shapes);
  g_test_add_func ("/Osais/Client/submit-bad-engine", test_submit_bad_engine);
  g_test_add_func ("/Osais/Client/hostile-replies", test_hostile_replies);
  g_test_add_func ("/Osais/Client/relogin-on-401", test_relogin_on_401);
  g_test_add_func ("/Osais/Client/401-twice", test_401_twice);
  g_test_add_func ("/Osais/Client/session-lifetime", test_session_lifetime);
  g_test_add_func ("/Osais/Client/retry-after", test_retry_after);
  g_test_add_func ("/Osais/Client/retry-429", test_retry_429);
  g_test_add_func ("/Osais/Client/no-retry", test_no_retry);
  g_test_add_func ("/Osais/Client/submit-dropped", test_submit_dropped);
  g_test_add_func ("/Osais/Client/submit-refused-connection", test_submit_refused_connection);
  g_test_add_func ("/Osais/Client/network-retried", test_network_retried);
  g_test_add_func ("/Osais/Client/timeout", test_timeout);
  g_test_add_func ("/Osais/Client/cancel", test_cancel);
  g_test_add_func ("/Osais/Client/secret-not-logged", test_secret_not_logged);

  return g_test_run ();
}
