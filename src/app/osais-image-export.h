/* osais-image-export.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-core.h"

G_BEGIN_DECLS

/* An image as the user takes it out of the app (Save As, copy, drag): its
 * file's bytes, with the job's parameters inside when it is a PNG (the
 * AUTOMATIC1111 "parameters" chunk and our JSON, see osais-png-text.h).
 * JPEG and WebP keep their bytes as stored: we write no metadata in them,
 * and @tagged says so. With a @destination, the bytes are also written
 * there (its folder made if missing), replacing it atomically, as an
 * ordinary file of the user's (their umask's permissions, where the store
 * keeps its own files private). The reading, tagging and writing run in a
 * thread. */
void     osais_image_export_async  (OsaisImage           *image,
                                    OsaisJob             *job,
                                    const char           *engine_version,
                                    GFile                *destination,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
GBytes  *osais_image_export_finish (GAsyncResult         *result,
                                    gboolean             *tagged,
                                    GError              **error);

/* A file name for @image (@job nullable) that reads as its prompt, with
 * the uid and the image's number in its job: "a-red-fox-4711-2.png". */
char    *osais_image_export_dup_name (OsaisImage *image,
                                      OsaisJob   *job);

/* Exports each of @images (its job at the same index of @jobs) into
 * @folder, as osais_image_export_async() makes it, under its
 * osais_image_export_dup_name(); a name taken already becomes
 * "name (2).png" and so on, never replacing a file. In a thread; stops at
 * the first failure. Finishes with how many were written. */
void     osais_image_export_to_folder_async  (GPtrArray           *images,
                                              GPtrArray           *jobs,
                                              GFile               *folder,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
guint    osais_image_export_to_folder_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
