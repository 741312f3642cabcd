/* osais-callback-server.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The callback server's object, its lifecycle, the accept loop and the
 * server threads. Its routes are in osais-callback-server-routes.c, and what
 * guards it against hostile clients in osais-callback-server-guard.c.
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <gio/gnetworking.h>
#include <libsoup/soup.h>

#include "osais-callback-server-private.h"
#include "osais-fd-limit.h"
#include "osais-thread-priority.h"
#include "osais-store.h"

/* How long the accept loop waits before retrying after accept() failed
 * (typically EMFILE): long enough not to spin, short enough to recover fast. */
#define ACCEPT_BACKOFF_MS 100
/* How many connections one wake-up of the accept loop takes at most, so that
 * a flood of connections cannot starve the connections already served. */
#define ACCEPT_BATCH 32
/* How long stop() lets the store finish callbacks it is working on, so that
 * they are still acknowledged, before it disconnects everything. */
#define STOP_GRACE_MS 1000
/* How long stop() then waits for the cancelled store operations to return. */
#define STOP_DRAIN_TIMEOUT_MS 5000
/* The default number of server threads is one per two processors, up to
 * this: beyond it, the store's single writer thread is the limit. */
#define MAX_DEFAULT_THREADS 4
/* An upper bound for the threads property, so that a typo cannot make
 * thousands of threads. */
#define MAX_THREADS 64

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
  PROP_HEADER_TIMEOUT_MS,
  PROP_BODY_TIMEOUT_MS,
  PROP_MIN_BODY_RATE,
  PROP_BODY_RATE_GRACE_MS,
  PROP_BODY_MEMORY_BUDGET,
  PROP_THREADS,
  PROP_LISTENING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];


static void
input_free (Input *input)
{
  g_bytes_unref (input->data);
  g_free (input->content_type);
  g_free (input);
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

/* On the worker's thread: the connection becomes libsoup's. */
static gboolean
serve_connection_cb (gpointer user_data)
{
  Connection **conn = user_data;

  osais_callback_server_guard_serve (g_steal_pointer (conn));
  return G_SOURCE_REMOVE;
}

static void
handoff_free (Connection **conn)
{
  /* Not served (the worker's context went away first). */
  if (*conn != NULL)
    osais_callback_server_guard_release (*conn);
  g_free (conn);
}

static void
serve_socket (OsaisCallbackServer *self,
              GSocket             *socket)
{
  Worker *worker = self->workers[self->next_worker];
  Connection **handoff;
  Connection *conn;

  conn = osais_callback_server_guard_admit (self, socket, worker);
  if (conn == NULL)
    {
      g_socket_close (socket, NULL);
      return;
    }

  /* Acknowledgements are small and latency matters more than packet count. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  /* Round-robin: each worker gets its share of the connections. */
  self->next_worker = (self->next_worker + 1) % self->n_workers;
  handoff = g_new (Connection *, 1);
  *handoff = conn;
  g_main_context_invoke_full (worker->context, G_PRIORITY_DEFAULT, serve_connection_cb,
                              handoff, (GDestroyNotify) handoff_free);
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
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_mutex);
  return G_SOURCE_REMOVE;
}

/* The server threads */

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
      /* A burst of as many connections as the cap waits in the kernel's
       * queue while the accept loop catches up: a full queue drops the
       * client's SYN, which it sends again only a second later (the kernel
       * clamps this to net.core.somaxconn). */
      g_socket_set_listen_backlog (socket, MAX (128, self->settings.cap));
    }
  if (socket == NULL ||
      !g_socket_bind (socket, address, TRUE, &local_error) ||
      !g_socket_listen (socket, &local_error) ||
      (bound = g_socket_get_local_address (socket, &local_error)) == NULL)
    {
      /* A taken port has its own code: what to do about it differs. */
      g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)
                     ? OSAIS_CALLBACK_SERVER_ERROR_PORT_IN_USE
                     : OSAIS_CALLBACK_SERVER_ERROR_LISTEN,
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
  OsaisCallbackServer *self = worker->owner;

  g_main_context_push_thread_default (worker->context);
  osais_thread_priority_lower_own_thread ();

  worker->server = soup_server_new ("server-header", "OSAIS-Studio", NULL);
  soup_server_add_handler (worker->server, NULL, osais_callback_server_handler_cb, worker, NULL);
  osais_callback_server_guard_start (worker);
  osais_callback_server_guard_watch (worker);
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
  drain_pending (worker, STOP_DRAIN_TIMEOUT_MS);

  g_clear_object (&worker->server);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  osais_callback_server_guard_finish (worker);

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

/* Each connection costs the kernel about as much as it costs us (a
 * handshake and a teardown per callback), and the store's writer and the
 * app need processors too: with a thread per processor, the hand-overs
 * between the accept loop and the other threads cost more than the extra
 * thread gives (on 2 processors under wrk, 241 µs of CPU per /notify
 * against 208 µs with one thread, and fewer acknowledgements a second). */
static guint
default_threads (void)
{
  return CLAMP (g_get_num_processors () / 2, 1, MAX_DEFAULT_THREADS);
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

  /* As many connections as the descriptors allow: lift the soft limit to
   * the hard one first (a no-op after the first time). */
  osais_raise_fd_limit ();
  self->settings.cap = self->max_connections != 0 ? self->max_connections
                                                  : osais_callback_server_default_cap ();
  g_free (self->settings.tmp_dir);
  self->settings.tmp_dir = g_build_filename (osais_store_get_data_dir (self->store), "tmp", NULL);

  /* Binding here, before any thread exists, reports a taken port plainly. */
  self->listen_socket = listen_on (self, &bound_port, error);
  if (self->listen_socket == NULL)
    return FALSE;

  self->bound_port = bound_port;
  self->n_started = 0;
  self->accept_stopped = FALSE;
  self->next_worker = 0;
  self->n_connections = 0;
  self->body_bytes = 0;

  /* Every worker exists before any thread runs: the accept loop may hand a
   * connection to a worker whose thread has not started yet (it is served
   * once that thread iterates its context). */
  self->n_workers = self->threads != 0 ? self->threads : default_threads ();
  self->workers = g_new0 (Worker *, self->n_workers);
  for (i = 0; i < self->n_workers; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->owner = self;
      worker->settings = &self->settings;
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
  g_string_append_printf (uri, ":%u%s", self->bound_port, self->settings.base_path);
  g_free (self->local_uri);
  self->local_uri = g_string_free (uri, FALSE);

  g_debug ("Listening on %s with %u threads, up to %u connections", self->local_uri,
           self->n_workers, self->settings.cap);
  self->listening = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  return TRUE;
}

/* The part of stopping that blocks: the threads finish what they were
 * doing (their grace periods) and are joined. */
static void
stop_threads (OsaisCallbackServer *self)
{
  guint i;

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
}

/* The rest, in the caller's thread, which is the one notified. */
static void
stop_done (OsaisCallbackServer *self)
{
  guint i;

  for (i = 0; i < self->n_workers; i++)
    worker_free (self->workers[i]);
  g_clear_pointer (&self->workers, g_free);
  self->n_workers = 0;
  g_assert (g_queue_is_empty (&self->all_connections));
  self->n_connections = 0;
  g_clear_object (&self->listen_socket);
  g_clear_pointer (&self->local_uri, g_free);
  self->bound_port = 0;
  self->stopping = FALSE;

  g_debug ("Stopped");
  self->listening = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
}

void
osais_callback_server_stop (OsaisCallbackServer *self)
{
  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (self));

  if (self->workers == NULL)
    return;

  if (self->stopping)
    {
      /* An asynchronous stop is joining the threads: wait for it. */
      g_mutex_lock (&self->start_mutex);
      while (!self->threads_joined)
        g_cond_wait (&self->start_cond, &self->start_mutex);
      g_mutex_unlock (&self->start_mutex);
    }
  else
    stop_threads (self);
  stop_done (self);
}

static void
stop_thread_cb (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OsaisCallbackServer *self = task_data;

  stop_threads (self);
  g_mutex_lock (&self->start_mutex);
  self->threads_joined = TRUE;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_mutex);
  g_task_return_boolean (task, TRUE);
}

static void
stopped_cb (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OsaisCallbackServer *self = g_task_get_source_object (task);

  /* A synchronous stop in the meantime has done the rest. */
  if (self->stopping)
    stop_done (self);
  g_task_return_boolean (task, TRUE);
}

void
osais_callback_server_stop_async (OsaisCallbackServer *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) thread_task = NULL;

  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (self));
  g_return_if_fail (!self->stopping);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, osais_callback_server_stop_async);
  if (self->workers == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->stopping = TRUE;
  self->threads_joined = FALSE;
  /* The thread's task holds no reference to the server: GLib's pool thread
   * drops its reference to that task only after returning it, so the
   * caller, called back meanwhile, could find the server still referenced
   * when it drops its own. The caller's task keeps the server alive until
   * stopped_cb(). */
  thread_task = g_task_new (NULL, NULL, stopped_cb, g_steal_pointer (&task));
  g_task_set_task_data (thread_task, self, NULL);
  g_task_run_in_thread (thread_task, stop_thread_cb);
}

void
osais_callback_server_stop_finish (OsaisCallbackServer *self,
                                   GAsyncResult        *result)
{
  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (self));
  g_return_if_fail (g_task_is_valid (result, self));

  g_task_propagate_boolean (G_TASK (result), NULL);
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

guint
osais_callback_server_get_n_connections (OsaisCallbackServer *self)
{
  guint n;

  g_return_val_if_fail (OSAIS_IS_CALLBACK_SERVER (self), 0);

  g_mutex_lock (&self->guard_mutex);
  n = self->n_connections;
  g_mutex_unlock (&self->guard_mutex);
  return n;
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
  set_string (self, &self->settings.base_path, normalized, PROP_BASE_PATH);
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
  g_free (self->settings.base_path);
  g_free (self->public_url);
  g_free (self->local_uri);
  g_free (self->settings.tmp_dir);
  g_mutex_clear (&self->guard_mutex);
  g_clear_pointer (&self->body_pool, osais_callback_server_body_pool_unref);
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
      g_value_set_string (value, self->settings.base_path);
      break;
    case PROP_PUBLIC_URL:
      g_mutex_lock (&self->inputs_mutex);
      g_value_set_string (value, self->public_url);
      g_mutex_unlock (&self->inputs_mutex);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_HEADER_TIMEOUT_MS:
      g_value_set_uint (value, self->settings.header_timeout_ms);
      break;
    case PROP_BODY_TIMEOUT_MS:
      g_value_set_uint (value, self->settings.body_timeout_ms);
      break;
    case PROP_MIN_BODY_RATE:
      g_value_set_uint (value, self->settings.min_body_rate);
      break;
    case PROP_BODY_RATE_GRACE_MS:
      g_value_set_uint (value, self->settings.body_rate_grace_ms);
      break;
    case PROP_BODY_MEMORY_BUDGET:
      g_value_set_uint64 (value, self->settings.body_memory_budget);
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
    case PROP_HEADER_TIMEOUT_MS:
      set_uint (self, &self->settings.header_timeout_ms, g_value_get_uint (value),
                PROP_HEADER_TIMEOUT_MS);
      break;
    case PROP_BODY_TIMEOUT_MS:
      set_uint (self, &self->settings.body_timeout_ms, g_value_get_uint (value),
                PROP_BODY_TIMEOUT_MS);
      break;
    case PROP_MIN_BODY_RATE:
      set_uint (self, &self->settings.min_body_rate, g_value_get_uint (value), PROP_MIN_BODY_RATE);
      break;
    case PROP_BODY_RATE_GRACE_MS:
      set_uint (self, &self->settings.body_rate_grace_ms, g_value_get_uint (value),
                PROP_BODY_RATE_GRACE_MS);
      break;
    case PROP_BODY_MEMORY_BUDGET:
      if (self->settings.body_memory_budget != g_value_get_uint64 (value))
        {
          self->settings.body_memory_budget = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
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
  /* 0: as many as the descriptors allow (the soft limit lifted to the hard
   * one), up to OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS. */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* 0 disables a timeout. */
  properties[PROP_HEADER_TIMEOUT_MS] =
    g_param_spec_uint ("header-timeout-ms", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_HEADER_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BODY_TIMEOUT_MS] =
    g_param_spec_uint ("body-timeout-ms", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_BODY_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Bytes a second a body must average once body-rate-grace-ms has passed;
   * 0 disables the check. */
  properties[PROP_MIN_BODY_RATE] =
    g_param_spec_uint ("min-body-rate", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_MIN_BODY_RATE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BODY_RATE_GRACE_MS] =
    g_param_spec_uint ("body-rate-grace-ms", NULL, NULL,
                       0, G_MAXUINT, OSAIS_CALLBACK_SERVER_BODY_RATE_GRACE_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The bytes of request bodies held in memory at once, all connections
   * together: bodies read into memory, and uploads from the moment they are
   * whole (streamed to disk, then mapped) until their answer. */
  properties[PROP_BODY_MEMORY_BUDGET] =
    g_param_spec_uint64 ("body-memory-budget", NULL, NULL,
                         0, G_MAXUINT64, OSAIS_CALLBACK_SERVER_BODY_MEMORY_BUDGET,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));
  /* 0: one per two processors, up to MAX_DEFAULT_THREADS. */
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
  self->settings.base_path = g_strdup ("/");
  self->settings.header_timeout_ms = OSAIS_CALLBACK_SERVER_HEADER_TIMEOUT_MS;
  self->settings.body_timeout_ms = OSAIS_CALLBACK_SERVER_BODY_TIMEOUT_MS;
  self->settings.min_body_rate = OSAIS_CALLBACK_SERVER_MIN_BODY_RATE;
  self->settings.body_rate_grace_ms = OSAIS_CALLBACK_SERVER_BODY_RATE_GRACE_MS;
  self->settings.body_memory_budget = OSAIS_CALLBACK_SERVER_BODY_MEMORY_BUDGET;
  g_mutex_init (&self->guard_mutex);
  self->body_pool = osais_callback_server_body_pool_new ();
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
