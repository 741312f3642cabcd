/* osais-store-files.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Image files: written and synced under a temporary name by the file
 * threads, named by the store, and the leftovers a crash leaves; and the
 * input images kept beside the jobs that sent them.
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-image-check.h"
#include "osais-store-private.h"
#include "osais-thread-priority.h"

/* Files. */

/* What a failed file operation means for whoever sent what was to be
 * stored: space may come back, and a folder may be made writable again. */
OsaisStoreError
osais_store_file_error_code (int saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      return OSAIS_STORE_ERROR_DISK_FULL;
    case EROFS:
    case EACCES:
    case EPERM:
      return OSAIS_STORE_ERROR_READ_ONLY;
    default:
      return OSAIS_STORE_ERROR_IO;
    }
}

gboolean
osais_store_fsync_directory (const char  *path,
                             GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot sync the folder %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  close (fd);

  return TRUE;
}

/* Creates @path if needed; a new folder is made durable in its parent. */
gboolean
osais_store_ensure_directory (const char  *path,
                              GError     **error)
{
  g_autofree char *parent = NULL;
  int saved_errno;

  if (g_mkdir (path, 0700) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EEXIST && g_file_test (path, G_FILE_TEST_IS_DIR))
        return TRUE;

      g_set_error (error, OSAIS_STORE_ERROR, osais_store_file_error_code (saved_errno),
                   "Cannot create the folder %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  parent = g_path_get_dirname (path);

  return osais_store_fsync_directory (parent, error);
}

/* An image is written in pieces of this size. A kernel that does not
 * preempt its own code (preempt=none, as on the machines the benchmarks ran
 * on) copies a write's bytes into the page cache with no point at which
 * another thread may run: one write of a 1 MB upload held a processor for
 * 3 to 6 ms, with the app's main thread woken on it and waiting for its
 * frame (perf sched, tests/bench/gui). Each return from a piece is such a
 * point, and the thread yields there to a waiting main thread
 * (osais_thread_priority_yield()). */
#define WRITE_CHUNK (64 * 1024)

/* Writes @data to a new temporary file in @dir and syncs it, so that a
 * rename gives @dir/@name complete or not at all; the rename and the sync of
 * the folder that makes it durable are the caller's. */
char *
osais_store_write_temp_file (const char  *dir,
                             const char  *name,
                             GBytes      *data,
                             GError     **error)
{
  g_autofree char *tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dir, name);
  const guint8 *bytes;
  gsize size;
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  bytes = g_bytes_get_data (data, &size);

  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, osais_store_file_error_code (saved_errno),
                   "Cannot create a file in %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }

  while (written < size)
    {
      gssize n = write (fd, bytes + written, MIN (size - written, WRITE_CHUNK));

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          saved_errno = errno;
          break;
        }
      written += n;
      osais_thread_priority_yield ();
    }

  if (saved_errno == 0 && fsync (fd) != 0)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;

  if (saved_errno != 0)
    {
      g_unlink (tmp_path);
      g_set_error (error, OSAIS_STORE_ERROR, osais_store_file_error_code (saved_errno),
                   "Cannot write %s/%s: %s", dir, name, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&tmp_path);
}

/* Whether @name is one of osais_store_write_temp_file()'s temporary names: a dot, an
 * image's name as osais_store_image_location() makes it, a dot, g_mkstemp_full()'s six
 * characters. Nothing else in the data folder is ever taken for one. */
gboolean
osais_store_is_temp_image_name (const char *name)
{
  static const char temp_pattern[] =
    "^\\.[0-9]+-[0-9a-f]{16}\\.(png|jpg|webp|bin)\\.[A-Za-z0-9]{6}$";
  static GRegex *pattern;

  if (g_once_init_enter (&pattern))
    g_once_init_leave (&pattern, g_regex_new (temp_pattern, G_REGEX_OPTIMIZE,
                                              G_REGEX_MATCH_DEFAULT, NULL));

  return g_regex_match (pattern, name, G_REGEX_MATCH_DEFAULT, NULL);
}

/* Removes the temporary image files that a crash left in images/<uid>/: a
 * process killed between writing one and renaming it leaves it behind, and
 * nothing else would ever remove it. Only called while no other store has
 * the folder open (see lock_data_dir()), as another's would be in use. */
void
osais_store_remove_temp_leftovers (const char *images_dir)
{
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *job_name;
  guint n_removed = 0;

  while (dir != NULL && (job_name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *job_dir_path = g_build_filename (images_dir, job_name, NULL);
      g_autoptr(GDir) job_dir = g_dir_open (job_dir_path, 0, NULL);
      const char *name;

      while (job_dir != NULL && (name = g_dir_read_name (job_dir)) != NULL)
        {
          g_autofree char *path = NULL;

          if (!osais_store_is_temp_image_name (name))
            continue;

          path = g_build_filename (job_dir_path, name, NULL);
          if (g_unlink (path) == 0)
            n_removed++;
          else
            g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
        }
    }

  g_debug ("Removed %u temporary image files a crash left in %s", n_removed, images_dir);
}

/* The store names image files itself; only these three types pass the image
 * check, anything else keeps a neutral extension rather than a guessed one. */
const char *
osais_store_extension_for_content_type (const char *content_type)
{
  const char *extension = osais_image_extension_for_content_type (content_type);

  return extension != NULL ? extension : "bin";
}

/* Where an image goes: the name comes from what the store knows, never from
 * the network, and from the hash, so that the same bytes get the same name
 * (osais_image_stored_path(), which also finds the file of an image read
 * from the history). */
void
osais_store_image_location (OsaisStore  *self,
                            Op          *op,
                            char       **dir,
                            char       **name)
{
  g_autofree char *relative_path = osais_image_stored_path (op->uid, op->cycle, op->hash,
                                                            op->content_type);
  g_autofree char *path = g_build_filename (self->data_dir, relative_path, NULL);

  *dir = g_path_get_dirname (path);
  *name = g_path_get_basename (path);
}

/* Input images --------------------------------------------------------- */

GFile *
osais_store_dup_input_file (OsaisStore *self,
                            gint64      uid)
{
  g_autofree char *uid_text = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (OSAIS_IS_STORE (self), NULL);

  uid_text = g_strdup_printf ("%" G_GINT64_FORMAT, uid);
  path = g_build_filename (self->data_dir, INPUTS_DIR, uid_text, NULL);
  return g_file_new_for_path (path);
}

static void
keep_input_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  GBytes *data = task_data;
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *folder_path = g_file_get_path (folder);
  GError *error = NULL;

  if (g_mkdir_with_parents (folder_path, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Cannot make %s: %s", folder_path, g_strerror (saved_errno));
      return;
    }

  /* Written whole or not at all (a temporary file renamed over it). */
  if (!g_file_replace_contents (file, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
osais_store_keep_input_async (OsaisStore          *self,
                              gint64               uid,
                              GBytes              *data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_STORE (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_store_keep_input_async);
  g_task_set_name (task, "osais-store-keep-input");
  g_task_set_task_data (task, g_bytes_ref (data), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "file", osais_store_dup_input_file (self, uid),
                          g_object_unref);
  g_task_run_in_thread (task, keep_input_thread);
}

gboolean
osais_store_keep_input_finish (OsaisStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_store_keep_input_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

