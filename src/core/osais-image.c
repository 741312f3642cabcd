/* osais-image.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImage"

#include "osais-image.h"

/* An image is immutable once shared: the store builds it on its writer
 * thread (or while loading), gives it its id, and shares it with the main
 * context, which is safe because nothing the writer reads ever changes. The
 * one exception, favourite, is the main context's alone: the store changes
 * it there (after the commit that records it), and the writer never reads
 * it. */
struct _OsaisImage
{
  GObject    parent_instance;

  GFile     *file;
  gint64     uid;
  int        cycle;
  guint64    size;
  char      *content_type;
  char      *hash;
  guint      width;
  guint      height;
  GDateTime *received;
  gint64     id;
  gboolean   favourite;
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
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->hash, g_free);
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
      g_value_set_object (value, self->file);
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
      g_value_set_boxed (value, self->received);
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
      self->content_type = g_value_dup_string (value);
      break;

    case PROP_HASH:
      self->hash = g_value_dup_string (value);
      break;

    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;

    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;

    case PROP_RECEIVED:
      self->received = g_value_dup_boxed (value);
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

GFile *
osais_image_get_file (OsaisImage *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  return self->file;
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
  g_return_val_if_fail (OSAIS_IS_IMAGE (self), NULL);

  return self->received;
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
