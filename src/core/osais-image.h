/* osais-image.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_IMAGE (osais_image_get_type ())

G_DECLARE_FINAL_TYPE (OsaisImage, osais_image, OSAIS, IMAGE, GObject)

/* Read-only properties: file (GFile), uid (int64), cycle (int), size (uint64),
 * content-type (string), hash (string, SHA-256 hex), width, height (uint),
 * received (GDateTime); id (int64: the history's id of the image, 0 for one
 * the store did not make) and favourite (boolean, notified), which the store
 * sets. */
OsaisImage *osais_image_new              (GFile      *file,
                                          gint64      uid,
                                          int         cycle,
                                          guint64     size,
                                          const char *content_type,
                                          const char *hash,
                                          guint       width,
                                          guint       height,
                                          GDateTime  *received);
/* For the store: an image of the history in @data_dir, at @relative_path
 * under it (NULL: osais_image_stored_path()), received at @received_usec
 * (microseconds since the epoch); its GFile and GDateTime are made when
 * asked for. */
OsaisImage *osais_image_new_stored       (const char *data_dir,
                                          const char *relative_path,
                                          gint64      uid,
                                          int         cycle,
                                          guint64     size,
                                          const char *content_type,
                                          const char *hash,
                                          guint       width,
                                          guint       height,
                                          gint64      received_usec,
                                          gint64      id,
                                          gboolean    favourite);
/* The path, under the data folder, of the file the store writes for an
 * image: images/<uid>/<cycle>-<first 16 of the hash>.<extension>. */
char       *osais_image_stored_path      (gint64      uid,
                                          int         cycle,
                                          const char *hash,
                                          const char *content_type);
/* For the job's images model: what osais_image_new_stored() was given (the
 * path NULL when it is the usual one); FALSE for an image made with its file. */
gboolean    osais_image_get_stored_location (OsaisImage  *self,
                                             const char **data_dir,
                                             const char **relative_path);
gint64      osais_image_get_received_usec (OsaisImage *self);
GFile      *osais_image_get_file         (OsaisImage *self);
gint64      osais_image_get_uid          (OsaisImage *self);
int         osais_image_get_cycle        (OsaisImage *self);
guint64     osais_image_get_size         (OsaisImage *self);
const char *osais_image_get_content_type (OsaisImage *self);
const char *osais_image_get_hash         (OsaisImage *self);
guint       osais_image_get_width        (OsaisImage *self);
guint       osais_image_get_height       (OsaisImage *self);
GDateTime  *osais_image_get_received     (OsaisImage *self);
gint64      osais_image_get_id           (OsaisImage *self);
gboolean    osais_image_get_favourite    (OsaisImage *self);

/* For the store: the id before the image is shared; the favourite flag on
 * the main context, once the history records it (see
 * osais_store_set_favourite_async()). */
void        osais_image_set_id           (OsaisImage *self,
                                          gint64      id);
void        osais_image_set_favourite    (OsaisImage *self,
                                          gboolean    favourite);

G_END_DECLS
