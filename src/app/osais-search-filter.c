/* osais-search-filter.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSearchFilter"

#include "osais-gallery-model.h"
#include "osais-search-filter.h"

struct _OsaisSearchFilter
{
  GtkFilter   parent_instance;

  /* NULL: no search, everything matches. */
  GHashTable *job_uids;   /* gint64 */
  GHashTable *image_ids;  /* gint64 */
};

G_DEFINE_FINAL_TYPE (OsaisSearchFilter, osais_search_filter, GTK_TYPE_FILTER)

gboolean
osais_search_filter_keeps (OsaisSearchFilter    *self,
                           OsaisGalleryItemKind  kind,
                           gint64                job_uid,
                           gint64                image_id)
{
  g_return_val_if_fail (OSAIS_IS_SEARCH_FILTER (self), FALSE);

  if (self->job_uids == NULL)
    return TRUE;
  if (kind == OSAIS_GALLERY_ITEM_IMAGE)
    return g_hash_table_contains (self->image_ids, &image_id);

  return g_hash_table_contains (self->job_uids, &job_uid);
}

static gboolean
osais_search_filter_match (GtkFilter *filter,
                           gpointer   item)
{
  OsaisSearchFilter *self = OSAIS_SEARCH_FILTER (filter);
  OsaisImage *image;
  OsaisJob *job;

  if (self->job_uids == NULL)
    return TRUE;
  if (!OSAIS_IS_GALLERY_ITEM (item))
    return FALSE;

  image = osais_gallery_item_get_image (item);
  if (image != NULL)
    return osais_search_filter_keeps (self, OSAIS_GALLERY_ITEM_IMAGE, 0, osais_image_get_id (image));

  /* A card: its job matched. A request on its way has no job yet. */
  job = osais_gallery_item_get_job (item);
  if (job == NULL)
    return FALSE;

  return osais_search_filter_keeps (self, OSAIS_GALLERY_ITEM_CARD, osais_job_get_uid (job), 0);
}

static GtkFilterMatch
osais_search_filter_get_strictness (GtkFilter *filter)
{
  OsaisSearchFilter *self = OSAIS_SEARCH_FILTER (filter);

  return self->job_uids == NULL ? GTK_FILTER_MATCH_ALL : GTK_FILTER_MATCH_SOME;
}

static void
osais_search_filter_finalize (GObject *object)
{
  OsaisSearchFilter *self = OSAIS_SEARCH_FILTER (object);

  g_clear_pointer (&self->job_uids, g_hash_table_unref);
  g_clear_pointer (&self->image_ids, g_hash_table_unref);

  G_OBJECT_CLASS (osais_search_filter_parent_class)->finalize (object);
}

static void
osais_search_filter_class_init (OsaisSearchFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  object_class->finalize = osais_search_filter_finalize;
  filter_class->match = osais_search_filter_match;
  filter_class->get_strictness = osais_search_filter_get_strictness;
}

static void
osais_search_filter_init (OsaisSearchFilter *self)
{
}

OsaisSearchFilter *
osais_search_filter_new (void)
{
  return g_object_new (OSAIS_TYPE_SEARCH_FILTER, NULL);
}

static GHashTable *
set_of (GArray *ids)
{
  GHashTable *set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (set, g_memdup2 (&g_array_index (ids, gint64, i), sizeof (gint64)));

  return set;
}

/* How the new sets compare with the old ones: a letter typed keeps a subset
 * of what was kept, which the gallery's results then check alone, not the
 * whole history. */
static GtkFilterChange
change_between (GHashTable *old_jobs,
                GHashTable *old_images,
                GHashTable *new_jobs,
                GHashTable *new_images)
{
  GHashTableIter iter;
  gpointer key;
  gboolean subset = TRUE;

  if (new_jobs == NULL)
    return GTK_FILTER_CHANGE_LESS_STRICT;

  if (old_jobs != NULL)
    {
      for (g_hash_table_iter_init (&iter, new_jobs);
           subset && g_hash_table_iter_next (&iter, &key, NULL);)
        subset = g_hash_table_contains (old_jobs, key);
      for (g_hash_table_iter_init (&iter, new_images);
           subset && g_hash_table_iter_next (&iter, &key, NULL);)
        subset = g_hash_table_contains (old_images, key);
    }
  if (subset)
    return GTK_FILTER_CHANGE_MORE_STRICT;

  if (old_jobs != NULL &&
      g_hash_table_size (old_jobs) <= g_hash_table_size (new_jobs))
    {
      gboolean superset = TRUE;

      for (g_hash_table_iter_init (&iter, old_jobs);
           superset && g_hash_table_iter_next (&iter, &key, NULL);)
        superset = g_hash_table_contains (new_jobs, key);
      for (g_hash_table_iter_init (&iter, old_images);
           superset && g_hash_table_iter_next (&iter, &key, NULL);)
        superset = g_hash_table_contains (new_images, key);
      if (superset)
        return GTK_FILTER_CHANGE_LESS_STRICT;
    }

  return GTK_FILTER_CHANGE_DIFFERENT;
}

void
osais_search_filter_set_result (OsaisSearchFilter       *self,
                                const OsaisSearchResult *result)
{
  g_autoptr(GHashTable) old_jobs = NULL;
  g_autoptr(GHashTable) old_images = NULL;

  g_return_if_fail (OSAIS_IS_SEARCH_FILTER (self));

  old_jobs = g_steal_pointer (&self->job_uids);
  old_images = g_steal_pointer (&self->image_ids);
  if (result != NULL)
    {
      self->job_uids = set_of (result->job_uids);
      self->image_ids = set_of (result->image_ids);
    }

  gtk_filter_changed (GTK_FILTER (self),
                      change_between (old_jobs, old_images, self->job_uids, self->image_ids));
}
