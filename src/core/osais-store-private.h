/* osais-store-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later

 * What the files of the store share. The store is one GObject, split by
 * concern: the GObject and its API (osais-store.c), image files
 * (osais-store-files.c), the schema, opening and loading
 * (osais-store-schema.c), the writer thread and its group commit
 * (osais-store-writer.c), what each operation does to the database in a
 * batch (osais-store-ops.c), early callbacks (osais-store-early.c), and
 * checking and repairing a data folder with no store open
 * (osais-store-check.c), and what the threads hand each other (operations,
 * snapshots, job states, effects) with the SQLite helpers
 * (osais-store-records.c).
 */

#pragma once

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "osais-image.h"
#include "osais-job.h"
#include "osais-search.h"
#include "osais-sha256.h"
#include "osais-store.h"

G_BEGIN_DECLS

/* The schema version kept in PRAGMA user_version. */
#define SCHEMA_VERSION 5

#define DATABASE_NAME "history.sqlite3"
#define IMAGES_DIR    "images"
/* Under IMAGES_DIR: the images of early callbacks, until their job exists. */
#define EARLY_DIR     "early"
/* The input images of jobs, one file per job named by its uid: what the
 * viewer compares a result with. */
#define INPUTS_DIR    "inputs"

/* Image files are written and synced on these many threads at once, before
 * their op reaches the writer: each fsync waits for the disk, and the disk
 * serves several at a time far faster than one after the other. */
#define MAX_FILE_THREADS 8

/* Early callbacks are bounded in number and bytes for each request in
 * flight and in all, so that a flood of callbacks for made-up uids cannot
 * fill the disk: OSAIS sends a few callbacks per image. */
#define MAX_EARLY_PER_REQUEST        64
#define MAX_EARLY_BYTES_PER_REQUEST  ((gsize) 64 * 1024 * 1024)
#define MAX_EARLY                    1024
#define MAX_EARLY_BYTES              ((gsize) 512 * 1024 * 1024)

/* Ten minutes: OSAIS may still be retrying a callback whose request we
 * gave up on; after that, nothing can claim it. */
#define DEFAULT_EARLY_GRACE 600

#define DEFAULT_ERROR_MESSAGE "The AI request failed"

/* Operations handed to the writer thread. */
typedef enum
{
  OP_WAKE,
  OP_CREATE_JOB,
  OP_NOTIFY,
  OP_ADD_IMAGE,
  OP_DELETE_JOB,
  OP_DELETE_IMAGE,
  OP_SET_FAVOURITE,
  OP_SET_DISMISSED,
} OpKind;

typedef struct
{
  OpKind      kind;
  GTask      *task;
  gint64      uid;
  char       *token;

  /* OP_CREATE_JOB */
  guint       request_id;
  char       *engine;
  char       *parameters;

  /* OP_NOTIFY */
  OsaisStage  stage;
  int         cycle;
  char       *filename;
  char       *descr;
  gint64      cost;

  /* OP_SET_FAVOURITE (and hash) */
  gboolean    favourite;
  /* OP_SET_DISMISSED */
  gboolean    dismissed;

  /* OP_ADD_IMAGE (and cycle); OP_DELETE_IMAGE uses hash */
  GBytes     *data;
  gsize       size;
  char       *content_type;
  char       *hash;
  guint       width;
  guint       height;
  /* The data, written and synced under a temporary name in the image's
   * folder by a file thread; the writer renames it or, if it is not
   * needed after all, osais_store_op_free() removes it. */
  char       *tmp_path;

  /* An early callback: its row; its image under images/early/; the
   * requests in flight when it came, any of which may bring its uid; and
   * when it is dropped (real time), 0 while one of them is in flight. */
  gint64      early_id;
  char       *early_path;
  GArray     *early_requests;
  gint64      expires;

  /* The outcome, returned once the batch is committed. */
  GError     *error;
  gpointer    result;
  GDestroyNotify result_destroy;
} Op;

/* A job as of a change in the writer's transaction: what its row says and
 * the OsaisJob shows. The writer makes one for each change and never
 * changes it after (atomically refcounted: g_atomic_rc_box); it keeps the
 * latest in the job's JobState, and the change's Effect hands it to the
 * main context, where osais_store_apply_snapshot() applies it to the job. */
typedef struct
{
  OsaisStage  stage;
  int         cycle;
  char       *description;
  gint64      cost;
  char       *error_message;
  guint       announced_images;
  gint64      updated;  /* µs since the epoch */
  gboolean    dismissed;
} JobSnapshot;

/* What the writer knows of a job, to validate callbacks without asking
 * the main context: the writer thread alone reads and writes it. The
 * writer keeps it for the jobs it changed lately, and reads it from the
 * database for any other (osais_store_lookup_state()). */
typedef struct
{
  char        *token;
  JobSnapshot *snapshot;
  GHashTable  *images;  /* SHA-256 hex → OsaisImage */
  GHashTable  *stages;  /* osais_store_stage_key() of every notification recorded */
  /* Read from the database: its images are not the model's objects. */
  gboolean     read_back;
} JobState;

/* A change for the GObject side, applied on the main context in order. */
/* A change for the GObject side, applied on the main context in order. */
typedef enum
{
  EFFECT_JOB_ADDED,
  EFFECT_JOB_CHANGED,
  EFFECT_IMAGE_ADDED,
  EFFECT_JOB_REMOVED,
  EFFECT_IMAGE_REMOVED,
  EFFECT_IMAGE_FAVOURITE,
  /* An image stored before, sent again: the op returns the model's object. */
  EFFECT_IMAGE_STORED_BEFORE,
} EffectKind;

typedef struct
{
  EffectKind   kind;
  gint64       uid;
  OsaisJob    *job;
  OsaisImage  *image;
  /* EFFECT_JOB_CHANGED, EFFECT_IMAGE_ADDED: the job after the change. */
  JobSnapshot *snapshot;
  gboolean     favourite;
  /* Create and delete complete once the model shows the change. */
  GTask       *task;
  /* EFFECT_IMAGE_STORED_BEFORE: the op, returned from the main context. */
  Op          *op;
} Effect;

typedef struct
{
  OsaisStore *store;
  GPtrArray  *effects;
} EffectBatch;

enum {
  STMT_INSERT_JOB,
  STMT_INSERT_STAGE,
  STMT_UPDATE_JOB,
  STMT_INSERT_IMAGE,
  STMT_DELETE_JOB,
  STMT_DELETE_IMAGE,
  STMT_SAVEPOINT_NOTIFY,
  STMT_RELEASE_NOTIFY,
  STMT_INSERT_EARLY,
  STMT_DELETE_EARLY,
  STMT_SET_EARLY_EXPIRES,
  STMT_SET_FAVOURITE,
  STMT_SET_DISMISSED,
  N_STMTS
};

struct _OsaisStore
{
  GObject       parent_instance;

  char         *data_dir;
  char         *images_dir;
  char         *early_dir;
  /* Open on the data folder, with a shared flock() while the store is open:
   * whoever gets it exclusively at opening knows no other store uses the
   * folder, so what looks half-written was left by a crash. */
  int           lock_fd;

  /* Main context side. */
  GMainContext *main_context;
  GPtrArray    *jobs;         /* oldest first; position 0 of the model is the last */
  GHashTable   *jobs_by_uid;  /* gint64 → OsaisJob */
  GPtrArray    *looked_up;    /* OsaisImage: osais_store_lookup_image()'s */

  /* Writer side: only the writer thread touches these once it runs. */
  GThread      *writer;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  GHashTable   *states;       /* gint64 → JobState: a cache, see osais_store_lookup_state() */
  GPtrArray    *early;        /* Op: early callbacks, in arrival order */
  gsize         early_bytes;
  guint         early_seq;
  guint         n_early;      /* early->len, for other threads, under mutex */
  gint64        last_created;
  gboolean      broken;
  /* The opening left the integrity check to the writer, which runs it
   * before anything else (osais_store_finish_opening()); what it found
   * wrong, which then fails every write (writer side). */
  gboolean      check_pending;
  GError       *writer_damage;
  /* The last commit failed for want of space (writer side; the main
   * context's copy is disk_full). */
  gboolean      writer_disk_full;
  gboolean      writer_images_read_only;

  /* Shared, under mutex. */
  GMutex        mutex;
  GCond         cond;
  GPtrArray    *queue;        /* Op */
  GThreadPool  *file_pool;    /* Op of OP_ADD_IMAGE, before they are queued */
  GHashTable   *tokens;       /* gint64 → token: the jobs of `states`, for the file threads */
  GHashTable   *in_flight;    /* request ids */
  guint         last_request_id;
  guint         early_grace;
  gboolean      closing;
  /* The deferred integrity check runs; closing interrupted it. */
  gboolean      in_check;
  gboolean      check_interrupted;
  OsaisStoreImageFunc image_func;
  gpointer      image_func_data;
  GDestroyNotify image_func_destroy;

  guint64       n_commits;

  /* Main context side. */
  gboolean      disk_full;
  gboolean      images_read_only;
  GError       *damage;

  /* Searches, on a thread and a connection of their own; under mutex. */
  OsaisSearchReader *search_reader;
  /* Paged loading (see load_page()). The writer side's key of the oldest
   * job read so far; loading is under mutex, loaded main context side. */
  gint64        page_created;
  gint64        page_uid;
  gboolean      loading;
  /* Pages are left after the first (writer side, set at opening). */
  gboolean      rest_to_load;
  GCond         loaded_cond;
  /* Pages handed to the main context and not all in its list yet; under
   * mutex. The writer reads the next page when this is 0. */
  guint         pages_in_flight;
  gboolean      history_loaded;
  /* Main context side: jobs of the pages read, waiting to go into the list
   * (apply_chunk_cb()); none before the opener has the store
   * (osais_store_open_finish()), so that it gets the first page alone, and
   * every later one as a change. */
  gboolean      handed_over;
  GPtrArray    *pending_jobs;   /* OsaisJob, newest first, owned */
  gboolean      pending_complete;
  guint         apply_source;
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_EARLY_GRACE,
  PROP_DISK_FULL,
  PROP_IMAGES_READ_ONLY,
  PROP_HISTORY_LOADED,
  PROP_DAMAGE,
  N_PROPS
};

extern GParamSpec *osais_store_properties[N_PROPS];

typedef struct
{
  GPtrArray  *done;         /* Op returned after commit */
  GPtrArray  *effects;      /* Effect */
  GPtrArray  *unlink_paths; /* files and folders removed after commit */
  GHashTable *sync_dirs;    /* folders that got a file: synced once, before commit */
  GPtrArray  *new_files;    /* those files, removed if the commit fails */
  GPtrArray  *new_early;    /* early callbacks kept in this batch, unowned */
  gboolean    image_disk_full; /* an image could not be written for want of space */
  gboolean    image_read_only; /* an image could not be written: images/ is read-only */
  gboolean    image_written;   /* an image was written into its job's folder */
} Batch;

/* The columns the job and image rows are read with, at opening and when the
 * writer reloads a job after a failed commit. */
#define JOB_COLUMNS \
  "uid, token, engine, parameters, stage, cycle, description, cost, error_message," \
  " created, updated, announced_images, dismissed"
#define IMAGE_COLUMNS \
  "uid, cycle, path, size, content_type, sha256, width, height, received, id, favourite"

/* The folder a check's copy goes in, beside the database. */
#define CHECK_DIR_PREFIX DATABASE_NAME ".check-"

/* osais-store.c: small helpers shared by all the files */
void osais_store_bind_text (sqlite3_stmt *stmt,
                            int           column,
                            const char   *text);
GDateTime *osais_store_date_time_from_usec (gint64 usec);
char *osais_store_dup_column_text (sqlite3_stmt *stmt,
                                   int           column);
void osais_store_effect_batch_free (EffectBatch *batch);
void osais_store_effect_free (Effect *effect);
gboolean osais_store_exec_sql (sqlite3     *db,
                               const char  *sql,
                               GError     **error);
gint64 *osais_store_int64_key_new (gint64 value);
void osais_store_job_state_free (JobState *state);
JobState *osais_store_job_state_new (const char  *token,
                                     JobSnapshot *snapshot);
void osais_store_job_state_set_snapshot (JobState    *state,
                                         JobSnapshot *snapshot);
Effect *osais_store_effect_new (EffectKind  kind,
                                gint64      uid);
JobSnapshot *osais_store_snapshot_copy (const JobSnapshot *snapshot);
JobSnapshot *osais_store_snapshot_ref (JobSnapshot *snapshot);
void osais_store_snapshot_unref (JobSnapshot *snapshot);
void osais_store_op_discard_tmp (Op *op);
void osais_store_op_free (Op *op);
void osais_store_set_sqlite_error (GError     **error,
                                   sqlite3     *db,
                                   const char  *what);
char *osais_store_stage_key (int         stage,
                             int         cycle,
                             const char *filename);
gboolean osais_store_step_statement (OsaisStore    *self,
                                     sqlite3_stmt  *stmt,
                                     GError       **error);

/* osais-store-files.c: image files */
gboolean osais_store_ensure_directory (const char  *path,
                                       GError     **error);
const char *osais_store_extension_for_content_type (const char *content_type);
OsaisStoreError osais_store_file_error_code (int saved_errno);
gboolean osais_store_fsync_directory (const char  *path,
                                      GError     **error);
void osais_store_image_location (OsaisStore  *self,
                                 Op          *op,
                                 char       **dir,
                                 char       **name);
gboolean osais_store_is_temp_image_name (const char *name);
void osais_store_remove_temp_leftovers (const char *images_dir);
char *osais_store_write_temp_file (const char  *dir,
                                   const char  *name,
                                   GBytes      *data,
                                   GError     **error);

/* osais-store-schema.c: the schema, opening and loading */
gboolean osais_store_check_database (sqlite3     *db,
                                     const char  *path,
                                     gboolean     full,
                                     int         *version,
                                     GError     **error);
gboolean osais_store_check_database_file (const char  *path,
                                          GError     **error);
gboolean osais_store_check_integrity (sqlite3     *db,
                                      const char  *path,
                                      gboolean     full,
                                      GError     **error);
void osais_store_finish_opening (OsaisStore *self);
/* Tests only: while held, a deferred integrity check waits before it
 * starts; released, every waiting one goes on. A store that closes with no
 * write queued stops its check, held or not; one with writes queued waits
 * for the check, and so for the release. */
void osais_store_hold_checks (gboolean hold);
/* Closing: a held check looks again at whether its store closes. */
void osais_store_wake_held_checks (void);
char *osais_store_copy_database (const char  *path,
                                 char       **scratch,
                                 GError     **error);
char *osais_store_database_file (const char *path,
                                 const char *suffix);
gboolean osais_store_file_exists (const char *path);
void osais_store_flush_pending (OsaisStore *self);
OsaisImage *osais_store_image_new_from_row (OsaisStore   *self,
                                            sqlite3_stmt *stmt);
JobSnapshot *osais_store_snapshot_new_from_row (sqlite3_stmt *stmt);
gboolean osais_store_load_early (OsaisStore  *self,
                                 GError     **error);
gboolean osais_store_load_history_pages (OsaisStore  *self,
                                         gboolean     whole,
                                         GError     **error);
sqlite3 *osais_store_open_database (const char  *path,
                                    gboolean     after_crash,
                                    gboolean     may_defer_check,
                                    gboolean    *check_deferred,
                                    GError     **error);
gboolean osais_store_read_early_rows (OsaisStore  *self,
                                      gint64       expires,
                                      GHashTable  *named,
                                      GError     **error);
void osais_store_remove_scratch_dir (const char *path);
gboolean osais_store_settle_early (OsaisStore  *self,
                                   GError     **error);
void osais_store_schedule_pending (OsaisStore *self);

/* osais-store-early.c: early callbacks */
gboolean osais_store_early_needs_maintenance (OsaisStore *self);
void osais_store_early_remove (OsaisStore *self,
                               guint       index);
gboolean osais_store_forget_early (OsaisStore  *self,
                                   Op          *op,
                                   Batch       *batch,
                                   gboolean     drop_file);
void osais_store_keep_early (OsaisStore *self,
                             Op         *op,
                             Batch      *batch);
char *osais_store_link_early_for_apply (const char *early_path);
void osais_store_maintain_early (OsaisStore *self,
                                 Batch      *batch);

/* osais-store-ops.c: what each operation does to the database */
void osais_store_process_op (OsaisStore *self,
                             Op         *op,
                             Batch      *batch);

/* osais-store-writer.c: the writer thread and group commit */
void osais_store_op_fail (Op         *op,
                          GQuark      domain,
                          int         code,
                          const char *message);
Op *osais_store_op_new (OsaisStore          *self,
                        OpKind               kind,
                        gpointer             source_tag,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data);
void osais_store_prepare_image (gpointer data,
                                gpointer user_data);
void osais_store_submit (OsaisStore *self,
                         Op         *op);
void osais_store_apply_snapshot (OsaisJob          *job,
                                 const JobSnapshot *snapshot);
gpointer osais_store_writer_thread (gpointer data);
JobState *osais_store_lookup_state (OsaisStore  *self,
                                    gint64       uid,
                                    GError     **error);
void osais_store_keep_state (OsaisStore *self,
                             gint64      uid,
                             JobState   *state);

G_END_DECLS
