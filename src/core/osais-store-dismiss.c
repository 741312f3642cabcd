/* osais-store-dismiss.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisStore"

#include <sqlite3.h>

#include "osais-job.h"
#include "osais-store.h"

/* Stop Waiting (schema 5).
 *
 * OSAIS has no call to cancel a job: the user can only stop waiting for it.
 * The job is marked dismissed, durably, and its later callbacks are checked,
 * acknowledged and stored as any other (the writer does not know the flag):
 * only what shows the history hides it. The flag is written through a
 * connection of its own, on a thread of GTask's: a person clicks it now and
 * then, the writer's group commit gains nothing from it, and WAL lets the two
 * connections take turns at writing (each waits up to its busy timeout). */

typedef struct
{
  char     *db_path;
  OsaisJob *job;
  gint64    uid;
  gboolean  dismissed;
} DismissData;

static void
dismiss_data_free (DismissData *data)
{
  g_free (data->db_path);
  g_clear_object (&data->job);
  g_free (data);
}

static void
dismiss_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  DismissData *data = task_data;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc = SQLITE_ERROR;

  /* Never creates: the store made the history before anyone saw a job. */
  if (sqlite3_open_v2 (data->db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      /* As durable as the writer's own commits. */
      sqlite3_exec (db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
      if (sqlite3_prepare_v2 (db, "UPDATE jobs SET dismissed = ?2 WHERE uid = ?1", -1, &stmt,
                              NULL) == SQLITE_OK)
        {
          sqlite3_bind_int64 (stmt, 1, data->uid);
          sqlite3_bind_int (stmt, 2, data->dismissed ? 1 : 0);
          rc = sqlite3_step (stmt);
        }
    }

  if (rc != SQLITE_DONE)
    g_task_return_new_error (task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                             "Cannot write the history: %s",
                             db != NULL ? sqlite3_errmsg (db) : "out of memory");
  else if (sqlite3_changes (db) == 0)
    g_task_return_new_error (task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB,
                             "No such job");
  else
    g_task_return_boolean (task, TRUE);

  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* On the caller's main context, once the flag is on disk. */
static void
dismiss_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DismissData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  osais_job_set_dismissed (data->job, data->dismissed);
  g_task_return_boolean (task, TRUE);
}

void
osais_store_set_dismissed_async (OsaisStore          *self,
                                 OsaisJob            *job,
                                 gboolean             dismissed,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) write = NULL;
  GTask *task;
  DismissData *data;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (OSAIS_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_set_dismissed_async);
  data = g_new0 (DismissData, 1);
  data->db_path = g_build_filename (osais_store_get_data_dir (self), "history.sqlite3", NULL);
  data->job = g_object_ref (job);
  data->uid = osais_job_get_uid (job);
  data->dismissed = !!dismissed;
  g_task_set_task_data (task, data, (GDestroyNotify) dismiss_data_free);

  /* Not cancellable once asked: the write is short, and a cancelled task
   * would not say whether it happened. */
  write = g_task_new (self, NULL, dismiss_written_cb, task);
  g_task_set_name (write, "[osais-store] set dismissed");
  g_task_set_task_data (write, data, NULL);
  g_task_run_in_thread (write, dismiss_thread);
}

gboolean
osais_store_set_dismissed_finish (OsaisStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_set_dismissed_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
