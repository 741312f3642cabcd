/* osais-thumbnail-paintable.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_THUMBNAIL_PAINTABLE (osais_thumbnail_paintable_get_type ())

/* A GdkPaintable that draws a thumbnail through a copy scaled once to the
 * size it is drawn at, so that the cairo renderer copies its pixels in each
 * frame instead of filtering a ~200 px texture into a ~205 px tile. Its
 * intrinsic size is the thumbnail's, so the layout is the texture's. */
G_DECLARE_FINAL_TYPE (OsaisThumbnailPaintable, osais_thumbnail_paintable,
                      OSAIS, THUMBNAIL_PAINTABLE, GObject)

GdkPaintable *osais_thumbnail_paintable_new (GdkTexture *texture,
                                             int         scale_factor);

G_END_DECLS
