/* osais-store-ops.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What each operation does to the database and the writer's job states,
 * inside the writer's batch.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

static void process_notify    (OsaisStore *self,
                               Op         *op,
                               JobState   *state,
                               Batch      *batch);
static void process_add_image (OsaisStore *self,
                               Op         *op,
                               JobState   *state,
                               Batch      *batch);



/* The change of a job: @next becomes the writer's latest snapshot of it,
 * and goes to the main context in an effect of @kind. Takes @next. */
static Effect *
effect_changed_new (EffectKind   kind,
                    gint64       uid,
                    JobState    *state,
                    JobSnapshot *next)
{
  Effect *effect = osais_store_effect_new (kind, uid);

  effect->snapshot = osais_store_snapshot_ref (next);
  osais_store_job_state_set_snapshot (state, next);

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
  JobSnapshot *snapshot;
  JobState *state;
  Effect *effect;
  gint64 created;

  if (op->request_id != 0)
    {
      g_mutex_lock (&self->mutex);
      g_hash_table_remove (self->in_flight, GUINT_TO_POINTER (op->request_id));
      g_mutex_unlock (&self->mutex);
    }

  if (osais_store_lookup_state (self, op->uid, &error) != NULL || error != NULL)
    {
      if (error != NULL)
        op->error = error;
      else
        osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DUPLICATE_JOB,
                             "A job with that uid exists already");
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* Strictly increasing, so that the order of the history is total. */
  created = MAX (g_get_real_time (), self->last_created + 1);

  sqlite3_bind_int64 (stmt, 1, op->uid);
  osais_store_bind_text (stmt, 2, op->token);
  osais_store_bind_text (stmt, 3, op->engine);
  osais_store_bind_text (stmt, 4, op->parameters);
  sqlite3_bind_int64 (stmt, 5, created);
  if (!osais_store_step_statement (self, stmt, &error))
    {
      op->error = error;
      g_ptr_array_add (batch->done, op);
      return;
    }

  self->last_created = created;
  snapshot = g_atomic_rc_box_new0 (JobSnapshot);
  snapshot->stage = OSAIS_STAGE_REQUEST_SENT;
  snapshot->cost = -1;
  snapshot->updated = created;
  state = osais_store_job_state_new (op->token, snapshot);
  osais_store_keep_state (self, op->uid, state);

  created_dt = osais_store_date_time_from_usec (created);
  effect = osais_store_effect_new (EFFECT_JOB_ADDED, op->uid);
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
  osais_store_op_free (op);

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
          osais_store_forget_early (self, early, batch, TRUE);
          osais_store_op_free (early);
          continue;
        }

      if (early->kind == OP_ADD_IMAGE)
        {
          /* A second name for the kept file goes into the job's folder; the
           * first is removed after the commit, so that a failed commit
           * keeps both the row and its file. Without hard links, the file
           * is moved, as any image is. */
          early->tmp_path = osais_store_link_early_for_apply (early->early_path);
          if (early->tmp_path != NULL)
            osais_store_forget_early (self, early, batch, TRUE);
          else
            {
              osais_store_forget_early (self, early, batch, FALSE);
              early->tmp_path = g_steal_pointer (&early->early_path);
            }
          process_add_image (self, early, state, batch);
        }
      else
        {
          osais_store_forget_early (self, early, batch, FALSE);
          process_notify (self, early, state, batch);
        }
    }
}

/* The job's row written as @next says. */
static gboolean
update_job_row (OsaisStore        *self,
                gint64             uid,
                const JobSnapshot *next,
                GError           **error)
{
  sqlite3_stmt *update = self->stmts[STMT_UPDATE_JOB];

  sqlite3_bind_int64 (update, 1, uid);
  sqlite3_bind_int (update, 2, next->stage);
  sqlite3_bind_int (update, 3, next->cycle);
  osais_store_bind_text (update, 4, next->description);
  sqlite3_bind_int64 (update, 5, next->cost);
  osais_store_bind_text (update, 6, next->error_message);
  sqlite3_bind_int64 (update, 7, next->updated);
  sqlite3_bind_int (update, 8, next->announced_images);
  return osais_store_step_statement (self, update, error);
}

static void
process_notify (OsaisStore *self,
                Op         *op,
                JobState   *state,
                Batch      *batch)
{
  sqlite3_stmt *insert = self->stmts[STMT_INSERT_STAGE];
  g_autofree char *key = osais_store_stage_key (op->stage, op->cycle, op->filename);
  const JobSnapshot *last = state->snapshot;
  JobSnapshot *next = NULL;
  GError *error = NULL;
  gint64 now = g_get_real_time ();

  if (g_hash_table_contains (state->stages, key))
    {
      /* Seen before: acknowledged again, applied once. */
      g_debug ("Duplicate notification for uid %" G_GINT64_FORMAT ", stage %d",
               op->uid, op->stage);
      goto out;
    }

  if (!osais_store_step_statement (self, self->stmts[STMT_SAVEPOINT_NOTIFY], &error))
    goto out;

  sqlite3_bind_int64 (insert, 1, op->uid);
  sqlite3_bind_int (insert, 2, op->stage);
  sqlite3_bind_int (insert, 3, op->cycle);
  sqlite3_bind_text (insert, 4, op->filename != NULL ? op->filename : "", -1, SQLITE_TRANSIENT);
  osais_store_bind_text (insert, 5, op->descr);
  sqlite3_bind_int64 (insert, 6, now);
  if (!osais_store_step_statement (self, insert, &error))
    goto rollback;

  next = osais_store_snapshot_copy (last);
  next->updated = now;

  /* A finished job (5 or -1) keeps its stage; otherwise the stage only goes
   * forward, except to -1, which ends a job from any stage. */
  if (last->stage != OSAIS_STAGE_FINISHED && last->stage != OSAIS_STAGE_ERROR)
    {
      if (op->stage == OSAIS_STAGE_ERROR)
        {
          next->stage = OSAIS_STAGE_ERROR;
          g_free (next->error_message);
          next->error_message = g_strdup (op->descr != NULL ? op->descr : DEFAULT_ERROR_MESSAGE);
        }
      else if (op->stage > last->stage)
        next->stage = op->stage;
    }

  /* An older stage arriving late does not replace the newer description. */
  if (op->descr != NULL && op->stage == next->stage)
    {
      g_free (next->description);
      next->description = g_strdup (op->descr);
    }

  if (op->stage == OSAIS_STAGE_IMAGE_DONE)
    next->announced_images++;

  if (op->stage == OSAIS_STAGE_FINISHED && op->cost >= 0)
    next->cost = op->cost;

  next->cycle = MAX (last->cycle, op->cycle);

  if (!update_job_row (self, op->uid, next, &error) ||
      !osais_store_step_statement (self, self->stmts[STMT_RELEASE_NOTIFY], &error))
    goto rollback;

  /* Committed to the transaction: now the state may follow. */
  g_hash_table_add (state->stages, g_steal_pointer (&key));
  g_ptr_array_add (batch->effects,
                   effect_changed_new (EFFECT_JOB_CHANGED, op->uid, state, g_steal_pointer (&next)));
  goto out;

rollback:
  sqlite3_exec (self->db, "ROLLBACK TO notify; RELEASE notify", NULL, NULL, NULL);
  g_clear_pointer (&next, osais_store_snapshot_unref);

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
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *relative_path = NULL;
  g_autofree char *path = NULL;
  OsaisImage *image;
  JobSnapshot *next;
  GError *error = NULL;
  Effect *effect;
  gint64 now = g_get_real_time ();

  /* A duplicate's temporary file, if any, goes in op_return(). */
  image = g_hash_table_lookup (state->images, op->hash);
  if (image != NULL)
    {
      g_debug ("Image %s of uid %" G_GINT64_FORMAT " is stored already", op->hash, op->uid);
      op->result = g_object_ref (image);
      if (state->read_back)
        {
          /* Its file goes here, off the main context. */
          osais_store_op_discard_tmp (op);
          effect = osais_store_effect_new (EFFECT_IMAGE_STORED_BEFORE, op->uid);
          effect->image = g_object_ref (image);
          effect->op = op;
          g_ptr_array_add (batch->effects, effect);
        }
      else
        g_ptr_array_add (batch->done, op);
      return;
    }

  osais_store_image_location (self, op, &dir, &name);
  path = g_build_filename (dir, name, NULL);
  relative_path = osais_image_stored_path (op->uid, op->cycle, op->hash, op->content_type);

  /* A callback whose job was created while a file thread looked at it has
   * no file yet: it is written here, the slow way, as it is rare. An early
   * image has its file, elsewhere: the folder may not exist yet. */
  if (!osais_store_ensure_directory (dir, &error) ||
      (op->tmp_path == NULL &&
       (op->tmp_path = osais_store_write_temp_file (dir, name, op->data, &error)) == NULL))
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
  osais_store_bind_text (insert, 5, op->content_type);
  sqlite3_bind_text (insert, 6, op->hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (insert, 7, op->width);
  sqlite3_bind_int (insert, 8, op->height);
  sqlite3_bind_int64 (insert, 9, now);
  if (!osais_store_step_statement (self, insert, &error))
    {
      g_unlink (path);
      goto out;
    }
  g_ptr_array_add (batch->new_files, g_strdup (path));

  image = osais_image_new_stored (self->data_dir, relative_path, op->uid, op->cycle, op->size,
                                  op->content_type, op->hash, op->width, op->height, now,
                                  sqlite3_last_insert_rowid (self->db), FALSE);
  g_hash_table_insert (state->images, (gpointer)osais_image_get_hash (image), image);

  /* The job's time moves, not its row's: an image changes the images. */
  next = osais_store_snapshot_copy (state->snapshot);
  next->updated = now;
  effect = effect_changed_new (EFFECT_IMAGE_ADDED, op->uid, state, next);
  effect->image = g_object_ref (image);
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
  if (!osais_store_step_statement (self, stmt, &op->error))
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

  effect = osais_store_effect_new (EFFECT_JOB_REMOVED, op->uid);
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  osais_store_op_free (op);
}

/* The image @op names, its row's key (the job, then the hash) bound in
 * @stmt; NULL when the job has no such image, @op then failed and done. */
static OsaisImage *
find_op_image (Op           *op,
               JobState     *state,
               sqlite3_stmt *stmt,
               Batch        *batch)
{
  OsaisImage *image = g_hash_table_lookup (state->images, op->hash);

  if (image == NULL)
    {
      osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_IMAGE, "No such image");
      g_ptr_array_add (batch->done, op);
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, op->uid);
  sqlite3_bind_text (stmt, 2, op->hash, -1, SQLITE_TRANSIENT);
  return image;
}

static void
process_delete_image (OsaisStore *self,
                      Op         *op,
                      JobState   *state,
                      Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_DELETE_IMAGE];
  OsaisImage *image;
  JobSnapshot *next;
  Effect *effect;

  image = find_op_image (op, state, stmt, batch);
  if (image == NULL)
    return;

  if (!osais_store_step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* The person gave that image up: the job expects one fewer, or a finished
   * job would wait forever for an image it had, and be marked stalled. */
  next = osais_store_snapshot_copy (state->snapshot);
  next->updated = g_get_real_time ();
  if (next->announced_images > 0)
    {
      next->announced_images--;
      if (!update_job_row (self, op->uid, next, &op->error))
        {
          osais_store_snapshot_unref (next);
          g_ptr_array_add (batch->done, op);
          return;
        }
    }

  /* The file goes once the row is gone for good, that is after the commit. */
  g_ptr_array_add (batch->unlink_paths, g_file_get_path (osais_image_get_file (image)));

  effect = osais_store_effect_new (EFFECT_IMAGE_REMOVED, op->uid);
  /* The model removes its image with this hash. */
  effect->image = g_object_ref (image);
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  g_ptr_array_add (batch->effects, effect_changed_new (EFFECT_JOB_CHANGED, op->uid, state, next));
  /* The key is the image's own hash: removing the entry last frees both. */
  g_hash_table_remove (state->images, op->hash);
  osais_store_op_free (op);
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

  image = find_op_image (op, state, stmt, batch);
  if (image == NULL)
    return;
  sqlite3_bind_int (stmt, 3, op->favourite ? 1 : 0);
  if (!osais_store_step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  /* The object's flag is the main context's: changed there, after the
   * commit, like everything the models show. */
  effect = osais_store_effect_new (EFFECT_IMAGE_FAVOURITE, op->uid);
  effect->image = g_object_ref (image);
  effect->favourite = op->favourite;
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  osais_store_op_free (op);
}

/* Stop Waiting: only what shows the history reads the flag; the job's
 * later callbacks are checked and kept as any other's. */
static void
process_set_dismissed (OsaisStore *self,
                       Op         *op,
                       JobState   *state,
                       Batch      *batch)
{
  sqlite3_stmt *stmt = self->stmts[STMT_SET_DISMISSED];
  JobSnapshot *next;
  Effect *effect;

  sqlite3_bind_int64 (stmt, 1, op->uid);
  sqlite3_bind_int (stmt, 2, op->dismissed ? 1 : 0);
  if (!osais_store_step_statement (self, stmt, &op->error))
    {
      g_ptr_array_add (batch->done, op);
      return;
    }

  next = osais_store_snapshot_copy (state->snapshot);
  next->dismissed = op->dismissed;
  effect = effect_changed_new (EFFECT_JOB_CHANGED, op->uid, state, next);
  effect->task = g_steal_pointer (&op->task);
  g_ptr_array_add (batch->effects, effect);
  osais_store_op_free (op);
}

void
osais_store_process_op (OsaisStore *self,
                        Op         *op,
                        Batch      *batch)
{
  JobState *state;

  if (op->kind == OP_WAKE)
    {
      osais_store_op_free (op);
      return;
    }

  /* Its image could not be written (see osais_store_prepare_image()). */
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
      osais_store_op_fail (op, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The operation was cancelled");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (op->kind == OP_CREATE_JOB)
    {
      process_create_job (self, op, batch);
      return;
    }

  state = osais_store_lookup_state (self, op->uid, &op->error);
  if (op->error != NULL)
    {
      g_ptr_array_add (batch->done, op);
      return;
    }
  if (state == NULL)
    {
      if (op->kind == OP_DELETE_JOB || op->kind == OP_DELETE_IMAGE ||
          op->kind == OP_SET_FAVOURITE || op->kind == OP_SET_DISMISSED)
        {
          osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB, "No such job");
          g_ptr_array_add (batch->done, op);
        }
      else
        osais_store_keep_early (self, op, batch);
      return;
    }

  switch (op->kind)
    {
    case OP_NOTIFY:
    case OP_ADD_IMAGE:
      if (g_strcmp0 (state->token, op->token) != 0)
        {
          osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_TOKEN_MISMATCH,
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

    case OP_SET_DISMISSED:
      process_set_dismissed (self, op, state, batch);
      break;

    case OP_WAKE:
    case OP_CREATE_JOB:
    default:
      g_assert_not_reached ();
    }
}
