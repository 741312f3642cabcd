/* osais-image.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImage"

#include "osais-image.h"

#include <string.h>

#include "osais-image-check.h"

/* An image is immutable once shared: the store builds it on its writer
 * thread (or while loading), gives it its id, and shares it with the main
 * context, which is safe because nothing the writer reads ever changes. The
 * one exception, favourite, is the main context's alone: the store changes
 * it there (after the commit that records it), and the writer never reads
 * it.
 *
 * A history holds 100,000 of them, most never looked at: an image the store
 * read keeps its file as its data folder (interned: one string for all) and
 * its path under it, which is NULL when it is the name the store gives
 * (osais_image_stored_path()), and its time as a number; the GFile and the
 * GDateTime are made the first time someone asks, on whatever thread, once. */
struct _OsaisImage
{
  GObject     parent_instance;

  GFile      *file;        /* atomic once shared */
  GDateTime  *received;    /* atomic once shared */
  const char *data_dir;    /* interned; NULL when made with a file */
  char       *relative_path;
  const char *content_type; /* interned */
  gint64      uid;
  gint64      received_usec;
  gint64      id;
  guint64     size;
  int         cycle;
  guint       width;
  guint       height;
  gboolean    favourite;
  char        hash[65];
};

G_DEFINE_FINAL_TYPE (OsaisImage, osais_image, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_UID,
  PROP_CYCLE,
  PROP_SIZE,
  PROP_CONTENT_TYPE,
  PROP_HASH,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_RECEIVED,
  PROP_ID,
  PROP_FAVOURITE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
osais_image_finalize (GObject *object)
{
  OsaisImage *self = (OsaisImage *)object;

  g_clear_object (&self->file);
  g_clear_pointer (&self->relative_path, g_free);
  g_clear_pointer (&self->received, g_date_time_unref);

  G_OBJECT_CLASS (osais_image_parent_class)->finalize (object);
}

static void
osais_image_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OsaisImage *self = OSAIS_IMAGE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, osais_image_get_file (self));
      break;

    case PROP_UID:
      g_value_set_int64 (value, self->uid);
      break;

    case PROP_CYCLE:
      g_value_set_int (value, self->cycle);
      break;

    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;

    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;

    case PROP_HASH:
      g_value_set_string (value, self->hash);
      break;

    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;

    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;

    case PROP_RECEIVED:
      g_value_set_boxed (value, osais_image_get_received (self));
      break;

    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_FAVOURITE:
      g_value_set_boolean (value, self->favourite);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_image_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OsaisImage *self = OSAIS_IMAGE (object);

  /* All properties are construct-only: each is set exactly once. */
  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;

    case PROP_UID:
      self->uid = g_value_get_int64 (value);
      break;

    case PROP_CYCLE:
      self->cycle = g_value_get_int (value);
      break;

    case PROP_SIZE:
      self->size = g_value_get_uint64 (value);
      break;

    case PROP_CONTENT_TYPE:
      self->content_type = g_intern_string (g_value_get_string (value));
      break;

    case PROP_HASH:
      g_strlcpy (self->hash, g_value_get_string (value) != NULL ? g_value_get_string (value) : "",
                 sizeof self->hash);
      break;

    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;

    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;

    case PROP_RECEIVED:
      self->received = g_value_dup_boxed (value);
      self->received_usec = self->received == NULL ? 0 :
                            g_date_time_to_unix (self->received) * G_USEC_PER_SEC +
                            g_date_time_get_microsecond (self->received);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_image_class_init (OsaisImageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  object_class->finalize = osais_image_finalize;
  object_class->get_property = osais_image_get_property;
  object_class->set_property = osais_image_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, flags);
  properties[PROP_UID] =
    g_param_spec_int64 ("uid", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_CYCLE] =
    g_param_spec_int ("cycle", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  properties[PROP_HASH] =
    g_param_spec_string ("hash", NULL, NULL, NULL, flags);
  properties[PROP_WIDTH] =
    g_param_spec_uint ("width", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_HEIGHT] =
    g_param_spec_uint ("height", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_RECEIVED] =
    g_param_spec_boxed ("received", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /* Set by the store alone (osais_image_set_id(), osais_image_set_favourite()):
   * readable, so that nothing else changes them without the history. */
  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAVOURITE] =
    g_param_spec_boolean ("favourite", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_image_init (OsaisImage *self)
{
}

OsaisImage *
osais_image_new (GFile      *file,
                 gint64      uid,
                 int         cycle,
                 guint64     size,
                 const char *content_type,
                 const char *hash,
                 guint       width,
                 guint       height,
                 GDateTime  *received)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cycle >= 0, NULL);

  return g_object_new (OSAIS_TYPE_IMAGE,
                       "file", file,
                       "uid", uid,
                       "cycle", cycle,
                       "size", size,
                       "content-type", content_type,
                       "hash", hash,
                       "width", width,
                       "height", height,
                       "received", received,
                       NULL);
}

OsaisImage *
osais_image_new_stored (const char *data_dir,
                        const char *relative_path,
                        gint64      uid,
                        int         cycle,
                        guint64     size,
                        const char *content_type,
                        const char *hash,
                        guint       width,
                        guint       height,
                        gint64      received_usec,
                        gint64      id,
                        gboolean    favourite)
{
  OsaisImage *self;
  g_autofree char *usual = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (hash != NULL, NULL);
  g_return_val_if_fail (cycle >= 0 && id >= 0, NULL);

  self = g_object_new (OSAIS_TYPE_IMAGE, NULL);
  self->data_dir = g_intern_string (data_dir);
  self->uid = uid;
  self->cycle = cycle;
  self->size = size;
  self->content_type = g_intern_string (content_type);
  g_strlcpy (self->hash, hash, sizeof self->hash);
  self->width = width;
  self->height = height;
  self->received_usec = received_usec;
  self->id = id;
  self->favourite = !!favourite;

  if (relative_path != NULL)
    usual = osais_image_stored_path (uid, cycle, hash, content_type);
  if (relative_path != NULL && strcmp (usual, relative_path) != 0)
    self->relative_path = g_strdup (relative_path);

  return self;
}

gboolean
osais_image_get_stored_location (OsaisImage  *self,
                                 const char **data_dir,
                                 const char **relative_path)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), FALSE);

  *data_dir = self->data_dir;
  *relative_path = self->relative_path;

  return self->data_dir != NULL;
}

gint64
osais_image_get_received_usec (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->received_usec;
}

char *
osais_image_stored_path (gint64      uid,
                         int         cycle,
                         const char *hash,
                         const char *content_type)
{
  const char *extension = osais_image_extension_for_content_type (content_type);

  return g_strdup_printf ("images" G_DIR_SEPARATOR_S "%" G_GINT64_FORMAT G_DIR_SEPARATOR_S "%d-%.16s.%s",
                          uid, cycle, hash, extension != NULL ? extension : "bin");
}

GFile *
osais_image_get_file (OsaisImage *self)
{
  GFile *file;

  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  file = g_atomic_pointer_get (&self->file);
  if (file == NULL)
    {
      g_autofree char *usual = NULL;
      g_autofree char *path = NULL;

      if (self->relative_path == NULL)
        usual = osais_image_stored_path (self->uid, self->cycle, self->hash, self->content_type);
      path = g_build_filename (self->data_dir,
                               self->relative_path != NULL ? self->relative_path : usual, NULL);
      file = g_file_new_for_path (path);
      /* Another thread may have been first: its file is the image's. */
      if (!g_atomic_pointer_compare_and_exchange (&self->file, NULL, file))
        {
          g_object_unref (file);
          file = g_atomic_pointer_get (&self->file);
        }
    }

  return file;
}

gint64
osais_image_get_uid (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->uid;
}

int
osais_image_get_cycle (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->cycle;
}

guint64
osais_image_get_size (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->size;
}

const char *
osais_image_get_content_type (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  return self->content_type;
}

const char *
osais_image_get_hash (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  return self->hash;
}

guint
osais_image_get_width (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->width;
}

guint
osais_image_get_height (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->height;
}

GDateTime *
osais_image_get_received (OsaisImage *self)
{
  GDateTime *received;

  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  received = g_atomic_pointer_get (&self->received);
  if (received == NULL)
    {
      g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (self->received_usec / G_USEC_PER_SEC);

      received = g_date_time_add (seconds, self->received_usec % G_USEC_PER_SEC);
      if (!g_atomic_pointer_compare_and_exchange (&self->received, NULL, received))
        {
          g_date_time_unref (received);
          received = g_atomic_pointer_get (&self->received);
        }
    }

  return received;
}

gint64
osais_image_get_id (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), 0);

  return self->id;
}

void
osais_image_set_id (OsaisImage *self,
                    gint64      id)
{
  g_return_if_fail (OSAIS_IS_IMAGE (self));
  g_return_if_fail (id >= 0);

  /* Before the image is shared: nobody listens yet. */
  self->id = id;
}

gboolean
osais_image_get_favourite (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), FALSE);

  return self->favourite;
}

void
osais_image_set_favourite (OsaisImage *self,
                           gboolean    favourite)
{
  g_return_if_fail (OSAIS_IS_IMAGE (self));

  favourite = !!favourite;
  if (self->favourite == favourite)
    return;

  self->favourite = favourite;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAVOURITE]);
}
