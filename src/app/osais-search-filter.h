/* osais-search-filter.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "osais-core.h"
#include "osais-gallery-model.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_SEARCH_FILTER (osais_search_filter_get_type ())

/* A GtkFilter of OsaisGalleryItem that keeps what a search found
 * (osais_store_search_async()): an image whose id it found, a card whose job
 * it found. Before a result is set, it keeps everything. The gallery asks it
 * by ids (osais_search_filter_keeps()), through OsaisGalleryResults, so that
 * a search makes no item it does not show. */
G_DECLARE_FINAL_TYPE (OsaisSearchFilter, osais_search_filter, OSAIS, SEARCH_FILTER, GtkFilter)

OsaisSearchFilter *osais_search_filter_new        (void);
/* @result: what the search found, or NULL to keep everything. */
void               osais_search_filter_set_result (OsaisSearchFilter       *self,
                                                   const OsaisSearchResult *result);
/* Whether the filter keeps a card of the job @job_uid, or the image
 * @image_id (see osais_gallery_model_get_ids()). */
gboolean           osais_search_filter_keeps      (OsaisSearchFilter       *self,
                                                   OsaisGalleryItemKind     kind,
                                                   gint64                   job_uid,
                                                   gint64                   image_id);

G_END_DECLS
