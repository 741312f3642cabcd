/* osais-callback-server-guard.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What libsoup's server does not do for a server facing the internet, done
 * around it through its public API only: the connection cap (evicting the
 * slowest incomplete connection rather than refusing a newcomer), the header
 * and body timeouts and a minimum body rate (per-worker deadline queues, one
 * timer source per worker), the early 413, refusing ambiguous framing, a
 * memory budget for request bodies across all workers (bodies read into
 * memory, and uploads mapped from their temporary file once whole), and
 * streaming large uploads to a temporary file.
 *
 * Connections are kept alive, through public API: libsoup keeps one only
 * for a server with a listener of its own (ours has none: the guard
 * accepts, so that it counts and caps connections before libsoup makes any
 * object for them), so once an answer is written ("wrote-body", where
 * libsoup documents that a connection may be stolen) the guard takes the
 * connection back with soup_server_message_steal_connection(), keeps it
 * until its next request comes (parked: see connection_park()), and gives
 * it to libsoup again with soup_server_accept_iostream(), as a new
 * connection in its head phase. A new connection per callback cost each
 * callback a TCP handshake and teardown, and the client (OSAIS's express,
 * or a load generator) as much again. An error answer, a client that says "close",
 * a stopping server and the KEEPALIVE_MAX_REQUESTS-th request close the
 * connection after the answer. So a connection's life is, for each of its
 * requests: the head (header timeout: also how long an idle kept-alive
 * connection is kept, and the first evicted at the cap), the body (body
 * timeout and minimum rate), our work (no client timeout), the answer
 * (body timeout).
 *
 * Over 1,200 lines on purpose: that life is one state machine over one
 * Connection and its MessageState, written in the order a connection lives
 * it (admitted or evicting another, its deadlines, its head, its body read
 * against the budget, its answer, kept alive or lingering, forgotten). Each
 * phase's handler sets the next phase's deadline, cuts or forgets the
 * connection, and gives bytes back to the budget; cut by concern, the
 * deadline queues, the cap and the body budget would each name the others'
 * steps in the private header, and the machine could no longer be read top
 * to bottom. What is not the machine lives apart: the routes in
 * osais-callback-server-routes.c; the buffers bodies are read into in
 * osais-callback-server-body-pool.c; the server's object, its accept loop
 * and its threads in osais-callback-server.c.
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "osais-callback-server-answer-stream.h"
#include "osais-callback-server-private.h"
#include "osais-protocol.h"

/* A request body on a route that takes none (404, 405, input) is bounded too. */
#define OTHER_MAX_BODY (64 * 1024)
/* After answering a request ourselves before its body was read, what we
 * read and discard so that closing does not reset the connection before
 * the client has read our answer (a "lingering close", as Apache does). */
#define LINGER_MAX_BYTES (1024 * 1024)
#define LINGER_TIMEOUT_MS 2000
/* Descriptors kept for everything but connections (the store, its files,
 * the app's own) when the default cap follows the limit on descriptors. */
#define RESERVED_DESCRIPTORS 256
/* Requests on one kept-alive connection before its answer closes it (as
 * nginx's keepalive_requests): bytes libsoup read ahead of an answer (a
 * pipelining client) stay in the stream it read them from, which the next
 * request's stream then wraps (see keep_alive()), so this bounds that
 * nesting too. */
#define KEEPALIVE_MAX_REQUESTS 1000

typedef enum
{
  PHASE_HEAD,     /* the request head is being read */
  PHASE_BODY,     /* the body is being read */
  PHASE_WORK,     /* our own work: parsing, the store */
  PHASE_ANSWER,   /* the answer is being written */
  PHASE_LINGER,   /* answered by us, taken from libsoup, closing gracefully */
} Phase;

/* One accepted connection. It lives until the last reference to its
 * GSocketConnection goes, whoever closes it (libsoup, or our lingering
 * close). */
struct _Connection
{
  Worker            *worker;
  guint              serial;
  GSocket           *socket;
  GSocketAddress    *remote;         /* asked once, when admitted */
  GSocketAddress    *local;          /* asked once, when served */
  GObject           *connection;     /* weakly referenced */
  GIOStream         *stream;         /* what libsoup serves: its input, and answers
                                      * through an OsaisAnswerStream (weak pointer) */
  char              *key;            /* the remote address, "host:port" */
  SoupServerMessage *msg;            /* the request being served, unowned */
  guint              n_requests;     /* requests begun on it */

  /* Shared with the accept loop, under guard_mutex. */
  GList              all_link;
  Phase              phase;
  gint64             accepted;
  gint64             body_start;
  guint64            body_received;
  gboolean           evicted;        /* no longer counted against the cap */

  /* Worker thread only: the deadline of the current phase, in the queue of
   * that phase's timeout. */
  GQueue            *deadline_queue;
  GList              deadline_link;
  gint64             deadline;

  /* Between requests, the connection is ours (see connection_park()). */
  GIOStream         *parked;
  GSource           *park_source;

  /* The lingering close. */
  GIOStream         *stolen;
  GSource           *linger_source;
  gsize              discarded;
};

/* Per-message state, attached to the SoupServerMessage. */
typedef struct
{
  OsaisCallbackServer *owner;
  guint                serial;
  char                *key;
  const Route         *route;
  const char          *argument;     /* in the URI's path, which the message keeps */
  gsize                limit;
  gsize                received;
  guint64              reserved;     /* counted in the body budget */
  int                  fd;           /* a streamed body's temporary file, or -1 */
  BodyBuffer          *buffer;       /* or a buffer for its declared length, or NULL */
  gsize                buffer_size;
  GBytes              *mapped;       /* that file, once the body is all there */
} MessageState;

static void
message_state_free (MessageState *state)
{
  if (state->reserved > 0)
    {
      g_mutex_lock (&state->owner->guard_mutex);
      g_assert (state->owner->body_bytes >= state->reserved);
      state->owner->body_bytes -= state->reserved;
      g_mutex_unlock (&state->owner->guard_mutex);
    }
  if (state->fd >= 0)
    close (state->fd);
  if (state->buffer != NULL)
    osais_callback_server_body_buffer_give (state->buffer);
  g_clear_pointer (&state->mapped, g_bytes_unref);
  g_free (state->key);
  g_free (state);
}

static MessageState *
message_state (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), "osais-state");
}

/* The remote address by value: libsoup hands back the address object we
 * gave it, but which object that is is its business. */
static char *
address_key (GSocketAddress *address)
{
  GInetSocketAddress *inet;
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  inet = G_INET_SOCKET_ADDRESS (address);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (inet));
}

static Connection *
lookup_connection (Worker            *worker,
                   SoupServerMessage *msg)
{
  MessageState *state = message_state (msg);
  Connection *conn;

  if (state == NULL || state->key == NULL)
    return NULL;
  conn = g_hash_table_lookup (worker->connections, state->key);
  if (conn == NULL || conn->serial != state->serial)
    return NULL;
  return conn;
}

/* The default cap: as many connections as the descriptors allow, keeping
 * some for the rest of the process and one for each connection's upload
 * file, up to OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS. */
guint
osais_callback_server_default_cap (void)
{
  struct rlimit limit;
  rlim_t available;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS;
  available = limit.rlim_cur > 2 * RESERVED_DESCRIPTORS
              ? (limit.rlim_cur - RESERVED_DESCRIPTORS) / 2
              : limit.rlim_cur / 4;
  return CLAMP (available, 16, OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS);
}

/* Deadlines */

static gint64
rate_check_interval_us (const Settings *settings)
{
  /* Often enough to cut a body soon after its grace, rarely enough to cost
   * nothing: this runs only while some body is being read. */
  return CLAMP (settings->body_rate_grace_ms / 4, 10, 250) * G_TIME_SPAN_MILLISECOND;
}

static void
guard_schedule (Worker *worker,
                gint64  when)
{
  gint64 ready = g_source_get_ready_time (worker->guard_source);

  /* Only an earlier time moves the source (moving it wakes the context). */
  if (ready < 0 || when < ready)
    g_source_set_ready_time (worker->guard_source, when);
}

static void
connection_set_deadline (Connection *conn,
                         GQueue     *queue,
                         guint       timeout_ms)
{
  if (conn->deadline_queue != NULL)
    {
      g_queue_unlink (conn->deadline_queue, &conn->deadline_link);
      conn->deadline_queue = NULL;
    }
  if (queue == NULL || timeout_ms == 0)
    return;

  conn->deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  conn->deadline_queue = queue;
  g_queue_push_tail_link (queue, &conn->deadline_link);
  guard_schedule (conn->worker, conn->deadline);
}

static void
connection_set_phase (Connection *conn,
                      Phase       phase)
{
  OsaisCallbackServer *self = conn->worker->owner;
  const Settings *settings = conn->worker->settings;
  Worker *worker = conn->worker;

  if (conn->phase == PHASE_BODY)
    worker->n_bodies--;

  g_mutex_lock (&self->guard_mutex);
  conn->phase = phase;
  if (phase == PHASE_BODY)
    {
      conn->body_start = g_get_monotonic_time ();
      conn->body_received = 0;
    }
  g_mutex_unlock (&self->guard_mutex);

  switch (phase)
    {
    case PHASE_HEAD:
      connection_set_deadline (conn, &worker->head_deadlines, settings->header_timeout_ms);
      break;
    case PHASE_BODY:
      worker->n_bodies++;
      connection_set_deadline (conn, &worker->body_deadlines, settings->body_timeout_ms);
      if (settings->min_body_rate > 0)
        guard_schedule (worker, g_get_monotonic_time () + rate_check_interval_us (settings));
      break;
    case PHASE_ANSWER:
      connection_set_deadline (conn, &worker->body_deadlines, settings->body_timeout_ms);
      break;
    case PHASE_WORK:
    case PHASE_LINGER:
    default:
      connection_set_deadline (conn, NULL, 0);
      break;
    }
}

/* Cuts the connection: libsoup's pending read or write sees the end of the
 * stream and tears the connection down through its usual path. Shutting the
 * socket down (rather than closing it) keeps the descriptor valid for it. */
static void
connection_cut (Connection *conn)
{
  g_debug ("Cutting connection %u", conn->serial);
  connection_set_deadline (conn, NULL, 0);
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

static gboolean reject_and_close (Worker            *worker,
                                  SoupServerMessage *msg,
                                  guint              status,
                                  const char        *message);
static void linger_end (Connection *conn);

/* A body that is late or too slow gets 408 (RFC 9110 15.5.9) when it can
 * still be told; anything else is cut. */
static void
connection_expire (Connection *conn,
                   const char *why)
{
  g_debug ("Connection %u: %s", conn->serial, why);
  /* Whatever comes next, this deadline is spent. */
  connection_set_deadline (conn, NULL, 0);
  if (conn->phase == PHASE_LINGER)
    linger_end (conn);
  else if (conn->phase != PHASE_BODY || conn->msg == NULL ||
           !reject_and_close (conn->worker, conn->msg, SOUP_STATUS_REQUEST_TIMEOUT, why))
    connection_cut (conn);
}

static void
expire_queue (GQueue     *queue,
              gint64      now,
              const char *why)
{
  Connection *conn;

  while ((conn = g_queue_peek_head (queue)) != NULL && conn->deadline <= now)
    connection_expire (conn, why);
}

static gboolean
body_too_slow (const Settings      *settings,
               Connection          *conn,
               gint64               now)
{
  gint64 elapsed = now - conn->body_start;

  if (elapsed < (gint64) settings->body_rate_grace_ms * G_TIME_SPAN_MILLISECOND)
    return FALSE;
  return conn->body_received * G_USEC_PER_SEC < (guint64) settings->min_body_rate * elapsed;
}

static void
check_body_rates (Worker *worker,
                  gint64  now)
{
  OsaisCallbackServer *self = worker->owner;
  g_autoptr(GPtrArray) slow = g_ptr_array_new ();

  g_mutex_lock (&self->guard_mutex);
  for (GList *l = worker->body_deadlines.head; l != NULL; l = l->next)
    {
      Connection *conn = l->data;

      if (conn->phase == PHASE_BODY && body_too_slow (worker->settings, conn, now))
        g_ptr_array_add (slow, conn);
    }
  g_mutex_unlock (&self->guard_mutex);

  for (guint i = 0; i < slow->len; i++)
    connection_expire (g_ptr_array_index (slow, i), "The request body is too slow");
}

static gboolean
guard_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  Worker *worker = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 next = -1;
  GQueue *queues[] = {
    &worker->head_deadlines, &worker->body_deadlines, &worker->linger_deadlines,
  };

  expire_queue (&worker->head_deadlines, now, "The request head is too slow");
  expire_queue (&worker->body_deadlines, now, "The request timed out");
  expire_queue (&worker->linger_deadlines, now, "The lingering close is over");
  if (worker->n_bodies > 0 && worker->settings->min_body_rate > 0)
    {
      check_body_rates (worker, now);
      if (worker->n_bodies > 0)
        next = now + rate_check_interval_us (worker->settings);
    }

  for (guint i = 0; i < G_N_ELEMENTS (queues); i++)
    {
      Connection *first = g_queue_peek_head (queues[i]);

      if (first != NULL && (next < 0 || first->deadline < next))
        next = first->deadline;
    }
  g_source_set_ready_time (source, next);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs guard_source_funcs = {
  .dispatch = guard_dispatch,
};

/* Connections */

static void
connection_free (Connection *conn)
{
  g_assert (conn->stolen == NULL);
  connection_set_deadline (conn, NULL, 0);
  /* Forgotten while libsoup may still hold the stream (see
   * osais_callback_server_guard_finish()). */
  if (conn->stream != NULL)
    g_object_remove_weak_pointer (G_OBJECT (conn->stream), (gpointer *) &conn->stream);
  g_assert (conn->parked == NULL);
  if (conn->park_source != NULL)
    {
      g_source_destroy (conn->park_source);
      g_clear_pointer (&conn->park_source, g_source_unref);
    }
  g_object_unref (conn->socket);
  g_object_unref (conn->remote);
  g_clear_object (&conn->local);
  g_free (conn->key);
  g_free (conn);
}

/* Takes @conn out of the guard; the caller then frees it. */
static void
connection_forget (Connection *conn)
{
  OsaisCallbackServer *self = conn->worker->owner;

  if (conn->phase == PHASE_BODY)
    conn->worker->n_bodies--;
  conn->phase = PHASE_WORK;

  g_mutex_lock (&self->guard_mutex);
  g_queue_unlink (&self->all_connections, &conn->all_link);
  if (!conn->evicted)
    {
      g_assert (self->n_connections > 0);
      self->n_connections--;
    }
  g_mutex_unlock (&self->guard_mutex);
}

/* Called when the last reference to an accepted GSocketConnection goes:
 * the connection is closed, whoever closed it. */
static void
connection_gone_cb (gpointer  user_data,
                    GObject  *where_the_object_was)
{
  Connection *conn = user_data;

  g_debug ("Connection %u gone", conn->serial);
  connection_forget (conn);
  g_hash_table_remove (conn->worker->connections, conn->key);
}

/* On the victim's worker: the accept loop chose it for eviction. */
typedef struct
{
  Worker *worker;
  char   *key;
  guint   serial;
} Eviction;

static void
eviction_free (Eviction *eviction)
{
  g_free (eviction->key);
  g_free (eviction);
}

static gboolean
evict_cb (gpointer user_data)
{
  Eviction *eviction = user_data;
  Connection *conn = g_hash_table_lookup (eviction->worker->connections, eviction->key);

  /* It may have ended meanwhile. */
  if (conn != NULL && conn->serial == eviction->serial && conn->phase != PHASE_LINGER)
    {
      g_debug ("Evicting connection %u for a newcomer", conn->serial);
      connection_cut (conn);
    }
  return G_SOURCE_REMOVE;
}

/* How long a new connection has to show its head before an older one is
 * preferred for eviction over it: under a flood of reconnecting slow
 * clients, the whole cap turns over in milliseconds, faster than a loaded
 * worker may read a head that came whole. */
#define EVICTION_GRACE_US (100 * G_TIME_SPAN_MILLISECOND)

/* The connection to give up for a newcomer. First one whose head is not
 * complete: a client that sends its request at once has it whole in the
 * socket until its worker reads it, while a slow client's bytes are read
 * as they come, so a slow head has nothing waiting most of the time. Among
 * those, past the grace before new ones, with nothing waiting, then with
 * something waiting; then new ones, with nothing waiting, then with the
 * fewest bytes waiting; the oldest first in each. Then the slowest body,
 * counting what waits in its socket as received. Under guard_mutex; a
 * connection on another worker may be closing meanwhile, and then asking
 * its socket fails harmlessly (the connection holds a reference
 * to the GSocket). */
static Connection *
choose_victim (OsaisCallbackServer *self)
{
  gint64 now = g_get_monotonic_time ();
  Connection *heads[4] = { NULL, };
  gssize fewest_waiting = G_MAXSSIZE;
  Connection *slowest = NULL;
  double slowest_rate = G_MAXDOUBLE;

  for (GList *l = self->all_connections.head; l != NULL; l = l->next)
    {
      Connection *conn = l->data;

      if (conn->evicted)
        continue;
      if (conn->phase == PHASE_HEAD)
        {
          gboolean young = now - conn->accepted < EVICTION_GRACE_US;
          gssize waiting = g_socket_get_available_bytes (conn->socket);
          guint rank = (young ? 2 : 0) + (waiting > 0 ? 1 : 0);

          if (rank == 0)
            return conn;
          /* Among new ones with bytes waiting, the fewest: a flood's first
           * byte rather than a request that came whole. */
          if (heads[rank] == NULL || (rank == 3 && waiting < fewest_waiting))
            {
              heads[rank] = conn;
              if (rank == 3)
                fewest_waiting = waiting;
            }
        }
      else if (conn->phase == PHASE_BODY)
        {
          /* Bytes in the socket that its worker has not read yet came from
           * the client all the same: a busy worker does not make a client
           * slow (a body sent whole, unread, would otherwise look slower
           * than one byte just read). */
          gssize waiting = g_socket_get_available_bytes (conn->socket);
          double rate = (conn->body_received + MAX (waiting, 0)) /
                        ((now - conn->body_start + 1) / 1e6);

          if (rate < slowest_rate)
            {
              slowest = conn;
              slowest_rate = rate;
            }
        }
    }
  for (guint rank = 1; rank < G_N_ELEMENTS (heads); rank++)
    if (heads[rank] != NULL)
      return heads[rank];
  return slowest;
}

Connection *
osais_callback_server_guard_admit (OsaisCallbackServer *self,
                                   GSocket             *socket,
                                   Worker              *worker)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autofree char *key = remote != NULL ? address_key (remote) : NULL;
  Eviction *eviction = NULL;
  Connection *conn = NULL;

  if (key == NULL)
    {
      g_debug ("A connection closed before it was admitted");
      return NULL;
    }

  g_mutex_lock (&self->guard_mutex);
  if (self->n_connections >= self->settings.cap)
    {
      Connection *victim = choose_victim (self);

      if (victim != NULL)
        {
          victim->evicted = TRUE;
          self->n_connections--;
          eviction = g_new0 (Eviction, 1);
          eviction->worker = victim->worker;
          eviction->key = g_strdup (victim->key);
          eviction->serial = victim->serial;
        }
    }
  if (self->n_connections < self->settings.cap)
    {
      /* Known to the guard from now on, so that a connection still on its
       * way to a busy worker can be chosen for eviction too. */
      conn = g_new0 (Connection, 1);
      conn->worker = worker;
      conn->serial = ++self->next_serial;
      conn->socket = g_object_ref (socket);
      conn->remote = g_steal_pointer (&remote);
      conn->key = g_steal_pointer (&key);
      conn->all_link.data = conn;
      conn->deadline_link.data = conn;
      conn->accepted = g_get_monotonic_time ();
      conn->phase = PHASE_HEAD;
      g_queue_push_tail_link (&self->all_connections, &conn->all_link);
      self->n_connections++;
    }
  g_mutex_unlock (&self->guard_mutex);

  if (eviction != NULL)
    g_main_context_invoke_full (eviction->worker->context, G_PRIORITY_DEFAULT, evict_cb,
                                eviction, (GDestroyNotify) eviction_free);
  if (conn == NULL)
    g_debug ("Connection cap (%u) reached, nothing to evict", self->settings.cap);
  return conn;
}

/* A connection admitted but not served: closed, and its place given back. */
void
osais_callback_server_guard_release (Connection *conn)
{
  g_socket_close (conn->socket, NULL);
  connection_forget (conn);
  connection_free (conn);
}

/* Gives @conn to libsoup, reading @stream: the connection's stream, or
 * the stream libsoup read its last request from. */
static void
connection_give (Connection *conn,
                 GIOStream  *stream)
{
  g_autoptr(GError) error = NULL;

  if (!soup_server_accept_iostream (conn->worker->server, stream, conn->local, conn->remote,
                                    &error))
    {
      g_debug ("Could not serve a connection: %s", error->message);
      g_io_stream_close (stream, NULL, NULL);
    }
}

/* Parking: between its requests (and before its first), a connection is
 * ours, watched by a source of its own that lives as long as it does, and
 * given to libsoup when its next request comes, which libsoup then reads
 * at once. Given to libsoup as soon as it was answered, libsoup watched it
 * with a new source for each request, and GLib 2.74 writes to the
 * context's eventfd for every descriptor it adds to or removes from the
 * poll set, and for each source it blocks and unblocks while dispatching:
 * three or four system calls per request, and the read that found nothing
 * yet. This source may recurse, so it is never blocked; it stops watching
 * the socket (one such write) only when the socket is ready while libsoup
 * holds the connection (a body in pieces, a client gone while the store
 * works: the hang-up is reported whatever is asked), and watches it again
 * when the connection is parked. */
typedef struct
{
  GSource     source;
  Connection *conn;
  gpointer    tag;         /* the socket watched, or NULL */
} ParkSource;

static gboolean
park_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  ParkSource *park = (ParkSource *) source;
  Connection *conn = park->conn;
  g_autoptr(GIOStream) stream = NULL;

  /* libsoup's: what came is for its own source. Closed: its descriptor may
   * soon be another connection's. */
  if (conn->parked == NULL || g_socket_is_closed (conn->socket))
    {
      g_source_remove_unix_fd (source, g_steal_pointer (&park->tag));
      return G_SOURCE_CONTINUE;
    }

  /* The next request, or the end of the connection: libsoup reads it. The
   * connection may be gone when this returns. */
  stream = g_steal_pointer (&conn->parked);
  if (conn->worker->quitting)
    g_io_stream_close (stream, NULL, NULL);
  else
    connection_give (conn, stream);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs park_source_funcs = {
  .dispatch = park_dispatch,
};

/* @conn waits for its next request (the head phase, with its timeout) as
 * ours: @stream is what libsoup is to read it from. */
static void
connection_park (Connection *conn,
                 GIOStream  *stream)
{
  ParkSource *park = (ParkSource *) conn->park_source;

  g_assert (conn->parked == NULL);
  conn->accepted = g_get_monotonic_time ();
  connection_set_phase (conn, PHASE_HEAD);
  conn->parked = g_object_ref (stream);
  if (park->tag == NULL && !g_socket_is_closed (conn->socket))
    park->tag = g_source_add_unix_fd (conn->park_source, g_socket_get_fd (conn->socket),
                                      G_IO_IN | G_IO_HUP | G_IO_ERR);
}

/* Closes @conn if it waits for its next request (it is then gone). */
static gboolean
connection_close_parked (Connection *conn)
{
  g_autoptr(GIOStream) stream = g_steal_pointer (&conn->parked);

  if (stream == NULL)
    return FALSE;
  /* The last reference: the connection is gone after this (see
   * connection_gone_cb()), and @conn with it. */
  g_io_stream_close (stream, NULL, NULL);
  return TRUE;
}

void
osais_callback_server_guard_serve (Connection *conn)
{
  Worker *worker = conn->worker;
  OsaisCallbackServer *self = worker->owner;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(OsaisAnswerStream) answer = NULL;
  g_autoptr(GIOStream) stream = NULL;
  ParkSource *park;
  Connection *stale;
  gboolean evicted;

  g_mutex_lock (&self->guard_mutex);
  evicted = conn->evicted;
  g_mutex_unlock (&self->guard_mutex);

  conn->local = g_socket_get_local_address (conn->socket, NULL);
  if (conn->local == NULL || evicted || worker->quitting)
    {
      g_debug ("Connection %u closed before it was served", conn->serial);
      osais_callback_server_guard_release (conn);
      return;
    }

  /* A connection from the same address and port that libsoup still holds
   * (or that is parked) is over: its client could not have reused the port
   * otherwise. */
  stale = g_hash_table_lookup (worker->connections, conn->key);
  if (stale != NULL && stale->stolen != NULL)
    {
      /* Ours alone: closing it is its end (see connection_gone_cb()). */
      linger_end (stale);
      stale = g_hash_table_lookup (worker->connections, conn->key);
    }
  if (stale != NULL && connection_close_parked (stale))
    stale = g_hash_table_lookup (worker->connections, conn->key);
  if (stale != NULL)
    {
      g_object_weak_unref (stale->connection, connection_gone_cb, stale);
      connection_forget (stale);
      g_hash_table_remove (worker->connections, conn->key);
    }

  connection = g_socket_connection_factory_create_connection (conn->socket);
  answer = osais_answer_stream_new (connection, worker->context);
  /* The answer stream holds the connection, and the stream both: the
   * connection is gone when libsoup (or a lingering close, or the parking)
   * drops the stream and the answer stream has sent what it held. */
  stream = g_simple_io_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   G_OUTPUT_STREAM (answer));
  conn->connection = G_OBJECT (connection);
  conn->stream = stream;
  g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) &conn->stream);
  g_hash_table_insert (worker->connections, conn->key, conn);
  g_object_weak_ref (G_OBJECT (connection), connection_gone_cb, conn);

  conn->park_source = g_source_new (&park_source_funcs, sizeof (ParkSource));
  park = (ParkSource *) conn->park_source;
  park->conn = conn;
  g_source_set_can_recurse (conn->park_source, TRUE);
  g_source_set_name (conn->park_source, "OsaisCallbackServer parked connection");
  g_source_attach (conn->park_source, worker->context);
  connection_park (conn, stream);
}

gboolean
osais_callback_server_guard_is_open (Worker            *worker,
                                     SoupServerMessage *msg)
{
  Connection *conn = lookup_connection (worker, msg);

  return conn != NULL && conn->phase != PHASE_LINGER;
}

/* Whether neither side of @msg's exchange said to close (RFC 9112 9.3):
 * HTTP/1.1 keeps connections unless told otherwise. HTTP/1.0 would need
 * "Connection: keep-alive" in the answer, which libsoup does not write:
 * closed. An answer framed by the connection's end ends it. */
static gboolean
wants_keep_alive (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (soup_message_headers_get_encoding (response) == SOUP_ENCODING_EOF ||
      soup_message_headers_header_contains (response, "Connection", "close") ||
      soup_message_headers_header_contains (request, "Connection", "close"))
    return FALSE;
  return soup_server_message_get_http_version (msg) == SOUP_HTTP_1_1;
}

void
osais_callback_server_guard_answering (Worker            *worker,
                                       SoupServerMessage *msg)
{
  Connection *conn = lookup_connection (worker, msg);

  if (conn == NULL || conn->phase == PHASE_LINGER)
    return;
  connection_set_phase (conn, PHASE_ANSWER);
  /* libsoup writes an answer's head and body in two writes: held until
   * the body is written (message_wrote_body_cb()), they leave as one
   * segment, which wakes the client once. */
  if (conn->stream != NULL)
    osais_answer_stream_hold (OSAIS_ANSWER_STREAM (g_io_stream_get_output_stream (conn->stream)));
  /* Said in the answer's head, so that the client opens a new connection
   * for its next request rather than have it refused (see keep_alive()). */
  if (SOUP_STATUS_IS_CLIENT_ERROR (soup_server_message_get_status (msg)) ||
      SOUP_STATUS_IS_SERVER_ERROR (soup_server_message_get_status (msg)) ||
      conn->n_requests >= KEEPALIVE_MAX_REQUESTS || worker->quitting || !wants_keep_alive (msg))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Connection", "close");
}

/* Lingering close */

static void
linger_end (Connection *conn)
{
  GIOStream *stream = g_steal_pointer (&conn->stolen);

  if (conn->linger_source != NULL)
    {
      g_source_destroy (conn->linger_source);
      g_clear_pointer (&conn->linger_source, g_source_unref);
    }
  connection_set_deadline (conn, NULL, 0);
  /* The last reference: the connection is gone after this (see
   * connection_gone_cb()), and @conn with it. */
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

static gboolean
linger_read_cb (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  Connection *conn = user_data;
  g_autoptr(GError) error = NULL;
  char buffer[8192];
  gssize n;

  /* Read and discard: nothing is kept, and the amount is bounded. */
  n = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, &error);
  if (n > 0)
    {
      conn->discarded += n;
      if (conn->discarded < LINGER_MAX_BYTES)
        return G_SOURCE_CONTINUE;
    }
  else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&conn->linger_source, g_source_unref);
  linger_end (conn);
  return G_SOURCE_REMOVE;
}

/* Takes the connection away from libsoup, answers @status with a JSON error
 * body and closes the connection, without reading the rest of the request.
 * FALSE if the connection was no longer libsoup's to give. */
static gboolean
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

  g_debug ("Refusing %s %s with %u (%s) and closing",
           soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, message);

  if (conn == NULL || conn->phase == PHASE_LINGER)
    return FALSE;
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return FALSE;
  conn->msg = NULL;

  response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n"
                              "%s"
                              "Connection: close\r\n"
                              "\r\n"
                              "%s",
                              status, soup_status_get_phrase (status), strlen (body),
                              status == SOUP_STATUS_SERVICE_UNAVAILABLE
                              ? "Retry-After: " G_STRINGIFY (OSAIS_CALLBACK_SERVER_RETRY_AFTER)
                                "\r\n"
                              : "",
                              body);

  /* The answer is a few hundred bytes: it fits the socket's send buffer,
   * so a non-blocking write sends it whole unless the peer is gone. */
  output = g_io_stream_get_output_stream (stream);
  if (G_IS_POLLABLE_OUTPUT_STREAM (output))
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output),
                                                response, strlen (response), NULL, NULL);
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);

  connection_set_phase (conn, PHASE_LINGER);
  conn->stolen = stream;
  conn->linger_source = g_socket_create_source (conn->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                                NULL);
  g_source_set_callback (conn->linger_source, (GSourceFunc) G_CALLBACK (linger_read_cb),
                         conn, NULL);
  g_source_attach (conn->linger_source, worker->context);
  /* Bounded in time too, and never longer than a client may take to send
   * a head: the lingering close is a courtesy, not a place to hold. */
  connection_set_deadline (conn, &worker->linger_deadlines,
                           worker->settings->header_timeout_ms != 0
                           ? MIN (LINGER_TIMEOUT_MS, worker->settings->header_timeout_ms)
                           : LINGER_TIMEOUT_MS);
  return TRUE;
}

/* Streaming checks, before and while the body is read */

/* Counts @size more bytes of bodies held in memory; FALSE when that would
 * pass the budget, and nothing is counted. */
static gboolean
reserve_body_bytes (MessageState *state,
                    guint64       size)
{
  OsaisCallbackServer *self = state->owner;
  gboolean ok;

  g_mutex_lock (&self->guard_mutex);
  ok = self->body_bytes + size <= self->settings.body_memory_budget;
  if (ok)
    {
      self->body_bytes += size;
      state->reserved += size;
    }
  g_mutex_unlock (&self->guard_mutex);
  return ok;
}

static gboolean
open_body_file (Worker       *worker,
                MessageState *state)
{
  g_autofree char *path = g_build_filename (worker->settings->tmp_dir, "upload-XXXXXX", NULL);

  if (g_mkdir_with_parents (worker->settings->tmp_dir, 0700) != 0)
    return FALSE;
  state->fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (state->fd < 0)
    return FALSE;
  /* Nameless from now on: whatever happens, a crash included, the file goes
   * with its descriptor. */
  g_unlink (path);
  return TRUE;
}

static void
message_got_headers_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  Worker *worker = user_data;
  MessageState *state = message_state (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  Connection *conn = lookup_connection (worker, msg);
  const char *content_length;
  const char *transfer_encoding;
  guint64 declared = 0;

  if (conn != NULL)
    connection_set_phase (conn, PHASE_BODY);

  state->route = osais_callback_server_route (worker->settings,
                                              g_uri_get_path (soup_server_message_get_uri (msg)),
                                              &state->argument);
  state->limit = state->route != NULL ? state->route->max_body : OTHER_MAX_BODY;

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
      !osais_protocol_parse_digits (content_length, G_MAXUINT64, &declared))
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

  if (state->route != NULL && state->route->streamed)
    {
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      /* Content-Length frames the body: libsoup reads no more than that. */
      if (declared > 0 && declared <= IN_MEMORY_MAX_BODY)
        {
          state->buffer = osais_callback_server_body_buffer_take (state->owner->body_pool);
          state->buffer_size = declared;
          return;
        }
      /* The body goes to disk as it comes and counts in the budget only
       * once whole (see osais_callback_server_guard_body_done()). */
      if (!open_body_file (worker, state))
        {
          g_debug ("Cannot make an upload file in %s: %s", worker->settings->tmp_dir,
                   g_strerror (errno));
          reject_and_close (worker, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                            "Cannot store the upload now");
        }
      return;
    }

  /* A declared body is counted whole before any of it is read, so that
   * the answer comes before the client sends it. */
  if (declared > 0 && !reserve_body_bytes (state, declared))
    reject_and_close (worker, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                      "Too many request bodies in flight");
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         size)
{
  while (size > 0)
    {
      gssize n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      size -= n;
    }
  return TRUE;
}

static void
message_got_chunk_cb (SoupServerMessage *msg,
                      GBytes            *chunk,
                      gpointer           user_data)
{
  Worker *worker = user_data;
  MessageState *state = message_state (msg);
  Connection *conn = lookup_connection (worker, msg);
  gsize size = g_bytes_get_size (chunk);

  state->received += size;
  if (conn != NULL)
    {
      g_mutex_lock (&worker->owner->guard_mutex);
      conn->body_received += size;
      g_mutex_unlock (&worker->owner->guard_mutex);
    }

  if (state->received > state->limit)
    {
      reject_and_close (worker, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                        "The request body is too large");
      return;
    }

  if (state->buffer != NULL)
    {
      /* Never past the buffer, whatever libsoup's framing does. */
      if (state->received > state->buffer_size)
        {
          reject_and_close (worker, msg, SOUP_STATUS_BAD_REQUEST,
                            "More body than its Content-Length");
          return;
        }
      if (!reserve_body_bytes (state, size))
        {
          reject_and_close (worker, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                            "Too many request bodies in flight");
          return;
        }
      memcpy (state->buffer->data + state->received - size, g_bytes_get_data (chunk, NULL), size);
      return;
    }
  if (state->fd >= 0)
    {
      if (!write_all (state->fd, g_bytes_get_data (chunk, NULL), size))
        reject_and_close (worker, msg,
                          errno == ENOSPC ? SOUP_STATUS_INSUFFICIENT_STORAGE
                                          : SOUP_STATUS_SERVICE_UNAVAILABLE,
                          "Cannot store the upload now");
      return;
    }

  /* A body without a declared length is counted as it comes. */
  if (state->received > state->reserved &&
      !reserve_body_bytes (state, state->received - state->reserved))
    reject_and_close (worker, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                      "Too many request bodies in flight");
}

/* libsoup calls the handler from its own "got-body" handler, which runs
 * before any we could connect: so the handler calls this first. */
gboolean
osais_callback_server_guard_body_done (Worker            *worker,
                                       SoupServerMessage *msg)
{
  MessageState *state = message_state (msg);
  Connection *conn = lookup_connection (worker, msg);
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;

  /* Our own work (the store) is not bounded by the client's timeouts. */
  if (conn != NULL && conn->phase == PHASE_BODY)
    connection_set_phase (conn, PHASE_WORK);

  if (state != NULL && state->buffer != NULL)
    {
      state->mapped = g_bytes_new_with_free_func (state->buffer->data, state->received,
                                                  osais_callback_server_body_buffer_give,
                                                  state->buffer);
      state->buffer = NULL;
      return TRUE;
    }
  if (state == NULL || state->fd < 0)
    return TRUE;

  /* A streamed body cost no memory while it came; from now on it is
   * mapped, parsed and read by the store until the answer, so it counts in
   * the same budget as bodies held in memory: that one budget bounds both.
   * It counts only once whole, so that slow uploads cannot hold the budget
   * and keep the others out. */
  if (!reserve_body_bytes (state, state->received))
    {
      close (state->fd);
      state->fd = -1;
      return FALSE;
    }
  if (state->received > 0)
    file = g_mapped_file_new_from_fd (state->fd, FALSE, &error);
  if (file != NULL)
    state->mapped = g_mapped_file_get_bytes (file);
  else
    state->mapped = g_bytes_new (NULL, 0);
  if (error != NULL)
    g_debug ("Cannot map an upload: %s", error->message);
  close (state->fd);
  state->fd = -1;
  return TRUE;
}

const Route *
osais_callback_server_guard_get_route (SoupServerMessage  *msg,
                                       const char        **argument)
{
  MessageState *state = message_state (msg);

  *argument = state != NULL ? state->argument : NULL;
  return state != NULL ? state->route : NULL;
}

GBytes *
osais_callback_server_guard_dup_body (SoupServerMessage *msg)
{
  MessageState *state = message_state (msg);

  if (state != NULL && state->mapped != NULL)
    return g_bytes_ref (state->mapped);
  return soup_message_body_flatten (soup_server_message_get_request_body (msg));
}

/* Below this, an upload's pages are not worth the madvise(): each one
 * costs a TLB shoot-down on every processor running the server (and the
 * unmapping at the answer another), and the body budget bounds them all
 * the same. */
#define DROP_PAGES_MIN (4 * 1024 * 1024)

void
osais_callback_server_guard_drop_pages (SoupServerMessage *msg)
{
  MessageState *state = message_state (msg);
  gsize page = sysconf (_SC_PAGESIZE);
  gsize size = 0;
  const guint8 *data;
  guintptr start;

  if (state == NULL || state->mapped == NULL)
    return;
  data = g_bytes_get_data (state->mapped, &size);
  if (data == NULL || size < DROP_PAGES_MIN)
    return;
  /* The mapping is private and read-only, so its pages come back from the
   * file when touched again; what the parser read stops counting as ours
   * while the store waits to write it. */
  start = (guintptr) data & ~(guintptr) (page - 1);
  if (madvise ((void *) start, (guintptr) data + size - start, MADV_DONTNEED) != 0)
    g_debug ("madvise: %s", g_strerror (errno));
}

static void
message_finished_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  Worker *worker = user_data;
  Connection *conn = lookup_connection (worker, msg);

  if (conn != NULL && conn->msg == msg)
    conn->msg = NULL;
}

/* The answer to @msg is written: the connection serves its next request
 * as a new one of libsoup's, unless the answer or the client said close
 * (libsoup then closes it, having no listener). */
static void
message_wrote_body_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  Worker *worker = user_data;
  Connection *conn = lookup_connection (worker, msg);
  g_autoptr(GIOStream) stolen = NULL;
  GInputStream *input;
  gboolean evicted;

  /* libsoup flushed the answer when it closed the body's stream; in case
   * it did not, the hold ends here (nothing left: no system call). */
  if (conn != NULL && conn->stream != NULL)
    g_output_stream_flush (g_io_stream_get_output_stream (conn->stream), NULL, NULL);
  /* Only after an answer of ours that went well: libsoup answers a
   * request it could not parse itself, and what follows it is not to be
   * trusted. */
  if (conn == NULL || conn->msg != msg || conn->phase != PHASE_ANSWER || worker->quitting ||
      !SOUP_STATUS_IS_SUCCESSFUL (soup_server_message_get_status (msg)) ||
      !wants_keep_alive (msg))
    return;
  g_mutex_lock (&worker->owner->guard_mutex);
  evicted = conn->evicted;
  g_mutex_unlock (&worker->owner->guard_mutex);
  if (evicted)
    return;

  stolen = soup_server_message_steal_connection (msg);
  conn->msg = NULL;
  if (stolen == NULL)
    return;

  /* The stolen stream is libsoup's wrapper of our connection, holding what
   * libsoup read ahead of this request's end. Nothing: the connection
   * itself serves the next request (dropping the wrapper leaves it open:
   * libsoup made it not to close what it wraps). Something, or perhaps
   * (a client quick to send its next request, or one that pipelines): the
   * wrapper, so that nothing read is lost; KEEPALIVE_MAX_REQUESTS bounds
   * how deep such wrappers nest. */
  input = g_io_stream_get_input_stream (stolen);
  if (G_IS_POLLABLE_INPUT_STREAM (input) && conn->stream != NULL &&
      !g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (input)))
    {
      connection_park (conn, conn->stream);
      return;
    }
  conn->accepted = g_get_monotonic_time ();
  connection_set_phase (conn, PHASE_HEAD);
  connection_give (conn, stolen);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Worker *worker = user_data;
  MessageState *state = g_new0 (MessageState, 1);
  Connection *conn;

  state->owner = worker->owner;
  state->fd = -1;
  state->key = address_key (soup_server_message_get_remote_address (msg));
  /* The worker outlives its messages: its SoupServer goes first. */
  g_object_set_data_full (G_OBJECT (msg), "osais-state", state,
                          (GDestroyNotify) message_state_free);
  conn = state->key != NULL ? g_hash_table_lookup (worker->connections, state->key) : NULL;
  if (conn != NULL)
    {
      state->serial = conn->serial;
      conn->msg = msg;
      conn->n_requests++;
    }

  g_signal_connect (msg, "got-headers", G_CALLBACK (message_got_headers_cb), worker);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (message_got_chunk_cb), worker);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (message_wrote_body_cb), worker);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), worker);
}

void
osais_callback_server_guard_watch (Worker *worker)
{
  g_signal_connect (worker->server, "request-started", G_CALLBACK (request_started_cb), worker);
}

void
osais_callback_server_guard_start (Worker *worker)
{
  worker->connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) connection_free);
  worker->guard_source = g_source_new (&guard_source_funcs, sizeof (GSource));
  g_source_set_callback (worker->guard_source, NULL, worker, NULL);
  g_source_set_name (worker->guard_source, "OsaisCallbackServer guard");
  g_source_attach (worker->guard_source, worker->context);
}

void
osais_callback_server_guard_finish (Worker *worker)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GPtrArray) lingering = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, worker->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Connection *) value)->stolen != NULL || ((Connection *) value)->parked != NULL)
      g_ptr_array_add (lingering, value);
  for (guint i = 0; i < lingering->len; i++)
    {
      Connection *conn = g_ptr_array_index (lingering, i);

      if (!connection_close_parked (conn))
        linger_end (conn);
    }

  /* A connection still referenced somewhere must not call back into a
   * table that is gone. */
  g_hash_table_iter_init (&iter, worker->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *conn = value;

      g_object_weak_unref (conn->connection, connection_gone_cb, conn);
      connection_forget (conn);
    }
  g_clear_pointer (&worker->connections, g_hash_table_unref);
  g_source_destroy (worker->guard_source);
  g_clear_pointer (&worker->guard_source, g_source_unref);
}
