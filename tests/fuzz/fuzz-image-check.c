/* fuzz-image-check.c — the image header check, before anything decodes an upload
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the uploaded file.
 */

#define G_LOG_DOMAIN "OsaisFuzzImageCheck"

#include "osais-fuzz.h"
#include "osais-image-check.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  const char *content_type = NULL;
  guint width = 0;
  guint height = 0;

  if (!osais_image_check (bytes, &content_type, &width, &height, &error))
    {
      g_assert (error != NULL && error->domain == OSAIS_IMAGE_CHECK_ERROR);
      return 0;
    }

  /* An accepted image is one the store and the thumbnailer can afford. */
  g_assert (error == NULL);
  g_assert (osais_image_extension_for_content_type (content_type) != NULL);
  g_assert (width >= 1 && width <= OSAIS_IMAGE_MAX_DIMENSION);
  g_assert (height >= 1 && height <= OSAIS_IMAGE_MAX_DIMENSION);
  g_assert ((guint64) width * height <= OSAIS_IMAGE_MAX_PIXELS);
  return 0;
}
