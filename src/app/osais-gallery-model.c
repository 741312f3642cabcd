/* osais-gallery-model.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryModel"

#include "config.h"

#include "osais-gallery-model-private.h"

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
 * The model holds no items, and no images but the hidden ones: one Row a
 * job, in the store's order (the store's position i is row i), with the
 * counts that place its block of items. get_item() finds the row by a
 * binary search of the blocks' first positions (recomputed lazily from the
 * first row whose position changed) and only then takes the job's image
 * from the job. Items are made there, on demand, and remembered weakly
 * while someone holds them (the grid's cells, the selection), so that the
 * grid sees the same object for the same cell; nobody holding one, it goes.
 * Scrolling through 100,000 images leaves nothing behind but the rows.
 * A job the user stopped waiting for shows nothing: its empty block starts
 * where the next one does, which the search passes over. */

typedef struct _Row Row;

/* What a job's signals need to find its row again. */
typedef struct
{
  OsaisGalleryModel *model;    /* unowned */
  OsaisJob          *job;      /* owned */
} Watch;

struct _Row
{
  Watch    *watch;
  guint     n_images;  /* the job's images, hidden ones included */
  guint     n_hidden;
  gboolean  has_card;
  gboolean  dismissed;  /* hidden whole, whatever comes for it */
};

struct _OsaisGalleryModel
{
  GObject     parent_instance;

  OsaisStore *store;
  GArray     *rows;             /* Row, in the store's order (newest first) */
  GArray     *offsets;          /* guint: first position of each row's block */
  guint       n_valid_offsets;
  guint       n_items;
  GHashTable *hidden;           /* OsaisImage (owned) set */
  GHashTable *items;            /* OsaisJob (card) or OsaisImage → ItemRef */
  guint       n_made_items;
};

/* A weak entry of the item cache. */
typedef struct
{
  OsaisGalleryModel *model;
  gpointer           key;       /* the item's image, or its job for a card */
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
  g_hash_table_remove (ref->model->items, ref->key);
}

static void
item_ref_free (ItemRef *ref)
{
  if (ref->item != NULL)
    g_object_weak_unref (G_OBJECT (ref->item), item_gone_cb, ref);
  g_free (ref);
}

static Row *
row_at (OsaisGalleryModel *self,
        guint              index)
{
  return &g_array_index (self->rows, Row, index);
}

static guint
row_size (Row *row)
{
  if (row->dismissed)
    return 0;

  return (row->has_card ? 1 : 0) + row->n_images - row->n_hidden;
}

static gboolean
row_wants_card (Row *row)
{
  OsaisJob *job = row->watch->job;

  return !osais_job_get_finished (job) ||
         osais_job_get_stage (job) == OSAIS_STAGE_ERROR ||
         osais_job_get_stalled (job) ||
         row->n_images == row->n_hidden;
}

/* The number of @job's hidden images before @index in its images. Hidden
 * images are the few pending deletions: the set is short. */
static guint
hidden_before (OsaisGalleryModel *self,
               OsaisJob          *job,
               guint              index)
{
  GHashTableIter iter;
  gpointer image;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->hidden);
  while (g_hash_table_iter_next (&iter, &image, NULL))
    {
      guint position;

      if (osais_image_get_uid (image) == osais_job_get_uid (job) &&
          osais_job_find_image (job, image, &position) && position < index)
        n++;
    }

  return n;
}

/* The index in the job's images of its @visible_index-th shown image. */
static guint
image_index (OsaisGalleryModel *self,
             Row               *row,
             guint              visible_index)
{
  GListModel *images = osais_job_get_images (row->watch->job);

  if (row->n_hidden == 0)
    return visible_index;

  for (guint i = 0; i < row->n_images; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (g_hash_table_contains (self->hidden, image))
        continue;
      if (visible_index-- == 0)
        return i;
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
  guint n = self->rows->len;

  g_array_set_size (self->offsets, n);
  for (guint i = self->n_valid_offsets; i < n; i++)
    {
      guint offset = 0;

      if (i > 0)
        offset = g_array_index (self->offsets, guint, i - 1) + row_size (row_at (self, i - 1));
      g_array_index (self->offsets, guint, i) = offset;
    }
  self->n_valid_offsets = n;
}

static guint
row_offset (OsaisGalleryModel *self,
            guint              index)
{
  if (index >= self->rows->len)
    return self->n_items;

  ensure_offsets (self);

  return g_array_index (self->offsets, guint, index);
}

/* The job's row in the store's order. Jobs that change are nearly always
 * the newest, at the front, so the linear search is short in practice. */
static guint
row_index (OsaisGalleryModel *self,
           OsaisJob          *job)
{
  for (guint i = 0; i < self->rows->len; i++)
    if (row_at (self, i)->watch->job == job)
      return i;

  return G_MAXUINT;
}

/* Adds or removes the job's card when its state asks for it. */
static void
row_update_card (OsaisGalleryModel *self,
                 guint              index)
{
  Row *row = row_at (self, index);
  gboolean wants_card = row_wants_card (row);
  guint offset;

  if (wants_card == row->has_card)
    return;
  if (row->dismissed)
    {
      row->has_card = wants_card;
      return;
    }

  offset = row_offset (self, index);
  row->has_card = wants_card;
  self->n_items = wants_card ? self->n_items + 1 : self->n_items - 1;
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), offset, wants_card ? 0 : 1,
                              wants_card ? 1 : 0);
}

/* Stop Waiting: the whole block goes (or comes back). */
static void
row_update_dismissed (OsaisGalleryModel *self,
                      guint              index)
{
  Row *row = row_at (self, index);
  guint offset;
  guint before = row_size (row);
  guint after;

  if (row->dismissed == osais_job_get_dismissed (row->watch->job))
    return;

  offset = row_offset (self, index);
  row->dismissed = osais_job_get_dismissed (row->watch->job);
  after = row_size (row);
  self->n_items = self->n_items - before + after;
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), offset, before, after);
}

static void
job_notify_cb (OsaisJob   *job,
               GParamSpec *pspec,
               Watch      *watch)
{
  const char *name = g_param_spec_get_name (pspec);
  guint index;

  if (g_str_equal (name, "dismissed"))
    {
      index = row_index (watch->model, job);
      g_assert (index != G_MAXUINT);
      row_update_dismissed (watch->model, index);
      return;
    }
  if (!g_str_equal (name, "stage") && !g_str_equal (name, "finished") &&
      !g_str_equal (name, "stalled"))
    return;

  index = row_index (watch->model, job);
  g_assert (index != G_MAXUINT);
  row_update_card (watch->model, index);
}

static void
job_images_changed_cb (GListModel *images,
                       guint       position,
                       guint       removed,
                       guint       added,
                       Watch      *watch)
{
  OsaisGalleryModel *self = watch->model;
  guint index = row_index (self, watch->job);
  guint offset = row_offset (self, index);
  Row *row;
  guint visible_position;
  guint hidden_removed = 0;
  guint visible_removed;

  g_assert (index != G_MAXUINT);
  row = row_at (self, index);

  /* Hidden images that left the job were among the removed ones. */
  if (row->n_hidden > 0 && removed > 0)
    {
      GHashTableIter iter;
      gpointer image;

      g_hash_table_iter_init (&iter, self->hidden);
      while (g_hash_table_iter_next (&iter, &image, NULL))
        if (osais_image_get_uid (image) == osais_job_get_uid (watch->job) &&
            !osais_job_find_image (watch->job, image, NULL))
          {
            g_hash_table_remove (self->items, image);
            g_hash_table_iter_remove (&iter);
            hidden_removed++;
          }
    }
  visible_removed = removed - hidden_removed;
  row->n_hidden -= hidden_removed;
  row->n_images = row->n_images - removed + added;
  visible_position = position - (row->n_hidden > 0 ? hidden_before (self, watch->job, position) : 0);

  if (row->dismissed)
    {
      row_update_card (self, index);
      return;
    }

  self->n_items = self->n_items - visible_removed + added;
  invalidate_offsets_from (self, index + 1);

  if (visible_removed > 0 || added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self),
                                offset + (row->has_card ? 1 : 0) + visible_position,
                                visible_removed, added);

  row_update_card (self, index);
}

static void
row_init (OsaisGalleryModel *self,
          Row               *row,
          OsaisJob          *job)
{
  GListModel *images = osais_job_get_images (job);

  row->watch = g_new0 (Watch, 1);
  row->watch->model = self;
  row->watch->job = g_object_ref (job);
  row->n_images = g_list_model_get_n_items (images);
  row->n_hidden = 0;
  row->has_card = row_wants_card (row);
  row->dismissed = osais_job_get_dismissed (job);

  g_signal_connect (images, "items-changed", G_CALLBACK (job_images_changed_cb), row->watch);
  g_signal_connect (job, "notify", G_CALLBACK (job_notify_cb), row->watch);
}

static void
row_clear (Row *row)
{
  Watch *watch = row->watch;
  OsaisGalleryModel *self = watch->model;
  GHashTableIter iter;
  gpointer image;

  g_signal_handlers_disconnect_by_data (osais_job_get_images (watch->job), watch);
  g_signal_handlers_disconnect_by_data (watch->job, watch);

  if (row->n_hidden > 0)
    {
      g_hash_table_iter_init (&iter, self->hidden);
      while (g_hash_table_iter_next (&iter, &image, NULL))
        if (osais_image_get_uid (image) == osais_job_get_uid (watch->job))
          g_hash_table_iter_remove (&iter);
    }

  g_clear_object (&watch->job);
  g_free (watch);
  row->watch = NULL;
}

/* Replaces @removed rows at @position by rows for the store's jobs there;
 * returns through @flat_* the change in items. */
static void
splice_rows (OsaisGalleryModel *self,
             guint              position,
             guint              removed,
             guint              added,
             guint             *flat_position,
             guint             *flat_removed,
             guint             *flat_added)
{
  *flat_position = row_offset (self, position);
  *flat_removed = 0;
  *flat_added = 0;

  for (guint i = position; i < position + removed; i++)
    *flat_removed += row_size (row_at (self, i));
  g_array_remove_range (self->rows, position, removed);

  if (added > 0)
    {
      g_autofree Row *fresh = g_new0 (Row, added);

      g_array_insert_vals (self->rows, position, fresh, added);
      for (guint i = 0; i < added; i++)
        {
          g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (self->store),
                                                           position + i);
          Row *row = row_at (self, position + i);

          row_init (self, row, job);
          *flat_added += row_size (row);
        }
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

  splice_rows (self, position, removed, added, &flat_position, &flat_removed, &flat_added);
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

static OsaisGalleryItem *
lookup_item (OsaisGalleryModel *self,
             OsaisJob          *job,
             OsaisImage        *image)
{
  gpointer key = image != NULL ? (gpointer) image : (gpointer) job;
  OsaisGalleryItem *item;
  ItemRef *ref;

  ref = g_hash_table_lookup (self->items, key);
  if (ref != NULL)
    return g_object_ref (ref->item);

  item = osais_gallery_item_new (job, image);
  self->n_made_items++;
  ref = g_new0 (ItemRef, 1);
  ref->model = self;
  ref->key = key;
  ref->item = item;
  g_object_weak_ref (G_OBJECT (item), item_gone_cb, ref);
  g_hash_table_insert (self->items, key, ref);

  return item;
}

/* The row whose block holds @position (< n_items), and the position's
 * index in that block. */
static Row *
row_of_position (OsaisGalleryModel *self,
                 guint              position,
                 guint             *local)
{
  guint low = 0;
  guint high;

  ensure_offsets (self);

  /* The last row whose block starts at or before @position. */
  high = self->rows->len;
  while (high - low > 1)
    {
      guint middle = low + (high - low) / 2;

      if (g_array_index (self->offsets, guint, middle) <= position)
        low = middle;
      else
        high = middle;
    }

  *local = position - g_array_index (self->offsets, guint, low);

  return row_at (self, low);
}

static gpointer
osais_gallery_model_get_item (GListModel *model,
                              guint       position)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (model);
  g_autoptr(OsaisImage) image = NULL;
  OsaisJob *job;
  Row *row;
  guint local;

  if (position >= self->n_items)
    return NULL;

  row = row_of_position (self, position, &local);
  job = row->watch->job;

  if (row->has_card)
    {
      if (local == 0)
        return lookup_item (self, job, NULL);
      local--;
    }

  image = g_list_model_get_item (osais_job_get_images (job), image_index (self, row, local));

  return lookup_item (self, job, image);
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
  if (self->rows != NULL)
    g_array_set_size (self->rows, 0);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (osais_gallery_model_parent_class)->dispose (object);
}

static void
osais_gallery_model_finalize (GObject *object)
{
  OsaisGalleryModel *self = OSAIS_GALLERY_MODEL (object);

  g_clear_pointer (&self->rows, g_array_unref);
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
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (self->rows, (GDestroyNotify) row_clear);
  self->offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  self->hidden = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
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
  g_array_set_size (self->rows, 0);
  self->n_items = 0;
  invalidate_offsets_from (self, 0);
  g_set_object (&self->store, store);

  if (store != NULL)
    {
      splice_rows (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (store)),
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
  guint index = G_MAXUINT;
  guint position;
  guint in_job;
  Row *row;

  g_return_if_fail (OSAIS_IS_GALLERY_MODEL (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));

  hidden = !!hidden;
  if (g_hash_table_contains (self->hidden, image) == hidden)
    return;

  for (guint i = 0; i < self->rows->len; i++)
    if (osais_job_get_uid (row_at (self, i)->watch->job) == osais_image_get_uid (image))
      {
        index = i;
        break;
      }
  if (index == G_MAXUINT)
    return;
  row = row_at (self, index);
  /* A dismissed job's images are not shown: none to hide. */
  if (row->dismissed ||
      !osais_job_find_image (row->watch->job, image, &in_job))
    return;

  position = row_offset (self, index) + (row->has_card ? 1 : 0) + in_job -
             (row->n_hidden > 0 ? hidden_before (self, row->watch->job, in_job) : 0);

  if (hidden)
    {
      g_hash_table_add (self->hidden, g_object_ref (image));
      g_hash_table_remove (self->items, image);
      row->n_hidden++;
      self->n_items--;
    }
  else
    {
      g_hash_table_remove (self->hidden, image);
      row->n_hidden--;
      self->n_items++;
    }
  invalidate_offsets_from (self, index + 1);

  g_list_model_items_changed (G_LIST_MODEL (self), position, hidden ? 1 : 0, hidden ? 0 : 1);

  row_update_card (self, index);
}

guint
osais_gallery_model_find_job (OsaisGalleryModel *self,
                              OsaisJob          *job)
{
  guint index;

  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), G_MAXUINT);
  g_return_val_if_fail (OSAIS_IS_JOB (job), G_MAXUINT);

  index = row_index (self, job);
  if (index == G_MAXUINT || row_at (self, index)->dismissed)
    return G_MAXUINT;

  return row_offset (self, index);
}

guint
osais_gallery_model_get_n_live_items (OsaisGalleryModel *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), 0);

  return g_hash_table_size (self->items);
}

OsaisGalleryItemKind
osais_gallery_model_get_ids (OsaisGalleryModel *self,
                             guint              position,
                             gint64            *job_uid,
                             gint64            *image_id)
{
  OsaisJob *job;
  Row *row;
  guint local;

  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), OSAIS_GALLERY_ITEM_CARD);
  g_return_val_if_fail (position < self->n_items, OSAIS_GALLERY_ITEM_CARD);

  row = row_of_position (self, position, &local);
  job = row->watch->job;
  *job_uid = osais_job_get_uid (job);
  *image_id = 0;
  if (row->has_card)
    {
      if (local == 0)
        return OSAIS_GALLERY_ITEM_CARD;
      local--;
    }

  *image_id = osais_job_get_image_id (job, image_index (self, row, local));

  return OSAIS_GALLERY_ITEM_IMAGE;
}

guint
osais_gallery_model_get_n_made_items (OsaisGalleryModel *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (self), 0);

  return self->n_made_items;
}
