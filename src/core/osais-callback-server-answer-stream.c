/* osais-callback-server-answer-stream.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream libsoup writes a connection's answers to. libsoup writes an
 * answer's head and its body in two writes; sent as they come, they leave
 * as two TCP segments, each waking the client. Held (the guard holds the
 * stream when an answer of ours is set, see
 * osais_callback_server_guard_answering()), the stream gathers small writes
 * and sends them at the flush that follows the body (libsoup's, when it
 * closes the body's stream, or the guard's at "wrote-body"): one send, one
 * segment. This replaces a TCP_CORK set and cleared around each answer,
 * which cost two more system calls per answer (each dear on a virtual
 * machine) for the same single segment.
 *
 * What a flush cannot send at once (the client is not reading, and the
 * socket's buffer is full) is sent as the socket takes it, before any later
 * write; closing the stream then closes the connection once that is sent,
 * or after CLOSE_DRAIN_TIMEOUT_MS, as the kernel would have lingered on
 * bytes it held.
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include "osais-callback-server-answer-stream.h"

/* Writes gathered at most: an acknowledgement or an error is a few hundred
 * bytes; a larger body (a registered input) goes out as it is written. */
#define HOLD_MAX (16 * 1024)
#define CLOSE_DRAIN_TIMEOUT_MS 2000

struct _OsaisAnswerStream
{
  GOutputStream          parent_instance;

  GSocketConnection     *connection;
  GPollableOutputStream *base;           /* the connection's output */
  GMainContext          *context;        /* where the rest of a flush is sent */
  GByteArray            *pending;        /* gathered, or left by a flush */
  gboolean               held;
  GSource               *drain_source;   /* sends what a flush left */
  gboolean               closing;        /* close the connection once it is sent */
};

static void pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisAnswerStream, osais_answer_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      pollable_iface_init))

/* Sends what is pending without blocking. TRUE when all of it is sent;
 * FALSE with @error unset when the socket takes no more now. */
static gboolean
send_pending (OsaisAnswerStream  *self,
              GError            **error)
{
  while (self->pending->len > 0)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      n = g_pollable_output_stream_write_nonblocking (self->base, self->pending->data,
                                                      self->pending->len, NULL, &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return FALSE;
          /* The connection is broken: nothing more will be sent on it. */
          g_byte_array_set_size (self->pending, 0);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_byte_array_remove_range (self->pending, 0, n);
    }
  return TRUE;
}

static gboolean
has_room (OsaisAnswerStream *self,
          gsize              count)
{
  return self->held && self->pending->len + count <= HOLD_MAX;
}

static gboolean
drain_cb (GObject  *pollable_stream,
          gpointer  user_data)
{
  OsaisAnswerStream *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!send_pending (self, &error) && error == NULL &&
      !(self->closing && g_source_get_time (self->drain_source) >=
                         g_source_get_ready_time (self->drain_source)))
    return G_SOURCE_CONTINUE;

  if (error != NULL)
    g_debug ("Cannot send the end of an answer: %s", error->message);
  g_byte_array_set_size (self->pending, 0);
  g_clear_pointer (&self->drain_source, g_source_unref);
  if (self->closing)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* What a flush left is sent when the socket takes it, within
 * CLOSE_DRAIN_TIMEOUT_MS once the stream is closed. The source holds the
 * stream, and so the connection, until then. */
static void
start_draining (OsaisAnswerStream *self)
{
  if (self->drain_source == NULL)
    {
      self->drain_source = g_pollable_output_stream_create_source (self->base, NULL);
      g_source_set_callback (self->drain_source, (GSourceFunc) G_CALLBACK (drain_cb),
                             g_object_ref (self), g_object_unref);
      g_source_attach (self->drain_source, self->context);
    }
  if (self->closing)
    g_source_set_ready_time (self->drain_source,
                             g_get_monotonic_time () +
                             CLOSE_DRAIN_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND);
}

static gssize
osais_answer_stream_write_nonblocking (GPollableOutputStream  *stream,
                                       const void             *buffer,
                                       gsize                   count,
                                       GError                **error)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);
  g_autoptr(GError) local_error = NULL;

  if (has_room (self, count))
    {
      g_byte_array_append (self->pending, buffer, count);
      return count;
    }
  /* What came first leaves first. */
  if (!send_pending (self, &local_error))
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                             "The connection takes no more now");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return -1;
    }
  return g_pollable_output_stream_write_nonblocking (self->base, buffer, count, NULL, error);
}

static gboolean
osais_answer_stream_is_writable (GPollableOutputStream *stream)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);

  return has_room (self, 1) || g_pollable_output_stream_is_writable (self->base);
}

static GSource *
osais_answer_stream_create_source (GPollableOutputStream *stream,
                                   GCancellable          *cancellable)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);
  g_autoptr(GSource) base_source = NULL;

  base_source = g_pollable_output_stream_create_source (self->base, cancellable);
  return g_pollable_source_new_full (self, base_source, cancellable);
}

static gboolean
osais_answer_stream_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static void
pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = osais_answer_stream_can_poll;
  iface->is_writable = osais_answer_stream_is_writable;
  iface->create_source = osais_answer_stream_create_source;
  iface->write_nonblocking = osais_answer_stream_write_nonblocking;
}

/* The blocking writes, which the server (libsoup's asynchronous I/O) does
 * not use: as the non-blocking ones, blocking when the socket is full. */
static gssize
osais_answer_stream_write_fn (GOutputStream  *stream,
                              const void     *buffer,
                              gsize           count,
                              GCancellable   *cancellable,
                              GError        **error)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);
  GOutputStream *base = G_OUTPUT_STREAM (self->base);

  if (has_room (self, count))
    {
      g_byte_array_append (self->pending, buffer, count);
      return count;
    }
  if (self->pending->len > 0)
    {
      gboolean sent = g_output_stream_write_all (base, self->pending->data, self->pending->len,
                                                 NULL, cancellable, error);

      g_byte_array_set_size (self->pending, 0);
      if (!sent)
        return -1;
    }
  return g_output_stream_write (base, buffer, count, cancellable, error);
}

/* Ends the hold: what was gathered leaves now, in one send, or as the
 * socket takes it. Never blocks. */
static gboolean
osais_answer_stream_flush (GOutputStream  *stream,
                           GCancellable   *cancellable,
                           GError        **error)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);
  g_autoptr(GError) local_error = NULL;

  self->held = FALSE;
  if (send_pending (self, &local_error))
    return TRUE;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  start_draining (self);
  return TRUE;
}

static void
osais_answer_stream_flush_async (GOutputStream       *stream,
                                 int                  io_priority,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, osais_answer_stream_flush_async);
  if (osais_answer_stream_flush (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
osais_answer_stream_flush_finish (GOutputStream  *stream,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
osais_answer_stream_close_fn (GOutputStream  *stream,
                              GCancellable   *cancellable,
                              GError        **error)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (stream);
  g_autoptr(GError) local_error = NULL;

  self->held = FALSE;
  if (!send_pending (self, &local_error) && local_error == NULL)
    {
      /* The connection closes once the rest is sent (see drain_cb()). */
      self->closing = TRUE;
      start_draining (self);
      return TRUE;
    }
  if (self->drain_source != NULL)
    {
      g_source_destroy (self->drain_source);
      g_clear_pointer (&self->drain_source, g_source_unref);
    }
  return g_io_stream_close (G_IO_STREAM (self->connection), cancellable, error);
}

static void
osais_answer_stream_finalize (GObject *object)
{
  OsaisAnswerStream *self = OSAIS_ANSWER_STREAM (object);

  g_assert (self->drain_source == NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->pending, g_byte_array_unref);

  G_OBJECT_CLASS (osais_answer_stream_parent_class)->finalize (object);
}

static void
osais_answer_stream_class_init (OsaisAnswerStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = osais_answer_stream_finalize;
  stream_class->write_fn = osais_answer_stream_write_fn;
  stream_class->flush = osais_answer_stream_flush;
  stream_class->flush_async = osais_answer_stream_flush_async;
  stream_class->flush_finish = osais_answer_stream_flush_finish;
  stream_class->close_fn = osais_answer_stream_close_fn;
}

static void
osais_answer_stream_init (OsaisAnswerStream *self)
{
  self->pending = g_byte_array_new ();
}

OsaisAnswerStream *
osais_answer_stream_new (GSocketConnection *connection,
                         GMainContext      *context)
{
  OsaisAnswerStream *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  self = g_object_new (OSAIS_TYPE_ANSWER_STREAM, NULL);
  self->connection = g_object_ref (connection);
  self->base = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (connection)));
  self->context = g_main_context_ref (context);
  return self;
}

void
osais_answer_stream_hold (OsaisAnswerStream *self)
{
  g_return_if_fail (OSAIS_IS_ANSWER_STREAM (self));

  self->held = TRUE;
}
