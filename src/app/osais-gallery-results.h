/* osais-gallery-results.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "osais-core.h"
#include "osais-gallery-model.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY_RESULTS (osais_gallery_results_get_type ())

/* A GListModel of the OsaisGalleryItem of an OsaisGalleryModel that a
 * search found (osais_store_search_async()), in the model's order: an image
 * whose id it found, a card whose job it found. It holds the positions that
 * match, found by ids (osais_gallery_model_get_ids()): an item is made only
 * when asked for, as the grid shows it. It follows the model's changes and
 * the search's. Without a search it shows all of the model's items.
 * Property: model (OsaisGalleryModel, construct-only). */
G_DECLARE_FINAL_TYPE (OsaisGalleryResults, osais_gallery_results, OSAIS, GALLERY_RESULTS, GObject)

OsaisGalleryResults *osais_gallery_results_new           (OsaisGalleryModel       *model);
/* Shows what @found found, or everything (NULL). @held: the positions
 * whose items the grid has widgets for now (NULL: none), which the change
 * is told around: GTK 4.8 asks for every item a change adds when it
 * removes one of those (see emit_changes()). */
void                 osais_gallery_results_set_found     (OsaisGalleryResults     *self,
                                                          const OsaisSearchResult *found,
                                                          GtkBitset               *held);
/* Reads at idle what a search needs from the model, so that the first
 * search is shown as quickly as the next ones: for when one is about to
 * come (the search bar opened). */
void                 osais_gallery_results_prepare       (OsaisGalleryResults     *self);
/* Whether a search can be shown without reading the model first. */
gboolean             osais_gallery_results_get_prepared  (OsaisGalleryResults     *self);
/* Whether a search is shown (not everything). */
gboolean             osais_gallery_results_get_searching (OsaisGalleryResults     *self);
/* The position of @job's first shown item, or G_MAXUINT. */
guint                osais_gallery_results_find_job      (OsaisGalleryResults     *self,
                                                          OsaisJob                *job);

G_END_DECLS
