/* test-simulator.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestSimulator"

#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "osais-simulator.h"
#include "osais-simulator-images.h"
#include "osais-test-utils.h"

/* One callback as the receiver saw it. */
typedef struct
{
  char       *route;         /* "notify" or "upload" */
  char       *content_type;
  GHashTable *fields;        /* name → value */
  gboolean    all_strings;   /* every JSON value was a string */
  char       *file_field;
  char       *filename;
  GBytes     *file;
} Event;

/* The receiver answers on its own thread, as the app's callback server
 * does. It adds to events under the lock; the test reads them once the
 * simulator has had all its answers, which leave after they are added. */
typedef struct
{
  OsaisSimulator      *sim;
  char                *origin;
  OsaisTestHttpServer *receiver;
  char                *receiver_url;
  SoupSession         *session;
  GMutex               lock;
  GPtrArray           *events;
  GBytes              *input;       /* served at /input.png */
  gboolean             bad_acks;
  guint                n_answered;  /* under the lock */
} Fixture;

static void
event_free (Event *event)
{
  g_free (event->route);
  g_free (event->content_type);
  g_clear_pointer (&event->fields, g_hash_table_unref);
  g_free (event->file_field);
  g_free (event->filename);
  g_clear_pointer (&event->file, g_bytes_unref);
  g_free (event);
}

static const char *
event_field (Event      *event,
             const char *name)
{
  return g_hash_table_lookup (event->fields, name);
}

static int
event_stage (Event *event)
{
  g_assert_cmpstr (event->route, ==, "notify");
  g_assert_nonnull (event_field (event, "stage"));

  return atoi (event_field (event, "stage"));
}

/* The receiver: a tiny client-side callback server */

static void
parse_multipart (Event              *event,
                 SoupMessageHeaders *headers,
                 GBytes             *body)
{
  g_autoptr(SoupMultipart) multipart = soup_multipart_new_from_message (headers, body);

  g_assert_nonnull (multipart);

  for (int i = 0; i < soup_multipart_get_length (multipart); i++)
    {
      SoupMessageHeaders *part_headers;
      GBytes *part_body;
      g_autoptr(GHashTable) params = NULL;
      const char *name;
      const char *filename;

      g_assert_true (soup_multipart_get_part (multipart, i, &part_headers, &part_body));
      g_assert_true (soup_message_headers_get_content_disposition (part_headers, NULL, &params));
      name = g_hash_table_lookup (params, "name");
      filename = g_hash_table_lookup (params, "filename");
      g_assert_nonnull (name);

      if (filename != NULL)
        {
          /* One file part per upload. */
          g_assert_null (event->file);
          event->file_field = g_strdup (name);
          event->filename = g_strdup (filename);
          event->file = g_bytes_ref (part_body);
        }
      else
        {
          g_hash_table_insert (event->fields, g_strdup (name),
                               g_strndup (g_bytes_get_data (part_body, NULL),
                                          g_bytes_get_size (part_body)));
        }
    }
}

static void
parse_json (Event  *event,
            GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                              &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));

  event->all_strings = TRUE;
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_hash_table_insert (event->fields, g_strdup (l->data),
                             g_strdup (json_node_get_string (node)));
      else
        event->all_strings = FALSE;
    }
}

static char *
make_ack (Fixture *f,
          Event   *event,
          guint   *status)
{
  const char *uid = event_field (event, "uid");
  const char *token = event_field (event, "token");

  *status = SOUP_STATUS_OK;

  if (!f->bad_acks)
    return g_strdup_printf ("{\"data\":{\"token\":\"%s\",\"uid\":\"%s\"}}", token, uid);

  /* Each kind of answer that is not an acknowledgement, in turn. */
  switch (f->n_answered % 5)
    {
    case 0:
      return g_strdup_printf ("{\"data\":{\"token\":\"wrong\",\"uid\":\"%s\"}}", uid);
    case 1:
      return g_strdup_printf ("{\"data\":{\"token\":\"%s\",\"uid\":\"%s0\"}}", token, uid);
    case 2:
      *status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      return g_strdup_printf ("{\"data\":{\"token\":\"%s\",\"uid\":\"%s\"}}", token, uid);
    case 3:
      return g_strdup ("OK");
    default:
      return g_strdup_printf ("{\"data\":{\"token\":\"%s\",\"uid\":\"%s\",\"extra\":1}}",
                              token, uid);
    }
}

static void
receiver_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *ack = NULL;
  const char *content_type;
  Event *event;
  guint status;

  if (g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_GET))
    {
      if (g_str_equal (path, "/input.png") && f->input != NULL)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                            g_bytes_get_data (f->input, NULL),
                                            g_bytes_get_size (f->input));
        }
      else
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
        }
      return;
    }

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, SOUP_METHOD_POST);
  g_assert_true (g_str_equal (path, "/cb/notify") || g_str_equal (path, "/cb/upload"));

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  content_type = soup_message_headers_get_content_type (headers, NULL);
  g_assert_nonnull (content_type);

  event = g_new0 (Event, 1);
  event->route = g_strdup (path + strlen ("/cb/"));
  event->content_type = g_strdup (content_type);
  event->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  event->all_strings = TRUE;

  if (g_str_equal (content_type, "application/json"))
    {
      parse_json (event, body);
    }
  else if (g_str_equal (content_type, SOUP_FORM_MIME_TYPE_URLENCODED))
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      g_autoptr(GHashTable) form = soup_form_decode (text);
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, form);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (event->fields, g_strdup (name), g_strdup (value));
    }
  else
    {
      g_assert_cmpstr (content_type, ==, SOUP_FORM_MIME_TYPE_MULTIPART);
      parse_multipart (event, headers, body);
    }

  g_mutex_lock (&f->lock);
  g_ptr_array_add (f->events, event);
  ack = make_ack (f, event, &status);
  f->n_answered++;
  g_mutex_unlock (&f->lock);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    ack, strlen (ack));
}

/* Fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_mutex_init (&f->lock);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  /* No proxy: the isolated test dirs hide the GSettings schemas a proxy resolver reads. */
  f->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  f->receiver = osais_test_http_server_new (receiver_cb, f, NULL);
  f->receiver_url = g_strconcat (osais_test_http_server_get_origin (f->receiver), "/", NULL);

  f->sim = osais_simulator_new ();
  osais_simulator_start (f->sim, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->origin = osais_simulator_dup_origin (f->sim);
  g_assert_true (g_str_has_prefix (f->origin, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (f->origin, "/"));

  {
    g_autofree char *callback_url = g_strconcat (f->receiver_url, "cb/", NULL);

    osais_simulator_set_callback_url (f->sim, callback_url);
  }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  osais_simulator_stop (f->sim);
  g_assert_cmpuint (osais_simulator_get_pending (f->sim), ==, 0);
  g_assert_finalize_object (f->sim);
  g_clear_pointer (&f->receiver, osais_test_http_server_free);
  g_clear_object (&f->session);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  g_clear_pointer (&f->input, g_bytes_unref);
  g_free (f->origin);
  g_free (f->receiver_url);
  g_mutex_clear (&f->lock);
}

/* HTTP from the test's side. */

static JsonNode *
http (Fixture    *f,
      const char *method,
      const char *path,
      const char *auth_token,
      const char *json,
      guint      *status)
{
  g_autofree char *url = g_strconcat (f->origin, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (auth_token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", auth_token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message),
                                    "Authorization", header);
    }

  if (json != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (message, "application/json", body);
    }

  answer = soup_session_send_and_read (f->session, message, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (message);

  /* Every answer of the simulator, refusals included, is JSON. */
  json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                              g_bytes_get_size (answer), &error);
  g_assert_no_error (error);

  return json_parser_steal_root (parser);
}

static JsonObject *
reply_data (JsonNode *root)
{
  JsonNode *data;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  data = json_object_get_member (json_node_get_object (root), "data");
  g_assert_nonnull (data);
  if (JSON_NODE_HOLDS_NULL (data))
    return NULL;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (data));
  return json_node_get_object (data);
}

static char *
login (Fixture *f)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *data;
  guint status;

  root = http (f, "POST", "api/v1/public/client/login", NULL,
               "{\"token\":\"" OSAIS_SIMULATOR_DEFAULT_TOKEN "\","
               "\"secret\":\"" OSAIS_SIMULATOR_DEFAULT_SECRET "\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  data = reply_data (root);
  g_assert_nonnull (data);
  g_assert_cmpstr (json_object_get_string_member (data, "token"), ==,
                   OSAIS_SIMULATOR_DEFAULT_TOKEN);
  g_assert_cmpstr (json_object_get_string_member (data, "authToken"), !=, "");

  return g_strdup (json_object_get_string_member (data, "authToken"));
}

/* Posts an AI request and returns its uid; the token goes to @token. */
static char *
request_ai (Fixture    *f,
            const char *auth_token,
            const char *engine,
            const char *json,
            char      **token)
{
  g_autofree char *path = g_strconcat ("api/v1/private/client/ai/", engine, NULL);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *data;
  guint status;

  root = http (f, "POST", path, auth_token, json, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  data = reply_data (root);
  g_assert_nonnull (data);
  /* As strings, the way OSAIS's library sends everything. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (data, "uid")), ==,
                   G_TYPE_STRING);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (data, "token")), ==,
                   G_TYPE_STRING);
  g_assert_cmpstr (json_object_get_string_member (data, "engine"), ==, engine);

  if (token != NULL)
    *token = g_strdup (json_object_get_string_member (data, "token"));

  return g_strdup (json_object_get_string_member (data, "uid"));
}

static GdkPixbuf *
decode_png (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

static GPtrArray *
events_of_route (Fixture    *f,
                 const char *route)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < f->events->len; i++)
    {
      Event *event = g_ptr_array_index (f->events, i);

      if (g_str_equal (event->route, route))
        g_ptr_array_add (found, event);
    }

  return found;
}

/* The upload of a single-output job. */
static Event *
single_upload (Fixture *f)
{
  g_autoptr(GPtrArray) uploads = events_of_route (f, "upload");

  g_assert_cmpuint (uploads->len, ==, 1);
  g_assert_nonnull (((Event *) g_ptr_array_index (uploads, 0))->file);

  return g_ptr_array_index (uploads, 0);
}

static Event *
last_notify (Fixture *f)
{
  g_autoptr(GPtrArray) notifies = events_of_route (f, "notify");

  g_assert_cmpuint (notifies->len, >, 0);

  return g_ptr_array_index (notifies, notifies->len - 1);
}

/* Tests: sessions */

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *auth_token = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(JsonNode) garbage = NULL;
  guint status;

  auth_token = login (f);
  g_assert_cmpuint (osais_simulator_get_logins (f->sim), ==, 1);

  refused = http (f, "POST", "api/v1/public/client/login", NULL,
                  "{\"token\":\"" OSAIS_SIMULATOR_DEFAULT_TOKEN "\",\"secret\":\"nope\"}",
                  &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_null (reply_data (refused));

  garbage = http (f, "GET", "api/v1/public/client/login", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_METHOD_NOT_ALLOWED);

  g_assert_cmpuint (osais_simulator_get_logins (f->sim), ==, 1);
}

static void
test_login_configured (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) old = NULL;
  g_autoptr(JsonNode) fresh = NULL;
  guint status;

  g_object_set (f->sim, "client-token", "tok", "client-secret", "sec", NULL);

  old = http (f, "POST", "api/v1/public/client/login", NULL,
              "{\"token\":\"" OSAIS_SIMULATOR_DEFAULT_TOKEN "\","
              "\"secret\":\"" OSAIS_SIMULATOR_DEFAULT_SECRET "\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);

  fresh = http (f, "POST", "api/v1/public/client/login", NULL,
                "{\"token\":\"tok\",\"secret\":\"sec\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (json_object_get_string_member (reply_data (fresh), "token"), ==, "tok");
}

static void
test_demo (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonNode) demo = NULL;
  g_autoptr(JsonNode) info = NULL;
  JsonObject *user;
  guint status;

  demo = http (f, "POST", "api/v1/public/client/demo", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (reply_data (demo));

  info = http (f, "GET", "api/v1/private/client",
               json_object_get_string_member (reply_data (demo), "authToken"), NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  user = json_object_get_object_member (reply_data (info), "user");
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==,
                   OSAIS_SIMULATOR_DEMO_USERNAME);
  g_assert_true (json_object_get_boolean_member (user, "isDemo"));
}

static void
test_info (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autoptr(JsonNode) info = NULL;
  g_autoptr(JsonNode) anonymous = NULL;
  g_autoptr(JsonNode) unknown = NULL;
  JsonObject *user;
  guint status;

  info = http (f, "GET", "api/v1/private/client", auth_token, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  user = json_object_get_object_member (reply_data (info), "user");
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==,
                   OSAIS_SIMULATOR_USERNAME);
  g_assert_false (json_object_get_boolean_member (user, "isDemo"));

  anonymous = http (f, "GET", "api/v1/private/client", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_null (reply_data (anonymous));

  unknown = http (f, "GET", "api/v1/private/client", "not-a-token", NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_null (reply_data (unknown));
}

static void
test_expire (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *renewed = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) expired = NULL;
  g_autoptr(JsonNode) still = NULL;
  g_autoptr(JsonNode) after = NULL;
  gboolean armed;
  guint status;

  before = http (f, "GET", "api/v1/private/client", auth_token, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);

  osais_simulator_expire_session (f->sim);
  g_object_get (f->sim, "expire-tokens", &armed, NULL);
  g_assert_true (armed);

  expired = http (f, "GET", "api/v1/private/client", auth_token, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_null (reply_data (expired));
  g_object_get (f->sim, "expire-tokens", &armed, NULL);
  g_assert_false (armed);

  /* The old token stays dead; a new login works. */
  still = http (f, "GET", "api/v1/private/client", auth_token, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);

  renewed = login (f);
  after = http (f, "GET", "api/v1/private/client", renewed, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
}

static void
test_request_errors (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autoptr(JsonNode) unknown = NULL;
  g_autoptr(JsonNode) array = NULL;
  g_autoptr(JsonNode) broken = NULL;
  g_autoptr(JsonNode) missing = NULL;
  g_autoptr(JsonNode) anonymous = NULL;
  guint status;

  unknown = http (f, "POST", "api/v1/private/client/ai/nosuchengine", auth_token, "{}",
                  &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);

  array = http (f, "POST", "api/v1/private/client/ai/diffusion", auth_token,
                "[\"word\"]", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  broken = http (f, "POST", "api/v1/private/client/ai/diffusion", auth_token,
                 "{\"word\":", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  /* word is mandatory and has no default. */
  missing = http (f, "POST", "api/v1/private/client/ai/diffusion", auth_token,
                  "{\"width\":\"512\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  anonymous = http (f, "POST", "api/v1/private/client/ai/diffusion", NULL,
                    "{\"word\":\"cat\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);

  g_assert_cmpuint (osais_simulator_get_requests (f->sim), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 0);
}

/* Tests: jobs */

static void
test_diffusion (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *token = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GHashTable) content_types = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) file_fields = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) uploads = NULL;
  /* route, stage (notify) or cycle (upload) */
  static const struct { const char *route; int value; } expected[] = {
    { "notify", 0 }, { "notify", 1 }, { "notify", 2 },
    { "notify", 3 }, { "upload", 0 }, { "notify", 4 },
    { "notify", 3 }, { "upload", 1 }, { "notify", 4 },
    { "notify", 3 }, { "upload", 2 }, { "notify", 4 },
    { "notify", 5 },
  };
  guint cycle = 0;

  uid = request_ai (f, auth_token, "diffusion",
                    "{\"word\":\"a lighthouse at dusk\",\"width\":\"320\",\"height\":384,"
                    "\"cimg\":\"3\",\"seed\":\"42\"}", &token);
  g_assert_cmpuint (osais_simulator_get_requests (f->sim), ==, 1);
  osais_test_wait_for_simulator (f->sim);

  g_assert_cmpuint (f->events->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < f->events->len; i++)
    {
      Event *event = g_ptr_array_index (f->events, i);
      g_autofree char *cycle_text = NULL;

      g_assert_cmpstr (event->route, ==, expected[i].route);
      g_assert_cmpstr (event_field (event, "uid"), ==, uid);
      g_assert_cmpstr (event_field (event, "token"), ==, token);
      g_assert_cmpstr (event_field (event, "engine"), ==, "diffusion");
      g_assert_true (event->all_strings);

      if (g_str_equal (event->route, "upload"))
        {
          g_autofree char *filename = g_strdup_printf ("%s_%d.png", uid, expected[i].value);

          cycle_text = g_strdup_printf ("%d", expected[i].value);
          g_assert_cmpstr (event_field (event, "cycle"), ==, cycle_text);
          g_assert_cmpstr (event->filename, ==, filename);
          g_hash_table_add (file_fields, event->file_field);
          continue;
        }

      g_assert_cmpint (event_stage (event), ==, expected[i].value);
      g_assert_cmpstr (event_field (event, "username"), ==, OSAIS_SIMULATOR_USERNAME);
      g_hash_table_add (content_types, event->content_type);

      if (expected[i].value == 3 || expected[i].value == 4)
        {
          cycle_text = g_strdup_printf ("%u", cycle);
          g_assert_cmpstr (event_field (event, "cycle"), ==, cycle_text);
        }

      if (expected[i].value == 4)
        {
          g_autofree char *filename = g_strdup_printf ("%s_%u.png", uid, cycle);

          g_assert_cmpstr (event_field (event, "filename"), ==, filename);
          cycle++;
        }

      if (expected[i].value == 5)
        {
          const char *cost = event_field (event, "cost");

          g_assert_nonnull (cost);
          g_assert_true (g_ascii_isdigit (*cost));
        }
    }

  /* Every encoding of /notify and every file field name was exercised. */
  g_assert_cmpuint (g_hash_table_size (content_types), ==, 3);
  g_assert_true (g_hash_table_contains (content_types, "application/json"));
  g_assert_true (g_hash_table_contains (content_types, SOUP_FORM_MIME_TYPE_URLENCODED));
  g_assert_true (g_hash_table_contains (content_types, SOUP_FORM_MIME_TYPE_MULTIPART));
  g_assert_cmpuint (g_hash_table_size (file_fields), ==, 3);

  uploads = events_of_route (f, "upload");
  g_assert_cmpuint (uploads->len, ==, 3);
  for (guint i = 0; i < uploads->len; i++)
    {
      Event *event = g_ptr_array_index (uploads, i);
      g_autoptr(GdkPixbuf) pixbuf = decode_png (event->file);

      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 320);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 384);

      for (guint j = 0; j < i; j++)
        g_assert_false (g_bytes_equal (event->file,
                                       ((Event *) g_ptr_array_index (uploads, j))->file));
    }

  g_assert_cmpuint (osais_simulator_get_acks_bad (f->sim), ==, 0);
  g_assert_cmpuint (osais_simulator_get_acks_good (f->sim), ==, f->events->len);
}

static void
test_bad_acks (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *uid = NULL;

  f->bad_acks = TRUE;
  uid = request_ai (f, auth_token, "diffusion", "{\"word\":\"cat\",\"width\":64,\"height\":64}",
                    NULL);
  osais_test_wait_for_simulator (f->sim);

  /* 3 notifications, then stage 3, an upload and stage 4, then stage 5. */
  g_assert_cmpuint (f->events->len, ==, 7);
  g_assert_cmpuint (osais_simulator_get_acks_good (f->sim), ==, 0);
  g_assert_cmpuint (osais_simulator_get_acks_bad (f->sim), ==, 7);
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *uid1 = NULL;
  g_autofree char *uid2 = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  /* 7 callbacks each, 6 delays of 150 ms between them: 0.9 s a job. */
  g_object_set (f->sim, "step-delay", 150, NULL);
  uid1 = request_ai (f, auth_token, "diffusion", "{\"word\":\"a\",\"width\":32,\"height\":32}",
                     NULL);
  uid2 = request_ai (f, auth_token, "diffusion", "{\"word\":\"b\",\"width\":32,\"height\":32}",
                     NULL);
  g_assert_cmpstr (uid1, !=, uid2);
  osais_test_wait_for_simulator (f->sim);
  elapsed = g_get_monotonic_time () - start;

  g_assert_cmpuint (f->events->len, ==, 14);
  g_assert_cmpuint (osais_simulator_get_acks_good (f->sim), ==, 14);
  /* Sequential jobs would take 1.8 s at least. */
  g_assert_cmpint (elapsed, >=, 900 * 1000);
  if (!osais_test_is_sanitized ())
    g_assert_cmpint (elapsed, <, 1700 * 1000);
}

static gboolean
has_events (gpointer data)
{
  Fixture *f = data;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&f->lock);

  return f->events->len > 0;
}

static void
test_stop_during_delay (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *uid = NULL;
  gint64 start;

  g_object_set (f->sim, "step-delay", 60000, NULL);
  uid = request_ai (f, auth_token, "diffusion", "{\"word\":\"slow\"}", NULL);
  osais_test_wait_until (has_events, f, "the first callback");
  g_assert_cmpuint (osais_simulator_get_pending (f->sim), >, 0);

  start = g_get_monotonic_time ();
  osais_simulator_stop (f->sim);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (osais_simulator_get_pending (f->sim), ==, 0);
}

static void
test_fail_engine (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *uid = NULL;
  static const int stages[] = { 0, 1, 2, -1 };

  g_object_set (f->sim, "fail-engine", "diffusion", NULL);
  uid = request_ai (f, auth_token, "diffusion", "{\"word\":\"doomed\"}", NULL);
  osais_test_wait_for_simulator (f->sim);

  g_assert_cmpuint (f->events->len, ==, G_N_ELEMENTS (stages));
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    g_assert_cmpint (event_stage (g_ptr_array_index (f->events, i)), ==, stages[i]);
  g_assert_cmpstr (event_field (last_notify (f), "descr"), ==, "Simulated failure");
  g_assert_cmpuint (osais_simulator_get_acks_good (f->sim), ==, 4);
}

static void
test_fetch_failure (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *json = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GPtrArray) uploads = NULL;
  const char *descr;

  /* The receiver has no input to serve: 404. */
  json = g_strdup_printf ("{\"url_upload\":\"%sinput.png\"}", f->receiver_url);
  uid = request_ai (f, auth_token, "ping", json, NULL);
  osais_test_wait_for_simulator (f->sim);

  uploads = events_of_route (f, "upload");
  g_assert_cmpuint (uploads->len, ==, 0);
  g_assert_cmpint (event_stage (last_notify (f)), ==, -1);
  descr = event_field (last_notify (f), "descr");
  g_assert_nonnull (strstr (descr, "url_upload"));
  g_assert_nonnull (strstr (descr, "404"));
}

/* Tests: images */

/* A real PNG whose header then claims @width × @height: what a hostile
 * input URL could serve to make a decoder allocate gigabytes. */
static GBytes *
make_lying_png (guint32 width,
                guint32 height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = osais_simulator_render_png ("small", 1, 8, 8, &error);
  gsize size = 0;
  guint8 *data;

  g_assert_no_error (error);
  data = g_memdup2 (g_bytes_get_data (png, &size), g_bytes_get_size (png));
  /* The signature (8), IHDR's length and type (8), then width and height. */
  for (guint i = 0; i < 4; i++)
    {
      data[16 + i] = width >> (24 - 8 * i);
      data[20 + i] = height >> (24 - 8 * i);
    }
  return g_bytes_new_take (data, size);
}

/* An input is checked from its header before anything decodes it. */
static void
test_hostile_inputs (void)
{
  static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00";
  g_autoptr(GBytes) bomb = make_lying_png (60000, 60000);
  g_autoptr(GBytes) too_wide = make_lying_png (OSAIS_SIMULATOR_MAX_IMAGE_SIDE + 1, 8);
  g_autoptr(GBytes) not_image = g_bytes_new_static (gif, sizeof gif - 1);
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GError) error = NULL;

  output = osais_simulator_enhance_png (bomb, 1, &error);
  g_assert_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_IMAGE);
  g_assert_null (output);
  g_clear_error (&error);

  output = osais_simulator_remove_background (too_wide, &error);
  g_assert_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE);
  g_assert_null (output);
  g_clear_error (&error);

  output = osais_simulator_remove_background (not_image, &error);
  g_assert_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_IMAGE);
  g_assert_null (output);
}

static void
test_render (void)
{
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) other_seed = NULL;
  g_autoptr(GBytes) other_prompt = NULL;
  g_autoptr(GBytes) none = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  first = osais_simulator_render_png ("a red fox", 7, 200, 120, &error);
  g_assert_no_error (error);
  again = osais_simulator_render_png ("a red fox", 7, 200, 120, &error);
  g_assert_no_error (error);
  other_seed = osais_simulator_render_png ("a red fox", 8, 200, 120, &error);
  g_assert_no_error (error);
  other_prompt = osais_simulator_render_png ("a red fix", 7, 200, 120, &error);
  g_assert_no_error (error);

  g_assert_true (g_bytes_equal (first, again));
  g_assert_false (g_bytes_equal (first, other_seed));
  g_assert_false (g_bytes_equal (first, other_prompt));

  pixbuf = decode_png (first);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 200);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 120);

  none = osais_simulator_render_png ("x", 1, 0, 10, &error);
  g_assert_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE);
  g_assert_null (none);
}

static void
test_ping (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *json = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *filename = NULL;
  g_autoptr(GError) error = NULL;
  Event *upload;

  f->input = osais_simulator_render_png ("ping input", 3, 64, 48, &error);
  g_assert_no_error (error);

  json = g_strdup_printf ("{\"url_upload\":\"%sinput.png\"}", f->receiver_url);
  uid = request_ai (f, auth_token, "ping", json, NULL);
  osais_test_wait_for_simulator (f->sim);

  upload = single_upload (f);
  g_assert_true (g_bytes_equal (upload->file, f->input));
  filename = g_strdup_printf ("%s_0.png", uid);
  g_assert_cmpstr (upload->filename, ==, filename);
  g_assert_cmpint (event_stage (last_notify (f)), ==, 5);
  g_assert_cmpuint (osais_simulator_get_acks_bad (f->sim), ==, 0);
}

/* A white picture with a red square in the middle. */
static GBytes *
make_square_png (int size)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  g_autoptr(GdkPixbuf) square = gdk_pixbuf_new_subpixbuf (pixbuf, size / 4, size / 4,
                                                          size / 2, size / 2);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0xffffffff);
  gdk_pixbuf_fill (square, 0xd02020ff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, length);
}

static const guint8 *
pixel_at (GdkPixbuf *pixbuf,
          int        x,
          int        y)
{
  return gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf)
         + x * gdk_pixbuf_get_n_channels (pixbuf);
}

static void
test_rembg (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *json = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GdkPixbuf) output = NULL;

  f->input = make_square_png (64);
  json = g_strdup_printf ("{\"url_upload\":\"%sinput.png\"}", f->receiver_url);
  uid = request_ai (f, auth_token, "rembg", json, NULL);
  osais_test_wait_for_simulator (f->sim);

  output = decode_png (single_upload (f)->file);
  g_assert_true (gdk_pixbuf_get_has_alpha (output));
  g_assert_cmpint (gdk_pixbuf_get_width (output), ==, 64);
  /* The white background is gone, the red square is kept. */
  g_assert_cmpuint (pixel_at (output, 2, 2)[3], ==, 0);
  g_assert_cmpuint (pixel_at (output, 60, 5)[3], ==, 0);
  g_assert_cmpuint (pixel_at (output, 32, 32)[3], ==, 255);
  g_assert_cmpuint (pixel_at (output, 32, 32)[0], >, 150);
}

static void
test_gfpgan (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autofree char *json = NULL;
  g_autofree char *uid = NULL;
  g_autoptr(GdkPixbuf) output = NULL;
  g_autoptr(GError) error = NULL;

  f->input = osais_simulator_render_png ("a face", 5, 40, 30, &error);
  g_assert_no_error (error);
  json = g_strdup_printf ("{\"url_upload\":\"%sinput.png\",\"res\":\"2\"}", f->receiver_url);
  uid = request_ai (f, auth_token, "gfpgan", json, NULL);
  osais_test_wait_for_simulator (f->sim);

  output = decode_png (single_upload (f)->file);
  g_assert_cmpint (gdk_pixbuf_get_width (output), ==, 80);
  g_assert_cmpint (gdk_pixbuf_get_height (output), ==, 60);
  g_assert_cmpint (event_stage (last_notify (f)), ==, 5);
}

/* What a hostile peer sends the simulator is refused like what it sends the
 * callback server: 100,000 '[' overflowed json-glib's recursion, a NUL cut
 * the token short. */
static void
test_hostile_requests (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *auth_token = login (f);
  g_autoptr(GString) deep = g_string_new ("{\"word\":");
  g_autoptr(JsonNode) deep_reply = NULL;
  g_autoptr(JsonNode) deep_login = NULL;
  g_autoptr(JsonNode) nul_login = NULL;
  g_autoptr(JsonNode) wrapped = NULL;
  guint status;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  deep_reply = http (f, "POST", "api/v1/private/client/ai/diffusion", auth_token, deep->str,
                     &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);
  deep_login = http (f, "POST", "api/v1/public/client/login", NULL, deep->str, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  nul_login = http (f, "POST", "api/v1/public/client/login", NULL,
                    "{\"token\":\"" OSAIS_SIMULATOR_DEFAULT_TOKEN "\\u0000junk\","
                    "\"secret\":\"" OSAIS_SIMULATOR_DEFAULT_SECRET "\"}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  wrapped = http (f, "POST", "api/v1/private/client/ai/diffusion", auth_token,
                  "{\"word\":\"cat\",\"seed\":18446744073709551617}", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);

  g_assert_cmpuint (osais_simulator_get_requests (f->sim), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/Osais/Simulator/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("login", test_login);
  ADD ("login-configured", test_login_configured);
  ADD ("demo", test_demo);
  ADD ("info", test_info);
  ADD ("expire", test_expire);
  ADD ("request-errors", test_request_errors);
  ADD ("hostile-requests", test_hostile_requests);
  ADD ("diffusion", test_diffusion);
  ADD ("bad-acks", test_bad_acks);
  ADD ("concurrent", test_concurrent);
  ADD ("stop-during-delay", test_stop_during_delay);
  ADD ("fail-engine", test_fail_engine);
  ADD ("fetch-failure", test_fetch_failure);
  ADD ("ping", test_ping);
  ADD ("rembg", test_rembg);
  ADD ("gfpgan", test_gfpgan);
  g_test_add_func ("/Osais/Simulator/render", test_render);
  g_test_add_func ("/Osais/Simulator/hostile-inputs", test_hostile_inputs);

#undef ADD

  return g_test_run ();
}
