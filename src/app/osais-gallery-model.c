/* osais-gallery-model.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryModel"

#include "config.h"

#include "osais-gallery-model.h"

/* OsaisGalleryItem ---------------------------------------------------------
 *
 * One small item type for both kinds of cell, rather than the OsaisJob and
 * OsaisImage themselves: the factory's template binds one typed `item`, and
 * an image's cell needs its job (for the viewer) without a lookup. Items are
 * made on demand by get_item() and remembered, weakly, while someone holds
 * them (the grid's cells, the selection), so that the grid sees the same
 * object for the same cell; nobody holding one, it goes. */

struct _OsaisGalleryItem
{
  GObject     parent_instance;

  OsaisJob   *job;
  OsaisImage *image;
};

G_DEFINE_FINAL_TYPE (OsaisGalleryItem, osais_gallery_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_JOB,
  ITEM_PROP_IMAGE,
  ITEM_PROP_IS_CARD,
  N_ITEM_PROPS
};

static GParamSpec *item_properties[N_ITEM_PROPS];

static OsaisGalleryItem *
osais_gallery_item_new (OsaisJob   *job,
                        OsaisImage *image)
{
  return g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", job, "image", image, NULL);
}

static void
osais_gallery_item_dispose (GObject *object)
{
  OsaisGalleryItem *self = OSAIS_GALLERY_ITEM (object);

  g_clear_object (&self->job);
  g_clear_object (&self->image);

  G_OBJECT_CLASS (osais_gallery_item_parent_class)->dispose (object);
}

static void
osais_gallery_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OsaisGalleryItem *self = OSAIS_GALLERY_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_JOB:
      g_value_set_object (value, self->job);
      break;

    case ITEM_PROP_IMAGE:
      g_value_set_object (value, self->image);
      break;

    case ITEM_PROP_IS_CARD:
      g_value_set_boolean (value, self->image == NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_item_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OsaisGalleryItem *self = OSAIS_GALLERY_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_JOB:
      self->job = g_value_dup_object (value);
      break;

    case ITEM_PROP_IMAGE:
      self->image = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_item_class_init (OsaisGalleryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_gallery_item_dispose;
  object_class->get_property = osais_gallery_item_get_property;
  object_class->set_property = osais_gallery_item_set_property;

  item_properties[ITEM_PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, OSAIS_TYPE_JOB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_IMAGE] =
    g_param_spec_object ("image", NULL, NULL, OSAIS_TYPE_IMAGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_IS_CARD] =
    g_param_spec_boolean ("is-card", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_properties);
}

static void
osais_gallery_item_init (OsaisGalleryItem *self)
{
}

OsaisGalleryItemKind
osais_gallery_item_get_kind (OsaisGalleryItem *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_ITEM (self), OSAIS_GALLERY_ITEM_CARD);

  return self->image == NULL ? OSAIS_GALLERY_ITEM_CARD : OSAIS_GALLERY_ITEM_IMAGE;
}

OsaisJob *
osais_gallery_item_get_job (OsaisGalleryItem *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_ITEM (self), NULL);

  return self->job;
}

OsaisImage *
osais_gallery_item_get_image (OsaisGalleryItem *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_ITEM (self), NULL);

  return self->image;
}

/* OsaisGalleryModel --------------------------------------------------------
 *
 * Each job of the store is a block of consecutive items. The first position
 * of each block is kept in `offsets`, recomputed lazily from the first block
 * whose position changed, so get_item() is a binary search (every block has
 * at least one item: a job that shows no image shows its card; but a job the
 * user stopped waiting for shows nothing, and its empty block starts where
 * the next one does, which the search passes over). */

typedef struct
{
  OsaisGalleryModel *model;    /* unowned */
  OsaisJob          *job;
  GPtrArray         *images;   /* the job's images, mirrored to know what a removal removed */
  guint              n_hidden;
  gboolean           has_card;
  OsaisGalleryItem  *card;
  gboolean           dismissed;  /* hidden whole, whatever comes for it */
} Block;

struct _OsaisGalleryModel
{
  GObject     parent_instance;

  OsaisStore *store;
  GPtrArray  *blocks;           /* Block, in the store's order (newest first) */
  GHashTable *blocks_by_job;    /* OsaisJob → Block */
  GArray     *offsets;          /* guint: first position of each block */
  guint       n_valid_offsets;
  guint       n_items;
  GHashTable *hidden;           /* OsaisImage set */
  GHashTable *items;            /* OsaisImage → ItemRef */
};

/* A weak entry of the item cache: scrolling through 100,000 images must not
 * leave 100,000 items behind. */
typedef struct
{
  OsaisGalleryModel *model;
  OsaisImage        *image;     /* the key; the block holds it */
  OsaisGalleryItem  *item;      /* weak: NULL once it is gone */
} ItemRef;

static void osais_gallery_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisGalleryModel, osais_gallery_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_gallery_model_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
item_gone_cb (gpointer  data,
              GObject  *where_the_object_was)
{
  ItemRef *ref = data;

  ref->item = NULL;
  g_hash_table_remove (ref->model->items, ref->image);
}

static void
item_ref_free (ItemRef *ref)
{
  if (ref->item != NULL)
    g_object_weak_unref (G_OBJECT (ref->item), item_gone_cb, ref);
  g_free (ref);
}

static guint
block_size (Block *block)
{
  if (block->dismissed)
    return 0;

  return (block->has_card ? 1 : 0) + block->images->len - block->n_hidden;
}

static gboolean
block_wants_card (Block *block)
{
  return !osais_job_get_finished (block->job) ||
         osais_job_get_stage (block->job) == OSAIS_STAGE_ERROR ||
         osais_job_get_stalled (block->job) ||
         block->images->len == block->n_hidden;
}

/* The number of shown images before @index in the job's images. */
static guint
block_visible_before (Block *block,
                      guint  index)
{
  OsaisGalleryModel *self = block->model;
  guint n = 0;

  if (block->n_hidden == 0)
    return index;

  for (guint i = 0; i < index; i++)
    if (!g_hash_table_contains (self->hidden, g_ptr_array_index (block->images, i)))
      n++;

  return n;
}

static OsaisImage *
block_visible_image (Block *block,
                     guint  visible_index)
{
  OsaisGalleryModel *self = block->model;

  if (block->n_hidden == 0)
    return g_ptr_array_index (block->images, visible_index);

  for (guint i = 0; i < block->images->len; i++)
    {
      OsaisImage *image = g_ptr_array_index (block->images, i);

      if (g_hash_table_contains (self->hidden, image))
        continue;
      if (visible_index-- == 0)
        return image;
    }

  g_assert_not_reached ();
}

static void
invalidate_offsets_from (OsaisGalleryModel *self,
                         guint              index)
{
  self->n_valid_offsets = MIN (self->n_valid_offsets, index);
}

static void
ensure_offsets (OsaisGalleryModel *self)
{
  guint n = self->blocks->len;

  g_array_set_size (self->offsets, n);
  for (guint i = self->n_valid_offsets; i < n; i++)
    {
      guint offset = 0;

      if (i > 0)
        offset = g_array_index (self->offsets, guint, i - 1) +
                 block_size (g_ptr_array_index (self->blocks, i - 1));
      g_array_index (self->offsets, guint, i) = offset;
    }
  self->n_valid_offsets = n;
}

static guint
block_offset (OsaisGalleryModel *self,
              guint              index)
{
  if (index >= self->blocks->len)
    return self->n_items;

  ensure_offsets (self);

  return g_array_index (self->offsets, guint, index);
}

/* The block's index in the store's order. Jobs that change are nearly always
 * the newest, at the front, so the linear search is short in practice. */
static guint
block_index (OsaisGalleryModel *self,
             Block             *block)
{
  guint index = G_MAXUINT;

  g_ptr_array_find (self->blocks, block, &index);

  return index;
}

/* Adds or removes the job's card when its state asks for it. */
static void
block_update_card (Block *block)
{
  OsaisGalleryModel *self = block->model;
  gboolean wants_card = block_wants_card (block);
  guint index;
  guint offset;

  if (wants_card == block->has_card)
    return;
  if (block->dismissed)
    {
      block->has_card = wants_card;
      g_clear_object (&block->card);
      return;
    }

  index = block_index (self, block);
  offset = block_offset (self, index);

  block->has_card = wants_card;
  if (!wants_card)
    g_clear_object (&block->card);
  self->n_items = wants_card ? self->n_items + 1 : self->n_items - 1;
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), offset, wants_card ? 0 : 1,
                              wants_card ? 1 : 0);
}

static void
job_state_changed_cb (OsaisJob   *job,
                      GParamSpec *pspec,
                      Block      *block)
{
  block_update_card (block);
}

/* Stop Waiting: the whole block goes (or comes back). */
static void
job_dismissed_cb (OsaisJob   *job,
                  GParamSpec *pspec,
                  Block      *block)
{
  OsaisGalleryModel *self = block->model;
  guint index = block_index (self, block);
  guint offset = block_offset (self, index);
  guint before = block_size (block);
  guint after;

  if (block->dismissed == osais_job_get_dismissed (job))
    return;

  block->dismissed = osais_job_get_dismissed (job);
  g_clear_object (&block->card);
  after = block_size (block);
  self->n_items = self->n_items - before + after;
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), offset, before, after);
}

static void
job_images_changed_cb (GListModel *images,
                       guint       position,
                       guint       removed,
                       guint       added,
                       Block      *block)
{
  OsaisGalleryModel *self = block->model;
  guint index = block_index (self, block);
  guint offset = block_offset (self, index);
  guint visible_position = block_visible_before (block, position);
  guint visible_removed = 0;

  g_assert (index != G_MAXUINT);

  for (guint i = position; i < position + removed; i++)
    {
      OsaisImage *image = g_ptr_array_index (block->images, i);

      if (g_hash_table_remove (self->hidden, image))
        block->n_hidden--;
      else
        visible_removed++;
      g_hash_table_remove (self->items, image);
    }
  g_ptr_array_remove_range (block->images, position, removed);

  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (block->images, position + i,
                        g_list_model_get_item (images, position + i));

  if (block->dismissed)
    {
      block_update_card (block);
      return;
    }

  self->n_items = self->n_items - visible_removed + added;
  invalidate_offsets_from (self, index + 1);

  if (visible_removed > 0 || added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self),
                                offset + (block->has_card ? 1 : 0) + visible_position,
                                visible_removed, added);

  block_update_card (block);
}

static Block *
block_new (OsaisGalleryModel *self,
           OsaisJob          *job)
{
  Block *block = g_new0 (Block, 1);
  GListModel *images = osais_job_get_images (job);
  guint n = g_list_model_get_n_items (images);

  block->model = self;
  block->job = g_object_ref (job);
  block->images = g_ptr_array_new_full (n, g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (block->images, g_list_model_get_item (images, i));
  block->has_card = block_wants_card (block);
  block->dismissed = osais_job_get_dismissed (job);

  g_signal_connect (images, "items-changed", G_CALLBACK (job_images_changed_cb), block);
  g_signal_connect (job, "notify::stage", G_CALLBACK (job_state_changed_cb), block);
  g_signal_connect (job, "notify::finished", G_CALLBACK (job_state_changed_cb), block);
  g_signal_connect (job, "notify::stalled", G_CALLBACK (job_state_changed_cb), block);
  g_signal_connect (job, "notify::dismissed", G_CALLBACK (job_dismissed_cb), block);

  return block;
}

static void
block_free (Block *block)
{
  OsaisGalleryModel *self = block->model;

  g_signal_handlers_disconnect_by_data (osais_job_get_images (block->job), block);
  g_signal_handlers_disconnect_by_data (block->job, block);

  for (guint i = 0; i < block->images->len; i++)
    {
      OsaisImage *image = g_ptr_array_index (block->images, i);

      g_hash_table_remove (self->hidden, image);
      g_hash_table_remove (self->items, image);
    }

  g_hash_table_remove (self->blocks_by_job, block->job);
  g_clear_pointer (&block->images, g_ptr_array_unref);
  g_clear_object (&block->card);
  g_clear_object (&block->job);
  g_free (block);
}

/* Replaces @removed blocks at @position by blocks for the store's jobs
 * there; returns through @flat_* the change in items. */
static void
splice_blocks (OsaisGalleryModel *self,
               guint              position,
               guint              removed,
               guint              added,
               guint             *flat_position,
               guint             *flat_removed,
               guint             *flat_added)
{
  *flat_position = block_offset (self, position);
  *flat_removed = 0;
  *flat_added = 0;

  for (guint i = position; i < position + removed; i++)
    *flat_removed += block_size (g_ptr_array_index (self->blocks, i));
  g_ptr_array_remove_range (self->blocks, position, removed);

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (self->store), position + i);
      Block *block = block_new (self, job);

      g_hash_table_insert (self->blocks_by_job, job, block);
      g_ptr_array_insert (self->blocks, position + i, block);
      *flat_added += block_size (block);
    }

  self->n_items = self->n_items - *flat_removed + *flat_added;
  invalidate_offsets_from (self, position);
}

static void
store_items_changed_cb (GListModel        *store,
                        guint              position,
                        guint              removed,
                        guint              added,
                        OsaisGalleryModel *self)
{
  guint flat_position, flat_removed, flat_added;

  splice_blocks (self, position, removed, added, &flat_position, &flat_removed, &flat_added);
  if (flat_removed > 0 || flat_added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), flat_position, flat_removed, flat_added);
}

/* GListModel */

static GType
osais_gallery_model_get_item_type (GListModel *model)
{
  return OSAIS_TYPE_GALLERY_ITEM;
}

static guint
osais_gallery_model_get_n_items (GListModel *model)
{
  return OSAIS_GALLERY_MODEL (model)->n_items;
}

static gpointer
osais_gallery_model_get_item (GListModel *model,
                              guint       position)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (model);
  OsaisGalleryItem *item;
  OsaisImage *image;
  ItemRef *ref;
  Block *block;
  guint low = 0;
  guint high;
  guint local;

  if (position >= self->n_items)
    return NULL;

  ensure_offsets (self);

  /* The last block starting at or before @position. */
  high = self->blocks->len;
  while (high - low > 1)
    {
      guint middle = low + (high - low) / 2;

      if (g_array_index (self->offsets, guint, middle) <= position)
        low = middle;
      else
        high = middle;
    }

  block = g_ptr_array_index (self->blocks, low);
  local = position - g_array_index (self->offsets, guint, low);

  if (block->has_card)
    {
      if (local == 0)
        {
          if (block->card == NULL)
            block->card = osais_gallery_item_new (block->job, NULL);
          return g_object_ref (block->card);
        }
      local--;
    }

  image = block_visible_image (block, local);
  ref = g_hash_table_lookup (self->items, image);
  if (ref != NULL)
    return g_object_ref (ref->item);

  item = osais_gallery_item_new (block->job, image);
  ref = g_new0 (ItemRef, 1);
  ref->model = self;
  ref->image = image;
  ref->item = item;
  g_object_weak_ref (G_OBJECT (item), item_gone_cb, ref);
  g_hash_table_insert (self->items, image, ref);

  return item;
}

static void
osais_gallery_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osais_gallery_model_get_item_type;
  iface->get_n_items = osais_gallery_model_get_n_items;
  iface->get_item = osais_gallery_model_get_item;
}

/* GObject */

static void
osais_gallery_model_dispose (GObject *object)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->blocks != NULL)
    g_ptr_array_set_size (self->blocks, 0);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (osais_gallery_model_parent_class)->dispose (object);
}

static void
osais_gallery_model_finalize (GObject *object)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (object);

  g_clear_pointer (&self->blocks, g_ptr_array_unref);
  g_clear_pointer (&self->blocks_by_job, g_hash_table_unref);
  g_clear_pointer (&self->offsets, g_array_unref);
  g_clear_pointer (&self->hidden, g_hash_table_unref);
  g_clear_pointer (&self->items, g_hash_table_unref);

  G_OBJECT_CLASS (osais_gallery_model_parent_class)->finalize (object);
}

static void
osais_gallery_model_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_model_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      osais_gallery_model_set_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_model_class_init (OsaisGalleryModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_gallery_model_dispose;
  object_class->finalize = osais_gallery_model_finalize;
  object_class->get_property = osais_gallery_model_get_property;
  object_class->set_property = osais_gallery_model_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OSAIS_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_gallery_model_init (OsaisGalleryModel *self)
{
  self->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify)block_free);
  self->blocks_by_job = g_hash_table_new (NULL, NULL);
  self->offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  self->hidden = g_hash_table_new (NULL, NULL);
  self->items = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) item_ref_free);
}

OsaisGalleryModel *
osais_gallery_model_new (OsaisStore *store)
{
  g_return_val_if_fail (store == NULL || OSAIS_IS_STORE (store), NULL);

  return g_object_new (OSAIS_TYPE_GALLERY_MODEL, "store", store, NULL);
}

OsaisStore *
osais_gallery_model_get_store (OsaisGalleryModel *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), NULL);

  return self->store;
}

void
osais_gallery_model_set_store (OsaisGalleryModel *self,
                               OsaisStore        *store)
{
  guint n_removed = self->n_items;
  guint flat_position, flat_removed, flat_added;

  g_return_if_fail (OSAIS_IS_GALLERY_MODEL (self));
  g_return_if_fail (store == NULL || OSAIS_IS_STORE (store));

  if (self->store == store)
    return;

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_ptr_array_set_size (self->blocks, 0);
  self->n_items = 0;
  invalidate_offsets_from (self, 0);
  g_set_object (&self->store, store);

  if (store != NULL)
    {
      splice_blocks (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (store)),
                     &flat_position, &flat_removed, &flat_added);
      g_signal_connect (store, "items-changed", G_CALLBACK (store_items_changed_cb), self);
    }

  if (n_removed > 0 || self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n_removed, self->n_items);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

void
osais_gallery_model_set_image_hidden (OsaisGalleryModel *self,
                                      OsaisImage        *image,
                                      gboolean           hidden)
{
  Block *block = NULL;
  guint image_index;
  guint index;
  guint position;

  g_return_if_fail (OSAIS_IS_GALLERY_MODEL (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));

  hidden = !!hidden;
  if (g_hash_table_contains (self->hidden, image) == hidden)
    return;

  if (self->store != NULL)
    {
      OsaisJob *job = osais_store_lookup (self->store, osais_image_get_uid (image));

      if (job != NULL)
        block = g_hash_table_lookup (self->blocks_by_job, job);
    }
  /* A dismissed job's images are not shown: none to hide. */
  if (block == NULL || block->dismissed ||
      !g_ptr_array_find (block->images, image, &image_index))
    return;

  index = block_index (self, block);
  position = block_offset (self, index) + (block->has_card ? 1 : 0) +
             block_visible_before (block, image_index);

  if (hidden)
    {
      g_hash_table_add (self->hidden, image);
      g_hash_table_remove (self->items, image);
      block->n_hidden++;
      self->n_items--;
    }
  else
    {
      g_hash_table_remove (self->hidden, image);
      block->n_hidden--;
      self->n_items++;
    }
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), position, hidden ? 1 : 0, hidden ? 0 : 1);

  block_update_card (block);
}

guint
osais_gallery_model_find_job (OsaisGalleryModel *self,
                              OsaisJob          *job)
{
  Block *block;

  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), G_MAXUINT);
  g_return_val_if_fail (OSAIS_IS_JOB (job), G_MAXUINT);

  block = g_hash_table_lookup (self->blocks_by_job, job);
  if (block == NULL || block->dismissed)
    return G_MAXUINT;

  return block_offset (self, block_index (self, block));
}
