/* osais-search.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSearch"

#include <sqlite3.h>

#include "osais-search.h"
#include "osais-store-error.h"

/* More words than anyone types; a pasted page would only make FTS5 work. */
#define MAX_WORDS 32

/* A search that runs this many SQLite instructions checks whether it was
 * cancelled: typing on makes the previous keystroke's search useless. */
#define PROGRESS_STEPS 1000

OsaisSearchQuery *
osais_search_query_copy (const OsaisSearchQuery *query)
{
  OsaisSearchQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = g_memdup2 (query, sizeof *query);
  copy->text = g_strdup (query->text);
  copy->engine = g_strdup (query->engine);

  return copy;
}

void
osais_search_query_free (OsaisSearchQuery *query)
{
  if (query == NULL)
    return;

  g_free (query->text);
  g_free (query->engine);
  g_free (query);
}

static OsaisSearchResult *
osais_search_result_new (void)
{
  OsaisSearchResult *result = g_new0 (OsaisSearchResult, 1);

  result->job_uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  result->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  return result;
}

void
osais_search_result_free (OsaisSearchResult *result)
{
  if (result == NULL)
    return;

  g_clear_pointer (&result->job_uids, g_array_unref);
  g_clear_pointer (&result->image_ids, g_array_unref);
  g_free (result);
}

guint
osais_search_result_get_n_jobs (const OsaisSearchResult *result)
{
  g_return_val_if_fail (result != NULL, 0);

  return result->job_uids->len;
}

guint
osais_search_result_get_n_images (const OsaisSearchResult *result)
{
  g_return_val_if_fail (result != NULL, 0);

  return result->image_ids->len;
}

/* Whether @c belongs to a word: what FTS5's unicode61 tokenizer keeps in a
 * token (letters, numbers, and the marks it folds away with diacritics).
 * Everything else separates words, as it does there. */
static gboolean
is_word_char (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_PRIVATE_USE:
      return TRUE;
    default:
      return FALSE;
    }
}

char *
osais_search_build_match (const char *text)
{
  g_autoptr(GString) match = NULL;
  g_autoptr(GString) word = g_string_new (NULL);
  const char *p;
  guint n_words = 0;
  gboolean last_complete = TRUE;

  if (text == NULL)
    return NULL;

  /* Invalid UTF-8 is cut where it starts: what comes after is not text. */
  match = g_string_new (NULL);
  for (p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = *p != '\0' ? g_utf8_get_char_validated (p, -1) : 0;
      gboolean end = c == 0 || c == (gunichar) -1 || c == (gunichar) -2;

      if (!end && is_word_char (c))
        {
          g_string_append_unichar (word, c);
          last_complete = FALSE;
          continue;
        }

      if (word->len > 0 && n_words < MAX_WORDS)
        {
          if (match->len > 0)
            g_string_append_c (match, ' ');
          /* A string in double quotes is only text to FTS5; a quote in it
           * is doubled (none can be there: belt and braces). */
          g_string_append_c (match, '"');
          for (const char *w = word->str; *w != '\0'; w++)
            {
              if (*w == '"')
                g_string_append_c (match, '"');
              g_string_append_c (match, *w);
            }
          g_string_append_c (match, '"');
          n_words++;
          /* The word being typed: a prefix. */
          if (end && !last_complete)
            g_string_append_c (match, '*');
        }
      g_string_truncate (word, 0);
      last_complete = TRUE;

      if (end)
        break;
    }

  if (match->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&match), FALSE);
}

/* The reader. */

struct _OsaisSearchReader
{
  char        *db_path;
  GThreadPool *pool;
  /* The pool's thread alone uses these. */
  sqlite3     *db;
};

static int
progress_cb (void *user_data)
{
  GCancellable *cancellable = user_data;

  /* Non-zero interrupts the statement (SQLITE_INTERRUPT). */
  return g_cancellable_is_cancelled (cancellable);
}

static gboolean
open_connection (OsaisSearchReader  *reader,
                 GError            **error)
{
  if (reader->db != NULL)
    return TRUE;

  /* Never creates: the store made the history before it made the reader. */
  if (sqlite3_open_v2 (reader->db_path, &reader->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec (reader->db, "PRAGMA query_only = ON", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot search the history: %s",
                   reader->db != NULL ? sqlite3_errmsg (reader->db) : "out of memory");
      g_clear_pointer (&reader->db, sqlite3_close);
      return FALSE;
    }
  sqlite3_extended_result_codes (reader->db, FALSE);
  sqlite3_busy_timeout (reader->db, 5000);
  /* The pages a search walks (the jobs' and images' indexes, the text
   * index) stay in this connection's cache from one keystroke to the next,
   * until the writer commits: 16 MiB holds them for 100,000 images, where
   * SQLite's default 2 MiB read them again from the kernel each time. */
  sqlite3_exec (reader->db, "PRAGMA cache_size = -16384", NULL, NULL, NULL);

  return TRUE;
}

/* The statement for @query. Each job comes with its images (LEFT JOIN: a
 * job without one still matches), walked in the gallery's order through
 * jobs_by_created and images_by_job, so that nothing is sorted. The unary
 * + keeps SQLite from starting with the text's matches, which it would then
 * sort: with 100,000 images, the first letter typed matches half the
 * history, and walking every job in order while looking each one up in the
 * matches took a third of the time (tests/bench: bench-search); a narrow
 * search costs a walk of the jobs' index, a few milliseconds. */
static char *
build_sql (const OsaisSearchQuery *query,
           gboolean                has_match)
{
  GString *sql = g_string_new ("SELECT j.uid, i.id FROM jobs AS j");

  if (query->favourites_only)
    g_string_append (sql, " JOIN images AS i ON i.uid = j.uid AND i.favourite = 1");
  else
    g_string_append (sql, " LEFT JOIN images AS i ON i.uid = j.uid");
  /* Not "j.dismissed = 0": the jobs' rows would be read for it, where the
   * walk of jobs_by_created needs none; the few dismissed jobs come from
   * their own partial index, once. */
  g_string_append (sql, " WHERE j.uid NOT IN (SELECT uid FROM jobs WHERE dismissed = 1)");
  if (has_match)
    g_string_append (sql, " AND +j.uid IN (SELECT rowid FROM job_text WHERE job_text MATCH ?1)");
  if (query->engine != NULL)
    g_string_append (sql, " AND j.engine = ?2");
  if (query->since != 0)
    g_string_append (sql, " AND j.created >= ?3");
  if (query->until != 0)
    g_string_append (sql, " AND j.created < ?4");
  if (query->failed_only)
    g_string_append (sql, " AND j.stage = -1");
  if (query->running_only)
    g_string_append (sql, " AND j.stage BETWEEN 0 AND 4");
  g_string_append (sql, " ORDER BY j.created DESC, j.uid DESC, i.received, i.id");

  return g_string_free (sql, FALSE);
}

static OsaisSearchResult *
run_search (OsaisSearchReader       *reader,
            const OsaisSearchQuery  *query,
            GCancellable            *cancellable,
            GError                 **error)
{
  g_autoptr(OsaisSearchResult) result = osais_search_result_new ();
  g_autofree char *match = osais_search_build_match (query->text);
  g_autofree char *sql = build_sql (query, match != NULL);
  sqlite3_stmt *stmt = NULL;
  gint64 last_uid = 0;
  gboolean first = TRUE;
  int rc;

  if (!open_connection (reader, error))
    return NULL;

  if (sqlite3_prepare_v2 (reader->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot search the history: %s", sqlite3_errmsg (reader->db));
      return NULL;
    }
  if (match != NULL)
    sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  if (query->engine != NULL)
    sqlite3_bind_text (stmt, 2, query->engine, -1, SQLITE_STATIC);
  if (query->since != 0)
    sqlite3_bind_int64 (stmt, 3, query->since);
  if (query->until != 0)
    sqlite3_bind_int64 (stmt, 4, query->until);

  sqlite3_progress_handler (reader->db, PROGRESS_STEPS, progress_cb, cancellable);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);

      if (first || uid != last_uid)
        g_array_append_val (result->job_uids, uid);
      first = FALSE;
      last_uid = uid;
      if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
        {
          gint64 id = sqlite3_column_int64 (stmt, 1);

          g_array_append_val (result->image_ids, id);
        }
    }
  sqlite3_progress_handler (reader->db, 0, NULL, NULL);
  sqlite3_finalize (stmt);

  if (rc == SQLITE_INTERRUPT || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The search was cancelled");
      return NULL;
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot search the history: %s", sqlite3_errmsg (reader->db));
      return NULL;
    }

  return g_steal_pointer (&result);
}

/* What a search reads, read once: the connection opened (the schema
 * parsed), then the pages of the walk of every job and image and of the
 * text index, into the connection's cache. The first search after the
 * store opened took 31-33 ms instead of 1.4 (bench-search, a quiet
 * machine): done while the user opens the search bar, the first letter
 * costs what the others do. */
static gboolean
prepare (OsaisSearchReader  *reader,
         GCancellable       *cancellable,
         GError            **error)
{
  static const OsaisSearchQuery everything = { 0 };
  g_autofree char *sql = build_sql (&everything, FALSE);
  const char *statements[] = { sql, "SELECT block FROM job_text_data" };

  if (!open_connection (reader, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      sqlite3_stmt *stmt = NULL;
      int rc;

      if (sqlite3_prepare_v2 (reader->db, statements[i], -1, &stmt, NULL) != SQLITE_OK)
        {
          g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                       "Cannot search the history: %s", sqlite3_errmsg (reader->db));
          return FALSE;
        }
      sqlite3_progress_handler (reader->db, PROGRESS_STEPS, progress_cb, cancellable);
      /* The blob asked for: its overflow pages are read too. */
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        (void) sqlite3_column_blob (stmt, 0);
      sqlite3_progress_handler (reader->db, 0, NULL, NULL);
      sqlite3_finalize (stmt);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (rc != SQLITE_DONE)
        {
          g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                       "Cannot search the history: %s", sqlite3_errmsg (reader->db));
          return FALSE;
        }
    }

  return TRUE;
}

static void
search_thread (gpointer data,
               gpointer user_data)
{
  g_autoptr(GTask) task = data;
  OsaisSearchReader *reader = user_data;
  const OsaisSearchQuery *query = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  OsaisSearchResult *result;
  GError *error = NULL;

  /* A search typed over already: not even started. */
  if (g_task_return_error_if_cancelled (task))
    return;

  if (query == NULL)
    {
      if (prepare (reader, cancellable, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      return;
    }

  result = run_search (reader, query, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) osais_search_result_free);
}

OsaisSearchReader *
osais_search_reader_new (const char *db_path)
{
  OsaisSearchReader *reader;

  g_return_val_if_fail (db_path != NULL, NULL);

  reader = g_new0 (OsaisSearchReader, 1);
  reader->db_path = g_strdup (db_path);
  /* One thread: one connection, and the searches in the order asked. */
  reader->pool = g_thread_pool_new (search_thread, reader, 1, FALSE, NULL);

  return reader;
}

void
osais_search_reader_free (OsaisSearchReader *reader)
{
  if (reader == NULL)
    return;

  /* The searches queued run to their end, then the thread goes. */
  g_thread_pool_free (reader->pool, FALSE, TRUE);
  g_clear_pointer (&reader->db, sqlite3_close);
  g_free (reader->db_path);
  g_free (reader);
}

void
osais_search_reader_run (OsaisSearchReader *reader,
                         GTask             *task)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (G_IS_TASK (task));

  g_thread_pool_push (reader->pool, g_object_ref (task), NULL);
}
