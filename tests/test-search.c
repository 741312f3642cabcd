/* test-search.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestSearch"

#include <string.h>

#include <sqlite3.h>

#include "osais-core.h"
#include "osais-test-utils.h"

/* Helpers. */

static OsaisJob *
create_job (OsaisStore *store,
            gint64      uid,
            const char *engine,
            const char *prompt)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *parameters = NULL;
  OsaisJob *job;

  json_builder_begin_object (builder);
  if (prompt != NULL)
    {
      json_builder_set_member_name (builder, "word");
      json_builder_add_string_value (builder, prompt);
    }
  json_builder_set_member_name (builder, "steps");
  json_builder_add_int_value (builder, 20);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  parameters = json_to_string (root, FALSE);

  osais_store_create_job_async (store, 0, uid, "t", engine, parameters, NULL,
                                osais_test_store_result_cb, &result);
  job = osais_store_create_job_finish (store, osais_test_wait_for_result (&result, "job"),
                                       &error);
  g_assert_no_error (error);

  return job;
}

static OsaisSearchResult *
search_full (OsaisStore             *store,
             const OsaisSearchQuery *query)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisSearchResult *found;

  osais_store_search_async (store, query, NULL, osais_test_store_result_cb, &result);
  found = osais_store_search_finish (store, osais_test_wait_for_result (&result, "search"),
                                     &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);

  return found;
}

static OsaisSearchResult *
search_text (OsaisStore *store,
             const char *text)
{
  OsaisSearchQuery query = { 0 };

  query.text = (char *) text;
  return search_full (store, &query);
}

/* The uids found, as "3 2 1". */
static char *
uids_text (const OsaisSearchResult *found)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < found->job_uids->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                            g_array_index (found->job_uids, gint64, i));
  return g_string_free (text, FALSE);
}

static char *
search_uids (OsaisStore *store,
             const char *text)
{
  g_autoptr(OsaisSearchResult) found = search_text (store, text);

  return uids_text (found);
}

static void
set_favourite (OsaisStore *store,
               OsaisImage *image,
               gboolean    favourite)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  osais_store_set_favourite_async (store, image, favourite, NULL,
                                   osais_test_store_result_cb, &result);
  g_assert_true (osais_store_set_favourite_finish (
    store, osais_test_wait_for_result (&result, "favourite"), &error));
  g_assert_no_error (error);
}

static void
set_dismissed (OsaisStore *store,
               OsaisJob   *job,
               gboolean    dismissed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  osais_store_set_dismissed_async (store, job, dismissed, NULL,
                                   osais_test_store_result_cb, &result);
  g_assert_true (osais_store_set_dismissed_finish (
    store, osais_test_wait_for_result (&result, "dismissed"), &error));
  g_assert_no_error (error);
}

static int
query_int (const char *dir,
           const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* The FTS5 query. */

static void
test_build_match (void)
{
  static const struct
  {
    const char *text;
    const char *match;
  } cases[] = {
    { NULL, NULL },
    { "", NULL },
    { "   ", NULL },
    { "cat", "\"cat\"*" },
    { "cat ", "\"cat\"" },
    { "a cat", "\"a\" \"cat\"*" },
    { "  red   fox  ", "\"red\" \"fox\"" },
    { "\"", NULL },
    { "\"\"\"", NULL },
    { "*", NULL },
    { "cat*", "\"cat\"" },
    { "NEAR(", "\"NEAR\"" },
    { "NEAR(a b", "\"NEAR\" \"a\" \"b\"*" },
    { "AND", "\"AND\"*" },
    { "a AND b OR NOT c", "\"a\" \"AND\" \"b\" \"OR\" \"NOT\" \"c\"*" },
    { "prompt:cat", "\"prompt\" \"cat\"*" },
    { "-cat +dog ^x {y} (z)", "\"cat\" \"dog\" \"x\" \"y\" \"z\"" },
    { "l'été", "\"l\" \"été\"*" },
    { "東京 タワー", "\"東京\" \"タワー\"*" },
    { "🦊 fox", "\"fox\"*" },
    { "x²", "\"x²\"*" },
    /* Cut where the invalid UTF-8 starts. */
    { "ok \xff\xfe bad", "\"ok\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *match = osais_search_build_match (cases[i].text);
      /* TAP readers take UTF-8 only: the invalid bytes are the point here. */
      g_autofree char *shown = cases[i].text != NULL
                               ? g_utf8_make_valid (cases[i].text, -1) : NULL;

      g_test_message ("%s → %s", shown, match);
      g_assert_cmpstr (match, ==, cases[i].match);
    }
}

static void
test_build_match_bounded (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *match = NULL;
  guint quotes = 0;

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (text, "w%u ", i);
  match = osais_search_build_match (text->str);
  for (const char *p = match; *p != '\0'; p++)
    quotes += *p == '"';
  g_assert_cmpuint (quotes, ==, 2 * 32);
}

/* Search. */

/* Each keystroke of "light house", and more: newest first. */
static const struct
{
  const char *text;
  const char *uids;
} keystrokes[] = {
  { "l", "4 2 1" },
  { "li", "4 2 1" },
  { "lig", "4 2 1" },
  { "light", "4 2 1" },
  { "light ", "4" },
  { "light h", "4" },
  { "light house", "4" },
  { "LIGHTHOUSE", "1" },
  /* Diacritics and case are folded. */
  { "cafe", "2" },
  { "CAFÉ BALL", "2" },
  /* The engine's name is searched too. */
  { "remb", "3" },
  { "dawn light", "4 1" },
  { "dawn lighth", "1" },
  { "zebra", "" },
};

static void
test_text_as_you_type (void)
{
  OsaisTestStore fixture = { 0 };
  g_autofree char *uids = NULL;

  osais_test_store_open (&fixture);
  g_object_unref (create_job (fixture.store, 1, "diffusion", "a lighthouse at dawn"));
  g_object_unref (create_job (fixture.store, 2, "diffusion", "Lighter than air, a café balloon"));
  g_object_unref (create_job (fixture.store, 3, "rembg", NULL));
  g_object_unref (create_job (fixture.store, 4, "diffusion", "the light house of dawn"));


  for (guint i = 0; i < G_N_ELEMENTS (keystrokes); i++)
    {
      g_free (uids);
      uids = search_uids (fixture.store, keystrokes[i].text);
      g_test_message ("“%s” → %s", keystrokes[i].text, uids);
      g_assert_cmpstr (uids, ==, keystrokes[i].uids);
    }

  osais_test_store_close (&fixture);
}

static void
test_hostile_text (void)
{
  OsaisTestStore fixture = { 0 };
  static const char * const texts[] = {
    "", " ", "\"", "\"\"", "\"a", "a\"", "*", "**", "a*", "*a", "NEAR(", "NEAR(a, b)",
    "NEAR", "AND", "OR", "NOT", "a AND", "AND a", "a OR b", "NOT a", "(", ")", "()", "(a",
    "a)", "{", "}", "{prompt}: a", "prompt:", "prompt : a", "engine:diffusion", "^", "^a",
    "-", "-a", "+", ":", "'", "''", "\\", "\\\"", "%", "_", "a%_", ";", "; DROP TABLE jobs; --",
    "\t\n\r", "🦊", "🦊🦊 fox", "東京", "ＡＢＣ", "é", "e\xcc\x81", "\xef\xbb\xbf", "\xff", "a\xc3",
    "x²", "NEAR(\"a\" \"b\", 2)", "a:b:c", "\"a\"*\"b\"", "a b c d e f g h i j k l m n o",
  };

  osais_test_store_open (&fixture);
  g_object_unref (create_job (fixture.store, 1, "diffusion", "a fox AND a hound NEAR the café"));

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(OsaisSearchResult) found = search_text (fixture.store, texts[i]);
      g_autofree char *shown = texts[i] != NULL ? g_utf8_make_valid (texts[i], -1)
                                                : NULL;

      g_test_message ("“%s”: %u", shown, osais_search_result_get_n_jobs (found));
    }

  /* And they are only text: the words in them are searched for. */
  {
    g_autoptr(OsaisSearchResult) found = search_text (fixture.store, "AND");

    g_assert_cmpuint (osais_search_result_get_n_jobs (found), ==, 1);
  }
  {
    g_autofree char *a = search_uids (fixture.store, "NEAR(");
    g_autofree char *b = search_uids (fixture.store, "\"fox\" AND \"hound\"");
    g_autofree char *c = search_uids (fixture.store, "fox NOT hound");
    g_autofree char *d = search_uids (fixture.store, "🦊 fox*");
    g_autofree char *e = search_uids (fixture.store, "");

    g_assert_cmpstr (a, ==, "1");
    g_assert_cmpstr (b, ==, "1");
    g_assert_cmpstr (c, ==, "");
    g_assert_cmpstr (d, ==, "1");
    g_assert_cmpstr (e, ==, "1");
  }
  /* The jobs are all still there. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture.store)), ==, 1);

  osais_test_store_close (&fixture);
}

static void
test_delete_removes_from_index (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  osais_test_store_open (&fixture);
  g_object_unref (create_job (fixture.store, 1, "diffusion", "red fox"));
  job = create_job (fixture.store, 2, "diffusion", "red panda");
  g_assert_cmpint (query_int (fixture.dir, "SELECT COUNT(*) FROM job_text"), ==, 2);
  before = search_uids (fixture.store, "red");
  g_assert_cmpstr (before, ==, "2 1");

  osais_store_delete_job_async (fixture.store, job, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_job_finish (
    fixture.store, osais_test_wait_for_result (&result, "delete"), &error));
  g_assert_no_error (error);

  after = search_uids (fixture.store, "red");
  g_assert_cmpstr (after, ==, "1");
  g_free (after);
  after = search_uids (fixture.store, "panda");
  g_assert_cmpstr (after, ==, "");
  g_assert_cmpint (query_int (fixture.dir, "SELECT COUNT(*) FROM job_text"), ==, 1);
  g_assert_cmpint (query_int (fixture.dir,
                              "SELECT COUNT(*) FROM job_text WHERE job_text MATCH 'panda'"),
                   ==, 0);

  osais_test_store_close (&fixture);
}

static void
test_favourite (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(OsaisImage) reopened = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisSearchQuery query = { 0 };
  gint64 second_id;
  guint notified = 0;

  osais_test_store_open (&fixture);
  job = create_job (fixture.store, 5, "diffusion", "two owls");
  first = osais_test_store_add_image (fixture.store, 5, 0, 8, 8);
  second = osais_test_store_add_image (fixture.store, 5, 1, 8, 8);
  g_assert_cmpint (osais_image_get_id (first), >, 0);
  g_assert_cmpint (osais_image_get_id (second), >, osais_image_get_id (first));
  g_assert_false (osais_image_get_favourite (second));

  g_signal_connect (second, "notify::favourite", G_CALLBACK (count_notify_cb), &notified);
  set_favourite (fixture.store, second, TRUE);
  g_assert_true (osais_image_get_favourite (second));
  g_assert_cmpuint (notified, ==, 1);
  /* Again: nothing changes, nothing is notified. */
  set_favourite (fixture.store, second, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_false (osais_image_get_favourite (first));

  query.favourites_only = TRUE;
  {
    g_autoptr(OsaisSearchResult) found = search_full (fixture.store, &query);

    g_assert_cmpuint (found->job_uids->len, ==, 1);
    g_assert_cmpuint (found->image_ids->len, ==, 1);
    g_assert_cmpint (g_array_index (found->image_ids, gint64, 0), ==,
                     osais_image_get_id (second));
  }
  g_signal_handlers_disconnect_by_data (second, &notified);

  /* Kept across a reopening, with the ids. */
  second_id = osais_image_get_id (second);
  osais_store_close (fixture.store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&job);
  g_clear_object (&first);
  g_clear_object (&second);
  g_assert_finalize_object (g_steal_pointer (&fixture.store));
  fixture.store = osais_store_open (fixture.dir, &error);
  g_assert_no_error (error);
  reopened = g_object_ref (osais_store_lookup_image (fixture.store, second_id));
  g_assert_true (osais_image_get_favourite (reopened));
  g_assert_cmpint (query_int (fixture.dir, "SELECT COUNT(*) FROM images WHERE favourite = 1"),
                   ==, 1);
  g_assert_null (osais_store_lookup_image (fixture.store, second_id + 100));

  set_favourite (fixture.store, reopened, FALSE);
  g_assert_false (osais_image_get_favourite (reopened));
  {
    g_autoptr(OsaisSearchResult) found = search_full (fixture.store, &query);

    g_assert_cmpuint (found->job_uids->len, ==, 0);
    g_assert_cmpuint (found->image_ids->len, ==, 0);
  }

  /* A deleted image cannot be starred. */
  osais_store_delete_image_async (fixture.store, reopened, NULL, osais_test_store_result_cb,
                                  &result);
  g_assert_true (osais_store_delete_image_finish (
    fixture.store, osais_test_wait_for_result (&result, "delete"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  osais_store_set_favourite_async (fixture.store, reopened, TRUE, NULL,
                                   osais_test_store_result_cb, &result);
  g_assert_false (osais_store_set_favourite_finish (
    fixture.store, osais_test_wait_for_result (&result, "favourite"), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_IMAGE);
  g_assert_false (osais_image_get_favourite (reopened));

  osais_test_store_close (&fixture);
}

/* Stop Waiting: kept across a reopening; the search leaves the job out
 * (the gallery hides it) until it is taken back. */
static void
test_dismissed (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) kept = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) deleted = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uids = NULL;
  OsaisJob *reopened;
  guint notified = 0;

  osais_test_store_open (&fixture);
  kept = create_job (fixture.store, 1, "diffusion", "red owl");
  job = create_job (fixture.store, 2, "diffusion", "red fox");
  g_signal_connect (job, "notify::dismissed", G_CALLBACK (count_notify_cb), &notified);
  set_dismissed (fixture.store, job, TRUE);
  g_assert_true (osais_job_get_dismissed (job));
  g_assert_false (osais_job_get_dismissed (kept));
  g_assert_cmpuint (notified, ==, 1);
  g_signal_handlers_disconnect_by_data (job, &notified);
  uids = search_uids (fixture.store, "red");
  g_assert_cmpstr (uids, ==, "1");
  g_clear_pointer (&uids, g_free);
  g_assert_cmpint (query_int (fixture.dir, "SELECT dismissed FROM jobs WHERE uid = 2"), ==, 1);

  osais_store_close (fixture.store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&job);
  g_clear_object (&kept);
  g_assert_finalize_object (g_steal_pointer (&fixture.store));
  fixture.store = osais_store_open (fixture.dir, &error);
  g_assert_no_error (error);
  reopened = osais_store_lookup (fixture.store, 2);
  g_assert_true (osais_job_get_dismissed (reopened));
  g_assert_false (osais_job_get_dismissed (osais_store_lookup (fixture.store, 1)));

  set_dismissed (fixture.store, reopened, FALSE);
  g_assert_false (osais_job_get_dismissed (reopened));
  uids = search_uids (fixture.store, "red");
  g_assert_cmpstr (uids, ==, "2 1");

  /* A job deleted meanwhile is no job. */
  deleted = g_object_ref (reopened);
  osais_store_delete_job_async (fixture.store, deleted, NULL, osais_test_store_result_cb,
                                &result);
  g_assert_true (osais_store_delete_job_finish (
    fixture.store, osais_test_wait_for_result (&result, "delete"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  osais_store_set_dismissed_async (fixture.store, deleted, TRUE, NULL,
                                   osais_test_store_result_cb, &result);
  g_assert_false (osais_store_set_dismissed_finish (
    fixture.store, osais_test_wait_for_result (&result, "dismissed"), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB);
  g_assert_false (osais_job_get_dismissed (deleted));

  osais_test_store_close (&fixture);
}

static void
test_cancelled (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisSearchQuery query = { 0 };

  osais_test_store_open (&fixture);
  g_object_unref (create_job (fixture.store, 1, "diffusion", "owl"));
  g_cancellable_cancel (cancellable);
  osais_store_search_async (fixture.store, &query, cancellable, osais_test_store_result_cb,
                            &result);
  g_assert_null (osais_store_search_finish (
    fixture.store, osais_test_wait_for_result (&result, "search"), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  osais_test_store_close (&fixture);
}

static gboolean
prepare_search (OsaisStore    *store,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_store_prepare_search_async (store, cancellable, osais_test_store_result_cb, &result);
  return osais_store_prepare_search_finish (store, osais_test_wait_for_result (&result, "prepare"),
                                            error);
}

/* Preparing the searches (the window does it when its search bar opens)
 * reads what a search reads and changes nothing it finds, before and after
 * a change to the history; it can be cancelled, and a closed store says
 * so. */
static void
test_prepared (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *uids = NULL;

  osais_test_store_open (&fixture);
  g_assert_true (prepare_search (fixture.store, NULL, &error));
  g_assert_no_error (error);

  g_object_unref (create_job (fixture.store, 1, "diffusion", "an owl at night"));
  g_object_unref (create_job (fixture.store, 2, "rembg", NULL));
  g_object_unref (create_job (fixture.store, 3, "diffusion", "a brown owl"));
  g_assert_true (prepare_search (fixture.store, NULL, &error));
  g_assert_no_error (error);
  uids = search_uids (fixture.store, "ow");
  g_assert_cmpstr (uids, ==, "3 1");
  g_clear_pointer (&uids, g_free);
  uids = search_uids (fixture.store, "");
  g_assert_cmpstr (uids, ==, "3 2 1");

  g_cancellable_cancel (cancellable);
  g_assert_false (prepare_search (fixture.store, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  osais_store_close (fixture.store);
  g_assert_false (prepare_search (fixture.store, NULL, &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO);

  osais_test_store_close (&fixture);
}

/* Schema 3, as OSAIS Studio wrote it before search. */
static const char schema_3_sql[] =
  "CREATE TABLE jobs (uid INTEGER PRIMARY KEY, token TEXT NOT NULL, engine TEXT,"
  "  parameters TEXT, stage INTEGER NOT NULL DEFAULT 0, cycle INTEGER NOT NULL DEFAULT 0,"
  "  description TEXT, cost INTEGER NOT NULL DEFAULT -1, error_message TEXT,"
  "  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
  "  announced_images INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX jobs_by_created ON jobs (created);"
  "CREATE TABLE stages (uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE,"
  "  stage INTEGER NOT NULL, cycle INTEGER NOT NULL, filename TEXT NOT NULL, descr TEXT,"
  "  received INTEGER NOT NULL);"
  "CREATE TABLE images (uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE,"
  "  cycle INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,"
  "  content_type TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL, received INTEGER NOT NULL, UNIQUE (uid, sha256));"
  "CREATE TABLE early_callbacks (id INTEGER PRIMARY KEY, uid INTEGER NOT NULL,"
  "  token TEXT NOT NULL, kind TEXT NOT NULL, stage INTEGER NOT NULL DEFAULT 0,"
  "  cycle INTEGER NOT NULL DEFAULT 0, filename TEXT, descr TEXT,"
  "  cost INTEGER NOT NULL DEFAULT -1, path TEXT, size INTEGER NOT NULL DEFAULT 0,"
  "  content_type TEXT, sha256 TEXT, width INTEGER NOT NULL DEFAULT 0,"
  "  height INTEGER NOT NULL DEFAULT 0, received INTEGER NOT NULL, expires INTEGER);"
  "PRAGMA user_version = 3;";

static void
test_schema_3_updated (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-search-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *uids = NULL;
  g_autoptr(OsaisSearchResult) found = NULL;
  OsaisStore *store;
  OsaisImage *image;
  OsaisJob *job;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_3_sql, NULL, NULL, NULL), ==, SQLITE_OK);
  /* Parameters of every kind a job may have: a prompt, none, not text, not
   * JSON at all, no parameters. The rowids of the images have a gap. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO jobs VALUES (7, 't7', 'diffusion',"
                                 "  '{\"word\":\"an old lighthouse\",\"steps\":20}', 5, 2,"
                                 "  'done', -1, NULL, 1000, 2000, 2);"
                                 "INSERT INTO jobs VALUES (8, 't', 'rembg', '{}', -1, 0,"
                                 "  NULL, -1, 'it failed', 3000, 3000, 0);"
                                 "INSERT INTO jobs VALUES (9, 't9', 'diffusion',"
                                 "  '{\"word\":42}', 0, 0, NULL, -1, NULL, 4000, 4000, 0);"
                                 "INSERT INTO jobs VALUES (10, 't10', 'ping', 'not json', 0, 0,"
                                 "  NULL, -1, NULL, 5000, 5000, 0);"
                                 "INSERT INTO jobs VALUES (11, 't11', 'ping', NULL, 0, 0,"
                                 "  NULL, -1, NULL, 6000, 6000, 0);"
                                 "INSERT INTO images (rowid, uid, cycle, path, size, content_type,"
                                 "  sha256, width, height, received) VALUES"
                                 "  (3, 7, 1, 'images/7/1-a.png', 10, 'image/png', 'aaaa', 8, 8,"
                                 "   1500),"
                                 "  (9, 7, 2, 'images/7/2-b.png', 10, 'image/png', 'bbbb', 8, 8,"
                                 "   1600);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = osais_store_open (dir, &error);
  g_assert_no_error (error);

  g_assert_cmpint (query_int (dir, "PRAGMA user_version"), ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
  /* The images keep their rowids as ids, and are no favourites yet. */
  job = osais_store_lookup (store, 7);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 2);
  image = osais_store_lookup_image (store, 9);
  g_assert_nonnull (image);
  g_assert_cmpstr (osais_image_get_hash (image), ==, "bbbb");
  g_assert_false (osais_image_get_favourite (image));
  g_assert_cmpstr (osais_image_get_hash (osais_store_lookup_image (store, 3)), ==, "aaaa");
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE favourite = 0"), ==, 2);

  /* The old history is indexed: its prompts and engines. */
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM job_text"), ==, 5);
  uids = search_uids (store, "old lightho");
  g_assert_cmpstr (uids, ==, "7");
  g_free (uids);
  uids = search_uids (store, "remb");
  g_assert_cmpstr (uids, ==, "8");
  g_free (uids);
  uids = search_uids (store, "");
  g_assert_cmpstr (uids, ==, "11 10 9 8 7");

  found = search_text (store, "lighthouse");
  g_assert_cmpuint (found->image_ids->len, ==, 2);
  g_assert_cmpint (g_array_index (found->image_ids, gint64, 0), ==, 3);
  g_assert_cmpint (g_array_index (found->image_ids, gint64, 1), ==, 9);

  /* A new image gets a new id. */
  {
    g_autoptr(OsaisImage) added = osais_test_store_add_image (store, 8, 0, 8, 8);

    g_assert_cmpint (osais_image_get_id (added), >, 9);
  }

  osais_store_close (store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (store);
  osais_test_remove_tree (dir);
}

/* Against a brute force over a generated history. */

static const char * const words[] = {
  "red", "fox", "forest", "fog", "lighthouse", "light", "dawn", "dusk", "owl", "ocean",
  "orange", "cat", "catalog", "castle", "city", "night",
};
static const char * const engines[] = { "diffusion", "gfpgan", "rembg" };

/* What the history says, read from the objects the store made. */
typedef struct
{
  gint64     uid;
  char      *engine;
  char     **tokens;  /* the prompt's words, lower case */
  gint64     created;
  gboolean   failed;
  gboolean   running;
  gboolean   dismissed;
  GArray    *image_ids;
  GArray    *favourite_ids;
} Expected;

static gboolean
expected_matches_text (const Expected *job,
                       char          **query,
                       gboolean        last_prefix)
{
  guint n = g_strv_length (query);

  for (guint i = 0; i < n; i++)
    {
      gboolean last = i + 1 == n && last_prefix;
      gboolean found = FALSE;

      for (guint t = 0; job->tokens[t] != NULL && !found; t++)
        found = last ? g_str_has_prefix (job->tokens[t], query[i])
                     : g_str_equal (job->tokens[t], query[i]);
      if (!found)
        found = last ? g_str_has_prefix (job->engine, query[i])
                     : g_str_equal (job->engine, query[i]);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static void
test_brute_force (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  guint n_jobs = 120;
  guint checked = 0;

  osais_test_store_open (&fixture);

  for (guint i = 0; i < n_jobs; i++)
    {
      g_autoptr(OsaisJob) job = NULL;
      g_autoptr(GString) prompt = g_string_new (NULL);
      guint n_words = g_rand_int_range (rand, 0, 5);
      const char *engine = engines[g_rand_int_range (rand, 0, G_N_ELEMENTS (engines))];
      guint n_images = g_rand_int_range (rand, 0, 4);
      gint64 uid = 100 + i;

      for (guint w = 0; w < n_words; w++)
        {
          const char *word = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

          /* Case and punctuation are not words. */
          if (g_rand_boolean (rand))
            g_string_append_printf (prompt, "%s%c ", word, ",.!;"[w % 4]);
          else
            {
              g_autofree char *upper = g_ascii_strup (word, -1);
              g_string_append_printf (prompt, "%s ", w % 2 ? upper : word);
            }
        }
      job = create_job (fixture.store, uid, engine, n_words > 0 ? prompt->str : NULL);
      for (guint k = 0; k < n_images; k++)
        {
          g_autoptr(OsaisImage) image = osais_test_store_add_image (fixture.store, uid, k, 8, 8);

          if (g_rand_int_range (rand, 0, 4) == 0)
            set_favourite (fixture.store, image, TRUE);
        }
      if (g_rand_int_range (rand, 0, 5) == 0)
        osais_test_store_notify (fixture.store, uid, OSAIS_STAGE_ERROR, 0, "failed");
      else if (g_rand_int_range (rand, 0, 3) == 0)
        osais_test_store_notify (fixture.store, uid, OSAIS_STAGE_FINISHED, 0, "done");
      else if (g_rand_int_range (rand, 0, 2) == 0)
        osais_test_store_notify (fixture.store, uid, OSAIS_STAGE_STARTED, 0, "started");
      if (g_rand_int_range (rand, 0, 8) == 0)
        set_dismissed (fixture.store, job, TRUE);
    }

  /* The model, newest first, is the gallery's order. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture.store)); i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (fixture.store), i);
      g_autofree char *prompt = osais_job_dup_prompt (job);
      g_autofree char *lower = g_ascii_strdown (prompt != NULL ? prompt : "", -1);
      g_auto(GStrv) tokens = g_regex_split_simple ("[^a-z]+", lower, 0, 0);
      GListModel *images = osais_job_get_images (job);
      Expected *e = g_new0 (Expected, 1);

      e->uid = osais_job_get_uid (job);
      e->engine = g_strdup (osais_job_get_engine (job));
      e->tokens = g_steal_pointer (&tokens);
      e->created = g_date_time_to_unix (osais_job_get_created (job)) * G_USEC_PER_SEC +
                   g_date_time_get_microsecond (osais_job_get_created (job));
      e->failed = osais_job_get_stage (job) == OSAIS_STAGE_ERROR;
      e->running = !osais_job_get_finished (job);
      e->dismissed = osais_job_get_dismissed (job);
      e->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      e->favourite_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint k = 0; k < g_list_model_get_n_items (images); k++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, k);
          gint64 id = osais_image_get_id (image);

          g_array_append_val (e->image_ids, id);
          if (osais_image_get_favourite (image))
            g_array_append_val (e->favourite_ids, id);
        }
      g_ptr_array_add (expected, e);
    }

  for (guint round = 0; round < 300; round++)
    {
      OsaisSearchQuery query = { 0 };
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GArray) want_jobs = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) want_images = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(OsaisSearchResult) found = NULL;
      g_auto(GStrv) query_words = NULL;
      guint n_words = g_rand_int_range (rand, 0, 3);
      gboolean last_prefix;

      /* Whole words, then the last one cut short (being typed). */
      for (guint w = 0; w < n_words; w++)
        {
          const char *word = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

          if (w + 1 == n_words)
            g_string_append_len (text, word, g_rand_int_range (rand, 1, strlen (word) + 1));
          else
            g_string_append_printf (text, "%s ", word);
        }
      if (g_rand_int_range (rand, 0, 4) == 0)
        g_string_append (text, "\"*(");
      query.text = text->str;
      if (g_rand_int_range (rand, 0, 4) == 0)
        query.engine = (char *) engines[g_rand_int_range (rand, 0, G_N_ELEMENTS (engines))];
      query.favourites_only = g_rand_int_range (rand, 0, 4) == 0;
      query.failed_only = g_rand_int_range (rand, 0, 5) == 0;
      query.running_only = g_rand_int_range (rand, 0, 5) == 0;
      if (g_rand_int_range (rand, 0, 3) == 0)
        {
          const Expected *a = g_ptr_array_index (expected,
                                                 g_rand_int_range (rand, 0, expected->len));
          const Expected *b = g_ptr_array_index (expected,
                                                 g_rand_int_range (rand, 0, expected->len));

          query.since = MIN (a->created, b->created);
          query.until = MAX (a->created, b->created);
        }

      {
        g_autofree char *lower = g_ascii_strdown (text->str, -1);
        g_auto(GStrv) split = g_regex_split_simple ("[^a-z]+", lower, 0, 0);
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

        /* What the split leaves at the ends is no word. */
        for (guint w = 0; split[w] != NULL; w++)
          if (*split[w] != '\0')
            g_strv_builder_add (builder, split[w]);
        query_words = g_strv_builder_end (builder);
        /* A text ending in a separator ends its last word. */
        last_prefix = text->len > 0 && g_ascii_isalpha (text->str[text->len - 1]);
      }

      for (guint i = 0; i < expected->len; i++)
        {
          const Expected *e = g_ptr_array_index (expected, i);
          GArray *ids = query.favourites_only ? e->favourite_ids : e->image_ids;

          if (!expected_matches_text (e, query_words, last_prefix) ||
              (query.engine != NULL && !g_str_equal (query.engine, e->engine)) ||
              (query.since != 0 && e->created < query.since) ||
              (query.until != 0 && e->created >= query.until) ||
              (query.failed_only && !e->failed) ||
              (query.running_only && !e->running) ||
              e->dismissed ||
              (query.favourites_only && ids->len == 0))
            continue;
          g_array_append_val (want_jobs, e->uid);
          g_array_append_vals (want_images, ids->data, ids->len);
        }

      found = search_full (fixture.store, &query);
      g_assert_cmpmem (found->job_uids->data, found->job_uids->len * sizeof (gint64),
                       want_jobs->data, want_jobs->len * sizeof (gint64));
      g_assert_cmpmem (found->image_ids->data, found->image_ids->len * sizeof (gint64),
                       want_images->data, want_images->len * sizeof (gint64));
      checked += want_jobs->len > 0;
    }
  /* Not all empty: the queries found something most of the time. */
  g_assert_cmpuint (checked, >, 100);

  for (guint i = 0; i < expected->len; i++)
    {
      Expected *e = g_ptr_array_index (expected, i);

      g_free (e->engine);
      g_strfreev (e->tokens);
      g_array_unref (e->image_ids);
      g_array_unref (e->favourite_ids);
      g_free (e);
    }
  osais_test_store_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  osais_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Search/build-match", test_build_match);
  g_test_add_func ("/Osais/Search/build-match-bounded", test_build_match_bounded);
  g_test_add_func ("/Osais/Search/text-as-you-type", test_text_as_you_type);
  g_test_add_func ("/Osais/Search/hostile-text", test_hostile_text);
  g_test_add_func ("/Osais/Search/delete-removes-from-index", test_delete_removes_from_index);
  g_test_add_func ("/Osais/Search/favourite", test_favourite);
  g_test_add_func ("/Osais/Search/dismissed", test_dismissed);
  g_test_add_func ("/Osais/Search/cancelled", test_cancelled);
  g_test_add_func ("/Osais/Search/prepared", test_prepared);
  g_test_add_func ("/Osais/Search/schema-3-updated", test_schema_3_updated);
  g_test_add_func ("/Osais/Search/brute-force", test_brute_force);

  return g_test_run ();
}
