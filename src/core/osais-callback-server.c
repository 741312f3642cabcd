/* osais-callback-server.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <gio/gnetworking.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "osais-callback-server.h"
#include "osais-http-head.h"
#include "osais-image-check.h"
#include "osais-image.h"
#include "osais-multipart.h"
#include "osais-protocol.h"
#include "osais-store.h"

/* How long the accept loop waits before retrying after accept() failed
 * (typically EMFILE): long enough not to spin, short enough to recover fast. */
#define ACCEPT_BACKOFF_MS 100
/* How many connections one wake-up of the accept loop takes at most, so that
 * a flood of connections cannot starve the connections already served. */
#define ACCEPT_BATCH 32
/* A request body on a route that takes none (404, 405, input) is bounded too. */
#define OTHER_MAX_BODY (64 * 1024)
/* After answering an over-limit request ourselves, what we read and discard
 * so that closing does not reset the connection before the client has read
 * our answer (a "lingering close", as Apache does). */
#define LINGER_MAX_BYTES (1024 * 1024)
#define LINGER_TIMEOUT_MS 2000
/* How long after shutting a timed-out connection down we wait for libsoup
 * to release it before closing it ourselves (see connection_reap_cb()). */
#define REAP_GRACE_MS 1000
/* How long stop() lets the store finish callbacks it is working on, so that
 * they are still acknowledged, before it disconnects everything. */
#define STOP_GRACE_MS 1000
/* How long stop() then waits for the cancelled store operations to return. */
#define STOP_DRAIN_TIMEOUT_MS 5000
/* The default number of server threads is the number of processors, up to
 * this: beyond it, the store's single writer thread is the limit. */
#define MAX_DEFAULT_THREADS 4
/* An upper bound for the threads property, so that a typo cannot make
 * thousands of threads. */
#define MAX_THREADS 64
/* What the fast path peeks at to read a request head, and so the largest
 * request (head and body) that it takes in one read. */
#define PEEK_SIZE (OSAIS_HTTP_HEAD_MAX_LENGTH + 8192)
/* How much more of a body the fast path reads at a time. */
#define PLAIN_BODY_STEP (64 * 1024)
/* How many ready connections one wake-up of a worker's fast path takes. */
#define PLAIN_EVENTS_BATCH 64
/* Every body the server takes is one the protocol's JSON reader takes whole. */
G_STATIC_ASSERT (OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY <= OSAIS_PROTOCOL_MAX_JSON_LENGTH);
G_STATIC_ASSERT (OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY <= OSAIS_PROTOCOL_MAX_JSON_LENGTH);

/* The Retry-After of every 503: the store answers busy while it holds as
 * many callbacks as it may for requests in flight, and those requests'
 * replies, which free it, come within seconds. */
#define RETRY_AFTER_SECONDS 5

/* One server thread: its own GMainContext and SoupServer, serving the
 * connections the accept loop hands it. Each thread touches only its own
 * worker, except for the settings and inputs of the server, the connection
 * count (atomic) and, on the first worker, the accept loop. */
typedef struct
{
  OsaisCallbackServer *self;
  guint                index;
  GThread             *thread;
  GMainContext        *context;
  GMainLoop           *loop;

  /* Worker thread only. */
  SoupServer          *server;
  GHashTable          *connections;  /* GSocketAddress* → Connection* */
  GHashTable          *lingering;    /* Linger* set */
  guint                n_pending;    /* store operations running for paused messages */
  GCancellable        *cancellable;  /* cancels those operations on stop */
  gboolean             quitting;     /* stop() began: answer what runs, take nothing new */
  gboolean             stopping;     /* connections are gone: touch no message */

  /* The fast path (see "Plain requests"). */
  GHashTable          *plain;        /* PlainConnection* set, each holding a reference */
  int                  epoll_fd;     /* its connections; -1: all go to libsoup */
  GSource             *plain_source; /* polls epoll_fd; its ready time, the first deadline */
  GQueue               header_deadlines;
  GQueue               body_deadlines;
  char                *peek_buffer;  /* PEEK_SIZE bytes */
  gint64               date_second;  /* of date_text */
  char                *date_text;
} Worker;

struct _OsaisCallbackServer
{
  GObject       parent_instance;

  OsaisStore   *store;
  char         *address;
  guint         port;
  char         *base_path;
  char         *public_url;
  guint         max_connections;
  guint         header_timeout;
  guint         body_timeout;
  guint         threads;        /* 0: as many as processors, up to MAX_DEFAULT_THREADS */

  /* Set by start(), cleared by stop(); read on the caller's thread. */
  gboolean      listening;
  guint         bound_port;
  char         *local_uri;

  Worker      **workers;
  guint         n_workers;

  /* The handshakes between the caller and the server threads: every worker
   * ready at start, the accept loop stopped at stop. */
  GMutex        start_mutex;
  GCond         start_cond;
  guint         n_started;
  gboolean      accept_stopped;

  /* The check route: a key drawn once per run, so that only this process
   * can make or verify a proof, and a one-second window counting the
   * checks answered in it, guarded by check_mutex. */
  guint8        check_key[32];
  GMutex        check_mutex;
  gint64        check_window;   /* monotonic second of the window */
  guint         check_count;

  /* Registered inputs: id → Input. Guarded by inputs_mutex. */
  GMutex        inputs_mutex;
  GHashTable   *inputs;

  /* Connections open on all workers; atomic, as every worker closes its
   * own, while only the accept loop adds. */
  gint          n_connections;

  /* The accept loop: on the first worker's thread. */
  GSocket      *listen_socket;
  GSource      *accept_source;
  GSource      *backoff_source;
  guint         next_worker;
};

G_DEFINE_FINAL_TYPE (OsaisCallbackServer, osais_callback_server, G_TYPE_OBJECT)

G_DEFINE_QUARK (osais-callback-server-error-quark, osais_callback_server_error)

enum {
  PROP_0,
  PROP_STORE,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_BASE_PATH,
  PROP_PUBLIC_URL,
  PROP_MAX_CONNECTIONS,
  PROP_HEADER_TIMEOUT,
  PROP_BODY_TIMEOUT,
  PROP_THREADS,
  PROP_LISTENING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  ROUTE_OTHER,
  ROUTE_NOTIFY,
  ROUTE_UPLOAD,
  ROUTE_INPUT,
  ROUTE_CHECK,
} Route;

typedef struct
{
  GBytes *data;
  char   *content_type;
} Input;

/* One accepted connection, keyed by the remote address object we hand to
 * libsoup: for a connection given through soup_server_accept_iostream(),
 * soup_server_message_get_socket() is NULL, while
 * soup_server_message_get_remote_address() returns that very object. It
 * lives until libsoup (or our lingering close) drops the last reference to
 * the GSocketConnection. */
typedef struct
{
  Worker              *worker;
  GSocketAddress      *remote;       /* the key */
  GSocket             *socket;       /* unowned: the connection owns it */
  GObject             *connection;   /* unowned: weakly referenced */
  GSource             *timer;
} Connection;

/* Per-message state, attached to the SoupServerMessage. */
typedef struct
{
  Route   route;
  gsize   limit;
  gsize   received;
} MessageState;

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

/* A connection we answered ourselves and are closing gracefully. */
typedef struct
{
  Worker              *worker;
  GIOStream           *stream;
  GSocket             *socket;
  GSource             *read_source;
  GSource             *timer;
  gsize                discarded;
} Linger;

static void
input_free (Input *input)
{
  g_bytes_unref (input->data);
  g_free (input->content_type);
  g_free (input);
}

/* Connections */

static void
connection_disarm (Connection *conn)
{
  if (conn->timer != NULL)
    {
      g_source_destroy (conn->timer);
      g_clear_pointer (&conn->timer, g_source_unref);
    }
}

static gboolean connection_reap_cb (gpointer user_data);

static gboolean
connection_timeout_cb (gpointer user_data)
{
  Connection *conn = user_data;

  g_debug ("Connection %p timed out: closing it", conn->socket);
  g_clear_pointer (&conn->timer, g_source_unref);
  /* Shutting the socket down (rather than closing it) keeps the descriptor
   * valid for libsoup, whose pending read then sees the end of the stream
   * and tears the connection down through its usual path. */
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);

  conn->timer = g_timeout_source_new (REAP_GRACE_MS);
  g_source_set_callback (conn->timer, connection_reap_cb, conn, NULL);
  g_source_attach (conn->timer, conn->worker->context);
  return G_SOURCE_REMOVE;
}

static void
connection_arm (Connection *conn,
                guint       seconds)
{
  connection_disarm (conn);
  if (seconds == 0)
    return;
  conn->timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (conn->timer, connection_timeout_cb, conn, NULL);
  g_source_attach (conn->timer, conn->worker->context);
}

static void
connection_free (Connection *conn)
{
  connection_disarm (conn);
  g_object_unref (conn->remote);
  g_free (conn);
}

static Connection *
lookup_connection (Worker            *worker,
                   SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (remote == NULL)
    return NULL;
  return g_hash_table_lookup (worker->connections, remote);
}

static void
arm_for_message (Worker            *worker,
                 SoupServerMessage *msg,
                 guint              seconds)
{
  Connection *conn = lookup_connection (worker, msg);

  if (conn == NULL)
    return;
  if (seconds == 0)
    connection_disarm (conn);
  else
    connection_arm (conn, seconds);
}

/* Called when the last reference to an accepted GSocketConnection goes:
 * the connection is closed, whoever closed it. */
static void
connection_gone_cb (gpointer  user_data,
                    GObject  *where_the_object_was)
{
  Connection *conn = user_data;
  Worker *worker = conn->worker;

  g_debug ("Connection %p gone", conn->socket);
  g_assert (g_atomic_int_get (&worker->self->n_connections) > 0);
  g_atomic_int_dec_and_test (&worker->self->n_connections);
  g_hash_table_remove (worker->connections, conn->remote);
}

/* libsoup 3.2 leaks a kept-alive connection given through
 * soup_server_accept_iostream() when the client closes it between requests
 * (measured: it reads the end of the stream, then neither closes the socket
 * nor releases the connection, so it would count against the cap for good).
 * It does not react to the shutdown either: such a connection is still here
 * REAP_GRACE_MS after the header timeout shut it down. Closing its stream
 * releases the descriptor; libsoup has no I/O pending on it, and any later
 * attempt fails cleanly on the closed GSocket. Its few objects stay in the
 * SoupServer until stop(). */
static gboolean
connection_reap_cb (gpointer user_data)
{
  Connection *conn = user_data;
  Worker *worker = conn->worker;

  g_debug ("Connection %p not released by libsoup: closing it", conn->socket);
  g_clear_pointer (&conn->timer, g_source_unref);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_object_weak_unref (conn->connection, connection_gone_cb, conn);
  g_atomic_int_dec_and_test (&worker->self->n_connections);
  g_hash_table_remove (worker->connections, conn->remote);
  return G_SOURCE_REMOVE;
}

/* Lingering close */

static void
linger_free (Linger *linger)
{
  if (linger->read_source != NULL)
    {
      g_source_destroy (linger->read_source);
      g_source_unref (linger->read_source);
    }
  if (linger->timer != NULL)
    {
      g_source_destroy (linger->timer);
      g_source_unref (linger->timer);
    }
  g_io_stream_close (linger->stream, NULL, NULL);
  g_object_unref (linger->stream);
  g_object_unref (linger->socket);
  g_free (linger);
}

static gboolean
linger_timeout_cb (gpointer user_data)
{
  Linger *linger = user_data;

  g_clear_pointer (&linger->timer, g_source_unref);
  g_hash_table_remove (linger->worker->lingering, linger);
  return G_SOURCE_REMOVE;
}

static gboolean
linger_read_cb (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  Linger *linger = user_data;
  g_autoptr(GError) error = NULL;
  char buffer[8192];
  gssize n;

  /* Read and discard: nothing is kept, and the amount is bounded. */
  n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, &error);
  if (n > 0)
    {
      linger->discarded += n;
      if (linger->discarded < LINGER_MAX_BYTES)
        return G_SOURCE_CONTINUE;
    }
  else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&linger->read_source, g_source_unref);
  g_hash_table_remove (linger->worker->lingering, linger);
  return G_SOURCE_REMOVE;
}

/* Takes the connection away from libsoup, answers @status with a JSON error
 * body and closes the connection, without reading the request body. */
static void
reject_and_close (Worker            *worker,
                  SoupServerMessage *msg,
                  guint              status,
                  const char        *message)
{
  g_autofree char *body = osais_error_body_new (status, message);
  g_autofree char *response = NULL;
  Connection *conn = lookup_connection (worker, msg);
  GIOStream *stream;
  GOutputStream *output;
  Linger *linger;

  g_debug ("Refusing %s %s with %u (%s) and closing",
           soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, message);

  g_assert (conn != NULL);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n"
                              "Connection: close\r\n"
                              "\r\n"
                              "%s",
                              status, soup_status_get_phrase (status), strlen (body), body);

  /* The answer is a few hundred bytes: it fits the socket's send buffer,
   * so a non-blocking write sends it whole unless the peer is gone. */
  output = g_io_stream_get_output_stream (stream);
  if (G_IS_POLLABLE_OUTPUT_STREAM (output))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output),
                                                response, strlen (response), NULL, NULL);
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);

  linger = g_new0 (Linger, 1);
  linger->worker = worker;
  linger->stream = stream;
  linger->socket = g_object_ref (conn->socket);
  linger->read_source = g_socket_create_source (linger->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                NULL);
  g_source_set_callback (linger->read_source, (GSourceFunc) G_CALLBACK (linger_read_cb),
                         linger, NULL);
  g_source_attach (linger->read_source, worker->context);
  linger->timer = g_timeout_source_new (LINGER_TIMEOUT_MS);
  g_source_set_callback (linger->timer, linger_timeout_cb, linger, NULL);
  g_source_attach (linger->timer, worker->context);
  g_hash_table_add (worker->lingering, linger);
}

/* Responses */

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    json, strlen (json));
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

static void
set_method_not_allowed (SoupServerMessage *msg,
                        const char        *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Allow", allow);
  set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
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

/* The answer to a callback once the store dealt with it: the
 * acknowledgement, echoing the uid as it came, or the error. Returns the
 * status; @body gets the JSON. */
static guint
answer_for_outcome (const GError  *error,
                    const char    *token,
                    const char    *uid_text,
                    gboolean       uid_is_number,
                    char         **body)
{
  guint status;

  if (error != NULL)
    {
      status = status_for_store_error (error);
      g_debug ("Answering uid %s with %u: %s", uid_text, status, error->message);
      *body = osais_error_body_new (status, error->message);
      return status;
    }

  g_debug ("Acknowledging uid %s", uid_text);
  *body = osais_ack_body_new (token, uid_text, uid_is_number);
  return SOUP_STATUS_OK;
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

static void
pending_complete (Pending      *pending,
                  const GError *error)
{
  Worker *worker = pending->worker;
  SoupServerMessage *msg = pending->msg;
  g_autofree char *body = NULL;
  guint status;

  /* The message may only be answered while its connection is ours: not
   * after it ended, nor once stop() has disconnected everything, nor when
   * the connection is gone (libsoup does not always say so). */
  if (pending->finished || worker->stopping || lookup_connection (worker, msg) == NULL)
    {
      g_debug ("Dropping the answer to a message whose connection is gone");
      pending_free (pending);
      return;
    }

  status = answer_for_outcome (error, pending->token, pending->uid_text,
                               pending->uid_is_number, &body);
  set_json_response (msg, status, body);
  /* RFC 9110 15.6.4: a 503 may say when to come back; OSAIS's side can
   * then retry rather than drop the callback. */
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Retry-After", G_STRINGIFY (RETRY_AFTER_SECONDS));

  /* Writing the answer is bounded like reading the body was. */
  arm_for_message (worker, msg, worker->self->body_timeout);
  soup_server_message_unpause (msg);
  pending_free (pending);
}

static void
apply_notification_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  osais_store_apply_notification_finish (OSAIS_STORE (source), result, &error);
  pending_complete (pending, error);
}

static void
add_image_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) image = NULL;

  image = osais_store_add_image_finish (OSAIS_STORE (source), result, &error);
  pending_complete (pending, error);
}

/* Routes */

static GBytes *
dup_request_body (SoupServerMessage *msg)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

static void
handle_notify (Worker            *worker,
               SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) notification = NULL;
  const char *content_type;
  Pending *pending;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      set_method_not_allowed (msg, "POST");
      return;
    }

  content_type = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                               "Content-Type");
  body = dup_request_body (msg);
  notification = osais_notification_parse (content_type, body, &error);
  if (notification == NULL)
    {
      set_error_response (msg, status_for_protocol_error (error), error->message);
      return;
    }

  g_debug ("Notification: uid %s stage %d cycle %d",
           notification->uid_text, notification->stage, notification->cycle);
  pending = pending_new (worker, msg, notification->token, notification->uid_text,
                         notification->uid_is_number);
  osais_store_apply_notification_async (worker->self->store, notification, worker->cancellable,
                                        apply_notification_cb, pending);
}

typedef struct
{
  GBytes   *data;
  char     *uid_text;
  gboolean  uid_is_number;
  char     *token;
  char     *cycle;
  char     *engine;
  char     *file_name;
} Upload;

static void
upload_clear (Upload *upload)
{
  g_clear_pointer (&upload->data, g_bytes_unref);
  g_clear_pointer (&upload->uid_text, g_free);
  g_clear_pointer (&upload->token, g_free);
  g_clear_pointer (&upload->cycle, g_free);
  g_clear_pointer (&upload->engine, g_free);
  g_clear_pointer (&upload->file_name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Upload, upload_clear)

static gboolean
read_multipart_upload (const char  *content_type,
                       GBytes      *body,
                       Upload      *upload,
                       GError     **error)
{
  g_autoptr(OsaisMultipartForm) form = NULL;

  form = osais_multipart_form_parse (content_type, body, error);
  if (form == NULL)
    return FALSE;
  if (form->file_data == NULL)
    {
      g_set_error_literal (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD,
                           "The upload has no file part");
      return FALSE;
    }

  upload->data = g_bytes_ref (form->file_data);
  upload->file_name = g_strdup (form->file_name);
  upload->uid_text = g_strdup (g_hash_table_lookup (form->fields, "uid"));
  upload->token = g_strdup (g_hash_table_lookup (form->fields, "token"));
  upload->cycle = g_strdup (g_hash_table_lookup (form->fields, "cycle"));
  upload->engine = g_strdup (g_hash_table_lookup (form->fields, "engine"));
  g_debug ("Multipart upload in field “%s”, file name “%s”",
           form->file_field_name != NULL ? form->file_field_name : "",
           form->file_name != NULL ? form->file_name : "");
  return TRUE;
}

static gboolean
read_json_upload (GBytes      *body,
                  Upload      *upload,
                  GError     **error)
{
  g_autoptr(OsaisJsonUpload) json = NULL;

  json = osais_json_upload_parse (body, OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY, error);
  if (json == NULL)
    return FALSE;

  upload->data = g_steal_pointer (&json->image);
  upload->uid_text = g_steal_pointer (&json->uid_text);
  upload->uid_is_number = json->uid_is_number;
  upload->token = g_steal_pointer (&json->token);
  upload->cycle = g_steal_pointer (&json->cycle);
  upload->engine = g_steal_pointer (&json->engine);
  return TRUE;
}

static void
handle_upload (Worker            *worker,
               SoupServerMessage *msg)
{
  g_auto(Upload) upload = { 0, };
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *full_type;
  const char *media_type;
  const char *image_type = NULL;
  guint width = 0;
  guint height = 0;
  gint64 uid = 0;
  gint64 cycle = 0;
  gboolean ok;
  Pending *pending;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      set_method_not_allowed (msg, "POST");
      return;
    }

  headers = soup_server_message_get_request_headers (msg);
  full_type = soup_message_headers_get_one (headers, "Content-Type");
  media_type = soup_message_headers_get_content_type (headers, NULL);
  body = dup_request_body (msg);

  if (g_strcmp0 (media_type, "multipart/form-data") == 0)
    ok = read_multipart_upload (full_type, body, &upload, &error);
  else if (g_strcmp0 (media_type, "application/json") == 0)
    ok = read_json_upload (body, &upload, &error);
  else
    {
      set_error_response (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                          "Uploads are multipart/form-data or application/json");
      return;
    }
  if (!ok)
    {
      set_error_response (msg, status_for_protocol_error (error), error->message);
      return;
    }

  if (upload.uid_text == NULL || !osais_protocol_parse_int64 (upload.uid_text, &uid))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, "Missing or invalid uid");
      return;
    }
  if (upload.cycle != NULL &&
      (!osais_protocol_parse_int64 (upload.cycle, &cycle) || cycle < 0 || cycle > G_MAXINT))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, "Invalid cycle");
      return;
    }
  if (upload.token == NULL)
    upload.token = g_strdup ("0");

  if (!osais_image_check (upload.data, &image_type, &width, &height, &error))
    {
      guint status = g_error_matches (error, OSAIS_IMAGE_CHECK_ERROR,
                                      OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED)
                     ? SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE
                     : SOUP_STATUS_UNPROCESSABLE_ENTITY;

      set_error_response (msg, status, error->message);
      return;
    }

  g_debug ("Upload: uid %s cycle %d engine %s, %s %ux%u, %zu bytes",
           upload.uid_text, (int) cycle, upload.engine != NULL ? upload.engine : "(none)",
           image_type, width, height, g_bytes_get_size (upload.data));
  pending = pending_new (worker, msg, upload.token, upload.uid_text, upload.uid_is_number);
  osais_store_add_image_async (worker->self->store, uid, upload.token, (int) cycle, upload.data,
                               image_type, width, height, worker->cancellable,
                               add_image_cb, pending);
}

static void
handle_input (Worker            *worker,
              SoupServerMessage *msg,
              const char        *id)
{
  OsaisCallbackServer *self = worker->self;
  g_autoptr(GBytes) data = NULL;
  g_autofree char *content_type = NULL;
  Input *input;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      set_method_not_allowed (msg, "GET");
      return;
    }

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
      return;
    }

  g_debug ("Serving input %s (%zu bytes)", id, g_bytes_get_size (data));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Type", content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), data);
  arm_for_message (worker, msg, self->body_timeout);
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
static void
handle_check (Worker            *worker,
              SoupServerMessage *msg,
              const char        *nonce)
{
  g_autofree char *proof = NULL;
  g_autofree char *body = NULL;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      set_method_not_allowed (msg, "GET");
      return;
    }
  if (!take_check_slot (worker->self))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "1");
      /* 429 Too Many Requests (RFC 6585): libsoup 3.2 has no name for it. */
      set_error_response (msg, 429, "Too many checks");
      return;
    }
  if (!is_check_nonce (nonce))
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST,
                          "The nonce must be 16 to 64 hexadecimal characters");
      return;
    }

  /* Both the proof and the nonce are hex: nothing in them needs escaping. */
  proof = osais_callback_server_dup_check_proof (worker->self, nonce);
  body = g_strdup_printf ("{\"proof\":\"%s\",\"data\":{\"token\":\"check\",\"uid\":\"%s\"}}",
                          proof, nonce);

  g_debug ("Answering a check");
  set_json_response (msg, SOUP_STATUS_OK, body);
}

/* The route of a path under the base path; @id gets the input id or the
 * check's nonce. */
static Route
route_for_path (OsaisCallbackServer  *self,
                const char           *path,
                const char          **id)
{
  const char *rest;

  *id = NULL;
  if (path == NULL || !g_str_has_prefix (path, self->base_path))
    return ROUTE_OTHER;
  rest = path + strlen (self->base_path);
  if (strcmp (rest, "notify") == 0)
    return ROUTE_NOTIFY;
  if (strcmp (rest, "upload") == 0)
    return ROUTE_UPLOAD;
  if (g_str_has_prefix (rest, "input/"))
    {
      *id = rest + strlen ("input/");
      return ROUTE_INPUT;
    }
  if (g_str_has_prefix (rest, "check/"))
    {
      *id = rest + strlen ("check/");
      return ROUTE_CHECK;
    }
  return ROUTE_OTHER;
}

static void
server_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  Worker *worker = user_data;
  const char *id;

  switch (route_for_path (worker->self, path, &id))
    {
    case ROUTE_NOTIFY:
      handle_notify (worker, msg);
      break;
    case ROUTE_UPLOAD:
      handle_upload (worker, msg);
      break;
    case ROUTE_INPUT:
      handle_input (worker, msg, id);
      break;
    case ROUTE_CHECK:
      handle_check (worker, msg, id);
      break;
    case ROUTE_OTHER:
    default:
      set_error_response (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      break;
    }
}

/* Streaming checks, before and while the body is read */

static gboolean
is_digits (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

static void
message_got_headers_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  Worker *worker = user_data;
  MessageState *state = g_object_get_data (G_OBJECT (msg), "osais-state");
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_length;
  const char *transfer_encoding;
  const char *id;
  guint64 declared = 0;

  arm_for_message (worker, msg, worker->self->body_timeout);

  state->route = route_for_path (worker->self,
                                 g_uri_get_path (soup_server_message_get_uri (msg)), &id);
  switch (state->route)
    {
    case ROUTE_NOTIFY:
      state->limit = OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY;
      break;
    case ROUTE_UPLOAD:
      state->limit = OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY;
      break;
    case ROUTE_INPUT:
    case ROUTE_CHECK:
    case ROUTE_OTHER:
    default:
      state->limit = OTHER_MAX_BODY;
      break;
    }

  /* Request smuggling: a body framed two ways, or with two lengths, is
   * read differently by different hops; refuse it and drop the connection. */
  content_length = soup_message_headers_get_list (headers, "Content-Length");
  transfer_encoding = soup_message_headers_get_list (headers, "Transfer-Encoding");
  if (content_length != NULL && transfer_encoding != NULL)
    {
      reject_and_close (worker, msg, SOUP_STATUS_BAD_REQUEST,
                        "Content-Length and Transfer-Encoding together");
      return;
    }
  if (content_length != NULL &&
      (!is_digits (content_length) ||
       !g_ascii_string_to_unsigned (content_length, 10, 0, G_MAXUINT64, &declared, NULL)))
    {
      reject_and_close (worker, msg, SOUP_STATUS_BAD_REQUEST, "Invalid or repeated Content-Length");
      return;
    }

  if (declared > state->limit)
    {
      reject_and_close (worker, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                        "The request body is too large");
      return;
    }
}

static void
message_got_chunk_cb (SoupServerMessage *msg,
                      GBytes            *chunk,
                      gpointer           user_data)
{
  Worker *worker = user_data;
  MessageState *state = g_object_get_data (G_OBJECT (msg), "osais-state");

  state->received += g_bytes_get_size (chunk);
  if (state->received > state->limit)
    reject_and_close (worker, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                      "The request body is too large");
}

static void
message_got_body_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Worker *worker = user_data;

  /* Our own work (the store) is not bounded by the client's timeouts. */
  arm_for_message (worker, msg, 0);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Worker *worker = user_data;

  /* A new request starts when a connection opens and after each response
   * on a kept-alive one: either way, the headers must come in time. */
  arm_for_message (worker, msg, worker->self->header_timeout);

  /* Every answer libsoup gives closes its connection: libsoup 3.2 leaks a
   * kept-alive connection whose client closes it between requests (see
   * connection_reap_cb()), holding its place under the cap for seconds, and
   * one handshake per callback costs nothing at OSAIS's rates. The fast
   * path keeps its own connections alive. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");

  /* The worker outlives its messages: its SoupServer goes first. */
  g_object_set_data_full (G_OBJECT (msg), "osais-state", g_new0 (MessageState, 1), g_free);
  g_signal_connect (msg, "got-headers", G_CALLBACK (message_got_headers_cb), worker);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (message_got_chunk_cb), worker);
  g_signal_connect (msg, "got-body", G_CALLBACK (message_got_body_cb), worker);
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Worker *worker = user_data;

  /* A kept-alive connection now waits for its next request, and libsoup
   * 3.2 emits "request-started" only once that request's first bytes come:
   * the header timeout bounds the idle wait too. */
  arm_for_message (worker, msg, worker->self->header_timeout);
}

/* The accept loop, on the first worker's thread */

static void start_accepting (OsaisCallbackServer *self);

static gboolean
backoff_done_cb (gpointer user_data)
{
  OsaisCallbackServer *self = user_data;

  g_clear_pointer (&self->backoff_source, g_source_unref);
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

/* A connection on its way from the accept loop to its worker. */
typedef struct
{
  Worker  *worker;
  GSocket *socket;
} Handoff;

static void
handoff_free (Handoff *handoff)
{
  /* Not served (the worker's context went away first): it no longer counts. */
  if (handoff->socket != NULL)
    {
      g_socket_close (handoff->socket, NULL);
      g_object_unref (handoff->socket);
      g_atomic_int_dec_and_test (&handoff->worker->self->n_connections);
    }
  g_free (handoff);
}

/* The connection, already counted, becomes libsoup's. */
static void
serve_with_libsoup (Worker  *worker,
                    GSocket *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;
  Connection *conn;

  connection = g_socket_connection_factory_create_connection (socket);
  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    {
      g_debug ("A connection closed before it was served");
      g_socket_close (socket, NULL);
      g_atomic_int_dec_and_test (&worker->self->n_connections);
      return;
    }

  conn = g_new0 (Connection, 1);
  conn->worker = worker;
  conn->remote = g_object_ref (remote);
  conn->socket = socket;
  conn->connection = G_OBJECT (connection);
  g_hash_table_insert (worker->connections, conn->remote, conn);
  g_object_weak_ref (G_OBJECT (connection), connection_gone_cb, conn);

  if (!soup_server_accept_iostream (worker->server, G_IO_STREAM (connection), local, remote,
                                    &error))
    {
      g_debug ("Could not serve a connection: %s", error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
}

/* Plain requests: the fast path
 *
 * Nearly every callback OSAIS makes is a small POST to …/notify with its
 * body framed by Content-Length. libsoup's per-message machinery (a
 * message object, its headers and bodies, signals and sources for every
 * step) costs far more than such a request itself, so the server takes
 * these on a path of its own: it peeks at the bytes waiting on the
 * connection, and if they start with a request head that
 * osais_http_head_parse() finds plain, for POST <base>notify with a body
 * under the limit, it reads exactly that request, hands it to the store and
 * writes the acknowledgement, on the same worker thread.
 *
 * Anything else goes to libsoup with none of its bytes consumed, since
 * they were only peeked: another route or method, a head in several
 * segments, any unusual framing. From then on libsoup serves that
 * connection, with every check of the sections above. So the fast path
 * never has to handle anything unusual, and a request that two parsers
 * could read differently never takes it. */

typedef struct _PlainConnection PlainConnection;
typedef void (*PlainHandler) (PlainConnection *conn);

struct _PlainConnection
{
  Worker      *worker;
  GSocket     *socket;
  int          fd;
  gint         ref_count;
  gboolean     closed;

  /* What the descriptor is watched for in the worker's epoll set, and
   * what then runs. With no events (while the store works) only a reset is
   * reported, and it closes the connection. */
  guint32      events;
  PlainHandler handler;

  /* The deadline of the current state, linked in the worker's queue for
   * that timeout: each queue is in deadline order, as all its entries were
   * armed with the same timeout. */
  GQueue      *deadline_queue;
  GList        deadline_link;
  gint64       deadline;

  /* A body that was not all there with its head. */
  GByteArray  *body;
  gsize        body_length;
  char        *content_type;

  /* The notification the store is working on. */
  char        *token;
  char        *uid_text;
  gboolean     uid_is_number;

  /* An answer the socket had no room for yet. */
  GString     *answer;
  gsize        answer_sent;
};

/* The worker's one source for all its plain connections. Changing a
 * GSource's descriptors or ready time wakes its context up (an eventfd
 * write and one more poll), so the connections' states are changed in the
 * epoll set instead, and the ready time moves only when the earliest
 * deadline passes. */
typedef struct
{
  GSource  source;
  Worker  *worker;
} PlainSource;

static void serve_with_libsoup (Worker  *worker,
                                GSocket *socket);
static void plain_wait_for_request (PlainConnection *conn);

static PlainConnection *
plain_ref (PlainConnection *conn)
{
  conn->ref_count++;
  return conn;
}

static void
plain_clear_request (PlainConnection *conn)
{
  g_clear_pointer (&conn->body, g_byte_array_unref);
  g_clear_pointer (&conn->content_type, g_free);
  g_clear_pointer (&conn->token, g_free);
  g_clear_pointer (&conn->uid_text, g_free);
  if (conn->answer != NULL)
    g_string_free (g_steal_pointer (&conn->answer), TRUE);
}

static void
plain_unref (PlainConnection *conn)
{
  g_assert (conn->ref_count > 0);
  if (--conn->ref_count > 0)
    return;
  g_assert (conn->deadline_queue == NULL);
  plain_clear_request (conn);
  g_clear_object (&conn->socket);
  g_free (conn);
}

static void
plain_set_deadline (PlainConnection *conn,
                    GQueue          *queue,
                    guint            seconds)
{
  PlainSource *source = (PlainSource *) conn->worker->plain_source;
  gint64 ready_time;

  if (conn->deadline_queue != NULL)
    {
      g_queue_unlink (conn->deadline_queue, &conn->deadline_link);
      conn->deadline_queue = NULL;
    }
  if (queue == NULL || seconds == 0)
    return;

  conn->deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  conn->deadline_queue = queue;
  g_queue_push_tail_link (queue, &conn->deadline_link);

  /* Only a deadline earlier than the one the source waits for moves it. */
  ready_time = g_source_get_ready_time (&source->source);
  if (ready_time < 0 || conn->deadline < ready_time)
    g_source_set_ready_time (&source->source, conn->deadline);
}

static void plain_close (PlainConnection *conn);

/* Waits for @events, then calls @handler (0 and NULL: waits for nothing);
 * closes the connection if the deadline in @queue, @seconds from now, comes
 * first (NULL: no deadline). */
static void
plain_watch (PlainConnection *conn,
             guint32          events,
             PlainHandler     handler,
             GQueue          *queue,
             guint            seconds)
{
  conn->handler = handler;
  if (events != conn->events)
    {
      struct epoll_event event = { .events = events, .data.ptr = conn };

      if (epoll_ctl (conn->worker->epoll_fd, EPOLL_CTL_MOD, conn->fd, &event) != 0)
        {
          g_debug ("Cannot watch plain connection %d: %s", conn->fd, g_strerror (errno));
          plain_close (conn);
          return;
        }
      conn->events = events;
    }
  plain_set_deadline (conn, queue, seconds);
}

/* Ends the fast path's hold on the connection: it leaves the epoll set, its
 * deadline queue and the worker's set. The caller then closes the socket
 * or hands it on. */
static void
plain_detach (PlainConnection *conn)
{
  g_assert (!conn->closed);
  conn->closed = TRUE;
  plain_set_deadline (conn, NULL, 0);
  epoll_ctl (conn->worker->epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
  /* The set's reference; the caller still holds one. */
  g_hash_table_steal (conn->worker->plain, conn);
  plain_unref (conn);
}

static void
plain_close (PlainConnection *conn)
{
  Worker *worker = conn->worker;

  if (conn->closed)
    return;
  g_debug ("Closing plain connection %d", conn->fd);
  plain_ref (conn);
  plain_detach (conn);
  g_socket_close (conn->socket, NULL);
  g_assert (g_atomic_int_get (&worker->self->n_connections) > 0);
  g_atomic_int_dec_and_test (&worker->self->n_connections);
  plain_unref (conn);
}

/* From here on libsoup serves the connection. Nothing of the request it
 * starts with was consumed. */
static void
plain_hand_over (PlainConnection *conn)
{
  g_autoptr(GSocket) socket = g_object_ref (conn->socket);
  Worker *worker = conn->worker;

  g_debug ("Handing connection %d over to libsoup", conn->fd);
  plain_ref (conn);
  plain_detach (conn);
  plain_unref (conn);
  serve_with_libsoup (worker, socket);
}

static void
plain_expire (GQueue *queue,
              gint64  now)
{
  PlainConnection *conn;

  while ((conn = g_queue_peek_head (queue)) != NULL && conn->deadline <= now)
    {
      g_debug ("Plain connection %d timed out", conn->fd);
      plain_close (conn);
    }
}

static gboolean
plain_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  Worker *worker = ((PlainSource *) source)->worker;
  struct epoll_event events[PLAIN_EVENTS_BATCH];
  PlainConnection *first;
  gint64 next = -1;
  int n;

  /* Each connection is in the batch once, and a handler closes no other. */
  n = epoll_wait (worker->epoll_fd, events, G_N_ELEMENTS (events), 0);
  for (int i = 0; i < n; i++)
    {
      PlainConnection *conn = events[i].data.ptr;

      if (conn->handler != NULL)
        {
          conn->handler (conn);
        }
      else
        {
          /* Reset or gone while the store works: nobody is left to answer. */
          g_debug ("Plain connection %d lost", conn->fd);
          plain_close (conn);
        }
    }

  if (g_source_get_ready_time (source) >= 0 &&
      g_source_get_time (source) >= g_source_get_ready_time (source))
    {
      gint64 now = g_get_monotonic_time ();

      plain_expire (&worker->header_deadlines, now);
      plain_expire (&worker->body_deadlines, now);
      if ((first = g_queue_peek_head (&worker->header_deadlines)) != NULL)
        next = first->deadline;
      if ((first = g_queue_peek_head (&worker->body_deadlines)) != NULL &&
          (next < 0 || first->deadline < next))
        next = first->deadline;
      g_source_set_ready_time (source, next);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs plain_source_funcs = {
  .dispatch = plain_source_dispatch,
};

/* The Date header, formatted as libsoup does, once a second. */
static const char *
worker_http_date (Worker *worker)
{
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;

  if (second != worker->date_second)
    {
      g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (second);

      g_free (worker->date_text);
      worker->date_text = soup_date_time_to_string (now, SOUP_DATE_HTTP);
      worker->date_second = second;
    }
  return worker->date_text;
}

/* Writes what is left of the answer; TRUE when all of it is written. */
static gboolean
plain_write_answer (PlainConnection *conn,
                    gboolean        *failed)
{
  *failed = FALSE;
  while (conn->answer_sent < conn->answer->len)
    {
      gssize n = send (conn->fd, conn->answer->str + conn->answer_sent,
                       conn->answer->len - conn->answer_sent, MSG_DONTWAIT | MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return FALSE;
      if (n <= 0)
        {
          g_debug ("Cannot answer on plain connection %d: %s", conn->fd, g_strerror (errno));
          *failed = TRUE;
          return FALSE;
        }
      conn->answer_sent += n;
    }
  g_string_free (g_steal_pointer (&conn->answer), TRUE);
  return TRUE;
}

/* The answer is written: the next request may come. */
static void
plain_answered (PlainConnection *conn)
{
  if (conn->worker->quitting)
    plain_close (conn);
  else
    plain_wait_for_request (conn);
}

static void
plain_write_more (PlainConnection *conn)
{
  gboolean failed;

  if (plain_write_answer (conn, &failed))
    plain_answered (conn);
  else if (failed)
    plain_close (conn);
}

static void
plain_answer (PlainConnection *conn,
              guint            status,
              const char      *json)
{
  gsize length = strlen (json);
  gboolean failed;

  g_assert (conn->answer == NULL);
  conn->answer = g_string_sized_new (192 + length);
  g_string_append_printf (conn->answer,
                          "HTTP/1.1 %u %s\r\n"
                          "Date: %s\r\n"
                          "Server: OSAIS-Studio\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "%s"
                          "\r\n",
                          status, soup_status_get_phrase (status),
                          worker_http_date (conn->worker), length,
                          /* As libsoup's answers say it (see pending_complete()). */
                          status == SOUP_STATUS_SERVICE_UNAVAILABLE
                          ? "Retry-After: " G_STRINGIFY (RETRY_AFTER_SECONDS) "\r\n" : "");
  g_string_append_len (conn->answer, json, length);
  conn->answer_sent = 0;

  if (plain_write_answer (conn, &failed))
    {
      plain_answered (conn);
    }
  else if (failed)
    {
      plain_close (conn);
    }
  else
    {
      /* Writing the answer is bounded like reading the body was. */
      plain_watch (conn, EPOLLOUT, plain_write_more, &conn->worker->body_deadlines,
                   conn->worker->self->body_timeout);
    }
}

static void
plain_answer_error (PlainConnection *conn,
                    guint            status,
                    const char      *message)
{
  g_autofree char *body = osais_error_body_new (status, message);

  g_debug ("Answering plain connection %d with %u: %s", conn->fd, status, message);
  plain_answer (conn, status, body);
}

static void
plain_applied_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  PlainConnection *conn = user_data;
  Worker *worker = conn->worker;
  g_autoptr(GError) error = NULL;

  osais_store_apply_notification_finish (OSAIS_STORE (source), result, &error);
  g_assert (worker->n_pending > 0);
  worker->n_pending--;

  /* The peer may have gone, or stop() have closed everything meanwhile. */
  if (!conn->closed && !worker->stopping)
    {
      g_autofree char *body = NULL;
      guint status = answer_for_outcome (error, conn->token, conn->uid_text,
                                         conn->uid_is_number, &body);

      plain_answer (conn, status, body);
    }
  plain_unref (conn);
}

/* A whole request was read: @body is its body, @content_type its header. */
static void
plain_handle_notify (PlainConnection *conn,
                     const char      *body,
                     gsize            body_length,
                     const char      *content_type)
{
  Worker *worker = conn->worker;
  g_autoptr(GBytes) bytes = g_bytes_new (body, body_length);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) notification = NULL;

  notification = osais_notification_parse (content_type, bytes, &error);
  if (notification == NULL)
    {
      plain_answer_error (conn, status_for_protocol_error (error), error->message);
      return;
    }

  g_debug ("Notification: uid %s stage %d cycle %d",
           notification->uid_text, notification->stage, notification->cycle);
  g_free (conn->token);
  conn->token = g_strdup (notification->token);
  g_free (conn->uid_text);
  conn->uid_text = g_strdup (notification->uid_text);
  conn->uid_is_number = notification->uid_is_number;

  /* Nothing more is read from the connection until the answer is written:
   * a pipelined request waits in the socket. The store's own work is not
   * bounded by the client's timeouts. */
  plain_watch (conn, 0, NULL, NULL, 0);
  if (conn->closed)
    return;
  worker->n_pending++;
  osais_store_apply_notification_async (worker->self->store, notification, worker->cancellable,
                                        plain_applied_cb, plain_ref (conn));
}

static void
plain_read_body (PlainConnection *conn)
{
  /* The buffer grows with what arrives, not with what the head announced:
   * a client announcing 1 MiB and sending nothing holds no 1 MiB. */
  gsize wanted = MIN (conn->body_length - conn->body->len, PLAIN_BODY_STEP);
  gsize old_length = conn->body->len;
  gssize n;

  g_byte_array_set_size (conn->body, old_length + wanted);
  n = recv (conn->fd, conn->body->data + old_length, wanted, MSG_DONTWAIT);
  g_byte_array_set_size (conn->body, old_length + MAX (n, 0));

  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n <= 0)
    {
      g_debug ("Plain connection %d ended in a body", conn->fd);
      plain_close (conn);
      return;
    }

  if (conn->body->len == conn->body_length)
    {
      g_autoptr(GByteArray) body = g_steal_pointer (&conn->body);
      g_autofree char *content_type = g_steal_pointer (&conn->content_type);

      plain_handle_notify (conn, (const char *) body->data, body->len, content_type);
    }
}

/* Whether @head is a request the fast path takes. */
static gboolean
plain_takes (Worker              *worker,
             const OsaisHttpHead *head)
{
  const char *base_path = worker->self->base_path;
  gsize base_length = strlen (base_path);

  return head->method_length == 4 && memcmp (head->method, "POST", 4) == 0 &&
         head->target_length == base_length + strlen ("notify") &&
         memcmp (head->target, base_path, base_length) == 0 &&
         memcmp (head->target + base_length, "notify", strlen ("notify")) == 0 &&
         head->content_length <= OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY;
}

static void
plain_read_head (PlainConnection *conn)
{
  Worker *worker = conn->worker;
  char *data = worker->peek_buffer;
  g_autofree char *content_type = NULL;
  OsaisHttpHead head;
  gsize total;
  gssize n;

  n = recv (conn->fd, data, PEEK_SIZE, MSG_DONTWAIT | MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  /* Once stop() began, no new request starts. */
  if (n <= 0 || worker->quitting)
    {
      /* The client closed a kept-alive connection, as it may. */
      plain_close (conn);
      return;
    }

  /* A head in several segments is rare; peeking again at it would spin on
   * bytes already seen, so libsoup, which reads them, takes it. */
  if (osais_http_head_parse (data, n, &head) != OSAIS_HTTP_HEAD_PLAIN ||
      !plain_takes (worker, &head))
    {
      plain_hand_over (conn);
      return;
    }

  if (head.content_type != NULL)
    content_type = g_strndup (head.content_type, head.content_type_length);

  /* Only this request is consumed: a pipelined one stays in the socket. */
  total = head.head_length + head.content_length;
  if (total > (gsize) n)
    total = n;
  n = recv (conn->fd, data, total, MSG_DONTWAIT);
  if (n != (gssize) total)
    {
      g_debug ("Plain connection %d: cannot read what was peeked", conn->fd);
      plain_close (conn);
      return;
    }

  if (total == head.head_length + head.content_length)
    {
      plain_handle_notify (conn, data + head.head_length, head.content_length, content_type);
      return;
    }

  /* The rest of the body is on its way. */
  conn->body_length = head.content_length;
  conn->body = g_byte_array_sized_new (MIN (head.content_length, PLAIN_BODY_STEP));
  g_byte_array_append (conn->body, (const guint8 *) data + head.head_length,
                       total - head.head_length);
  conn->content_type = g_steal_pointer (&content_type);
  plain_watch (conn, EPOLLIN, plain_read_body, &worker->body_deadlines,
               worker->self->body_timeout);
}

static void
plain_wait_for_request (PlainConnection *conn)
{
  plain_clear_request (conn);
  /* Like libsoup's connections: the header timeout bounds the idle wait of
   * a kept-alive connection and the arrival of the head. */
  plain_watch (conn, EPOLLIN, plain_read_head, &conn->worker->header_deadlines,
               conn->worker->self->header_timeout);
}

static void
plain_serve (Worker  *worker,
             GSocket *socket)
{
  PlainConnection *conn;
  struct epoll_event event = { .events = EPOLLIN };

  conn = g_new0 (PlainConnection, 1);
  conn->worker = worker;
  conn->socket = g_object_ref (socket);
  conn->fd = g_socket_get_fd (socket);
  conn->ref_count = 1;
  conn->deadline_link.data = conn;

  event.data.ptr = conn;
  if (worker->epoll_fd < 0 || epoll_ctl (worker->epoll_fd, EPOLL_CTL_ADD, conn->fd, &event) != 0)
    {
      /* libsoup serves it all the same, only slower. */
      g_debug ("No fast path for connection %d: %s", conn->fd, g_strerror (errno));
      g_object_unref (conn->socket);
      g_free (conn);
      serve_with_libsoup (worker, socket);
      return;
    }
  conn->events = EPOLLIN;
  g_hash_table_add (worker->plain, conn);
  plain_wait_for_request (conn);
}

static void
plain_start (Worker *worker)
{
  worker->plain = g_hash_table_new (NULL, NULL);
  worker->peek_buffer = g_malloc (PEEK_SIZE);
  worker->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (worker->epoll_fd < 0)
    {
      g_debug ("No fast path: epoll_create1: %s", g_strerror (errno));
      return;
    }
  worker->plain_source = g_source_new (&plain_source_funcs, sizeof (PlainSource));
  ((PlainSource *) worker->plain_source)->worker = worker;
  g_source_set_name (worker->plain_source, "OsaisCallbackServer plain connections");
  g_source_add_unix_fd (worker->plain_source, worker->epoll_fd, G_IO_IN);
  g_source_attach (worker->plain_source, worker->context);
}

static void
plain_finish (Worker *worker)
{
  g_assert (g_hash_table_size (worker->plain) == 0);
  if (worker->plain_source != NULL)
    {
      g_source_destroy (worker->plain_source);
      g_clear_pointer (&worker->plain_source, g_source_unref);
    }
  if (worker->epoll_fd >= 0)
    close (worker->epoll_fd);
  worker->epoll_fd = -1;
  g_clear_pointer (&worker->plain, g_hash_table_unref);
  g_clear_pointer (&worker->peek_buffer, g_free);
  g_clear_pointer (&worker->date_text, g_free);
}

/* Closes every connection of the fast path, at stop. */
static void
plain_close_all (Worker *worker)
{
  GList *all = g_hash_table_get_keys (worker->plain);

  for (GList *l = all; l != NULL; l = l->next)
    plain_close (l->data);
  g_list_free (all);
}

/* On the worker's thread: the connection starts on the fast path. */
static gboolean
serve_socket_cb (gpointer user_data)
{
  Handoff *handoff = user_data;
  g_autoptr(GSocket) socket = g_steal_pointer (&handoff->socket);

  plain_serve (handoff->worker, socket);
  return G_SOURCE_REMOVE;
}

static void
serve_socket (OsaisCallbackServer *self,
              GSocket             *socket)
{
  Handoff *handoff;

  /* Only this loop adds connections, so the count cannot pass the cap
   * between the test and the increment; workers only take away. */
  if ((guint) g_atomic_int_get (&self->n_connections) >= self->max_connections)
    {
      g_debug ("Connection cap (%u) reached: closing a new connection", self->max_connections);
      g_socket_close (socket, NULL);
      return;
    }
  g_atomic_int_inc (&self->n_connections);

  /* Acknowledgements are small and latency matters more than packet count. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  /* Round-robin: each worker gets its share of the connections, and a
   * kept-alive connection stays on its worker for its whole life. */
  handoff = g_new0 (Handoff, 1);
  handoff->worker = self->workers[self->next_worker];
  handoff->socket = g_object_ref (socket);
  self->next_worker = (self->next_worker + 1) % self->n_workers;
  g_main_context_invoke_full (handoff->worker->context, G_PRIORITY_DEFAULT,
                              serve_socket_cb, handoff, (GDestroyNotify) handoff_free);
}

static gboolean
accept_cb (GSocket      *listen_socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  OsaisCallbackServer *self = user_data;
  guint i;

  for (i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listen_socket, NULL, &error);

      if (socket != NULL)
        {
          serve_socket (self, socket);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;

      /* EMFILE, ENFILE, ENOBUFS…: the pending connection stays queued. Stop
       * watching the socket, which would wake us at once again, and retry
       * after a pause; this keeps the listener alive without spinning. */
      g_debug ("accept() failed, retrying in %d ms: %s", ACCEPT_BACKOFF_MS, error->message);
      g_clear_pointer (&self->accept_source, g_source_unref);
      self->backoff_source = g_timeout_source_new (ACCEPT_BACKOFF_MS);
      g_source_set_callback (self->backoff_source, backoff_done_cb, self, NULL);
      g_source_attach (self->backoff_source, self->workers[0]->context);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
start_accepting (OsaisCallbackServer *self)
{
  g_assert (self->accept_source == NULL);
  self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) G_CALLBACK (accept_cb), self, NULL);
  g_source_attach (self->accept_source, self->workers[0]->context);
}

static gboolean
stop_accepting_cb (gpointer user_data)
{
  OsaisCallbackServer *self = user_data;

  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->backoff_source != NULL)
    {
      g_source_destroy (self->backoff_source);
      g_clear_pointer (&self->backoff_source, g_source_unref);
    }
  g_socket_close (self->listen_socket, NULL);

  g_mutex_lock (&self->start_mutex);
  self->accept_stopped = TRUE;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->start_mutex);
  return G_SOURCE_REMOVE;
}

/* The server threads */

/* libsoup 3.2 keeps a connection open after a response only when the
 * SoupServer has a listener of its own: request_finished() tests
 * priv->listeners. Ours has none, as the accept loop above hands each
 * connection over with soup_server_accept_iostream(), so every response
 * would be followed by a close (without a "Connection: close" header) and
 * every callback would pay for a new TCP connection. This gives libsoup a
 * listener that nothing can reach: an AF_UNIX socket bound in a private
 * folder (mode 0700), listening, then unlinked along with its folder. The
 * header timeout, re-armed for each request, still closes idle kept-alive
 * connections, and they still count against the connection cap. Without it
 * the server works, only without keep-alive, so a failure is not fatal. */
static void
add_keepalive_listener (SoupServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  dir = g_dir_make_tmp ("osais-callback-XXXXXX", &error);
  if (dir == NULL)
    goto out;
  path = g_build_filename (dir, "keepalive", NULL);
  address = g_unix_socket_address_new (path);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (socket != NULL &&
      g_socket_bind (socket, address, FALSE, &error) &&
      g_socket_listen (socket, &error))
    soup_server_listen_socket (server, socket, 0, &error);
  g_unlink (path);
  g_rmdir (dir);

out:
  if (error != NULL)
    g_debug ("No keep-alive: cannot make libsoup's listener: %s", error->message);
}

static GSocket *
listen_on (OsaisCallbackServer  *self,
           guint                *bound_port,
           GError              **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;

  inet = g_inet_address_new_from_string (self->address);
  if (inet == NULL)
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      GList *addresses;

      addresses = g_resolver_lookup_by_name (resolver, self->address, NULL, &local_error);
      if (addresses == NULL)
        {
          g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_INVALID,
                       "Cannot resolve “%s”: %s", self->address, local_error->message);
          return NULL;
        }
      inet = g_object_ref (addresses->data);
      g_resolver_free_addresses (addresses);
    }

  address = g_inet_socket_address_new (inet, self->port);
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket != NULL)
    {
      g_socket_set_blocking (socket, FALSE);
      g_socket_set_listen_backlog (socket, 128);
    }
  if (socket == NULL ||
      !g_socket_bind (socket, address, TRUE, &local_error) ||
      !g_socket_listen (socket, &local_error) ||
      (bound = g_socket_get_local_address (socket, &local_error)) == NULL)
    {
      g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_LISTEN,
                   "Cannot listen on %s port %u: %s", self->address, self->port,
                   local_error->message);
      return NULL;
    }

  *bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the worker's context until no store operation is running for a
 * paused message, or @timeout_ms passed. */
static void
drain_pending (Worker *worker,
               guint   timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timer;

  timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timer, drain_timeout_cb, &timed_out, NULL);
  g_source_attach (timer, worker->context);
  while (worker->n_pending > 0 && !timed_out)
    g_main_context_iteration (worker->context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
}

static gpointer
worker_thread (gpointer user_data)
{
  Worker *worker = user_data;
  OsaisCallbackServer *self = worker->self;
  GHashTableIter iter;
  gpointer value;

  g_main_context_push_thread_default (worker->context);

  worker->server = soup_server_new ("server-header", "OSAIS-Studio", NULL);
  soup_server_add_handler (worker->server, NULL, server_handler_cb, worker, NULL);
  g_signal_connect (worker->server, "request-started", G_CALLBACK (request_started_cb), worker);
  g_signal_connect (worker->server, "request-finished", G_CALLBACK (request_finished_cb), worker);
  add_keepalive_listener (worker->server);
  worker->connections = g_hash_table_new_full (NULL, NULL, NULL,
                                               (GDestroyNotify) connection_free);
  worker->lingering = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) linger_free, NULL);
  plain_start (worker);
  if (worker->index == 0)
    start_accepting (self);

  g_mutex_lock (&self->start_mutex);
  self->n_started++;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->start_mutex);

  g_main_loop_run (worker->loop);

  /* No new connection comes in now. Callbacks the store is finishing still
   * get their acknowledgement (the small answers are written at once). */
  drain_pending (worker, STOP_GRACE_MS);
  while (g_main_context_iteration (worker->context, FALSE))
    ;

  /* Then everything is cut off; the store's callbacks for what is left must
   * not run after this thread is gone, so wait for them: their messages are
   * only released. */
  worker->stopping = TRUE;
  g_cancellable_cancel (worker->cancellable);
  soup_server_disconnect (worker->server);
  plain_close_all (worker);
  drain_pending (worker, STOP_DRAIN_TIMEOUT_MS);

  g_clear_object (&worker->server);
  g_hash_table_remove_all (worker->lingering);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_clear_pointer (&worker->lingering, g_hash_table_unref);
  plain_finish (worker);
  /* A connection still referenced somewhere must not call back into a table
   * that is gone; stop() resets the count once every worker is done. */
  g_hash_table_iter_init (&iter, worker->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *conn = value;

      g_object_weak_unref (conn->connection, connection_gone_cb, conn);
    }
  g_clear_pointer (&worker->connections, g_hash_table_unref);

  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static gboolean
quit_worker_cb (gpointer user_data)
{
  Worker *worker = user_data;

  worker->quitting = TRUE;
  g_main_loop_quit (worker->loop);
  return G_SOURCE_REMOVE;
}

static void
worker_free (Worker *worker)
{
  g_assert (worker->thread == NULL);
  g_clear_pointer (&worker->loop, g_main_loop_unref);
  g_clear_pointer (&worker->context, g_main_context_unref);
  g_clear_object (&worker->cancellable);
  g_free (worker);
}

static guint
default_threads (void)
{
  return CLAMP (g_get_num_processors (), 1, MAX_DEFAULT_THREADS);
}

/* Public API */

gboolean
osais_callback_server_start (OsaisCallbackServer  *self,
                             GError              **error)
{
  guint bound_port = 0;
  GString *uri;
  guint i;

  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), FALSE);
  g_return_val_if_fail (self->workers == NULL, FALSE);

  if (self->store == NULL)
    {
      g_set_error_literal (error, OSAIS_CALLBACK_SERVER_ERROR,
                           OSAIS_CALLBACK_SERVER_ERROR_INVALID, "The server has no store");
      return FALSE;
    }
  if (self->port > G_MAXUINT16)
    {
      g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_INVALID,
                   "Invalid port %u", self->port);
      return FALSE;
    }
  if (self->max_connections == 0)
    {
      g_set_error_literal (error, OSAIS_CALLBACK_SERVER_ERROR,
                           OSAIS_CALLBACK_SERVER_ERROR_INVALID, "max-connections is 0");
      return FALSE;
    }

  /* Binding here, before any thread exists, reports a taken port plainly. */
  self->listen_socket = listen_on (self, &bound_port, error);
  if (self->listen_socket == NULL)
    return FALSE;

  self->bound_port = bound_port;
  self->n_started = 0;
  self->accept_stopped = FALSE;
  self->next_worker = 0;
  g_atomic_int_set (&self->n_connections, 0);

  /* Every worker exists before any thread runs: the accept loop may hand a
   * connection to a worker whose thread has not started yet (it is served
   * once that thread iterates its context). */
  self->n_workers = self->threads != 0 ? self->threads : default_threads ();
  self->workers = g_new0 (Worker *, self->n_workers);
  for (i = 0; i < self->n_workers; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->self = self;
      worker->index = i;
      worker->context = g_main_context_new ();
      worker->loop = g_main_loop_new (worker->context, FALSE);
      worker->cancellable = g_cancellable_new ();
      self->workers[i] = worker;
    }
  for (i = 0; i < self->n_workers; i++)
    {
      g_autofree char *name = g_strdup_printf ("osais-callback%u", i);

      self->workers[i]->thread = g_thread_new (name, worker_thread, self->workers[i]);
    }

  g_mutex_lock (&self->start_mutex);
  while (self->n_started < self->n_workers)
    g_cond_wait (&self->start_cond, &self->start_mutex);
  g_mutex_unlock (&self->start_mutex);

  uri = g_string_new ("http://");
  if (strchr (self->address, ':') != NULL)
    g_string_append_printf (uri, "[%s]", self->address);
  else
    g_string_append (uri, self->address);
  g_string_append_printf (uri, ":%u%s", self->bound_port, self->base_path);
  g_free (self->local_uri);
  self->local_uri = g_string_free (uri, FALSE);

  g_debug ("Listening on %s with %u threads", self->local_uri, self->n_workers);
  self->listening = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  return TRUE;
}

void
osais_callback_server_stop (OsaisCallbackServer *self)
{
  guint i;

  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (self));

  if (self->workers == NULL)
    return;

  /* The accept loop stops first, so that no connection is handed to a
   * worker after it was told to stop: the hand-overs already queued on a
   * worker's context run before its quit, which is queued after them. */
  g_main_context_invoke (self->workers[0]->context, stop_accepting_cb, self);
  g_mutex_lock (&self->start_mutex);
  while (!self->accept_stopped)
    g_cond_wait (&self->start_cond, &self->start_mutex);
  g_mutex_unlock (&self->start_mutex);

  /* The workers wind down in parallel, each with its own grace period. */
  for (i = 0; i < self->n_workers; i++)
    g_main_context_invoke (self->workers[i]->context, quit_worker_cb, self->workers[i]);
  for (i = 0; i < self->n_workers; i++)
    g_thread_join (g_steal_pointer (&self->workers[i]->thread));
  for (i = 0; i < self->n_workers; i++)
    worker_free (self->workers[i]);
  g_clear_pointer (&self->workers, g_free);
  self->n_workers = 0;
  g_atomic_int_set (&self->n_connections, 0);
  g_clear_object (&self->listen_socket);
  g_clear_pointer (&self->local_uri, g_free);
  self->bound_port = 0;

  g_debug ("Stopped");
  self->listening = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
}

gboolean
osais_callback_server_get_listening (OsaisCallbackServer *self)
{
  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), FALSE);

  return self->listening;
}

char *
osais_callback_server_dup_local_uri (OsaisCallbackServer *self)
{
  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), NULL);

  return g_strdup (self->local_uri);
}

char *
osais_callback_server_dup_public_uri (OsaisCallbackServer *self)
{
  char *uri;

  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), NULL);

  g_mutex_lock (&self->inputs_mutex);
  uri = g_strdup (self->public_url != NULL ? self->public_url : self->local_uri);
  g_mutex_unlock (&self->inputs_mutex);
  return uri;
}

guint
osais_callback_server_get_bound_port (OsaisCallbackServer *self)
{
  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), 0);

  return self->bound_port;
}

/* Bytes from the kernel's CSPRNG: an input's id is its only protection,
 * and the check key must not be guessable. */
static void
read_random (guint8 *bytes,
             gsize   length)
{
  gsize done = 0;
  int fd;

  fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    g_error ("Cannot open /dev/urandom: %s", g_strerror (errno));
  while (done < length)
    {
      gssize n = read (fd, bytes + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("Cannot read /dev/urandom: %s", g_strerror (errno));
      done += n;
    }
  close (fd);
}

/* 128 random bits in hex. */
static char *
new_input_id (void)
{
  guint8 bytes[16];
  GString *id;
  gsize i;

  read_random (bytes, sizeof bytes);
  id = g_string_sized_new (2 * sizeof bytes);
  for (i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  return g_string_free (id, FALSE);
}

char *
osais_callback_server_dup_check_proof (OsaisCallbackServer *self,
                                       const char          *nonce)
{
  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  /* The key is written once in init and only read after: no lock. */
  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, self->check_key, sizeof self->check_key,
                                    nonce, -1);
}

char *
osais_callback_server_register_input (OsaisCallbackServer  *self,
                                      GBytes               *data,
                                      const char           *content_type,
                                      char                **out_id)
{
  g_autofree char *public_uri = NULL;
  g_autofree char *id = NULL;
  Input *input;

  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  id = new_input_id ();
  input = g_new0 (Input, 1);
  input->data = g_bytes_ref (data);
  input->content_type = g_strdup (content_type != NULL ? content_type
                                                       : "application/octet-stream");

  public_uri = osais_callback_server_dup_public_uri (self);
  g_mutex_lock (&self->inputs_mutex);
  g_hash_table_insert (self->inputs, g_strdup (id), input);
  g_mutex_unlock (&self->inputs_mutex);

  g_debug ("Registered input %s (%zu bytes)", id, g_bytes_get_size (data));
  if (out_id != NULL)
    *out_id = g_strdup (id);
  return g_strdup_printf ("%sinput/%s", public_uri != NULL ? public_uri : "/", id);
}

void
osais_callback_server_unregister_input (OsaisCallbackServer *self,
                                        const char          *id)
{
  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (self));
  g_return_if_fail (id != NULL);

  g_mutex_lock (&self->inputs_mutex);
  g_hash_table_remove (self->inputs, id);
  g_mutex_unlock (&self->inputs_mutex);
}

gboolean
osais_parse_listen_address (const char  *text,
                            char       **host,
                            guint       *port,
                            GError     **error)
{
  g_autofree char *host_part = NULL;
  const char *port_part;
  const char *colon;
  guint64 value;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end[1] != ':')
        goto invalid;
      host_part = g_strndup (text + 1, end - text - 1);
      port_part = end + 2;
      if (!g_hostname_is_ip_address (host_part) || strchr (host_part, ':') == NULL)
        goto invalid;
    }
  else if ((colon = strrchr (text, ':')) != NULL)
    {
      /* A bare IPv6 address is ambiguous with its port: brackets are required. */
      if (strchr (text, ':') != colon)
        goto invalid;
      if (colon != text)
        host_part = g_strndup (text, colon - text);
      port_part = colon + 1;
    }
  else
    {
      port_part = text;
    }

  if (!is_digits (port_part) ||
      !g_ascii_string_to_unsigned (port_part, 10, 0, G_MAXUINT16, &value, NULL))
    goto invalid;

  if (host != NULL)
    *host = host_part != NULL ? g_steal_pointer (&host_part)
                              : g_strdup (OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS);
  if (port != NULL)
    *port = (guint) value;
  return TRUE;

invalid:
  g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_INVALID,
               "Invalid listen address “%s” (expected HOST:PORT, [IPv6]:PORT or PORT)", text);
  return FALSE;
}

/* GObject */

static void
set_string (OsaisCallbackServer  *self,
            char                **field,
            const char           *value,
            int                   prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_uint (OsaisCallbackServer *self,
          guint               *field,
          guint                value,
          int                  prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_base_path (OsaisCallbackServer *self,
               const char          *value)
{
  g_autofree char *normalized = NULL;

  /* The routes are appended to the base path: it starts and ends with "/". */
  if (value == NULL || *value == '\0')
    value = "/";
  normalized = g_strconcat (value[0] == '/' ? "" : "/", value,
                            g_str_has_suffix (value, "/") ? "" : "/", NULL);
  set_string (self, &self->base_path, normalized, PROP_BASE_PATH);
}

static void
set_public_url (OsaisCallbackServer *self,
                const char          *value)
{
  g_autofree char *normalized = NULL;

  /* Routes are appended to it, so it ends in "/". */
  if (value != NULL && *value != '\0')
    normalized = g_str_has_suffix (value, "/") ? g_strdup (value) : g_strconcat (value, "/", NULL);

  if (g_strcmp0 (self->public_url, normalized) == 0)
    return;

  /* register_input() may read it from another thread. */
  g_mutex_lock (&self->inputs_mutex);
  g_free (self->public_url);
  self->public_url = g_steal_pointer (&normalized);
  g_mutex_unlock (&self->inputs_mutex);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PUBLIC_URL]);
}

static void
osais_callback_server_dispose (GObject *object)
{
  OsaisCallbackServer *self = OSAIS_CALLBACK_SERVER (object);

  osais_callback_server_stop (self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (osais_callback_server_parent_class)->dispose (object);
}

static void
osais_callback_server_finalize (GObject *object)
{
  OsaisCallbackServer *self = OSAIS_CALLBACK_SERVER (object);

  g_free (self->address);
  g_free (self->base_path);
  g_free (self->public_url);
  g_free (self->local_uri);
  g_clear_pointer (&self->inputs, g_hash_table_unref);
  g_mutex_clear (&self->inputs_mutex);
  g_mutex_clear (&self->check_mutex);
  g_mutex_clear (&self->start_mutex);
  g_cond_clear (&self->start_cond);

  G_OBJECT_CLASS (osais_callback_server_parent_class)->finalize (object);
}

static void
osais_callback_server_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  OsaisCallbackServer *self = OSAIS_CALLBACK_SERVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_BASE_PATH:
      g_value_set_string (value, self->base_path);
      break;
    case PROP_PUBLIC_URL:
      g_mutex_lock (&self->inputs_mutex);
      g_value_set_string (value, self->public_url);
      g_mutex_unlock (&self->inputs_mutex);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_HEADER_TIMEOUT:
      g_value_set_uint (value, self->header_timeout);
      break;
    case PROP_BODY_TIMEOUT:
      g_value_set_uint (value, self->body_timeout);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_LISTENING:
      g_value_set_boolean (value, self->listening);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_callback_server_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  OsaisCallbackServer *self = OSAIS_CALLBACK_SERVER (object);

  /* Settings are read by the server thread: they take effect at start. */
  if (prop_id != PROP_STORE && prop_id != PROP_PUBLIC_URL && self->workers != NULL)
    {
      g_critical ("OsaisCallbackServer: “%s” cannot change while the server runs",
                  g_param_spec_get_name (pspec));
      return;
    }

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_ADDRESS:
      set_string (self, &self->address,
                  g_value_get_string (value) != NULL ? g_value_get_string (value)
                                                     : OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS,
                  PROP_ADDRESS);
      break;
    case PROP_PORT:
      set_uint (self, &self->port, g_value_get_uint (value), PROP_PORT);
      break;
    case PROP_BASE_PATH:
      set_base_path (self, g_value_get_string (value));
      break;
    case PROP_PUBLIC_URL:
      set_public_url (self, g_value_get_string (value));
      break;
    case PROP_MAX_CONNECTIONS:
      set_uint (self, &self->max_connections, g_value_get_uint (value), PROP_MAX_CONNECTIONS);
      break;
    case PROP_HEADER_TIMEOUT:
      set_uint (self, &self->header_timeout, g_value_get_uint (value), PROP_HEADER_TIMEOUT);
      break;
    case PROP_BODY_TIMEOUT:
      set_uint (self, &self->body_timeout, g_value_get_uint (value), PROP_BODY_TIMEOUT);
      break;
    case PROP_THREADS:
      set_uint (self, &self->threads, g_value_get_uint (value), PROP_THREADS);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_callback_server_class_init (OsaisCallbackServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_callback_server_dispose;
  object_class->finalize = osais_callback_server_finalize;
  object_class->get_property = osais_callback_server_get_property;
  object_class->set_property = osais_callback_server_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         OSAIS_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL,
                         OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, OSAIS_CALLBACK_SERVER_DEFAULT_PORT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BASE_PATH] =
    g_param_spec_string ("base-path", NULL, NULL,
                         "/",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Ends in "/": one is added when missing. */
  properties[PROP_PUBLIC_URL] =
    g_param_spec_string ("public-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       1, G_MAXUINT, OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* 0 disables a timeout. */
  properties[PROP_HEADER_TIMEOUT] =
    g_param_spec_uint ("header-timeout", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_HEADER_TIMEOUT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BODY_TIMEOUT] =
    g_param_spec_uint ("body-timeout", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_BODY_TIMEOUT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* 0: one per processor, up to MAX_DEFAULT_THREADS. */
  properties[PROP_THREADS] =
    g_param_spec_uint ("threads", NULL, NULL,
                       0, MAX_THREADS, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LISTENING] =
    g_param_spec_boolean ("listening", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_callback_server_init (OsaisCallbackServer *self)
{
  self->address = g_strdup (OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS);
  self->port = OSAIS_CALLBACK_SERVER_DEFAULT_PORT;
  self->base_path = g_strdup ("/");
  self->max_connections = OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS;
  self->header_timeout = OSAIS_CALLBACK_SERVER_HEADER_TIMEOUT;
  self->body_timeout = OSAIS_CALLBACK_SERVER_BODY_TIMEOUT;
  g_mutex_init (&self->start_mutex);
  g_cond_init (&self->start_cond);
  g_mutex_init (&self->inputs_mutex);
  g_mutex_init (&self->check_mutex);
  read_random (self->check_key, sizeof self->check_key);
  self->inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) input_free);
}

OsaisCallbackServer *
osais_callback_server_new (OsaisStore *store)
{
  g_return_val_if_fail (OSAIS_IS_STORE (store), NULL);

  return g_object_new (OSAIS_TYPE_CALLBACK_SERVER, "store", store, NULL);
}
