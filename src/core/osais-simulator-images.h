/* osais-simulator-images.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The simulator's only errors are its pictures'. */
#define OSAIS_SIMULATOR_ERROR (osais_simulator_error_quark ())

typedef enum
{
  OSAIS_SIMULATOR_ERROR_INVALID_SIZE,  /* an image side of 0 or above 4096 */
  OSAIS_SIMULATOR_ERROR_INVALID_IMAGE, /* an input that does not decode */
} OsaisSimulatorError;

GQuark osais_simulator_error_quark (void);

/* The largest side the simulator renders or accepts: a careless request
 * must not allocate gigabytes. */
#define OSAIS_SIMULATOR_MAX_IMAGE_SIDE 4096

/* Deterministic PNG pixels from a prompt and seed (another seed, another image). */
GBytes *osais_simulator_render_png        (const char  *prompt,
                                           gint64       seed,
                                           guint        width,
                                           guint        height,
                                           GError     **error);
/* gfpgan: the input scaled by @res, sharpened and contrast-stretched, as PNG. */
GBytes *osais_simulator_enhance_png       (GBytes      *input,
                                           guint        res,
                                           GError     **error);
/* rembg: pixels close to the top-left corner's colour made transparent, as PNG. */
GBytes *osais_simulator_remove_background (GBytes      *input,
                                           GError     **error);

G_END_DECLS
