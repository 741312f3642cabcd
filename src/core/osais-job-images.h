/* osais-job-images.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-image.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_JOB_IMAGES (osais_job_images_get_type ())

/* A job's images: a GListModel of OsaisImage, for OsaisJob alone (see
 * osais_job_get_images()). */
G_DECLARE_FINAL_TYPE (OsaisJobImages, osais_job_images, OSAIS, JOB_IMAGES, GObject)

OsaisJobImages *osais_job_images_new           (void);
void            osais_job_images_append        (OsaisJobImages *self,
                                                OsaisImage     *image);
gboolean        osais_job_images_find          (OsaisJobImages *self,
                                                const char     *hash,
                                                guint          *position);
/* The id of the image at @position, without making its object. */
gint64          osais_job_images_get_id        (OsaisJobImages *self,
                                                guint           position);
void            osais_job_images_remove        (OsaisJobImages *self,
                                                guint           position);
void            osais_job_images_set_favourite (OsaisJobImages *self,
                                                guint           position,
                                                gboolean        favourite);

G_END_DECLS
