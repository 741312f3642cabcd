/* osais-image-export.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImageExport"

#include "config.h"

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

static GTask *
export_task_new (OsaisImage          *image,
                 OsaisJob            *job,
                 const char          *engine_version,
                 GFile               *destination,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
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
  g_task_set_task_data (task, export, (GDestroyNotify) export_free);

  return task;
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

  task = export_task_new (image, job, engine_version, destination, cancellable,
                          callback, user_data);
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
