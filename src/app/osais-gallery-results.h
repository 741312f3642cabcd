/* osais-gallery-results.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-gallery-model.h"
#include "osais-search-filter.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY_RESULTS (osais_gallery_results_get_type ())

/* A GListModel of the OsaisGalleryItem of an OsaisGalleryModel that an
 * OsaisSearchFilter keeps, in the model's order. It holds the positions that
 * match, found by ids (osais_gallery_model_get_ids()): an item is made only
 * when asked for, as the grid shows it. It follows the model's changes and
 * the filter's, each as one exact items-changed. Without a filter it shows
 * all of the model's items. Properties: model (OsaisGalleryModel,
 * construct-only), filter (OsaisSearchFilter, nullable). */
G_DECLARE_FINAL_TYPE (OsaisGalleryResults, osais_gallery_results, OSAIS, GALLERY_RESULTS, GObject)

OsaisGalleryResults *osais_gallery_results_new        (OsaisGalleryModel   *model);
OsaisSearchFilter   *osais_gallery_results_get_filter (OsaisGalleryResults *self);
void                 osais_gallery_results_set_filter (OsaisGalleryResults *self,
                                                       OsaisSearchFilter   *filter);
/* The position of @job's first shown item, or G_MAXUINT. */
guint                osais_gallery_results_find_job   (OsaisGalleryResults *self,
                                                       OsaisJob            *job);

G_END_DECLS
