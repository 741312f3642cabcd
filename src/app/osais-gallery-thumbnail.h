/* osais-gallery-thumbnail.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY_THUMBNAIL (osais_gallery_thumbnail_get_type ())

/* A gallery tile's image: the texture scaled to cover the widget (centred,
 * the overflow clipped), in a square as tall as it is wide whatever the
 * texture, or none yet. Giving it a texture redraws it and lays nothing out
 * again: GtkPicture queues a resize for each new paintable, and in GTK 4.8
 * a resize reaching the window asks the X server for the monitor's work
 * area (two round trips) in every frame that binds a tile.
 * Properties: texture (GdkTexture, nullable). */
G_DECLARE_FINAL_TYPE (OsaisGalleryThumbnail, osais_gallery_thumbnail, OSAIS, GALLERY_THUMBNAIL,
                      GtkWidget)

GtkWidget  *osais_gallery_thumbnail_new         (void);
GdkTexture *osais_gallery_thumbnail_get_texture (OsaisGalleryThumbnail *self);
void        osais_gallery_thumbnail_set_texture (OsaisGalleryThumbnail *self,
                                                 GdkTexture            *texture);

G_END_DECLS
