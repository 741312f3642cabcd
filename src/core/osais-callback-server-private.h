/* osais-callback-server-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the three files of the callback server share: the lifecycle and
 * accept loop (osais-callback-server.c), the routes
 * (osais-callback-server-routes.c) and the guard that does what libsoup does
 * not (osais-callback-server-guard.c).
 */

#pragma once

#include <libsoup/soup.h>

#include "osais-callback-server.h"

G_BEGIN_DECLS

/* The Retry-After of every 503: the store answers busy while it holds as
 * many callbacks as it may for requests in flight, and those requests'
 * replies, which free it, come within seconds; the body budget frees as
 * soon as the bodies in flight are read, or for uploads, answered. */
#define OSAIS_CALLBACK_SERVER_RETRY_AFTER 5

typedef struct _Worker     Worker;
typedef struct _Connection Connection;
typedef struct _Route      Route;
typedef struct _BodyPool   BodyPool;
typedef struct _BodyBuffer BodyBuffer;

/* A streamed route's body declared up to this size is read into memory,
 * counted in the body budget as it comes (so that slow uploads, which the
 * body timeout bounds to 60 s at the minimum rate, cannot hold the budget
 * by declaring what they never send): the usual image (about 540 KB) then
 * costs no temporary file (an inode to allocate and free, and a copy into
 * the page cache: a sixth of an upload's CPU). Larger ones, or undeclared
 * ones, stream to a file. */
#define IN_MEMORY_MAX_BODY (2 * 1024 * 1024)

/* What the server threads read of the server's settings: the properties
 * they follow, which cannot change while the server runs (set_property
 * refuses), and what start() derives from the others. */
typedef struct
{
  char    *base_path;
  char    *tmp_dir;               /* set by start(): where upload bodies stream to */
  guint    cap;                   /* set by start(): the connection cap in force */
  guint    header_timeout_ms;
  guint    body_timeout_ms;
  guint    min_body_rate;         /* bytes a second, once the grace is over */
  guint    body_rate_grace_ms;
  guint64  body_memory_budget;
} Settings;

/* One server thread: its own GMainContext and SoupServer, serving the
 * connections the accept loop hands it. Each thread touches only its own
 * worker, the fixed settings, and through @owner only what is shared
 * between threads under its own mutex (the guard's state, the inputs, the
 * check's rate window) or never changes while it runs (the store, the
 * check key); the first worker also runs the accept loop. */
struct _Worker
{
  OsaisCallbackServer *owner;
  const Settings      *settings;
  guint                index;
  GThread             *thread;
  GMainContext        *context;
  GMainLoop           *loop;

  /* Worker thread only. */
  SoupServer          *server;
  GHashTable          *connections;  /* remote "address:port" → Connection* */
  guint                n_pending;    /* store operations running for paused messages */
  GCancellable        *cancellable;  /* cancels those operations on stop */
  gboolean             quitting;     /* stop() began: answer what runs, take nothing new */
  gboolean             stopping;     /* connections are gone: touch no message */

  /* The guard's one timer for all the worker's connections: each queue
   * holds the connections armed with one timeout, so it is in deadline
   * order; the source wakes for the earliest deadline, and for the body
   * rate check while a body is being read. */
  GSource             *guard_source;
  GQueue               head_deadlines;
  GQueue               body_deadlines;    /* the body, then the answer */
  GQueue               linger_deadlines;
  guint                n_bodies;
};

struct _OsaisCallbackServer
{
  GObject       parent_instance;

  OsaisStore   *store;
  char         *address;
  guint         port;
  char         *public_url;
  guint         max_connections;      /* 0: follows the descriptors available */
  guint         threads;              /* 0: as many as processors, up to a few */
  Settings      settings;             /* the rest, which the server threads read */

  /* Set by start(), cleared by stop(); read on the caller's thread. */
  gboolean      listening;
  guint         bound_port;
  char         *local_uri;

  Worker      **workers;
  guint         n_workers;

  /* The handshakes between the caller and the server threads. */
  GMutex        start_mutex;
  GCond         start_cond;
  guint         n_started;
  gboolean      accept_stopped;
  /* An asynchronous stop is under way, and its thread has joined the
   * workers' (a synchronous stop meanwhile waits for it). */
  gboolean      stopping;
  gboolean      threads_joined;

  /* The check route: see handle_check(). */
  guint8        check_key[32];
  GMutex        check_mutex;
  gint64        check_window;
  guint         check_count;

  /* Registered inputs: id → Input. Guarded by inputs_mutex. */
  GMutex        inputs_mutex;
  GHashTable   *inputs;

  /* The guard's state shared by every worker and the accept loop. */
  GMutex        guard_mutex;
  GQueue        all_connections;      /* Connection*, oldest first */
  guint         n_connections;        /* counted against the cap (not evicted) */
  guint64       body_bytes;           /* request bodies held in memory, all workers */
  BodyPool     *body_pool;            /* the buffers of uploads read into memory */
  guint         next_serial;

  /* The accept loop: on the first worker's thread. */
  GSocket      *listen_socket;
  GSource      *accept_source;
  GSource      *backoff_source;
  guint         next_worker;
};

/* A registered input (see osais_callback_server_register_input()). */
typedef struct
{
  GBytes *data;
  char   *content_type;
} Input;

/* Routes (osais-callback-server-routes.c) */

/* Returns FALSE when the answer comes later (the message is paused). */
typedef gboolean (*RouteHandler) (Worker            *worker,
                                  SoupServerMessage *msg,
                                  const char        *argument);

struct _Route
{
  const char   *method;      /* the one it takes; others get 405 */
  const char   *path;        /* under the base path */
  gboolean      prefix;      /* the path is a prefix; the rest is the argument */
  gsize         max_body;
  gboolean      streamed;    /* the body goes to a temporary file, not to memory */
  RouteHandler  handler;
};

/* The route of @path, or NULL (404); @argument gets the rest of a prefix
 * route's path. */
const Route *osais_callback_server_route        (const Settings       *settings,
                                                 const char           *path,
                                                 const char          **argument);
/* libsoup's handler: runs the route the guard found for @msg. */
void         osais_callback_server_handler_cb   (SoupServer           *server,
                                                 SoupServerMessage    *msg,
                                                 const char           *path,
                                                 GHashTable           *query,
                                                 gpointer              user_data);

/* The guard (osais-callback-server-guard.c) */

/* On the accept loop: counts @socket, for @worker, against the cap,
 * evicting the slowest incomplete connection when the cap is reached; NULL:
 * refuse it. */
Connection  *osais_callback_server_guard_admit      (OsaisCallbackServer *self,
                                                     GSocket             *socket,
                                                     Worker              *worker);
/* On its worker: the admitted connection becomes libsoup's. */
void         osais_callback_server_guard_serve      (Connection          *conn);
/* Closes a connection admitted but never served, giving its place back. */
void         osais_callback_server_guard_release    (Connection          *conn);
void         osais_callback_server_guard_start      (Worker              *worker);
/* At stop: forgets the connections libsoup may still hold. */
void         osais_callback_server_guard_finish     (Worker              *worker);
void         osais_callback_server_guard_watch      (Worker              *worker);
/* Whether @msg's connection is still open and ours to answer on. */
gboolean     osais_callback_server_guard_is_open    (Worker              *worker,
                                                     SoupServerMessage   *msg);
/* The body of @msg is all there: our work on it starts. FALSE when a
 * streamed body, now counted in the body budget, does not fit in it. */
gboolean     osais_callback_server_guard_body_done  (Worker              *worker,
                                                     SoupServerMessage   *msg);
/* The route the head of @msg asked for (NULL: none), found once. */
const Route *osais_callback_server_guard_get_route  (SoupServerMessage   *msg,
                                                     const char         **argument);
/* The body of a streamed route, mapped from its temporary file. */
GBytes      *osais_callback_server_guard_dup_body   (SoupServerMessage   *msg);
/* Gives the pages of @msg's mapped body back to the page cache once
 * parsed: the store reads the image's pages again, at its own pace. */
void         osais_callback_server_guard_drop_pages (SoupServerMessage   *msg);
/* Writing the answer to @msg is bounded like reading its body was. */
void         osais_callback_server_guard_answering  (Worker              *worker,
                                                     SoupServerMessage   *msg);
guint        osais_callback_server_default_cap      (void);

/* osais-callback-server-body-pool.c: a buffer of IN_MEMORY_MAX_BODY bytes,
 * taken from the pool or new; given back (as a GBytes' free function, on
 * any thread, even once the server is gone) when its body is no longer
 * needed. */
struct _BodyBuffer
{
  BodyPool   *pool;
  BodyBuffer *next_idle;
  guint8      data[];
};

BodyPool    *osais_callback_server_body_pool_new    (void);
void         osais_callback_server_body_pool_unref  (BodyPool            *pool);
BodyBuffer  *osais_callback_server_body_buffer_take (BodyPool            *pool);
void         osais_callback_server_body_buffer_give (gpointer             buffer);

G_END_DECLS
