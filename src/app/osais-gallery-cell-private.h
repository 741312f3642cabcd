/* osais-gallery-cell-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the tests read of a gallery cell, which the gallery has no use for.
 */

#pragma once

#include "osais-gallery-cell.h"

G_BEGIN_DECLS

/* The card's stage text and progress. */
const char *osais_gallery_cell_get_stage_text  (OsaisGalleryCell *self);
double      osais_gallery_cell_get_fraction    (OsaisGalleryCell *self);
GtkWidget  *osais_gallery_cell_get_star_button (OsaisGalleryCell *self);
/* Whether its thumbnail is asked for and not given yet. */
gboolean    osais_gallery_cell_get_loading     (OsaisGalleryCell *self);

G_END_DECLS
