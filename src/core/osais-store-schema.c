/* osais-store-schema.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema and its migrations, checking and opening the database, and
 * loading the history in pages and the early callbacks a previous run kept.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

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

/* Schema 5: the jobs the user stopped waiting for (osais_store_set_dismissed_async()). */
static const char migrate_4_to_5_sql[] =
  "ALTER TABLE jobs ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;"
  "CREATE INDEX jobs_dismissed ON jobs (uid) WHERE dismissed = 1;"
  "PRAGMA user_version = 5;";

G_STATIC_ASSERT (SCHEMA_VERSION == 5);

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

/* The database's schema version; a newer one than ours is refused. */
static gboolean
check_version (sqlite3     *db,
               const char  *path,
               int         *version,
               GError     **error)
{
  if (!query_int (db, "PRAGMA user_version", version))
    {
      if (sqlite3_errcode (db) == SQLITE_NOTADB || sqlite3_errcode (db) == SQLITE_CORRUPT)
        set_damaged_error (error, path, sqlite3_errmsg (db));
      else
        osais_store_set_sqlite_error (error, db, "Cannot read the history database");
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

  return TRUE;
}

/* SQLite's check of every page (@full: and of every index's entries).
 * Nothing here writes. */
gboolean
osais_store_check_integrity (sqlite3     *db,
                             const char  *path,
                             gboolean     full,
                             GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *result = NULL;
  int rc;

  /* Opening makes do with the quick check, which reads every page once. */
  if (sqlite3_prepare_v2 (db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_damaged_error (error, path, sqlite3_errmsg (db));
      return FALSE;
    }

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result = osais_store_dup_column_text (stmt, 0);
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

/* Checks the database before anything writes to it: the version first (a
 * newer schema is not ours to judge), then its integrity. Nothing here
 * writes, so a damaged or newer file stays byte for byte as it was. */
gboolean
osais_store_check_database (sqlite3     *db,
                            const char  *path,
                            gboolean     full,
                            int         *version,
                            GError     **error)
{
  return check_version (db, path, version, error) &&
         osais_store_check_integrity (db, path, full, error);
}

/* The name of a file beside the database: its "-wal" or "-shm". */
char *
osais_store_database_file (const char *path,
                           const char *suffix)
{
  return g_strconcat (path, suffix, NULL);
}

gboolean
osais_store_file_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Removes a folder of plain files that we made. */
void
osais_store_remove_scratch_dir (const char *path)
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

/* Copies the database, and the write-ahead log beside it if any, into a
 * new folder beside it (*@scratch, for osais_store_remove_scratch_dir()); returns the
 * copy's path. */
char *
osais_store_copy_database (const char  *path,
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
      g_autofree char *from_path = osais_store_database_file (path, suffix);
      g_autofree char *to_path = osais_store_database_file (copy, suffix);
      g_autoptr(GFile) from = g_file_new_for_path (from_path);
      g_autoptr(GFile) to = g_file_new_for_path (to_path);
      g_autoptr(GError) local_error = NULL;

      if (i > 0 && !osais_store_file_exists (from_path))
        continue;
      if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &local_error))
        {
          g_set_error (error, OSAIS_STORE_ERROR,
                       g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ?
                       OSAIS_STORE_ERROR_DISK_FULL : OSAIS_STORE_ERROR_IO,
                       "Cannot check the history database %s: cannot copy it to check the "
                       "copy: %s", path, local_error->message);
          osais_store_remove_scratch_dir (dir);
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
  g_autofree char *copy = osais_store_copy_database (path, &scratch, error);
  sqlite3 *db = NULL;
  gboolean ok = FALSE;

  if (copy == NULL)
    return FALSE;

  if (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    osais_store_set_sqlite_error (error, db, "Cannot check the history database");
  else
    ok = osais_store_check_database (db, path, FALSE, version, error);

  sqlite3_close (db);
  osais_store_remove_scratch_dir (scratch);

  return ok;
}

/* What SQLite itself would destroy: a database file that is empty or gone
 * while its write-ahead log is there (SQLite deletes the log, and with it
 * every transaction not yet copied into the database). An empty file is not
 * a new history either: we never leave one, and images may be named by the
 * history it was. Refused, like a damaged database, and left as it is. */
gboolean
osais_store_check_database_file (const char  *path,
                                 GError     **error)
{
  g_autofree char *wal = osais_store_database_file (path, "-wal");
  GStatBuf buf;

  if (g_stat (path, &buf) == 0)
    {
      if (buf.st_size == 0)
        {
          set_damaged_error (error, path, "the file is empty: 0 bytes");
          return FALSE;
        }
    }
  else if (errno == ENOENT && osais_store_file_exists (wal))
    {
      set_damaged_error (error, path, "it is missing, but its write-ahead log is there");
      return FALSE;
    }

  return TRUE;
}

/* Whether the connection's database is in WAL mode already, so that
 * setting the mode writes nothing. */
static gboolean
is_wal (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gboolean wal = FALSE;

  if (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);

  return wal;
}

/* Opens the database, after checking it: on a copy @after_crash (see
 * check_copy()). With @may_defer_check, the integrity check, which reads
 * every page (0.1 s warm, over 1 s cold at 100,000 images), is left to the
 * caller when opening writes nothing: a history at our schema, in WAL mode,
 * not left by a crash. Then *@check_deferred is TRUE, and the caller must
 * run osais_store_check_integrity() before anything writes to it. */
sqlite3 *
osais_store_open_database (const char  *path,
                           gboolean     after_crash,
                           gboolean     may_defer_check,
                           gboolean    *check_deferred,
                           GError     **error)
{
  gboolean checked = FALSE;
  sqlite3 *db = NULL;
  int version = 0;

  *check_deferred = FALSE;

  if (!osais_store_check_database_file (path, error))
    return NULL;

  if (after_crash && osais_store_file_exists (path))
    {
      if (!check_copy (path, &version, error))
        return NULL;
      checked = TRUE;
    }

  if (sqlite3_open_v2 (path, &db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      osais_store_set_sqlite_error (error, db, "Cannot open the history database");
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_extended_result_codes (db, FALSE);
  /* Another instance on the same folder waits its turn rather than fail. */
  sqlite3_busy_timeout (db, 5000);

  if (!checked)
    {
      if (!check_version (db, path, &version, error))
        {
          sqlite3_close (db);
          return NULL;
        }
      *check_deferred = may_defer_check && version == SCHEMA_VERSION && is_wal (db);
      if (!*check_deferred && !osais_store_check_integrity (db, path, FALSE, error))
        {
          sqlite3_close (db);
          return NULL;
        }
    }

  if (!osais_store_exec_sql (db,
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
                          * one way to schema 4 and 5, tested by every test. */
                         version <= 3 ? migrate_3_to_4_sql : "",
                         migrate_4_to_5_sql,
                         "COMMIT;", NULL);
      if (!osais_store_exec_sql (db, sql, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          sqlite3_close (db);
          return NULL;
        }
    }

  return db;
}

/* The job in a row of JOB_COLUMNS. */
JobSnapshot *
osais_store_snapshot_new_from_row (sqlite3_stmt *stmt)
{
  JobSnapshot *snapshot = g_atomic_rc_box_new0 (JobSnapshot);
  int stage = sqlite3_column_int (stmt, 4);

  if (stage < OSAIS_STAGE_ERROR || stage > OSAIS_STAGE_FINISHED)
    stage = OSAIS_STAGE_REQUEST_SENT;

  snapshot->stage = stage;
  snapshot->cycle = MAX (0, sqlite3_column_int (stmt, 5));
  snapshot->description = osais_store_dup_column_text (stmt, 6);
  snapshot->cost = MAX (-1, sqlite3_column_int64 (stmt, 7));
  snapshot->error_message = osais_store_dup_column_text (stmt, 8);
  snapshot->updated = sqlite3_column_int64 (stmt, 10);
  snapshot->announced_images = MAX (0, sqlite3_column_int (stmt, 11));
  snapshot->dismissed = sqlite3_column_int (stmt, 12) != 0;

  return snapshot;
}

/* The image in a row of IMAGE_COLUMNS, or NULL if the row names none. */
OsaisImage *
osais_store_image_new_from_row (OsaisStore   *self,
                                sqlite3_stmt *stmt)
{
  const char *path = (const char *)sqlite3_column_text (stmt, 2);
  const char *hash = (const char *)sqlite3_column_text (stmt, 5);

  if (path == NULL || hash == NULL)
    return NULL;

  return osais_image_new_stored (self->data_dir, path,
                                 sqlite3_column_int64 (stmt, 0),
                                 MAX (0, sqlite3_column_int (stmt, 1)),
                                 sqlite3_column_int64 (stmt, 3),
                                 (const char *)sqlite3_column_text (stmt, 4),
                                 hash,
                                 sqlite3_column_int (stmt, 6),
                                 sqlite3_column_int (stmt, 7),
                                 sqlite3_column_int64 (stmt, 8),
                                 MAX (0, sqlite3_column_int64 (stmt, 9)),
                                 sqlite3_column_int (stmt, 10) != 0);
}

/* Paged loading -----------------------------------------------------------
 *
 * A window opened on 100,000 images must not wait for all of them: the
 * asynchronous opening reads the newest jobs until they make a first screen
 * (FIRST_PAGE_ITEMS), returns, and the writer thread reads the rest,
 * PAGE_JOBS at a time, newest first, before it writes anything; each page
 * is appended to the list model on the main context (items-changed at its
 * end). Callbacks wait meanwhile: the file threads for `loading` to end,
 * the writer's queue until the writer is done. A page is a range of the
 * jobs_by_created index from a key (created, uid), and one lookup of the
 * images' (uid, sha256) index per job, so it costs the same at any depth of
 * the history. */

/* A first screen, counted in the gallery's tiles (a job's images, or its
 * card): a 1400×900 window shows about 12, a large one with the grid's 4
 * columns under 30. Every item of the first page gets a cell of the grid
 * before the first frame, so a page counted in jobs made that frame's work
 * grow with the jobs' sizes: 16 jobs of 5 images (80 cells) cost the main
 * thread 11–76 ms more, to the first thumbnail, than 32 tiles (medians of
 * two series of 6 alternated starts at 100,000 images, load 10). The jobs
 * cap bounds the reading when the newest jobs show nothing (dismissed). */
#define FIRST_PAGE_ITEMS OSAIS_STORE_FIRST_PAGE_ITEMS
#define FIRST_PAGE_JOBS  64
#define PAGE_JOBS        1000
#define APPLY_CHUNK_JOBS 200

/* The tiles the gallery shows for @job: each image, or one card; none for
 * a dismissed job. A card beside images is not counted: this sizes a page. */
static guint
job_items (OsaisJob *job)
{
  if (osais_job_get_dismissed (job))
    return 0;

  return MAX (1, g_list_model_get_n_items (osais_job_get_images (job)));
}

/* Reads up to @limit jobs older than the page key, or fewer once they show
 * @limit_items, with their images, into @page (newest first) and the
 * writer's states, and moves the key past them. Sets @done when no older
 * job is left. */
static gboolean
load_page (OsaisStore  *self,
           guint        limit,
           guint        limit_items,
           GPtrArray   *page,
           gboolean    *done,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3_stmt *images = NULL;
  guint n = 0;
  guint n_items = 0;
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
      osais_store_set_sqlite_error (error, self->db, "Cannot read the history");
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
      g_autoptr(GDateTime) created_dt = osais_store_date_time_from_usec (created);
      const char *token = (const char *)sqlite3_column_text (stmt, 1);
      JobSnapshot *snapshot = osais_store_snapshot_new_from_row (stmt);
      OsaisJob *job;
      int images_rc;

      job = g_object_new (OSAIS_TYPE_JOB,
                          "uid", uid,
                          "token", token != NULL ? token : "",
                          "engine", (const char *)sqlite3_column_text (stmt, 2),
                          "parameters", (const char *)sqlite3_column_text (stmt, 3),
                          "created", created_dt,
                          NULL);
      osais_store_apply_snapshot (job, snapshot);
      osais_store_snapshot_unref (snapshot);

      sqlite3_reset (images);
      sqlite3_bind_int64 (images, 1, uid);
      while ((images_rc = sqlite3_step (images)) == SQLITE_ROW)
        {
          OsaisImage *image = osais_store_image_new_from_row (self, images);

          if (image == NULL)
            continue;
          osais_job_add_image (job, image);
          g_object_unref (image);
        }

      g_ptr_array_add (page, job);
      self->last_created = MAX (self->last_created, created);
      self->page_created = created;
      self->page_uid = uid;
      n++;
      n_items += job_items (job);

      if (images_rc != SQLITE_DONE)
        {
          rc = images_rc;
          break;
        }
      if (n_items >= limit_items)
        break;
    }

  sqlite3_finalize (stmt);
  sqlite3_finalize (images);

  if (rc != SQLITE_DONE && !(rc == SQLITE_ROW && n_items >= limit_items))
    {
      osais_store_set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  /* A page cut short by its items may have been the last: the next says. */
  *done = rc == SQLITE_DONE && n < limit;

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
      g_hash_table_insert (self->jobs_by_uid, osais_store_int64_key_new (osais_job_get_uid (job)), job);
    }
  g_ptr_array_remove_range (self->pending_jobs, 0, n);

  /* Every page handed over is in the list: the writer may read one more. */
  if (self->pending_jobs->len == 0)
    {
      g_mutex_lock (&self->mutex);
      self->pages_in_flight = 0;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);
    }

  g_list_model_items_changed (G_LIST_MODEL (self), old, 0, n);
}

static void
end_pending (OsaisStore *self)
{
  if (self->pending_jobs->len > 0 || !self->pending_complete || self->history_loaded)
    return;

  g_debug ("Loaded the whole history: %u jobs", self->jobs->len);
  self->history_loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), osais_store_properties[PROP_HISTORY_LOADED]);
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

void
osais_store_schedule_pending (OsaisStore *self)
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
void
osais_store_flush_pending (OsaisStore *self)
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
  osais_store_schedule_pending (self);

  return G_SOURCE_REMOVE;
}

static void
hand_page (OsaisStore *self,
           GPtrArray  *page)
{
  PageDone *done = g_new0 (PageDone, 1);

  if (page != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->pages_in_flight++;
      g_mutex_unlock (&self->mutex);
    }
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
      GPtrArray *page;
      gboolean closing;

      /* Paced by the main context: a page is read once the last one is in
       * the list, which it takes in chunks below drawing's priority. So
       * the reading of a long history does not take a core from the first
       * frames, and what waits for the list is one page. Not while
       * callbacks wait: they are checked against the whole history, so
       * the rest is then read flat out. */
      g_mutex_lock (&self->mutex);
      while (self->pages_in_flight > 0 && !self->closing && self->queue->len == 0)
        g_cond_wait (&self->cond, &self->mutex);
      g_mutex_unlock (&self->mutex);

      page = g_ptr_array_new_with_free_func (g_object_unref);
      if (!load_page (self, PAGE_JOBS, G_MAXUINT, page, &done, &error))
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

  g_debug ("Read the rest of the history in %.1f ms", (g_get_monotonic_time () - begin) / 1000.0);
  end_loading (self);
  hand_page (self, NULL);
}

/* The integrity check left by the opening -------------------------------
 *
 * The asynchronous opening returns with the first page without waiting
 * for the check (it reads every page of the file); the writer runs it
 * first, before its first transaction, and the file threads wait for it as
 * for the history's reading (`loading`). Damage found then is the store's
 * `damage`; the writer writes nothing after it, and fails every write. */

static GMutex hold_mutex;
static GCond hold_cond;
static gboolean hold;

void
osais_store_hold_checks (gboolean held)
{
  g_mutex_lock (&hold_mutex);
  hold = held;
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_mutex);
}

void
osais_store_wake_held_checks (void)
{
  g_mutex_lock (&hold_mutex);
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_mutex);
}

typedef struct
{
  OsaisStore *self;
  GError     *damage;
} DamageFound;

static void
damage_found_free (DamageFound *found)
{
  g_object_unref (found->self);
  g_clear_error (&found->damage);
  g_free (found);
}

static gboolean
damage_found_cb (gpointer data)
{
  DamageFound *found = data;
  OsaisStore *self = found->self;

  if (self->damage != NULL)
    return G_SOURCE_REMOVE;
  self->damage = g_steal_pointer (&found->damage);
  g_object_notify_by_pspec (G_OBJECT (self), osais_store_properties[PROP_DAMAGE]);

  return G_SOURCE_REMOVE;
}

/* Whether the store closes with no write waiting for the check: then the
 * check, which may read the whole file for a second or more, need not run.
 * Nothing can be queued once the store closes. */
static gboolean
closing_with_nothing_queued (OsaisStore *self)
{
  gboolean stop;

  g_mutex_lock (&self->mutex);
  stop = self->closing && self->queue->len == 0;
  g_mutex_unlock (&self->mutex);

  return stop;
}

/* Whether the writer goes on: FALSE if the history is damaged, or if the
 * check stopped because the store closes. */
static gboolean
run_deferred_check (OsaisStore *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, DATABASE_NAME, NULL);
  GError *error = NULL;
  DamageFound *found;
  gboolean checked;
  gboolean stopped;
  gint64 begin;

  g_mutex_lock (&hold_mutex);
  while (hold && !closing_with_nothing_queued (self))
    g_cond_wait (&hold_cond, &hold_mutex);
  g_mutex_unlock (&hold_mutex);

  /* osais_store_close() interrupts the check while it runs (stopped), if
   * no write waits for it. */
  g_mutex_lock (&self->mutex);
  stopped = self->closing && self->queue->len == 0;
  self->in_check = !stopped;
  g_mutex_unlock (&self->mutex);

  begin = g_get_monotonic_time ();
  checked = !stopped && osais_store_check_integrity (self->db, path, FALSE, &error);

  g_mutex_lock (&self->mutex);
  self->in_check = FALSE;
  stopped |= self->check_interrupted;
  g_mutex_unlock (&self->mutex);

  if (checked)
    {
      g_debug ("Checked %s in %.1f ms", path, (g_get_monotonic_time () - begin) / 1000.0);
      return TRUE;
    }
  if (stopped)
    {
      /* Nothing was found, and nothing is written before the next opening,
       * which checks again. */
      g_debug ("The check of %s stopped after %.1f ms: the store closes", path,
               (g_get_monotonic_time () - begin) / 1000.0);
      g_clear_error (&error);
      return FALSE;
    }

  g_debug ("%s", error->message);
  self->writer_damage = g_error_copy (error);
  self->broken = TRUE;
  found = g_new0 (DamageFound, 1);
  found->self = g_object_ref (self);
  found->damage = error;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, damage_found_cb, found,
                              (GDestroyNotify) damage_found_free);

  return FALSE;
}

/* The writer thread's first work: what the asynchronous opening left. */
void
osais_store_finish_opening (OsaisStore *self)
{
  g_autoptr(GError) error = NULL;

  if (self->check_pending)
    {
      self->check_pending = FALSE;
      if (!run_deferred_check (self))
        {
          /* Nothing more is read: the rest of the list stays unread. */
          end_loading (self);
          return;
        }
      /* Not fatal: each grace then restarts at the next opening. */
      if (!osais_store_settle_early (self, &error))
        g_debug ("Cannot write the early callbacks' grace: %s", error->message);
    }

  if (self->rest_to_load)
    load_rest (self);
  else if (self->loading)
    end_loading (self);
}

/* Reads the first page (or, @whole, every page) of the history into the
 * list; in the first case the writer reads the rest when it starts. */
gboolean
osais_store_load_history_pages (OsaisStore  *self,
                                gboolean     whole,
                                GError     **error)
{
  gboolean done = FALSE;

  self->page_created = G_MAXINT64;
  self->page_uid = G_MAXINT64;

  do
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);

      if (!load_page (self, whole ? PAGE_JOBS : FIRST_PAGE_JOBS,
                      whole ? G_MAXUINT : FIRST_PAGE_ITEMS, page, &done, error))
        return FALSE;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (self->pending_jobs, g_object_ref (g_ptr_array_index (page, i)));
      apply_pending_jobs (self, self->pending_jobs->len);
    }
  while (whole && !done);

  self->loading = !done;
  self->rest_to_load = !done;
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
gboolean
osais_store_read_early_rows (OsaisStore  *self,
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
      osais_store_set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 3);
      const char *path = (const char *) sqlite3_column_text (stmt, 9);
      Op *op = g_new0 (Op, 1);

      op->early_id = sqlite3_column_int64 (stmt, 0);
      op->uid = sqlite3_column_int64 (stmt, 1);
      op->token = osais_store_dup_column_text (stmt, 2);
      op->kind = g_strcmp0 (kind, "image") == 0 ? OP_ADD_IMAGE : OP_NOTIFY;
      /* Applied later, it holds the stored image as any image op does. */
      if (op->kind == OP_ADD_IMAGE)
        op->result_destroy = g_object_unref;
      op->stage = CLAMP (sqlite3_column_int (stmt, 4), OSAIS_STAGE_ERROR, OSAIS_STAGE_FINISHED);
      op->cycle = MAX (0, sqlite3_column_int (stmt, 5));
      op->filename = osais_store_dup_column_text (stmt, 6);
      op->descr = osais_store_dup_column_text (stmt, 7);
      op->cost = sqlite3_column_int64 (stmt, 8);
      op->size = sqlite3_column_int64 (stmt, 10);
      op->content_type = osais_store_dup_column_text (stmt, 11);
      op->hash = osais_store_dup_column_text (stmt, 12);
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
      osais_store_set_sqlite_error (error, self->db, "Cannot read the history");
      return FALSE;
    }

  return TRUE;
}

gboolean
osais_store_load_early (OsaisStore  *self,
                        GError     **error)
{
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 expires = g_get_real_time () + (gint64) self->early_grace * G_USEC_PER_SEC;

  if (!osais_store_read_early_rows (self, expires, named, error))
    return FALSE;
  self->n_early = self->early->len;

  return TRUE;
}

/* What osais_store_load_early() read, written back: each early callback's
 * end of grace, so that the grace counts once across restarts; and the
 * files in images/early/ that no row names go. A write: after the
 * integrity check. */
gboolean
osais_store_settle_early (OsaisStore  *self,
                          GError     **error)
{
  g_autoptr(GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!osais_store_exec_sql (self->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < self->early->len; i++)
    {
      Op *op = g_ptr_array_index (self->early, i);
      sqlite3_stmt *update = self->stmts[STMT_SET_EARLY_EXPIRES];

      if (op->early_path != NULL)
        g_hash_table_add (named, g_path_get_basename (op->early_path));
      sqlite3_bind_int64 (update, 1, op->early_id);
      sqlite3_bind_int64 (update, 2, op->expires);
      if (!osais_store_step_statement (self, update, error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  if (!osais_store_exec_sql (self->db, "COMMIT", error))
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
