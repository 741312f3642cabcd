/* osais-gallery-cell.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-gallery-model.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY_CELL (osais_gallery_cell_get_type ())

/* One cell of the gallery grid: an image's thumbnail (loaded through the
 * default OsaisThumbnailLoader while the gallery sees the cell in view, the
 * load cancelled when the cell leaves the view or is recycled), or a job's
 * card: engine, prompt, stage in words, progress, error and a Retry button
 * (the window's action win.retry-job, the job's uid). An image's tile has a
 * star (action cell.toggle-favourite, which asks gallery.set-favourite with
 * the image's uid, id and new state).
 * Properties: item (OsaisGalleryItem, nullable). */
G_DECLARE_FINAL_TYPE (OsaisGalleryCell, osais_gallery_cell, OSAIS, GALLERY_CELL, GtkWidget)

OsaisGalleryItem *osais_gallery_cell_get_item     (OsaisGalleryCell *self);
void              osais_gallery_cell_set_item     (OsaisGalleryCell *self,
                                                   OsaisGalleryItem *item);
/* The shown thumbnail (NULL: none yet, or a card). */
GdkPaintable     *osais_gallery_cell_get_paintable  (OsaisGalleryCell *self);
/* The item's position in the grid's model, from the list item that binds
 * the cell (G_MAXUINT when none does). */
guint             osais_gallery_cell_get_position    (OsaisGalleryCell *self);
void              osais_gallery_cell_set_binding     (OsaisGalleryCell *self,
                                                      GtkListItem      *binding);
/* What the tile's tooltip says: the prompt and the engine (NULL on a card). */
char             *osais_gallery_cell_dup_caption     (OsaisGalleryCell *self);
/* Asks for the thumbnail in view; away from it, cancels the request. */
void              osais_gallery_cell_set_in_view    (OsaisGalleryCell *self,
                                                     gboolean          in_view);

G_END_DECLS
