/* osais-job-images.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisJob"

#include "osais-job-images.h"

#include <string.h>

/* A history of 100,000 images is mostly images nobody looks at: each is a
 * record here, and an OsaisImage only while someone holds one. get_item()
 * makes the object from the record and remembers it weakly, so that whoever
 * asks again while it lives gets the same object; once nobody holds it, it
 * goes, with the GFile and GDateTime it made. An image the store did not
 * make (osais_image_new(), with its own file) is kept as it is.
 *
 * The model is its job's: filled by whoever loads the job, then changed on
 * the main context only. An image may be let go on any thread, which
 * GWeakRef allows for. */

typedef struct
{
  GWeakRef    image;
  OsaisImage *kept;
  const char *data_dir;       /* interned */
  char       *relative_path;  /* NULL: the name the store gives */
  const char *content_type;   /* interned */
  gint64      uid;
  gint64      received_usec;
  gint64      id;
  guint64     size;
  int         cycle;
  guint       width;
  guint       height;
  gboolean    favourite;
  guint8      hash[32];
} Entry;

struct _OsaisJobImages
{
  GObject    parent_instance;

  GPtrArray *entries;  /* Entry: their GWeakRef must not move */
};

static void osais_job_images_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisJobImages, osais_job_images, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_job_images_list_model_init))

/* The 32 bytes of a SHA-256 hex text, or FALSE when it is not one. */
static gboolean
hash_from_hex (const char *hex,
               guint8      hash[32])
{
  if (hex == NULL || strlen (hex) != 64)
    return FALSE;

  for (guint i = 0; i < 32; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      /* The store writes lower case: another text is another hash. */
      if (high < 0 || low < 0 || g_ascii_isupper (hex[2 * i]) || g_ascii_isupper (hex[2 * i + 1]))
        return FALSE;
      hash[i] = (guint8) (high << 4 | low);
    }

  return TRUE;
}

static void
entry_free (Entry *entry)
{
  g_weak_ref_clear (&entry->image);
  g_clear_object (&entry->kept);
  g_free (entry->relative_path);
  g_free (entry);
}

static Entry *
entry_new (OsaisImage *image)
{
  Entry *entry = g_new0 (Entry, 1);
  const char *relative_path = NULL;

  g_weak_ref_init (&entry->image, image);
  entry->favourite = osais_image_get_favourite (image);
  if (!osais_image_get_stored_location (image, &entry->data_dir, &relative_path) ||
      !hash_from_hex (osais_image_get_hash (image), entry->hash))
    {
      entry->kept = g_object_ref (image);
      return entry;
    }

  entry->relative_path = g_strdup (relative_path);
  entry->content_type = g_intern_string (osais_image_get_content_type (image));
  entry->uid = osais_image_get_uid (image);
  entry->received_usec = osais_image_get_received_usec (image);
  entry->id = osais_image_get_id (image);
  entry->size = osais_image_get_size (image);
  entry->cycle = osais_image_get_cycle (image);
  entry->width = osais_image_get_width (image);
  entry->height = osais_image_get_height (image);

  return entry;
}

static gboolean
entry_has_hash (Entry      *entry,
                const char *hex,
                guint8      hash[32],
                gboolean    is_hash)
{
  if (entry->kept != NULL)
    return g_strcmp0 (osais_image_get_hash (entry->kept), hex) == 0;

  return is_hash && memcmp (entry->hash, hash, sizeof entry->hash) == 0;
}

static GType
osais_job_images_get_item_type (GListModel *model)
{
  return OSAIS_TYPE_IMAGE;
}

static guint
osais_job_images_get_n_items (GListModel *model)
{
  return OSAIS_JOB_IMAGES (model)->entries->len;
}

static const char hex_digits[] = "0123456789abcdef";

static gpointer
osais_job_images_get_item (GListModel *model,
                           guint       position)
{
  OsaisJobImages *self = OSAIS_JOB_IMAGES (model);
  char hex[65];
  OsaisImage *image;
  Entry *entry;

  if (position >= self->entries->len)
    return NULL;

  entry = g_ptr_array_index (self->entries, position);
  if (entry->kept != NULL)
    return g_object_ref (entry->kept);

  image = g_weak_ref_get (&entry->image);
  if (image != NULL)
    return image;

  /* Not g_snprintf(): a search that widens can have GTK ask for every
   * image of the history at once, and 32 formatted writes an image were
   * the largest part of that (tests/bench/search-gui). */
  for (guint i = 0; i < 32; i++)
    {
      hex[2 * i] = hex_digits[entry->hash[i] >> 4];
      hex[2 * i + 1] = hex_digits[entry->hash[i] & 0xf];
    }
  hex[64] = '\0';
  image = osais_image_new_stored (entry->data_dir, entry->relative_path, entry->uid, entry->cycle,
                                  entry->size, entry->content_type, hex, entry->width,
                                  entry->height, entry->received_usec, entry->id,
                                  entry->favourite);
  g_weak_ref_set (&entry->image, image);

  return image;
}

static void
osais_job_images_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osais_job_images_get_item_type;
  iface->get_n_items = osais_job_images_get_n_items;
  iface->get_item = osais_job_images_get_item;
}

static void
osais_job_images_finalize (GObject *object)
{
  OsaisJobImages *self = OSAIS_JOB_IMAGES (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);

  G_OBJECT_CLASS (osais_job_images_parent_class)->finalize (object);
}

static void
osais_job_images_class_init (OsaisJobImagesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = osais_job_images_finalize;
}

static void
osais_job_images_init (OsaisJobImages *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
}

OsaisJobImages *
osais_job_images_new (void)
{
  return g_object_new (OSAIS_TYPE_JOB_IMAGES, NULL);
}

/* Emits items-changed (n, 0, 1): that position only. */
void
osais_job_images_append (OsaisJobImages *self,
                         OsaisImage     *image)
{
  g_return_if_fail (OSAIS_IS_JOB_IMAGES (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));

  g_ptr_array_add (self->entries, entry_new (image));
  g_list_model_items_changed (G_LIST_MODEL (self), self->entries->len - 1, 0, 1);
}

gboolean
osais_job_images_find (OsaisJobImages *self,
                       const char     *hash,
                       guint          *position)
{
  guint8 bytes[32] = { 0 };
  gboolean is_hash;

  g_return_val_if_fail (OSAIS_IS_JOB_IMAGES (self), FALSE);
  g_return_val_if_fail (hash != NULL, FALSE);

  /* A text that is no hash can still be a kept image's. */
  is_hash = hash_from_hex (hash, bytes);
  for (guint i = 0; i < self->entries->len; i++)
    {
      if (entry_has_hash (g_ptr_array_index (self->entries, i), hash, bytes, is_hash))
        {
          if (position != NULL)
            *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

gint64
osais_job_images_get_id (OsaisJobImages *self,
                         guint           position)
{
  Entry *entry;

  g_return_val_if_fail (OSAIS_IS_JOB_IMAGES (self), 0);
  g_return_val_if_fail (position < self->entries->len, 0);

  entry = g_ptr_array_index (self->entries, position);

  return entry->kept != NULL ? osais_image_get_id (entry->kept) : entry->id;
}

void
osais_job_images_remove (OsaisJobImages *self,
                         guint           position)
{
  g_return_if_fail (OSAIS_IS_JOB_IMAGES (self));
  g_return_if_fail (position < self->entries->len);

  g_ptr_array_remove_index (self->entries, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

/* The record's flag, and the object's if one lives (which notifies). */
void
osais_job_images_set_favourite (OsaisJobImages *self,
                                guint           position,
                                gboolean        favourite)
{
  g_autoptr(OsaisImage) image = NULL;
  Entry *entry;

  g_return_if_fail (OSAIS_IS_JOB_IMAGES (self));
  g_return_if_fail (position < self->entries->len);

  entry = g_ptr_array_index (self->entries, position);
  entry->favourite = !!favourite;
  image = entry->kept != NULL ? g_object_ref (entry->kept) : g_weak_ref_get (&entry->image);
  if (image != NULL)
    osais_image_set_favourite (image, favourite);
}
