/* osais-simulator-images.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The largest side the simulator renders or accepts: a careless request
 * must not allocate gigabytes. */
#define OSAIS_SIMULATOR_MAX_IMAGE_SIDE 4096

/* gfpgan: the input scaled by @res, sharpened and contrast-stretched, as PNG. */
GBytes *osais_simulator_enhance_png       (GBytes  *input,
                                           guint    res,
                                           GError **error);
/* rembg: pixels close to the top-left corner's colour made transparent, as PNG. */
GBytes *osais_simulator_remove_background (GBytes  *input,
                                           GError **error);

G_END_DECLS
