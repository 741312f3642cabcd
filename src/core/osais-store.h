/* osais-store.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-protocol.h"
#include "osais-search.h"
#include "osais-store-error.h"
#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_STORE (osais_store_get_type ())

/* OsaisStore is a GListModel of OsaisJob, newest first. The GObject side
 * (the list, the jobs' properties) lives on the main context the store was
 * created on: it is changed only there, through g_main_context_invoke_full.
 * The database is written on the store's own writer thread, with group
 * commit; image files are written and synced by a small pool of file threads
 * in parallel (once uid and token are checked), renamed into place and their
 * folders synced by the writer before the commit that records them. The
 * apply/add/create functions below may be
 * called from any thread; their callbacks run on the caller's thread-default
 * main context, after the change is durable on disk. */
G_DECLARE_FINAL_TYPE (OsaisStore, osais_store, OSAIS, STORE, GObject)

/* Opens (creating if needed) the store in @data_dir: `history.sqlite3`
 * and `images/` beside it. A database from a newer version fails with
 * OSAIS_STORE_ERROR_TOO_NEW, one that is not a database or fails its
 * integrity check with OSAIS_STORE_ERROR_DAMAGED; neither is ever modified.
 * Blocks on the disk: call it from a worker thread or a non-UI program; the
 * UI uses osais_store_open_async(). The store's GObject side lives on the
 * caller's thread-default main context. */
OsaisStore *osais_store_open                 (const char          *data_dir,
                                              GError             **error);
/* The asynchronous opening returns with the newest jobs only: as many as
 * show OSAIS_STORE_FIRST_PAGE_ITEMS tiles of a gallery (each image, or a
 * card for a job without one), whatever the history's size; the rest is
 * appended to the list a page at a time (history-loaded says when it is
 * all there). */
#define OSAIS_STORE_FIRST_PAGE_ITEMS 32

void        osais_store_open_async           (const char          *data_dir,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
OsaisStore *osais_store_open_finish          (GAsyncResult        *result,
                                              GError             **error);
/* Waits for pending writes and closes the database. */
void        osais_store_close                (OsaisStore          *self);

const char *osais_store_get_data_dir         (OsaisStore          *self);
/* $XDG_DATA_HOME/osais-studio */
char       *osais_store_default_data_dir     (void);
/* Main context only. */
OsaisJob   *osais_store_lookup               (OsaisStore          *self,
                                              gint64               uid);

/* A request in flight: between sending a request and learning its uid, a
 * callback for an unknown uid is an early callback. It is stored durably and
 * acknowledged at once, then applied when a reply brings its uid and token,
 * or dropped (with its file) once every request that could have brought it
 * has ended and the early grace has passed. Without a request in flight, an
 * unknown uid is refused (OSAIS_STORE_ERROR_UNKNOWN_JOB). Early callbacks
 * are bounded in number and bytes per request in flight and in all; beyond
 * that they are refused with OSAIS_STORE_ERROR_BUSY. Thread-safe. */
guint       osais_store_begin_request        (OsaisStore          *self);
/* The request failed: no job will come of it. Early callbacks that no other
 * in-flight request can claim start their grace. */
void        osais_store_cancel_request       (OsaisStore          *self,
                                              guint                request_id);
/* The reply gave the uid and token: creates the job durably and, in the
 * same transaction, applies the early callbacks for that uid in the order
 * they arrived (those with another token are dropped, never applied). @request_id may be 0 for
 * a job not created through begin_request. @parameters is a JSON object text. */
void        osais_store_create_job_async     (OsaisStore          *self,
                                              guint                request_id,
                                              gint64               uid,
                                              const char          *token,
                                              const char          *engine,
                                              const char          *parameters,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
OsaisJob   *osais_store_create_job_finish    (OsaisStore          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Applies a /notify callback: checks uid and token, records the stage
 * (never backwards; -1 final; duplicates applied once), commits. */
void        osais_store_apply_notification_async  (OsaisStore              *self,
                                                   const OsaisNotification *notification,
                                                   GCancellable            *cancellable,
                                                   GAsyncReadyCallback      callback,
                                                   gpointer                 user_data);
gboolean    osais_store_apply_notification_finish (OsaisStore              *self,
                                                   GAsyncResult            *result,
                                                   GError                 **error);

/* Stores an uploaded image: checks uid and token, writes the file (temp,
 * fsync, rename) under images/, named by the store, records it, commits.
 * An image already stored for that uid (same SHA-256) is not stored twice.
 * For an early callback, the image returned is the file kept under
 * images/early/ until its job is created.
 * @data must already have passed osais_image_check(). */
void        osais_store_add_image_async      (OsaisStore          *self,
                                              gint64               uid,
                                              const char          *token,
                                              int                  cycle,
                                              GBytes              *data,
                                              const char          *content_type,
                                              guint                width,
                                              guint                height,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
OsaisImage *osais_store_add_image_finish     (OsaisStore          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Called on a store thread with an uploaded image's bytes and the path its
 * file will have, as soon as the store has written them under a temporary
 * name, before the image is committed and announced: for work that can
 * start early (the app decodes the image's thumbnail meanwhile). Not called
 * for early callbacks. @func must be quick and thread-safe; NULL unsets it.
 * Thread-safe. */
typedef void (*OsaisStoreImageFunc) (const char *path,
                                     GBytes     *data,
                                     gpointer    user_data);
void        osais_store_set_image_func       (OsaisStore          *self,
                                              OsaisStoreImageFunc  func,
                                              gpointer             user_data,
                                              GDestroyNotify       destroy);

/* Seconds an early callback is kept after every request that could have
 * brought its uid has ended (property early-grace, default 600). A store
 * opened again keeps what was left of each grace. Thread-safe. */
guint       osais_store_get_early_grace      (OsaisStore          *self);
void        osais_store_set_early_grace      (OsaisStore          *self,
                                              guint                early_grace);
/* How many early callbacks the store keeps now. For tests and diagnostics.
 * Thread-safe. */
guint       osais_store_get_n_early          (OsaisStore          *self);
/* How many write transactions the writer thread has committed since the
 * store was opened: callbacks that arrive together share one (group
 * commit). For tests and diagnostics. Thread-safe. */
guint64     osais_store_get_n_commits        (OsaisStore          *self);
/* Whether the last write failed for want of space (property disk-full):
 * callbacks are then refused with OSAIS_STORE_ERROR_DISK_FULL, and the store
 * recovers by itself with the first write that succeeds again. Notified on
 * the store's main context. Main context only. */
gboolean    osais_store_get_disk_full        (OsaisStore          *self);
/* Whether images/ could not be written the last time an image was to be
 * stored (property images-read-only, notified on the main context): the
 * uploads are refused (HTTP 503) while notifications are still stored. */
gboolean    osais_store_get_images_read_only (OsaisStore          *self);
/* Whether every job of the history is in the list. An asynchronous opening
 * returns with the newest jobs; the older ones are appended, a page at a
 * time, then this turns TRUE (notify::history-loaded). Main context only. */
gboolean    osais_store_get_history_loaded   (OsaisStore          *self);
/* An asynchronous opening returns before the history's integrity check,
 * which reads the whole file; the store writes nothing until it passes.
 * If it fails, this is the damage (OSAIS_STORE_ERROR_DAMAGED, notified as
 * notify::damage on the main context): the file was left as it was, every
 * write fails with this error, and the history is to be closed and set
 * aside, as one refused at opening. NULL otherwise. Main context only. */
const GError *osais_store_get_damage         (OsaisStore          *self);

/* The input image a job was sent with, kept for comparing the results
 * with it: osais_store_dup_input_file() names its file (whether or not it
 * exists); osais_store_keep_input_async() writes it, in a thread, private
 * to the user. Deleting the job deletes it. */
GFile      *osais_store_dup_input_file       (OsaisStore          *self,
                                              gint64               uid);
void        osais_store_keep_input_async     (OsaisStore          *self,
                                              gint64               uid,
                                              GBytes              *data,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    osais_store_keep_input_finish    (OsaisStore          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Deletes a job and its image files (and its input image). */
void        osais_store_delete_job_async     (OsaisStore          *self,
                                              OsaisJob            *job,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    osais_store_delete_job_finish    (OsaisStore          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Deletes one image: its row, then (after the commit) its file; then removes
 * it from its job's images model on the main context, before the callback. */
void        osais_store_delete_image_async   (OsaisStore          *self,
                                              OsaisImage          *image,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    osais_store_delete_image_finish  (OsaisStore          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* What osais_store_check() found in a data folder. Paths are relative to
 * the data folder. */
typedef struct
{
  /* "ok", or why the history is damaged; NULL when there is no history. */
  char      *integrity;
  /* Images the history names whose file is missing: only a backup brings
   * them back. */
  GPtrArray *missing;
  /* Files in images/ that the history does not name (not listed when the
   * history is damaged: what it names is not known then). */
  GPtrArray *orphans;
  /* Temporary image files a crash left. */
  GPtrArray *leftovers;
  /* With repair: where each orphan and leftover went, in lost+found/. */
  GPtrArray *moved;
} OsaisStoreCheck;

void        osais_store_check_free           (OsaisStoreCheck     *check);
/* Whether nothing is wrong, or left wrong after a repair. */
gboolean    osais_store_check_is_healthy     (const OsaisStoreCheck *check);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisStoreCheck, osais_store_check_free)

/* Checks the data folder @data_dir without changing it: the history's
 * integrity (on a copy, like opening after a crash), the images its rows
 * name, the files in images/. With @repair, moves the orphans and the
 * leftovers into lost+found/ (never deletes anything). Fails with
 * OSAIS_STORE_ERROR_IN_USE while a store has the folder open, and with
 * OSAIS_STORE_ERROR_TOO_NEW for a history from a newer version. Blocks on
 * the disk. */
OsaisStoreCheck *osais_store_check           (const char          *data_dir,
                                              gboolean             repair,
                                              GError             **error);

/* Moves a damaged history aside so that a new one can start: renames
 * `history.sqlite3` (with its `-wal` and `-shm`) and `images/` with the
 * suffix `.moved-aside-YYYYMMDDTHHMMSSZ`, keeping everything. Returns the
 * new name of the history (a path), or NULL with OSAIS_STORE_ERROR_IN_USE
 * while a store has the folder open. Blocks on the disk. */
char       *osais_store_move_aside           (const char          *data_dir,
                                              GError             **error);

/* Search and favourites. */

/* Finds the jobs and images that match @query (see OsaisSearchQuery) in
 * what is committed, on a thread of the store's own, never waiting for the
 * writer: as fast as typing, even with 100,000 images (tests/bench:
 * bench-search). Cancel a search that typing made useless: it stops. Any
 * text is safe. Returns an OsaisSearchResult. */
void               osais_store_search_async        (OsaisStore             *self,
                                                    const OsaisSearchQuery *query,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
OsaisSearchResult *osais_store_search_finish       (OsaisStore             *self,
                                                    GAsyncResult           *result,
                                                    GError                **error);

/* Makes the next search as quick as those that follow it: opens the
 * search's connection and reads what a search reads, on the search's
 * thread, before the searches asked for after it. For when one is about to
 * come (the search bar opened): the first search otherwise does it. */
void               osais_store_prepare_search_async  (OsaisStore          *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           osais_store_prepare_search_finish (OsaisStore          *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/* Stars @image as a favourite (or takes the star away) durably, then sets
 * its favourite property on the main context, before the callback. Fails
 * with OSAIS_STORE_ERROR_UNKNOWN_IMAGE for an image deleted meanwhile. */
void               osais_store_set_favourite_async (OsaisStore             *self,
                                                    OsaisImage             *image,
                                                    gboolean                favourite,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean           osais_store_set_favourite_finish (OsaisStore            *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

/* Stop Waiting: marks @job dismissed (or not) durably, then sets its
 * dismissed property on the main context, before the callback. OSAIS cannot
 * cancel a job: the AI may still finish it, and its later callbacks are
 * acknowledged and stored as always; the history hides them with the job.
 * Fails with OSAIS_STORE_ERROR_UNKNOWN_JOB for a job deleted meanwhile.
 * Main context only. */
void               osais_store_set_dismissed_async (OsaisStore             *self,
                                                    OsaisJob               *job,
                                                    gboolean                dismissed,
                                                    GCancellable           *cancellable,
                                                    GAsyncReadyCallback     callback,
                                                    gpointer                user_data);
gboolean           osais_store_set_dismissed_finish (OsaisStore            *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

/* The image whose id (osais_image_get_id()) is @id, or NULL. Main context
 * only; looks through every job. */
OsaisImage        *osais_store_lookup_image        (OsaisStore             *self,
                                                    gint64                  id);

G_END_DECLS
