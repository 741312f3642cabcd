/* osais-checkered-paintable.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_CHECKERED_PAINTABLE (osais_checkered_paintable_get_type ())

/* A GdkPaintable that draws a texture over a grey transparency checkerboard,
 * as image viewers and editors do, so that the transparent parts of an image
 * (a background removed by rembg) read as transparent instead of as blank.
 * The checkerboard covers exactly the rectangle the texture is drawn in.
 * Its intrinsic size is the texture's. */
G_DECLARE_FINAL_TYPE (OsaisCheckeredPaintable, osais_checkered_paintable,
                      OSAIS, CHECKERED_PAINTABLE, GObject)

GdkPaintable *osais_checkered_paintable_new         (GdkTexture              *texture);
GdkTexture   *osais_checkered_paintable_get_texture (OsaisCheckeredPaintable *self);

G_END_DECLS
