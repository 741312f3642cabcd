/* osais-simulator.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fake OSAIS: its thread, its routes (login, demo, the AI requests)
 * and its settings. The jobs it then runs, callback after callback, are
 * in osais-simulator-jobs.c; the images it makes in -images.c.
 */

#define G_LOG_DOMAIN "OsaisSimulator"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "osais-engine.h"
#include "osais-protocol.h"
#include "osais-simulator-images.h"
#include "osais-simulator-private.h"
#include "osais-thread-priority.h"

#define PRIVATE_PREFIX "/api/v1/private/client"
#define AI_PREFIX      PRIVATE_PREFIX "/ai/"

G_DEFINE_FINAL_TYPE (OsaisSimulator, osais_simulator, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT_TOKEN,
  PROP_CLIENT_SECRET,
  PROP_CALLBACK_URL,
  PROP_STEP_DELAY,
  PROP_FAIL_ENGINE,
  PROP_EXPIRE_TOKENS,
  PROP_REPLY_AFTER_FIRST_ACK,
  PROP_REQUESTS,
  PROP_LOGINS,
  PROP_ACKS_GOOD,
  PROP_ACKS_BAD,
  PROP_PENDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];


static void
sim_user_free (SimUser *user)
{
  g_free (user->username);
  g_free (user);
}

static SimUser *
sim_user_copy (const SimUser *user)
{
  SimUser *copy = g_new0 (SimUser, 1);

  copy->username = g_strdup (user->username);
  copy->is_demo = user->is_demo;

  return copy;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimUser, sim_user_free)

/* Wire helpers */

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            JsonNode          *root)
{
  g_autofree char *text = json_to_string (root, FALSE);
  gsize length = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

/* {"data":null}, with a message for people reading logs, except where
 * the protocol says exactly what a refusal looks like. */
static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_debug ("%s %s: %u %s", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status,
           message != NULL ? message : "");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_add_null_value (builder);
  if (message != NULL)
    {
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, message);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  reply_json (msg, status, root);
}

void
_osais_simulator_reply_data (SoupServerMessage *msg,
                             JsonObject        *data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_object_set_object_member (object, "data", json_object_ref (data));
  json_node_set_object (root, object);

  reply_json (msg, SOUP_STATUS_OK, root);
}

/* The body as a JSON object, through the same bounded reader as the
 * callback server's: the simulator too is a server for untrusted peers. */
static JsonObject *
read_json_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  object = osais_protocol_parse_json_object (data, size, &error);
  if (object == NULL)
    g_debug ("Request body is not a JSON object: %s", error->message);

  return object;
}

static gboolean
member_get_int (JsonObject *object,
                const char *name,
                gint64     *value)
{
  g_autofree char *text = osais_json_member_dup_text (object, name);
  char *end = NULL;
  gint64 parsed;

  if (text == NULL || *text == '\0')
    return FALSE;

  parsed = g_ascii_strtoll (text, &end, 10);
  /* A float such as "2.0" counts by its integer part. */
  if (end == text || (*end != '\0' && *end != '.'))
    return FALSE;

  *value = parsed;
  return TRUE;
}

static guint
member_get_uint_clamped (JsonObject *object,
                         const char *name,
                         guint       fallback,
                         guint       min,
                         guint       max)
{
  gint64 value;

  if (!member_get_int (object, name, &value))
    return fallback;

  return (guint) CLAMP (value, (gint64) min, (gint64) max);
}

static gboolean
member_is_set (JsonObject *object,
               const char *name)
{
  g_autofree char *text = osais_json_member_dup_text (object, name);

  return text != NULL && *text != '\0';
}

static guint
engine_default_uint (OsaisEngine *engine,
                     const char  *name,
                     guint        fallback)
{
  const OsaisEngineParam *param = osais_engine_find_param (engine, name);

  if (param != NULL && param->default_value != NULL
      && JSON_NODE_HOLDS_VALUE (param->default_value)
      && json_node_get_value_type (param->default_value) == G_TYPE_INT64)
    return (guint) CLAMP (json_node_get_int (param->default_value), 0, G_MAXUINT);

  return fallback;
}

/* Acknowledgements */

/* Server routes */

static gboolean
check_method (SoupServerMessage *msg,
              const char        *method)
{
  if (g_str_equal (soup_server_message_get_method (msg), method))
    return TRUE;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", method);
  reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
  return FALSE;
}

static char *
new_auth_token (void)
{
  return g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (),
                          g_random_int (), g_random_int ());
}

static void
grant_session (OsaisSimulator    *self,
               SoupServerMessage *msg,
               const char        *token,
               const char        *username,
               gboolean           is_demo)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autofree char *auth_token = new_auth_token ();
  SimUser *user = g_new0 (SimUser, 1);

  user->username = g_strdup (username);
  user->is_demo = is_demo;

  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->sessions, g_strdup (auth_token), user);
  g_mutex_unlock (&self->mutex);

  g_atomic_int_inc (&self->logins);
  g_debug ("Login of %s", username);

  json_object_set_string_member (data, "token", token);
  json_object_set_string_member (data, "authToken", auth_token);
  _osais_simulator_reply_data (msg, data);
}

static void
login_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  OsaisSimulator *self = user_data;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *secret = NULL;
  gboolean accepted;

  if (!g_str_equal (path, "/api/v1/public/client/login"))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }

  if (!check_method (msg, SOUP_METHOD_POST))
    return;

  body = read_json_body (msg);
  if (body == NULL)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  token = osais_json_member_dup_text (body, "token");
  secret = osais_json_member_dup_text (body, "secret");

  g_mutex_lock (&self->mutex);
  accepted = token != NULL && secret != NULL
             && g_strcmp0 (token, self->client_token) == 0
             && g_strcmp0 (secret, self->client_secret) == 0;
  g_mutex_unlock (&self->mutex);

  if (!accepted)
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }

  grant_session (self, msg, token, OSAIS_SIMULATOR_USERNAME, FALSE);
}

static void
demo_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  OsaisSimulator *self = user_data;

  if (!g_str_equal (path, "/api/v1/public/client/demo"))
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }

  if (!check_method (msg, SOUP_METHOD_POST))
    return;

  grant_session (self, msg, OSAIS_SIMULATOR_DEMO_TOKEN, OSAIS_SIMULATOR_DEMO_USERNAME, TRUE);
}

/* Returns the caller's user, or NULL after answering 401. */
static SimUser *
authorize (OsaisSimulator    *self,
           SoupServerMessage *msg)
{
  const char *header;
  const char *auth_token = NULL;
  SimUser *user = NULL;
  gboolean expired;

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    auth_token = header + 7;

  g_mutex_lock (&self->mutex);
  expired = self->expire_tokens;
  self->expire_tokens = FALSE;
  if (!expired && auth_token != NULL)
    {
      SimUser *found = g_hash_table_lookup (self->sessions, auth_token);

      if (found != NULL)
        user = sim_user_copy (found);
    }
  g_mutex_unlock (&self->mutex);

  if (user == NULL)
    reply_error (msg, SOUP_STATUS_UNAUTHORIZED,
                 expired ? "authToken expired"
                 : auth_token == NULL ? "No Bearer authToken" : "Unknown authToken");

  return user;
}

static void
client_info (OsaisSimulator    *self,
             SoupServerMessage *msg)
{
  g_autoptr(SimUser) user = NULL;
  g_autoptr(JsonObject) data = NULL;
  JsonObject *info;

  if (!check_method (msg, SOUP_METHOD_GET))
    return;

  if (!(user = authorize (self, msg)))
    return;

  info = json_object_new ();
  json_object_set_string_member (info, "username", user->username);
  json_object_set_boolean_member (info, "isDemo", user->is_demo);
  data = json_object_new ();
  json_object_set_object_member (data, "user", info);
  _osais_simulator_reply_data (msg, data);
}

static Transform
transform_for_engine (const char *engine)
{
  if (g_str_equal (engine, "ping"))
    return TRANSFORM_COPY;
  if (g_str_equal (engine, "gfpgan"))
    return TRANSFORM_ENHANCE;
  if (g_str_equal (engine, "rembg"))
    return TRANSFORM_REMOVE_BACKGROUND;

  return TRANSFORM_NONE;
}

static void
ai_request (OsaisSimulator    *self,
            SoupServerMessage *msg,
            const char        *engine_name)
{
  g_autoptr(SimUser) user = NULL;
  g_autoptr(JsonObject) data = NULL;
  OsaisEngine *engine;
  g_autoptr(JsonObject) params = NULL;
  SimJob *job;
  GSource *source;
  gint64 seed;
  gboolean reply_after_first_ack;

  if (!check_method (msg, SOUP_METHOD_POST))
    return;

  if (!(user = authorize (self, msg)))
    return;

  engine = osais_engines_lookup (self->engines, engine_name);
  if (*engine_name == '\0' || strchr (engine_name, '/') != NULL || engine == NULL)
    {
      reply_error (msg, SOUP_STATUS_NOT_FOUND, "Unknown engine");
      return;
    }

  params = read_json_body (msg);
  if (params == NULL)
    {
      reply_error (msg, SOUP_STATUS_BAD_REQUEST, "The body must be a JSON object");
      return;
    }

  for (guint i = 0; i < osais_engine_get_n_params (engine); i++)
    {
      const OsaisEngineParam *param = osais_engine_get_param (engine, i);
      gboolean has_default = param->default_value != NULL
                             && !JSON_NODE_HOLDS_NULL (param->default_value);

      /* Functions ($random, $output_uid.ext) and AI-side params are filled on our side. */
      if (!param->mandatory || !param->sent || param->type == OSAIS_PARAM_TYPE_FUNCTION
          || has_default)
        continue;

      if (!member_is_set (params, param->name))
        {
          g_autofree char *message = g_strdup_printf ("Missing mandatory parameter %s",
                                                      param->name);

          reply_error (msg, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }
    }

  job = g_new0 (SimJob, 1);
  job->self = self;
  job->uid = g_strdup_printf ("%" G_GINT64_FORMAT, ++self->next_uid);
  job->token = new_auth_token ();
  job->engine = g_strdup (engine_name);
  job->username = g_strdup (user->username);
  job->prompt = osais_json_member_dup_text (params, "word");
  job->url_upload = osais_json_member_dup_text (params, "url_upload");
  job->seed = member_get_int (params, "seed", &seed) ? seed : g_random_int ();
  job->width = member_get_uint_clamped (params, "width",
                                        engine_default_uint (engine, "width", 512),
                                        1, OSAIS_SIMULATOR_MAX_IMAGE_SIDE);
  job->height = member_get_uint_clamped (params, "height",
                                         engine_default_uint (engine, "height", 512),
                                         1, OSAIS_SIMULATOR_MAX_IMAGE_SIDE);
  job->cimg = member_get_uint_clamped (params, "cimg", 1, 1, MAX_OUTPUTS);
  job->res = member_get_uint_clamped (params, "res", 1, 1, 4);
  job->transform = transform_for_engine (engine_name);
  job->start_time = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  if (self->callback_url != NULL && *self->callback_url != '\0')
    job->callback_url = g_str_has_suffix (self->callback_url, "/")
                        ? g_strdup (self->callback_url)
                        : g_strconcat (self->callback_url, "/", NULL);
  job->fail = g_strcmp0 (self->fail_engine, engine_name) == 0;
  job->step_delay = self->step_delay;
  reply_after_first_ack = self->reply_after_first_ack;
  g_mutex_unlock (&self->mutex);

  g_atomic_int_inc (&self->requests);
  g_debug ("AI request %s for %s by %s", job->uid, engine_name, user->username);

  data = json_object_new ();
  json_object_set_string_member (data, "uid", job->uid);
  json_object_set_string_member (data, "token", job->token);
  json_object_set_string_member (data, "engine", engine_name);

  if (job->callback_url == NULL)
    {
      g_debug ("No callback-url: request %s gets no callbacks", job->uid);
      _osais_simulator_reply_data (msg, data);
      _osais_simulator_job_free (job);
      return;
    }

  /* Like a server that awaits its first notification before it answers:
   * the stage 0 callback comes before the reply, which waits for its
   * acknowledgement. */
  if (reply_after_first_ack)
    {
      job->reply_message = g_object_ref (msg);
      job->reply_data = g_steal_pointer (&data);
      soup_server_message_pause (msg);
    }
  else
    _osais_simulator_reply_data (msg, data);

  /* Counted before the reply leaves, so that pending is never 0 too early. */
  _osais_simulator_job_add_remaining (job, job->fail ? 4 : 3 + 3 * (int) job->cimg + 1);
  g_ptr_array_add (self->jobs, job);

  source = g_idle_source_new ();
  g_source_set_callback (source, _osais_simulator_job_start_cb, job, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Every answer closes its connection. libsoup 3.2's server keeps a kept-alive
 * connection that its client closed between requests, half-closed, for as
 * long as it runs: one per job over a long offline session (12,442 after
 * 12,437 jobs). */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

static void
private_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  OsaisSimulator *self = user_data;

  if (g_str_equal (path, PRIVATE_PREFIX))
    client_info (self, msg);
  else if (g_str_has_prefix (path, AI_PREFIX))
    ai_request (self, msg, path + strlen (AI_PREFIX));
  else
    reply_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
}

static void
default_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  reply_error (msg, SOUP_STATUS_NOT_FOUND, "Not found");
}

/* The simulator thread */

static void
simulator_signal_started (OsaisSimulator *self,
                          GError         *error)
{
  g_mutex_lock (&self->mutex);
  self->start_error = error;
  self->start_done = TRUE;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->mutex);
}

static char *
make_origin (const char *address,
             int         port)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

  /* A server on every address is reached through loopback. */
  if (inet != NULL && g_inet_address_get_is_any (inet))
    {
      if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("http://[::1]:%d/", port);
      return g_strdup_printf ("http://127.0.0.1:%d/", port);
    }

  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%d/", address, port);

  return g_strdup_printf ("http://%s:%d/", address, port);
}

static gboolean
simulator_listen (OsaisSimulator  *self,
                  GError         **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  GSList *uris;
  int port;

  address = g_inet_socket_address_new_from_string (self->address, self->port);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", self->address);
      return FALSE;
    }

  if (!soup_server_listen (self->server, address, 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&self->mutex);
  self->origin = make_origin (self->address, port);
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

static gpointer
simulator_thread (gpointer data)
{
  OsaisSimulator *self = data;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);
  osais_thread_priority_lower_own_thread ();

  self->engines = osais_engines_load (NULL);
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) _osais_simulator_job_free);
  self->cancellable = g_cancellable_new ();
  self->server = soup_server_new ("server-header", "OSAIS-Simulator ", NULL);
  /* Jobs run concurrently and call back the same host: allow them their connections.
   * No proxy: OSAIS reaches the client directly, and the desktop's proxy settings
   * are not the simulator's business. */
  self->session = soup_session_new_with_options ("max-conns", 64,
                                                 "max-conns-per-host", 32,
                                                 "timeout", 30,
                                                 "proxy-resolver", NULL,
                                                 NULL);

  g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), NULL);
  soup_server_add_handler (self->server, NULL, default_cb, self, NULL);
  soup_server_add_handler (self->server, "/api/v1/public/client/login", login_cb, self, NULL);
  soup_server_add_handler (self->server, "/api/v1/public/client/demo", demo_cb, self, NULL);
  soup_server_add_handler (self->server, PRIVATE_PREFIX, private_cb, self, NULL);

  if (simulator_listen (self, &error))
    {
      simulator_signal_started (self, NULL);

      while (!self->stopping || self->jobs->len > 0)
        g_main_context_iteration (self->context, TRUE);
    }
  else
    {
      self->stopping = TRUE;
      simulator_signal_started (self, error);
    }

  soup_server_disconnect (self->server);
  soup_session_abort (self->session);
  g_clear_object (&self->server);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engines);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);

  /* Let the finalisers' idles run here rather than leak with the context. */
  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);

  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static gboolean
simulator_shutdown_cb (gpointer data)
{
  OsaisSimulator *self = data;
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  soup_server_disconnect (self->server);

  /* Jobs sleeping through step-delay end now rather than after it. */
  for (guint i = 0; i < self->jobs->len; i++)
    {
      SimJob *job = g_ptr_array_index (self->jobs, i);

      if (job->delay_source != NULL)
        g_ptr_array_add (waiting, job);
    }

  for (guint i = 0; i < waiting->len; i++)
    {
      SimJob *job = g_ptr_array_index (waiting, i);

      g_source_destroy (job->delay_source);
      g_clear_pointer (&job->delay_source, g_source_unref);
      _osais_simulator_job_run (job);
    }

  return G_SOURCE_REMOVE;
}

/* GObject */

static void
set_string_setting (OsaisSimulator *self,
                    char          **field,
                    const char     *value,
                    guint           prop_id)
{
  gboolean changed;

  g_mutex_lock (&self->mutex);
  changed = g_strcmp0 (*field, value) != 0;
  if (changed)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static char *
dup_string_setting (OsaisSimulator *self,
                    char          **field)
{
  char *value;

  g_mutex_lock (&self->mutex);
  value = g_strdup (*field);
  g_mutex_unlock (&self->mutex);

  return value;
}

static void
osais_simulator_dispose (GObject *object)
{
  OsaisSimulator *self = OSAIS_SIMULATOR (object);

  osais_simulator_stop (self);

  G_OBJECT_CLASS (osais_simulator_parent_class)->dispose (object);
}

static void
osais_simulator_finalize (GObject *object)
{
  OsaisSimulator *self = OSAIS_SIMULATOR (object);

  g_free (self->client_token);
  g_free (self->client_secret);
  g_free (self->callback_url);
  g_free (self->fail_engine);
  g_free (self->origin);
  g_free (self->address);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->start_error);
  g_cond_clear (&self->start_cond);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (osais_simulator_parent_class)->finalize (object);
}

static void
osais_simulator_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OsaisSimulator *self = OSAIS_SIMULATOR (object);

  switch (prop_id)
    {
    case PROP_CLIENT_TOKEN:
      g_value_take_string (value, dup_string_setting (self, &self->client_token));
      break;

    case PROP_CLIENT_SECRET:
      g_value_take_string (value, dup_string_setting (self, &self->client_secret));
      break;

    case PROP_CALLBACK_URL:
      g_value_take_string (value, dup_string_setting (self, &self->callback_url));
      break;

    case PROP_FAIL_ENGINE:
      g_value_take_string (value, dup_string_setting (self, &self->fail_engine));
      break;

    case PROP_STEP_DELAY:
      g_mutex_lock (&self->mutex);
      g_value_set_uint (value, self->step_delay);
      g_mutex_unlock (&self->mutex);
      break;

    case PROP_EXPIRE_TOKENS:
      g_mutex_lock (&self->mutex);
      g_value_set_boolean (value, self->expire_tokens);
      g_mutex_unlock (&self->mutex);
      break;

    case PROP_REPLY_AFTER_FIRST_ACK:
      g_mutex_lock (&self->mutex);
      g_value_set_boolean (value, self->reply_after_first_ack);
      g_mutex_unlock (&self->mutex);
      break;

    case PROP_REQUESTS:
      g_value_set_uint (value, osais_simulator_get_requests (self));
      break;

    case PROP_LOGINS:
      g_value_set_uint (value, osais_simulator_get_logins (self));
      break;

    case PROP_ACKS_GOOD:
      g_value_set_uint (value, osais_simulator_get_acks_good (self));
      break;

    case PROP_ACKS_BAD:
      g_value_set_uint (value, osais_simulator_get_acks_bad (self));
      break;

    case PROP_PENDING:
      g_value_set_uint (value, osais_simulator_get_pending (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_simulator_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OsaisSimulator *self = OSAIS_SIMULATOR (object);

  switch (prop_id)
    {
    case PROP_CLIENT_TOKEN:
      set_string_setting (self, &self->client_token, g_value_get_string (value), prop_id);
      break;

    case PROP_CLIENT_SECRET:
      set_string_setting (self, &self->client_secret, g_value_get_string (value), prop_id);
      break;

    case PROP_CALLBACK_URL:
      osais_simulator_set_callback_url (self, g_value_get_string (value));
      break;

    case PROP_FAIL_ENGINE:
      set_string_setting (self, &self->fail_engine, g_value_get_string (value), prop_id);
      break;

    case PROP_STEP_DELAY:
      {
        guint delay = g_value_get_uint (value);
        gboolean changed;

        g_mutex_lock (&self->mutex);
        changed = self->step_delay != delay;
        self->step_delay = delay;
        g_mutex_unlock (&self->mutex);

        if (changed)
          g_object_notify_by_pspec (object, pspec);
      }
      break;

    case PROP_REPLY_AFTER_FIRST_ACK:
      {
        gboolean reply_after_first_ack = g_value_get_boolean (value);
        gboolean changed;

        g_mutex_lock (&self->mutex);
        changed = self->reply_after_first_ack != reply_after_first_ack;
        self->reply_after_first_ack = reply_after_first_ack;
        g_mutex_unlock (&self->mutex);

        if (changed)
          g_object_notify_by_pspec (object, pspec);
      }
      break;

    case PROP_EXPIRE_TOKENS:
      if (g_value_get_boolean (value))
        {
          osais_simulator_expire_session (self);
        }
      else
        {
          gboolean changed;

          g_mutex_lock (&self->mutex);
          changed = self->expire_tokens;
          self->expire_tokens = FALSE;
          g_mutex_unlock (&self->mutex);

          if (changed)
            g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_simulator_class_init (OsaisSimulatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  /* Counters change on the simulator thread: readable, never notified. */
  GParamFlags counter = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = osais_simulator_dispose;
  object_class->finalize = osais_simulator_finalize;
  object_class->get_property = osais_simulator_get_property;
  object_class->set_property = osais_simulator_set_property;

  properties[PROP_CLIENT_TOKEN] =
    g_param_spec_string ("client-token", NULL, NULL, OSAIS_SIMULATOR_DEFAULT_TOKEN, rw);
  properties[PROP_CLIENT_SECRET] =
    g_param_spec_string ("client-secret", NULL, NULL, OSAIS_SIMULATOR_DEFAULT_SECRET, rw);
  properties[PROP_CALLBACK_URL] =
    g_param_spec_string ("callback-url", NULL, NULL, NULL, rw);
  properties[PROP_STEP_DELAY] =
    g_param_spec_uint ("step-delay", NULL, NULL, 0, 600000, 0, rw);
  properties[PROP_FAIL_ENGINE] =
    g_param_spec_string ("fail-engine", NULL, NULL, NULL, rw);
  properties[PROP_EXPIRE_TOKENS] =
    g_param_spec_boolean ("expire-tokens", NULL, NULL, FALSE, rw);
  /* Answer each AI request only once its first callback is acknowledged. */
  properties[PROP_REPLY_AFTER_FIRST_ACK] =
    g_param_spec_boolean ("reply-after-first-ack", NULL, NULL, FALSE, rw);
  properties[PROP_REQUESTS] =
    g_param_spec_uint ("requests", NULL, NULL, 0, G_MAXUINT, 0, counter);
  properties[PROP_LOGINS] =
    g_param_spec_uint ("logins", NULL, NULL, 0, G_MAXUINT, 0, counter);
  properties[PROP_ACKS_GOOD] =
    g_param_spec_uint ("acks-good", NULL, NULL, 0, G_MAXUINT, 0, counter);
  properties[PROP_ACKS_BAD] =
    g_param_spec_uint ("acks-bad", NULL, NULL, 0, G_MAXUINT, 0, counter);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0, counter);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_simulator_init (OsaisSimulator *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->start_cond);
  self->client_token = g_strdup (OSAIS_SIMULATOR_DEFAULT_TOKEN);
  self->client_secret = g_strdup (OSAIS_SIMULATOR_DEFAULT_SECRET);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sim_user_free);
  /* Like OSAIS's, uids are unique across runs: a history kept between two
   * simulator runs (the CLI's, the app's) never sees one twice. */
  self->next_uid = g_get_real_time () / 1000;
}

/* Public API */

OsaisSimulator *
osais_simulator_new (void)
{
  return g_object_new (OSAIS_TYPE_SIMULATOR, NULL);
}

gboolean
osais_simulator_start (OsaisSimulator  *self,
                       const char      *address,
                       guint            port,
                       GError         **error)
{
  GError *start_error;

  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_free (self->address);
  self->address = g_strdup (address != NULL ? address : "127.0.0.1");
  self->port = port;
  self->stopping = FALSE;
  self->start_done = FALSE;
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_new ();

  self->thread = g_thread_new ("osais-simulator", simulator_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->start_done)
    g_cond_wait (&self->start_cond, &self->mutex);
  start_error = g_steal_pointer (&self->start_error);
  g_mutex_unlock (&self->mutex);

  if (start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_propagate_error (error, start_error);
      return FALSE;
    }

  g_debug ("Simulating OSAIS at %s", self->origin);

  return TRUE;
}

void
osais_simulator_stop (OsaisSimulator *self)
{
  g_return_if_fail (OSAIS_IS_SIMULATOR (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, simulator_shutdown_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}

char *
osais_simulator_dup_origin (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), NULL);

  return dup_string_setting (self, &self->origin);
}

void
osais_simulator_set_callback_url (OsaisSimulator *self,
                                  const char     *callback_url)
{
  g_return_if_fail (OSAIS_IS_SIMULATOR (self));

  set_string_setting (self, &self->callback_url, callback_url, PROP_CALLBACK_URL);
}

void
osais_simulator_expire_session (OsaisSimulator *self)
{
  gboolean changed;

  g_return_if_fail (OSAIS_IS_SIMULATOR (self));

  g_mutex_lock (&self->mutex);
  changed = !self->expire_tokens;
  self->expire_tokens = TRUE;
  /* Every authToken issued so far is dead: the client has to log in again. */
  g_hash_table_remove_all (self->sessions);
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRE_TOKENS]);
}

guint
osais_simulator_get_requests (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), 0);

  return g_atomic_int_get (&self->requests);
}

guint
osais_simulator_get_logins (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), 0);

  return g_atomic_int_get (&self->logins);
}

guint
osais_simulator_get_acks_good (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), 0);

  return g_atomic_int_get (&self->acks_good);
}

guint
osais_simulator_get_acks_bad (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), 0);

  return g_atomic_int_get (&self->acks_bad);
}

guint
osais_simulator_get_pending (OsaisSimulator *self)
{
  g_return_val_if_fail (OSAIS_IS_SIMULATOR (self), 0);

  return g_atomic_int_get (&self->pending);
}
