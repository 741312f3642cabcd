/* osais-gallery-model.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-core.h"

G_BEGIN_DECLS

typedef enum
{
  OSAIS_GALLERY_ITEM_CARD,  /* a job in progress, failed, stalled or without images */
  OSAIS_GALLERY_ITEM_IMAGE, /* one stored image of a job */
} OsaisGalleryItemKind;

#define OSAIS_TYPE_GALLERY_ITEM (osais_gallery_item_get_type ())

/* One cell of the gallery. Read-only properties: job (OsaisJob), image
 * (OsaisImage, NULL for a card), is-card (boolean). */
G_DECLARE_FINAL_TYPE (OsaisGalleryItem, osais_gallery_item, OSAIS, GALLERY_ITEM, GObject)

OsaisGalleryItemKind osais_gallery_item_get_kind  (OsaisGalleryItem *self);
OsaisJob            *osais_gallery_item_get_job   (OsaisGalleryItem *self);
OsaisImage          *osais_gallery_item_get_image (OsaisGalleryItem *self);

#define OSAIS_TYPE_GALLERY_MODEL (osais_gallery_model_get_type ())

/* A GListModel of OsaisGalleryItem flattened from an OsaisStore (jobs newest
 * first): for each job, a card when the job is not finished, failed, stalled
 * or shows no image, then one item per image of the job. It keeps a few
 * counts a job, not items: an item is made when asked for and lives while
 * someone holds it. Every change of the store or of a job is reported as an
 * exact items-changed over that job's block. Property: store (OsaisStore,
 * nullable). */
G_DECLARE_FINAL_TYPE (OsaisGalleryModel, osais_gallery_model, OSAIS, GALLERY_MODEL, GObject)

OsaisGalleryModel *osais_gallery_model_new              (OsaisStore        *store);
OsaisStore        *osais_gallery_model_get_store        (OsaisGalleryModel *self);
void               osais_gallery_model_set_store        (OsaisGalleryModel *self,
                                                         OsaisStore        *store);
/* Hides an image from the model (pending deletion, until undone). */
void               osais_gallery_model_set_image_hidden (OsaisGalleryModel *self,
                                                         OsaisImage        *image,
                                                         gboolean           hidden);
/* The position of the first item of @job's block, or G_MAXUINT. */
guint              osais_gallery_model_find_job         (OsaisGalleryModel *self,
                                                         OsaisJob          *job);
/* What the item at @position (< n-items) is, and its job's uid and its
 * image's id (0 for a card), without making the item: a search checks
 * every position, and shows only a few. */
OsaisGalleryItemKind osais_gallery_model_get_ids        (OsaisGalleryModel *self,
                                                         guint              position,
                                                         gint64            *job_uid,
                                                         gint64            *image_id);

G_END_DECLS
