/* osais-thumbnail-loader.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisThumbnailLoader"

#include "config.h"

#include "osais-thumbnail-loader.h"
#include "osais-thread-priority.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SIZE        200
/* Above the ~212 cells GTK 4.8's grid keeps bound at max-columns 6, so that
 * scrolling back finds them; 200² RGBA each, 40 MB when full. */
#define DEFAULT_MAX_ENTRIES 256

/* Decoding is background work: two threads leave a core to the UI on a
 * two-core machine, and they run under SCHED_IDLE, which the scheduler
 * preempts as soon as the main thread wakes, and whose processor counts as
 * free when it places it. With a nice value alone (19), while 10 uploads a
 * second arrived, the main thread still woke behind a decoder, the other
 * processor idle: 72 of the 108 ms it waited for one in 14 s (perf sched,
 * waits over 0.5 ms). */
#define N_DECODE_THREADS    2
#define READ_CHUNK          (64 * 1024)
/* Thumbnails decoded from an upload's bytes, waiting for their tiles to ask
 * (osais_thumbnail_loader_prepare()): the last ones only, as an upload that
 * lands out of view is never asked for. */
#define MAX_PREPARED        32

/* The freedesktop thumbnail cache's keys for what the thumbnail was made
 * from; a thumbnail whose keys differ from the original's is stale. */
#define MTIME_KEY           "tEXt::Thumb::MTime"
#define SIZE_KEY            "tEXt::Thumb::Size"

G_DEFINE_QUARK (osais-thumbnail-error-quark, osais_thumbnail_error)

typedef struct
{
  char       *path;
  GdkTexture *texture;
} Entry;

/* What a worker needs, copied at request time. */
typedef struct
{
  char    *path;
  char    *cache_path;  /* NULL: no disk cache */
  int      size;
  GBytes  *bytes;       /* a prepare: the file's contents, not read from it */
} Request;

/* A thumbnail decoded, or being decoded, from an upload's bytes. */
typedef struct
{
  GdkPixbuf *pixbuf;    /* NULL while decoding, or if the bytes were no image */
  gboolean   started;   /* a worker is decoding it: it will be done */
  gboolean   done;
} Prepared;

/* A decoded thumbnail, in gdk-pixbuf's own layout (R, G, B and maybe
 * straight A bytes). The cairo renderer converts a texture's pixels in
 * every frame it draws it, and GTK 4.8 has fast conversions from these
 * formats only: 0.03 ms for a 200² R8G8B8 tile and 0.12 ms for R8G8B8A8,
 * against 0.28 ms for its own GDK_MEMORY_DEFAULT, which it converts
 * through floats. */
typedef struct
{
  GBytes          *pixels;
  GdkMemoryFormat  format;
  int              width;
  int              height;
  gsize            stride;
} Pixels;

struct _OsaisThumbnailLoader
{
  GObject      parent_instance;

  int          size;
  guint        max_entries;
  char        *cache_dir;
  /* Of GTask, first come first served: the gallery asks only for the
   * tiles in view, and cancels what leaves it. */
  GThreadPool *pool;
  int          n_pending; /* atomic: pushed and not yet run to the end */
  GQueue       lru;       /* Entry, most recently used first */
  GHashTable  *entries;   /* path → GList link in lru */

  /* Shared with the workers and the threads that prepare, under
   * prepared_mutex. */
  GMutex       prepared_mutex;
  GCond        prepared_cond;
  GHashTable  *prepared;       /* path → Prepared */
  GQueue       prepared_order; /* paths (the table's keys), oldest first */
};

G_DEFINE_FINAL_TYPE (OsaisThumbnailLoader, osais_thumbnail_loader, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SIZE,
  PROP_MAX_ENTRIES,
  PROP_CACHE_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
request_free (Request *request)
{
  g_free (request->path);
  g_free (request->cache_path);
  g_clear_pointer (&request->bytes, g_bytes_unref);
  g_free (request);
}

static void
prepared_free (Prepared *prepared)
{
  g_clear_object (&prepared->pixbuf);
  g_free (prepared);
}

static void
pixels_free (Pixels *pixels)
{
  g_bytes_unref (pixels->pixels);
  g_free (pixels);
}

static void
entry_free (Entry *entry)
{
  g_free (entry->path);
  g_clear_object (&entry->texture);
  g_free (entry);
}

static void
evict_to (OsaisThumbnailLoader *self,
          guint                 max)
{
  while (self->lru.length > max)
    {
      Entry *entry = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->entries, entry->path);
      entry_free (entry);
    }
}

static void
cache_insert (OsaisThumbnailLoader *self,
              const char           *path,
              GdkTexture           *texture)
{
  GList *link = g_hash_table_lookup (self->entries, path);
  Entry *entry;

  if (link != NULL)
    {
      entry = link->data;
      g_set_object (&entry->texture, texture);
      g_queue_unlink (&self->lru, link);
      g_queue_push_head_link (&self->lru, link);
      return;
    }

  entry = g_new0 (Entry, 1);
  entry->path = g_strdup (path);
  entry->texture = g_object_ref (texture);
  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->entries, entry->path, self->lru.head);
  evict_to (self, self->max_entries);
}

/* Workers ----------------------------------------------------------------- */

static void
lower_thread_priority (void)
{
  static GPrivate lowered = G_PRIVATE_INIT (NULL);

  if (g_private_get (&lowered) != NULL)
    return;
  g_private_set (&lowered, GINT_TO_POINTER (TRUE));
  osais_thread_priority_idle_own_thread ();
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  int size = GPOINTER_TO_INT (user_data);
  double scale;

  /* The shorter side at @size (never upscaled): what a cover-fitted square
   * cell shows. */
  if (MIN (width, height) <= size)
    return;

  scale = (double) size / MIN (width, height);
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)),
                              MAX (1, (int) (height * scale + 0.5)));
}

/* The thumbnail in the disk cache, if it was made from the original as it
 * is now (@st). */
static GdkPixbuf *
read_cached (const char        *cache_path,
             const struct stat *st)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *mtime = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st->st_mtime);
  g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st->st_size);

  pixbuf = gdk_pixbuf_new_from_file (cache_path, NULL);
  if (pixbuf == NULL)
    return NULL;

  if (g_strcmp0 (gdk_pixbuf_get_option (pixbuf, MTIME_KEY), mtime) != 0 ||
      g_strcmp0 (gdk_pixbuf_get_option (pixbuf, SIZE_KEY), size) != 0)
    {
      g_debug ("Stale thumbnail %s", cache_path);
      return NULL;
    }

  return g_steal_pointer (&pixbuf);
}

/* Replaces the cached thumbnail at once (a temporary file renamed over it),
 * so that a reader never sees half of one. Failing is no error: the
 * thumbnail is decoded again next time. */
static void
write_cached (const char        *cache_path,
              GdkPixbuf         *pixbuf,
              const struct stat *st)
{
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *mtime = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st->st_mtime);
  g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st->st_size);
  g_autofree char *buffer = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_debug ("Could not create %s: %s", dir, g_strerror (errno));
      return;
    }

  /* A low compression level: the write is on the way to the screen, and a
   * tile-size file is small anyway. A cache needs no fsync: no DURABLE. */
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error,
                                  MTIME_KEY, mtime, SIZE_KEY, size, "compression", "3", NULL) ||
      !g_file_set_contents_full (cache_path, buffer, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &error))
    g_debug ("Could not write the thumbnail %s: %s", cache_path, error->message);
}

static GdkPixbufLoader *
scaling_loader_new (int size)
{
  GdkPixbufLoader *loader = gdk_pixbuf_loader_new ();

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb),
                    GINT_TO_POINTER (size));

  return loader;
}

/* An upload's thumbnail, from the bytes the store was given. */
static GdkPixbuf *
decode_bytes (GBytes *bytes,
              int     size)
{
  g_autoptr(GdkPixbufLoader) loader = scaling_loader_new (size);
  gboolean written = TRUE;
  const guint8 *data;
  gsize length;
  gboolean closed;
  GdkPixbuf *pixbuf;

  /* In chunks, with a yield to the main thread between them. */
  data = g_bytes_get_data (bytes, &length);
  for (gsize done = 0; written && done < length; done += READ_CHUNK)
    {
      written = gdk_pixbuf_loader_write (loader, data + done, MIN (READ_CHUNK, length - done),
                                         NULL);
      osais_thread_priority_yield ();
    }
  /* Closed in every case: a loader left open warns when finalized. */
  closed = gdk_pixbuf_loader_close (loader, NULL);
  pixbuf = written && closed ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;

  return pixbuf != NULL ? g_object_ref (pixbuf) : NULL;
}

/* What a prepare decoded for @path, waiting for it while a worker decodes
 * it (a prepare is queued first, before the tile can ask). One that no
 * worker has started is not waited for: this request may hold the worker
 * it needs (the same image stored again while its older tile asked), so it
 * is dropped, and its worker skips it. NULL then, if there is none, or if
 * the bytes were no image: the file is read. */
static GdkPixbuf *
take_prepared (OsaisThumbnailLoader *self,
               const char           *path)
{
  GdkPixbuf *pixbuf = NULL;
  Prepared *prepared;

  g_mutex_lock (&self->prepared_mutex);
  while ((prepared = g_hash_table_lookup (self->prepared, path)) != NULL &&
         prepared->started && !prepared->done)
    g_cond_wait (&self->prepared_cond, &self->prepared_mutex);
  if (prepared != NULL)
    {
      GList *link = g_queue_find_custom (&self->prepared_order, path, (GCompareFunc) strcmp);

      pixbuf = g_steal_pointer (&prepared->pixbuf);
      g_queue_delete_link (&self->prepared_order, link);
      g_hash_table_remove (self->prepared, path);
    }
  g_mutex_unlock (&self->prepared_mutex);

  return pixbuf;
}

/* One open and one parse of the original: read in chunks into a pixbuf
 * loader that scales as it decodes. The fd's fstat says what was decoded. */
static GdkPixbuf *
decode_original (const char    *path,
                 int            size,
                 struct stat   *st,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree guchar *buffer = NULL;
  g_autoptr(GError) local_error = NULL;
  GdkPixbuf *pixbuf;
  gboolean ok = TRUE;
  gboolean closed;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, st) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_UNREADABLE,
                   "Cannot read %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }

  /* Made only now: a loader must be closed before it goes. */
  loader = scaling_loader_new (size);
  buffer = g_malloc (READ_CHUNK);
  for (;;)
    {
      gssize n = read (fd, buffer, READ_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_UNREADABLE,
                       "Cannot read %s: %s", path, g_strerror (errno));
          ok = FALSE;
          break;
        }
      if (n == 0)
        break;
      /* A tile that scrolled away mid-decode stops here. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (!gdk_pixbuf_loader_write (loader, buffer, n, &local_error))
        break;
      osais_thread_priority_yield ();
    }
  close (fd);

  /* Closed in every case: a loader left open warns when finalized. */
  closed = gdk_pixbuf_loader_close (loader, local_error == NULL ? &local_error : NULL);
  if (!ok)
    return NULL;
  if (!closed || local_error != NULL)
    {
      g_set_error (error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_NOT_AN_IMAGE,
                   "%s is not an image: %s", path,
                   local_error != NULL ? local_error->message : "unknown format");
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_NOT_AN_IMAGE,
                   "%s is not an image", path);
      return NULL;
    }

  return g_object_ref (pixbuf);
}

/* @pixbuf's pixels as they are, without a copy. */
static Pixels *
pixels_new_for_pixbuf (GdkPixbuf *pixbuf)
{
  Pixels *pixels = g_new0 (Pixels, 1);

  g_assert (gdk_pixbuf_get_bits_per_sample (pixbuf) == 8);
  pixels->pixels = gdk_pixbuf_read_pixel_bytes (pixbuf);
  pixels->format = gdk_pixbuf_get_has_alpha (pixbuf) ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8;
  pixels->width = gdk_pixbuf_get_width (pixbuf);
  pixels->height = gdk_pixbuf_get_height (pixbuf);
  pixels->stride = gdk_pixbuf_get_rowstride (pixbuf);

  return pixels;
}

static void
run_request (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;
  gboolean decoded = FALSE;
  struct stat st;

  /* Asked for by a tile that has scrolled away since: skipped unread. */
  if (g_task_return_error_if_cancelled (task))
    return;

  if (request->bytes != NULL)
    {
      OsaisThumbnailLoader *self = g_task_get_source_object (task);
      Prepared *prepared;

      g_mutex_lock (&self->prepared_mutex);
      /* Gone if more uploads came meanwhile than are kept, or if the
       * tile's request came first (take_prepared()). */
      prepared = g_hash_table_lookup (self->prepared, request->path);
      if (prepared != NULL)
        prepared->started = TRUE;
      g_mutex_unlock (&self->prepared_mutex);
      if (prepared != NULL)
        pixbuf = decode_bytes (request->bytes, request->size);
      /* Let go here, not with the task on the main thread: the bytes may
       * be the last hold on the upload's mapped temporary file, and its
       * unmapping then frees the file's pages (tests/bench/gui under perf:
       * 6 % of the main thread's time while uploads arrived). */
      g_clear_pointer (&request->bytes, g_bytes_unref);

      g_mutex_lock (&self->prepared_mutex);
      prepared = g_hash_table_lookup (self->prepared, request->path);
      if (prepared != NULL && !prepared->done)
        {
          prepared->pixbuf = g_steal_pointer (&pixbuf);
          prepared->done = TRUE;
        }
      g_cond_broadcast (&self->prepared_cond);
      g_mutex_unlock (&self->prepared_mutex);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* An upload's, decoded from its bytes while the store committed it: the
   * tile's texture without reading the file; the disk cache is written
   * from it below. */
  pixbuf = take_prepared (g_task_get_source_object (task), request->path);
  if (pixbuf != NULL)
    decoded = g_stat (request->path, &st) == 0;
  else if (request->cache_path != NULL && g_stat (request->path, &st) == 0)
    pixbuf = read_cached (request->cache_path, &st);

  if (pixbuf == NULL)
    {
      pixbuf = decode_original (request->path, request->size, &st, cancellable, &error);
      if (pixbuf == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      decoded = TRUE;
    }

  g_task_return_pointer (task, pixels_new_for_pixbuf (pixbuf), (GDestroyNotify) pixels_free);

  /* Written once the tile has its pixels: the encoding and the write are
   * not on the way to the screen (n_pending counts them still). */
  if (decoded && request->cache_path != NULL)
    write_cached (request->cache_path, pixbuf, &st);
}

static gboolean
release_task_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
load_thread (gpointer data,
             gpointer user_data)
{
  GTask *task = data;

  lower_thread_priority ();
  run_request (task);
  g_atomic_int_add (&((OsaisThumbnailLoader *) g_task_get_source_object (task))->n_pending, -1);

  /* The pool's reference is dropped on the task's own context, not here:
   * once the callback has run, it may be the last one on the task, whose
   * last one may be on the loader, and a loader finalized on one of its own
   * threads would wait for that thread to end. */
  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT,
                              release_task_cb, task, g_object_unref);
}

/* GObject ----------------------------------------------------------------- */

static void
osais_thumbnail_loader_finalize (GObject *object)
{
  OsaisThumbnailLoader *self = OSAIS_THUMBNAIL_LOADER (object);

  /* Each queued task holds a reference on the loader: the pool is idle. */
  g_thread_pool_free (self->pool, TRUE, TRUE);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_queue_clear_full (&self->lru, (GDestroyNotify)entry_free);
  g_queue_clear (&self->prepared_order);
  g_clear_pointer (&self->prepared, g_hash_table_unref);
  g_mutex_clear (&self->prepared_mutex);
  g_cond_clear (&self->prepared_cond);
  g_free (self->cache_dir);

  G_OBJECT_CLASS (osais_thumbnail_loader_parent_class)->finalize (object);
}

static void
osais_thumbnail_loader_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  OsaisThumbnailLoader *self = OSAIS_THUMBNAIL_LOADER (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_int (value, self->size);
      break;

    case PROP_MAX_ENTRIES:
      g_value_set_uint (value, self->max_entries);
      break;

    case PROP_CACHE_DIR:
      g_value_set_string (value, self->cache_dir);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_thumbnail_loader_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  OsaisThumbnailLoader *self = OSAIS_THUMBNAIL_LOADER (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      self->size = g_value_get_int (value);
      break;

    case PROP_MAX_ENTRIES:
      self->max_entries = g_value_get_uint (value);
      break;

    case PROP_CACHE_DIR:
      osais_thumbnail_loader_set_cache_dir (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_thumbnail_loader_class_init (OsaisThumbnailLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osais_thumbnail_loader_finalize;
  object_class->get_property = osais_thumbnail_loader_get_property;
  object_class->set_property = osais_thumbnail_loader_set_property;

  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL, 16, 1024, DEFAULT_SIZE,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_ENTRIES] =
    g_param_spec_uint ("max-entries", NULL, NULL, 1, G_MAXUINT, DEFAULT_MAX_ENTRIES,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE_DIR] =
    g_param_spec_string ("cache-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_thumbnail_loader_init (OsaisThumbnailLoader *self)
{
  self->size = DEFAULT_SIZE;
  self->max_entries = DEFAULT_MAX_ENTRIES;
  self->entries = g_hash_table_new (g_str_hash, g_str_equal);
  self->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) prepared_free);
  g_mutex_init (&self->prepared_mutex);
  g_cond_init (&self->prepared_cond);
  /* Exclusive: its threads are ours alone, so lowering their priority
   * touches no other pool's work. Cannot fail when exclusive is TRUE with a
   * bounded number of threads, other than by aborting. */
  self->pool = g_thread_pool_new (load_thread, NULL, N_DECODE_THREADS, TRUE, NULL);
}

/* Public ------------------------------------------------------------------ */

OsaisThumbnailLoader *
osais_thumbnail_loader_new (int   size,
                            guint max_entries)
{
  return g_object_new (OSAIS_TYPE_THUMBNAIL_LOADER,
                       "size", size,
                       "max-entries", max_entries,
                       NULL);
}

OsaisThumbnailLoader *
osais_thumbnail_loader_get_default (void)
{
  static OsaisThumbnailLoader *instance;

  if (instance == NULL)
    instance = osais_thumbnail_loader_new (DEFAULT_SIZE, DEFAULT_MAX_ENTRIES);

  return instance;
}

const char *
osais_thumbnail_loader_get_cache_dir (OsaisThumbnailLoader *self)
{
  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), NULL);

  return self->cache_dir;
}

void
osais_thumbnail_loader_set_cache_dir (OsaisThumbnailLoader *self,
                                      const char           *cache_dir)
{
  g_return_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self));

  if (g_strcmp0 (self->cache_dir, cache_dir) == 0)
    return;

  g_free (self->cache_dir);
  self->cache_dir = g_strdup (cache_dir);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE_DIR]);
}

char *
osais_thumbnail_loader_dup_cache_path (OsaisThumbnailLoader *self,
                                       GFile                *file)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *digest = NULL;

  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  path = g_file_get_path (file);
  if (self->cache_dir == NULL || path == NULL)
    return NULL;

  /* Named by the original's path, as the freedesktop cache names by URI:
   * one name per image, whatever the image file is called; and by the size,
   * so that a loader of another size never takes it for its own. */
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  name = g_strdup_printf ("%s-%d.png", digest, self->size);

  return g_build_filename (self->cache_dir, name, NULL);
}

GdkTexture *
osais_thumbnail_loader_lookup (OsaisThumbnailLoader *self,
                               GFile                *file)
{
  g_autofree char *path = NULL;
  GList *link;

  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  path = g_file_get_path (file);
  link = path != NULL ? g_hash_table_lookup (self->entries, path) : NULL;
  if (link == NULL)
    return NULL;

  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);

  return ((Entry *)link->data)->texture;
}

guint
osais_thumbnail_loader_get_n_pending (OsaisThumbnailLoader *self)
{
  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), 0);

  return g_atomic_int_get (&self->n_pending);
}

guint
osais_thumbnail_loader_get_n_cached (OsaisThumbnailLoader *self)
{
  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), 0);

  return self->lru.length;
}

void
osais_thumbnail_loader_load_async (OsaisThumbnailLoader *self,
                                   GFile                *file,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;
  char *path;

  g_return_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_thumbnail_loader_load_async);
  g_task_set_name (task, "[osais-thumbnail-loader] load");

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_task_return_new_error (task, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_NOT_LOCAL,
                               "Only local files have thumbnails");
      return;
    }

  request = g_new0 (Request, 1);
  request->path = path;
  request->cache_path = osais_thumbnail_loader_dup_cache_path (self, file);
  request->size = self->size;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  /* The pool owns this reference until the worker returns. */
  g_atomic_int_inc (&self->n_pending);
  g_thread_pool_push (self->pool, g_steal_pointer (&task), NULL);
}

void
osais_thumbnail_loader_prepare (OsaisThumbnailLoader *self,
                                const char           *path,
                                GBytes               *bytes)
{
  g_autoptr(GTask) task = NULL;
  Request *request;
  char *key;

  g_return_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (bytes != NULL);

  g_mutex_lock (&self->prepared_mutex);
  if (g_hash_table_contains (self->prepared, path))
    {
      /* The same image stored again (the store keeps it once). */
      g_mutex_unlock (&self->prepared_mutex);
      return;
    }
  key = g_strdup (path);
  g_hash_table_insert (self->prepared, key, g_new0 (Prepared, 1));
  g_queue_push_tail (&self->prepared_order, key);
  while (self->prepared_order.length > MAX_PREPARED)
    /* A request waiting for it reads the file instead. */
    g_hash_table_remove (self->prepared, g_queue_pop_head (&self->prepared_order));
  g_cond_broadcast (&self->prepared_cond);
  g_mutex_unlock (&self->prepared_mutex);

  /* No callback: what it decodes waits in the table for the tile. */
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, osais_thumbnail_loader_prepare);
  g_task_set_name (task, "[osais-thumbnail-loader] prepare");
  request = g_new0 (Request, 1);
  request->path = g_strdup (path);
  request->size = self->size;
  request->bytes = g_bytes_ref (bytes);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  g_atomic_int_inc (&self->n_pending);
  /* Before the requests of tiles scrolled into view meanwhile: the upload
   * is what the user waits for. */
  g_thread_pool_push (self->pool, g_object_ref (task), NULL);
  g_thread_pool_move_to_front (self->pool, task);
}

GdkTexture *
osais_thumbnail_loader_load_finish (OsaisThumbnailLoader  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  Pixels *pixels;
  Request *request;
  GdkTexture *texture;

  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_thumbnail_loader_load_async, NULL);

  /* A cancelled request delivers nothing, even when its worker finished. */
  pixels = g_task_propagate_pointer (G_TASK (result), error);
  if (pixels == NULL)
    return NULL;

  /* Here, on the main thread: GDK objects are not made on workers. */
  texture = gdk_memory_texture_new (pixels->width, pixels->height, pixels->format,
                                    pixels->pixels, pixels->stride);
  pixels_free (pixels);
  request = g_task_get_task_data (G_TASK (result));
  cache_insert (self, request->path, texture);

  return texture;
}

static void
load_full_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GdkPixbuf *pixbuf;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  pixbuf = gdk_pixbuf_new_from_file (task_data, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

void
osais_load_full_texture_async (GFile               *file,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  char *path;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_load_full_texture_async);
  g_task_set_name (task, "[osais-thumbnail-loader] load full");

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_task_return_new_error (task, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_NOT_LOCAL,
                               "Only local files can be shown");
      return;
    }

  g_task_set_task_data (task, path, g_free);
  g_task_run_in_thread (task, load_full_thread);
}

GdkTexture *
osais_load_full_texture_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_load_full_texture_async, NULL);

  pixbuf = g_task_propagate_pointer (G_TASK (result), error);
  if (pixbuf == NULL)
    return NULL;

  return gdk_texture_new_for_pixbuf (pixbuf);
}
