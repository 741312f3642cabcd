/* osais-image-viewer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImageViewer"

#include "config.h"

#include "osais-image-viewer.h"

struct _OsaisImageViewer
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (OsaisImageViewer, osais_image_viewer, ADW_TYPE_BIN)

static void
osais_image_viewer_class_init (OsaisImageViewerClass *klass)
{
}

static void
osais_image_viewer_init (OsaisImageViewer *self)
{
}
