/* osais-gallery.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGallery"

#include "config.h"

#include "osais-gallery.h"

struct _OsaisGallery
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (OsaisGallery, osais_gallery, ADW_TYPE_BIN)

static void
osais_gallery_class_init (OsaisGalleryClass *klass)
{
}

static void
osais_gallery_init (OsaisGallery *self)
{
}
