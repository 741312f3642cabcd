/* osais-store-early.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Early callbacks: those that come before the reply that brings their
 * uid, kept, bounded and applied or dropped by the writer.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

/* Early callbacks ---------------------------------------------------------
 *
 * OSAIS may call back before it answers the request that made the job (an
 * OSAIS that awaits its first notification before replying does), so a
 * callback for a uid nobody knows yet, while a request is in flight, is
 * kept: persisted in this batch's transaction, acknowledged with it, and
 * applied when the reply brings its uid. Holding it open instead would
 * deadlock with such an OSAIS, and webhook senders give up on a receiver
 * after 10 to 30 s anyway. */

void
osais_store_early_remove (OsaisStore *self,
                          guint       index)
{
  Op *op = g_ptr_array_steal_index (self->early, index);

  if (op->kind == OP_ADD_IMAGE)
    self->early_bytes -= op->size;
  osais_store_op_free (op);
}

/* Persists @op as an early callback and acknowledges it with the batch, or
 * refuses it: no request in flight could bring its uid, or too many are
 * kept already. */
void
osais_store_keep_early (OsaisStore *self,
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
      osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_UNKNOWN_JOB, "No such job");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (self->early->len >= MIN (MAX_EARLY, MAX_EARLY_PER_REQUEST * n_in_flight) ||
      self->early_bytes + bytes > MIN (MAX_EARLY_BYTES, MAX_EARLY_BYTES_PER_REQUEST * n_in_flight))
    {
      osais_store_op_fail (op, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_BUSY,
                           "Too many callbacks came before their requests were answered");
      g_ptr_array_add (batch->done, op);
      return;
    }

  if (op->kind == OP_ADD_IMAGE)
    {
      g_autofree char *path = NULL;

      /* A file thread wrote it unless no request was in flight then. */
      if (op->tmp_path == NULL &&
          (!osais_store_ensure_directory (self->early_dir, &error) ||
           (op->tmp_path = osais_store_write_temp_file (self->early_dir, "early", op->data, &error)) == NULL))
        goto out;

      /* Named so that nothing takes it for a crash's temporary file. */
      name = g_strdup_printf ("%" G_GINT64_FORMAT "-%u-%.16s.%s", now, ++self->early_seq,
                              op->hash, osais_store_extension_for_content_type (op->content_type));
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
  osais_store_bind_text (insert, 2, op->token);
  sqlite3_bind_text (insert, 3, op->kind == OP_ADD_IMAGE ? "image" : "notify", -1,
                     SQLITE_STATIC);
  sqlite3_bind_int (insert, 4, op->stage);
  sqlite3_bind_int (insert, 5, op->cycle);
  osais_store_bind_text (insert, 6, op->filename);
  osais_store_bind_text (insert, 7, op->descr);
  sqlite3_bind_int64 (insert, 8, op->cost);
  osais_store_bind_text (insert, 9, relative_path);
  sqlite3_bind_int64 (insert, 10, op->size);
  osais_store_bind_text (insert, 11, op->content_type);
  osais_store_bind_text (insert, 12, op->hash);
  sqlite3_bind_int (insert, 13, op->width);
  sqlite3_bind_int (insert, 14, op->height);
  sqlite3_bind_int64 (insert, 15, now);
  if (!osais_store_step_statement (self, insert, &error))
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
      g_autoptr(GDateTime) received = osais_store_date_time_from_usec (now);

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
gboolean
osais_store_forget_early (OsaisStore  *self,
                          Op          *op,
                          Batch       *batch,
                          gboolean     drop_file)
{
  sqlite3_stmt *delete = self->stmts[STMT_DELETE_EARLY];
  GError *error = NULL;

  sqlite3_bind_int64 (delete, 1, op->early_id);
  if (!osais_store_step_statement (self, delete, &error))
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

char *
osais_store_link_early_for_apply (const char *early_path)
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

/* Whether osais_store_maintain_early() has anything to write. */
gboolean
osais_store_early_needs_maintenance (OsaisStore *self)
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
void
osais_store_maintain_early (OsaisStore *self,
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
      if (!osais_store_step_statement (self, update, NULL))
        g_debug ("Cannot start the grace of early callback %" G_GINT64_FORMAT, op->early_id);
    }

  while (i < self->early->len)
    {
      Op *op = g_ptr_array_index (self->early, i);

      if (op->expires != 0 && op->expires <= now)
        {
          g_debug ("Dropping an early callback for uid %" G_GINT64_FORMAT
                   ": no reply brought its uid", op->uid);
          osais_store_forget_early (self, op, batch, TRUE);
          osais_store_early_remove (self, i);
        }
      else
        i++;
    }
}
