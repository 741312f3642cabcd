/* osais-store.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store's GObject and its API; the rest of the store is in the files
 * osais-store-private.h lists.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

static void osais_store_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisStore, osais_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_store_list_model_init))

G_DEFINE_QUARK (osais-store-error-quark, osais_store_error)

GParamSpec *osais_store_properties[N_PROPS];

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
  [STMT_SET_DISMISSED] =
    "UPDATE jobs SET dismissed = ?2 WHERE uid = ?1",
};

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
  g_clear_pointer (&self->looked_up, g_ptr_array_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_clear_pointer (&self->early, g_ptr_array_unref);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  if (self->image_func_destroy != NULL)
    self->image_func_destroy (self->image_func_data);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->loaded_cond);
  g_clear_handle_id (&self->apply_source, g_source_remove);
  if (self->pending_jobs != NULL)
    g_ptr_array_foreach (self->pending_jobs, (GFunc) (void (*) (void)) g_object_unref, NULL);
  g_clear_pointer (&self->pending_jobs, g_ptr_array_unref);
  g_clear_error (&self->damage);
  g_clear_error (&self->writer_damage);

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

    case PROP_DAMAGE:
      g_value_set_boxed (value, self->damage);
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

  osais_store_properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  osais_store_properties[PROP_EARLY_GRACE] =
    g_param_spec_uint ("early-grace", NULL, NULL, 0, 7 * 24 * 60 * 60, DEFAULT_EARLY_GRACE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  osais_store_properties[PROP_DISK_FULL] =
    g_param_spec_boolean ("disk-full", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));
  osais_store_properties[PROP_IMAGES_READ_ONLY] =
    g_param_spec_boolean ("images-read-only", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /* FALSE while the pages after the first are read (an asynchronous
   * opening of a long history): the list grows at its end meanwhile. */
  osais_store_properties[PROP_HISTORY_LOADED] =
    g_param_spec_boolean ("history-loaded", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /* The damage the integrity check found after an asynchronous opening
   * returned (OSAIS_STORE_ERROR_DAMAGED), or NULL: the history is then left
   * as it was, and every write fails. Set once. */
  osais_store_properties[PROP_DAMAGE] =
    g_param_spec_boxed ("damage", NULL, NULL, G_TYPE_ERROR,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, osais_store_properties);
}

static void
osais_store_init (OsaisStore *self)
{
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->jobs_by_uid = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->looked_up = g_ptr_array_new_with_free_func (g_object_unref);
  self->states = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify)osais_store_job_state_free);
  self->early = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_store_op_free);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify)osais_store_op_free);
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
        osais_store_remove_scratch_dir (path);
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
  if (access (data_dir, W_OK) != 0 && osais_store_file_error_code (errno) == OSAIS_STORE_ERROR_READ_ONLY)
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

  wal_path = osais_store_database_file (db_path, "-wal");
  shm_path = osais_store_database_file (db_path, "-shm");

  if (!lock_data_dir (self, &exclusive, error))
    return NULL;

  /* The last store to close a history removes its log and shared memory;
   * a kill -9 leaves them. With another store on the folder, they are that
   * store's, and it checked the history when it opened it. */
  after_crash = exclusive && (osais_store_file_exists (wal_path) || osais_store_file_exists (shm_path));

  /* The asynchronous opening leaves the integrity check to the writer:
   * the first page does not wait for a read of the whole file. */
  self->db = osais_store_open_database (db_path, after_crash, !whole, &self->check_pending,
                                        error);
  if (self->db == NULL)
    return NULL;

  if (!osais_store_ensure_directory (self->images_dir, error))
    return NULL;

  if (exclusive)
    {
      /* Reading every job's folder takes a while (0.2 s for 10,000 jobs
       * here): only after a crash, the only way to leave temporary files. */
      if (after_crash)
        osais_store_remove_temp_leftovers (self->images_dir);
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
          osais_store_set_sqlite_error (error, self->db, "Cannot prepare the history");
          return NULL;
        }
    }

  if (!osais_store_load_history_pages (self, whole, error) ||
      !osais_store_load_early (self, error) ||
      (!self->check_pending && !osais_store_settle_early (self, error)))
    {
      g_autoptr(GError) damage = NULL;

      /* Damage in the first page, met before the check: said as the check
       * says it, which nothing has written after. */
      if (self->check_pending &&
          !osais_store_check_integrity (self->db, db_path, FALSE, &damage))
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&damage));
        }
      return NULL;
    }
  /* Callbacks wait for the check as for the history's pages. */
  self->loading |= self->check_pending;

  self->search_reader = osais_search_reader_new (db_path);
  /* Linux keeps a thread's name only when it fits 15 bytes. */
  self->writer = g_thread_new ("osais-writer", osais_store_writer_thread, self);
  /* Threads of its own, that can run below the main thread of an app
   * (osais_thread_priority_lower_own_thread()); GLib's shared pool threads
   * also run other pools' work, GTask's among them. */
  self->file_pool = g_thread_pool_new (osais_store_prepare_image, self, MAX_FILE_THREADS, TRUE, NULL);

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
      osais_store_schedule_pending (self);
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

  /* The writer stops the integrity check it may be running, which could
   * read the whole file for a second or more, unless writes wait for it.
   * Under the mutex, so that only the check is interrupted. */
  g_mutex_lock (&self->mutex);
  self->closing = TRUE;
  g_cond_signal (&self->cond);
  if (self->in_check && self->queue->len == 0)
    {
      self->check_interrupted = TRUE;
      sqlite3_interrupt (self->db);
    }
  g_mutex_unlock (&self->mutex);
  osais_store_wake_held_checks ();

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

  osais_store_flush_pending (self);

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
osais_store_set_image_func (OsaisStore          *self,
                            OsaisStoreImageFunc  func,
                            gpointer             user_data,
                            GDestroyNotify       destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (OSAIS_IS_STORE (self));

  g_mutex_lock (&self->mutex);
  old_destroy = self->image_func_destroy;
  old_data = self->image_func_data;
  self->image_func = func;
  self->image_func_data = user_data;
  self->image_func_destroy = destroy;
  g_mutex_unlock (&self->mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
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
    g_object_notify_by_pspec (G_OBJECT (self), osais_store_properties[PROP_EARLY_GRACE]);
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
  osais_store_submit (self, op);
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

  op = osais_store_op_new (self, OP_CREATE_JOB, osais_store_create_job_async,
                           cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] create job");
  op->request_id = request_id;
  op->uid = uid;
  op->token = g_strdup (token);
  op->engine = g_strdup (engine);
  op->parameters = g_strdup (parameters);
  op->result_destroy = g_object_unref;
  osais_store_submit (self, op);
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

  op = osais_store_op_new (self, OP_NOTIFY, osais_store_apply_notification_async,
                           cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] apply notification");
  op->uid = notification->uid;
  op->token = g_strdup (notification->token != NULL ? notification->token : "0");
  op->stage = notification->stage;
  op->cycle = MAX (0, notification->cycle);
  op->filename = g_strdup (notification->filename);
  op->descr = g_strdup (notification->descr);
  op->cost = notification->cost;
  osais_store_submit (self, op);
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

  op = osais_store_op_new (self, OP_ADD_IMAGE, osais_store_add_image_async,
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
      osais_store_submit (self, op);
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

  op = osais_store_op_new (self, OP_DELETE_JOB, osais_store_delete_job_async,
                           cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] delete job");
  op->uid = osais_job_get_uid (job);
  osais_store_submit (self, op);
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

  op = osais_store_op_new (self, OP_DELETE_IMAGE, osais_store_delete_image_async,
                           cancellable, callback, user_data);
  g_task_set_name (op->task, "[osais-store] delete image");
  op->uid = osais_image_get_uid (image);
  op->hash = g_strdup (osais_image_get_hash (image));
  osais_store_submit (self, op);
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

/* Search and favourites (schema 4). */

/* Queues @task on the search's thread (see osais_search_reader_run()). */
static void
run_on_reader (OsaisStore *self,
               GTask      *task)
{
  g_mutex_lock (&self->mutex);
  if (self->search_reader != NULL)
    osais_search_reader_run (self->search_reader, task);
  else
    g_task_return_new_error (task, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                             "The store is closed");
  g_mutex_unlock (&self->mutex);
}

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

  run_on_reader (self, task);
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
osais_store_prepare_search_async (OsaisStore          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_prepare_search_async);
  g_task_set_name (task, "[osais-store] prepare search");

  run_on_reader (self, task);
}

gboolean
osais_store_prepare_search_finish (OsaisStore    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_store_prepare_search_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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

  op = osais_store_op_new (self, OP_SET_FAVOURITE, osais_store_set_favourite_async,
                           cancellable, callback, user_data);
  op->uid = osais_image_get_uid (image);
  op->hash = g_strdup (osais_image_get_hash (image));
  op->favourite = !!favourite;
  osais_store_submit (self, op);
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

void
osais_store_set_dismissed_async (OsaisStore          *self,
                                 OsaisJob            *job,
                                 gboolean             dismissed,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Op *op;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (OSAIS_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = osais_store_op_new (self, OP_SET_DISMISSED, osais_store_set_dismissed_async,
                           cancellable, callback, user_data);
  op->uid = osais_job_get_uid (job);
  op->dismissed = !!dismissed;
  osais_store_submit (self, op);
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

          /* The job's model holds its images weakly (osais-job-images.c):
           * the store holds the ones it hands out, for as long as it lives. */
          if (osais_image_get_id (image) == id)
            {
              if (!g_ptr_array_find (self->looked_up, image, NULL))
                g_ptr_array_add (self->looked_up, g_object_ref (image));
              return image;
            }
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

const GError *
osais_store_get_damage (OsaisStore *self)
{
  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  return self->damage;
}
