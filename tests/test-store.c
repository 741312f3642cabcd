/* test-store.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestStore"
/* unshare() */
#define _GNU_SOURCE

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "osais-core.h"
#include "osais-store-private.h"
#include "osais-test-utils.h"

/* Helpers. */

static char *
make_data_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("osais-store-XXXXXX", &error);

  g_assert_no_error (error);

  return dir;
}

/* The store's results, with osais_test_wait_for_result()'s time limit. */
static GAsyncResult *
wait_result (GAsyncResult **result)
{
  return osais_test_wait_for_result (result, "the store");
}

static gboolean
set_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;

  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms milliseconds. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static OsaisStore *
open_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  OsaisStore *store = osais_store_open (dir, &error);

  g_assert_no_error (error);
  g_assert_true (OSAIS_IS_STORE (store));

  return store;
}

/* Closes the store, lets the main context release what the writer handed
 * it, and checks that nothing else keeps the store alive. */
static void
close_store (OsaisStore *store)
{
  osais_store_close (store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (store);
}

static OsaisJob *
create_job (OsaisStore *store,
            guint       request_id,
            gint64      uid,
            const char *token)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisJob *job;

  osais_store_create_job_async (store, request_id, uid, token, "ping", "{\"word\":\"hi\"}",
                                NULL, osais_test_store_result_cb, &result);
  job = osais_store_create_job_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (OSAIS_IS_JOB (job));

  return job;
}

static void
apply_notification (OsaisStore          *store,
                    gint64               uid,
                    const char          *token,
                    OsaisStage           stage,
                    int                  cycle,
                    const char          *filename,
                    const char          *descr,
                    gint64               cost,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  OsaisNotification notification = { 0 };

  notification.uid = uid;
  notification.token = (char *)token;
  notification.stage = stage;
  notification.cycle = cycle;
  notification.filename = (char *)filename;
  notification.descr = (char *)descr;
  notification.cost = cost;

  osais_store_apply_notification_async (store, &notification, cancellable,
                                        callback, user_data);
}

static gboolean
notify_sync (OsaisStore  *store,
             gint64       uid,
             const char  *token,
             OsaisStage   stage,
             int          cycle,
             const char  *filename,
             const char  *descr,
             gint64       cost,
             GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  apply_notification (store, uid, token, stage, cycle, filename, descr, cost,
                      NULL, osais_test_store_result_cb, &result);

  return osais_store_apply_notification_finish (store, wait_result (&result), error);
}

/* Stores @data as a 64 × 32 PNG for @cycle of job @uid. */
static OsaisImage *
add_bytes_sync (OsaisStore  *store,
                gint64       uid,
                const char  *token,
                int          cycle,
                GBytes      *data,
                GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  osais_store_add_image_async (store, uid, token, cycle, data, "image/png", 64, 32,
                               NULL, osais_test_store_result_cb, &result);

  return osais_store_add_image_finish (store, wait_result (&result), error);
}

/* As add_bytes_sync(), with @content's text as the image's bytes. */
static OsaisImage *
add_image_sync (OsaisStore  *store,
                gint64       uid,
                const char  *token,
                int          cycle,
                const char  *content,
                GError     **error)
{
  g_autoptr(GBytes) data = g_bytes_new (content, strlen (content));

  return add_bytes_sync (store, uid, token, cycle, data, error);
}

/* Reads one integer from the store's database through a second connection. */
static gint64
query_int (const char *dir,
           const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

typedef struct
{
  guint n_calls;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *changes)
{
  changes->n_calls++;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* Tests. */

static void
test_create_job_appears_first (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) first = NULL;
  g_autoptr(OsaisJob) second = NULL;
  g_autoptr(OsaisJob) item = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged changes = { 0 };

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  first = create_job (store, 0, 1001, "tok1");
  g_assert_cmpuint (changes.n_calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpint (osais_job_get_uid (first), ==, 1001);
  g_assert_cmpstr (osais_job_get_token (first), ==, "tok1");
  g_assert_cmpstr (osais_job_get_engine (first), ==, "ping");
  g_assert_cmpint (osais_job_get_stage (first), ==, OSAIS_STAGE_REQUEST_SENT);
  g_assert_nonnull (osais_job_get_created (first));

  second = create_job (store, 0, 1002, "tok2");
  g_assert_cmpuint (changes.n_calls, ==, 2);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);

  item = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_true (item == second);
  g_clear_object (&item);
  item = g_list_model_get_item (G_LIST_MODEL (store), 1);
  g_assert_true (item == first);
  g_assert_true (osais_store_lookup (store, 1001) == first);
  g_assert_null (osais_store_lookup (store, 999));

  /* The same uid twice is refused and the model does not change. */
  osais_store_create_job_async (store, 0, 1001, "tok1", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  g_assert_null (osais_store_create_job_finish (store, wait_result (&result), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DUPLICATE_JOB);
  g_assert_cmpuint (changes.n_calls, ==, 2);

  g_signal_handlers_disconnect_by_data (store, &changes);
  g_clear_object (&result);  /* a task holds its source object, the store */
  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_stage_forward_only (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 42, "t");
  g_autoptr(GError) error = NULL;
  guint finished_notifies = 0;

  g_signal_connect (job, "notify::finished", G_CALLBACK (count_notify_cb), &finished_notifies);

  g_assert_true (notify_sync (store, 42, "t", OSAIS_STAGE_STARTED, 0, NULL, "started", -1,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);
  g_assert_cmpstr (osais_job_get_description (job), ==, "started");

  /* A late, lower stage is recorded and acknowledged but changes nothing. */
  g_assert_true (notify_sync (store, 42, "t", OSAIS_STAGE_RECEIVED, 0, NULL, "received", -1,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);
  g_assert_cmpstr (osais_job_get_description (job), ==, "started");
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 42"), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT stage FROM jobs WHERE uid = 42"), ==, 2);

  g_assert_true (notify_sync (store, 42, "t", OSAIS_STAGE_IMAGE_DONE, 2, "out.png", NULL, -1,
                              &error));
  g_assert_true (notify_sync (store, 42, "t", OSAIS_STAGE_IMAGE_STARTED, 1, NULL, NULL, -1,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_IMAGE_DONE);
  g_assert_cmpint (osais_job_get_cycle (job), ==, 2);
  g_assert_false (osais_job_get_finished (job));
  g_assert_cmpuint (finished_notifies, ==, 0);

  g_assert_true (notify_sync (store, 42, "t", OSAIS_STAGE_FINISHED, 2, NULL, "done", 1234,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_true (osais_job_get_finished (job));
  g_assert_cmpuint (finished_notifies, ==, 1);
  g_assert_cmpint (osais_job_get_cost (job), ==, 1234);
  g_assert_cmpstr (osais_job_get_description (job), ==, "done");
  /* One image announced, none stored yet. */
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_assert_false (osais_job_is_complete (job));

  g_signal_handlers_disconnect_by_data (job, &finished_notifies);
  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_error_is_final (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 43, "t");
  g_autoptr(GError) error = NULL;

  g_assert_true (notify_sync (store, 43, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1, &error));
  g_assert_true (notify_sync (store, 43, "t", OSAIS_STAGE_ERROR, 0, NULL, NULL, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_ERROR);
  g_assert_cmpstr (osais_job_get_error_message (job), ==, "The AI request failed");
  g_assert_true (osais_job_get_finished (job));
  g_assert_true (osais_job_is_complete (job));

  g_assert_true (notify_sync (store, 43, "t", OSAIS_STAGE_FINISHED, 0, NULL, "done", 10,
                              &error));
  g_assert_true (notify_sync (store, 43, "t", OSAIS_STAGE_IMAGE_STARTED, 0, NULL, NULL, -1,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_ERROR);
  g_assert_cmpint (query_int (dir, "SELECT stage FROM jobs WHERE uid = 43"), ==, -1);

  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_duplicate_notification (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 44, "t");
  g_autoptr(GError) error = NULL;
  guint announced_notifies = 0;
  guint updated_notifies = 0;

  g_signal_connect (job, "notify::announced-images", G_CALLBACK (count_notify_cb),
                    &announced_notifies);
  g_signal_connect (job, "notify::updated", G_CALLBACK (count_notify_cb), &updated_notifies);

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (notify_sync (store, 44, "t", OSAIS_STAGE_IMAGE_DONE, 0, "a.png", "image",
                                  -1, &error));
      g_assert_no_error (error);
    }

  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_assert_cmpuint (announced_notifies, ==, 1);
  g_assert_cmpuint (updated_notifies, ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 44"), ==, 1);

  /* Another output is another announcement. */
  g_assert_true (notify_sync (store, 44, "t", OSAIS_STAGE_IMAGE_DONE, 1, "b.png", "image",
                              -1, &error));
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT announced_images FROM jobs WHERE uid = 44"), ==, 2);

  g_signal_handlers_disconnect_by_data (job, &announced_notifies);
  g_signal_handlers_disconnect_by_data (job, &updated_notifies);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* The writer keeps the states of the jobs it changed lately only: a job
 * left alone while many others finished is read back from the history
 * when its callbacks come, and behaves as one it never forgot. */
static void
test_old_job_read_back (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 100, "t");
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) again = NULL;
  g_autoptr(OsaisImage) late = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *late_path = NULL;
  g_autofree char *uid_dir = g_build_filename (dir, "images", "100", NULL);
  guint request;

  g_assert_true (notify_sync (store, 100, "t", OSAIS_STAGE_IMAGE_DONE, 0, "a.png", "image",
                              -1, &error));
  image = add_image_sync (store, 100, "t", 0, "old image", &error);
  g_assert_no_error (error);
  g_assert_true (notify_sync (store, 100, "t", OSAIS_STAGE_FINISHED, 0, NULL, NULL, 5, &error));
  path = g_file_get_path (osais_image_get_file (image));

  /* More finished jobs than the writer keeps the states of. */
  for (gint64 uid = 200; uid < 300; uid++)
    {
      g_autoptr(OsaisJob) other = create_job (store, 0, uid, "t");

      g_assert_true (notify_sync (store, uid, "t", OSAIS_STAGE_FINISHED, 0, NULL, NULL, 5,
                                  &error));
    }

  /* What was recorded still counts: a repeat is a duplicate, the same
   * bytes the image the model shows. */
  g_assert_true (notify_sync (store, 100, "t", OSAIS_STAGE_IMAGE_DONE, 0, "a.png", "image",
                              -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  again = add_image_sync (store, 100, "t", 0, "old image", &error);
  g_assert_no_error (error);
  g_assert_true (again == image);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE uid = 100"), ==, 1);

  /* The model's own image gets the star. */
  g_clear_object (&again);
  g_clear_object (&result);
  for (gint64 uid = 300; uid < 400; uid++)
    {
      g_autoptr(OsaisJob) other = create_job (store, 0, uid, "t");

      g_assert_true (notify_sync (store, uid, "t", OSAIS_STAGE_FINISHED, 0, NULL, NULL, 5,
                                  &error));
    }
  /* A new image of an old job, while a request is in flight: the file
   * thread knows no token for it and writes it as an early one's; the
   * writer finds the job in the history and moves it into its folder. */
  request = osais_store_begin_request (store);
  late = add_image_sync (store, 100, "t", 1, "late image", &error);
  g_assert_no_error (error);
  late_path = g_file_get_path (osais_image_get_file (late));
  g_assert_true (g_str_has_prefix (late_path, uid_dir));
  g_assert_true (g_file_test (late_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 2);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  osais_store_cancel_request (store, request);

  osais_store_set_favourite_async (store, image, TRUE, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_set_favourite_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (osais_image_get_favourite (image));

  /* And goes, with its file. */
  g_clear_object (&result);
  osais_store_delete_image_async (store, image, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_image_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_clear_object (&result);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* A job's images model holds records: an image is an object while someone
 * holds it, the same object for everyone meanwhile, and made again, the
 * same image with its star, once it went. */
static void
test_images_made_on_demand (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 110, "t");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) stored = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autofree char *path = NULL;
  GListModel *images;
  OsaisImage *gone;

  stored = add_image_sync (store, 110, "t", 0, "on demand", &error);
  g_assert_no_error (error);
  path = g_file_get_path (osais_image_get_file (stored));
  osais_store_set_favourite_async (store, stored, TRUE, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_set_favourite_finish (store, wait_result (&result), &error));
  g_clear_object (&result);
  g_clear_object (&job);
  close_store (store);

  /* Read from the history: nobody holds its image yet. */
  store = open_store (dir);
  images = osais_job_get_images (osais_store_lookup (store, 110));
  first = g_list_model_get_item (images, 0);
  gone = first;
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &gone);
  second = g_list_model_get_item (images, 0);
  g_assert_true (first == second);
  g_assert_cmpstr (osais_image_get_hash (first), ==, osais_image_get_hash (stored));
  g_assert_true (osais_image_get_favourite (first));
  g_assert_cmpint (osais_image_get_uid (first), ==, 110);
  g_assert_cmpuint (osais_image_get_size (first), ==, strlen ("on demand"));
  g_assert_cmpuint (osais_image_get_width (first), ==, 64);
  g_assert_cmpstr (osais_image_get_content_type (first), ==, "image/png");
  g_assert_cmpint (osais_image_get_id (first), ==, osais_image_get_id (stored));
  g_assert_true (g_date_time_equal (osais_image_get_received (first),
                                    osais_image_get_received (stored)));
  {
    g_autofree char *first_path = g_file_get_path (osais_image_get_file (first));

    g_assert_cmpstr (first_path, ==, path);
  }
  g_clear_object (&first);
  g_clear_object (&second);
  g_assert_null (gone);

  /* Made again, with its star. */
  first = g_list_model_get_item (images, 0);
  g_assert_true (osais_image_get_favourite (first));
  g_assert_cmpstr (osais_image_get_hash (first), ==, osais_image_get_hash (stored));

  /* Unstarred while nobody holds it: its record keeps the change. */
  gone = first;
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &gone);
  osais_store_set_favourite_async (store, first, FALSE, NULL, osais_test_store_result_cb, &result);
  g_clear_object (&first);
  g_assert_null (gone);
  g_assert_true (osais_store_set_favourite_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  first = g_list_model_get_item (images, 0);
  g_assert_false (osais_image_get_favourite (first));

  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_unknown_uid (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  OsaisStore *store = open_store (dir);
  G_GNUC_UNUSED g_autoptr(OsaisJob) job = create_job (store, 0, 45, "t");
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (notify_sync (store, 46, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1,
                               &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB);
  g_clear_error (&error);

  image = add_image_sync (store, 46, "t", 0, "pixels", &error);
  g_assert_null (image);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 0);
  /* Not a byte written for it, not even a folder. */
  g_assert_cmpuint (count_files (images), ==, 0);

  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_token_mismatch (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *images = g_build_filename (dir, "images", "47", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 47, "right");
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GError) error = NULL;
  guint notifies = 0;

  g_signal_connect (job, "notify", G_CALLBACK (count_notify_cb), &notifies);

  g_assert_false (notify_sync (store, 47, "wrong", OSAIS_STAGE_FINISHED, 3, NULL, "x", 5,
                               &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOKEN_MISMATCH);
  g_clear_error (&error);

  image = add_image_sync (store, 47, "wrong", 0, "pixels", &error);
  g_assert_null (image);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOKEN_MISMATCH);

  g_assert_cmpuint (notifies, ==, 0);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_REQUEST_SENT);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT stage FROM jobs WHERE uid = 47"), ==, 0);
  g_assert_false (g_file_test (images, G_FILE_TEST_EXISTS));

  g_signal_handlers_disconnect_by_data (job, &notifies);
  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_add_image (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *uid_dir = g_build_filename (dir, "images", "48", NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "first image", -1);
  g_autofree char *expected_name = g_strdup_printf ("0-%.16s.png", hash);
  g_autofree char *expected_path = g_build_filename (uid_dir, expected_name, NULL);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 48, "t");
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) again = NULL;
  g_autoptr(OsaisImage) other = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged changes = { 0 };
  gsize length;

  g_signal_connect (osais_job_get_images (job), "items-changed",
                    G_CALLBACK (items_changed_cb), &changes);
  g_assert_true (notify_sync (store, 48, "t", OSAIS_STAGE_FINISHED, 0, NULL, NULL, 7, &error));

  /* After stage 5, an image is still accepted. */
  image = add_image_sync (store, 48, "t", 0, "first image", &error);
  g_assert_no_error (error);
  g_assert_true (OSAIS_IS_IMAGE (image));
  g_assert_cmpstr (osais_image_get_hash (image), ==, hash);
  g_assert_cmpuint (osais_image_get_size (image), ==, strlen ("first image"));
  g_assert_cmpuint (osais_image_get_width (image), ==, 64);
  path = g_file_get_path (osais_image_get_file (image));
  g_assert_cmpstr (path, ==, expected_path);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpstr (contents, ==, "first image");
  g_assert_cmpuint (changes.n_calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);

  /* The same bytes again: the stored image, no second file or row. */
  again = add_image_sync (store, 48, "t", 1, "first image", &error);
  g_assert_no_error (error);
  g_assert_true (again == image);
  g_assert_cmpuint (count_files (uid_dir), ==, 1);
  g_assert_cmpuint (changes.n_calls, ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE uid = 48"), ==, 1);

  other = add_image_sync (store, 48, "t", 1, "second image", &error);
  g_assert_no_error (error);
  g_assert_true (other != image);
  g_assert_cmpuint (count_files (uid_dir), ==, 2);
  g_assert_cmpuint (changes.n_calls, ==, 2);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE uid = 48"), ==, 2);

  g_signal_handlers_disconnect_by_data (osais_job_get_images (job), &changes);
  close_store (store);
  osais_test_remove_tree (dir);
}

typedef struct
{
  GMutex  mutex;
  guint   n_calls;
  char   *path;
  GBytes *data;
  gboolean file_existed;
} ImageCalls;

static void
image_func_cb (const char *path,
               GBytes     *data,
               gpointer    user_data)
{
  ImageCalls *calls = user_data;

  g_mutex_lock (&calls->mutex);
  calls->n_calls++;
  g_free (calls->path);
  calls->path = g_strdup (path);
  g_clear_pointer (&calls->data, g_bytes_unref);
  calls->data = g_bytes_ref (data);
  calls->file_existed = g_file_test (path, G_FILE_TEST_EXISTS);
  g_mutex_unlock (&calls->mutex);
}

/* The image function hears of an upload with its bytes and the path its
 * file will have before that file is in place (the app starts its
 * thumbnail then), once per upload, and no more once unset. */
static void
test_image_func (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 51, "t");
  g_autoptr(GBytes) png = osais_test_make_png (32, 16, 5);
  g_autoptr(GBytes) second = osais_test_make_png (32, 16, 6);
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) unheard = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  ImageCalls calls = { 0 };

  g_mutex_init (&calls.mutex);
  osais_store_set_image_func (store, image_func_cb, &calls, NULL);
  osais_store_add_image_async (store, 51, "t", 0, png, "image/png", 32, 16, NULL,
                               osais_test_store_result_cb, &result);
  image = osais_store_add_image_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  path = g_file_get_path (osais_image_get_file (image));

  g_mutex_lock (&calls.mutex);
  g_assert_cmpuint (calls.n_calls, ==, 1);
  g_assert_cmpstr (calls.path, ==, path);
  g_assert_true (g_bytes_equal (calls.data, png));
  g_assert_false (calls.file_existed);
  g_mutex_unlock (&calls.mutex);

  osais_store_set_image_func (store, NULL, NULL, NULL);
  g_clear_object (&result);
  osais_store_add_image_async (store, 51, "t", 1, second, "image/png", 32, 16, NULL,
                               osais_test_store_result_cb, &result);
  unheard = osais_store_add_image_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_mutex_lock (&calls.mutex);
  g_assert_cmpuint (calls.n_calls, ==, 1);
  g_mutex_unlock (&calls.mutex);

  g_clear_object (&image);
  g_clear_object (&unheard);
  g_clear_object (&job);
  g_clear_object (&result);
  close_store (store);
  g_free (calls.path);
  g_bytes_unref (calls.data);
  g_mutex_clear (&calls.mutex);
  osais_test_remove_tree (dir);
}

/* The store hashes with the processor's SHA extensions where it has them:
 * its hashes must be GLib's for every way the padding can fall (a last
 * block with room for the length or not, exact blocks) and for a real
 * upload's size, from data that does not start on an aligned address. */
static void
test_image_hash (void)
{
  static const gsize sizes[] = { 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 540003 };
  g_autofree char *dir = make_data_dir ();
  g_autofree guint8 *noise = g_malloc (540003 + 1);
  OsaisStore *store = open_store (dir);
  G_GNUC_UNUSED g_autoptr(OsaisJob) job = create_job (store, 0, 50, "t");
  GAsyncResult *results[G_N_ELEMENTS (sizes)] = { NULL, };
  GBytes *datas[G_N_ELEMENTS (sizes)] = { NULL, };
  guint i;

  for (i = 0; i < 540003 + 1; i++)
    noise[i] = g_test_rand_int_range (0, 256);

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      datas[i] = g_bytes_new (noise + 1, sizes[i]);
      osais_store_add_image_async (store, 50, "t", 0, datas[i], "image/png", 64, 32,
                                   NULL, osais_test_store_result_cb, &results[i]);
    }

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OsaisImage) image = NULL;
      g_autofree char *expected = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, datas[i]);

      image = osais_store_add_image_finish (store, wait_result (&results[i]), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (osais_image_get_hash (image), ==, expected);
      g_clear_object (&results[i]);
      g_clear_pointer (&datas[i], g_bytes_unref);
    }

  close_store (store);
  osais_test_remove_tree (dir);
}

/* An image larger than the pieces the store writes it in (64 KiB, with a
 * remainder), every byte value in it: the file holds it exactly. */
static void
test_add_large_image (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 49, "t");
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  for (guint i = 0; i < 5 * 64 * 1024 + 4321; i++)
    {
      guint8 byte = (guint8) ((i * 2654435761u) >> 13);

      g_byte_array_append (array, &byte, 1);
    }
  data = g_byte_array_free_to_bytes (g_steal_pointer (&array));

  image = add_bytes_sync (store, 49, "t", 0, data, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osais_image_get_size (image), ==, g_bytes_get_size (data));
  path = g_file_get_path (osais_image_get_file (image));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  stored = g_bytes_new_take (g_steal_pointer (&contents), length);
  g_assert_true (g_bytes_equal (stored, data));

  close_store (store);
  osais_test_remove_tree (dir);
}

/* Uploads that arrive together are written in parallel; the same bytes sent
 * twice at once (OSAIS retrying) are stored once, and no temporary file is
 * left behind by the copy that was not needed. */
static void
test_add_image_concurrent (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *uid_dir = g_build_filename (dir, "images", "49", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 49, "t");
  GAsyncResult *results[16] = { NULL, };
  OsaisImage *images[16] = { NULL, };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autofree char *content = g_strdup_printf ("image %u", i / 2);
      g_autoptr(GBytes) data = g_bytes_new (content, strlen (content));

      /* Each image twice, the copy with another cycle (so another name). */
      osais_store_add_image_async (store, 49, "t", i % 2, data, "image/png", 64, 32,
                                   NULL, osais_test_store_result_cb, &results[i]);
    }

  for (i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr(GError) error = NULL;

      images[i] = osais_store_add_image_finish (store, wait_result (&results[i]), &error);
      g_assert_no_error (error);
      g_assert_true (OSAIS_IS_IMAGE (images[i]));
      g_clear_object (&results[i]);
    }

  for (i = 0; i < G_N_ELEMENTS (results); i += 2)
    {
      g_autofree char *path = g_file_get_path (osais_image_get_file (images[i]));

      g_assert_true (images[i] == images[i + 1]);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_cmpuint (count_files (uid_dir), ==, G_N_ELEMENTS (results) / 2);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE uid = 49"), ==,
                   G_N_ELEMENTS (results) / 2);
  run_for (50);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==,
                    G_N_ELEMENTS (results) / 2);

  for (i = 0; i < G_N_ELEMENTS (images); i++)
    g_object_unref (images[i]);
  close_store (store);
  osais_test_remove_tree (dir);
}

static gboolean
no_early_left (gpointer data)
{
  return osais_store_get_n_early (OSAIS_STORE (data)) == 0;
}

/* The callbacks outrun the reply to the request: each is acknowledged at
 * once, before the job exists, and applied when it is created. */
static void
test_early_applied_after_create (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  g_autofree char *job_dir = g_build_filename (dir, "images", "77", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GFile) early_file = NULL;
  g_autoptr(GError) error = NULL;
  guint request_id;

  request_id = osais_store_begin_request (store);
  g_assert_cmpuint (request_id, !=, 0);

  g_assert_true (notify_sync (store, 77, "t77", OSAIS_STAGE_REQUEST_SENT, 0, NULL, "sent", -1,
                              &error));
  g_assert_no_error (error);
  early_image = add_image_sync (store, 77, "t77", 0, "early image", &error);
  g_assert_no_error (error);
  g_assert_true (OSAIS_IS_IMAGE (early_image));
  g_assert_true (notify_sync (store, 77, "t77", OSAIS_STAGE_STARTED, 0, NULL, "early", -1,
                              &error));
  g_assert_no_error (error);

  /* Durable, and nothing in the model yet. */
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 3);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"), ==, 3);
  g_assert_cmpuint (count_files (early_dir), ==, 1);
  early_file = g_object_ref (osais_image_get_file (early_image));
  g_assert_true (g_file_query_exists (early_file, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  job = create_job (store, request_id, 77, "t77");

  /* In arrival order: "sent", then "early" from the later stage. */
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);
  g_assert_cmpstr (osais_job_get_description (job), ==, "early");
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  image = g_list_model_get_item (osais_job_get_images (job), 0);
  g_assert_true (g_str_has_prefix (g_file_peek_path (osais_image_get_file (image)), job_dir));
  g_assert_cmpstr (osais_image_get_hash (image), ==, osais_image_get_hash (early_image));
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM stages WHERE uid = 77"), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM images WHERE uid = 77"), ==, 1);

  /* Nothing early is left, on disk or in memory. */
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);
  g_assert_false (g_file_query_exists (early_file, NULL));

  close_store (store);
  osais_test_remove_tree (dir);
}

/* A callback whose token is not the one the reply brings was never OSAIS's
 * for that job: dropped with its file, never applied. */
static void
test_early_other_token_dropped (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(GError) error = NULL;
  guint request_id;

  request_id = osais_store_begin_request (store);
  g_assert_true (notify_sync (store, 80, "forged", OSAIS_STAGE_ERROR, 0, NULL, "forged", -1,
                              &error));
  early_image = add_image_sync (store, 80, "forged", 0, "forged image", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (early_dir), ==, 1);

  job = create_job (store, request_id, 80, "real");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_REQUEST_SENT);
  g_assert_null (osais_job_get_error_message (job));
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 0);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM stages"), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);

  close_store (store);
  osais_test_remove_tree (dir);
}

/* An early callback stays while any request that may bring its uid is in
 * flight, then for the grace, then goes with its file. */
static void
test_early_dropped_after_grace (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(GError) error = NULL;
  guint first, second;

  osais_store_set_early_grace (store, 1);
  first = osais_store_begin_request (store);
  second = osais_store_begin_request (store);
  g_assert_cmpuint (first, !=, second);

  g_assert_true (notify_sync (store, 78, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1, &error));
  early_image = add_image_sync (store, 78, "t", 0, "orphan image", &error);
  g_assert_no_error (error);

  /* One request remains that might still bring uid 78: no grace yet. */
  osais_store_cancel_request (store, first);
  run_for (1500);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"
                                   " WHERE expires IS NOT NULL"), ==, 0);

  /* None remains: the grace starts, and is written down. */
  osais_store_cancel_request (store, second);
  osais_test_wait_until (no_early_left, store, "the early callbacks to be dropped");
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);

  /* Nothing to claim them any more: a later request does not see them. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  close_store (store);
  osais_test_remove_tree (dir);
}

/* A flood of callbacks for made-up uids is bounded per request in flight. */
static void
test_early_bounded (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  GAsyncResult *results[65] = { NULL, };
  g_autoptr(GError) error = NULL;

  osais_store_begin_request (store);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    apply_notification (store, 1000 + i, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1,
                        NULL, osais_test_store_result_cb, &results[i]);

  /* 64 are kept and acknowledged; the 65th does not fit. */
  for (guint i = 0; i < 64; i++)
    {
      g_assert_true (osais_store_apply_notification_finish (store, wait_result (&results[i]),
                                                            &error));
      g_assert_no_error (error);
    }
  g_assert_false (osais_store_apply_notification_finish (store, wait_result (&results[64]),
                                                         &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 64);

  /* A second request in flight makes room for its own early callbacks. */
  osais_store_begin_request (store);
  g_assert_true (notify_sync (store, 2000, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 65);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_clear_object (&results[i]);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* Closing keeps early callbacks, as they were acknowledged: a store opened
 * again has them, keeps what was left of their grace, and removes files
 * that a run stopped before its commit left in images/early/. */
static void
test_early_survives_reopen (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  g_autofree char *stray = g_build_filename (early_dir, ".early.ABC123", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;
  gint64 expires;

  osais_store_begin_request (store);
  g_assert_true (notify_sync (store, 92, "t", OSAIS_STAGE_STARTED, 0, NULL, "kept", -1, &error));
  early_image = add_image_sync (store, 92, "t", 0, "kept image", &error);
  g_assert_no_error (error);
  close_store (store);

  g_assert_true (g_file_set_contents (stray, "half", -1, NULL));
  store = open_store (dir);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 2);
  g_assert_cmpuint (count_files (early_dir), ==, 1);
  g_assert_true (g_file_query_exists (osais_image_get_file (early_image), NULL));
  /* No request is in flight now: the grace runs from this opening. */
  expires = query_int (dir, "SELECT min(expires) FROM early_callbacks");
  g_assert_cmpint (expires, >, g_get_real_time ());
  close_store (store);

  /* Opened again, the grace goes on from where it was. */
  store = open_store (dir);
  g_assert_cmpint (query_int (dir, "SELECT min(expires) FROM early_callbacks"), ==, expires);

  /* Still claimable: a job created for that uid gets them. */
  job = create_job (store, 0, 92, "t");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);
  g_assert_cmpstr (osais_job_get_description (job), ==, "kept");
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);

  close_store (store);
  osais_test_remove_tree (dir);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  OsaisStore **store = user_data;
  g_autoptr(GError) error = NULL;

  *store = osais_store_open_finish (result, &error);
  g_assert_no_error (error);
}

/* Opens asynchronously and waits for the first page. */
static OsaisStore *
open_store_async (const char *dir)
{
  OsaisStore *store = NULL;

  osais_store_open_async (dir, NULL, open_cb, &store);
  while (store == NULL)
    g_main_context_iteration (NULL, TRUE);

  return store;
}

/* Closes @store and damages @table's root page, which the first page of
 * the list does not read unless @table is the jobs'. The root page is
 * asked while the store is open: a read-only connection closing last
 * would leave the log behind. */
static void
close_and_damage (OsaisStore *store,
                  const char *dir,
                  const char *table)
{
  gint64 page = osais_test_history_root_page (dir, table);

  close_store (store);
  osais_test_damage_history_page (dir, page);
}

static void
test_reopen (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) other = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) loaded_image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *image_path = NULL;
  g_autofree char *loaded_path = NULL;
  OsaisStore *reopened = NULL;

  job = create_job (store, 0, 50, "t50");
  other = create_job (store, 0, 51, "t51");
  g_assert_true (notify_sync (store, 50, "t50", OSAIS_STAGE_IMAGE_DONE, 1, "o.png", "img",
                              -1, &error));
  g_assert_true (notify_sync (store, 50, "t50", OSAIS_STAGE_FINISHED, 1, NULL, "done", 900,
                              &error));
  g_assert_true (notify_sync (store, 51, "t51", OSAIS_STAGE_ERROR, 0, NULL, "no GPU", -1,
                              &error));
  g_assert_no_error (error);
  image = add_image_sync (store, 50, "t50", 1, "output", &error);
  g_assert_no_error (error);
  image_path = g_file_get_path (osais_image_get_file (image));
  g_assert_true (osais_job_is_complete (job));
  g_clear_object (&job);
  g_clear_object (&other);
  close_store (store);

  osais_store_open_async (dir, NULL, open_cb, &reopened);
  while (reopened == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reopened)), ==, 2);
  job = g_list_model_get_item (G_LIST_MODEL (reopened), 1);
  other = g_list_model_get_item (G_LIST_MODEL (reopened), 0);
  g_assert_cmpint (osais_job_get_uid (job), ==, 50);
  g_assert_cmpint (osais_job_get_uid (other), ==, 51);
  g_assert_cmpstr (osais_job_get_token (job), ==, "t50");
  g_assert_cmpstr (osais_job_get_parameters (job), ==, "{\"word\":\"hi\"}");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpint (osais_job_get_cycle (job), ==, 1);
  g_assert_cmpint (osais_job_get_cost (job), ==, 900);
  g_assert_cmpstr (osais_job_get_description (job), ==, "done");
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_assert_true (osais_job_is_complete (job));
  g_assert_cmpint (osais_job_get_stage (other), ==, OSAIS_STAGE_ERROR);
  g_assert_cmpstr (osais_job_get_error_message (other), ==, "no GPU");

  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  loaded_image = g_list_model_get_item (osais_job_get_images (job), 0);
  loaded_path = g_file_get_path (osais_image_get_file (loaded_image));
  g_assert_cmpstr (loaded_path, ==, image_path);
  g_assert_cmpstr (osais_image_get_hash (loaded_image), ==, osais_image_get_hash (image));
  g_assert_cmpint (osais_image_get_cycle (loaded_image), ==, 1);

  /* What was recorded before still counts: a repeat is a duplicate. */
  g_assert_true (notify_sync (reopened, 50, "t50", OSAIS_STAGE_IMAGE_DONE, 1, "o.png", "img",
                              -1, &error));
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_clear_object (&image);
  image = add_image_sync (reopened, 50, "t50", 1, "output", &error);
  g_assert_no_error (error);
  g_assert_true (image == loaded_image);

  close_store (reopened);
  osais_test_remove_tree (dir);
}

static void
test_delete_job (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *uid_dir = g_build_filename (dir, "images", "60", NULL);
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 60, "t");
  G_GNUC_UNUSED g_autoptr(OsaisJob) other = create_job (store, 0, 61, "t");
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged changes = { 0 };

  image = add_image_sync (store, 60, "t", 0, "doomed", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (uid_dir, G_FILE_TEST_IS_DIR));

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  osais_store_delete_job_async (store, job, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_job_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes.n_calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_null (osais_store_lookup (store, 60));
  g_assert_false (g_file_test (uid_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 1);

  g_signal_handlers_disconnect_by_data (store, &changes);
  g_clear_object (&result);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* Deleting an image of a finished job leaves it finished and complete: it
 * no longer waits for the image, so it is never marked stalled, even after
 * the store is opened again. */
static void
test_delete_image_keeps_job_complete (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 63, "t");
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  first = add_image_sync (store, 63, "t", 0, "first", &error);
  second = add_image_sync (store, 63, "t", 1, "second", &error);
  g_assert_true (notify_sync (store, 63, "t", OSAIS_STAGE_IMAGE_DONE, 0, "a.png", NULL, -1, &error));
  g_assert_true (notify_sync (store, 63, "t", OSAIS_STAGE_IMAGE_DONE, 1, "b.png", NULL, -1, &error));
  g_assert_true (notify_sync (store, 63, "t", OSAIS_STAGE_FINISHED, 1, NULL, NULL, -1, &error));
  g_assert_no_error (error);
  g_assert_true (osais_job_is_complete (job));

  osais_store_delete_image_async (store, first, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_image_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_assert_true (osais_job_is_complete (job));
  g_clear_object (&job);
  g_clear_object (&result);  /* a task holds its source object, the store */
  close_store (store);

  store = open_store (dir);
  g_assert_true (osais_job_is_complete (osais_store_lookup (store, 63)));
  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_delete_image (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 62, "t");
  g_autoptr(OsaisImage) doomed = NULL;
  g_autoptr(OsaisImage) kept = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *doomed_path = NULL;
  g_autofree char *kept_path = NULL;
  ItemsChanged changes = { 0 };
  GListModel *images = osais_job_get_images (job);

  doomed = add_image_sync (store, 62, "t", 0, "doomed", &error);
  g_assert_no_error (error);
  kept = add_image_sync (store, 62, "t", 1, "kept", &error);
  g_assert_no_error (error);
  doomed_path = g_file_get_path (osais_image_get_file (doomed));
  kept_path = g_file_get_path (osais_image_get_file (kept));
  g_assert_true (g_file_test (doomed_path, G_FILE_TEST_EXISTS));

  g_signal_connect (images, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  osais_store_delete_image_async (store, doomed, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_image_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);

  /* The model changed before the callback, at the image's position only. */
  g_assert_cmpuint (changes.n_calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 1);
  g_assert_false (g_file_test (doomed_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 1);
  g_assert_nonnull (osais_store_lookup (store, 62));

  /* A second delete of the same image is refused. */
  g_clear_object (&result);
  osais_store_delete_image_async (store, doomed, NULL, osais_test_store_result_cb, &result);
  g_assert_false (osais_store_delete_image_finish (store, wait_result (&result), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_IMAGE);
  g_clear_error (&error);

  /* The same image uploaded again is stored anew, not taken for a duplicate. */
  g_clear_object (&doomed);
  doomed = add_image_sync (store, 62, "t", 0, "doomed", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (doomed_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images"), ==, 2);

  g_signal_handlers_disconnect_by_data (images, &changes);
  g_clear_object (&result);
  close_store (store);
  osais_test_remove_tree (dir);
}

static GBytes *
read_bytes (const char *path)
{
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));

  return g_bytes_new_take (contents, length);
}

static void
test_too_new (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE jobs (uid INTEGER PRIMARY KEY, future TEXT);"
                                 "INSERT INTO jobs VALUES (1, 'from the future');"
                                 "PRAGMA user_version = 99;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  before = read_bytes (path);

  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOO_NEW);
  g_test_message ("%s", error->message);

  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));

  osais_test_remove_tree (dir);
}

/* Schema 1, as OSAIS Studio 0.1 wrote it: stages had a UNIQUE index. */
static const char schema_1_sql[] =
  "CREATE TABLE jobs (uid INTEGER PRIMARY KEY, token TEXT NOT NULL, engine TEXT,"
  "  parameters TEXT, stage INTEGER NOT NULL DEFAULT 0, cycle INTEGER NOT NULL DEFAULT 0,"
  "  description TEXT, cost INTEGER NOT NULL DEFAULT -1, error_message TEXT,"
  "  created INTEGER NOT NULL, updated INTEGER NOT NULL,"
  "  announced_images INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX jobs_by_created ON jobs (created);"
  "CREATE TABLE stages (uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE,"
  "  stage INTEGER NOT NULL, cycle INTEGER NOT NULL, filename TEXT NOT NULL, descr TEXT,"
  "  received INTEGER NOT NULL, UNIQUE (uid, stage, cycle, filename));"
  "CREATE TABLE images (uid INTEGER NOT NULL REFERENCES jobs (uid) ON DELETE CASCADE,"
  "  cycle INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,"
  "  content_type TEXT NOT NULL, sha256 TEXT NOT NULL, width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL, received INTEGER NOT NULL, UNIQUE (uid, sha256));"
  "PRAGMA user_version = 1;";

static void
test_schema_1_updated (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GError) error = NULL;
  OsaisStore *store;
  OsaisJob *job;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_1_sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO jobs VALUES (7, 't7', 'diffusion', '{}', 4, 1,"
                                 "  'image', -1, NULL, 1000, 2000, 1);"
                                 "INSERT INTO stages VALUES (7, 3, 1, '', 'start', 1500);"
                                 "INSERT INTO stages VALUES (7, 4, 1, 'a.png', 'image', 2000);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = open_store (dir);
  /* Updated through schema 2 to the current one, in one transaction. */
  g_assert_cmpint (query_int (dir, "PRAGMA user_version"), ==, 5);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM sqlite_master"
                                   " WHERE type = 'table' AND name = 'early_callbacks'"), ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 7"), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM sqlite_master"
                                   " WHERE type = 'index' AND tbl_name = 'stages'"), ==, 0);
  job = osais_store_lookup (store, 7);
  g_assert_nonnull (job);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);

  /* What schema 1 recorded still makes a repeat a duplicate… */
  g_assert_true (notify_sync (store, 7, "t7", OSAIS_STAGE_IMAGE_DONE, 1, "a.png", "image",
                              -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 7"), ==, 2);

  /* …and what is new is recorded and applied. */
  g_assert_true (notify_sync (store, 7, "t7", OSAIS_STAGE_IMAGE_DONE, 2, "b.png", "image",
                              -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osais_job_get_announced_images (job), ==, 2);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 7"), ==, 3);

  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_damaged (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  for (guint i = 0; i < 4096; i++)
    g_string_append_c (garbage, (char)('a' + i % 26));
  g_assert_true (g_file_set_contents (path, garbage->str, garbage->len, NULL));

  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);

  after = read_bytes (path);
  g_assert_cmpuint (g_bytes_get_size (after), ==, garbage->len);
  g_assert_cmpmem (g_bytes_get_data (after, NULL), garbage->len, garbage->str, garbage->len);

  osais_test_remove_tree (dir);
}

static void
copy_file (const char *from_path,
           const char *to_path)
{
  g_autoptr(GFile) from = g_file_new_for_path (from_path);
  g_autoptr(GFile) to = g_file_new_for_path (to_path);
  g_autoptr(GError) error = NULL;

  g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Makes in @dir what a kill -9 leaves: a history whose last transaction is
 * only in its write-ahead log, with the log and the shared-memory file
 * beside it. Returns the root page of the images table, which that
 * transaction did not touch. */
static int
make_crash_image (const char *dir)
{
  g_autofree char *source = make_data_dir ();
  g_autofree char *source_path = g_build_filename (source, "history.sqlite3", NULL);
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  OsaisStore *store = open_store (source);
  sqlite3 *db = NULL;
  int root_page;

  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (create_job (store, 0, uid, "t"));
  close_store (store);

  g_assert_cmpint (sqlite3_open (source_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "PRAGMA wal_autocheckpoint = 0;"
                                 "INSERT INTO stages VALUES (1, 3, 1, '', 'start', 1500);"
                                 "INSERT INTO stages VALUES (2, 3, 1, '', 'start', 1500);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  root_page = query_int (source, "SELECT rootpage FROM sqlite_master WHERE name = 'images'");

  /* Copied while the connection is open, as a crash would leave them. */
  for (guint i = 0; i < 3; i++)
    {
      const char *suffix = (const char *[]) { "", "-wal", "-shm" }[i];
      g_autofree char *from = g_strconcat (source_path, suffix, NULL);
      g_autofree char *to = g_strconcat (path, suffix, NULL);

      copy_file (from, to);
    }
  sqlite3_close (db);
  osais_test_remove_tree (source);

  return root_page;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* The files of @dir, sorted, with their contents (not recursive). */
static GPtrArray *
snapshot_dir (const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *snapshot = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, file, NULL);

      g_ptr_array_add (snapshot, g_bytes_new (file, strlen (file) + 1));
      /* A folder by its name only. */
      g_ptr_array_add (snapshot, g_file_test (path, G_FILE_TEST_IS_DIR) ?
                                 g_bytes_new (NULL, 0) : read_bytes (path));
    }

  return snapshot;
}

static void
assert_snapshot_equal (GPtrArray *before,
                       GPtrArray *after)
{
  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    {
      GBytes *a = g_ptr_array_index (before, i);
      GBytes *b = g_ptr_array_index (after, i);

      g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
                       g_bytes_get_data (b, NULL), g_bytes_get_size (b));
    }
}

/* Makes page @page of the history in @dir garbage. */
/* Without a log beside it, the history is checked in place. */
static void
test_damaged_page_untouched (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  store = open_store (dir);
  g_object_unref (create_job (store, 0, 1, "t"));
  close_store (store);
  osais_test_damage_history_page (dir, osais_test_history_root_page (dir, "images"));
  before = snapshot_dir (dir);

  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);

  osais_test_remove_tree (dir);
}

static void
test_damaged_with_wal_untouched (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  /* The images table's root page, in the database only, becomes garbage. */
  osais_test_damage_history_page (dir, make_crash_image (dir));

  before = snapshot_dir (dir);
  g_assert_cmpuint (before->len, ==, 2 * 3);

  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);

  /* The database, its log and its shared memory, byte for byte; nothing more. */
  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);

  osais_test_remove_tree (dir);
}

static gboolean
store_damaged (gpointer data)
{
  return osais_store_get_damage (data) != NULL;
}

/* The asynchronous opening gives its first page without waiting for the
 * integrity check, which reads the whole file; writes wait for it. */
static void
test_open_async_before_check (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store = open_store (dir);

  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (create_job (store, 0, uid, "t"));
  close_store (store);

  osais_store_hold_checks (TRUE);
  store = open_store_async (dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);

  /* Held until the check passes. */
  osais_store_create_job_async (store, 0, 4, "t", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 3);

  osais_store_hold_checks (FALSE);
  job = osais_store_create_job_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (osais_store_get_damage (store));
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 4);

  g_clear_object (&result);
  g_clear_object (&job);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* Damage that the first page does not read, found by the check after the
 * opening returned: the store says so, every write fails, and the history
 * is left byte for byte as it was. */
static void
test_open_async_damage_found_later (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *early = g_build_filename (dir, "images", "early", NULL);
  g_autoptr(GAsyncResult) created = NULL;
  g_autoptr(GAsyncResult) notified = NULL;
  g_autoptr(GAsyncResult) added = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("late", 4);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store = open_store (dir);
  const GError *damage;
  guint request_id;

  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (create_job (store, 0, uid, "t"));
  g_assert_true (notify_sync (store, 1, "t", OSAIS_STAGE_STARTED, 1, NULL, "start", -1, &error));
  g_assert_no_error (error);
  close_and_damage (store, dir, "stages");
  before = snapshot_dir (dir);

  osais_store_hold_checks (TRUE);
  store = open_store_async (dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  g_assert_null (osais_store_get_damage (store));

  /* Writes of each kind, waiting for the check: a new job, a notification,
   * and an image with a request in flight (which would be kept early). */
  osais_store_create_job_async (store, 0, 4, "t", "ping", "{}", NULL,
                                osais_test_store_result_cb, &created);
  apply_notification (store, 2, "t", OSAIS_STAGE_STARTED, 1, NULL, "start", -1, NULL,
                      osais_test_store_result_cb, &notified);
  request_id = osais_store_begin_request (store);
  osais_store_add_image_async (store, 99, "t99", 0, data, "image/png", 64, 32, NULL,
                               osais_test_store_result_cb, &added);
  osais_store_hold_checks (FALSE);

  osais_test_wait_until (store_damaged, store, "the damage");
  damage = osais_store_get_damage (store);
  g_assert_error ((GError *) damage, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_assert_nonnull (strstr (damage->message, path));
  g_test_message ("%s", damage->message);

  g_assert_null (osais_store_create_job_finish (store, wait_result (&created), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_clear_error (&error);
  g_assert_false (osais_store_apply_notification_finish (store, wait_result (&notified), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_clear_error (&error);
  g_assert_null (osais_store_add_image_finish (store, wait_result (&added), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_clear_error (&error);
  osais_store_cancel_request (store, request_id);

  g_clear_object (&created);
  g_clear_object (&notified);
  g_clear_object (&added);
  close_store (store);
  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);
  g_assert_false (g_file_test (early, G_FILE_TEST_EXISTS));

  osais_test_remove_tree (dir);
}

/* A store closed while its deferred check waits (or runs) does not wait
 * for it when nothing is queued: closing an app that has just started
 * takes no second of checking. The stopped check found nothing and
 * vouched for nothing: the next opening checks again and finds the damage. */
static void
test_close_stops_check (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  OsaisStore *store = open_store (dir);

  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (create_job (store, 0, uid, "t"));
  close_and_damage (store, dir, "stages");
  before = snapshot_dir (dir);

  /* Held: without the stop, closing would wait for the release forever. */
  osais_store_hold_checks (TRUE);
  store = open_store_async (dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  close_store (store);
  osais_store_hold_checks (FALSE);
  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);

  store = open_store_async (dir);
  osais_test_wait_until (store_damaged, store, "the damage");
  g_assert_error ((GError *) osais_store_get_damage (store), OSAIS_STORE_ERROR,
                  OSAIS_STORE_ERROR_DAMAGED);
  close_store (store);

  osais_test_remove_tree (dir);
}

static gpointer
close_store_thread (gpointer data)
{
  osais_store_close (data);
  return NULL;
}

static gboolean
store_closing (gpointer data)
{
  OsaisStore *store = data;

  gboolean closing;

  g_mutex_lock (&store->mutex);
  closing = store->closing;
  g_mutex_unlock (&store->mutex);

  return closing;
}

/* A write queued behind the check is not dropped by closing: the close
 * waits for the check, and the write goes in. */
static void
test_close_waits_for_check_with_writes (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store = open_store (dir);
  GThread *closer;

  g_object_unref (create_job (store, 0, 1, "t"));
  close_store (store);

  osais_store_hold_checks (TRUE);
  store = open_store_async (dir);
  osais_store_create_job_async (store, 0, 2, "t", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);

  closer = g_thread_new ("closer", close_store_thread, store);
  osais_test_wait_until (store_closing, store, "the store closing");
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 1);
  osais_store_hold_checks (FALSE);
  g_thread_join (closer);

  job = osais_store_create_job_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 2);

  g_clear_object (&result);
  g_clear_object (&job);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* Damage that the first page reads, met before the check: refused as the
 * check refuses it, and left as it was. */
static void
test_open_async_damaged_first_page (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store = open_store (dir);

  for (gint64 uid = 1; uid <= 3; uid++)
    g_object_unref (create_job (store, 0, uid, "t"));
  close_and_damage (store, dir, "jobs");
  before = snapshot_dir (dir);

  osais_store_open_async (dir, NULL, osais_test_store_result_cb, &result);
  store = osais_store_open_finish (wait_result (&result), &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_test_message ("%s", error->message);

  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);
  osais_test_remove_tree (dir);
}

static void
test_empty_history_refused (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm_path = g_strconcat (path, "-shm", NULL);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  /* Alone: not taken for a new history. */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 1);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* With the log of the history it was: SQLite would delete the log. */
  make_crash_image (dir);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  before = snapshot_dir (dir);
  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_clear_error (&error);
  after = snapshot_dir (dir);
  assert_snapshot_equal (before, after);

  /* Or without the database at all. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED);
  g_test_message ("%s", error->message);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (wal_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (shm_path, G_FILE_TEST_IS_REGULAR));

  osais_test_remove_tree (dir);
}

static void
test_check_refused_while_open (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autoptr(OsaisStoreCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = NULL;
  OsaisStore *store;

  store = open_store (dir);
  check = osais_store_check (dir, TRUE, &error);
  g_assert_null (check);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IN_USE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  moved = osais_store_move_aside (dir, &error);
  g_assert_null (moved);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IN_USE);
  g_clear_error (&error);
  close_store (store);

  check = osais_store_check (dir, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (check->integrity, ==, "ok");
  g_assert_true (osais_store_check_is_healthy (check));

  osais_test_remove_tree (dir);
}

static void
test_move_aside_keeps_everything (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = NULL;
  OsaisStore *store;

  make_crash_image (dir);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  before = snapshot_dir (dir);

  moved = osais_store_move_aside (dir, &error);
  g_assert_no_error (error);
  g_test_message ("moved aside to %s", moved);
  g_assert_true (g_str_has_prefix (moved, path));
  for (guint i = 0; i < 3; i++)
    {
      /* In snapshot_dir()'s order. */
      const char *suffix = (const char *[]) { "", "-shm", "-wal" }[i];
      g_autofree char *name = g_strconcat ("history.sqlite3", suffix, NULL);
      g_autofree char *moved_file = g_strconcat (moved, suffix, NULL);
      g_autoptr(GBytes) contents = read_bytes (moved_file);

      g_assert_cmpstr (g_bytes_get_data (g_ptr_array_index (before, 2 * i), NULL), ==, name);
      g_assert_true (g_bytes_equal (g_ptr_array_index (before, 2 * i + 1), contents));
    }

  /* A new history starts beside the one moved aside. */
  store = open_store (dir);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  close_store (store);

  osais_test_remove_tree (dir);
}

/* Whether this process may make a mount namespace of its own: asked in a
 * child, since a namespace, once made, stays. */
static gboolean
can_make_mount_namespace (void)
{
  int status = 0;
  pid_t pid = fork ();

  if (pid == 0)
    _exit (unshare (CLONE_NEWNS) == 0 &&
           mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 ? 0 : 1);

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);

  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* In the test's subprocess: TRUE, with a mount namespace of its own,
 * private to it. A namespace is a thread's: it is made in a process of its
 * own before any thread is (GLib keeps a thread pool's idle threads for
 * others). In the test itself: the subprocess run and checked (or the test
 * skipped without the capability), and FALSE. */
static gboolean
in_mount_namespace (void)
{
  if (!g_test_subprocess ())
    {
      if (!can_make_mount_namespace ())
        g_test_skip ("This test needs to make a mount namespace (CAP_SYS_ADMIN)");
      else
        {
          g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
          g_test_trap_assert_passed ();
        }
      return FALSE;
    }

  g_assert_cmpint (unshare (CLONE_NEWNS), ==, 0);
  g_assert_cmpint (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
  return TRUE;
}

/* Makes @path read-only as a read-only mount does (root ignores
 * permissions): a read-only bind mount, seen only in this process's mount
 * namespace (see test_read_only_folder()). */
static void
mount_read_only (const char *path)
{
  g_assert_cmpint (mount (path, path, NULL, MS_BIND, NULL), ==, 0);
  g_assert_cmpint (mount (NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), ==, 0);
}

/* A boolean property of the store, waited for until it has a value. */
typedef struct
{
  OsaisStore *store;
  const char *property;
  gboolean    value;
} StoreFlag;

static gboolean
store_flag_is (gpointer data)
{
  StoreFlag *flag = data;
  gboolean value = FALSE;

  g_object_get (flag->store, flag->property, &value, NULL);
  return value == flag->value;
}

static void
test_read_only_folder (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *images = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  if (!in_mount_namespace ())
    return;

  dir = make_data_dir ();
  images = g_build_filename (dir, "images", NULL);
  store = open_store (dir);
  job = create_job (store, 0, 7, "t7");
  mount_read_only (images);

  /* A notification goes to the database, which can still be written:
   * stored, and so acknowledged. */
  g_assert_true (notify_sync (store, 7, "t7", OSAIS_STAGE_STARTED, 0, NULL, "started", -1,
                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 7"), ==, 1);

  /* An image cannot be stored: refused, saying why. */
  image = add_image_sync (store, 7, "t7", 1, "an image", &error);
  g_assert_null (image);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, "Read-only"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 0);
  /* And the store says so, for the app to show, until an image is stored. */
  osais_test_wait_until (store_flag_is, &(StoreFlag) { store, "images-read-only", TRUE },
                         "the store to say images/ is read-only");
  g_assert_cmpint (umount2 (images, MNT_DETACH), ==, 0);
  image = add_image_sync (store, 7, "t7", 1, "an image", &error);
  g_assert_no_error (error);
  osais_test_wait_until (store_flag_is, &(StoreFlag) { store, "images-read-only", FALSE },
                         "the store to say images/ is writable");
  close_store (store);

  /* A data folder that is read-only as a whole: refused at opening, plainly. */
  mount_read_only (dir);
  store = osais_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_test_message ("%s", error->message);
  g_assert_cmpint (umount2 (dir, MNT_DETACH), ==, 0);

  osais_test_remove_tree (dir);
}

/* The images' file system fills while the database's has room: the image
 * is refused as DISK_FULL and the store says the disk is full, until an
 * image is stored again. A 64 KiB tmpfs over images/, in a mount namespace
 * of this process's own. */
static void
test_image_disk_full (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *images = NULL;
  g_autofree char *big = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;
  OsaisStore *store;

  if (!in_mount_namespace ())
    return;

  dir = make_data_dir ();
  images = g_build_filename (dir, "images", NULL);
  store = open_store (dir);
  job = create_job (store, 0, 8, "t8");
  g_assert_cmpint (mount ("tmpfs", images, "tmpfs", 0, "size=64k"), ==, 0);

  big = g_malloc0 (256 * 1024 + 1);
  memset (big, 'x', 256 * 1024);
  image = add_image_sync (store, 8, "t8", 0, big, &error);
  g_assert_null (image);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  osais_test_wait_until (store_flag_is, &(StoreFlag) { store, "disk-full", TRUE },
                         "the store to say the disk is full");
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 0);

  /* Space again: the next image is stored, and the state goes. */
  g_assert_cmpint (umount2 (images, MNT_DETACH), ==, 0);
  image = add_image_sync (store, 8, "t8", 0, "a small image", &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  osais_test_wait_until (store_flag_is, &(StoreFlag) { store, "disk-full", FALSE },
                         "the store to have space again");

  close_store (store);
  osais_test_remove_tree (dir);
}

/* What a kill -9 between writing an image and renaming it leaves behind:
 * write_temp_file()'s name for it. */
#define CRASH_LEFTOVER ".2-0123456789abcdef.png.Ab3dE9"

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static gboolean
exists_in (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Starts `osais serve` on @dir, waits until it listens, and kills it with
 * SIGKILL: what a crash leaves, made by a crash. */
static void
kill_serving_cli (const char *dir)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, g_getenv ("OSAIS_CLI"), "--data-dir", dir, "serve",
                              "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "http://127.0.0.1:"));

  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
}

static void
test_crash_leftovers_removed (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *job_dir = g_build_filename (images, "42", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autofree char *image_path = NULL;
  OsaisStore *store;
  OsaisStore *second;
  OsaisJob *job;

  store = open_store (dir);
  g_object_unref (create_job (store, 0, 42, "t42"));
  image = add_image_sync (store, 42, "t42", 1, "a stored image", &error);
  g_assert_no_error (error);
  image_path = g_file_get_path (osais_image_get_file (image));

  /* Another store has the folder open: the file may be one it is writing. */
  write_file (job_dir, ".3-fedcba9876543210.jpg.Zz0099", "being written");
  second = open_store (dir);
  g_assert_true (exists_in (job_dir, ".3-fedcba9876543210.jpg.Zz0099"));
  close_store (second);
  close_store (store);

  /* The leftover, and names that only look like one: never ours to remove. */
  kill_serving_cli (dir);
  write_file (job_dir, CRASH_LEFTOVER, "half an image");
  write_file (job_dir, ".2-0123456789abcdef.png", "not a temporary name");
  write_file (job_dir, ".2-0123456789abcde.png.Ab3dE9", "a hash too short");
  write_file (job_dir, "notes.txt", "the user's");
  write_file (images, CRASH_LEFTOVER, "not in a job's folder");
  write_file (dir, CRASH_LEFTOVER, "not in images/");

  store = open_store (dir);
  g_assert_false (exists_in (job_dir, CRASH_LEFTOVER));
  g_assert_false (exists_in (job_dir, ".3-fedcba9876543210.jpg.Zz0099"));
  g_assert_true (exists_in (job_dir, ".2-0123456789abcdef.png"));
  g_assert_true (exists_in (job_dir, ".2-0123456789abcde.png.Ab3dE9"));
  g_assert_true (exists_in (job_dir, "notes.txt"));
  g_assert_true (exists_in (images, CRASH_LEFTOVER));
  g_assert_true (exists_in (dir, CRASH_LEFTOVER));
  g_assert_true (g_file_test (image_path, G_FILE_TEST_IS_REGULAR));
  job = osais_store_lookup (store, 42);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  close_store (store);

  osais_test_remove_tree (dir);
}

/* A crash while a copy was being checked leaves the copy's folder. */
static void
test_check_copy_leftovers_removed (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *copy_dir = g_build_filename (dir, "history.sqlite3.check-Ab3dE9", NULL);
  g_autofree char *other_dir = g_build_filename (dir, "history.sqlite3.check-mine", NULL);
  OsaisStore *store;

  g_assert_cmpint (g_mkdir (copy_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
  write_file (copy_dir, "history.sqlite3", "a copy");
  write_file (other_dir, "notes.txt", "the user's");

  store = open_store (dir);
  g_assert_false (g_file_test (copy_dir, G_FILE_TEST_EXISTS));
  g_assert_true (exists_in (other_dir, "notes.txt"));
  close_store (store);

  osais_test_remove_tree (dir);
}

static void
iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_disk_full_recovers (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *job_images = g_build_filename (dir, "images", "1", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) second = NULL;
  g_autoptr(OsaisImage) image = NULL;
  guint n_notifies = 0;
  OsaisStore *store;

  osais_test_full_disk_install ();
  store = open_store (dir);
  g_signal_connect (store, "notify::disk-full", G_CALLBACK (count_notify_cb), &n_notifies);
  job = create_job (store, 0, 1, "t1");
  g_assert_false (osais_store_get_disk_full (store));

  /* The disk fills: each callback is refused, said so, and nothing of it stays. */
  osais_test_set_disk_full (TRUE);
  g_assert_false (notify_sync (store, 1, "t1", OSAIS_STAGE_STARTED, 0, NULL, "started", -1,
                               &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  iterate_pending ();
  g_assert_true (osais_store_get_disk_full (store));
  g_assert_cmpuint (n_notifies, ==, 1);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_REQUEST_SENT);

  image = add_image_sync (store, 1, "t1", 1, "an image", &error);
  g_assert_null (image);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (job_images), ==, 0);

  osais_store_create_job_async (store, 0, 2, "t2", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  g_assert_null (osais_store_create_job_finish (store, wait_result (&result), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_clear_error (&error);
  g_clear_object (&result);
  iterate_pending ();
  g_assert_null (osais_store_lookup (store, 2));
  g_assert_cmpuint (n_notifies, ==, 1);

  /* Space again: the same callbacks, sent again, are stored, once each. */
  osais_test_set_disk_full (FALSE);
  g_assert_true (notify_sync (store, 1, "t1", OSAIS_STAGE_STARTED, 0, NULL, "started", -1,
                              &error));
  g_assert_no_error (error);
  iterate_pending ();
  g_assert_false (osais_store_get_disk_full (store));
  g_assert_cmpuint (n_notifies, ==, 2);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_STARTED);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 1"), ==, 1);

  image = add_image_sync (store, 1, "t1", 1, "an image", &error);
  g_assert_no_error (error);
  g_assert_true (g_file_query_exists (osais_image_get_file (image), NULL));
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM images WHERE uid = 1"), ==, 1);
  second = create_job (store, 0, 2, "t2");
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM jobs"), ==, 2);

  g_signal_handlers_disconnect_by_data (store, &n_notifies);
  close_store (store);
  osais_test_full_disk_uninstall ();
  osais_test_remove_tree (dir);
}

/* The reply comes while the disk is full: the job is not created, and the
 * early callbacks it would have claimed stay, file included, for the reply
 * to claim once there is space. */
static void
test_early_survives_disk_full (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisStore *store;
  guint request_id;

  osais_test_full_disk_install ();
  store = open_store (dir);
  request_id = osais_store_begin_request (store);
  g_assert_true (notify_sync (store, 7, "t7", OSAIS_STAGE_STARTED, 0, NULL, "early", -1,
                              &error));
  early_image = add_image_sync (store, 7, "t7", 0, "early bytes", &error);
  g_assert_no_error (error);

  osais_test_set_disk_full (TRUE);
  osais_store_create_job_async (store, request_id, 7, "t7", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  g_assert_null (osais_store_create_job_finish (store, wait_result (&result), &error));
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_null (osais_store_lookup (store, 7));
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 2);
  g_assert_true (g_file_query_exists (osais_image_get_file (early_image), NULL));
  g_assert_cmpuint (count_files (early_dir), ==, 1);

  osais_test_set_disk_full (FALSE);
  job = create_job (store, 0, 7, "t7");
  g_assert_cmpstr (osais_job_get_description (job), ==, "early");
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);

  close_store (store);
  osais_test_full_disk_uninstall ();
  osais_test_remove_tree (dir);
}

/* An early image whose file cannot be written is refused (so OSAIS sends it
 * again) and leaves nothing behind: no row, no file, nothing for the reply
 * to claim; sent again once there is space, it is kept and claimed. */
static void
test_early_image_disk_full (void)
{
  g_autofree char *dir = make_data_dir ();
  g_autofree char *early_dir = g_build_filename (dir, "images", "early", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisImage) refused = NULL;
  g_autoptr(OsaisImage) early_image = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisStore *store;
  guint request_id;

  osais_test_full_disk_install ();
  store = open_store (dir);
  request_id = osais_store_begin_request (store);

  osais_test_set_disk_full (TRUE);
  refused = add_image_sync (store, 8, "t8", 0, "early bytes", &error);
  g_assert_null (refused);
  g_assert_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DISK_FULL);
  g_clear_error (&error);
  iterate_pending ();
  g_assert_true (osais_store_get_disk_full (store));
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT count(*) FROM early_callbacks"), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);

  osais_test_set_disk_full (FALSE);
  early_image = add_image_sync (store, 8, "t8", 0, "early bytes", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 1);
  job = create_job (store, request_id, 8, "t8");
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (osais_store_get_n_early (store), ==, 0);
  g_assert_cmpuint (count_files (early_dir), ==, 0);

  close_store (store);
  osais_test_full_disk_uninstall ();
  osais_test_remove_tree (dir);
}

typedef struct
{
  OsaisStore *store;
  guint       n_pending;
  guint       n_failed;
} BulkCreate;

static void
bulk_create_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  BulkCreate *bulk = user_data;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;

  job = osais_store_create_job_finish (bulk->store, result, &error);
  if (job == NULL)
    bulk->n_failed++;
  bulk->n_pending--;
}

#define N_BULK_JOBS 10000

static void
test_load_10000_jobs (void)
{
  g_autofree char *dir = make_data_dir ();
  BulkCreate bulk = { 0 };
  g_autoptr(OsaisJob) newest = NULL;
  g_autoptr(OsaisJob) oldest = NULL;
  guint64 commits;
  gint64 begin;
  gint64 elapsed;

  bulk.store = open_store (dir);
  commits = osais_store_get_n_commits (bulk.store);
  begin = g_get_monotonic_time ();
  for (guint i = 0; i < N_BULK_JOBS; i++)
    {
      g_autofree char *token = g_strdup_printf ("token-%u", i);

      bulk.n_pending++;
      osais_store_create_job_async (bulk.store, 0, 100000 + i, token, "diffusion",
                                    "{\"word\":\"a cat\",\"steps\":20}", NULL,
                                    bulk_create_cb, &bulk);
    }
  while (bulk.n_pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (bulk.n_failed, ==, 0);
  g_test_message ("Created %d jobs in %.1f ms, %" G_GUINT64_FORMAT " transactions",
                  N_BULK_JOBS, (g_get_monotonic_time () - begin) / 1000.0,
                  osais_store_get_n_commits (bulk.store) - commits);
  close_store (bulk.store);

  begin = g_get_monotonic_time ();
  bulk.store = open_store (dir);
  elapsed = g_get_monotonic_time () - begin;
  g_test_message ("Opened a history of %d jobs in %.1f ms",
                  N_BULK_JOBS, elapsed / 1000.0);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bulk.store)), ==, N_BULK_JOBS);
  newest = g_list_model_get_item (G_LIST_MODEL (bulk.store), 0);
  oldest = g_list_model_get_item (G_LIST_MODEL (bulk.store), N_BULK_JOBS - 1);
  g_assert_cmpint (osais_job_get_uid (newest), ==, 100000 + N_BULK_JOBS - 1);
  g_assert_cmpint (osais_job_get_uid (oldest), ==, 100000);
  /* Generous, so that a loaded CI machine passes; a per-job query or a
   * per-job transaction would still be well over it. */
  if (!osais_test_is_sanitized ())
    g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);

  g_clear_object (&newest);
  g_clear_object (&oldest);
  close_store (bulk.store);
  osais_test_remove_tree (dir);
}

/* An asynchronous opening returns with the newest jobs and appends the
 * rest, a page at a time, at the end of the list; a callback for a job of
 * a later page, sent before that page is read, is applied all the same. */
#define N_PAGED_JOBS 4000

typedef struct
{
  guint n_changes;
  guint n_misplaced;
} PagedChanges;

static void
paged_items_changed_cb (GListModel   *model,
                        guint         position,
                        guint         removed,
                        guint         added,
                        PagedChanges *changes)
{
  changes->n_changes++;
  if (removed != 0 || position + added != g_list_model_get_n_items (model))
    changes->n_misplaced++;
}

static void
test_open_async_pages (void)
{
  g_autofree char *dir = make_data_dir ();
  BulkCreate bulk = { 0 };
  OsaisStore *store = NULL;
  PagedChanges changes = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("late", 4);
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisJob) newest = NULL;
  g_autoptr(OsaisJob) oldest = NULL;
  g_autoptr(GError) error = NULL;
  guint n_first;

  bulk.store = open_store (dir);
  for (guint i = 0; i < N_PAGED_JOBS; i++)
    {
      g_autofree char *token = g_strdup_printf ("token-%u", i);

      bulk.n_pending++;
      osais_store_create_job_async (bulk.store, 0, 100000 + i, token, "diffusion", "{}", NULL,
                                    bulk_create_cb, &bulk);
    }
  while (bulk.n_pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (bulk.n_failed, ==, 0);
  close_store (bulk.store);

  store = open_store_async (dir);

  /* The newest jobs only, in order, and the loading not over. */
  n_first = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_test_message ("The opening returned with %u of %d jobs", n_first, N_PAGED_JOBS);
  g_assert_cmpuint (n_first, >, 0);
  g_assert_cmpuint (n_first, <, N_PAGED_JOBS);
  g_assert_false (osais_store_get_history_loaded (store));
  newest = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpint (osais_job_get_uid (newest), ==, 100000 + N_PAGED_JOBS - 1);

  g_signal_connect (store, "items-changed", G_CALLBACK (paged_items_changed_cb), &changes);
  /* The oldest job is in the last page: its image waits for it. */
  osais_store_add_image_async (store, 100000, "token-0", 0, data, "image/png", 64, 32, NULL,
                               osais_test_store_result_cb, &result);
  image = osais_store_add_image_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);

  while (!osais_store_get_history_loaded (store))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, N_PAGED_JOBS);
  g_assert_cmpuint (changes.n_changes, >, 1);
  g_assert_cmpuint (changes.n_misplaced, ==, 0);
  oldest = g_list_model_get_item (G_LIST_MODEL (store), N_PAGED_JOBS - 1);
  g_assert_cmpint (osais_job_get_uid (oldest), ==, 100000);
  g_assert_true (osais_store_lookup (store, 100000) == oldest);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (oldest)), ==, 1);

  g_signal_handlers_disconnect_by_data (store, &changes);
  g_clear_object (&result);
  g_clear_object (&newest);
  g_clear_object (&oldest);
  g_clear_object (&image);
  close_store (store);
  osais_test_remove_tree (dir);
}

/* The opening's first page is a screen of the gallery's tiles, counted in
 * images (or a card for a job without), not in jobs: before, 16 jobs of 5
 * images gave the grid 80 cells to build before its first frame. */
static guint
first_page_jobs (guint n_jobs,
                 guint images_per_job)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  guint n_first;

  for (guint i = 0; i < n_jobs; i++)
    {
      g_autoptr(OsaisJob) job = osais_test_store_create_job (store, 1000 + i, "{}");

      for (guint cycle = 0; cycle < images_per_job; cycle++)
        g_object_unref (osais_test_store_add_image (store, 1000 + i, cycle, 8, 8));
    }
  close_store (store);

  store = open_store_async (dir);
  n_first = g_list_model_get_n_items (G_LIST_MODEL (store));
  g_test_message ("Jobs of %u images: the opening returned with %u of %u", images_per_job,
                  n_first, n_jobs);
  g_assert_false (osais_store_get_history_loaded (store));

  while (!osais_store_get_history_loaded (store))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_jobs);
  close_store (store);
  osais_test_remove_tree (dir);

  return n_first;
}

static void
test_open_async_first_page_a_screen (void)
{
  /* Just enough jobs for the tiles: ⌈32 / 5⌉, ⌈32 / 2⌉, and 32 cards. */
  g_assert_cmpuint (first_page_jobs (20, 5), ==,
                    (OSAIS_STORE_FIRST_PAGE_ITEMS + 4) / 5);
  g_assert_cmpuint (first_page_jobs (40, 2), ==, OSAIS_STORE_FIRST_PAGE_ITEMS / 2);
  g_assert_cmpuint (first_page_jobs (40, 0), ==, OSAIS_STORE_FIRST_PAGE_ITEMS);
}

#define N_THREADS          8
#define N_CALLS_PER_THREAD 50

typedef struct
{
  OsaisStore *store;
  guint       index;
  guint       n_pending;
  guint       n_failed;
} ApplyThread;

static void
thread_apply_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ApplyThread *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_apply_notification_finish (data->store, result, &error))
    data->n_failed++;
  data->n_pending--;
}

static gpointer
apply_thread (gpointer user_data)
{
  ApplyThread *data = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  /* Like the callback server: its own thread, its own context. */
  g_main_context_push_thread_default (context);
  for (guint i = 0; i < N_CALLS_PER_THREAD; i++)
    {
      g_autofree char *filename = g_strdup_printf ("out-%u-%u.png", data->index, i);

      data->n_pending++;
      apply_notification (data->store, 90, "t", OSAIS_STAGE_IMAGE_DONE,
                          data->index * N_CALLS_PER_THREAD + i, filename, NULL, -1,
                          NULL, thread_apply_cb, data);
    }
  while (data->n_pending > 0)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_group_commit (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 90, "t");
  ApplyThread threads[N_THREADS] = { { 0 } };
  GThread *handles[N_THREADS];
  const guint n_calls = N_THREADS * N_CALLS_PER_THREAD;
  guint64 commits_before;
  guint64 commits;
  gint64 begin;
  gint64 elapsed;

  commits_before = osais_store_get_n_commits (store);
  begin = g_get_monotonic_time ();
  for (guint i = 0; i < N_THREADS; i++)
    {
      threads[i].store = store;
      threads[i].index = i;
      handles[i] = g_thread_new ("apply", apply_thread, &threads[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (handles[i]);
  elapsed = g_get_monotonic_time () - begin;
  commits = osais_store_get_n_commits (store) - commits_before;

  g_test_message ("%u notifications from %d threads: %" G_GUINT64_FORMAT
                  " transactions, %.1f ms", n_calls, N_THREADS, commits, elapsed / 1000.0);

  for (guint i = 0; i < N_THREADS; i++)
    g_assert_cmpuint (threads[i].n_failed, ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM stages WHERE uid = 90"), ==, n_calls);
  g_assert_cmpint (query_int (dir, "SELECT announced_images FROM jobs WHERE uid = 90"),
                   ==, n_calls);
  /* Shared transactions: far fewer commits than calls. */
  g_assert_cmpuint (commits, >=, 1);
  g_assert_cmpuint (commits, <=, n_calls / 4);

  /* The main context catches up with what was committed. */
  while (osais_job_get_announced_images (job) < n_calls)
    g_main_context_iteration (NULL, TRUE);

  close_store (store);
  osais_test_remove_tree (dir);
}

typedef struct
{
  OsaisStore *store;
  gboolean    acknowledged;
} AckThread;

static void
ack_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  AckThread *data = user_data;
  g_autoptr(GError) error = NULL;

  data->acknowledged = osais_store_apply_notification_finish (data->store, result, &error);
  g_assert_no_error (error);
}

static gpointer
ack_thread (gpointer user_data)
{
  AckThread *data = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  apply_notification (data->store, 91, "t", OSAIS_STAGE_STARTED, 0, NULL, NULL, -1,
                      NULL, ack_cb, data);
  while (!data->acknowledged)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
record_thread_cb (GObject    *object,
                  GParamSpec *pspec,
                  GThread   **thread)
{
  *thread = g_thread_self ();
}

static void
test_ack_does_not_wait_for_main (void)
{
  g_autofree char *dir = make_data_dir ();
  OsaisStore *store = open_store (dir);
  g_autoptr(OsaisJob) job = create_job (store, 0, 91, "t");
  AckThread data = { store, FALSE };
  GThread *notified_on = NULL;
  GThread *thread;

  g_signal_connect (job, "notify::stage", G_CALLBACK (record_thread_cb), &notified_on);

  /* The main thread does not iterate its context while the callback is
   * applied: the acknowledgement arrives all the same ... */
  thread = g_thread_new ("ack", ack_thread, &data);
  g_thread_join (thread);
  g_assert_true (data.acknowledged);
  g_assert_null (notified_on);
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_REQUEST_SENT);

  /* ... and the job changes later, on the main thread only. */
  while (osais_job_get_stage (job) != OSAIS_STAGE_STARTED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (notified_on == g_thread_self ());

  g_signal_handlers_disconnect_by_data (job, &notified_on);
  close_store (store);
  osais_test_remove_tree (dir);
}

static void
test_default_data_dir (void)
{
  g_autofree char *dir = osais_store_default_data_dir ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "osais-studio", NULL);

  g_assert_cmpstr (dir, ==, expected);
}

/* A job's input image is kept beside its results, privately, and goes
 * with the job. */
static void
test_keep_input (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GBytes) input = osais_test_make_png (8, 8, 0);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) kept = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 70, "{\"word\":\"kept\"}");
  file = osais_store_dup_input_file (fixture.store, 70);
  g_assert_false (g_file_query_exists (file, NULL));

  osais_store_keep_input_async (fixture.store, 70, input, NULL, osais_test_store_result_cb,
                                &result);
  g_assert_true (osais_store_keep_input_finish (fixture.store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  kept = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (kept, input));
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_UNIX_MODE, G_FILE_QUERY_INFO_NONE, NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 0077,
                    ==, 0);

  osais_store_delete_job_async (fixture.store, job, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_store_delete_job_finish (fixture.store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (g_file_query_exists (file, NULL));

  osais_test_store_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/Store/create-job-appears-first", test_create_job_appears_first);
  g_test_add_func ("/Osais/Store/stage-forward-only", test_stage_forward_only);
  g_test_add_func ("/Osais/Store/error-is-final", test_error_is_final);
  g_test_add_func ("/Osais/Store/duplicate-notification-applied-once",
                   test_duplicate_notification);
  g_test_add_func ("/Osais/Store/unknown-uid", test_unknown_uid);
  g_test_add_func ("/Osais/Store/old-job-read-back", test_old_job_read_back);
  g_test_add_func ("/Osais/Store/images-made-on-demand", test_images_made_on_demand);
  g_test_add_func ("/Osais/Store/token-mismatch-changes-nothing", test_token_mismatch);
  g_test_add_func ("/Osais/Store/add-image", test_add_image);
  g_test_add_func ("/Osais/Store/add-large-image", test_add_large_image);
  g_test_add_func ("/Osais/Store/add-image-concurrent", test_add_image_concurrent);
  g_test_add_func ("/Osais/Store/image-hash", test_image_hash);
  g_test_add_func ("/Osais/Store/image-func", test_image_func);
  g_test_add_func ("/Osais/Store/early-applied-after-create", test_early_applied_after_create);
  g_test_add_func ("/Osais/Store/early-other-token-dropped", test_early_other_token_dropped);
  g_test_add_func ("/Osais/Store/early-dropped-after-grace", test_early_dropped_after_grace);
  g_test_add_func ("/Osais/Store/early-bounded", test_early_bounded);
  g_test_add_func ("/Osais/Store/early-survives-reopen", test_early_survives_reopen);
  g_test_add_func ("/Osais/Store/reopen", test_reopen);
  g_test_add_func ("/Osais/Store/delete-job", test_delete_job);
  g_test_add_func ("/Osais/Store/delete-image", test_delete_image);
  g_test_add_func ("/Osais/Store/delete-image-keeps-job-complete",
                   test_delete_image_keeps_job_complete);
  g_test_add_func ("/Osais/Store/too-new-untouched", test_too_new);
  g_test_add_func ("/Osais/Store/schema-1-updated", test_schema_1_updated);
  g_test_add_func ("/Osais/Store/damaged-untouched", test_damaged);
  g_test_add_func ("/Osais/Store/damaged-page-untouched", test_damaged_page_untouched);
  g_test_add_func ("/Osais/Store/damaged-with-wal-untouched", test_damaged_with_wal_untouched);
  g_test_add_func ("/Osais/Store/open-async-before-check", test_open_async_before_check);
  g_test_add_func ("/Osais/Store/open-async-damage-found-later",
                   test_open_async_damage_found_later);
  g_test_add_func ("/Osais/Store/close-stops-check", test_close_stops_check);
  g_test_add_func ("/Osais/Store/close-waits-for-check-with-writes",
                   test_close_waits_for_check_with_writes);
  g_test_add_func ("/Osais/Store/open-async-damaged-first-page",
                   test_open_async_damaged_first_page);
  g_test_add_func ("/Osais/Store/empty-history-refused", test_empty_history_refused);
  g_test_add_func ("/Osais/Store/crash-leftovers-removed", test_crash_leftovers_removed);
  g_test_add_func ("/Osais/Store/check-copy-leftovers-removed", test_check_copy_leftovers_removed);
  g_test_add_func ("/Osais/Store/check-refused-while-open", test_check_refused_while_open);
  g_test_add_func ("/Osais/Store/move-aside-keeps-everything", test_move_aside_keeps_everything);
  g_test_add_func ("/Osais/Store/disk-full-recovers", test_disk_full_recovers);
  g_test_add_func ("/Osais/Store/early-survives-disk-full", test_early_survives_disk_full);
  g_test_add_func ("/Osais/Store/early-image-disk-full", test_early_image_disk_full);
  g_test_add_func ("/Osais/Store/read-only-folder", test_read_only_folder);
  g_test_add_func ("/Osais/Store/image-disk-full", test_image_disk_full);
  g_test_add_func ("/Osais/Store/load-10000-jobs", test_load_10000_jobs);
  g_test_add_func ("/Osais/Store/open-async-pages", test_open_async_pages);
  g_test_add_func ("/Osais/Store/open-async-first-page-a-screen",
                   test_open_async_first_page_a_screen);
  g_test_add_func ("/Osais/Store/group-commit", test_group_commit);
  g_test_add_func ("/Osais/Store/ack-does-not-wait-for-main-context",
                   test_ack_does_not_wait_for_main);
  g_test_add_func ("/Osais/Store/default-data-dir", test_default_data_dir);
  g_test_add_func ("/Osais/Store/keep-input", test_keep_input);

  return g_test_run ();
}
