/* osais-job.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_JOB (osais_job_get_type ())

G_DECLARE_FINAL_TYPE (OsaisJob, osais_job, OSAIS, JOB, GObject)

/* Properties (all notify; only the store changes them, on the main context):
 *   uid (int64), token, engine, parameters (JSON object text), stage (OsaisStage),
 *   cycle (int), description, cost (int64 ms, -1 unknown), error-message,
 *   created, updated (GDateTime), images (GListModel of OsaisImage, read-only),
 *   announced-images (uint: distinct outputs announced by stage-4 notifications),
 *   finished (boolean: stage 5 or -1, read-only, derived),
 *   stalled (boolean: set by OsaisSession when the job has not changed for its
 *   stall-timeout; a new `updated` time clears it; not stored),
 *   dismissed (boolean: the user stopped waiting for the job, see
 *   osais_store_set_dismissed_async(); stored). */
gint64      osais_job_get_uid              (OsaisJob    *self);
const char *osais_job_get_token            (OsaisJob    *self);
const char *osais_job_get_engine           (OsaisJob    *self);
const char *osais_job_get_parameters       (OsaisJob    *self);
/* The text the job was asked with: its `word` parameter, the one the
 * engines take their prompt in. NULL when it has none. Parsed once, when
 * first asked for. */
const char *osais_job_get_prompt           (OsaisJob    *self);
char       *osais_job_dup_prompt           (OsaisJob    *self);
OsaisStage  osais_job_get_stage            (OsaisJob    *self);
void        osais_job_set_stage            (OsaisJob    *self,
                                            OsaisStage   stage);
int         osais_job_get_cycle            (OsaisJob    *self);
void        osais_job_set_cycle            (OsaisJob    *self,
                                            int          cycle);
const char *osais_job_get_description      (OsaisJob    *self);
void        osais_job_set_description      (OsaisJob    *self,
                                            const char  *description);
gint64      osais_job_get_cost             (OsaisJob    *self);
void        osais_job_set_cost             (OsaisJob    *self,
                                            gint64       cost);
const char *osais_job_get_error_message    (OsaisJob    *self);
void        osais_job_set_error_message    (OsaisJob    *self,
                                            const char  *error_message);
GDateTime  *osais_job_get_created          (OsaisJob    *self);
void        osais_job_set_created          (OsaisJob    *self,
                                            GDateTime   *created);
GDateTime  *osais_job_get_updated          (OsaisJob    *self);
void        osais_job_set_updated          (OsaisJob    *self,
                                            GDateTime   *updated);
guint       osais_job_get_announced_images (OsaisJob    *self);
void        osais_job_set_announced_images (OsaisJob    *self,
                                            guint        announced_images);
gboolean    osais_job_get_finished         (OsaisJob    *self);
GListModel *osais_job_get_images           (OsaisJob    *self);
/* The id of the image at @index of the images, without making its object
 * (a search over a long history asks it of every image). */
gint64      osais_job_get_image_id         (OsaisJob    *self,
                                            guint        index);
/* Appends an image; emits items-changed on the images model for that position only. */
void        osais_job_add_image            (OsaisJob    *self,
                                            OsaisImage  *image);
/* Where the job holds an image with @image's hash: the model's objects are
 * made on demand, so compare hashes, not objects. */
gboolean    osais_job_find_image           (OsaisJob    *self,
                                            OsaisImage  *image,
                                            guint       *position);
/* The job's image with that SHA-256 hex hash, or NULL. */
OsaisImage *osais_job_dup_image            (OsaisJob    *self,
                                            const char  *hash);
/* For the store, on the main context: stars the image with that hash (its
 * object notifies, if one lives). FALSE if the job has none. */
gboolean    osais_job_set_image_favourite  (OsaisJob    *self,
                                            const char  *hash,
                                            gboolean     favourite);
/* Removes the image with @image's hash; returns FALSE if there was none. */
gboolean    osais_job_remove_image         (OsaisJob    *self,
                                            OsaisImage  *image);
/* TRUE when the job is finished and every announced image is stored. */
gboolean    osais_job_is_complete          (OsaisJob    *self);
gboolean    osais_job_get_stalled          (OsaisJob    *self);
void        osais_job_set_stalled          (OsaisJob    *self,
                                            gboolean     stalled);
gboolean    osais_job_get_dismissed        (OsaisJob    *self);
void        osais_job_set_dismissed        (OsaisJob    *self,
                                            gboolean     dismissed);

G_END_DECLS
