/* osais-image-check.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The largest image accepted, checked from its header before anything decodes it. */
#define OSAIS_IMAGE_MAX_DIMENSION 16384
#define OSAIS_IMAGE_MAX_PIXELS    (64 * 1024 * 1024)

#define OSAIS_IMAGE_CHECK_ERROR (osais_image_check_error_quark ())

typedef enum
{
  OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED,  /* not PNG, JPEG or WebP by its magic bytes (415) */
  OSAIS_IMAGE_CHECK_ERROR_TRUNCATED,    /* the header is cut short or inconsistent (422) */
  OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE,    /* declared dimensions over the limits (422) */
} OsaisImageCheckError;

GQuark   osais_image_check_error_quark (void);

/* Identifies an image by its magic bytes and reads its declared size from
 * its header, without decoding it. @content_type is "image/png",
 * "image/jpeg" or "image/webp" (static strings). */
gboolean osais_image_check (GBytes      *data,
                            const char **content_type,
                            guint       *width,
                            guint       *height,
                            GError     **error);

/* The file extension for a content type returned above ("png", "jpg", "webp"). */
const char *osais_image_extension_for_content_type (const char *content_type);

G_END_DECLS
