/* osais-store-writer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The writer thread: the queue, group commit of a batch of operations,
 * recovery from a full disk, and the effects and results it hands back to
 * the main context.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"
#include "osais-thread-priority.h"

/* The writer thread. */

static void
op_return (Op *op)
{
  /* Nothing is left behind once the caller hears of the outcome. */
  osais_store_op_discard_tmp (op);

  if (op->task == NULL)
    return;

  if (op->error != NULL)
    g_task_return_error (op->task, g_steal_pointer (&op->error));
  else if (op->kind == OP_NOTIFY)
    g_task_return_boolean (op->task, TRUE);
  else
    g_task_return_pointer (op->task, g_steal_pointer (&op->result), op->result_destroy);
}

void
osais_store_op_fail (Op         *op,
                     GQuark      domain,
                     int         code,
                     const char *message)
{
  g_clear_error (&op->error);
  op->error = g_error_new_literal (domain, code, message);
}

/* The one way a job changes after it is made: all its fields at once, as
 * the writer's change left them. */
void
osais_store_apply_snapshot (OsaisJob          *job,
                            const JobSnapshot *snapshot)
{
  GDateTime *updated = osais_job_get_updated (job);

  g_object_freeze_notify (G_OBJECT (job));
  osais_job_set_stage (job, snapshot->stage);
  osais_job_set_cycle (job, snapshot->cycle);
  osais_job_set_description (job, snapshot->description);
  osais_job_set_cost (job, snapshot->cost);
  osais_job_set_error_message (job, snapshot->error_message);
  osais_job_set_announced_images (job, snapshot->announced_images);
  osais_job_set_dismissed (job, snapshot->dismissed);
  /* Only forward: an image moves the job's time but not its row's (see
   * process_add_image()), which a state read back from the row has. */
  if (updated == NULL ||
      g_date_time_to_unix (updated) * G_USEC_PER_SEC + g_date_time_get_microsecond (updated) <
      snapshot->updated)
    {
      g_autoptr(GDateTime) later = osais_store_date_time_from_usec (snapshot->updated);

      osais_job_set_updated (job, later);
    }
  g_object_thaw_notify (G_OBJECT (job));
}

static gboolean
apply_effects_cb (gpointer user_data)
{
  EffectBatch *batch = user_data;
  OsaisStore *self = batch->store;

  osais_store_flush_pending (self);

  for (guint i = 0; i < batch->effects->len; i++)
    {
      Effect *effect = g_ptr_array_index (batch->effects, i);
      OsaisJob *job = g_hash_table_lookup (self->jobs_by_uid, &effect->uid);

      switch (effect->kind)
        {
        case EFFECT_JOB_ADDED:
          g_ptr_array_add (self->jobs, g_object_ref (effect->job));
          g_hash_table_insert (self->jobs_by_uid, osais_store_int64_key_new (effect->uid),
                               effect->job);
          g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
          break;

        case EFFECT_JOB_CHANGED:
          if (job != NULL)
            osais_store_apply_snapshot (job, effect->snapshot);
          break;

        case EFFECT_IMAGE_ADDED:
          if (job != NULL)
            {
              osais_job_add_image (job, effect->image);
              osais_store_apply_snapshot (job, effect->snapshot);
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
          if (job != NULL)
            osais_job_set_image_favourite (job, osais_image_get_hash (effect->image),
                                           effect->favourite);
          break;

        case EFFECT_IMAGE_STORED_BEFORE:
          {
            g_autoptr(OsaisImage) image = job != NULL ?
                                          osais_job_dup_image (job, osais_image_get_hash (effect->image)) : NULL;

            /* The one the job's model shows, as for an image stored in this run. */
            if (image != NULL)
              {
                g_object_unref (effect->op->result);
                effect->op->result = g_object_ref (image);
              }
            op_return (effect->op);
            g_clear_pointer (&effect->op, osais_store_op_free);
          }
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
 * osais_store_writer_thread()), so this always queues and never runs on the writer.
 * With @give_reference, the batch takes over one of the caller's references
 * to the store, dropped there with the batch. FALSE: there was nothing to hand. */
static gboolean
push_effects (OsaisStore *self,
              GPtrArray  *effects,
              gboolean    give_reference)
{
  EffectBatch *batch;

  if (effects->len == 0)
    return FALSE;

  batch = g_new0 (EffectBatch, 1);
  batch->store = give_reference ? self : g_object_ref (self);
  batch->effects = g_ptr_array_ref (effects);

  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                              apply_effects_cb, batch, (GDestroyNotify)osais_store_effect_batch_free);
  return TRUE;
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
      osais_store_op_discard_tmp (op);
      if (op->task == NULL)
        {
          osais_store_op_free (op);
          continue;
        }

      context = g_task_get_context (op->task);
      if (!g_ptr_array_find (contexts, context, &index))
        {
          index = contexts->len;
          g_ptr_array_add (contexts, context);
          g_ptr_array_add (groups, g_ptr_array_new_with_free_func ((GDestroyNotify) osais_store_op_free));
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
          osais_store_op_fail (op, domain, code, message);
          op_return (op);
        }
    }
}

/* The folders of one batch, synced at once: on a journalling file system
 * (ext4, XFS) syncs that run together share one journal commit, while one
 * after another each waits for its own (6-7 ms each here under load, for a
 * batch of uploads to eight jobs' folders). */
typedef struct
{
  GMutex  mutex;
  GCond   cond;
  guint   pending;
  GError *error;
} DirSyncs;

typedef struct
{
  DirSyncs   *syncs;
  const char *dir;         /* the batch's, which outlives the wait */
} DirSync;

#define DIR_SYNC_THREADS 8

static void
sync_directory_job (gpointer data,
                    gpointer user_data)
{
  DirSync *job = data;
  DirSyncs *syncs = job->syncs;
  GError *error = NULL;

  osais_store_fsync_directory (job->dir, &error);
  g_free (job);

  g_mutex_lock (&syncs->mutex);
  if (error != NULL && syncs->error == NULL)
    syncs->error = g_steal_pointer (&error);
  if (--syncs->pending == 0)
    g_cond_signal (&syncs->cond);
  g_mutex_unlock (&syncs->mutex);
  g_clear_error (&error);
}

/* Shared by every store's writer and kept for the process's life, as
 * GLib's own pools are: the threads wait for work, costing nothing. */
static GThreadPool *
dir_sync_pool (void)
{
  static gsize pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, (gsize) g_thread_pool_new (sync_directory_job, NULL,
                                                         DIR_SYNC_THREADS, FALSE, NULL));
  return (GThreadPool *) pool;
}

static gboolean
sync_directories (GHashTable  *dirs,
                  GError     **error)
{
  DirSyncs syncs = { 0 };
  GHashTableIter iter;
  const char *dir;

  if (g_hash_table_size (dirs) <= 1)
    {
      g_hash_table_iter_init (&iter, dirs);
      while (g_hash_table_iter_next (&iter, (gpointer *)&dir, NULL))
        if (!osais_store_fsync_directory (dir, error))
          return FALSE;
      return TRUE;
    }

  g_mutex_init (&syncs.mutex);
  g_cond_init (&syncs.cond);
  g_mutex_lock (&syncs.mutex);
  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, (gpointer *)&dir, NULL))
    {
      DirSync *job = g_new (DirSync, 1);

      job->syncs = &syncs;
      job->dir = dir;
      syncs.pending++;
      /* Only an exclusive pool can fail to push; ours is shared. */
      g_thread_pool_push (dir_sync_pool (), job, NULL);
    }
  while (syncs.pending > 0)
    g_cond_wait (&syncs.cond, &syncs.mutex);
  g_mutex_unlock (&syncs.mutex);
  g_mutex_clear (&syncs.mutex);
  g_cond_clear (&syncs.cond);

  if (syncs.error != NULL)
    {
      g_propagate_error (error, syncs.error);
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
      g_object_notify_by_pspec (G_OBJECT (change->store), osais_store_properties[change->prop_id]);
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

/* Reads the writer's state of job @uid from the database: NULL, without
 * @error, when the history has no such job. Its images are new objects,
 * not the ones the job's model holds (see EFFECT_IMAGE_STORED_BEFORE). */
static JobState *
read_job_state (OsaisStore  *self,
                gint64       uid,
                GError     **error)
{
  JobState *state = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT " JOB_COLUMNS " FROM jobs WHERE uid = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, uid);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const char *token = (const char *)sqlite3_column_text (stmt, 1);

      state = osais_store_job_state_new (token != NULL ? token : "",
                                         osais_store_snapshot_new_from_row (stmt));
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    goto failed;
  if (state == NULL)
    return NULL;
  state->read_back = TRUE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " IMAGE_COLUMNS " FROM images WHERE uid = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, uid);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OsaisImage *image = osais_store_image_new_from_row (self, stmt);

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
                      osais_store_stage_key (sqlite3_column_int (stmt, 0), sqlite3_column_int (stmt, 1),
                                             (const char *)sqlite3_column_text (stmt, 2)));
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_DONE)
    goto failed;

  return state;

failed:
  osais_store_set_sqlite_error (error, self->db, "Cannot read the history");
  sqlite3_finalize (stmt);
  g_clear_pointer (&state, osais_store_job_state_free);
  return NULL;
}

JobState *
osais_store_lookup_state (OsaisStore  *self,
                          gint64       uid,
                          GError     **error)
{
  JobState *state = g_hash_table_lookup (self->states, &uid);

  if (state != NULL)
    return state;

  state = read_job_state (self, uid, error);
  if (state != NULL)
    osais_store_keep_state (self, uid, state);

  return state;
}

/* The writer keeps @state for job @uid, and the file threads its token. */
void
osais_store_keep_state (OsaisStore *self,
                        gint64      uid,
                        JobState   *state)
{
  g_hash_table_insert (self->states, osais_store_int64_key_new (uid), state);
  g_mutex_lock (&self->mutex);
  g_hash_table_insert (self->tokens, osais_store_int64_key_new (uid), g_strdup (state->token));
  g_mutex_unlock (&self->mutex);
}

/* A few states of finished jobs stay, for a burst of late callbacks or a
 * person starring a page of images; beyond that, the writer reads them
 * again when they are needed. */
#define MAX_FINISHED_STATES 64

static void
forget_finished_states (OsaisStore *self)
{
  GHashTableIter iter;
  JobState *state;
  gint64 *uid;

  if (g_hash_table_size (self->states) <= MAX_FINISHED_STATES)
    return;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, (gpointer *)&uid, (gpointer *)&state))
    {
      if (state->snapshot->stage == OSAIS_STAGE_FINISHED ||
          state->snapshot->stage == OSAIS_STAGE_ERROR)
        {
          g_hash_table_remove (self->tokens, uid);
          g_hash_table_iter_remove (&iter);
        }
    }
  g_mutex_unlock (&self->mutex);
}

/* A commit failed for want of space, and SQLite rolled the transaction
 * back: the database is as it was before the batch, and so must the
 * writer's states be. Then the next batch runs as any other, and recovers
 * if the disk has space again. Returns FALSE when the transaction did not
 * end. */
static gboolean
recover_from_disk_full (OsaisStore *self)
{
  /* A rollback after SQLite's own is refused, harmlessly; after a failed
   * statement, it is what ends the transaction. */
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (!sqlite3_get_autocommit (self->db))
    return FALSE;

  /* Every state is read again from the database when next needed. */
  g_hash_table_remove_all (self->states);
  g_mutex_lock (&self->mutex);
  g_hash_table_remove_all (self->tokens);
  g_mutex_unlock (&self->mutex);

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
  if (!osais_store_read_early_rows (self, g_get_real_time () + (gint64) self->early_grace * G_USEC_PER_SEC,
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
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func ((GDestroyNotify)osais_store_op_free);
  g_autoptr(GPtrArray) effects = g_ptr_array_new_with_free_func ((GDestroyNotify)osais_store_effect_free);
  g_autoptr(GPtrArray) unlink_paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) sync_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) new_files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) new_early = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Batch batch = { done, effects, unlink_paths, sync_dirs, new_files, new_early,
                  FALSE, FALSE, FALSE };
  gboolean needs_transaction = FALSE;
  gboolean keep_alive;
  gboolean handed;

  for (guint i = 0; i < ops->len; i++)
    needs_transaction |= ((Op *)g_ptr_array_index (ops, i))->kind != OP_WAKE;

  /* Tasks hold the store; the writer must not drop the last reference, or
   * the store would be finalized here and join its own thread. This one is
   * dropped on the main context, after the tasks are released. Taken only
   * while tasks keep the store alive, so never on a finalizing store. */
  keep_alive = needs_transaction;
  if (keep_alive)
    g_object_ref (self);

  needs_transaction |= !self->broken && osais_store_early_needs_maintenance (self);

  if (needs_transaction && self->writer_damage != NULL)
    {
      fail_ops (ops, self->writer_damage->domain, self->writer_damage->code,
                self->writer_damage->message);
      needs_transaction = FALSE;
    }
  else if (needs_transaction && self->broken)
    {
      fail_ops (ops, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                "The history could not be saved earlier; reopen it to continue");
      needs_transaction = FALSE;
    }
  else if (needs_transaction && !osais_store_exec_sql (self->db, "BEGIN IMMEDIATE", &error))
    {
      fail_ops (ops, error->domain, error->code, error->message);
      needs_transaction = FALSE;
    }
  else
    {
      /* The ops move into done, early or effects; the array keeps no copy. */
      osais_store_maintain_early (self, &batch);
      for (guint i = 0; i < ops->len; i++)
        osais_store_process_op (self, g_ptr_array_index (ops, i), &batch);
      g_ptr_array_set_free_func (ops, NULL);
    }

  if (needs_transaction)
    {
      /* The image files renamed in this batch are durable before the rows
       * that name them: one sync per folder for the whole batch. */
      if (!sync_directories (sync_dirs, &error) ||
          !osais_store_exec_sql (self->db, "COMMIT", &error))
        {
          gboolean disk_full = g_error_matches (error, OSAIS_STORE_ERROR,
                                                OSAIS_STORE_ERROR_DISK_FULL);

          /* Their rows are gone with the transaction, and their acks fail. */
          for (guint i = 0; i < new_early->len; i++)
            {
              guint index;

              if (g_ptr_array_find (self->early, g_ptr_array_index (new_early, i), &index))
                osais_store_early_remove (self, index);
            }
          g_ptr_array_set_size (new_early, 0);

          /* The writer's state now differs from the disk. Space comes back:
           * the state is read back from the database. Otherwise, rather than
           * guess, further writes are refused until the history is reopened. */
          if (!disk_full || !recover_from_disk_full (self) || !reload_early (self))
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

              if (effect->op != NULL)
                g_ptr_array_add (done, g_steal_pointer (&effect->op));
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
                osais_store_op_fail (op, error->domain, error->code, error->message);
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
          forget_finished_states (self);
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
   * in the model when its callback runs (same priority, queued before).
   * They carry the reference that kept the store alive, when there are any:
   * one invocation of the main context per batch rather than two (each a
   * wake-up of the main thread, under load once per commit). */
  handed = push_effects (self, effects, keep_alive);
  return_ops (done);

  if (keep_alive && !handed)
    unref_on_main_context (self);
}

gpointer
osais_store_writer_thread (gpointer data)
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
  osais_thread_priority_lower_own_thread ();

  osais_store_finish_opening (self);

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
      self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify)osais_store_op_free);
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

void
osais_store_submit (OsaisStore *self,
                    Op         *op)
{
  g_mutex_lock (&self->mutex);
  if (self->closing || self->writer == NULL)
    {
      g_mutex_unlock (&self->mutex);
      if (op->task != NULL)
        g_task_return_new_error (op->task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                                 "The store is closed");
      osais_store_op_free (op);
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

/* A file thread: hashes the image and, if the job is one the writer changed
 * lately (it has its state, see osais_store_keep_state()) and the token is
 * its token, writes and syncs the file under a temporary name, many images
 * at once, so that the writer only renames it. An image for a uid the
 * writer has no state of, while a request is in flight, goes to
 * images/early/ likewise: the writer keeps it as an early callback, or
 * renames it into its job's folder if the history has the job. Otherwise
 * the writer writes the file itself, for an old job's late image: nothing
 * is written here for a callback that the writer will refuse. */
void
osais_store_prepare_image (gpointer data,
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

  osais_thread_priority_lower_own_thread ();
  op->hash = osais_sha256_hex (op->data);

  g_mutex_lock (&self->mutex);
  /* The writer takes callbacks once the history is read; meanwhile it
   * knows no job, and every image would look early. */
  while (self->loading)
    g_cond_wait (&self->loaded_cond, &self->mutex);
  token = g_hash_table_lookup (self->tokens, &op->uid);
  /* A damaged history gets no file either: the writer refuses the op. Set
   * by the writer, once, before loading ended. */
  known = token != NULL && g_strcmp0 (token, op->token) == 0 && self->writer_damage == NULL;
  early = token == NULL && g_hash_table_size (self->in_flight) > 0 &&
          self->writer_damage == NULL;
  g_mutex_unlock (&self->mutex);

  if ((known || early) && !g_cancellable_is_cancelled (g_task_get_cancellable (op->task)))
    {
      if (known)
        osais_store_image_location (self, op, &dir, &name);
      else
        {
          dir = g_strdup (self->early_dir);
          name = g_strdup ("early");
        }
      /* A failure goes to the writer all the same: a full disk is the
       * store's state, said by the writer alone. */
      if (!osais_store_ensure_directory (dir, &error) ||
          (op->tmp_path = osais_store_write_temp_file (dir, name, op->data, &error)) == NULL)
        op->error = error;
      else if (known)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);

          /* Under the mutex, so that the function is not unset meanwhile. */
          g_mutex_lock (&self->mutex);
          if (self->image_func != NULL)
            self->image_func (path, op->data, self->image_func_data);
          g_mutex_unlock (&self->mutex);
        }
    }

  osais_store_submit (self, op);
}

Op *
osais_store_op_new (OsaisStore          *self,
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
