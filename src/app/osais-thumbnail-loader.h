/* osais-thumbnail-loader.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_THUMBNAIL_LOADER (osais_thumbnail_loader_get_type ())

/* Decodes images at thumbnail size on worker threads and keeps the last
 * textures in an LRU cache keyed by file path. Textures are made on the main
 * thread. Properties: size (int, the shorter side in pixels), max-entries. */
G_DECLARE_FINAL_TYPE (OsaisThumbnailLoader, osais_thumbnail_loader, OSAIS, THUMBNAIL_LOADER,
                      GObject)

OsaisThumbnailLoader *osais_thumbnail_loader_new          (int                   size,
                                                           guint                 max_entries);
/* The loader the gallery's cells share. */
OsaisThumbnailLoader *osais_thumbnail_loader_get_default  (void);
/* The cached texture for @file (now the most recently used), or NULL. */
GdkTexture           *osais_thumbnail_loader_lookup       (OsaisThumbnailLoader  *self,
                                                           GFile                 *file);
void                  osais_thumbnail_loader_load_async   (OsaisThumbnailLoader  *self,
                                                           GFile                 *file,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
GdkTexture           *osais_thumbnail_loader_load_finish  (OsaisThumbnailLoader  *self,
                                                           GAsyncResult          *result,
                                                           GError               **error);
guint                 osais_thumbnail_loader_get_n_cached (OsaisThumbnailLoader  *self);
/* Decodes @file at full size on a worker thread (the viewer). */
void                  osais_load_full_texture_async       (GFile                 *file,
                                                           GCancellable          *cancellable,
                                                           GAsyncReadyCallback    callback,
                                                           gpointer               user_data);
GdkTexture           *osais_load_full_texture_finish      (GAsyncResult          *result,
                                                           GError               **error);

G_END_DECLS
