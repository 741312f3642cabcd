/* osais-image-export.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImageExport"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "osais-image-export.h"

typedef struct
{
  GFile   *source;
  char    *content_type;
  char    *engine;
  char    *version;
  char    *parameters;
  GFile   *destination;
  gboolean tagged;
} Export;

static void
export_free (Export *export)
{
  g_clear_object (&export->source);
  g_free (export->content_type);
  g_free (export->engine);
  g_free (export->version);
  g_free (export->parameters);
  g_clear_object (&export->destination);
  g_free (export);
}

static GBytes *
export_bytes (Export        *export,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(GError) tag_error = NULL;

  contents = g_file_load_bytes (export->source, cancellable, NULL, error);
  if (contents == NULL)
    return NULL;

  if (g_strcmp0 (export->content_type, "image/png") != 0 || export->parameters == NULL)
    return g_steal_pointer (&contents);

  tagged = osais_png_text_embed_parameters (contents, export->engine, export->version,
                                            export->parameters, &tag_error);
  if (tagged == NULL)
    {
      /* The image itself is still worth having: a stored PNG we cannot
       * tag (text too large) is given as it is, and said to be untagged. */
      g_debug ("Image exported without its parameters: %s", tag_error->message);
      return g_steal_pointer (&contents);
    }

  export->tagged = TRUE;
  return g_steal_pointer (&tagged);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Export *export = task_data;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = export_bytes (export, cancellable, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (export->destination != NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (export->destination);

      if (folder != NULL &&
          !g_file_make_directory_with_parents (folder, cancellable, &error))
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
            {
              g_task_return_error (task, error);
              return;
            }
          g_clear_error (&error);
        }

      /* g_file_replace_contents writes a temporary file and renames it over
       * the destination: a failure leaves the old file whole. */
      if (!g_file_replace_contents (export->destination,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                    NULL, FALSE, G_FILE_CREATE_NONE, NULL, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static Export *
export_new (OsaisImage *image,
            OsaisJob   *job,
            const char *engine_version,
            GFile      *destination)
{
  Export *export = g_new0 (Export, 1);

  export->source = g_object_ref (osais_image_get_file (image));
  export->content_type = g_strdup (osais_image_get_content_type (image));
  if (job != NULL)
    {
      export->engine = g_strdup (osais_job_get_engine (job));
      export->parameters = g_strdup (osais_job_get_parameters (job));
    }
  export->version = g_strdup (engine_version);
  export->destination = destination != NULL ? g_object_ref (destination) : NULL;

  return export;
}

void
osais_image_export_async (OsaisImage          *image,
                          OsaisJob            *job,
                          const char          *engine_version,
                          GFile               *destination,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_IMAGE (image));
  g_return_if_fail (job == NULL || OSAIS_IS_JOB (job));
  g_return_if_fail (destination == NULL || G_IS_FILE (destination));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, export_new (image, job, engine_version, destination),
                        (GDestroyNotify) export_free);
  g_task_set_source_tag (task, osais_image_export_async);
  g_task_set_name (task, "osais-image-export");
  g_task_run_in_thread (task, export_thread);
}

GBytes *
osais_image_export_finish (GAsyncResult  *result,
                           gboolean      *tagged,
                           GError       **error)
{
  Export *export;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_image_export_async,
                        NULL);

  export = g_task_get_task_data (G_TASK (result));
  if (tagged != NULL)
    *tagged = export->tagged;

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Export to a folder ------------------------------------------------------ */

/* Lower case words of letters and digits joined by dashes, at most about
 * @max_chars long, cut at a word: a name that is safe in every file system
 * and still reads as the prompt, in any script. */
static char *
slugify (const char *text,
         guint       max_chars)
{
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  g_autoptr(GString) slug = g_string_new (NULL);
  guint n_chars = 0;
  gsize word_end = 0;
  gboolean pending_dash = FALSE;

  for (const char *p = normalized; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isalnum (c))
        {
          pending_dash = slug->len > 0;
          word_end = slug->len;
          continue;
        }

      if (n_chars >= max_chars)
        break;
      if (pending_dash)
        {
          g_string_append_c (slug, '-');
          pending_dash = FALSE;
          n_chars++;
        }
      g_string_append_unichar (slug, g_unichar_tolower (c));
      n_chars++;
    }

  /* Cut mid-word: drop the broken word rather than show half of it. */
  if (n_chars >= max_chars && word_end > 0)
    g_string_truncate (slug, word_end);

  return g_string_free (g_steal_pointer (&slug), FALSE);
}

/* A file name for @image that reads as its prompt: "a-red-fox-4711-2.png"
 * (the uid, then which image of the job when it has several). */
char *
osais_image_export_dup_name (OsaisImage *image,
                             OsaisJob   *job)
{
  g_autofree char *prompt = NULL;
  g_autofree char *slug = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GString) name = g_string_new (NULL);
  GListModel *images;
  const char *extension;
  guint n_images;

  g_return_val_if_fail (OSAIS_IS_IMAGE (image), NULL);
  g_return_val_if_fail (job == NULL || OSAIS_IS_JOB (job), NULL);

  prompt = job != NULL ? osais_job_dup_prompt (job) : NULL;
  slug = slugify (prompt != NULL ? prompt : "", 60);
  /* Translators: the start of a saved image's file name when its request had
   * no prompt, as in "image-4711.png"; lower case, no spaces. */
  g_string_append (name, slug[0] != '\0' ? slug : C_("file name", "image"));
  g_string_append_printf (name, "-%" G_GINT64_FORMAT, osais_image_get_uid (image));

  /* The images of one request share its prompt and uid: their number tells
   * them apart. */
  images = job != NULL ? osais_job_get_images (job) : NULL;
  n_images = images != NULL ? g_list_model_get_n_items (images) : 0;
  for (guint i = 0; n_images > 1 && i < n_images; i++)
    {
      g_autoptr(OsaisImage) other = g_list_model_get_item (images, i);

      if (other == image)
        g_string_append_printf (name, "-%u", i + 1);
    }

  basename = g_file_get_basename (osais_image_get_file (image));
  extension = strrchr (basename, '.');
  if (extension != NULL)
    g_string_append (name, extension);

  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* Creates @name in @folder, or "stem (2).ext", "stem (3).ext"… when taken:
 * an export never replaces a file the user already has. */
static GFileOutputStream *
create_unique (GFile         *folder,
               const char    *name,
               GFile        **created,
               GCancellable  *cancellable,
               GError       **error)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *stem = g_strndup (name, dot != NULL ? (gsize) (dot - name) : strlen (name));
  const char *extension = dot != NULL ? dot : "";

  for (guint n = 1; ; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (name)
                                          : g_strdup_printf ("%s (%u)%s", stem, n, extension);
      g_autoptr(GFile) file = g_file_get_child (folder, candidate);
      g_autoptr(GError) local_error = NULL;
      GFileOutputStream *stream;

      stream = g_file_create (file, G_FILE_CREATE_NONE, cancellable, &local_error);
      if (stream != NULL)
        {
          *created = g_steal_pointer (&file);
          return stream;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

static gboolean
export_into (Export        *export,
             GFile         *folder,
             const char    *name,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GFile) file = NULL;

  bytes = export_bytes (export, cancellable, error);
  if (bytes == NULL)
    return FALSE;

  stream = create_unique (folder, name, &file, cancellable, error);
  if (stream == NULL)
    return FALSE;

  if (!g_output_stream_write_all (G_OUTPUT_STREAM (stream), g_bytes_get_data (bytes, NULL),
                                  g_bytes_get_size (bytes), NULL, cancellable, error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, error))
    {
      /* No half image left behind under a name that looks whole. */
      g_file_delete (file, NULL, NULL);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  GPtrArray *exports; /* Export */
  GPtrArray *names;   /* char * */
  GFile     *folder;
} FolderExport;

static void
folder_export_free (FolderExport *folder_export)
{
  g_ptr_array_unref (folder_export->exports);
  g_ptr_array_unref (folder_export->names);
  g_object_unref (folder_export->folder);
  g_free (folder_export);
}

static void
folder_export_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  FolderExport *folder_export = task_data;
  GError *error = NULL;

  for (guint i = 0; i < folder_export->exports->len; i++)
    if (!export_into (g_ptr_array_index (folder_export->exports, i), folder_export->folder,
                      g_ptr_array_index (folder_export->names, i), cancellable, &error))
      {
        g_prefix_error (&error, _("%u of %u images exported: "), i,
                        folder_export->exports->len);
        g_task_return_error (task, error);
        return;
      }

  g_task_return_int (task, folder_export->exports->len);
}

void
osais_image_export_to_folder_async (GPtrArray           *images,
                                    GPtrArray           *jobs,
                                    GFile               *folder,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FolderExport *folder_export;

  g_return_if_fail (images != NULL && jobs != NULL && images->len == jobs->len);
  g_return_if_fail (G_IS_FILE (folder));

  folder_export = g_new0 (FolderExport, 1);
  folder_export->exports = g_ptr_array_new_with_free_func ((GDestroyNotify) export_free);
  folder_export->names = g_ptr_array_new_with_free_func (g_free);
  folder_export->folder = g_object_ref (folder);
  /* The names on this thread: they read the jobs' images, which live here. */
  for (guint i = 0; i < images->len; i++)
    {
      OsaisImage *image = g_ptr_array_index (images, i);
      OsaisJob *job = g_ptr_array_index (jobs, i);

      g_ptr_array_add (folder_export->exports, export_new (image, job, NULL, NULL));
      g_ptr_array_add (folder_export->names, osais_image_export_dup_name (image, job));
    }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_image_export_to_folder_async);
  g_task_set_name (task, "osais-image-export-to-folder");
  g_task_set_task_data (task, folder_export, (GDestroyNotify) folder_export_free);
  g_task_run_in_thread (task, folder_export_thread);
}

guint
osais_image_export_to_folder_finish (GAsyncResult  *result,
                                     GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        osais_image_export_to_folder_async, 0);

  n = g_task_propagate_int (G_TASK (result), error);
  return n > 0 ? (guint) n : 0;
}
