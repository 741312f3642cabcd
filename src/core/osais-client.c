/* osais-client.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The OSAIS client: login (credentials or demo), the account's info and
 * AI requests, each call one GTask with a timeout, retries and a relogin
 * when the session is old.
 *
 * Over 1,200 lines on purpose: a call is one state machine (login step,
 * request, wait and retry, the reply read and judged) whose steps hand the
 * same Call to each other in the order they are written here; cut in two,
 * each half would name the other's steps in a header and the machine could
 * no longer be read top to bottom.
 */

#define G_LOG_DOMAIN "OsaisClient"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include <libsoup/soup.h>

#include "osais-client.h"
#include "osais-protocol.h"

#define LOGIN_PATH "api/v1/public/client/login"
#define DEMO_PATH  "api/v1/public/client/demo"
#define INFO_PATH  "api/v1/private/client"
#define AI_PATH    "api/v1/private/client/ai/"

/* Replies are small JSON documents; anything bigger is not OSAIS talking. */
#define MAX_REPLY_SIZE (1024 * 1024)
#define READ_CHUNK_SIZE 16384
#define MAX_ENGINE_LENGTH 64
/* The longest Retry-After we wait for; a server asking for more is busy
 * for longer than a user waits for a call, so the call fails instead. */
#define MAX_RETRY_AFTER_MS (60 * 1000)
#define MAX_BACKOFF_MS (30 * 1000)

typedef enum
{
  LOGIN_NONE,
  LOGIN_CREDENTIALS,
  LOGIN_DEMO,
} LoginMethod;

typedef enum
{
  CALL_LOGIN,
  CALL_DEMO,
  CALL_INFO,
  CALL_SUBMIT,
} CallKind;

typedef enum
{
  STEP_LOGIN,
  STEP_REQUEST,
} Step;

struct _OsaisClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *origin;
  GError      *origin_error;

  LoginMethod  method;
  char        *client_token;
  char        *client_secret;
  char        *auth_token;
  /* Wall-clock time of the last login: unlike the monotonic clock it keeps
   * counting while the machine sleeps, which the token's lifetime does too. */
  gint64       login_time;
  gboolean     logged_in;
  /* Bumped when the origin changes, so that a login answered by the
   * previous origin is not taken for the new one. */
  guint        generation;

  guint        timeout;
  guint        session_lifetime;
  guint        max_retries;
  guint        retry_base_delay;
};

G_DEFINE_FINAL_TYPE (OsaisClient, osais_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ORIGIN,
  PROP_LOGGED_IN,
  PROP_TIMEOUT,
  PROP_SESSION_LIFETIME,
  PROP_MAX_RETRIES,
  PROP_RETRY_BASE_DELAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (osais-client-error-quark, osais_client_error)

/* The state of one public call, from its _async to its _finish. */
typedef struct
{
  CallKind      kind;
  Step          step;
  guint         generation;
  guint         attempt;

  /* Cancelled by the caller's cancellable or by the deadline. */
  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong        caller_cancelled_id;
  GSource      *deadline_source;
  GSource      *wait_source;
  gboolean      timed_out;

  /* For an explicit login; kept by the client only once it succeeds. */
  LoginMethod   method;
  char         *client_token;
  char         *client_secret;

  char         *engine;
  GBytes       *body;
  char         *path;
  char         *bearer;
  gboolean      relogged;
  gboolean      may_have_been_sent;

  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *reply;
} Call;

static void call_send        (GTask *task);
static void call_step_login  (GTask *task);

static void
free_secret (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static void
call_free (Call *call)
{
  if (call->caller_cancellable != NULL)
    g_cancellable_disconnect (call->caller_cancellable, call->caller_cancelled_id);
  g_clear_object (&call->caller_cancellable);
  g_clear_object (&call->cancellable);
  if (call->deadline_source != NULL)
    g_source_destroy (call->deadline_source);
  g_clear_pointer (&call->deadline_source, g_source_unref);
  if (call->wait_source != NULL)
    g_source_destroy (call->wait_source);
  g_clear_pointer (&call->wait_source, g_source_unref);
  g_clear_pointer (&call->client_token, g_free);
  g_clear_pointer (&call->client_secret, free_secret);
  g_clear_pointer (&call->engine, g_free);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->path, g_free);
  g_clear_pointer (&call->bearer, free_secret);
  if (call->message != NULL)
    g_signal_handlers_disconnect_by_data (call->message, call);
  g_clear_object (&call->message);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->reply, g_byte_array_unref);
  g_free (call);
}

char *
osais_client_normalize_origin (const char  *origin,
                               GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (origin == NULL)
    origin = OSAIS_CLIENT_DEFAULT_ORIGIN;

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT,
                   _("The OSAIS origin “%s” is not a URL"), origin);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT,
                   _("The OSAIS origin must be an http:// or https:// URL, not a “%s:” one"),
                   scheme);
      return NULL;
    }

  /* User info would be a credential in every log line and error message;
   * a query or a fragment would break the relative paths appended to it. */
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_INVALID_ARGUMENT,
                           _("The OSAIS origin must be a plain http(s)://host[:port]/[path/] URL, "
                             "without user name, query or fragment"));
      return NULL;
    }

  if (g_str_has_suffix (origin, "/"))
    return g_strdup (origin);

  return g_strconcat (origin, "/", NULL);
}

static void
osais_client_set_logged_in (OsaisClient *self,
                            gboolean     logged_in)
{
  logged_in = !!logged_in;
  if (self->logged_in == logged_in)
    return;

  self->logged_in = logged_in;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGGED_IN]);
}

/* Forgets the session and the way it was opened. */
static void
osais_client_forget_session (OsaisClient *self)
{
  self->method = LOGIN_NONE;
  self->login_time = 0;
  g_clear_pointer (&self->client_token, g_free);
  g_clear_pointer (&self->client_secret, free_secret);
  g_clear_pointer (&self->auth_token, free_secret);
  osais_client_set_logged_in (self, FALSE);
}

static gboolean
osais_client_session_is_fresh (OsaisClient *self)
{
  gint64 age;

  if (self->auth_token == NULL)
    return FALSE;

  /* A clock set backwards makes the age negative: log in again rather
   * than trust a token of unknown age. */
  age = g_get_real_time () - self->login_time;
  return age >= 0 && age < (gint64) self->session_lifetime * G_USEC_PER_SEC;
}

OsaisClient *
osais_client_new (const char *origin)
{
  return g_object_new (OSAIS_TYPE_CLIENT,
                       "origin", origin,
                       NULL);
}

const char *
osais_client_get_origin (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), NULL);

  return self->origin;
}

void
osais_client_set_origin (OsaisClient *self,
                         const char  *origin)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;

  g_return_if_fail (OSAIS_IS_CLIENT (self));

  normalized = osais_client_normalize_origin (origin, &error);
  if (normalized == NULL)
    normalized = g_strdup (origin);

  if (g_strcmp0 (normalized, self->origin) == 0)
    return;

  g_free (self->origin);
  self->origin = g_steal_pointer (&normalized);
  g_clear_error (&self->origin_error);
  self->origin_error = g_steal_pointer (&error);

  /* A token or a secret is for the server it came from only. */
  osais_client_forget_session (self);
  self->generation++;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORIGIN]);
}

gboolean
osais_client_get_logged_in (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), FALSE);

  return self->logged_in;
}

guint
osais_client_get_timeout (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), 0);

  return self->timeout;
}

void
osais_client_set_timeout (OsaisClient *self,
                          guint        seconds)
{
  g_return_if_fail (OSAIS_IS_CLIENT (self));

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
osais_client_get_session_lifetime (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), 0);

  return self->session_lifetime;
}

void
osais_client_set_session_lifetime (OsaisClient *self,
                                   guint        seconds)
{
  g_return_if_fail (OSAIS_IS_CLIENT (self));

  if (self->session_lifetime == seconds)
    return;

  self->session_lifetime = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_LIFETIME]);
}

guint
osais_client_get_max_retries (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), 0);

  return self->max_retries;
}

void
osais_client_set_max_retries (OsaisClient *self,
                              guint        max_retries)
{
  g_return_if_fail (OSAIS_IS_CLIENT (self));

  if (self->max_retries == max_retries)
    return;

  self->max_retries = max_retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_RETRIES]);
}

guint
osais_client_get_retry_base_delay (OsaisClient *self)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), 0);

  return self->retry_base_delay;
}

void
osais_client_set_retry_base_delay (OsaisClient *self,
                                   guint        milliseconds)
{
  g_return_if_fail (OSAIS_IS_CLIENT (self));

  if (self->retry_base_delay == milliseconds)
    return;

  self->retry_base_delay = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_BASE_DELAY]);
}

/* Call plumbing */

static void
call_return_error (GTask  *task,
                   GError *error)
{
  Call *call = g_task_get_task_data (task);
  OsaisClient *self = g_task_get_source_object (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && call->timed_out)
    {
      g_clear_error (&error);
      if (call->kind == CALL_SUBMIT && call->may_have_been_sent)
        error = g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT,
                             _("OSAIS did not answer within %u s; the request may have reached "
                               "OSAIS: check before resending"), self->timeout);
      else
        error = g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT,
                             _("OSAIS did not answer within %u s"), self->timeout);
    }

  g_debug ("%s failed: %s", g_task_get_name (task), error->message);
  g_task_return_error (task, error);
}

static gboolean
call_deadline_cb (gpointer user_data)
{
  Call *call = user_data;

  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancellable);
  g_clear_pointer (&call->deadline_source, g_source_unref);

  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static GTask *
call_new (OsaisClient         *self,
          CallKind             kind,
          gpointer             source_tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Call *call;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);

  call = g_new0 (Call, 1);
  call->kind = kind;
  call->generation = self->generation;
  call->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (cancellable != NULL)
    {
      call->caller_cancellable = g_object_ref (cancellable);
      call->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (caller_cancelled_cb),
                                                         g_object_ref (call->cancellable),
                                                         g_object_unref);
    }

  /* One deadline for the whole call, retries and re-login included: that
   * is the time the caller agreed to wait. */
  if (self->timeout > 0)
    {
      call->deadline_source = g_timeout_source_new (self->timeout * 1000);
      g_source_set_callback (call->deadline_source, call_deadline_cb, call, NULL);
      g_source_set_name (call->deadline_source, "[osais] client call deadline");
      g_source_attach (call->deadline_source, g_task_get_context (task));
    }

  return g_steal_pointer (&task);
}

/* Retry-After in milliseconds, or -1 when absent or unreadable. */
static gint64
parse_retry_after (SoupMessage *message)
{
  const char *value;
  guint64 seconds;

  value = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                        "Retry-After");
  if (value == NULL)
    return -1;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return (gint64) seconds * 1000;
  else
    {
      g_autoptr(GDateTime) date = soup_date_time_new_from_http_string (value);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (date == NULL)
        return -1;

      return MAX (0, g_date_time_difference (date, now) / 1000);
    }
}

static void
call_wait_done (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  if (call->step == STEP_LOGIN)
    call_step_login (task);
  else
    call_send (task);
}

static gboolean
call_wait_cb (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&call->wait_source, g_source_unref);

  if (g_cancellable_set_error_if_cancelled (call->cancellable, &error))
    call_return_error (task, error);
  else
    call_wait_done (task);

  return G_SOURCE_REMOVE;
}

/* Schedules another attempt of the current step, or returns @error when
 * no attempt is left or the wait would outlast the call's deadline. */
static void
call_retry_or_fail (GTask  *task,
                    gint64  retry_after_ms,
                    GError *error)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GSource *cancel_source;
  gint64 delay_ms;

  if (call->attempt >= self->max_retries)
    {
      call_return_error (task, error);
      return;
    }

  if (retry_after_ms > MAX_RETRY_AFTER_MS)
    {
      g_prefix_error (&error, "OSAIS asks to wait %" G_GINT64_FORMAT " s: ",
                      retry_after_ms / 1000);
      call_return_error (task, error);
      return;
    }

  /* Exponential backoff with "equal jitter": half of the delay is fixed,
   * half random, so that clients refused together do not retry together. */
  delay_ms = MIN ((gint64) self->retry_base_delay << MIN (call->attempt, 16), MAX_BACKOFF_MS);
  delay_ms = delay_ms / 2 + g_random_int_range (0, (gint32) (delay_ms / 2) + 1);
  delay_ms = MAX (delay_ms, retry_after_ms);

  if (call->deadline_source != NULL &&
      g_get_monotonic_time () + delay_ms * 1000 >= g_source_get_ready_time (call->deadline_source))
    {
      call_return_error (task, error);
      return;
    }

  call->attempt++;
  g_debug ("%s: retrying %s in %" G_GINT64_FORMAT " ms (attempt %u of %u) after: %s",
           g_task_get_name (task), call->path, delay_ms, call->attempt + 1,
           self->max_retries + 1, error->message);
  g_error_free (error);

  /* The cancellable child wakes the wait as soon as the call is cancelled
   * or times out. */
  call->wait_source = g_timeout_source_new ((guint) delay_ms);
  cancel_source = g_cancellable_source_new (call->cancellable);
  g_source_set_dummy_callback (cancel_source);
  g_source_add_child_source (call->wait_source, cancel_source);
  g_source_unref (cancel_source);
  g_source_set_callback (call->wait_source, call_wait_cb, g_object_ref (task), g_object_unref);
  g_source_set_name (call->wait_source, "[osais] client retry wait");
  g_source_attach (call->wait_source, g_task_get_context (task));
}

/* The statuses that say "not now" without the request having been
 * processed; libsoup 3.2 has no name for 429. */
static gboolean
is_retryable_status (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429 ||
         status == SOUP_STATUS_SERVICE_UNAVAILABLE;
}

static gboolean
call_is_retryable (Call *call)
{
  return call->step == STEP_LOGIN || call->kind == CALL_INFO;
}

static GError *
transport_error (Call         *call,
                 const GError *cause)
{
  if (call->step == STEP_REQUEST && call->kind == CALL_SUBMIT && call->may_have_been_sent)
    return g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_UNCERTAIN,
                        _("The connection failed after the request was sent (%s): the request "
                          "may have reached OSAIS; check before resending"), cause->message);

  /* Retrying does not mend it: the address (http or https) or the
   * server's certificate needs looking at. */
  if (cause->domain == G_TLS_ERROR)
    return g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TLS,
                        _("Could not connect securely to OSAIS: %s"), cause->message);

  return g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NETWORK,
                      _("Could not reach OSAIS: %s"), cause->message);
}

static void
call_transport_failed (GTask  *task,
                       GError *cause)
{
  Call *call = g_task_get_task_data (task);
  GError *error;

  g_clear_object (&call->stream);
  g_clear_pointer (&call->reply, g_byte_array_unref);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      call_return_error (task, cause);
      return;
    }

  g_debug ("%s %s failed: %s", soup_message_get_method (call->message), call->path,
           cause->message);

  error = transport_error (call, cause);
  g_error_free (cause);

  if (call_is_retryable (call)
      && !g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TLS))
    call_retry_or_fail (task, -1, error);
  else
    call_return_error (task, error);
}

/* Replies */

static JsonNode *
parse_reply_data (Call    *call,
                  GError **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) local_error = NULL;

  /* The bounded reader: a reply, like a callback, comes from a peer. */
  object = osais_protocol_parse_json_object ((const char *) call->reply->data,
                                             call->reply->len, &local_error);
  if (object == NULL)
    {
      g_debug ("%s: %s", call->path, local_error->message);
      g_set_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                   _("OSAIS answered %s with something that is not a JSON object"), call->path);
      return NULL;
    }

  if (!json_object_has_member (object, "data"))
    {
      g_set_error (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                   _("OSAIS answered %s without a “data” member"), call->path);
      return NULL;
    }

  return json_node_copy (json_object_get_member (object, "data"));
}

/* A reply is not trusted to have members of the right type. */
static JsonObject *
get_object_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

static gboolean
is_header_safe (const char *value)
{
  if (*value == '\0')
    return FALSE;

  for (; *value != '\0'; value++)
    if (!g_ascii_isgraph (*value))
      return FALSE;

  return TRUE;
}

static GError *
login_refused_error (Call *call)
{
  if (call->method == LOGIN_DEMO)
    return g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED,
                                _("OSAIS refused the demo login; try again later or log in "
                                  "with a client token and secret"));

  return g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED,
                              _("OSAIS refused the login: check the client token and secret "
                                "(OSAIS_TOKEN and OSAIS_SECRET)"));
}

static void
call_login_replied (GTask *task,
                    guint  status)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) data = NULL;
  GError *error = NULL;
  const char *auth_token = NULL;

  if (call->generation != self->generation)
    {
      GError *changed = g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NOT_LOGGED_IN,
                                             _("The OSAIS origin changed during the login"));

      call_return_error (task, changed);
      return;
    }

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      osais_client_forget_session (self);
      call_return_error (task, login_refused_error (call));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      error = g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP,
                           _("OSAIS answered the login with %u %s"), status,
                           soup_status_get_phrase (status));
      call_return_error (task, error);
      return;
    }

  data = parse_reply_data (call, &error);
  if (data == NULL)
    {
      call_return_error (task, error);
      return;
    }

  if (JSON_NODE_HOLDS_NULL (data))
    {
      osais_client_forget_session (self);
      call_return_error (task, login_refused_error (call));
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (data))
    auth_token = osais_json_object_get_string (json_node_get_object (data), "authToken");

  if (auth_token == NULL || !is_header_safe (auth_token))
    {
      error = g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                                   _("OSAIS answered the login without a usable authToken"));
      call_return_error (task, error);
      return;
    }

  /* An explicit login replaces the credentials kept for renewals; an
   * automatic one renews with those already kept. */
  if (call->kind == CALL_LOGIN || call->kind == CALL_DEMO)
    {
      g_clear_pointer (&self->client_token, g_free);
      g_clear_pointer (&self->client_secret, free_secret);
      self->method = call->method;
      self->client_token = g_steal_pointer (&call->client_token);
      self->client_secret = g_steal_pointer (&call->client_secret);
    }

  g_clear_pointer (&self->auth_token, free_secret);
  self->auth_token = g_strdup (auth_token);
  self->login_time = g_get_real_time ();
  osais_client_set_logged_in (self, TRUE);

  if (call->kind == CALL_LOGIN || call->kind == CALL_DEMO)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  call->step = STEP_REQUEST;
  call->attempt = 0;
  call_send (task);
}

static gboolean
read_integer (JsonNode *node,
              gint64   *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *text = g_strstrip (g_strdup (json_node_get_string (node)));

      return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, value, NULL);
    }

  return FALSE;
}

static char *
read_token (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return NULL;
}

typedef struct
{
  gint64  uid;
  char   *token;
} SubmitResult;

static void
submit_result_free (SubmitResult *result)
{
  g_free (result->token);
  g_free (result);
}

/* Finds uid and token in @object; FALSE when @object has no uid at all,
 * so that the caller looks elsewhere. */
static gboolean
find_uid_and_token (JsonObject    *object,
                    SubmitResult **result,
                    GError       **error)
{
  g_autofree char *token = NULL;
  gint64 uid;

  if (!json_object_has_member (object, "uid"))
    return FALSE;

  if (!read_integer (json_object_get_member (object, "uid"), &uid))
    {
      g_set_error_literal (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                           _("OSAIS answered the request with a uid that is not an integer"));
      return TRUE;
    }

  token = read_token (json_object_get_member (object, "token"));
  if (token == NULL)
    {
      g_set_error_literal (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                           _("OSAIS answered the request with a uid but no token"));
      return TRUE;
    }

  *result = g_new0 (SubmitResult, 1);
  (*result)->uid = uid;
  (*result)->token = g_steal_pointer (&token);
  return TRUE;
}

static SubmitResult *
parse_submit_data (JsonNode  *data,
                   GError   **error)
{
  static const char * const usual_members[] = { "data", "request" };
  SubmitResult *result = NULL;
  JsonObject *object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (data))
    {
      g_set_error_literal (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                           _("OSAIS answered the request without an object in “data”"));
      return NULL;
    }

  /* The reply's inner shape is not specified: look in data itself, then
   * where it usually nests, then in any object one level down. */
  object = json_node_get_object (data);
  if (find_uid_and_token (object, &result, error))
    return result;

  for (guint i = 0; i < G_N_ELEMENTS (usual_members); i++)
    {
      JsonObject *nested = get_object_member (object, usual_members[i]);

      if (nested != NULL && find_uid_and_token (nested, &result, error))
        return result;
    }

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (JSON_NODE_HOLDS_OBJECT (member) &&
          find_uid_and_token (json_node_get_object (member), &result, error))
        return result;
    }

  g_set_error_literal (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                       _("OSAIS answered the request without a uid"));
  return NULL;
}

static void
call_request_replied (GTask *task,
                      guint  status)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) data = NULL;
  GError *error = NULL;

  if (status == SOUP_STATUS_UNAUTHORIZED && !call->relogged)
    {
      /* A 401 proves the call was not accepted, so it may be sent again
       * once, with a fresh session. If another call renewed the session
       * meanwhile, its token is used as is. */
      call->relogged = TRUE;
      call->attempt = 0;
      if (g_strcmp0 (call->bearer, self->auth_token) == 0)
        {
          g_debug ("%s: the session was refused, logging in again", g_task_get_name (task));
          self->login_time = 0;
          g_clear_pointer (&self->auth_token, free_secret);
          call->step = STEP_LOGIN;
          call_step_login (task);
        }
      else
        call_send (task);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      error = g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP,
                           _("OSAIS answered %s with %u %s%s"), call->path, status,
                           soup_status_get_phrase (status),
                           status == SOUP_STATUS_UNAUTHORIZED ? " even after a new login" : "");
      if (call->kind == CALL_INFO && is_retryable_status (status))
        call_retry_or_fail (task, parse_retry_after (call->message), error);
      else
        call_return_error (task, error);
      return;
    }

  data = parse_reply_data (call, &error);
  if (data == NULL)
    {
      call_return_error (task, error);
      return;
    }

  if (call->kind == CALL_INFO)
    {
      JsonObject *user = NULL;

      if (JSON_NODE_HOLDS_OBJECT (data))
        user = get_object_member (json_node_get_object (data), "user");

      if (user == NULL)
        call_return_error (task, g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                      OSAIS_CLIENT_ERROR_BAD_REPLY,
                                                      _("OSAIS answered the client info "
                                                        "without a user")));
      else
        g_task_return_pointer (task, json_object_ref (user), (GDestroyNotify) json_object_unref);
    }
  else
    {
      SubmitResult *result = parse_submit_data (data, &error);

      if (result == NULL)
        call_return_error (task, error);
      else
        g_task_return_pointer (task, result, (GDestroyNotify) submit_result_free);
    }
}

static void
call_replied (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  guint status = soup_message_get_status (call->message);

  g_debug ("%s %s: %u", soup_message_get_method (call->message), call->path, status);

  if (call->step == STEP_LOGIN)
    {
      if (is_retryable_status (status))
        call_retry_or_fail (task, parse_retry_after (call->message),
                            g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP,
                                         _("OSAIS answered the login with %u %s"), status,
                                         soup_status_get_phrase (status)));
      else
        call_login_replied (task, status);
    }
  else
    call_request_replied (task, status);
}

static void
call_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      call_transport_failed (task, error);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      g_clear_object (&call->stream);
      call_replied (task);
      return;
    }

  if (call->reply->len + g_bytes_get_size (chunk) > MAX_REPLY_SIZE)
    {
      g_clear_object (&call->stream);
      call_return_error (task, g_error_new (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_BAD_REPLY,
                                            _("OSAIS answered %s with more than %u bytes"),
                                            call->path, MAX_REPLY_SIZE));
      return;
    }

  g_byte_array_append (call->reply, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   call->cancellable, call_read_cb, g_steal_pointer (&task));
}

static void
call_send_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  call->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (call->stream == NULL)
    {
      call_transport_failed (task, error);
      return;
    }

  call->reply = g_byte_array_new ();
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   call->cancellable, call_read_cb, g_steal_pointer (&task));
}

static void
message_starting_cb (SoupMessage *message,
                     Call        *call)
{
  /* The connection is up and the request is about to be written: from
   * now on OSAIS may receive it, whatever happens next. */
  call->may_have_been_sent = TRUE;
}

static void
call_start_message (GTask       *task,
                    const char  *method,
                    const char  *path,
                    GBytes      *body)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;

  if (call->message != NULL)
    g_signal_handlers_disconnect_by_data (call->message, call);
  g_clear_object (&call->message);
  g_clear_pointer (&call->reply, g_byte_array_unref);
  g_free (call->path);
  call->path = g_strdup (path);

  url = g_strconcat (self->origin, path, NULL);
  call->message = soup_message_new (method, url);
  g_assert (call->message != NULL);

  headers = soup_message_get_request_headers (call->message);
  soup_message_headers_replace (headers, "Accept", "application/json");

  if (call->step == STEP_REQUEST)
    {
      g_autofree char *authorization = NULL;

      g_clear_pointer (&call->bearer, free_secret);
      call->bearer = g_strdup (self->auth_token);
      authorization = g_strconcat ("Bearer ", call->bearer, NULL);
      soup_message_headers_replace (headers, "Authorization", authorization);
      explicit_bzero (authorization, strlen (authorization));
    }

  if (body != NULL)
    soup_message_set_request_body_from_bytes (call->message, "application/json", body);

  if (call->step == STEP_REQUEST && call->kind == CALL_SUBMIT)
    {
      /* A fresh connection: an idle kept-alive one that the server closed
       * meanwhile would fail after "starting" and turn a request that was
       * never received into an uncertain one. */
      soup_message_add_flags (call->message, SOUP_MESSAGE_NEW_CONNECTION);
      g_signal_connect (call->message, "starting", G_CALLBACK (message_starting_cb), call);
    }

  g_debug ("%s %s", method, path);
  soup_session_send_async (self->session, call->message, G_PRIORITY_DEFAULT, call->cancellable,
                           call_send_cb, g_object_ref (task));
}

static GBytes *
login_body_new (const char *token,
                const char *secret)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;
  gsize length;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "secret");
  json_builder_add_string_value (builder, secret);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  /* The body holds the secret: wipe it when libsoup is done with it. */
  return g_bytes_new_with_free_func (text, length, (GDestroyNotify) free_secret, text);
}

static void
call_step_login (GTask *task)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  LoginMethod method;

  call->step = STEP_LOGIN;

  if (call->kind == CALL_LOGIN || call->kind == CALL_DEMO)
    {
      method = call->method;
      if (method == LOGIN_CREDENTIALS)
        body = login_body_new (call->client_token, call->client_secret);
    }
  else
    {
      method = self->method;
      call->method = method;
      if (method == LOGIN_NONE)
        {
          /* The session was forgotten (a new origin, a refused login)
           * while this call was waiting. */
          call_return_error (task, g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                        OSAIS_CLIENT_ERROR_NOT_LOGGED_IN,
                                                        _("Not logged in to OSAIS")));
          return;
        }
      if (method == LOGIN_CREDENTIALS)
        body = login_body_new (self->client_token, self->client_secret);
    }

  if (method == LOGIN_CREDENTIALS)
    call_start_message (task, SOUP_METHOD_POST, LOGIN_PATH, body);
  else
    call_start_message (task, SOUP_METHOD_POST, DEMO_PATH, NULL);
}

static void
call_send (GTask *task)
{
  OsaisClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  call->step = STEP_REQUEST;

  /* The session may have been refused by another call meanwhile. */
  if (self->auth_token == NULL)
    {
      call_step_login (task);
      return;
    }

  if (call->kind == CALL_INFO)
    call_start_message (task, SOUP_METHOD_GET, INFO_PATH, NULL);
  else
    {
      path = g_strconcat (AI_PATH, call->engine, NULL);
      call_start_message (task, SOUP_METHOD_POST, path, call->body);
    }
}

/* Starts a private call: logs in first when the session is old. */
static void
call_start_private (GTask *task)
{
  OsaisClient *self = g_task_get_source_object (task);

  if (self->method == LOGIN_NONE)
    {
      call_return_error (task, g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                    OSAIS_CLIENT_ERROR_NOT_LOGGED_IN,
                                                    _("Not logged in to OSAIS: log in first")));
      return;
    }

  if (osais_client_session_is_fresh (self))
    call_send (task);
  else
    {
      g_debug ("The session is older than %u s, logging in again", self->session_lifetime);
      call_step_login (task);
    }
}

static gboolean
osais_client_check_origin (OsaisClient *self,
                           GTask       *task)
{
  if (self->origin_error == NULL)
    return TRUE;

  call_return_error (task, g_error_copy (self->origin_error));
  return FALSE;
}

void
osais_client_login_async (OsaisClient         *self,
                          const char          *token,
                          const char          *secret,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Call *call;

  g_return_if_fail (OSAIS_IS_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (secret != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, CALL_LOGIN, osais_client_login_async, "osais_client_login_async",
                   cancellable, callback, user_data);
  if (!osais_client_check_origin (self, task))
    return;

  call = g_task_get_task_data (task);
  call->method = LOGIN_CREDENTIALS;
  call->client_token = g_strdup (token);
  call->client_secret = g_strdup (secret);
  call_step_login (task);
}

gboolean
osais_client_login_finish (OsaisClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_client_login_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osais_client_login_demo_async (OsaisClient         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Call *call;

  g_return_if_fail (OSAIS_IS_CLIENT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, CALL_DEMO, osais_client_login_demo_async,
                   "osais_client_login_demo_async", cancellable, callback, user_data);
  if (!osais_client_check_origin (self, task))
    return;

  call = g_task_get_task_data (task);
  call->method = LOGIN_DEMO;
  call_step_login (task);
}

gboolean
osais_client_login_demo_finish (OsaisClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_client_login_demo_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osais_client_get_info_async (OsaisClient         *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_CLIENT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, CALL_INFO, osais_client_get_info_async, "osais_client_get_info_async",
                   cancellable, callback, user_data);
  if (!osais_client_check_origin (self, task))
    return;

  call_start_private (task);
}

JsonObject *
osais_client_get_info_finish (OsaisClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_client_get_info_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
is_valid_engine (const char *engine)
{
  gsize length = strlen (engine);

  if (length == 0 || length > MAX_ENGINE_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_islower (engine[i]) && !g_ascii_isdigit (engine[i]) &&
        engine[i] != '_' && engine[i] != '-')
      return FALSE;

  return TRUE;
}

void
osais_client_submit_async (OsaisClient         *self,
                           const char          *engine,
                           JsonObject          *parameters,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  Call *call;
  char *text;
  gsize length;

  g_return_if_fail (OSAIS_IS_CLIENT (self));
  g_return_if_fail (engine != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = call_new (self, CALL_SUBMIT, osais_client_submit_async, "osais_client_submit_async",
                   cancellable, callback, user_data);
  if (!osais_client_check_origin (self, task))
    return;

  /* The engine name goes into the URL path: only plain names. */
  if (!is_valid_engine (engine))
    {
      call_return_error (task, g_error_new_literal (OSAIS_CLIENT_ERROR,
                                                    OSAIS_CLIENT_ERROR_INVALID_ARGUMENT,
                                                    _("An engine name is made of a-z, 0-9, "
                                                      "“_” and “-” only")));
      return;
    }

  root = json_node_new (JSON_NODE_OBJECT);
  if (parameters != NULL)
    json_node_set_object (root, parameters);
  else
    json_node_take_object (root, json_object_new ());
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  call = g_task_get_task_data (task);
  call->engine = g_strdup (engine);
  call->body = g_bytes_new_take (text, length);
  call_start_private (task);
}

gboolean
osais_client_submit_finish (OsaisClient   *self,
                            GAsyncResult  *result,
                            gint64        *uid,
                            char         **token,
                            GError       **error)
{
  SubmitResult *submit_result;

  g_return_val_if_fail (OSAIS_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_client_submit_async,
                        FALSE);

  submit_result = g_task_propagate_pointer (G_TASK (result), error);
  if (submit_result == NULL)
    return FALSE;

  if (uid != NULL)
    *uid = submit_result->uid;
  if (token != NULL)
    *token = g_steal_pointer (&submit_result->token);
  submit_result_free (submit_result);

  return TRUE;
}

/* GObject */

static void
osais_client_finalize (GObject *object)
{
  OsaisClient *self = (OsaisClient *) object;

  g_clear_object (&self->session);
  g_clear_pointer (&self->origin, g_free);
  g_clear_error (&self->origin_error);
  g_clear_pointer (&self->client_token, g_free);
  g_clear_pointer (&self->client_secret, free_secret);
  g_clear_pointer (&self->auth_token, free_secret);

  G_OBJECT_CLASS (osais_client_parent_class)->finalize (object);
}

static void
osais_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OsaisClient *self = OSAIS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ORIGIN:
      g_value_set_string (value, self->origin);
      break;

    case PROP_LOGGED_IN:
      g_value_set_boolean (value, self->logged_in);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_SESSION_LIFETIME:
      g_value_set_uint (value, self->session_lifetime);
      break;

    case PROP_MAX_RETRIES:
      g_value_set_uint (value, self->max_retries);
      break;

    case PROP_RETRY_BASE_DELAY:
      g_value_set_uint (value, self->retry_base_delay);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_client_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OsaisClient *self = OSAIS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ORIGIN:
      osais_client_set_origin (self, g_value_get_string (value));
      break;

    case PROP_TIMEOUT:
      osais_client_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_SESSION_LIFETIME:
      osais_client_set_session_lifetime (self, g_value_get_uint (value));
      break;

    case PROP_MAX_RETRIES:
      osais_client_set_max_retries (self, g_value_get_uint (value));
      break;

    case PROP_RETRY_BASE_DELAY:
      osais_client_set_retry_base_delay (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_client_class_init (OsaisClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osais_client_finalize;
  object_class->get_property = osais_client_get_property;
  object_class->set_property = osais_client_set_property;

  properties[PROP_ORIGIN] =
    g_param_spec_string ("origin", NULL, NULL,
                         OSAIS_CLIENT_DEFAULT_ORIGIN,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LOGGED_IN] =
    g_param_spec_boolean ("logged-in", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       0, G_MAXUINT / 1000, 30,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SESSION_LIFETIME] =
    g_param_spec_uint ("session-lifetime", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CLIENT_SESSION_LIFETIME,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_RETRIES] =
    g_param_spec_uint ("max-retries", NULL, NULL,
                       0, 20, 3,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RETRY_BASE_DELAY] =
    g_param_spec_uint ("retry-base-delay", NULL, NULL,
                       0, 60 * 1000, 500,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_client_init (OsaisClient *self)
{
  /* No session-wide I/O timeout: each call has its own deadline instead.
   * HTTPS certificates are verified by the default TLS database. */
  self->session = soup_session_new_with_options ("user-agent", "OSAIS-Studio/" PACKAGE_VERSION,
                                                 "timeout", 0,
                                                 NULL);
  self->timeout = 30;
  self->session_lifetime = OSAIS_CLIENT_SESSION_LIFETIME;
  self->max_retries = 3;
  self->retry_base_delay = 500;
}
