/* osais-thumbnail-loader.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisThumbnailLoader"

#include "config.h"

#include "osais-thumbnail-loader.h"

#define DEFAULT_SIZE        200
#define DEFAULT_MAX_ENTRIES 512

typedef struct
{
  char       *path;
  GdkTexture *texture;
} Entry;

struct _OsaisThumbnailLoader
{
  GObject     parent_instance;

  int         size;
  guint       max_entries;
  GQueue      lru;      /* Entry, most recently used first */
  GHashTable *entries;  /* path → GList link in lru */
};

G_DEFINE_FINAL_TYPE (OsaisThumbnailLoader, osais_thumbnail_loader, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SIZE,
  PROP_MAX_ENTRIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

static void
osais_thumbnail_loader_finalize (GObject *object)
{
  OsaisThumbnailLoader *self = OSAIS_THUMBNAIL_LOADER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_queue_clear_full (&self->lru, (GDestroyNotify)entry_free);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_thumbnail_loader_init (OsaisThumbnailLoader *self)
{
  self->size = DEFAULT_SIZE;
  self->max_entries = DEFAULT_MAX_ENTRIES;
  self->entries = g_hash_table_new (g_str_hash, g_str_equal);
}

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
osais_thumbnail_loader_get_n_cached (OsaisThumbnailLoader *self)
{
  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), 0);

  return self->lru.length;
}

/* Worker thread: decodes at a scale where the shorter side is @size (never
 * upscaled), which is what a cover-fitted square cell shows. */
static void
load_thumbnail_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  const char *path = task_data;
  int size = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "size"));
  GdkPixbuf *pixbuf;
  GError *error = NULL;
  int width = 0, height = 0;
  int scaled_width, scaled_height;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (gdk_pixbuf_get_file_info (path, &width, &height) == NULL || width <= 0 || height <= 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s is not an image", path);
      return;
    }

  if (MIN (width, height) > size)
    {
      double scale = (double)size / MIN (width, height);

      scaled_width = MAX (1, (int)(width * scale + 0.5));
      scaled_height = MAX (1, (int)(height * scale + 0.5));
    }
  else
    {
      scaled_width = width;
      scaled_height = height;
    }

  pixbuf = gdk_pixbuf_new_from_file_at_scale (path, scaled_width, scaled_height, FALSE, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

void
osais_thumbnail_loader_load_async (OsaisThumbnailLoader *self,
                                   GFile                *file,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
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
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Only local files have thumbnails");
      return;
    }

  g_task_set_task_data (task, path, g_free);
  g_object_set_data (G_OBJECT (task), "size", GINT_TO_POINTER (self->size));
  g_task_run_in_thread (task, load_thumbnail_thread);
}

GdkTexture *
osais_thumbnail_loader_load_finish (OsaisThumbnailLoader  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GdkTexture *texture;

  g_return_val_if_fail (OSAIS_IS_THUMBNAIL_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_thumbnail_loader_load_async, NULL);

  pixbuf = g_task_propagate_pointer (G_TASK (result), error);
  if (pixbuf == NULL)
    return NULL;

  /* Here, on the main thread: GDK objects are not made on workers. */
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  cache_insert (self, g_task_get_task_data (G_TASK (result)), texture);

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
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
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
