/* osais-callback-server-routes.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The callback server's routes: one table of them with their method and
 * body limit, looked up once per request (by the guard, when the head is
 * read), and their handlers.
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include <string.h>

#include "osais-callback-server-private.h"
#include "osais-image-check.h"
#include "osais-image.h"
#include "osais-protocol.h"
#include "osais-store.h"

/* Every body the server takes is one the protocol's JSON reader takes whole. */
G_STATIC_ASSERT (OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY <= OSAIS_PROTOCOL_MAX_JSON_LENGTH);
G_STATIC_ASSERT (OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY <= OSAIS_PROTOCOL_MAX_JSON_LENGTH);

/* g_debug() for what every callback does: GLib 2.74's g_logv() formats the
 * message and takes the log lock before it learns that nothing shows
 * debug messages, which cost each acknowledgement two allocations and
 * that lock. Shown wherever the default writer shows them. */
#define callback_debug(...) \
  G_STMT_START { \
    if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)) \
      g_debug (__VA_ARGS__); \
  } G_STMT_END

/* Routes that take no body still get a small one. */
#define SMALL_MAX_BODY (64 * 1024)
/* A message paused while the store works on it. */
typedef struct
{
  Worker              *worker;
  SoupServerMessage   *msg;
  gulong               finished_id;
  gulong               disconnected_id;
  gboolean             finished;
  char                *token;
  char                *uid_text;
  gboolean             uid_is_number;
} Pending;

/* Responses */

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    json, strlen (json));
  /* RFC 9110 15.6.4: a 503 may say when to come back; OSAIS's side can
   * then retry rather than drop the callback. */
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After",
                                  G_STRINGIFY (OSAIS_CALLBACK_SERVER_RETRY_AFTER));
}

static void
set_error_response (SoupServerMessage *msg,
                    guint              status,
                    const char        *message)
{
  g_autofree char *body = osais_error_body_new (status, message);

  g_debug ("Answering %s %s with %u: %s",
           soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, message);
  set_json_response (msg, status, body);
}

static guint
status_for_store_error (const GError *error)
{
  if (g_error_matches (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB))
    return SOUP_STATUS_NOT_FOUND;
  if (g_error_matches (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOKEN_MISMATCH))
    return SOUP_STATUS_FORBIDDEN;
  /* The folder may be made writable again: sending it later may do. */
  if (g_error_matches (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_BUSY) ||
      g_error_matches (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_READ_ONLY))
    return SOUP_STATUS_SERVICE_UNAVAILABLE;
  /* Nothing was stored, and sending it again later will do. */
  if (g_error_matches (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL))
    return SOUP_STATUS_INSUFFICIENT_STORAGE;
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

static guint
status_for_protocol_error (const GError *error)
{
  if (g_error_matches (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE))
    return SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
  return SOUP_STATUS_BAD_REQUEST;
}

/* Pending store operations */

static void
pending_finished_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Pending *pending = user_data;

  /* The connection died (or the server stopped) while the store worked:
   * the message must not be answered nor unpaused any more. */
  g_debug ("Message %p finished while paused", msg);
  pending->finished = TRUE;
}

static Pending *
pending_new (Worker            *worker,
             SoupServerMessage *msg,
             const char        *token,
             const char        *uid_text,
             gboolean           uid_is_number)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->worker = worker;
  pending->msg = g_object_ref (msg);
  pending->token = g_strdup (token);
  pending->uid_text = g_strdup (uid_text);
  pending->uid_is_number = uid_is_number;
  /* libsoup 3.2 emits "finished" for some endings and only "disconnected"
   * for others (a server disconnect while paused): watch both. */
  pending->finished_id = g_signal_connect (msg, "finished",
                                           G_CALLBACK (pending_finished_cb), pending);
  pending->disconnected_id = g_signal_connect (msg, "disconnected",
                                               G_CALLBACK (pending_finished_cb), pending);
  worker->n_pending++;
  soup_server_message_pause (msg);
  return pending;
}

static void
pending_free (Pending *pending)
{
  g_assert (pending->worker->n_pending > 0);
  pending->worker->n_pending--;
  g_clear_signal_handler (&pending->finished_id, pending->msg);
  g_clear_signal_handler (&pending->disconnected_id, pending->msg);
  g_object_unref (pending->msg);
  g_free (pending->token);
  g_free (pending->uid_text);
  g_free (pending);
}

/* The answer to a callback once the store dealt with it: the
 * acknowledgement, echoing the uid as it came, or the error. */
static void
pending_complete (Pending      *pending,
                  const GError *error)
{
  Worker *worker = pending->worker;
  SoupServerMessage *msg = pending->msg;

  /* The message may only be answered while its connection is ours: not
   * after it ended, nor once stop() has disconnected everything, nor when
   * the connection is gone (libsoup does not always say so). */
  if (pending->finished || worker->stopping ||
      !osais_callback_server_guard_is_open (worker, msg))
    {
      g_debug ("Dropping the answer to a message whose connection is gone");
      pending_free (pending);
      return;
    }

  if (error != NULL)
    {
      set_error_response (msg, status_for_store_error (error), error->message);
    }
  else
    {
      g_autofree char *body = osais_ack_body_new (pending->token, pending->uid_text,
                                                  pending->uid_is_number);

      callback_debug ("Acknowledging uid %s", pending->uid_text);
      set_json_response (msg, SOUP_STATUS_OK, body);
    }

  osais_callback_server_guard_answering (worker, msg);
  soup_server_message_unpause (msg);
  pending_free (pending);
}

static void
apply_notification_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  osais_store_apply_notification_finish (OSAIS_STORE (source), result, &error);
  pending_complete (user_data, error);
}

/* An upload checked and in the store's hands (which keeps its own token and
 * a reference to its image); its body counts in the body budget until its
 * message goes (see the guard). */
static void
add_image_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) image = NULL;

  image = osais_store_add_image_finish (OSAIS_STORE (source), result, &error);
  pending_complete (user_data, error);
}

/* Handlers */

static gboolean
handle_notify (Worker            *worker,
               SoupServerMessage *msg,
               const char        *argument)
{
  g_autoptr(GBytes) body = osais_callback_server_guard_dup_body (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) notification = NULL;
  const char *content_type;
  Pending *pending;

  content_type = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                               "Content-Type");
  notification = osais_notification_parse (content_type, body, &error);
  if (notification == NULL)
    {
      set_error_response (msg, status_for_protocol_error (error), error->message);
      return TRUE;
    }

  callback_debug ("Notification: uid %s stage %d cycle %d",
                  notification->uid_text, notification->stage, notification->cycle);
  pending = pending_new (worker, msg, notification->token, notification->uid_text,
                         notification->uid_is_number);
  osais_store_apply_notification_async (worker->owner->store, notification, worker->cancellable,
                                        apply_notification_cb, pending);
  return FALSE;
}

static gboolean
handle_upload (Worker            *worker,
               SoupServerMessage *msg,
               const char        *argument)
{
  g_autoptr(GBytes) body = osais_callback_server_guard_dup_body (msg);
  g_autoptr(OsaisJsonUpload) upload = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type;
  const char *image_type = NULL;
  const char *token;
  guint width = 0;
  guint height = 0;
  gint64 uid = 0;
  gint64 cycle = 0;
  Pending *pending;

  content_type = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                               "Content-Type");
  upload = osais_upload_parse (content_type, body, OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY,
                               &error);
  if (upload == NULL)
    {
      set_error_response (msg, status_for_protocol_error (error), error->message);
      return TRUE;
    }

  if (upload->uid_text == NULL || !osais_protocol_parse_int64 (upload->uid_text, &uid))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, "Missing or invalid uid");
      return TRUE;
    }
  if (upload->cycle != NULL &&
      (!osais_protocol_parse_int64 (upload->cycle, &cycle) || cycle < 0 || cycle > G_MAXINT))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, "Invalid cycle");
      return TRUE;
    }
  token = upload->token != NULL ? upload->token : "0";

  if (!osais_image_check (upload->image, &image_type, &width, &height, &error))
    {
      guint status = g_error_matches (error, OSAIS_IMAGE_CHECK_ERROR,
                                      OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED)
                     ? SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE
                     : SOUP_STATUS_UNPROCESSABLE_ENTITY;

      set_error_response (msg, status, error->message);
      return TRUE;
    }

  callback_debug ("Upload: uid %s cycle %d engine %s, %s %ux%u, %zu bytes",
                  upload->uid_text, (int) cycle,
                  upload->engine != NULL ? upload->engine : "(none)",
                  image_type, width, height, g_bytes_get_size (upload->image));
  osais_callback_server_guard_drop_pages (msg);
  pending = pending_new (worker, msg, token, upload->uid_text, upload->uid_is_number);
  osais_store_add_image_async (worker->owner->store, uid, token, (int) cycle, upload->image,
                               image_type, width, height, worker->cancellable, add_image_cb,
                               pending);
  return FALSE;
}

static gboolean
handle_input (Worker            *worker,
              SoupServerMessage *msg,
              const char        *id)
{
  OsaisCallbackServer *self = worker->owner;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *content_type = NULL;
  Input *input;

  g_mutex_lock (&self->inputs_mutex);
  input = g_hash_table_lookup (self->inputs, id);
  if (input != NULL)
    {
      data = g_bytes_ref (input->data);
      content_type = g_strdup (input->content_type);
    }
  g_mutex_unlock (&self->inputs_mutex);

  if (data == NULL)
    {
      set_error_response (msg, SOUP_STATUS_NOT_FOUND, "No such input");
      return TRUE;
    }

  g_debug ("Serving input %s (%zu bytes)", id, g_bytes_get_size (data));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), data);
  return TRUE;
}

static gboolean
is_check_nonce (const char *nonce)
{
  gsize length = strlen (nonce);
  gsize i;

  if (length < OSAIS_CALLBACK_SERVER_CHECK_NONCE_MIN ||
      length > OSAIS_CALLBACK_SERVER_CHECK_NONCE_MAX)
    return FALSE;
  for (i = 0; i < length; i++)
    if (!g_ascii_isxdigit (nonce[i]))
      return FALSE;
  return TRUE;
}

/* Counts a check in the current second; FALSE once the second's share is
 * spent. The route is public through the tunnel, and each answer costs an
 * HMAC, so a flood must not turn it into work for us. */
static gboolean
take_check_slot (OsaisCallbackServer *self)
{
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;
  gboolean allowed;

  g_mutex_lock (&self->check_mutex);
  if (second != self->check_window)
    {
      self->check_window = second;
      self->check_count = 0;
    }
  allowed = self->check_count < OSAIS_CALLBACK_SERVER_CHECK_RATE;
  if (allowed)
    self->check_count++;
  g_mutex_unlock (&self->check_mutex);

  return allowed;
}

/* GET <base>check/<nonce>: the proof that the request reached this very
 * process, in the shape of a notify acknowledgement so that a checker also
 * sees what OSAIS would. It stores nothing and tells nothing but the proof. */
static gboolean
handle_check (Worker            *worker,
              SoupServerMessage *msg,
              const char        *nonce)
{
  g_autofree char *proof = NULL;
  g_autofree char *body = NULL;

  if (!take_check_slot (worker->owner))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "1");
      /* 429 Too Many Requests (RFC 6585): libsoup 3.2 has no name for it. */
      set_error_response (msg, 429, "Too many checks");
      return TRUE;
    }
  if (!is_check_nonce (nonce))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST,
                          "The nonce must be 16 to 64 hexadecimal characters");
      return TRUE;
    }

  /* Both the proof and the nonce are hex: nothing in them needs escaping. */
  proof = osais_callback_server_dup_check_proof (worker->owner, nonce);
  body = g_strdup_printf ("{\"proof\":\"%s\",\"data\":{\"token\":\"check\",\"uid\":\"%s\"}}",
                          proof, nonce);

  g_debug ("Answering a check");
  set_json_response (msg, SOUP_STATUS_OK, body);
  return TRUE;
}

/* The routes */

static const Route routes[] = {
  { "POST", "notify", FALSE, OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY, FALSE, handle_notify },
  { "POST", "upload", FALSE, OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY, TRUE, handle_upload },
  { "GET", "input/", TRUE, SMALL_MAX_BODY, FALSE, handle_input },
  { "GET", "check/", TRUE, SMALL_MAX_BODY, FALSE, handle_check },
};

const Route *
osais_callback_server_route (const Settings       *settings,
                             const char           *path,
                             const char          **argument)
{
  const char *rest;

  *argument = NULL;
  if (path == NULL || !g_str_has_prefix (path, settings->base_path))
    return NULL;
  rest = path + strlen (settings->base_path);
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (routes[i].prefix ? g_str_has_prefix (rest, routes[i].path)
                           : strcmp (rest, routes[i].path) == 0)
        {
          *argument = rest + strlen (routes[i].path);
          return &routes[i];
        }
    }
  return NULL;
}

void
osais_callback_server_handler_cb (SoupServer        *server,
                                  SoupServerMessage *msg,
                                  const char        *path,
                                  GHashTable        *query,
                                  gpointer           user_data)
{
  Worker *worker = user_data;
  const char *argument = NULL;
  const Route *route = osais_callback_server_guard_get_route (msg, &argument);
  gboolean answered = TRUE;

  if (!osais_callback_server_guard_body_done (worker, msg))
    {
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                          "Too many request bodies in flight");
    }
  else if (route == NULL)
    {
      set_error_response (msg, SOUP_STATUS_NOT_FOUND, "Not found");
    }
  else if (strcmp (soup_server_message_get_method (msg), route->method) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", route->method);
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
    }
  else
    {
      answered = route->handler (worker, msg, argument);
    }

  if (answered)
    osais_callback_server_guard_answering (worker, msg);
}
