/* osais-store-records.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the store's threads hand each other: operations (Op), job snapshots,
 * the writer's per-job states and the effects it returns to the main thread,
 * their constructors and destructors; and the small SQLite helpers every
 * store file uses. No logic of the store's own: that is in the files
 * osais-store-private.h lists.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

gint64 *
osais_store_int64_key_new (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

GDateTime *
osais_store_date_time_from_usec (gint64 usec)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (seconds, usec % G_USEC_PER_SEC);
}

/* Removes the temporary file of an image that was not stored after all. */
void
osais_store_op_discard_tmp (Op *op)
{
  if (op->tmp_path != NULL && g_unlink (op->tmp_path) != 0)
    g_debug ("Cannot remove %s: %s", op->tmp_path, g_strerror (errno));
  g_clear_pointer (&op->tmp_path, g_free);
}

void
osais_store_op_free (Op *op)
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
  osais_store_op_discard_tmp (op);
  /* A kept early callback's file stays: its row names it. */
  g_free (op->early_path);
  g_clear_pointer (&op->early_requests, g_array_unref);
  g_clear_error (&op->error);
  if (op->result != NULL && op->result_destroy != NULL)
    op->result_destroy (op->result);
  g_free (op);
}

static void
snapshot_clear (JobSnapshot *snapshot)
{
  g_free (snapshot->description);
  g_free (snapshot->error_message);
}

/* A new snapshot, not shared yet: the writer fills in the change. */
JobSnapshot *
osais_store_snapshot_copy (const JobSnapshot *snapshot)
{
  /* The function, not its macro, which would keep the const of the type. */
  JobSnapshot *copy = (g_atomic_rc_box_dup) (sizeof (JobSnapshot), snapshot);

  copy->description = g_strdup (snapshot->description);
  copy->error_message = g_strdup (snapshot->error_message);

  return copy;
}

JobSnapshot *
osais_store_snapshot_ref (JobSnapshot *snapshot)
{
  return g_atomic_rc_box_acquire (snapshot);
}

void
osais_store_snapshot_unref (JobSnapshot *snapshot)
{
  g_atomic_rc_box_release_full (snapshot, (GDestroyNotify) snapshot_clear);
}

void
osais_store_job_state_free (JobState *state)
{
  g_free (state->token);
  g_clear_pointer (&state->snapshot, osais_store_snapshot_unref);
  g_clear_pointer (&state->images, g_hash_table_unref);
  g_clear_pointer (&state->stages, g_hash_table_unref);
  g_free (state);
}

/* Takes @snapshot. */
JobState *
osais_store_job_state_new (const char  *token,
                           JobSnapshot *snapshot)
{
  JobState *state = g_new0 (JobState, 1);

  state->token = g_strdup (token);
  state->snapshot = snapshot;
  state->images = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  state->stages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return state;
}

/* The job's latest snapshot: @snapshot, which the state takes. */
void
osais_store_job_state_set_snapshot (JobState    *state,
                                    JobSnapshot *snapshot)
{
  g_clear_pointer (&state->snapshot, osais_store_snapshot_unref);
  state->snapshot = snapshot;
}

Effect *
osais_store_effect_new (EffectKind kind,
                        gint64     uid)
{
  Effect *effect = g_new0 (Effect, 1);

  effect->kind = kind;
  effect->uid = uid;

  return effect;
}

/* What identifies a notification within its job: a repeat of one already
 * recorded is a duplicate. */
char *
osais_store_stage_key (int         stage,
                       int         cycle,
                       const char *filename)
{
  return g_strdup_printf ("%d:%d:%s", stage, cycle, filename != NULL ? filename : "");
}

void
osais_store_effect_free (Effect *effect)
{
  g_clear_object (&effect->job);
  g_clear_object (&effect->image);
  g_clear_pointer (&effect->snapshot, osais_store_snapshot_unref);
  g_clear_object (&effect->task);
  g_clear_pointer (&effect->op, osais_store_op_free);
  g_free (effect);
}

void
osais_store_effect_batch_free (EffectBatch *batch)
{
  g_clear_pointer (&batch->effects, g_ptr_array_unref);
  g_clear_object (&batch->store);
  g_free (batch);
}

void
osais_store_set_sqlite_error (GError     **error,
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

gboolean
osais_store_exec_sql (sqlite3     *db,
                      const char  *sql,
                      GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      osais_store_set_sqlite_error (error, db, sql);
      return FALSE;
    }

  return TRUE;
}

/* Runs a statement whose work is done by stepping it once. */
gboolean
osais_store_step_statement (OsaisStore    *self,
                            sqlite3_stmt  *stmt,
                            GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  if (rc != SQLITE_DONE)
    {
      osais_store_set_sqlite_error (error, self->db, "Cannot write the history");
      return FALSE;
    }

  return TRUE;
}

void
osais_store_bind_text (sqlite3_stmt *stmt,
                       int           column,
                       const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

char *
osais_store_dup_column_text (sqlite3_stmt *stmt,
                             int           column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}
