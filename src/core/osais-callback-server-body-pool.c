/* osais-callback-server-body-pool.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The buffers the guard reads request bodies into, when their declared
 * length fits IN_MEMORY_MAX_BODY, kept for the next bodies rather than
 * allocated and freed for each (see BODY_POOL_IDLE_MAX).
 */

#define G_LOG_DOMAIN "OsaisCallbackServer"

#include "config.h"

#include "osais-callback-server-private.h"

/* Such bodies are read into buffers of IN_MEMORY_MAX_BODY bytes that the
 * server keeps for the next ones, up to this many idle: a new 540 KB
 * buffer for each upload cost it some 85 page faults (a fresh mapping
 * zeroed page by page by the kernel, or heap pages that malloc trimmed
 * and took back), and the copy of each chunk into it was a sixth of the
 * upload's CPU. What this keeps: the pages the largest bodies touched,
 * at most BODY_POOL_IDLE_MAX × IN_MEMORY_MAX_BODY (16 MiB), about 4 MB
 * after a burst of eight usual images. */
#define BODY_POOL_IDLE_MAX 8

/* The buffers of bodies read into memory (see BODY_POOL_IDLE_MAX). A
 * buffer goes back to its pool when the last reference to the body goes,
 * on whichever thread (the store's, often), and possibly after the server
 * is gone: hence the pool's own reference count, one per buffer out. */
struct _BodyPool
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  BodyBuffer      *idle;
  guint            n_idle;
};

BodyPool *
osais_callback_server_body_pool_new (void)
{
  BodyPool *pool = g_new0 (BodyPool, 1);

  g_atomic_ref_count_init (&pool->ref_count);
  g_mutex_init (&pool->mutex);
  return pool;
}

void
osais_callback_server_body_pool_unref (BodyPool *pool)
{
  if (!g_atomic_ref_count_dec (&pool->ref_count))
    return;
  while (pool->idle != NULL)
    {
      BodyBuffer *buffer = pool->idle;

      pool->idle = buffer->next_idle;
      g_free (buffer);
    }
  g_mutex_clear (&pool->mutex);
  g_free (pool);
}

BodyBuffer *
osais_callback_server_body_buffer_take (BodyPool *pool)
{
  BodyBuffer *buffer;

  g_mutex_lock (&pool->mutex);
  buffer = pool->idle;
  if (buffer != NULL)
    {
      pool->idle = buffer->next_idle;
      pool->n_idle--;
    }
  g_mutex_unlock (&pool->mutex);

  /* Address space only: its pages are used as bodies come. */
  if (buffer == NULL)
    buffer = g_malloc (sizeof (BodyBuffer) + IN_MEMORY_MAX_BODY);
  buffer->pool = pool;
  buffer->next_idle = NULL;
  g_atomic_ref_count_inc (&pool->ref_count);
  return buffer;
}

void
osais_callback_server_body_buffer_give (gpointer data)
{
  BodyBuffer *buffer = data;
  BodyPool *pool = buffer->pool;

  g_mutex_lock (&pool->mutex);
  if (pool->n_idle < BODY_POOL_IDLE_MAX)
    {
      buffer->next_idle = pool->idle;
      pool->idle = g_steal_pointer (&buffer);
      pool->n_idle++;
    }
  g_mutex_unlock (&pool->mutex);
  g_free (buffer);
  osais_callback_server_body_pool_unref (pool);
}
