/* osais-gallery-results.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryResults"

#include "osais-gallery-results.h"

#include <string.h>

/* Without a search, the results are the model's items, passed through:
 * putting the results in the grid's sections only when a search starts made
 * GTK ask for every item found (a list store's splice, ui-gallery's
 * search-makes-only-shown: 1,063 items made for 1,000 found). */

/* A GtkFilterListModel asks its filter about every item, so each keystroke
 * of a search over 100,000 images made 100,000 items (tests/bench/search-gui:
 * most of a keystroke's 70 to 110 ms of the main thread). Here the search
 * is asked by ids, which the model reads from its rows and the jobs' image
 * records, and the only items made are those the grid asks for. */

/* How many items a change told at once may add when it removes an item the
 * grid has a widget for. GTK 4.8's list item manager, when a change removes
 * the item of a widget it tracks (the scroll anchor, the focus, the
 * selection's), asks for every item the change adds, looking for that
 * item's new place: one change from the first result to the last made it
 * ask for up to 100,000 items (a third of the main thread's time while
 * typing, tests/bench/search-gui under perf). Each change told costs GTK an
 * update of the widgets after it, some hundred items' worth: a few
 * changes of at most this many items each cost less than one per gap
 * between shown items. */
#define MAX_ADDED_AROUND_HELD 256

/* How many positions' ids are read at a time while the results prepare
 * (osais_gallery_results_prepare()): 100,000 took 14 ms of the main thread
 * at load 10 (tests/bench/search-gui under perf), in one go on the first
 * letter typed; a few thousand fit between two frames. */
#define IDS_READ_AT_ONCE 4096

/* A set of ids. The ids below 2³² (the store's image ids: its row ids,
 * counted from 1) go in a bitset; any other (a job's uid, which OSAIS makes
 * from the time in milliseconds) in a hash set of pointers into the found
 * ids' array. A letter typed over 100,000 images finds tens of thousands:
 * hashing them, looking up every position and the subset test were 133 of
 * the 453 main-thread samples of the results' changes while
 * tests/bench/search-gui typed (perf), 86 with the bitset. */
typedef struct
{
  GtkBitset  *small;
  GHashTable *large;   /* gint64 * set, NULL while empty */
} IdSet;

struct _OsaisGalleryResults
{
  GObject            parent_instance;

  OsaisGalleryModel *model;
  /* What the search found (the ids point into these arrays); NULL: no
   * search, every position shown, as the model's own. */
  GArray            *job_uids;   /* gint64 */
  GArray            *image_ids;  /* gint64 */
  IdSet             *jobs;
  IdSet             *images;
  GArray            *positions;  /* guint: the model's positions kept, ascending */
  /* The model's ids by position (Ids), from the first search or
   * osais_gallery_results_prepare() on, kept in step with the model: a
   * wider search checks every position, and osais_gallery_model_get_ids()
   * finds each one's row and image record (10 % of the main thread while
   * search-gui typed, under perf). Read at idle while @read_id: the first
   * positions only, those of the model now. */
  GArray            *ids;
  guint              read_id;

  /* While a change is told in steps (emit_changes()): the positions shown
   * before it (NULL: all of the model's), of which those from @old_from on
   * follow the first @new_done of the new ones. */
  gboolean           telling;
  GArray            *old;
  guint              n_old;
  guint              old_from;
  guint              new_done;
};

static void osais_gallery_results_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisGalleryResults, osais_gallery_results, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_gallery_results_list_model_init))

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The model's position at @index of @positions; NULL: every position. */
static inline guint
nth (GArray *positions,
     guint   index)
{
  return positions != NULL ? g_array_index (positions, guint, index) : index;
}

static guint
n_shown (OsaisGalleryResults *self)
{
  return self->positions != NULL ? self->positions->len
                                 : g_list_model_get_n_items (G_LIST_MODEL (self->model));
}

typedef struct
{
  gint64 job_uid;
  gint64 image_id;  /* 0: the job's card */
} Ids;

static void
read_ids (OsaisGalleryResults *self,
          guint                position,
          guint                n,
          Ids                 *ids)
{
  for (guint i = 0; i < n; i++)
    if (osais_gallery_model_get_ids (self->model, position + i, &ids[i].job_uid,
                                     &ids[i].image_id) == OSAIS_GALLERY_ITEM_CARD)
      ids[i].image_id = 0;
}

/* A set of the ids in @ids, which it points into: @ids outlives it. */
static IdSet *
id_set_new (GArray *ids)
{
  IdSet *set = g_new0 (IdSet, 1);

  set->small = gtk_bitset_new_empty ();
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 *id = &g_array_index (ids, gint64, i);

      if (*id >= 0 && *id <= G_MAXUINT32)
        {
          gtk_bitset_add (set->small, (guint) *id);
          continue;
        }
      if (set->large == NULL)
        set->large = g_hash_table_new (g_int64_hash, g_int64_equal);
      g_hash_table_add (set->large, id);
    }

  return set;
}

static void
id_set_free (IdSet *set)
{
  gtk_bitset_unref (set->small);
  g_clear_pointer (&set->large, g_hash_table_unref);
  g_free (set);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdSet, id_set_free)

static inline gboolean
id_set_contains (const IdSet *set,
                 gint64       id)
{
  if (id >= 0 && id <= G_MAXUINT32)
    return gtk_bitset_contains (set->small, (guint) id);

  return set->large != NULL && g_hash_table_contains (set->large, &id);
}

static gboolean
id_set_is_subset (const IdSet *set,
                  const IdSet *of)
{
  g_autoptr(GtkBitset) outside = gtk_bitset_copy (set->small);
  GHashTableIter iter;
  gpointer key;

  gtk_bitset_subtract (outside, of->small);
  if (!gtk_bitset_is_empty (outside))
    return FALSE;
  if (set->large == NULL)
    return TRUE;
  if (of->large == NULL || g_hash_table_size (set->large) > g_hash_table_size (of->large))
    return FALSE;
  g_hash_table_iter_init (&iter, set->large);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (of->large, key))
      return FALSE;

  return TRUE;
}

static gboolean
keeps (OsaisGalleryResults *self,
       guint                position)
{
  const Ids *ids = &g_array_index (self->ids, Ids, position);

  if (ids->image_id != 0)
    return id_set_contains (self->images, ids->image_id);

  return id_set_contains (self->jobs, ids->job_uid);
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

/* One step of a change: the @removed old positions from @old_start, shown
 * from @position, become @added new ones. GTK reads the model as it is
 * after the step: the new positions up to the step's end, then the old
 * ones after it. */
static void
tell (OsaisGalleryResults *self,
      guint                old_start,
      guint                position,
      guint                removed,
      guint                added)
{
  self->old_from = old_start + removed;
  self->new_done = position + added;
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

/* Tells the change from @old (NULL: all of the model's @n_old positions) to
 * the positions now (self->positions), as the exact spans that changed,
 * gathered into as few items-changed as can be told without GTK asking
 * for many items: a span whose removed part has an item @held by a widget
 * adds at most MAX_ADDED_AROUND_HELD (a held item kept between two changes
 * is in the span that joins them, removed and added back). Everything
 * else, however wide, is one change: a widening search that keeps the
 * grid's first screen adds the rest after it, without GTK asking for one
 * item more than it shows. While telling, the model is the new positions
 * up to the step told, then the old ones. */
static void
emit_changes (OsaisGalleryResults *self,
              GArray              *old,
              guint                n_old,
              GtkBitset           *held)
{
  guint n_new = n_shown (self);
  guint i = 0;
  guint j = 0;
  /* The span being gathered: old [start_old, i) becomes new [start_new, j),
   * of which the last @kept are the same items on both sides. */
  gboolean open = FALSE;
  guint start_old = 0;
  guint start_new = 0;
  gboolean holds = FALSE;
  guint kept = 0;
  gboolean kept_held = FALSE;

  self->telling = TRUE;
  self->old = old;
  self->n_old = n_old;
  self->old_from = 0;
  self->new_done = 0;

  while (i < n_old || j < n_new)
    {
      guint old_position = i < n_old ? nth (old, i) : G_MAXUINT;
      guint new_position = j < n_new ? nth (self->positions, j) : G_MAXUINT;
      gboolean removal = old_position < new_position;
      gboolean is_held = old_position <= new_position && held != NULL &&
                         gtk_bitset_contains (held, i);

      if (old_position == new_position)
        {
          kept_held |= is_held;
          kept++;
          i++;
          j++;
          continue;
        }

      if (open && (holds || kept_held || (removal && is_held)) &&
          j - start_new + (removal ? 0 : 1) > MAX_ADDED_AROUND_HELD)
        {
          /* The kept items at the end are no change: left out. */
          tell (self, start_old, start_new, i - kept - start_old, j - kept - start_new);
          open = FALSE;
        }
      if (!open)
        {
          open = TRUE;
          start_old = i;
          start_new = j;
          holds = FALSE;
        }
      else
        {
          holds |= kept_held;
        }
      kept = 0;
      kept_held = FALSE;

      if (removal)
        {
          holds |= is_held;
          i++;
        }
      else
        {
          j++;
        }
    }
  if (open)
    tell (self, start_old, start_new, i - kept - start_old, j - kept - start_new);

  self->telling = FALSE;
  self->old = NULL;
}

/* Finds the positions kept by the search now: among @old only when the
 * search keeps a part of what it kept (a letter typed), else among all of
 * the model's. */
static void
refilter (OsaisGalleryResults *self,
          GArray              *old,
          gboolean             narrower)
{
  GArray *positions = g_array_new (FALSE, FALSE, sizeof (guint));

  if (old != NULL && narrower)
    {
      for (guint i = 0; i < old->len; i++)
        if (keeps (self, g_array_index (old, guint, i)))
          g_array_append_val (positions, g_array_index (old, guint, i));
    }
  else
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

      for (guint position = 0; position < n; position++)
        if (keeps (self, position))
          g_array_append_val (positions, position);
    }

  self->positions = positions;
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

  if (self->read_id != 0)
    {
      /* Those after the change are read again, where they are now. */
      if (self->ids != NULL && position < self->ids->len)
        g_array_set_size (self->ids, position);
    }
  else if (self->ids != NULL)
    {
      g_array_remove_range (self->ids, position, removed);
      g_array_set_size (self->ids, self->ids->len + added);
      memmove (&g_array_index (self->ids, Ids, position + added),
               &g_array_index (self->ids, Ids, position),
               (self->ids->len - position - added) * sizeof (Ids));
      read_ids (self, position, added, &g_array_index (self->ids, Ids, position));
    }
  if (self->positions == NULL)
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

  if (self->telling)
    return self->new_done + self->n_old - self->old_from;

  return n_shown (self);
}

static gpointer
osais_gallery_results_get_item (GListModel *model,
                                guint       position)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (model);

  if (position >= osais_gallery_results_get_n_items (model))
    return NULL;
  if (self->telling && position >= self->new_done)
    position = nth (self->old, self->old_from + position - self->new_done);
  else
    position = nth (self->positions, position);

  return g_list_model_get_item (G_LIST_MODEL (self->model), position);
}

static void
osais_gallery_results_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osais_gallery_results_get_item_type;
  iface->get_n_items = osais_gallery_results_get_n_items;
  iface->get_item = osais_gallery_results_get_item;
}

static void
clear_found (OsaisGalleryResults *self)
{
  g_clear_pointer (&self->jobs, id_set_free);
  g_clear_pointer (&self->images, id_set_free);
  g_clear_pointer (&self->job_uids, g_array_unref);
  g_clear_pointer (&self->image_ids, g_array_unref);
}

static void
osais_gallery_results_dispose (GObject *object)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  g_clear_handle_id (&self->read_id, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (osais_gallery_results_parent_class)->dispose (object);
}

static void
osais_gallery_results_finalize (GObject *object)
{
  OsaisGalleryResults *self = OSAIS_GALLERY_RESULTS (object);

  clear_found (self);
  g_clear_pointer (&self->positions, g_array_unref);
  g_clear_pointer (&self->ids, g_array_unref);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_gallery_results_init (OsaisGalleryResults *self)
{
}

OsaisGalleryResults *
osais_gallery_results_new (OsaisGalleryModel *model)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_MODEL (model), NULL);

  return g_object_new (OSAIS_TYPE_GALLERY_RESULTS, "model", model, NULL);
}

/* Reads the ids of up to @n more positions; TRUE when all are read. */
static gboolean
read_more_ids (OsaisGalleryResults *self,
               guint                n)
{
  guint n_model = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  guint from;

  if (self->ids == NULL)
    self->ids = g_array_sized_new (FALSE, FALSE, sizeof (Ids), n_model);
  from = self->ids->len;
  n = MIN (n, n_model - from);
  g_array_set_size (self->ids, from + n);
  read_ids (self, from, n, &g_array_index (self->ids, Ids, from));

  return self->ids->len == n_model;
}

static gboolean
read_ids_cb (gpointer user_data)
{
  OsaisGalleryResults *self = user_data;

  if (!read_more_ids (self, IDS_READ_AT_ONCE))
    return G_SOURCE_CONTINUE;

  self->read_id = 0;
  return G_SOURCE_REMOVE;
}

void
osais_gallery_results_prepare (OsaisGalleryResults *self)
{
  g_return_if_fail (OSAIS_IS_GALLERY_RESULTS (self));

  if (self->read_id != 0 ||
      (self->ids != NULL &&
       self->ids->len == g_list_model_get_n_items (G_LIST_MODEL (self->model))))
    return;

  self->read_id = g_idle_add (read_ids_cb, self);
}

gboolean
osais_gallery_results_get_prepared (OsaisGalleryResults *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_RESULTS (self), FALSE);

  return self->read_id == 0 && self->ids != NULL;
}

void
osais_gallery_results_set_found (OsaisGalleryResults     *self,
                                 const OsaisSearchResult *found,
                                 GtkBitset               *held)
{
  g_autoptr(IdSet) old_jobs = NULL;
  g_autoptr(IdSet) old_images = NULL;
  g_autoptr(GArray) old_job_uids = NULL;
  g_autoptr(GArray) old_image_ids = NULL;
  g_autoptr(GArray) old = NULL;
  guint n_old;
  gboolean narrower;

  g_return_if_fail (OSAIS_IS_GALLERY_RESULTS (self));
  g_return_if_fail (!self->telling);

  if (found == NULL && self->positions == NULL)
    return;

  n_old = n_shown (self);
  old = g_steal_pointer (&self->positions);
  old_jobs = g_steal_pointer (&self->jobs);
  old_images = g_steal_pointer (&self->images);
  old_job_uids = g_steal_pointer (&self->job_uids);
  old_image_ids = g_steal_pointer (&self->image_ids);

  if (found != NULL)
    {
      /* Not prepared (or not yet): the rest read now. */
      read_more_ids (self, G_MAXUINT);
      g_clear_handle_id (&self->read_id, g_source_remove);
      self->job_uids = g_array_ref (found->job_uids);
      self->image_ids = g_array_ref (found->image_ids);
      self->jobs = id_set_new (self->job_uids);
      self->images = id_set_new (self->image_ids);
      narrower = old_jobs != NULL && id_set_is_subset (self->jobs, old_jobs) &&
                 id_set_is_subset (self->images, old_images);
      refilter (self, old, narrower);
    }

  emit_changes (self, old, n_old, held);
}

gboolean
osais_gallery_results_get_searching (OsaisGalleryResults *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_RESULTS (self), FALSE);

  return self->positions != NULL;
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
  if (position == G_MAXUINT || self->positions == NULL)
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
