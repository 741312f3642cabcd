/* osais-gallery-results.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryResults"

#include "osais-gallery-results.h"

/* Without a search, the results are the model's items, passed through:
 * putting the results in the grid's sections only when a search starts made
 * GTK ask for every item found (a list store's splice, ui-gallery's
 * search-makes-only-shown: 1,063 items made for 1,000 found). */

/* A GtkFilterListModel asks its filter about every item, so each keystroke
 * of a search over 100,000 images made 100,000 items (tests/bench/search-gui:
 * most of a keystroke's 70 to 110 ms of the main thread). Here the filter is
 * asked by ids, which the model reads from its rows and the jobs' image
 * records, and the only items made are those the grid asks for. */

struct _OsaisGalleryResults
{
  GObject            parent_instance;

  OsaisGalleryModel *model;
  /* NULL: every position, as the model's own (positions unused). */
  OsaisSearchFilter *filter;
  GArray            *positions;  /* guint: the model's positions kept, ascending */
};

static void osais_gallery_results_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisGalleryResults, osais_gallery_results, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_gallery_results_list_model_init))

enum {
  PROP_0,
  PROP_MODEL,
  PROP_FILTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
keeps (OsaisGalleryResults *self,
       guint                position)
{
  OsaisGalleryItemKind kind;
  gint64 job_uid;
  gint64 image_id;

  kind = osais_gallery_model_get_ids (self->model, position, &job_uid, &image_id);

  return osais_search_filter_keeps (self->filter, kind, job_uid, image_id);
}

/* The index of the first kept position at or after @position. */
static guint
lower_bound (OsaisGalleryResults *self,
             guint                position)
{
  guint low = 0;
  guint high = self->positions->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (g_array_index (self->positions, guint, middle) < position)
        low = middle + 1;
      else
        high = middle;
    }

  return low;
}

/* Checks the model again, or only what was kept when the filter keeps less
 * (a letter typed), and reports the span between the common head and tail
 * of the old and new positions as changed. @old: the positions shown
 * before, NULL for all of the model's. */
static void
refilter (OsaisGalleryResults *self,
          GArray              *old,
          GtkFilterChange      change)
{
  guint n_old = old != NULL ? old->len : g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint n_new;
  guint head = 0;
  guint tail = 0;

  self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  if (old != NULL && change == GTK_FILTER_CHANGE_MORE_STRICT)
    {
      for (guint i = 0; i < n_old; i++)
        if (keeps (self, g_array_index (old, guint, i)))
          g_array_append_val (self->positions, g_array_index (old, guint, i));
    }
  else
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

      for (guint position = 0; position < n; position++)
        if (keeps (self, position))
          g_array_append_val (self->positions, position);
    }

  n_new = self->positions->len;
#define OLD(i) (old != NULL ? g_array_index (old, guint, (i)) : (i))
  while (head < MIN (n_old, n_new) &&
         OLD (head) == g_array_index (self->positions, guint, head))
    head++;
  while (tail < MIN (n_old, n_new) - head &&
         OLD (n_old - 1 - tail) == g_array_index (self->positions, guint, n_new - 1 - tail))
    tail++;
#undef OLD
  if (head + tail < MAX (n_old, n_new))
    g_list_model_items_changed (G_LIST_MODEL (self), head, n_old - head - tail,
                                n_new - head - tail);
}

static void
filter_changed_cb (GtkFilter           *filter,
                   GtkFilterChange      change,
                   OsaisGalleryResults *self)
{
  g_autoptr(GArray) old = g_steal_pointer (&self->positions);

  refilter (self, old, change);
}

/* Uploads and deletions: the positions before the change stay, those after
 * it move, and only the changed span is checked. */
static void
model_items_changed_cb (GListModel          *model,
                        guint                position,
                        guint                removed,
                        guint                added,
                        OsaisGalleryResults *self)
{
  g_autoptr(GArray) found = NULL;
  guint first;
  guint last;

  if (self->filter == NULL)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
      return;
    }

  found = g_array_new (FALSE, FALSE, sizeof (guint));
  first = lower_bound (self, position);
  last = lower_bound (self, position + removed);

  for (guint i = last; i < self->positions->len; i++)
    g_array_index (self->positions, guint, i) += added - removed;
  for (guint p = position; p < position + added; p++)
    if (keeps (self, p))
      g_array_append_val (found, p);

  g_array_remove_range (self->positions, first, last - first);
  g_array_insert_vals (self->positions, first, found->data, found->len);
  if (last > first || found->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), first, last - first, found->len);
}

static GType
osais_gallery_results_get_item_type (GListModel *model)
{
  return OSAIS_TYPE_GALLERY_ITEM;
}

static guint
osais_gallery_results_get_n_items (GListModel *model)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (model);

  if (self->filter == NULL)
    return g_list_model_get_n_items (G_LIST_MODEL (self->model));

  return self->positions->len;
}

static gpointer
osais_gallery_results_get_item (GListModel *model,
                                guint       position)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (model);

  if (self->filter == NULL)
    return g_list_model_get_item (G_LIST_MODEL (self->model), position);
  if (position >= self->positions->len)
    return NULL;

  return g_list_model_get_item (G_LIST_MODEL (self->model),
                                g_array_index (self->positions, guint, position));
}

static void
osais_gallery_results_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osais_gallery_results_get_item_type;
  iface->get_n_items = osais_gallery_results_get_n_items;
  iface->get_item = osais_gallery_results_get_item;
}

static void
osais_gallery_results_dispose (GObject *object)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_data (self->filter, self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (osais_gallery_results_parent_class)->dispose (object);
}

static void
osais_gallery_results_finalize (GObject *object)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  g_array_unref (self->positions);

  G_OBJECT_CLASS (osais_gallery_results_parent_class)->finalize (object);
}

static void
osais_gallery_results_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_FILTER:
      g_value_set_object (value, self->filter);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_results_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      g_signal_connect_object (self->model, "items-changed", G_CALLBACK (model_items_changed_cb),
                               self, 0);
      break;

    case PROP_FILTER:
      osais_gallery_results_set_filter (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_results_class_init (OsaisGalleryResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_gallery_results_dispose;
  object_class->finalize = osais_gallery_results_finalize;
  object_class->get_property = osais_gallery_results_get_property;
  object_class->set_property = osais_gallery_results_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, OSAIS_TYPE_GALLERY_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILTER] =
    g_param_spec_object ("filter", NULL, NULL, OSAIS_TYPE_SEARCH_FILTER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_gallery_results_init (OsaisGalleryResults *self)
{
  self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
}

OsaisGalleryResults *
osais_gallery_results_new (OsaisGalleryModel *model)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (model), NULL);

  return g_object_new (OSAIS_TYPE_GALLERY_RESULTS, "model", model, NULL);
}

OsaisSearchFilter *
osais_gallery_results_get_filter (OsaisGalleryResults *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_RESULTS (self), NULL);

  return self->filter;
}

void
osais_gallery_results_set_filter (OsaisGalleryResults *self,
                                  OsaisSearchFilter   *filter)
{
  g_autoptr(GArray) old = NULL;
  guint n_old;

  g_return_if_fail (OSAIS_IS_GALLERY_RESULTS (self));
  g_return_if_fail (filter == NULL || OSAIS_IS_SEARCH_FILTER (filter));

  if (self->filter == filter)
    return;

  if (self->filter != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->filter, self);
      old = g_steal_pointer (&self->positions);
    }
  g_set_object (&self->filter, filter);
  if (filter != NULL)
    {
      g_signal_connect_object (filter, "changed", G_CALLBACK (filter_changed_cb), self, 0);
      refilter (self, old, GTK_FILTER_CHANGE_DIFFERENT);
    }
  else
    {
      /* Everything again: what was kept is a part of it. */
      self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
      n_old = old->len;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, n_old,
                                  g_list_model_get_n_items (G_LIST_MODEL (self->model)));
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

guint
osais_gallery_results_find_job (OsaisGalleryResults *self,
                                OsaisJob            *job)
{
  guint position;
  guint index;
  gint64 job_uid;
  gint64 image_id;

  g_return_val_if_fail (OSAIS_IS_GALLERY_RESULTS (self), G_MAXUINT);
  g_return_val_if_fail (OSAIS_IS_JOB (job), G_MAXUINT);

  position = osais_gallery_model_find_job (self->model, job);
  if (position == G_MAXUINT || self->filter == NULL)
    return position;

  /* The first kept position from the job's block on: the job's if it is
   * in the block. */
  index = lower_bound (self, position);
  if (index == self->positions->len)
    return G_MAXUINT;
  osais_gallery_model_get_ids (self->model, g_array_index (self->positions, guint, index),
                               &job_uid, &image_id);

  return job_uid == osais_job_get_uid (job) ? index : G_MAXUINT;
}
