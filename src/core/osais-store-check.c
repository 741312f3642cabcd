/* osais-store-check.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checking and repairing a data folder with no store open on it
 * (osais_store_check(), osais_store_move_aside()).
 */

#define G_LOG_DOMAIN "OsaisStore"

#include "osais-store-private.h"

/* Checking and repairing a data folder, with no store open on it. */

#define LOST_AND_FOUND_DIR "lost+found"

/* The data folder's lock, exclusive: no store has the folder open, and none
 * will until the returned descriptor is closed. */
static int
lock_data_dir_exclusive (const char  *data_dir,
                         GError     **error)
{
  int saved_errno;
  int fd;

  fd = open (data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot open the folder %s: %s", data_dir, g_strerror (saved_errno));
      return -1;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved_errno = errno;
      close (fd);
      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IN_USE,
                     "The data folder %s is in use by OSAIS Studio (the app, or `osais run` "
                     "or `serve`): close it, then try again", data_dir);
      else
        g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                     "Cannot lock the folder %s: %s", data_dir, g_strerror (saved_errno));
      return -1;
    }

  return fd;
}

void
osais_store_check_free (OsaisStoreCheck *check)
{
  g_free (check->integrity);
  g_clear_pointer (&check->missing, g_ptr_array_unref);
  g_clear_pointer (&check->orphans, g_ptr_array_unref);
  g_clear_pointer (&check->leftovers, g_ptr_array_unref);
  g_clear_pointer (&check->moved, g_ptr_array_unref);
  g_free (check);
}

gboolean
osais_store_check_is_healthy (const OsaisStoreCheck *check)
{
  g_return_val_if_fail (check != NULL, FALSE);

  return ((check->integrity == NULL || g_str_equal (check->integrity, "ok")) &&
          check->missing->len == 0 &&
          check->moved->len == check->orphans->len + check->leftovers->len);
}

/* The history's integrity, checked on a copy, and the image paths its rows
 * name (NULL in *@names when it is damaged). */
static gboolean
check_history (const char       *data_dir,
               OsaisStoreCheck  *check,
               GHashTable      **names,
               GError          **error)
{
  g_autofree char *path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  g_autofree char *wal = osais_store_database_file (path, "-wal");
  g_autofree char *scratch = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GError) damage = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;
  gboolean ok = FALSE;
  int version = 0;
  int rc;

  *names = NULL;
  if (!osais_store_file_exists (path) && !osais_store_file_exists (wal))
    return TRUE;

  if (!osais_store_check_database_file (path, &damage))
    {
      check->integrity = g_strdup (damage->message);
      return TRUE;
    }

  copy = osais_store_copy_database (path, &scratch, error);
  if (copy == NULL)
    return FALSE;

  if (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      osais_store_set_sqlite_error (error, db, "Cannot check the history database");
      goto out;
    }

  if (!osais_store_check_database (db, path, TRUE, &version, &damage))
    {
      if (!g_error_matches (damage, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED))
        {
          g_propagate_error (error, g_steal_pointer (&damage));
          goto out;
        }
      check->integrity = g_strdup (damage->message);
      ok = TRUE;
      goto out;
    }

  check->integrity = g_strdup ("ok");
  *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* A history from before its schema was made names nothing. */
  if (version == 0)
    {
      ok = TRUE;
      goto out;
    }

  if (sqlite3_prepare_v2 (db, "SELECT path FROM images", -1, &stmt, NULL) != SQLITE_OK)
    {
      osais_store_set_sqlite_error (error, db, "Cannot read the history");
      goto out;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *)sqlite3_column_text (stmt, 0);

      if (name != NULL)
        g_hash_table_add (*names, g_strdup (name));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      osais_store_set_sqlite_error (error, db, "Cannot read the history");
      goto out;
    }

  ok = TRUE;

out:
  sqlite3_close (db);
  osais_store_remove_scratch_dir (scratch);
  if (!ok)
    g_clear_pointer (names, g_hash_table_unref);

  return ok;
}

/* Sorts the files of images/ into leftovers and orphans. */
static void
check_images (const char      *data_dir,
              OsaisStoreCheck *check,
              GHashTable      *names)
{
  g_autofree char *images_dir = g_build_filename (data_dir, IMAGES_DIR, NULL);
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *job_name;

  while (dir != NULL && (job_name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *job_path = g_build_filename (images_dir, job_name, NULL);
      g_autoptr(GDir) job_dir = NULL;
      const char *name;

      if (!g_file_test (job_path, G_FILE_TEST_IS_DIR))
        {
          if (names != NULL)
            g_ptr_array_add (check->orphans, g_build_filename (IMAGES_DIR, job_name, NULL));
          continue;
        }

      job_dir = g_dir_open (job_path, 0, NULL);
      while (job_dir != NULL && (name = g_dir_read_name (job_dir)) != NULL)
        {
          g_autofree char *relative = g_build_filename (IMAGES_DIR, job_name, name, NULL);
          g_autofree char *path = g_build_filename (data_dir, relative, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          if (osais_store_is_temp_image_name (name))
            g_ptr_array_add (check->leftovers, g_steal_pointer (&relative));
          else if (names != NULL && !g_hash_table_contains (names, relative))
            g_ptr_array_add (check->orphans, g_steal_pointer (&relative));
        }
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* Moves @relative into lost+found/, under the same relative path, with a
 * number added if that name is taken; returns where it went. */
static char *
move_to_lost_and_found (const char  *data_dir,
                        const char  *relative,
                        GError     **error)
{
  g_autofree char *from = g_build_filename (data_dir, relative, NULL);
  g_autofree char *target = g_build_filename (LOST_AND_FOUND_DIR, relative, NULL);
  g_autofree char *to = g_build_filename (data_dir, target, NULL);
  g_autofree char *to_dir = g_path_get_dirname (to);
  int saved_errno;

  for (guint n = 2; osais_store_file_exists (to); n++)
    {
      g_free (target);
      g_free (to);
      target = g_strdup_printf ("%s/%s.%u", LOST_AND_FOUND_DIR, relative, n);
      to = g_build_filename (data_dir, target, NULL);
    }

  if (g_mkdir_with_parents (to_dir, 0700) != 0 || g_rename (from, to) != 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot move %s to %s: %s", from, to, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&target);
}

OsaisStoreCheck *
osais_store_check (const char  *data_dir,
                   gboolean     repair,
                   GError     **error)
{
  g_autoptr(OsaisStoreCheck) check = NULL;
  g_autoptr(GHashTable) names = NULL;
  int lock_fd;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "There is no data folder %s", data_dir);
      return NULL;
    }

  /* Without it, a file being written would look like a crash's leftover. */
  lock_fd = lock_data_dir_exclusive (data_dir, error);
  if (lock_fd < 0)
    return NULL;

  check = g_new0 (OsaisStoreCheck, 1);
  check->missing = g_ptr_array_new_with_free_func (g_free);
  check->orphans = g_ptr_array_new_with_free_func (g_free);
  check->leftovers = g_ptr_array_new_with_free_func (g_free);
  check->moved = g_ptr_array_new_with_free_func (g_free);

  if (!check_history (data_dir, check, &names, error))
    goto failed;

  if (names != NULL)
    {
      GHashTableIter iter;
      const char *name;

      g_hash_table_iter_init (&iter, names);
      while (g_hash_table_iter_next (&iter, (gpointer *)&name, NULL))
        {
          g_autofree char *path = g_build_filename (data_dir, name, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add (check->missing, g_strdup (name));
        }
    }
  check_images (data_dir, check, names);
  g_ptr_array_sort (check->missing, compare_paths);
  g_ptr_array_sort (check->orphans, compare_paths);
  g_ptr_array_sort (check->leftovers, compare_paths);

  for (guint i = 0; repair && i < check->orphans->len + check->leftovers->len; i++)
    {
      const char *relative = i < check->orphans->len ?
                             g_ptr_array_index (check->orphans, i) :
                             g_ptr_array_index (check->leftovers, i - check->orphans->len);
      char *moved = move_to_lost_and_found (data_dir, relative, error);

      if (moved == NULL)
        goto failed;
      g_ptr_array_add (check->moved, moved);
    }

  close (lock_fd);

  return g_steal_pointer (&check);

failed:
  close (lock_fd);

  return NULL;
}

char *
osais_store_move_aside (const char  *data_dir,
                        GError     **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *path = NULL;
  g_autofree char *moved_path = NULL;
  g_autofree char *images = NULL;
  g_autofree char *moved_images = NULL;
  g_autofree char *stamp = NULL;
  g_autoptr(GDateTime) now = NULL;
  gboolean anything = FALSE;
  int saved_errno;
  int lock_fd;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lock_fd = lock_data_dir_exclusive (data_dir, error);
  if (lock_fd < 0)
    return NULL;

  path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  moved_path = g_strdup_printf ("%s.moved-aside-%s", path, stamp);
  for (guint n = 2; osais_store_file_exists (moved_path); n++)
    {
      g_free (moved_path);
      moved_path = g_strdup_printf ("%s.moved-aside-%s-%u", path, stamp, n);
    }

  /* The database first: a log left without it is refused at opening,
   * where a database left without its log would lose what is in it. The
   * log keeps its name's relation to the database, so that they still open
   * together. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = osais_store_database_file (path, suffixes[i]);
      g_autofree char *to = osais_store_database_file (moved_path, suffixes[i]);

      if (!osais_store_file_exists (from))
        continue;
      if (g_rename (from, to) != 0)
        {
          saved_errno = errno;
          g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                       "Cannot move %s aside to %s: %s", from, to, g_strerror (saved_errno));
          close (lock_fd);
          return NULL;
        }
      anything = TRUE;
    }

  if (!anything)
    {
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "There is no history to move aside in %s", data_dir);
      close (lock_fd);
      return NULL;
    }

  /* The images belong to the history moved aside: they go with it. */
  images = g_build_filename (data_dir, IMAGES_DIR, NULL);
  moved_images = g_strconcat (images, moved_path + strlen (path), NULL);
  if (osais_store_file_exists (images) && g_rename (images, moved_images) != 0)
    {
      saved_errno = errno;
      g_set_error (error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_IO,
                   "Cannot move %s aside to %s: %s", images, moved_images,
                   g_strerror (saved_errno));
      close (lock_fd);
      return NULL;
    }

  if (!osais_store_fsync_directory (data_dir, error))
    g_clear_pointer (&moved_path, g_free);
  close (lock_fd);

  return g_steal_pointer (&moved_path);
}
