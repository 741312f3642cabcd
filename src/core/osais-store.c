/* osais-store.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisStore"

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

/* The schema version kept in PRAGMA user_version. */
#define SCHEMA_VERSION 4

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

  /* OP_ADD_IMAGE (and cycle); OP_DELETE_IMAGE uses hash */
  GBytes     *data;
  gsize       size;
  char       *content_type;
  char       *hash;
  guint       width;
  guint       height;
  /* The data, written and synced under a temporary name in the image's
   * folder by a file thread; the writer renames it or, if it is not
   * needed after all, op_free() removes it. */
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

/* What the writer knows of a job, to validate callbacks without asking
 * the main context: the writer thread alone reads and writes it. */
typedef struct
{
  char       *token;
  OsaisStage  stage;
  int         cycle;
  char       *description;
  gint64      cost;
  char       *error_message;
  guint       announced_images;
  GHashTable *images;  /* SHA-256 hex → OsaisImage */
  GHashTable *stages;  /* stage_key() of every notification recorded */
} JobState;

/* A change for the GObject side, applied on the main context in order. */
typedef enum
{
  EFFECT_JOB_ADDED,
  EFFECT_JOB_CHANGED,
  EFFECT_IMAGE_ADDED,
  EFFECT_JOB_REMOVED,
  EFFECT_IMAGE_REMOVED,
  EFFECT_IMAGE_FAVOURITE,
} EffectKind;

typedef struct
{
  EffectKind  kind;
  gint64      uid;
  OsaisJob   *job;
  OsaisImage *image;
  OsaisStage  stage;
  int         cycle;
  char       *description;
  gint64      cost;
  char       *error_message;
  guint       announced_images;
  gint64      updated;
  gboolean    favourite;
  /* Create and delete complete once the model shows the change. */
  GTask      *task;
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
  N_STMTS
};

static const char * const statement_sql[N_STMTS] = {
  [STMT_INSERT_JOB] =
    "INSERT INTO jobs (uid, token, engine, parameters, stage, cycle, description, cost,"
    " error_message, created, updated, announced_images)"
    " VALUES (?1, ?2, ?3, ?4, 0, 0, NULL, -1, NULL, ?5, ?5, 0)",
  [STMT_INSERT_STAGE] =
    "INSERT INTO stages (uid, stage, cycle, filename, descr, received)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_UPDATE_JOB] =
    "UPDATE jobs SET stage = ?2, cycle = ?3, description = ?4, cost = ?5,"
    " error_message = ?6, updated = ?7, announced_images = ?8 WHERE uid = ?1",
  [STMT_INSERT_IMAGE] =
    "INSERT INTO images (uid, cycle, path, size, content_type, sha256, width, height,"
    " received) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
  [STMT_DELETE_JOB] =
    "DELETE FROM jobs WHERE uid = ?1",
  [STMT_DELETE_IMAGE] =
    "DELETE FROM images WHERE uid = ?1 AND sha256 = ?2",
  /* Prepared once like the rest: parsing them for every notification took
   * about a sixth of the writer's time under load (tests/bench). */
  [STMT_SAVEPOINT_NOTIFY] =
    "SAVEPOINT notify",
  [STMT_RELEASE_NOTIFY] =
    "RELEASE notify",
  [STMT_INSERT_EARLY] =
    "INSERT INTO early_callbacks (uid, token, kind, stage, cycle, filename, descr, cost,"
    " path, size, content_type, sha256, width, height, received)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
  [STMT_DELETE_EARLY] =
    "DELETE FROM early_callbacks WHERE id = ?1",
  [STMT_SET_EARLY_EXPIRES] =
    "UPDATE early_callbacks SET expires = ?2 WHERE id = ?1",
  [STMT_SET_FAVOURITE] =
    "UPDATE images SET favourite = ?3 WHERE uid = ?1 AND sha256 = ?2",
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

  /* Writer side: only the writer thread touches these once it runs. */
  GThread      *writer;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  GHashTable   *states;       /* gint64 → JobState */
  GPtrArray    *early;        /* Op: early callbacks, in arrival order */
  gsize         early_bytes;
  guint         early_seq;
  guint         n_early;      /* early->len, for other threads, under mutex */
  gint64        last_created;
  gboolean      broken;
  /* The last commit failed for want of space (writer side; the main
   * context's copy is disk_full). */
  gboolean      writer_disk_full;
  gboolean      writer_images_read_only;

  /* Shared, under mutex. */
  GMutex        mutex;
  GCond         cond;
  GPtrArray    *queue;        /* Op */
  GThreadPool  *file_pool;    /* Op of OP_ADD_IMAGE, before they are queued */
  GHashTable   *tokens;       /* gint64 → token: the writer's jobs, for the file threads */
  GHashTable   *in_flight;    /* request ids */
  guint         last_request_id;
  guint         early_grace;
  gboolean      closing;

  guint64       n_commits;

  /* Main context side. */
  gboolean      disk_full;
  gboolean      images_read_only;

  /* Searches, on a thread and a connection of their own; under mutex. */
  OsaisSearchReader *search_reader;
  /* Paged loading (see load_page()). The writer side's key of the oldest
   * job read so far; loading is under mutex, loaded main context side. */
  gint64        page_created;
  gint64        page_uid;
  gboolean      loading;
  GCond         loaded_cond;
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

static void osais_store_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisStore, osais_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_store_list_model_init))

G_DEFINE_QUARK (osais-store-error-quark, osais_store_error)

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_EARLY_GRACE,
  PROP_DISK_FULL,
  PROP_IMAGES_READ_ONLY,
  PROP_HISTORY_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gint64 *
int64_key_new (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static GDateTime *
date_time_from_usec (gint64 usec)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* Removes the temporary file of an image that was not stored after all. */
static void
op_discard_tmp (Op *op)
{
  if (op->tmp_path != NULL && g_unlink (op->tmp_path) != 0)
    g_debug ("Cannot remove %s: %s", op->tmp_path, g_strerror (errno));
  g_clear_pointer (&op->tmp_path, g_free);
}

static void
op_free (Op *op)
{
  g_clear_object (&op->task);
  g_free (op->token);
  g_free (op->engine);
  g_free (op->parameters);
  g_free (op->filename);
  g_free (op->descr);
  g_clear_pointer (&op->data, g_bytes_unref);
  g_free (op->content_type);
  g_free (op->hash);
  op_discard_tmp (op);
  /* A kept early callback's file stays: its row names it. */
  g_free (op->early_path);
  g_clear_pointer (&op->early_requests, g_array_unref);
  g_clear_error (&op->error);
  if (op->result != NULL && op->result_destroy != NULL)
    op->result_destroy (op->result);
  g_free (op);
}

static void
job_state_free (JobState *state)
{
  g_free (state->token);
  g_free (state->description);
  g_free (state->error_message);
  g_clear_pointer (&state->images, g_hash_table_unref);
  g_clear_pointer (&state->stages, g_hash_table_unref);
  g_free (state);
}

static JobState *
job_state_new (const char *token)
{
  JobState *state = g_new0 (JobState, 1);

  state->token = g_strdup (token);
  state->cost = -1;
  state->images = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  state->stages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return state;
}

/* What identifies a notification within its job: a repeat of one already
 * recorded is a duplicate. */
static char *
stage_key (int         stage,
           int         cycle,
           const char *filename)
{
  return g_strdup_printf ("%d:%d:%s", stage, cycle, filename != NULL ? filename : "");
}

static void
effect_free (Effect *effect)
{
  g_clear_object (&effect->job);
  g_clear_object (&effect->image);
  g_free (effect->description);
  g_free (effect->error_message);
  g_clear_object (&effect->task);
  g_free (effect);
}

static void
effect_batch_free (EffectBatch *batch)
{
  g_clear_pointer (&batch->effects, g_ptr_array_unref);
  g_clear_object (&batch->store);
  g_free (batch);
}

static void
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  const char  *what)
{
  /* The failures that go away by themselves, or by the user's hand: said
   * apart from the others. */
  if (db != NULL && sqlite3_errcode (db) == SQLITE_FULL)
    g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL,
                 "%s: the disk is full", what);
  else if (db != NULL && sqlite3_errcode (db) == SQLITE_READONLY)
    g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_READ_ONLY,
                 "%s: %s", what, sqlite3_errmsg (db));
  else
    g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                 "%s: %s", what, db != NULL ? sqlite3_errmsg (db) : "out of memory");
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, sql);
      return FALSE;
    }

  return TRUE;
}

/* Runs a statement whose work is done by stepping it once. */
static gboolean
step_statement (OsaisStore    *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Cannot write the history");
      return FALSE;
    }

  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           column,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

static char *
dup_column_text (sqlite3_stmt *stmt,
                 int           column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

/* Files. */

/* What a failed file operation means for whoever sent what was to be
 * stored: space may come back, and a folder may be made writable again. */
static OsaisStoreError
file_error_code (int saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      return OSAIS_STORE_ERROR_DISK_FULL;
    case EROFS:
    case EACCES:
    case EPERM:
      return OSAIS_STORE_ERROR_READ_ONLY;
    default:
      return OSAIS_STORE_ERROR_IO;
    }
}

static gboolean
fsync_directory (const char  *path,
                 GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot sync the folder %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  close (fd);

  return TRUE;
}

/* Creates @path if needed; a new folder is made durable in its parent. */
static gboolean
ensure_directory (const char  *path,
                  GError     **error)
{
  g_autofree char *parent = NULL;
  int saved_errno;

  if (g_mkdir (path, 0700) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EEXIST && g_file_test (path, G_FILE_TEST_IS_DIR))
        return TRUE;

      g_set_error (error, OSAIS_STORE_ERROR, file_error_code (saved_errno),
                   "Cannot create the folder %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  parent = g_path_get_dirname (path);

  return fsync_directory (parent, error);
}

/* Writes @data to a new temporary file in @dir and syncs it, so that a
 * rename gives @dir/@name complete or not at all; the rename and the sync of
 * the folder that makes it durable are the caller's. */
static char *
write_temp_file (const char  *dir,
                 const char  *name,
                 GBytes      *data,
                 GError     **error)
{
  g_autofree char *tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dir, name);
  const guint8 *bytes;
  gsize size;
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  bytes = g_bytes_get_data (data, &size);

  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, file_error_code (saved_errno),
                   "Cannot create a file in %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }

  while (written < size)
    {
      gssize n = write (fd, bytes + written, size - written);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          saved_errno = errno;
          break;
        }
      written += n;
    }

  if (saved_errno == 0 && fsync (fd) != 0)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;

  if (saved_errno != 0)
    {
      g_unlink (tmp_path);
      g_set_error (error, OSAIS_STORE_ERROR, file_error_code (saved_errno),
                   "Cannot write %s/%s: %s", dir, name, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&tmp_path);
}

/* Whether @name is one of write_temp_file()'s temporary names: a dot, an
 * image's name as image_location() makes it, a dot, g_mkstemp_full()'s six
 * characters. Nothing else in the data folder is ever taken for one. */
static gboolean
is_temp_image_name (const char *name)
{
  static const char temp_pattern[] =
    "^\\.[0-9]+-[0-9a-f]{16}\\.(png|jpg|webp|bin)\\.[A-Za-z0-9]{6}$";
  static GRegex *pattern;

  if (g_once_init_enter (&pattern))
    g_once_init_leave (&pattern, g_regex_new (temp_pattern, G_REGEX_OPTIMIZE,
                                              G_REGEX_MATCH_DEFAULT, NULL));

  return g_regex_match (pattern, name, G_REGEX_MATCH_DEFAULT, NULL);
}

/* Removes the temporary image files that a crash left in images/<uid>/: a
 * process killed between writing one and renaming it leaves it behind, and
 * nothing else would ever remove it. Only called while no other store has
 * the folder open (see lock_data_dir()), as another's would be in use. */
static void
remove_temp_leftovers (const char *images_dir)
{
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *job_name;
  guint n_removed = 0;

  while (dir != NULL && (job_name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *job_dir_path = g_build_filename (images_dir, job_name, NULL);
      g_autoptr(GDir) job_dir = g_dir_open (job_dir_path, 0, NULL);
      const char *name;

      while (job_dir != NULL && (name = g_dir_read_name (job_dir)) != NULL)
        {
          g_autofree char *path = NULL;

          if (!is_temp_image_name (name))
            continue;

          path = g_build_filename (job_dir_path, name, NULL);
          if (g_unlink (path) == 0)
            n_removed++;
          else
            g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
        }
    }

  g_debug ("Removed %u temporary image files a crash left in %s", n_removed, images_dir);
}

/* The store names image files itself; only these three types pass the image
 * check, anything else keeps a neutral extension rather than a guessed one. */
static const char *
extension_for_content_type (const char *content_type)
{
  if (g_strcmp0 (content_type, "image/png") == 0)
    return "png";
  if (g_strcmp0 (content_type, "image/jpeg") == 0)
    return "jpg";
  if (g_strcmp0 (content_type, "image/webp") == 0)
    return "webp";

  return "bin";
}

/* Where an image goes: the name comes from what the store knows, never from
 * the network, and from the hash, so that the same bytes get the same name. */
static void
image_location (OsaisStore  *self,
                Op          *op,
                char       **dir,
                char       **name)
{
  char uid_text[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (uid_text, sizeof uid_text, "%" G_GINT64_FORMAT, op->uid);
  *dir = g_build_filename (self->images_dir, uid_text, NULL);
  *name = g_strdup_printf ("%d-%.16s.%s", op->cycle, op->hash,
                           extension_for_content_type (op->content_type));
}

/* Opening and loading. */

/* Every notification recorded, in the order received: a log that is only
 * appended to, and read back whole at opening to know the duplicates. A
 * UNIQUE index on (uid, stage, cycle, filename) did that job in schema 1,
 * but callbacks for many jobs at once insert all over such an index: under
 * load, most of the writer's disk traffic was its pages (tests/bench). */
#define STAGES_TABLE(name) \
  "CREATE TABLE " name " (" \
  "  uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE," \
  "  stage INTEGER NOT NULL," \
  "  cycle INTEGER NOT NULL," \
  "  filename TEXT NOT NULL," /* '' when absent */ \
  "  descr TEXT," \
  "  received INTEGER NOT NULL" \
  ");"

/* Callbacks that came before the reply that brings their uid: kept and
 * acknowledged, applied when the job is created (schema 3). */
#define EARLY_TABLE \
  "CREATE TABLE early_callbacks (" \
  "  id INTEGER PRIMARY KEY," \
  "  uid INTEGER NOT NULL," \
  "  token TEXT NOT NULL," \
  "  kind TEXT NOT NULL," /* 'notify' or 'image' */ \
  "  stage INTEGER NOT NULL DEFAULT 0," \
  "  cycle INTEGER NOT NULL DEFAULT 0," \
  "  filename TEXT," \
  "  descr TEXT," \
  "  cost INTEGER NOT NULL DEFAULT -1," \
  "  path TEXT," /* the image, relative to the data folder */ \
  "  size INTEGER NOT NULL DEFAULT 0," \
  "  content_type TEXT," \
  "  sha256 TEXT," \
  "  width INTEGER NOT NULL DEFAULT 0," \
  "  height INTEGER NOT NULL DEFAULT 0," \
  "  received INTEGER NOT NULL," \
  "  expires INTEGER" /* NULL while a request in flight may claim it */ \
  ");"

static const char schema_sql[] =
  "CREATE TABLE jobs ("
  "  uid INTEGER PRIMARY KEY,"
  "  token TEXT NOT NULL,"
  "  engine TEXT,"
  "  parameters TEXT,"
  "  stage INTEGER NOT NULL DEFAULT 0,"
  "  cycle INTEGER NOT NULL DEFAULT 0,"
  "  description TEXT,"
  "  cost INTEGER NOT NULL DEFAULT -1,"
  "  error_message TEXT,"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  announced_images INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX jobs_by_created ON jobs (created);"
  STAGES_TABLE ("stages")
  "CREATE TABLE images ("
  "  uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE,"
  "  cycle INTEGER NOT NULL,"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  content_type TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  received INTEGER NOT NULL,"
  "  UNIQUE (uid, sha256)"
  ");"
  EARLY_TABLE
  "PRAGMA user_version = 3;";

/* Schema 1 had the UNIQUE index on stages; its rows stay as they were. */
static const char migrate_1_to_2_sql[] =
  STAGES_TABLE ("stages_2")
  "INSERT INTO stages_2 (uid, stage, cycle, filename, descr, received)"
  "  SELECT uid, stage, cycle, filename, descr, received FROM stages ORDER BY rowid;"
  "DROP TABLE stages;"
  "ALTER TABLE stages_2 RENAME TO stages;"
  "PRAGMA user_version = 2;";

static const char migrate_2_to_3_sql[] =
  EARLY_TABLE
  "PRAGMA user_version = 3;";

/* Schema 4: search and favourites.
 *
 * Images get an id of their own, the rowid they had (an INTEGER PRIMARY KEY,
 * so that it never changes, not even in a VACUUM), and a favourite flag: a
 * favourite is an image, since a job's images are variations and the person
 * keeps the one that came out well; a job "has favourites" when one of its
 * images is one. images_by_job walks a job's images in the gallery's order;
 * the other indexes serve the search's filters.
 *
 * job_text is the FTS5 index of each job's prompt (the "word" parameter, as
 * osais_job_dup_prompt() reads it) and engine, its rowid the job's uid. The
 * triggers keep it in step with jobs in the writer's own transactions
 * (parameters and engine never change once the job is made), and the
 * migration indexes the history there was. unicode61 with diacritics removed
 * finds "café" from "cafe"; the prefix indexes keep the first letters typed
 * fast. */
#define IMAGES_TABLE(name) \
  "CREATE TABLE " name " (" \
  "  id INTEGER PRIMARY KEY," \
  "  uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE," \
  "  cycle INTEGER NOT NULL," \
  "  path TEXT NOT NULL," \
  "  size INTEGER NOT NULL," \
  "  content_type TEXT NOT NULL," \
  "  sha256 TEXT NOT NULL," \
  "  width INTEGER NOT NULL," \
  "  height INTEGER NOT NULL," \
  "  received INTEGER NOT NULL," \
  "  favourite INTEGER NOT NULL DEFAULT 0," \
  "  UNIQUE (uid, sha256)" \
  ");"

/* The prompt of a job's parameters, or NULL; never an error, whatever the
 * parameters are (a job's parameters are whatever its creator sent). */
#define PROMPT_OF(parameters) \
  "CASE WHEN json_valid (" parameters ") AND json_type (" parameters ", '$.word') = 'text'" \
  " THEN json_extract (" parameters ", '$.word') END"

static const char migrate_3_to_4_sql[] =
  IMAGES_TABLE ("images_4")
  "INSERT INTO images_4 (id, uid, cycle, path, size, content_type, sha256, width, height,"
  "    received)"
  "  SELECT rowid, uid, cycle, path, size, content_type, sha256, width, height, received"
  "  FROM images ORDER BY rowid;"
  "DROP TABLE images;"
  "ALTER TABLE images_4 RENAME TO images;"
  "CREATE INDEX images_by_job ON images (uid, received, id);"
  /* What the search's filters walk, in the gallery's order: small (partial)
   * or cheap to keep (a job's engine never changes). */
  "CREATE INDEX images_favourite ON images (uid, received, id) WHERE favourite = 1;"
  "CREATE INDEX jobs_failed ON jobs (created) WHERE stage = -1;"
  "CREATE INDEX jobs_by_engine ON jobs (engine, created);"
  "CREATE VIRTUAL TABLE job_text USING fts5 (prompt, engine, prefix = '1 2 3',"
  "  tokenize = 'unicode61 remove_diacritics 2');"
  "INSERT INTO job_text (rowid, prompt, engine)"
  "  SELECT uid, " PROMPT_OF ("parameters") ", engine FROM jobs;"
  "CREATE TRIGGER job_text_insert AFTER INSERT ON jobs BEGIN"
  "  INSERT INTO job_text (rowid, prompt, engine)"
  "    VALUES (new.uid, " PROMPT_OF ("new.parameters") ", new.engine);"
  "END;"
  "CREATE TRIGGER job_text_delete AFTER DELETE ON jobs BEGIN"
  "  DELETE FROM job_text WHERE rowid = old.uid;"
  "END;"
  "PRAGMA user_version = 4;";

G_STATIC_ASSERT (SCHEMA_VERSION == 4);

static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           int         *value)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    {
      *value = sqlite3_column_int (stmt, 0);
      ok = TRUE;
    }

  sqlite3_finalize (stmt);

  return ok;
}

static void
set_damaged_error (GError     **error,
                   const char  *path,
                   const char  *reason)
{
  g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED,
               "The history database %s is damaged (%s). It was left untouched: "
               "move it aside to start a new history (`osais doctor --move-aside`), "
               "or restore a backup.",
               path, reason);
}

/* Checks the database before anything writes to it: the version first (a
 * newer schema is not ours to judge), then its integrity. Nothing here
 * writes, so a damaged or newer file stays byte for byte as it was. */
static gboolean
check_database (sqlite3     *db,
                const char  *path,
                gboolean     full,
                int         *version,
                GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *result = NULL;
  int rc;

  if (!query_int (db, "PRAGMA user_version", version))
    {
      if (sqlite3_errcode (db) == SQLITE_NOTADB || sqlite3_errcode (db) == SQLITE_CORRUPT)
        set_damaged_error (error, path, sqlite3_errmsg (db));
      else
        set_sqlite_error (error, db, "Cannot read the history database");
      return FALSE;
    }

  if (*version > SCHEMA_VERSION)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOO_NEW,
                   "The history database %s comes from a newer version of OSAIS Studio "
                   "(schema %d, this version knows %d). It was left untouched.",
                   path, *version, SCHEMA_VERSION);
      return FALSE;
    }

  /* Opening makes do with the quick check, which reads every page once. */
  if (sqlite3_prepare_v2 (db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_damaged_error (error, path, sqlite3_errmsg (db));
      return FALSE;
    }

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result = dup_column_text (stmt, 0);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    {
      set_damaged_error (error, path, sqlite3_errmsg (db));
      return FALSE;
    }

  if (g_strcmp0 (result, "ok") != 0)
    {
      set_damaged_error (error, path, result);
      return FALSE;
    }

  return TRUE;
}

/* The name of a file beside the database: its "-wal" or "-shm". */
static char *
database_file (const char *path,
               const char *suffix)
{
  return g_strconcat (path, suffix, NULL);
}

static gboolean
file_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Removes a folder of plain files that we made. */
static void
remove_scratch_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      if (g_unlink (file) != 0)
        g_debug ("Cannot remove %s: %s", file, g_strerror (errno));
    }
  if (g_rmdir (path) != 0)
    g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
}

/* The folder a check's copy goes in, beside the database. */
#define CHECK_DIR_PREFIX DATABASE_NAME ".check-"

/* Copies the database, and the write-ahead log beside it if any, into a
 * new folder beside it (*@scratch, for remove_scratch_dir()); returns the
 * copy's path. */
static char *
copy_database (const char  *path,
               char       **scratch,
               GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *dir = g_build_filename (parent, CHECK_DIR_PREFIX "XXXXXX", NULL);
  g_autofree char *copy = NULL;
  int saved_errno;

  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot check the history database %s: cannot create a folder beside it: %s",
                   path, g_strerror (saved_errno));
      return NULL;
    }

  copy = g_build_filename (dir, DATABASE_NAME, NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *suffix = i == 0 ? "" : "-wal";
      g_autofree char *from_path = database_file (path, suffix);
      g_autofree char *to_path = database_file (copy, suffix);
      g_autoptr(GFile) from = g_file_new_for_path (from_path);
      g_autoptr(GFile) to = g_file_new_for_path (to_path);
      g_autoptr(GError) local_error = NULL;

      if (i > 0 && !file_exists (from_path))
        continue;
      if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &local_error))
        {
          g_set_error (error, OSAIS_STORE_ERROR,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ?
                       OSAIS_STORE_ERROR_DISK_FULL : OSAIS_STORE_ERROR_IO,
                       "Cannot check the history database %s: cannot copy it to check the "
                       "copy: %s", path, local_error->message);
          remove_scratch_dir (dir);
          return NULL;
        }
    }

  *scratch = g_steal_pointer (&dir);

  return g_steal_pointer (&copy);
}

/* Checks a copy of the database and of the write-ahead log a crash left
 * beside it, never the files themselves. Opening them would replay the log
 * into the shared-memory file, and closing them would write the log into
 * the database and delete it, whatever the check found: a damaged history
 * would not be left as it was. Called only when no other store has the
 * folder open, so the files do not change while they are copied. */
static gboolean
check_copy (const char  *path,
            int         *version,
            GError     **error)
{
  g_autofree char *scratch = NULL;
  g_autofree char *copy = copy_database (path, &scratch, error);
  sqlite3 *db = NULL;
  gboolean ok = FALSE;

  if (copy == NULL)
    return FALSE;

  if (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    set_sqlite_error (error, db, "Cannot check the history database");
  else
    ok = check_database (db, path, FALSE, version, error);

  sqlite3_close (db);
  remove_scratch_dir (scratch);

  return ok;
}

/* What SQLite itself would destroy: a database file that is empty or gone
 * while its write-ahead log is there (SQLite deletes the log, and with it
 * every transaction not yet copied into the database). An empty file is not
 * a new history either: we never leave one, and images may be named by the
 * history it was. Refused, like a damaged database, and left as it is. */
static gboolean
check_database_file (const char  *path,
                     GError     **error)
{
  g_autofree char *wal = database_file (path, "-wal");
  GStatBuf buf;

  if (g_stat (path, &buf) == 0)
    {
      if (buf.st_size == 0)
        {
          set_damaged_error (error, path, "the file is empty: 0 bytes");
          return FALSE;
        }
    }
  else if (errno == ENOENT && file_exists (wal))
    {
      set_damaged_error (error, path, "it is missing, but its write-ahead log is there");
      return FALSE;
    }

  return TRUE;
}

/* Opens the database, after checking it: on a copy @after_crash (see
 * check_copy()). */
static sqlite3 *
open_database (const char  *path,
               gboolean     after_crash,
               GError     **error)
{
  gboolean checked = FALSE;
  sqlite3 *db = NULL;
  int version = 0;

  if (!check_database_file (path, error))
    return NULL;

  if (after_crash && file_exists (path))
    {
      if (!check_copy (path, &version, error))
        return NULL;
      checked = TRUE;
    }

  if (sqlite3_open_v2 (path, &db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, "Cannot open the history database");
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_extended_result_codes (db, FALSE);
  /* Another instance on the same folder waits its turn rather than fail. */
  sqlite3_busy_timeout (db, 5000);

  if ((!checked && !check_database (db, path, FALSE, &version, error)) ||
      !exec_sql (db,
                 "PRAGMA journal_mode = WAL;"
                 "PRAGMA synchronous = FULL;"
                 "PRAGMA foreign_keys = ON;",
                 error))
    {
      sqlite3_close (db);
      return NULL;
    }

  if (version < SCHEMA_VERSION)
    {
      g_autofree char *sql = NULL;

      if (version == 0)
        g_debug ("Creating the history schema in %s", path);
      else
        g_debug ("Updating the history schema in %s from %d to %d", path, version,
                 SCHEMA_VERSION);
      /* One transaction: it all happens, or the file stays as it was. */
      sql = g_strconcat ("BEGIN IMMEDIATE;",
                         version == 0 ? schema_sql : "",
                         version == 1 ? migrate_1_to_2_sql : "",
                         version == 1 || version == 2 ? migrate_2_to_3_sql : "",
                         /* A new history is made as schema 3, then updated:
                          * one way to schema 4, tested by every test. */
                         migrate_3_to_4_sql,
                         "COMMIT;", NULL);
      if (!exec_sql (db, sql, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          sqlite3_close (db);
          return NULL;
        }
    }

  return db;
}

/* The columns the job and image rows are read with, at opening and when the
 * writer reloads a job after a failed commit. */
#define JOB_COLUMNS \
  "uid, token, engine, parameters, stage, cycle, description, cost, error_message," \
  " created, updated, announced_images"
#define IMAGE_COLUMNS \
  "uid, cycle, path, size, content_type, sha256, width, height, received, id, favourite"

/* The writer's state of the job in a row of JOB_COLUMNS. */
static JobState *
job_state_new_from_row (sqlite3_stmt *stmt)
{
  const char *token = (const char *)sqlite3_column_text (stmt, 1);
  int stage = sqlite3_column_int (stmt, 4);
  JobState *state;

  if (stage < OSAIS_STAGE_ERROR || stage > OSAIS_STAGE_FINISHED)
    stage = OSAIS_STAGE_REQUEST_SENT;

  state = job_state_new (token != NULL ? token : "");
  state->stage = stage;
  state->cycle = MAX (0, sqlite3_column_int (stmt, 5));
  state->description = dup_column_text (stmt, 6);
  state->cost = MAX (-1, sqlite3_column_int64 (stmt, 7));
  state->error_message = dup_column_text (stmt, 8);
  state->announced_images = MAX (0, sqlite3_column_int (stmt, 11));

  return state;
}

/* The image in a row of IMAGE_COLUMNS, or NULL if the row names none. */
static OsaisImage *
image_new_from_row (OsaisStore   *self,
                    sqlite3_stmt *stmt)
{
  const char *path = (const char *)sqlite3_column_text (stmt, 2);
  const char *hash = (const char *)sqlite3_column_text (stmt, 5);
  g_autofree char *full_path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GDateTime) received = NULL;
  OsaisImage *image;

  if (path == NULL || hash == NULL)
    return NULL;

  full_path = g_build_filename (self->data_dir, path, NULL);
  file = g_file_new_for_path (full_path);
  received = date_time_from_usec (sqlite3_column_int64 (stmt, 8));

  image = osais_image_new (file, sqlite3_column_int64 (stmt, 0),
                           MAX (0, sqlite3_column_int (stmt, 1)),
                           sqlite3_column_int64 (stmt, 3),
                           (const char *)sqlite3_column_text (stmt, 4),
                           hash,
                           sqlite3_column_int (stmt, 6),
                           sqlite3_column_int (stmt, 7),
                           received);
  osais_image_set_id (image, MAX (0, sqlite3_column_int64 (stmt, 9)));
  /* Not shared yet: nobody hears this. */
  osais_image_set_favourite (image, sqlite3_column_int (stmt, 10) != 0);

  return image;
}

/* Paged loading -----------------------------------------------------------
 *
 * A window opened on 100,000 images must not wait for all of them: the
 * asynchronous opening reads the newest FIRST_PAGE_JOBS jobs (a first screen
 * and more), returns, and the writer thread reads the rest, PAGE_JOBS at a
 * time, newest first, before it writes anything; each page is appended to
 * the list model on the main context (items-changed at its end). Callbacks
 * wait meanwhile: the file threads for `loading` to end, the writer's queue
 * until the writer is done. A page is a range of the jobs_by_created index
 * from a key (created, uid), and one lookup of the images' (uid, sha256)
 * index per job, so it costs the same at any depth of the history. */

#define FIRST_PAGE_JOBS  64
#define PAGE_JOBS        1000
#define APPLY_CHUNK_JOBS 200

/* Reads up to @limit jobs older than the page key, with their images, into
 * @page (newest first) and the writer's states, and moves the key past
 * them. Sets @done when no older job is left. */
static gboolean
load_page (OsaisStore  *self,
           guint        limit,
           GPtrArray   *page,
           gboolean    *done,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3_stmt *images = NULL;
  guint n = 0;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " JOB_COLUMNS " FROM jobs WHERE (created, uid) < (?1, ?2)"
                          " ORDER BY created DESC, uid DESC LIMIT ?3",
                          -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "SELECT " IMAGE_COLUMNS " FROM images WHERE uid = ?1"
                          " ORDER BY received, rowid",
                          -1, &images, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      sqlite3_finalize (stmt);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, self->page_created);
  sqlite3_bind_int64 (stmt, 2, self->page_uid);
  sqlite3_bind_int64 (stmt, 3, limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);
      gint64 created = sqlite3_column_int64 (stmt, 9);
      g_autoptr(GDateTime) created_dt = date_time_from_usec (created);
      g_autoptr(GDateTime) updated_dt = date_time_from_usec (sqlite3_column_int64 (stmt, 10));
      JobState *state = job_state_new_from_row (stmt);
      OsaisJob *job;
      int images_rc;

      job = g_object_new (OSAIS_TYPE_JOB,
                          "uid", uid,
                          "token", state->token,
                          "engine", (const char *)sqlite3_column_text (stmt, 2),
                          "parameters", (const char *)sqlite3_column_text (stmt, 3),
                          "stage", state->stage,
                          "cycle", state->cycle,
                          "description", state->description,
                          "cost", state->cost,
                          "error-message", state->error_message,
                          "created", created_dt,
                          "updated", updated_dt,
                          "announced-images", state->announced_images,
                          NULL);

      sqlite3_reset (images);
      sqlite3_bind_int64 (images, 1, uid);
      while ((images_rc = sqlite3_step (images)) == SQLITE_ROW)
        {
          OsaisImage *image = image_new_from_row (self, images);

          if (image == NULL)
            continue;
          osais_job_add_image (job, image);
          g_hash_table_insert (state->images, (gpointer)osais_image_get_hash (image), image);
        }

      g_hash_table_insert (self->states, int64_key_new (uid), state);
      g_mutex_lock (&self->mutex);
      g_hash_table_insert (self->tokens, int64_key_new (uid), g_strdup (state->token));
      g_mutex_unlock (&self->mutex);
      g_ptr_array_add (page, job);
      self->last_created = MAX (self->last_created, created);
      self->page_created = created;
      self->page_uid = uid;
      n++;

      if (images_rc != SQLITE_DONE)
        {
          rc = images_rc;
          break;
        }
    }

  sqlite3_finalize (stmt);
  sqlite3_finalize (images);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  *done = n < limit;

  return TRUE;
}

/* Every job's recorded stages, for the writer's duplicates: one scan of the
 * log, once every job has its state. */
static gboolean
load_stages (OsaisStore  *self,
             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT uid, stage, cycle, filename FROM stages",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);
      JobState *state = g_hash_table_lookup (self->states, &uid);

      if (state != NULL)
        g_hash_table_add (state->stages,
                          stage_key (sqlite3_column_int (stmt, 1), sqlite3_column_int (stmt, 2),
                                     (const char *)sqlite3_column_text (stmt, 3)));
    }

  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  return TRUE;
}

/* Moves the first @n pending jobs (newest first, all older than the list's)
 * into the list: at the end of the model, the start of the array. */
static void
apply_pending_jobs (OsaisStore *self,
                    guint       n)
{
  guint old = self->jobs->len;

  if (n == 0)
    return;

  g_ptr_array_set_size (self->jobs, old + n);
  memmove (&self->jobs->pdata[n], &self->jobs->pdata[0], old * sizeof (gpointer));
  for (guint i = 0; i < n; i++)
    {
      OsaisJob *job = g_ptr_array_index (self->pending_jobs, i);

      /* The pending list's reference, now the list's. */
      self->jobs->pdata[n - 1 - i] = job;
      g_hash_table_insert (self->jobs_by_uid, int64_key_new (osais_job_get_uid (job)), job);
    }
  g_ptr_array_remove_range (self->pending_jobs, 0, n);

  g_list_model_items_changed (G_LIST_MODEL (self), old, 0, n);
}

static void
end_pending (OsaisStore *self)
{
  if (self->pending_jobs->len > 0 || !self->pending_complete || self->history_loaded)
    return;

  g_debug ("Loaded the whole history: %u jobs", self->jobs->len);
  self->history_loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_LOADED]);
}

/* The pages go into the list a few jobs at a time, at a lower priority
 * than drawing: each change costs its listeners (the gallery, the
 * application) some work on the main thread, and the first frames come
 * first. */
static gboolean
apply_chunk_cb (gpointer data)
{
  OsaisStore *self = data;

  apply_pending_jobs (self, MIN (APPLY_CHUNK_JOBS, self->pending_jobs->len));
  end_pending (self);
  if (self->pending_jobs->len > 0)
    return G_SOURCE_CONTINUE;

  self->apply_source = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_pending (OsaisStore *self)
{
  if (self->apply_source != 0 || !self->handed_over)
    return;

  if (self->pending_jobs->len == 0)
    {
      end_pending (self);
      return;
    }

  self->apply_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, apply_chunk_cb, self, NULL);
  g_source_set_name_by_id (self->apply_source, "[osais-store] apply history pages");
}

/* Everything read so far, at once: before a change the writer made, which
 * may concern a job still pending, and before a lookup. */
static void
flush_pending (OsaisStore *self)
{
  if (self->pending_jobs->len == 0)
    return;

  apply_pending_jobs (self, self->pending_jobs->len);
  end_pending (self);
}

typedef struct
{
  OsaisStore *self;
  GPtrArray  *page;   /* NULL: the last, loading is over */
} PageDone;

static void
page_done_free (PageDone *done)
{
  g_clear_object (&done->self);
  g_clear_pointer (&done->page, g_ptr_array_unref);
  g_free (done);
}

static gboolean
page_loaded_cb (gpointer data)
{
  PageDone *done = data;
  OsaisStore *self = done->self;

  if (done->page == NULL)
    self->pending_complete = TRUE;
  else
    for (guint i = 0; i < done->page->len; i++)
      g_ptr_array_add (self->pending_jobs, g_object_ref (g_ptr_array_index (done->page, i)));
  schedule_pending (self);

  return G_SOURCE_REMOVE;
}

static void
hand_page (OsaisStore *self,
           GPtrArray  *page)
{
  PageDone *done = g_new0 (PageDone, 1);

  done->self = g_object_ref (self);
  done->page = page;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, page_loaded_cb, done,
                              (GDestroyNotify) page_done_free);
}

static void
end_loading (OsaisStore *self)
{
  g_mutex_lock (&self->mutex);
  self->loading = FALSE;
  g_cond_broadcast (&self->loaded_cond);
  g_mutex_unlock (&self->mutex);
}

/* The writer thread's first work when the opening left pages to read. A
 * store closed meanwhile stops reading: what it still writes then is
 * checked against the jobs read so far. */
static void
load_rest (OsaisStore *self)
{
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  gint64 begin = g_get_monotonic_time ();

  while (!done)
    {
      GPtrArray *page = g_ptr_array_new_with_free_func (g_object_unref);
      gboolean closing;

      if (!load_page (self, PAGE_JOBS, page, &done, &error))
        {
          g_warning ("The history stopped loading: %s", error->message);
          g_ptr_array_unref (page);
          break;
        }
      if (page->len > 0)
        hand_page (self, page);
      else
        g_ptr_array_unref (page);

      g_mutex_lock (&self->mutex);
      closing = self->closing;
      g_mutex_unlock (&self->mutex);
      if (closing)
        break;
    }

  if (error == NULL && !load_stages (self, &error))
    g_warning ("The history's stages could not be read: %s", error->message);

  g_debug ("Read the rest of the history in %.1f ms", (g_get_monotonic_time () - begin) / 1000.0);
  end_loading (self);
  hand_page (self, NULL);
}

/* Reads the first page (or, @whole, every page) of the history into the
 * list; in the first case the writer reads the rest when it starts. */
static gboolean
load_history_pages (OsaisStore  *self,
                    gboolean     whole,
                    GError     **error)
{
  gboolean done = FALSE;

  self->page_created = G_MAXINT64;
  self->page_uid = G_MAXINT64;

  do
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);

      if (!load_page (self, whole ? PAGE_JOBS : FIRST_PAGE_JOBS, page, &done, error))
        return FALSE;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (self->pending_jobs, g_object_ref (g_ptr_array_index (page, i)));
      apply_pending_jobs (self, self->pending_jobs->len);
    }
  while (whole && !done);

  if (done && !load_stages (self, error))
    return FALSE;

  self->loading = !done;
  self->history_loaded = done;

  return TRUE;
}

/* Reads the early callbacks a previous run kept, in arrival order. No
 * request is in flight yet, so each one's grace runs: what was left of it,
 * or all of it for those whose requests were still in flight then. Files
 * in images/early/ that no row names were written by a run that stopped
 * before its commit: nothing acknowledged them, so they go. */
/* Reads the early_callbacks rows into self->early; @named gets the names of
 * their files. A row whose grace has not started gets @expires. */
static gboolean
read_early_rows (OsaisStore  *self,
                 gint64       expires,
                 GHashTable  *named,
                 GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT id, uid, token, kind, stage, cycle, filename, descr, cost,"
                          " path, size, content_type, sha256, width, height, expires"
                          " FROM early_callbacks ORDER BY id",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 3);
      const char *path = (const char *) sqlite3_column_text (stmt, 9);
      Op *op = g_new0 (Op, 1);

      op->early_id = sqlite3_column_int64 (stmt, 0);
      op->uid = sqlite3_column_int64 (stmt, 1);
      op->token = dup_column_text (stmt, 2);
      op->kind = g_strcmp0 (kind, "image") == 0 ? OP_ADD_IMAGE : OP_NOTIFY;
      /* Applied later, it holds the stored image as any image op does. */
      if (op->kind == OP_ADD_IMAGE)
        op->result_destroy = g_object_unref;
      op->stage = CLAMP (sqlite3_column_int (stmt, 4), OSAIS_STAGE_ERROR, OSAIS_STAGE_FINISHED);
      op->cycle = MAX (0, sqlite3_column_int (stmt, 5));
      op->filename = dup_column_text (stmt, 6);
      op->descr = dup_column_text (stmt, 7);
      op->cost = sqlite3_column_int64 (stmt, 8);
      op->size = sqlite3_column_int64 (stmt, 10);
      op->content_type = dup_column_text (stmt, 11);
      op->hash = dup_column_text (stmt, 12);
      op->width = sqlite3_column_int (stmt, 13);
      op->height = sqlite3_column_int (stmt, 14);
      op->expires = sqlite3_column_type (stmt, 15) == SQLITE_NULL
                    ? expires : sqlite3_column_int64 (stmt, 15);

      /* An image row without its image is not one this code writes: it
       * expires now, like any callback nobody can claim. */
      if (op->kind == OP_ADD_IMAGE && (path == NULL || op->hash == NULL))
        op->expires = 1;
      else if (op->kind == OP_ADD_IMAGE)
        {
          op->early_path = g_build_filename (self->data_dir, path, NULL);
          g_hash_table_add (named, g_path_get_basename (path));
          self->early_bytes += op->size;
        }
      g_ptr_array_add (self->early, op);
    }

  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  return TRUE;
}

static gboolean
load_early (OsaisStore  *self,
            GError     **error)
{
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = NULL;
  gint64 expires = g_get_real_time () + (gint64) self->early_grace * G_USEC_PER_SEC;
  const char *name;

  if (!read_early_rows (self, expires, named, error))
    return FALSE;
  self->n_early = self->early->len;

  /* Written now, so that the grace counts once across restarts. */
  if (!exec_sql (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < self->early->len; i++)
    {
      Op *op = g_ptr_array_index (self->early, i);
      sqlite3_stmt *update = self->stmts[STMT_SET_EARLY_EXPIRES];

      sqlite3_bind_int64 (update, 1, op->early_id);
      sqlite3_bind_int64 (update, 2, op->expires);
      if (!step_statement (self, update, error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  if (!exec_sql (self->db, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  dir = g_dir_open (self->early_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (g_hash_table_contains (named, name))
        continue;
      path = g_build_filename (self->early_dir, name, NULL);
      g_debug ("Removing %s, which no early callback names", path);
      if (g_unlink (path) != 0)
        g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
    }

  return TRUE;
}

/* The writer thread. */

static void
op_return (Op *op)
{
  /* Nothing is left behind once the caller hears of the outcome. */
  op_discard_tmp (op);

  if (op->task == NULL)
    return;

  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else if (op->kind == OP_NOTIFY)
    g_task_return_boolean (op->task, TRUE);
  else
    g_task_return_pointer (op->task, g_steal_pointer (&op->result), op->result_destroy);
}

static void
op_fail (Op         *op,
         GQuark      domain,
         int         code,
         const char *message)
{
  g_clear_error (&op->error);
  op->error = g_error_new_literal (domain, code, message);
}

static gboolean
apply_effects_cb (gpointer user_data)
{
  EffectBatch *batch = user_data;
  OsaisStore *self = batch->store;

  flush_pending (self);

  for (guint i = 0; i < batch->effects->len; i++)
    {
      Effect *effect = g_ptr_array_index (batch->effects, i);
      OsaisJob *job = g_hash_table_lookup (self->jobs_by_uid, &effect->uid);

      switch (effect->kind)
        {
        case EFFECT_JOB_ADDED:
          g_ptr_array_add (self->jobs, g_object_ref (effect->job));
          g_hash_table_insert (self->jobs_by_uid, int64_key_new (effect->uid),
                               effect->job);
          g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
          break;

        case EFFECT_JOB_CHANGED:
          if (job != NULL)
            {
              g_autoptr(GDateTime) updated = date_time_from_usec (effect->updated);

              g_object_freeze_notify (G_OBJECT (job));
              osais_job_set_stage (job, effect->stage);
              osais_job_set_cycle (job, effect->cycle);
              osais_job_set_description (job, effect->description);
              osais_job_set_cost (job, effect->cost);
              osais_job_set_error_message (job, effect->error_message);
              osais_job_set_announced_images (job, effect->announced_images);
              osais_job_set_updated (job, updated);
              g_object_thaw_notify (G_OBJECT (job));
            }
          break;

        case EFFECT_IMAGE_ADDED:
          if (job != NULL)
            {
              g_autoptr(GDateTime) updated = date_time_from_usec (effect->updated);

              osais_job_add_image (job, effect->image);
              osais_job_set_updated (job, updated);
            }
          break;

        case EFFECT_JOB_REMOVED:
          if (job != NULL)
            {
              guint index;

              if (g_ptr_array_find (self->jobs, job, &index))
                {
                  g_hash_table_remove (self->jobs_by_uid, &effect->uid);
                  g_ptr_array_remove_index (self->jobs, index);
                  g_list_model_items_changed (G_LIST_MODEL (self),
                                              self->jobs->len - index, 1, 0);
                }
            }
          break;

        case EFFECT_IMAGE_REMOVED:
          if (job != NULL)
            osais_job_remove_image (job, effect->image);
          break;

        case EFFECT_IMAGE_FAVOURITE:
          osais_image_set_favourite (effect->image, effect->favourite);
          break;

        default:
          g_assert_not_reached ();
        }

      if (effect->task != NULL)
        {
          if (effect->kind == EFFECT_JOB_ADDED)
            g_task_return_pointer (effect->task, g_object_ref (effect->job), g_object_unref);
          else
            g_task_return_boolean (effect->task, TRUE);
        }
    }

  return G_SOURCE_REMOVE;
}

/* Hands the committed changes to the main context, where they are applied
 * in order. The writer thread has its own thread-default context (see
 * writer_thread()), so this always queues and never runs on the writer. */
static void
push_effects (OsaisStore *self,
              GPtrArray  *effects)
{
  EffectBatch *batch;

  if (effects->len == 0)
    return;

  batch = g_new0 (EffectBatch, 1);
  batch->store = g_object_ref (self);
  batch->effects = g_ptr_array_ref (effects);

  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              apply_effects_cb, batch, (GDestroyNotify)effect_batch_free);
}

static gboolean
return_ops_cb (gpointer user_data)
{
  GPtrArray *ops = user_data;

  /* Running in a source of the tasks' own context, at a later iteration
   * than the one that made them, g_task_return_*() calls back at once. */
  for (guint i = 0; i < ops->len; i++)
    op_return (g_ptr_array_index (ops, i));

  return G_SOURCE_REMOVE;
}

/* Completes a batch's tasks with one invocation per caller context, rather
 * than the idle source (and the wake-up of that context) that each
 * g_task_return_*() from this thread would cost: under load, a batch holds
 * dozens of callbacks from the same few server threads. The ops, and so the
 * tasks, are released on their context, as returned tasks always were. */
static void
return_ops (GPtrArray *done)
{
  g_autoptr(GPtrArray) contexts = g_ptr_array_new ();
  g_autoptr(GPtrArray) groups = g_ptr_array_new ();

  for (guint i = 0; i < done->len; i++)
    {
      Op *op = g_ptr_array_index (done, i);
      GMainContext *context;
      guint index;

      /* Files are removed here: the caller's thread may be the UI's. */
      op_discard_tmp (op);
      if (op->task == NULL)
        {
          op_free (op);
          continue;
        }

      context = g_task_get_context (op->task);
      if (!g_ptr_array_find (contexts, context, &index))
        {
          index = contexts->len;
          g_ptr_array_add (contexts, context);
          g_ptr_array_add (groups, g_ptr_array_new_with_free_func ((GDestroyNotify) op_free));
        }
      g_ptr_array_add (g_ptr_array_index (groups, index), op);
    }
  g_ptr_array_set_free_func (done, NULL);
  g_ptr_array_set_size (done, 0);

  for (guint i = 0; i < contexts->len; i++)
    g_main_context_invoke_full (g_ptr_array_index (contexts, i), G_PRIORITY_DEFAULT,
                                return_ops_cb, g_ptr_array_index (groups, i),
                                (GDestroyNotify) g_ptr_array_unref);
}

static gboolean
do_nothing_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
unref_on_main_context (OsaisStore *self)
{
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              do_nothing_cb, self, g_object_unref);
}

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

static void process_notify    (OsaisStore *self,
                               Op         *op,
                               JobState   *state,
                               Batch      *batch);
static void process_add_image (OsaisStore *self,
                               Op         *op,
                               JobState   *state,
                               Batch      *batch);

/* Early callbacks ---------------------------------------------------------
 *
 * OSAIS may call back before it answers the request that made the job (an
 * OSAIS that awaits its first notification before replying does), so a
 * callback for a uid nobody knows yet, while a request is in flight, is
 * kept: persisted in this batch's transaction, acknowledged with it, and
 * applied when the reply brings its uid. Holding it open instead would
 * deadlock with such an OSAIS, and webhook senders give up on a receiver
 * after 10 to 30 s anyway. */

static void
early_remove (OsaisStore *self,
              guint       index)
{
  Op *op = g_ptr_array_steal_index (self->early, index);

  if (op->kind == OP_ADD_IMAGE)
    self->early_bytes -= op->size;
  op_free (op);
}

/* Persists @op as an early callback and acknowledges it with the batch, or
 * refuses it: no request in flight could bring its uid, or too many are
 * kept already. */
static void
keep_early (OsaisStore *self,
            Op         *op,
            Batch      *batch)
{
  sqlite3_stmt *insert = self->stmts[STMT_INSERT_EARLY];
  g_autofree char *name = NULL;
  g_autofree char *relative_path = NULL;
  GError *error = NULL;
  GHashTableIter iter;
  gpointer request_id;
  gsize bytes = op->kind == OP_ADD_IMAGE ? op->size : 0;
  gint64 now = g_get_real_time ();
  guint n_in_flight;
  Op *ack;

  g_mutex_lock (&self->mutex);
  n_in_flight = g_hash_table_size (self->in_flight);
  op->early_requests = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_in_flight);
  g_hash_table_iter_init (&iter, self->in_flight);
  while (g_hash_table_iter_next (&iter, &request_id, NULL))
    {
      guint id = GPOINTER_TO_UINT (request_id);

      g_array_append_val (op->early_requests, id);
    }
  g_mutex_unlock (&self->mutex);

  if (n_in_flight == 0)
    {
      op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB, "No such job");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (self->early->len >= MIN (MAX_EARLY, MAX_EARLY_PER_REQUEST * n_in_flight) ||
      self->early_bytes + bytes > MIN (MAX_EARLY_BYTES, MAX_EARLY_BYTES_PER_REQUEST * n_in_flight))
    {
      op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_BUSY,
               "Too many callbacks came before their requests were answered");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (op->kind == OP_ADD_IMAGE)
    {
      g_autofree char *path = NULL;

      /* A file thread wrote it unless no request was in flight then. */
      if (op->tmp_path == NULL &&
          (!ensure_directory (self->early_dir, &error) ||
           (op->tmp_path = write_temp_file (self->early_dir, "early", op->data, &error)) == NULL))
        goto out;

      /* Named so that nothing takes it for a crash's temporary file. */
      name = g_strdup_printf ("%" G_GINT64_FORMAT "-%u-%.16s.%s", now, ++self->early_seq,
                              op->hash, extension_for_content_type (op->content_type));
      path = g_build_filename (self->early_dir, name, NULL);
      if (g_rename (op->tmp_path, path) != 0)
        {
          int saved_errno = errno;

          g_set_error (&error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                       "Cannot write %s: %s", path, g_strerror (saved_errno));
          goto out;
        }
      g_clear_pointer (&op->tmp_path, g_free);
      g_hash_table_add (batch->sync_dirs, g_strdup (self->early_dir));
      g_ptr_array_add (batch->new_files, g_strdup (path));
      op->early_path = g_steal_pointer (&path);
      relative_path = g_build_filename (IMAGES_DIR, EARLY_DIR, name, NULL);
      /* The file holds the bytes now; memory holds only what names them. */
      g_clear_pointer (&op->data, g_bytes_unref);
    }

  sqlite3_bind_int64 (insert, 1, op->uid);
  bind_text (insert, 2, op->token);
  sqlite3_bind_text (insert, 3, op->kind == OP_ADD_IMAGE ? "image" : "notify", -1,
                     SQLITE_STATIC);
  sqlite3_bind_int (insert, 4, op->stage);
  sqlite3_bind_int (insert, 5, op->cycle);
  bind_text (insert, 6, op->filename);
  bind_text (insert, 7, op->descr);
  sqlite3_bind_int64 (insert, 8, op->cost);
  bind_text (insert, 9, relative_path);
  sqlite3_bind_int64 (insert, 10, op->size);
  bind_text (insert, 11, op->content_type);
  bind_text (insert, 12, op->hash);
  sqlite3_bind_int (insert, 13, op->width);
  sqlite3_bind_int (insert, 14, op->height);
  sqlite3_bind_int64 (insert, 15, now);
  if (!step_statement (self, insert, &error))
    goto out;
  op->early_id = sqlite3_last_insert_rowid (self->db);

  g_debug ("Keeping an early %s for uid %" G_GINT64_FORMAT,
           op->kind == OP_ADD_IMAGE ? "image" : "notification", op->uid);

  /* The caller's answer goes with the commit; the callback stays. */
  ack = g_new0 (Op, 1);
  ack->kind = op->kind;
  ack->task = g_steal_pointer (&op->task);
  if (op->kind == OP_ADD_IMAGE)
    {
      g_autoptr(GFile) file = g_file_new_for_path (op->early_path);
      g_autoptr(GDateTime) received = date_time_from_usec (now);

      ack->result = osais_image_new (file, op->uid, op->cycle, op->size, op->content_type,
                                     op->hash, op->width, op->height, received);
      ack->result_destroy = g_object_unref;
    }
  g_ptr_array_add (batch->done, ack);

  self->early_bytes += bytes;
  g_ptr_array_add (self->early, op);
  g_ptr_array_add (batch->new_early, op);
  return;

out:
  op->error = error;
  g_ptr_array_add (batch->done, op);
}

/* Removes the row of an early callback that is applied or dropped; its file
 * is renamed into the job's folder or removed after the commit. */
static gboolean
forget_early (OsaisStore  *self,
              Op          *op,
              Batch       *batch,
              gboolean     drop_file)
{
  sqlite3_stmt *delete = self->stmts[STMT_DELETE_EARLY];
  GError *error = NULL;

  sqlite3_bind_int64 (delete, 1, op->early_id);
  if (!step_statement (self, delete, &error))
    {
      g_debug ("Cannot forget early callback %" G_GINT64_FORMAT ": %s",
               op->early_id, error->message);
      g_error_free (error);
      return FALSE;
    }

  if (drop_file && op->early_path != NULL)
    g_ptr_array_add (batch->unlink_paths, g_steal_pointer (&op->early_path));

  return TRUE;
}

static char *
link_early_for_apply (const char *early_path)
{
  g_autofree char *path = g_strconcat (early_path, ".apply", NULL);

  if (early_path == NULL)
    return NULL;
  g_unlink (path);
  if (link (early_path, path) != 0)
    {
      g_debug ("Cannot link %s: %s", early_path, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&path);
}

static gboolean
early_requests_ended (OsaisStore *self,
                      Op         *op)
{
  if (op->early_requests == NULL)
    return TRUE;

  for (guint i = 0; i < op->early_requests->len; i++)
    {
      guint id = g_array_index (op->early_requests, guint, i);

      if (g_hash_table_contains (self->in_flight, GUINT_TO_POINTER (id)))
        return FALSE;
    }

  return TRUE;
}

/* Whether maintain_early() has anything to write. */
static gboolean
early_needs_maintenance (OsaisStore *self)
{
  gint64 now = g_get_real_time ();
  gboolean needed = FALSE;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->early->len && !needed; i++)
    {
      Op *op = g_ptr_array_index (self->early, i);

      needed = op->expires != 0 ? op->expires <= now : early_requests_ended (self, op);
    }
  g_mutex_unlock (&self->mutex);

  return needed;
}

/* Starts the grace of the early callbacks whose requests have all ended,
 * and drops those whose grace has passed, files included. */
static void
maintain_early (OsaisStore *self,
                Batch      *batch)
{
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();
  gint64 now = g_get_real_time ();
  gint64 grace;
  guint i = 0;

  /* The requests in flight are shared: only read under the lock. */
  g_mutex_lock (&self->mutex);
  grace = (gint64) self->early_grace * G_USEC_PER_SEC;
  for (guint j = 0; j < self->early->len; j++)
    {
      Op *op = g_ptr_array_index (self->early, j);

      if (op->expires == 0 && early_requests_ended (self, op))
        g_ptr_array_add (ended, op);
    }
  g_mutex_unlock (&self->mutex);

  for (guint j = 0; j < ended->len; j++)
    {
      Op *op = g_ptr_array_index (ended, j);
      sqlite3_stmt *update = self->stmts[STMT_SET_EARLY_EXPIRES];

      op->expires = now + grace;
      sqlite3_bind_int64 (update, 1, op->early_id);
      sqlite3_bind_int64 (update, 2, op->expires);
      if (!step_statement (self, update, NULL))
        g_debug ("Cannot start the grace of early callback %" G_GINT64_FORMAT, op->early_id);
    }

  while (i < self->early->len)
    {
      Op *op = g_ptr_array_index (self->early, i);

      if (op->expires != 0 && op->expires <= now)
        {
          g_debug ("Dropping an early callback for uid %" G_GINT64_FORMAT
                   ": no reply brought its uid", op->uid);
          forget_early (self, op, batch, TRUE);
          early_remove (self, i);
        }
      else
        i++;
    }
}

static Effect *
effect_changed_new (gint64    uid,
                    JobState *state,
                    gint64    updated)
{
  Effect *effect = g_new0 (Effect, 1);

  effect->kind = EFFECT_JOB_CHANGED;
  effect->uid = uid;
  effect->stage = state->stage;
  effect->cycle = state->cycle;
  effect->description = g_strdup (state->description);
  effect->cost = state->cost;
  effect->error_message = g_strdup (state->error_message);
  effect->announced_images = state->announced_images;
  effect->updated = updated;

  return effect;
}

static void
process_create_job (OsaisStore *self,
                    Op         *op,
                    Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_INSERT_JOB];
  g_autoptr(GDateTime) created_dt = NULL;
  GError *error = NULL;
  JobState *state;
  Effect *effect;
  gint64 created;

  if (op->request_id != 0)
    {
      g_mutex_lock (&self->mutex);
      g_hash_table_remove (self->in_flight, GUINT_TO_POINTER (op->request_id));
      g_mutex_unlock (&self->mutex);
    }

  if (g_hash_table_contains (self->states, &op->uid))
    {
      op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DUPLICATE_JOB,
               "A job with that uid exists already");
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* Strictly increasing, so that the order of the history is total. */
  created = MAX (g_get_real_time (), self->last_created + 1);

  sqlite3_bind_int64 (stmt, 1, op->uid);
  bind_text (stmt, 2, op->token);
  bind_text (stmt, 3, op->engine);
  bind_text (stmt, 4, op->parameters);
  sqlite3_bind_int64 (stmt, 5, created);
  if (!step_statement (self, stmt, &error))
    {
      op->error = error;
      g_ptr_array_add (batch->done, op);
      return;
    }

  self->last_created = created;
  state = job_state_new (op->token);
  g_hash_table_insert (self->states, int64_key_new (op->uid), state);
  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->tokens, int64_key_new (op->uid), g_strdup (op->token));
  g_mutex_unlock (&self->mutex);

  created_dt = date_time_from_usec (created);
  effect = g_new0 (Effect, 1);
  effect->kind = EFFECT_JOB_ADDED;
  effect->uid = op->uid;
  effect->job = g_object_new (OSAIS_TYPE_JOB,
                              "uid", op->uid,
                              "token", op->token,
                              "engine", op->engine,
                              "parameters", op->parameters,
                              "created", created_dt,
                              "updated", created_dt,
                              NULL);
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  op_free (op);

  /* The early callbacks for this uid go into the same transaction, in the
   * order they came, as if they had come now; acknowledged already, they
   * have no task. One with another token was never OSAIS's for this job. */
  for (guint i = 0; i < self->early->len;)
    {
      Op *early = g_ptr_array_index (self->early, i);

      if (early->uid != effect->uid)
        {
          i++;
          continue;
        }

      early = g_ptr_array_steal_index (self->early, i);
      if (early->kind == OP_ADD_IMAGE)
        self->early_bytes -= early->size;

      if (g_strcmp0 (early->token, state->token) != 0)
        {
          g_debug ("Dropping an early callback for uid %" G_GINT64_FORMAT
                   ": not the job's token", early->uid);
          forget_early (self, early, batch, TRUE);
          op_free (early);
          continue;
        }

      if (early->kind == OP_ADD_IMAGE)
        {
          /* A second name for the kept file goes into the job's folder; the
           * first is removed after the commit, so that a failed commit
           * keeps both the row and its file. Without hard links, the file
           * is moved, as any image is. */
          early->tmp_path = link_early_for_apply (early->early_path);
          if (early->tmp_path != NULL)
            forget_early (self, early, batch, TRUE);
          else
            {
              forget_early (self, early, batch, FALSE);
              early->tmp_path = g_steal_pointer (&early->early_path);
            }
          process_add_image (self, early, state, batch);
        }
      else
        {
          forget_early (self, early, batch, FALSE);
          process_notify (self, early, state, batch);
        }
    }
}

static void
process_notify (OsaisStore *self,
                Op         *op,
                JobState   *state,
                Batch      *batch)
{
  sqlite3_stmt *insert = self->stmts[STMT_INSERT_STAGE];
  sqlite3_stmt *update = self->stmts[STMT_UPDATE_JOB];
  g_autofree char *key = stage_key (op->stage, op->cycle, op->filename);
  GError *error = NULL;
  JobState next = *state;
  gint64 now = g_get_real_time ();

  if (g_hash_table_contains (state->stages, key))
    {
      /* Seen before: acknowledged again, applied once. */
      g_debug ("Duplicate notification for uid %" G_GINT64_FORMAT ", stage %d",
               op->uid, op->stage);
      goto out;
    }

  if (!step_statement (self, self->stmts[STMT_SAVEPOINT_NOTIFY], &error))
    goto out;

  sqlite3_bind_int64 (insert, 1, op->uid);
  sqlite3_bind_int (insert, 2, op->stage);
  sqlite3_bind_int (insert, 3, op->cycle);
  sqlite3_bind_text (insert, 4, op->filename != NULL ? op->filename : "", -1, SQLITE_TRANSIENT);
  bind_text (insert, 5, op->descr);
  sqlite3_bind_int64 (insert, 6, now);
  if (!step_statement (self, insert, &error))
    goto rollback;

  /* A finished job (5 or -1) keeps its stage; otherwise the stage only goes
   * forward, except to -1, which ends a job from any stage. */
  if (state->stage != OSAIS_STAGE_FINISHED && state->stage != OSAIS_STAGE_ERROR)
    {
      if (op->stage == OSAIS_STAGE_ERROR)
        {
          next.stage = OSAIS_STAGE_ERROR;
          next.error_message = op->descr != NULL ? op->descr : (char *)DEFAULT_ERROR_MESSAGE;
        }
      else if (op->stage > state->stage)
        next.stage = op->stage;
    }

  /* An older stage arriving late does not replace the newer description. */
  if (op->descr != NULL && op->stage == next.stage)
    next.description = op->descr;

  if (op->stage == OSAIS_STAGE_IMAGE_DONE)
    next.announced_images++;

  if (op->stage == OSAIS_STAGE_FINISHED && op->cost >= 0)
    next.cost = op->cost;

  next.cycle = MAX (state->cycle, op->cycle);

  sqlite3_bind_int64 (update, 1, op->uid);
  sqlite3_bind_int (update, 2, next.stage);
  sqlite3_bind_int (update, 3, next.cycle);
  bind_text (update, 4, next.description);
  sqlite3_bind_int64 (update, 5, next.cost);
  bind_text (update, 6, next.error_message);
  sqlite3_bind_int64 (update, 7, now);
  sqlite3_bind_int (update, 8, next.announced_images);
  if (!step_statement (self, update, &error) ||
      !step_statement (self, self->stmts[STMT_RELEASE_NOTIFY], &error))
    goto rollback;

  /* Committed to the transaction: now the state may follow. */
  if (next.description != state->description)
    {
      next.description = g_strdup (next.description);
      g_free (state->description);
    }
  if (next.error_message != state->error_message)
    {
      next.error_message = g_strdup (next.error_message);
      g_free (state->error_message);
    }
  *state = next;
  g_hash_table_add (state->stages, g_steal_pointer (&key));

  g_ptr_array_add (batch->effects, effect_changed_new (op->uid, state, now));
  goto out;

rollback:
  sqlite3_exec (self->db, "ROLLBACK TO notify; RELEASE notify", NULL, NULL, NULL);

out:
  op->error = error;
  g_ptr_array_add (batch->done, op);
}

static void
process_add_image (OsaisStore *self,
                   Op         *op,
                   JobState   *state,
                   Batch      *batch)
{
  sqlite3_stmt *insert = self->stmts[STMT_INSERT_IMAGE];
  g_autofree char *uid_text = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *relative_path = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GDateTime) received_dt = NULL;
  OsaisImage *image;
  GError *error = NULL;
  Effect *effect;
  gint64 now = g_get_real_time ();

  /* A duplicate's temporary file, if any, goes in op_return(). */
  image = g_hash_table_lookup (state->images, op->hash);
  if (image != NULL)
    {
      g_debug ("Image %s of uid %" G_GINT64_FORMAT " is stored already", op->hash, op->uid);
      op->result = g_object_ref (image);
      g_ptr_array_add (batch->done, op);
      return;
    }

  image_location (self, op, &dir, &name);
  path = g_build_filename (dir, name, NULL);
  uid_text = g_strdup_printf ("%" G_GINT64_FORMAT, op->uid);
  relative_path = g_build_filename (IMAGES_DIR, uid_text, name, NULL);

  /* A callback whose job was created while a file thread looked at it has
   * no file yet: it is written here, the slow way, as it is rare. An early
   * image has its file, elsewhere: the folder may not exist yet. */
  if (!ensure_directory (dir, &error) ||
      (op->tmp_path == NULL &&
       (op->tmp_path = write_temp_file (dir, name, op->data, &error)) == NULL))
    goto out;

  /* Complete and synced already; the rename is made durable with the
   * folder's sync in process_batch(), before the commit that records it. */
  if (g_rename (op->tmp_path, path) != 0)
    {
      int saved_errno = errno;

      g_set_error (&error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot write %s: %s", path, g_strerror (saved_errno));
      goto out;
    }
  g_clear_pointer (&op->tmp_path, g_free);
  g_hash_table_add (batch->sync_dirs, g_strdup (dir));
  batch->image_written = TRUE;

  sqlite3_bind_int64 (insert, 1, op->uid);
  sqlite3_bind_int (insert, 2, op->cycle);
  sqlite3_bind_text (insert, 3, relative_path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (insert, 4, op->size);
  bind_text (insert, 5, op->content_type);
  sqlite3_bind_text (insert, 6, op->hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (insert, 7, op->width);
  sqlite3_bind_int (insert, 8, op->height);
  sqlite3_bind_int64 (insert, 9, now);
  if (!step_statement (self, insert, &error))
    {
      g_unlink (path);
      goto out;
    }
  g_ptr_array_add (batch->new_files, g_strdup (path));

  file = g_file_new_for_path (path);
  received_dt = date_time_from_usec (now);
  image = osais_image_new (file, op->uid, op->cycle, op->size,
                           op->content_type, op->hash, op->width, op->height, received_dt);
  osais_image_set_id (image, sqlite3_last_insert_rowid (self->db));
  g_hash_table_insert (state->images, (gpointer)osais_image_get_hash (image), image);

  effect = g_new0 (Effect, 1);
  effect->kind = EFFECT_IMAGE_ADDED;
  effect->uid = op->uid;
  effect->image = g_object_ref (image);
  effect->updated = now;
  g_ptr_array_add (batch->effects, effect);

  op->result = g_object_ref (image);

out:
  op->error = error;
  g_ptr_array_add (batch->done, op);
}

static void
process_delete_job (OsaisStore *self,
                    Op         *op,
                    JobState   *state,
                    Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_DELETE_JOB];
  g_autofree char *uid_text = NULL;
  GHashTableIter iter;
  OsaisImage *image;
  Effect *effect;

  sqlite3_bind_int64 (stmt, 1, op->uid);
  if (!step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* Files go once the rows are gone for good, that is after the commit. */
  g_hash_table_iter_init (&iter, state->images);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&image))
    g_ptr_array_add (batch->unlink_paths, g_file_get_path (osais_image_get_file (image)));
  uid_text = g_strdup_printf ("%" G_GINT64_FORMAT, op->uid);
  g_ptr_array_add (batch->unlink_paths, g_build_filename (self->images_dir, uid_text, NULL));
  g_ptr_array_add (batch->unlink_paths,
                   g_build_filename (self->data_dir, INPUTS_DIR, uid_text, NULL));

  g_hash_table_remove (self->states, &op->uid);
  g_mutex_lock (&self->mutex);
  g_hash_table_remove (self->tokens, &op->uid);
  g_mutex_unlock (&self->mutex);

  effect = g_new0 (Effect, 1);
  effect->kind = EFFECT_JOB_REMOVED;
  effect->uid = op->uid;
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  op_free (op);
}

static void
process_delete_image (OsaisStore *self,
                      Op         *op,
                      JobState   *state,
                      Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_DELETE_IMAGE];
  OsaisImage *image;
  Effect *effect;

  image = g_hash_table_lookup (state->images, op->hash);
  if (image == NULL)
    {
      op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_IMAGE, "No such image");
      g_ptr_array_add (batch->done, op);
      return;
    }

  sqlite3_bind_int64 (stmt, 1, op->uid);
  sqlite3_bind_text (stmt, 2, op->hash, -1, SQLITE_TRANSIENT);
  if (!step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* The person gave that image up: the job expects one fewer, or a finished
   * job would wait forever for an image it had, and be marked stalled. */
  if (state->announced_images > 0)
    {
      sqlite3_stmt *update = self->stmts[STMT_UPDATE_JOB];

      sqlite3_bind_int64 (update, 1, op->uid);
      sqlite3_bind_int (update, 2, state->stage);
      sqlite3_bind_int (update, 3, state->cycle);
      bind_text (update, 4, state->description);
      sqlite3_bind_int64 (update, 5, state->cost);
      bind_text (update, 6, state->error_message);
      sqlite3_bind_int64 (update, 7, g_get_real_time ());
      sqlite3_bind_int (update, 8, state->announced_images - 1);
      if (!step_statement (self, update, &op->error))
        {
          g_ptr_array_add (batch->done, op);
          return;
        }
      state->announced_images--;
    }

  /* The file goes once the row is gone for good, that is after the commit. */
  g_ptr_array_add (batch->unlink_paths, g_file_get_path (osais_image_get_file (image)));

  effect = g_new0 (Effect, 1);
  effect->kind = EFFECT_IMAGE_REMOVED;
  effect->uid = op->uid;
  /* The model holds this very object: the writer made it and handed it over. */
  effect->image = g_object_ref (image);
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  g_ptr_array_add (batch->effects, effect_changed_new (op->uid, state, g_get_real_time ()));
  /* The key is the image's own hash: removing the entry last frees both. */
  g_hash_table_remove (state->images, op->hash);
  op_free (op);
}

/* Stars an image, or takes its star away. */
static void
process_set_favourite (OsaisStore *self,
                       Op         *op,
                       JobState   *state,
                       Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_SET_FAVOURITE];
  OsaisImage *image;
  Effect *effect;

  image = g_hash_table_lookup (state->images, op->hash);
  if (image == NULL)
    {
      op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_IMAGE, "No such image");
      g_ptr_array_add (batch->done, op);
      return;
    }

  sqlite3_bind_int64 (stmt, 1, op->uid);
  sqlite3_bind_text (stmt, 2, op->hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, op->favourite ? 1 : 0);
  if (!step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* The object's flag is the main context's: changed there, after the
   * commit, like everything the models show. */
  effect = g_new0 (Effect, 1);
  effect->kind = EFFECT_IMAGE_FAVOURITE;
  effect->uid = op->uid;
  effect->image = g_object_ref (image);
  effect->favourite = op->favourite;
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  op_free (op);
}

static void
process_op (OsaisStore *self,
            Op         *op,
            Batch      *batch)
{
  JobState *state;

  if (op->kind == OP_WAKE)
    {
      op_free (op);
      return;
    }

  /* Its image could not be written (see prepare_image()). */
  if (op->error != NULL)
    {
      batch->image_disk_full |= g_error_matches (op->error, OSAIS_STORE_ERROR,
                                                 OSAIS_STORE_ERROR_DISK_FULL);
      batch->image_read_only |= g_error_matches (op->error, OSAIS_STORE_ERROR,
                                                 OSAIS_STORE_ERROR_READ_ONLY);
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (g_cancellable_is_cancelled (g_task_get_cancellable (op->task)))
    {
      op_fail (op, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (op->kind == OP_CREATE_JOB)
    {
      process_create_job (self, op, batch);
      return;
    }

  state = g_hash_table_lookup (self->states, &op->uid);
  if (state == NULL)
    {
      if (op->kind == OP_DELETE_JOB || op->kind == OP_DELETE_IMAGE ||
          op->kind == OP_SET_FAVOURITE)
        {
          op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB, "No such job");
          g_ptr_array_add (batch->done, op);
        }
      else
        keep_early (self, op, batch);
      return;
    }

  switch (op->kind)
    {
    case OP_NOTIFY:
    case OP_ADD_IMAGE:
      if (g_strcmp0 (state->token, op->token) != 0)
        {
          op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOKEN_MISMATCH,
                   "The token is not the job's token");
          g_ptr_array_add (batch->done, op);
        }
      else if (op->kind == OP_NOTIFY)
        process_notify (self, op, state, batch);
      else
        process_add_image (self, op, state, batch);
      break;

    case OP_DELETE_JOB:
      process_delete_job (self, op, state, batch);
      break;

    case OP_DELETE_IMAGE:
      process_delete_image (self, op, state, batch);
      break;

    case OP_SET_FAVOURITE:
      process_set_favourite (self, op, state, batch);
      break;

    case OP_WAKE:
    case OP_CREATE_JOB:
    default:
      g_assert_not_reached ();
    }
}

static void
fail_ops (GPtrArray  *ops,
          GQuark      domain,
          int         code,
          const char *message)
{
  for (guint i = 0; i < ops->len; i++)
    {
      Op *op = g_ptr_array_index (ops, i);

      if (op->task != NULL)
        {
          op_fail (op, domain, code, message);
          op_return (op);
        }
    }
}

static gboolean
sync_directories (GHashTable  *dirs,
                  GError     **error)
{
  GHashTableIter iter;
  const char *dir;

  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, (gpointer *)&dir, NULL))
    {
      if (!fsync_directory (dir, error))
        return FALSE;
    }

  return TRUE;
}

/* A state of the storage that the writer finds (disk-full, images-read-only)
 * and the main context shows. */
typedef struct
{
  OsaisStore *store;
  guint       prop_id;
  gboolean    value;
} StateChange;

static gboolean *
main_state_field (OsaisStore *self,
                  guint       prop_id)
{
  return prop_id == PROP_DISK_FULL ? &self->disk_full : &self->images_read_only;
}

static gboolean
state_changed_cb (gpointer user_data)
{
  StateChange *change = user_data;
  gboolean *field = main_state_field (change->store, change->prop_id);

  if (*field != change->value)
    {
      *field = change->value;
      g_object_notify_by_pspec (G_OBJECT (change->store), properties[change->prop_id]);
    }

  return G_SOURCE_REMOVE;
}

static void
state_change_free (StateChange *change)
{
  g_object_unref (change->store);
  g_free (change);
}

/* The writer says what it found in @writer_field; the main context hears of
 * a change, in order with the effects and outcomes queued around it. */
static void
set_writer_state (OsaisStore *self,
                  gboolean   *writer_field,
                  guint       prop_id,
                  gboolean    value)
{
  StateChange *change;

  if (*writer_field == value)
    return;

  *writer_field = value;
  change = g_new0 (StateChange, 1);
  change->store = g_object_ref (self);
  change->prop_id = prop_id;
  change->value = value;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, state_changed_cb,
                              change, (GDestroyNotify)state_change_free);
}

static void
set_writer_disk_full (OsaisStore *self,
                      gboolean    disk_full)
{
  if (self->writer_disk_full != disk_full)
    g_debug (disk_full ? "The disk is full" : "The disk has space again");
  set_writer_state (self, &self->writer_disk_full, PROP_DISK_FULL, disk_full);
}

/* The writer's state of job @uid as the database has it: a batch changes
 * the state as it goes, before the commit that was to record the changes.
 * The image objects are kept where the database still names them. */
static gboolean
reload_job_state (OsaisStore *self,
                  gint64      uid)
{
  JobState *old = g_hash_table_lookup (self->states, &uid);
  JobState *state = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE uid = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    state = job_state_new_from_row (stmt);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return FALSE;

  if (state == NULL)
    {
      g_hash_table_remove (self->states, &uid);
      g_mutex_lock (&self->mutex);
      g_hash_table_remove (self->tokens, &uid);
      g_mutex_unlock (&self->mutex);
      return TRUE;
    }

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " IMAGE_COLUMNS " FROM images WHERE uid = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, uid);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *hash = (const char *)sqlite3_column_text (stmt, 5);
      OsaisImage *image = old != NULL && hash != NULL ?
                          g_hash_table_lookup (old->images, hash) : NULL;

      image = image != NULL ? g_object_ref (image) : image_new_from_row (self, stmt);
      if (image != NULL)
        g_hash_table_insert (state->images, (gpointer)osais_image_get_hash (image), image);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    goto failed;

  if (sqlite3_prepare_v2 (self->db, "SELECT stage, cycle, filename FROM stages WHERE uid = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, uid);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (state->stages,
                      stage_key (sqlite3_column_int (stmt, 0), sqlite3_column_int (stmt, 1),
                                 (const char *)sqlite3_column_text (stmt, 2)));
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    goto failed;

  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->tokens, int64_key_new (uid), g_strdup (state->token));
  g_mutex_unlock (&self->mutex);
  g_hash_table_insert (self->states, int64_key_new (uid), state);

  return TRUE;

failed:
  job_state_free (state);
  return FALSE;
}

/* A commit failed for want of space, and SQLite rolled the transaction
 * back: the database is as it was before the batch, and so must the
 * writer's state be, for the jobs the batch changed. Then the next batch
 * runs as any other, and recovers if the disk has space again. Returns
 * FALSE when the state cannot be read back. */
static gboolean
recover_from_disk_full (OsaisStore *self,
                        GPtrArray  *effects)
{
  g_autoptr(GHashTable) uids = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                      g_free, NULL);
  GHashTableIter iter;
  gint64 *uid;

  /* A rollback after SQLite's own is refused, harmlessly; after a failed
   * statement, it is what ends the transaction. */
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (!sqlite3_get_autocommit (self->db))
    return FALSE;

  /* Every change to the writer's state comes with its effect. */
  for (guint i = 0; i < effects->len; i++)
    g_hash_table_add (uids, int64_key_new (((Effect *)g_ptr_array_index (effects, i))->uid));

  g_hash_table_iter_init (&iter, uids);
  while (g_hash_table_iter_next (&iter, (gpointer *)&uid, NULL))
    {
      if (!reload_job_state (self, *uid))
        return FALSE;
    }

  return TRUE;
}

/* After a rolled-back commit, the early callbacks are the database's again:
 * those the batch applied or dropped are back, with their files. */
static gboolean
reload_early (OsaisStore *self)
{
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (self->early, 0);
  self->early_bytes = 0;
  if (!read_early_rows (self, g_get_real_time () + (gint64) self->early_grace * G_USEC_PER_SEC,
                        named, &error))
    {
      g_debug ("Cannot read the early callbacks back: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Runs everything that was queued together in one transaction, then
 * completes every task of the batch: this is the group commit. */
static void
process_batch (OsaisStore *self,
               GPtrArray  *ops)
{
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func ((GDestroyNotify)op_free);
  g_autoptr(GPtrArray) effects = g_ptr_array_new_with_free_func ((GDestroyNotify)effect_free);
  g_autoptr(GPtrArray) unlink_paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) sync_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) new_files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) new_early = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Batch batch = { done, effects, unlink_paths, sync_dirs, new_files, new_early,
                  FALSE, FALSE, FALSE };
  gboolean needs_transaction = FALSE;
  gboolean keep_alive;

  for (guint i = 0; i < ops->len; i++)
    needs_transaction |= ((Op *)g_ptr_array_index (ops, i))->kind != OP_WAKE;

  /* Tasks hold the store; the writer must not drop the last reference, or
   * the store would be finalized here and join its own thread. This one is
   * dropped on the main context, after the tasks are released. Taken only
   * while tasks keep the store alive, so never on a finalizing store. */
  keep_alive = needs_transaction;
  if (keep_alive)
    g_object_ref (self);

  needs_transaction |= !self->broken && early_needs_maintenance (self);

  if (needs_transaction && self->broken)
    {
      fail_ops (ops, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                "The history could not be saved earlier; reopen it to continue");
      needs_transaction = FALSE;
    }
  else if (needs_transaction && !exec_sql (self->db, "BEGIN IMMEDIATE", &error))
    {
      fail_ops (ops, error->domain, error->code, error->message);
      needs_transaction = FALSE;
    }
  else
    {
      /* The ops move into done, early or effects; the array keeps no copy. */
      maintain_early (self, &batch);
      for (guint i = 0; i < ops->len; i++)
        process_op (self, g_ptr_array_index (ops, i), &batch);
      g_ptr_array_set_free_func (ops, NULL);
    }

  if (needs_transaction)
    {
      /* The image files renamed in this batch are durable before the rows
       * that name them: one sync per folder for the whole batch. */
      if (!sync_directories (sync_dirs, &error) ||
          !exec_sql (self->db, "COMMIT", &error))
        {
          gboolean disk_full = g_error_matches (error, OSAIS_STORE_ERROR,
                                                OSAIS_STORE_ERROR_DISK_FULL);

          /* Their rows are gone with the transaction, and their acks fail. */
          for (guint i = 0; i < new_early->len; i++)
            {
              guint index;

              if (g_ptr_array_find (self->early, g_ptr_array_index (new_early, i), &index))
                early_remove (self, index);
            }
          g_ptr_array_set_size (new_early, 0);

          /* The writer's state now differs from the disk. Space comes back:
           * the state is read back from the database. Otherwise, rather than
           * guess, further writes are refused until the history is reopened. */
          if (!disk_full || !recover_from_disk_full (self, effects) || !reload_early (self))
            {
              sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
              self->broken = TRUE;
            }
          set_writer_disk_full (self, disk_full);
          if (disk_full)
            {
              g_clear_error (&error);
              g_set_error_literal (&error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL,
                                   "The disk is full: the history cannot be saved, and nothing "
                                   "of this was stored");
            }
          for (guint i = 0; i < effects->len; i++)
            {
              Effect *effect = g_ptr_array_index (effects, i);

              if (effect->task != NULL)
                {
                  g_task_return_new_error (effect->task, error->domain, error->code,
                                           "%s", error->message);
                  g_clear_object (&effect->task);
                }
            }
          for (guint i = 0; i < done->len; i++)
            {
              Op *op = g_ptr_array_index (done, i);

              if (op->error == NULL)
                op_fail (op, error->domain, error->code, error->message);
            }
          g_ptr_array_set_size (effects, 0);
          g_ptr_array_set_size (unlink_paths, 0);
          for (guint i = 0; i < new_files->len; i++)
            g_unlink (g_ptr_array_index (new_files, i));
        }
      else
        {
          g_mutex_lock (&self->mutex);
          self->n_commits++;
          g_mutex_unlock (&self->mutex);
          set_writer_disk_full (self, batch.image_disk_full);
          /* Read-only until an image is written again. */
          if (batch.image_read_only || batch.image_written)
            set_writer_state (self, &self->writer_images_read_only, PROP_IMAGES_READ_ONLY,
                              batch.image_read_only);
        }
    }

  for (guint i = 0; i < unlink_paths->len; i++)
    {
      const char *path = g_ptr_array_index (unlink_paths, i);

      if (g_remove (path) != 0 && errno != ENOENT)
        g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
    }

  g_mutex_lock (&self->mutex);
  self->n_early = self->early->len;
  g_mutex_unlock (&self->mutex);

  /* The effects first: a caller on the main context then sees the change
   * in the model when its callback runs (same priority, queued before). */
  push_effects (self, effects);
  return_ops (done);

  if (keep_alive)
    unref_on_main_context (self);
}

static gpointer
writer_thread (gpointer data)
{
  OsaisStore *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  gboolean stop = FALSE;

  /* Never iterated: it exists so that g_main_context_invoke_full() on the
   * main context always queues. Without it, the writer's thread-default
   * would be the global default context, and invoke runs the function right
   * away in the calling thread whenever that context is its thread-default
   * and free to acquire, that is whenever the main thread is not iterating
   * it: the GObject side would change on the writer thread. */
  g_main_context_push_thread_default (context);

  /* Set before the thread started, and only this thread clears it. */
  if (self->loading)
    load_rest (self);

  while (!stop)
    {
      g_autoptr(GPtrArray) ops = NULL;

      g_mutex_lock (&self->mutex);
      while (self->queue->len == 0 && !self->closing)
        {
          gint64 expires = G_MAXINT64;

          for (guint i = 0; i < self->early->len; i++)
            {
              Op *op = g_ptr_array_index (self->early, i);

              if (op->expires != 0)
                expires = MIN (expires, op->expires);
            }

          /* Woken for the first early callback whose grace ends (a broken
           * store writes nothing, so it would only spin). */
          if (expires != G_MAXINT64 && !self->broken)
            {
              gint64 deadline = g_get_monotonic_time () + MAX (0, expires - g_get_real_time ());

              if (!g_cond_wait_until (&self->cond, &self->mutex, deadline))
                break;
            }
          else
            g_cond_wait (&self->cond, &self->mutex);
        }
      ops = g_steal_pointer (&self->queue);
      self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify)op_free);
      stop = self->closing;
      g_mutex_unlock (&self->mutex);

      process_batch (self, ops);
    }

  /* Early callbacks stay on disk for the next opening; they own no task. */
  g_ptr_array_set_size (self->early, 0);
  self->early_bytes = 0;

  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
submit (OsaisStore *self,
        Op         *op)
{
  g_mutex_lock (&self->mutex);
  if (self->closing || self->writer == NULL)
    {
      g_mutex_unlock (&self->mutex);
      if (op->task != NULL)
        g_task_return_new_error (op->task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                                 "The store is closed");
      op_free (op);
      return;
    }

  /* The writer waits only while the queue is empty: a queue that was not
   * empty is already its next batch. (g_cond_signal() is a system call
   * even with nobody waiting, once per callback under load.) */
  g_ptr_array_add (self->queue, op);
  if (self->queue->len == 1)
    g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* A file thread: hashes the image and, if the job is known and the token is
 * its token, writes and syncs the file under a temporary name, many images
 * at once, so that the writer only renames it. An image for a uid nobody
 * knows yet, while a request is in flight, goes to images/early/ likewise:
 * the writer keeps it as an early callback. Nothing is written for a
 * callback that the writer will refuse. */
static void
prepare_image (gpointer data,
               gpointer user_data)
{
  Op *op = data;
  OsaisStore *self = user_data;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  GError *error = NULL;
  const char *token;
  gboolean known;
  gboolean early;

  op->hash = osais_sha256_hex (op->data);

  g_mutex_lock (&self->mutex);
  /* An old job's token is known once the writer has read its page. */
  while (self->loading)
    g_cond_wait (&self->loaded_cond, &self->mutex);
  token = g_hash_table_lookup (self->tokens, &op->uid);
  known = token != NULL && g_strcmp0 (token, op->token) == 0;
  early = token == NULL && g_hash_table_size (self->in_flight) > 0;
  g_mutex_unlock (&self->mutex);

  if ((known || early) && !g_cancellable_is_cancelled (g_task_get_cancellable (op->task)))
    {
      if (known)
        image_location (self, op, &dir, &name);
      else
        {
          dir = g_strdup (self->early_dir);
          name = g_strdup ("early");
        }
      /* A failure goes to the writer all the same: a full disk is the
       * store's state, said by the writer alone. */
      if (!ensure_directory (dir, &error) ||
          (op->tmp_path = write_temp_file (dir, name, op->data, &error)) == NULL)
        op->error = error;
    }

  submit (self, op);
}

static Op *
op_new (OsaisStore          *self,
        OpKind               kind,
        gpointer             source_tag,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  /* The outcome is durable once returned: report it even if the caller
   * gave up meanwhile, rather than a cancellation that did not happen. */
  g_task_set_check_cancellable (op->task, FALSE);

  return op;
}

/* GObject and GListModel. */

static GType
osais_store_get_item_type (GListModel *model)
{
  return OSAIS_TYPE_JOB;
}

static guint
osais_store_get_n_items (GListModel *model)
{
  OsaisStore *self = OSAIS_STORE (model);

  return self->jobs->len;
}

static gpointer
osais_store_get_item (GListModel *model,
                      guint       position)
{
  OsaisStore *self = OSAIS_STORE (model);

  if (position >= self->jobs->len)
    return NULL;

  /* Newest first: the array keeps creation order so that appending is cheap. */
  return g_object_ref (g_ptr_array_index (self->jobs, self->jobs->len - 1 - position));
}

static void
osais_store_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osais_store_get_item_type;
  iface->get_n_items = osais_store_get_n_items;
  iface->get_item = osais_store_get_item;
}

static void
osais_store_finalize (GObject *object)
{
  OsaisStore *self = (OsaisStore *)object;

  osais_store_close (self);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->images_dir, g_free);
  g_clear_pointer (&self->early_dir, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->jobs_by_uid, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_clear_pointer (&self->early, g_ptr_array_unref);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->loaded_cond);
  g_clear_handle_id (&self->apply_source, g_source_remove);
  if (self->pending_jobs != NULL)
    g_ptr_array_foreach (self->pending_jobs, (GFunc) (void (*) (void)) g_object_unref, NULL);
  g_clear_pointer (&self->pending_jobs, g_ptr_array_unref);

  G_OBJECT_CLASS (osais_store_parent_class)->finalize (object);
}

static void
osais_store_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  OsaisStore *self = OSAIS_STORE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_EARLY_GRACE:
      g_value_set_uint (value, osais_store_get_early_grace (self));
      break;

    case PROP_DISK_FULL:
      g_value_set_boolean (value, self->disk_full);
      break;

    case PROP_IMAGES_READ_ONLY:
      g_value_set_boolean (value, self->images_read_only);
      break;

    case PROP_HISTORY_LOADED:
      g_value_set_boolean (value, self->history_loaded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_store_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  OsaisStore *self = OSAIS_STORE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    case PROP_EARLY_GRACE:
      osais_store_set_early_grace (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_store_class_init (OsaisStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osais_store_finalize;
  object_class->get_property = osais_store_get_property;
  object_class->set_property = osais_store_set_property;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_EARLY_GRACE] =
    g_param_spec_uint ("early-grace", NULL, NULL, 0, 7 * 24 * 60 * 60, DEFAULT_EARLY_GRACE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  properties[PROP_DISK_FULL] =
    g_param_spec_boolean ("disk-full", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));
  properties[PROP_IMAGES_READ_ONLY] =
    g_param_spec_boolean ("images-read-only", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /* FALSE while the pages after the first are read (an asynchronous
   * opening of a long history): the list grows at its end meanwhile. */
  properties[PROP_HISTORY_LOADED] =
    g_param_spec_boolean ("history-loaded", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_store_init (OsaisStore *self)
{
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->jobs_by_uid = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->states = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify)job_state_free);
  self->early = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify)op_free);
  self->in_flight = g_hash_table_new (NULL, NULL);
  self->tokens = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->early_grace = DEFAULT_EARLY_GRACE;
  self->lock_fd = -1;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_cond_init (&self->loaded_cond);
  /* Without a free function: apply_pending_jobs() moves the references. */
  self->pending_jobs = g_ptr_array_new ();
}

/* Removes the copies that check_copy() was checking when a crash came. */
static void
remove_check_leftovers (const char *data_dir)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name, CHECK_DIR_PREFIX) ||
          strlen (name) != strlen (CHECK_DIR_PREFIX "XXXXXX"))
        continue;

      path = g_build_filename (data_dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_scratch_dir (path);
    }
}

/* Takes the data folder's lock: exclusive when no other store has the folder
 * open (returns TRUE; the caller then downgrades it once the opening's
 * repairs are done), shared otherwise, waiting for another store's opening
 * to finish. A killed process's lock goes with it. */
static gboolean
lock_data_dir (OsaisStore  *self,
               gboolean    *exclusive,
               GError     **error)
{
  int saved_errno;

  self->lock_fd = open (self->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->lock_fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot open the folder %s: %s", self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  *exclusive = flock (self->lock_fd, LOCK_EX | LOCK_NB) == 0;
  if (*exclusive)
    return TRUE;

  /* Some network file systems have no locks: the store works there as it
   * did before it had one, without the clean-up that needs it. */
  if (errno != EWOULDBLOCK)
    {
      g_debug ("Cannot lock %s (%s): opening it unlocked", self->data_dir, g_strerror (errno));
      close (self->lock_fd);
      self->lock_fd = -1;
      return TRUE;
    }

  while (flock (self->lock_fd, LOCK_SH) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EINTR)
        continue;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot lock the folder %s: %s", self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static OsaisStore *
store_open (const char    *data_dir,
            GMainContext  *main_context,
            gboolean       whole,
            GError       **error)
{
  g_autoptr(OsaisStore) self = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *wal_path = NULL;
  g_autofree char *shm_path = NULL;
  gint64 begin = g_get_monotonic_time ();
  gboolean exclusive = FALSE;
  gboolean after_crash;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot create the folder %s: %s", data_dir, g_strerror (saved_errno));
      return NULL;
    }

  /* SQLite would open the history read-only, and fail later, when it
   * cannot make its log: said here, plainly. */
  if (access (data_dir, W_OK) != 0 && file_error_code (errno) == OSAIS_STORE_ERROR_READ_ONLY)
    {
      int saved_errno = errno;

      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_READ_ONLY,
                   "The data folder %s is read-only (%s): the history needs to be written. "
                   "Make it writable, or choose another folder.",
                   data_dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (OSAIS_TYPE_STORE, "data-dir", data_dir, NULL);
  self->main_context = g_main_context_ref (main_context);
  self->images_dir = g_build_filename (data_dir, IMAGES_DIR, NULL);
  self->early_dir = g_build_filename (self->images_dir, EARLY_DIR, NULL);
  db_path = g_build_filename (data_dir, DATABASE_NAME, NULL);

  wal_path = database_file (db_path, "-wal");
  shm_path = database_file (db_path, "-shm");

  if (!lock_data_dir (self, &exclusive, error))
    return NULL;

  /* The last store to close a history removes its log and shared memory;
   * a kill -9 leaves them. With another store on the folder, they are that
   * store's, and it checked the history when it opened it. */
  after_crash = exclusive && (file_exists (wal_path) || file_exists (shm_path));

  self->db = open_database (db_path, after_crash, error);
  if (self->db == NULL)
    return NULL;

  if (!ensure_directory (self->images_dir, error))
    return NULL;

  if (exclusive)
    {
      /* Reading every job's folder takes a while (0.2 s for 10,000 jobs
       * here): only after a crash, the only way to leave temporary files. */
      if (after_crash)
        remove_temp_leftovers (self->images_dir);
      remove_check_leftovers (self->data_dir);
      /* Other stores may open the folder from now on. */
      while (flock (self->lock_fd, LOCK_SH) != 0 && errno == EINTR)
        ;
    }

  for (guint i = 0; i < N_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (self->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                              &self->stmts[i], NULL) != SQLITE_OK)
        {
          set_sqlite_error (error, self->db, "Cannot prepare the history");
          return NULL;
        }
    }

  if (!load_history_pages (self, whole, error) || !load_early (self, error))
    return NULL;

  self->search_reader = osais_search_reader_new (db_path);
  self->writer = g_thread_new ("osais-store-writer", writer_thread, self);
  self->file_pool = g_thread_pool_new (prepare_image, self, MAX_FILE_THREADS, FALSE, NULL);

  g_debug ("Opened %s: %u jobs in %.1f ms", db_path, self->jobs->len,
           (g_get_monotonic_time () - begin) / 1000.0);

  return g_steal_pointer (&self);
}

OsaisStore *
osais_store_open (const char  *data_dir,
                  GError     **error)
{
  g_autoptr(GMainContext) main_context = NULL;
  OsaisStore *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  main_context = g_main_context_ref_thread_default ();

  self = store_open (data_dir, main_context, TRUE, error);

  if (self != NULL)
    self->handed_over = TRUE;

  return self;
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *data_dir = task_data;
  GError *error = NULL;
  OsaisStore *self;

  self = store_open (data_dir, g_task_get_context (task), FALSE, &error);
  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, g_object_unref);
}

void
osais_store_open_async (const char          *data_dir,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (data_dir != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The task's context is the caller's thread-default one: the store's
   * GObject side will live there. */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_open_async);
  g_task_set_name (task, "[osais-store] open");
  g_task_set_task_data (task, g_strdup (data_dir), g_free);
  g_task_run_in_thread (task, open_thread);
}

OsaisStore *
osais_store_open_finish (GAsyncResult  *result,
                         GError       **error)
{
  OsaisStore *self;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_store_open_async,
                        NULL);

  self = g_task_propagate_pointer (G_TASK (result), error);
  if (self != NULL && !self->handed_over)
    {
      self->handed_over = TRUE;
      /* After the opener's callback, in the order they came. */
      schedule_pending (self);
    }

  return self;
}

void
osais_store_close (OsaisStore *self)
{
  OsaisSearchReader *search_reader;
  GThreadPool *file_pool;

  g_return_if_fail (OSAIS_IS_STORE (self));

  /* Images being written are queued for the writer before it stops. */
  g_mutex_lock (&self->mutex);
  file_pool = g_steal_pointer (&self->file_pool);
  g_mutex_unlock (&self->mutex);
  if (file_pool != NULL)
    g_thread_pool_free (file_pool, FALSE, TRUE);

  g_mutex_lock (&self->mutex);
  self->closing = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  /* The writer drains the queue before it stops. */
  g_clear_pointer (&self->writer, g_thread_join);

  /* The searches asked for run first. */
  g_mutex_lock (&self->mutex);
  search_reader = g_steal_pointer (&self->search_reader);
  g_mutex_unlock (&self->mutex);
  g_clear_pointer (&search_reader, osais_search_reader_free);

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);

  /* Last: the lock says the database is in use until it is closed. */
  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

GFile *
osais_store_dup_input_file (OsaisStore *self,
                            gint64      uid)
{
  g_autofree char *uid_text = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  uid_text = g_strdup_printf ("%" G_GINT64_FORMAT, uid);
  path = g_build_filename (self->data_dir, INPUTS_DIR, uid_text, NULL);
  return g_file_new_for_path (path);
}

static void
keep_input_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  GBytes *data = task_data;
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *folder_path = g_file_get_path (folder);
  GError *error = NULL;

  if (g_mkdir_with_parents (folder_path, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Cannot make %s: %s", folder_path, g_strerror (saved_errno));
      return;
    }

  /* Written whole or not at all (a temporary file renamed over it). */
  if (!g_file_replace_contents (file, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
osais_store_keep_input_async (OsaisStore          *self,
                              gint64               uid,
                              GBytes              *data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_keep_input_async);
  g_task_set_name (task, "osais-store-keep-input");
  g_task_set_task_data (task, g_bytes_ref (data), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "file", osais_store_dup_input_file (self, uid),
                          g_object_unref);
  g_task_run_in_thread (task, keep_input_thread);
}

gboolean
osais_store_keep_input_finish (OsaisStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_store_keep_input_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
osais_store_get_data_dir (OsaisStore *self)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  return self->data_dir;
}

char *
osais_store_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "osais-studio", NULL);
}

OsaisJob *
osais_store_lookup (OsaisStore *self,
                    gint64      uid)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  flush_pending (self);

  return g_hash_table_lookup (self->jobs_by_uid, &uid);
}

guint
osais_store_get_early_grace (OsaisStore *self)
{
  guint early_grace;

  g_return_val_if_fail (OSAIS_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  early_grace = self->early_grace;
  g_mutex_unlock (&self->mutex);

  return early_grace;
}

void
osais_store_set_early_grace (OsaisStore *self,
                             guint       early_grace)
{
  gboolean changed;

  g_return_if_fail (OSAIS_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  changed = self->early_grace != early_grace;
  self->early_grace = early_grace;
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EARLY_GRACE]);
}

guint
osais_store_get_n_early (OsaisStore *self)
{
  guint n_early;

  g_return_val_if_fail (OSAIS_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  n_early = self->n_early;
  g_mutex_unlock (&self->mutex);

  return n_early;
}

guint64
osais_store_get_n_commits (OsaisStore *self)
{
  guint64 n_commits;

  g_return_val_if_fail (OSAIS_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  n_commits = self->n_commits;
  g_mutex_unlock (&self->mutex);

  return n_commits;
}

gboolean
osais_store_get_disk_full (OsaisStore *self)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);

  return self->disk_full;
}

gboolean
osais_store_get_images_read_only (OsaisStore *self)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);

  return self->images_read_only;
}

guint
osais_store_begin_request (OsaisStore *self)
{
  guint request_id;

  g_return_val_if_fail (OSAIS_IS_STORE (self), 0);

  g_mutex_lock (&self->mutex);
  do
    request_id = ++self->last_request_id;
  while (request_id == 0 || g_hash_table_contains (self->in_flight, GUINT_TO_POINTER (request_id)));
  g_hash_table_add (self->in_flight, GUINT_TO_POINTER (request_id));
  g_mutex_unlock (&self->mutex);

  return request_id;
}

void
osais_store_cancel_request (OsaisStore *self,
                            guint       request_id)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  g_hash_table_remove (self->in_flight, GUINT_TO_POINTER (request_id));
  g_mutex_unlock (&self->mutex);

  /* Wakes the writer, which refuses what no request can claim any more. */
  op = g_new0 (Op, 1);
  op->kind = OP_WAKE;
  submit (self, op);
}

void
osais_store_create_job_async (OsaisStore          *self,
                              guint                request_id,
                              gint64               uid,
                              const char          *token,
                              const char          *engine,
                              const char          *parameters,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_CREATE_JOB, osais_store_create_job_async,
               cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] create job");
  op->request_id = request_id;
  op->uid = uid;
  op->token = g_strdup (token);
  op->engine = g_strdup (engine);
  op->parameters = g_strdup (parameters);
  op->result_destroy = g_object_unref;
  submit (self, op);
}

OsaisJob *
osais_store_create_job_finish (OsaisStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_create_job_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
osais_store_apply_notification_async (OsaisStore              *self,
                                      const OsaisNotification *notification,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (notification != NULL);
  g_return_if_fail (notification->stage >= OSAIS_STAGE_ERROR &&
                    notification->stage <= OSAIS_STAGE_FINISHED);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_NOTIFY, osais_store_apply_notification_async,
               cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] apply notification");
  op->uid = notification->uid;
  op->token = g_strdup (notification->token != NULL ? notification->token : "0");
  op->stage = notification->stage;
  op->cycle = MAX (0, notification->cycle);
  op->filename = g_strdup (notification->filename);
  op->descr = g_strdup (notification->descr);
  op->cost = notification->cost;
  submit (self, op);
}

gboolean
osais_store_apply_notification_finish (OsaisStore    *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_apply_notification_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osais_store_add_image_async (OsaisStore          *self,
                             gint64               uid,
                             const char          *token,
                             int                  cycle,
                             GBytes              *data,
                             const char          *content_type,
                             guint                width,
                             guint                height,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (data != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_ADD_IMAGE, osais_store_add_image_async,
               cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] add image");
  op->uid = uid;
  op->token = g_strdup (token);
  op->cycle = MAX (0, cycle);
  op->data = g_bytes_ref (data);
  op->size = g_bytes_get_size (data);
  op->content_type = g_strdup (content_type);
  op->width = width;
  op->height = height;
  op->result_destroy = g_object_unref;

  /* Hashed and written on a file thread, off the caller's thread (the
   * callback server's) and off the writer's. */
  g_mutex_lock (&self->mutex);
  if (self->file_pool != NULL)
    {
      g_thread_pool_push (self->file_pool, op, NULL);
      op = NULL;
    }
  g_mutex_unlock (&self->mutex);

  /* Closing: the writer refuses it, or writes it if it still runs. */
  if (op != NULL)
    {
      op->hash = osais_sha256_hex (data);
      submit (self, op);
    }
}

OsaisImage *
osais_store_add_image_finish (OsaisStore    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_add_image_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
osais_store_delete_job_async (OsaisStore          *self,
                              OsaisJob            *job,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (OSAIS_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_DELETE_JOB, osais_store_delete_job_async,
               cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] delete job");
  op->uid = osais_job_get_uid (job);
  submit (self, op);
}

gboolean
osais_store_delete_job_finish (OsaisStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_delete_job_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osais_store_delete_image_async (OsaisStore          *self,
                                OsaisImage          *image,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_DELETE_IMAGE, osais_store_delete_image_async,
               cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] delete image");
  op->uid = osais_image_get_uid (image);
  op->hash = g_strdup (osais_image_get_hash (image));
  submit (self, op);
}

gboolean
osais_store_delete_image_finish (OsaisStore    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_delete_image_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Checking and repairing a data folder, with no store open on it. */

#define LOST_AND_FOUND_DIR "lost+found"

/* The data folder's lock, exclusive: no store has the folder open, and none
 * will until the returned descriptor is closed. */
static int
lock_data_dir_exclusive (const char  *data_dir,
                         GError     **error)
{
  int saved_errno;
  int fd;

  fd = open (data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot open the folder %s: %s", data_dir, g_strerror (saved_errno));
      return -1;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved_errno = errno;
      close (fd);
      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IN_USE,
                     "The data folder %s is in use by OSAIS Studio (the app, or `osais run` "
                     "or `serve`): close it, then try again", data_dir);
      else
        g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                     "Cannot lock the folder %s: %s", data_dir, g_strerror (saved_errno));
      return -1;
    }

  return fd;
}

void
osais_store_check_free (OsaisStoreCheck *check)
{
  g_free (check->integrity);
  g_clear_pointer (&check->missing, g_ptr_array_unref);
  g_clear_pointer (&check->orphans, g_ptr_array_unref);
  g_clear_pointer (&check->leftovers, g_ptr_array_unref);
  g_clear_pointer (&check->moved, g_ptr_array_unref);
  g_free (check);
}

gboolean
osais_store_check_is_healthy (const OsaisStoreCheck *check)
{
  g_return_val_if_fail (check != NULL, FALSE);

  return ((check->integrity == NULL || g_str_equal (check->integrity, "ok")) &&
          check->missing->len == 0 &&
          check->moved->len == check->orphans->len + check->leftovers->len);
}

/* The history's integrity, checked on a copy, and the image paths its rows
 * name (NULL in *@names when it is damaged). */
static gboolean
check_history (const char       *data_dir,
               OsaisStoreCheck  *check,
               GHashTable      **names,
               GError          **error)
{
  g_autofree char *path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  g_autofree char *wal = database_file (path, "-wal");
  g_autofree char *scratch = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GError) damage = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;
  int version = 0;
  int rc;

  *names = NULL;
  if (!file_exists (path) && !file_exists (wal))
    return TRUE;

  if (!check_database_file (path, &damage))
    {
      check->integrity = g_strdup (damage->message);
      return TRUE;
    }

  copy = copy_database (path, &scratch, error);
  if (copy == NULL)
    return FALSE;

  if (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, "Cannot check the history database");
      goto out;
    }

  if (!check_database (db, path, TRUE, &version, &damage))
    {
      if (!g_error_matches (damage, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED))
        {
          g_propagate_error (error, g_steal_pointer (&damage));
          goto out;
        }
      check->integrity = g_strdup (damage->message);
      ok = TRUE;
      goto out;
    }

  check->integrity = g_strdup ("ok");
  *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* A history from before its schema was made names nothing. */
  if (version == 0)
    {
      ok = TRUE;
      goto out;
    }

  if (sqlite3_prepare_v2 (db, "SELECT path FROM images", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, "Cannot read the history");
      goto out;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *)sqlite3_column_text (stmt, 0);

      if (name != NULL)
        g_hash_table_add (*names, g_strdup (name));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, "Cannot read the history");
      goto out;
    }

  ok = TRUE;

out:
  sqlite3_close (db);
  remove_scratch_dir (scratch);
  if (!ok)
    g_clear_pointer (names, g_hash_table_unref);

  return ok;
}

/* Sorts the files of images/ into leftovers and orphans. */
static void
check_images (const char      *data_dir,
              OsaisStoreCheck *check,
              GHashTable      *names)
{
  g_autofree char *images_dir = g_build_filename (data_dir, IMAGES_DIR, NULL);
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *job_name;

  while (dir != NULL && (job_name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *job_path = g_build_filename (images_dir, job_name, NULL);
      g_autoptr(GDir) job_dir = NULL;
      const char *name;

      if (!g_file_test (job_path, G_FILE_TEST_IS_DIR))
        {
          if (names != NULL)
            g_ptr_array_add (check->orphans, g_build_filename (IMAGES_DIR, job_name, NULL));
          continue;
        }

      job_dir = g_dir_open (job_path, 0, NULL);
      while (job_dir != NULL && (name = g_dir_read_name (job_dir)) != NULL)
        {
          g_autofree char *relative = g_build_filename (IMAGES_DIR, job_name, name, NULL);
          g_autofree char *path = g_build_filename (data_dir, relative, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          if (is_temp_image_name (name))
            g_ptr_array_add (check->leftovers, g_steal_pointer (&relative));
          else if (names != NULL && !g_hash_table_contains (names, relative))
            g_ptr_array_add (check->orphans, g_steal_pointer (&relative));
        }
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* Moves @relative into lost+found/, under the same relative path, with a
 * number added if that name is taken; returns where it went. */
static char *
move_to_lost_and_found (const char  *data_dir,
                        const char  *relative,
                        GError     **error)
{
  g_autofree char *from = g_build_filename (data_dir, relative, NULL);
  g_autofree char *target = g_build_filename (LOST_AND_FOUND_DIR, relative, NULL);
  g_autofree char *to = g_build_filename (data_dir, target, NULL);
  g_autofree char *to_dir = g_path_get_dirname (to);
  int saved_errno;

  for (guint n = 2; file_exists (to); n++)
    {
      g_free (target);
      g_free (to);
      target = g_strdup_printf ("%s/%s.%u", LOST_AND_FOUND_DIR, relative, n);
      to = g_build_filename (data_dir, target, NULL);
    }

  if (g_mkdir_with_parents (to_dir, 0700) != 0 || g_rename (from, to) != 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot move %s to %s: %s", from, to, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&target);
}

OsaisStoreCheck *
osais_store_check (const char  *data_dir,
                   gboolean     repair,
                   GError     **error)
{
  g_autoptr(OsaisStoreCheck) check = NULL;
  g_autoptr(GHashTable) names = NULL;
  int lock_fd;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "There is no data folder %s", data_dir);
      return NULL;
    }

  /* Without it, a file being written would look like a crash's leftover. */
  lock_fd = lock_data_dir_exclusive (data_dir, error);
  if (lock_fd < 0)
    return NULL;

  check = g_new0 (OsaisStoreCheck, 1);
  check->missing = g_ptr_array_new_with_free_func (g_free);
  check->orphans = g_ptr_array_new_with_free_func (g_free);
  check->leftovers = g_ptr_array_new_with_free_func (g_free);
  check->moved = g_ptr_array_new_with_free_func (g_free);

  if (!check_history (data_dir, check, &names, error))
    goto failed;

  if (names != NULL)
    {
      GHashTableIter iter;
      const char *name;

      g_hash_table_iter_init (&iter, names);
      while (g_hash_table_iter_next (&iter, (gpointer *)&name, NULL))
        {
          g_autofree char *path = g_build_filename (data_dir, name, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add (check->missing, g_strdup (name));
        }
    }
  check_images (data_dir, check, names);
  g_ptr_array_sort (check->missing, compare_paths);
  g_ptr_array_sort (check->orphans, compare_paths);
  g_ptr_array_sort (check->leftovers, compare_paths);

  for (guint i = 0; repair && i < check->orphans->len + check->leftovers->len; i++)
    {
      const char *relative = i < check->orphans->len ?
                             g_ptr_array_index (check->orphans, i) :
                             g_ptr_array_index (check->leftovers, i - check->orphans->len);
      char *moved = move_to_lost_and_found (data_dir, relative, error);

      if (moved == NULL)
        goto failed;
      g_ptr_array_add (check->moved, moved);
    }

  close (lock_fd);

  return g_steal_pointer (&check);

failed:
  close (lock_fd);

  return NULL;
}

char *
osais_store_move_aside (const char  *data_dir,
                        GError     **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *path = NULL;
  g_autofree char *moved_path = NULL;
  g_autofree char *images = NULL;
  g_autofree char *moved_images = NULL;
  g_autofree char *stamp = NULL;
  g_autoptr(GDateTime) now = NULL;
  gboolean anything = FALSE;
  int saved_errno;
  int lock_fd;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lock_fd = lock_data_dir_exclusive (data_dir, error);
  if (lock_fd < 0)
    return NULL;

  path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  moved_path = g_strdup_printf ("%s.moved-aside-%s", path, stamp);
  for (guint n = 2; file_exists (moved_path); n++)
    {
      g_free (moved_path);
      moved_path = g_strdup_printf ("%s.moved-aside-%s-%u", path, stamp, n);
    }

  /* The database first: a log left without it is refused at opening,
   * where a database left without its log would lose what is in it. The
   * log keeps its name's relation to the database, so that they still open
   * together. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = database_file (path, suffixes[i]);
      g_autofree char *to = database_file (moved_path, suffixes[i]);

      if (!file_exists (from))
        continue;
      if (g_rename (from, to) != 0)
        {
          saved_errno = errno;
          g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                       "Cannot move %s aside to %s: %s", from, to, g_strerror (saved_errno));
          close (lock_fd);
          return NULL;
        }
      anything = TRUE;
    }

  if (!anything)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "There is no history to move aside in %s", data_dir);
      close (lock_fd);
      return NULL;
    }

  /* The images belong to the history moved aside: they go with it. */
  images = g_build_filename (data_dir, IMAGES_DIR, NULL);
  moved_images = g_strconcat (images, moved_path + strlen (path), NULL);
  if (file_exists (images) && g_rename (images, moved_images) != 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot move %s aside to %s: %s", images, moved_images,
                   g_strerror (saved_errno));
      close (lock_fd);
      return NULL;
    }

  if (!fsync_directory (data_dir, error))
    g_clear_pointer (&moved_path, g_free);
  close (lock_fd);

  return g_steal_pointer (&moved_path);
}

/* Search and favourites (schema 4). */

void
osais_store_search_async (OsaisStore             *self,
                          const OsaisSearchQuery *query,
                          GCancellable           *cancellable,
                          GAsyncReadyCallback     callback,
                          gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (query != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_search_async);
  g_task_set_name (task, "[osais-store] search");
  g_task_set_task_data (task, osais_search_query_copy (query),
                        (GDestroyNotify) osais_search_query_free);

  g_mutex_lock (&self->mutex);
  if (self->search_reader != NULL)
    osais_search_reader_run (self->search_reader, task);
  else
    g_task_return_new_error (task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                             "The store is closed");
  g_mutex_unlock (&self->mutex);
}

OsaisSearchResult *
osais_store_search_finish (OsaisStore    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_store_search_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
osais_store_set_favourite_async (OsaisStore          *self,
                                 OsaisImage          *image,
                                 gboolean             favourite,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (OSAIS_IS_IMAGE (image));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = op_new (self, OP_SET_FAVOURITE, osais_store_set_favourite_async,
               cancellable, callback, user_data);
  op->uid = osais_image_get_uid (image);
  op->hash = g_strdup (osais_image_get_hash (image));
  op->favourite = !!favourite;
  submit (self, op);
}

gboolean
osais_store_set_favourite_finish (OsaisStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_set_favourite_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

OsaisImage *
osais_store_lookup_image (OsaisStore *self,
                          gint64      id)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  /* Rare (a command line's argument): no index of its own to keep. */
  for (guint i = 0; id > 0 && i < self->jobs->len; i++)
    {
      GListModel *images = osais_job_get_images (g_ptr_array_index (self->jobs, i));
      guint n = g_list_model_get_n_items (images);

      for (guint j = 0; j < n; j++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, j);

          if (osais_image_get_id (image) == id)
            return image;
        }
    }

  return NULL;
}

gboolean
osais_store_get_history_loaded (OsaisStore *self)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);

  return self->history_loaded;
}
