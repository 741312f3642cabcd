/* osais-search-filter.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_SEARCH_FILTER (osais_search_filter_get_type ())

/* A GtkFilter of OsaisGalleryItem that keeps what a search found
 * (osais_store_search_async()): an image whose id it found, a card whose job
 * it found. Before a result is set, it keeps everything. It sits on
 * whichever model the gallery uses (see osais_gallery_set_filter()). */
G_DECLARE_FINAL_TYPE (OsaisSearchFilter, osais_search_filter, OSAIS, SEARCH_FILTER, GtkFilter)

OsaisSearchFilter *osais_search_filter_new        (void);
/* @result: what the search found, or NULL to keep everything. */
void               osais_search_filter_set_result (OsaisSearchFilter       *self,
                                                   const OsaisSearchResult *result);

G_END_DECLS
