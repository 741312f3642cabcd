/* osais-thumbnail-loader.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_THUMBNAIL_ERROR (osais_thumbnail_error_quark ())

typedef enum
{
  OSAIS_THUMBNAIL_ERROR_NOT_LOCAL,    /* not a file on this machine */
  OSAIS_THUMBNAIL_ERROR_UNREADABLE,   /* cannot be opened or read */
  OSAIS_THUMBNAIL_ERROR_NOT_AN_IMAGE, /* read, but no image format can decode it */
} OsaisThumbnailError;

GQuark osais_thumbnail_error_quark (void);

#define OSAIS_TYPE_THUMBNAIL_LOADER (osais_thumbnail_loader_get_type ())

/* Decodes images at thumbnail size on its own two low-priority threads, in
 * the order asked, and keeps the last textures in an LRU cache keyed by
 * file path. Textures are made on the main thread. With a cache-dir, each
 * thumbnail is also written there once (a PNG named by the SHA-256 of the
 * original's path and the size, tagged with the original's mtime and size as
 * the freedesktop thumbnail cache does) and read from there while the original
 * is unchanged, so an original is decoded once. Properties: size (int, the
 * shorter side in pixels), max-entries, cache-dir (string, nullable). */
G_DECLARE_FINAL_TYPE (OsaisThumbnailLoader, osais_thumbnail_loader, OSAIS, THUMBNAIL_LOADER,
                      GObject)

OsaisThumbnailLoader *osais_thumbnail_loader_new            (int                   size,
                                                             guint                 max_entries);
/* The loader the gallery's cells share. */
OsaisThumbnailLoader *osais_thumbnail_loader_get_default    (void);
const char           *osais_thumbnail_loader_get_cache_dir  (OsaisThumbnailLoader  *self);
void                  osais_thumbnail_loader_set_cache_dir  (OsaisThumbnailLoader  *self,
                                                             const char            *cache_dir);
/* Where @file's thumbnail is kept on disk, or NULL without a cache-dir. */
char                 *osais_thumbnail_loader_dup_cache_path (OsaisThumbnailLoader  *self,
                                                             GFile                 *file);
/* The cached texture for @file (now the most recently used), or NULL. */
GdkTexture           *osais_thumbnail_loader_lookup         (OsaisThumbnailLoader  *self,
                                                             GFile                 *file);
/* Cancelling @cancellable before a worker takes the request skips it; a
 * cancelled request always finishes with G_IO_ERROR_CANCELLED. */
void                  osais_thumbnail_loader_load_async     (OsaisThumbnailLoader  *self,
                                                             GFile                 *file,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
/* Decodes @path's thumbnail from @bytes, its contents, before the first
 * request for it, ahead of the requests queued: an upload's, while the store
 * commits it (OsaisStoreImageFunc). The request for @path then takes that
 * thumbnail instead of reading the file (waiting for it if it is being
 * decoded), and writes it to the disk cache. The last 32 are kept.
 * Thread-safe. */
void                  osais_thumbnail_loader_prepare        (OsaisThumbnailLoader  *self,
                                                             const char            *path,
                                                             GBytes                *bytes);
GdkTexture           *osais_thumbnail_loader_load_finish    (OsaisThumbnailLoader  *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);
guint                 osais_thumbnail_loader_get_n_cached   (OsaisThumbnailLoader  *self);
/* Requests asked for whose worker has not finished (cancelled ones
 * included until a worker skips them). */
guint                 osais_thumbnail_loader_get_n_pending  (OsaisThumbnailLoader  *self);
/* Decodes @file at full size on a worker thread (the viewer). */
void                  osais_load_full_texture_async         (GFile                 *file,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
GdkTexture           *osais_load_full_texture_finish        (GAsyncResult          *result,
                                                             GError               **error);

G_END_DECLS
