/* osais-styles.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisStyles"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "osais-styles.h"

G_DEFINE_QUARK (osais-styles-error-quark, osais_styles_error)

OsaisStyle *
osais_style_new (const char *name,
                 const char *engine,
                 const char *values)
{
  OsaisStyle *style = g_new0 (OsaisStyle, 1);

  style->name = g_strdup (name);
  style->engine = g_strdup (engine);
  style->values = g_strdup (values != NULL ? values : "{}");

  return style;
}

OsaisStyle *
osais_style_copy (const OsaisStyle *style)
{
  g_return_val_if_fail (style != NULL, NULL);

  return osais_style_new (style->name, style->engine, style->values);
}

void
osais_style_free (OsaisStyle *style)
{
  if (style == NULL)
    return;

  g_free (style->name);
  g_free (style->engine);
  g_free (style->values);
  g_free (style);
}

GPtrArray *
osais_styles_parse (const char  *data,
                    gsize        length,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) styles = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;
  JsonNode *list;
  JsonArray *array;

  if (length > OSAIS_STYLES_MAX_SIZE)
    {
      g_set_error (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN,
                   "larger than %d bytes", OSAIS_STYLES_MAX_SIZE);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      g_set_error (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN,
                   "%s", parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
         ? json_object_get_member (json_node_get_object (root), "styles") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN,
                           "no list of styles");
      return NULL;
    }

  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *values = object != NULL ? json_object_get_member (object, "values") : NULL;
      const char *engine = object != NULL
                           ? json_object_get_string_member_with_default (object, "engine", NULL)
                           : NULL;
      g_autofree char *values_text = NULL;

      if (engine == NULL || values == NULL || !JSON_NODE_HOLDS_OBJECT (values))
        {
          g_set_error (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN,
                       "style %u has no engine or values", i + 1);
          return NULL;
        }

      values_text = json_to_string (values, FALSE);
      g_ptr_array_add (styles,
                       osais_style_new (json_object_get_string_member_with_default (object,
                                                                                    "name",
                                                                                    NULL),
                                        engine, values_text));
    }

  return g_steal_pointer (&styles);
}

char *
osais_styles_serialize (GPtrArray *styles)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "styles");
  json_builder_begin_array (builder);
  for (guint i = 0; styles != NULL && i < styles->len; i++)
    {
      OsaisStyle *style = g_ptr_array_index (styles, i);
      g_autoptr(JsonNode) values = json_from_string (style->values, NULL);

      if (values == NULL || !JSON_NODE_HOLDS_OBJECT (values))
        {
          g_clear_pointer (&values, json_node_unref);
          values = json_node_init_object (json_node_alloc (), json_object_new ());
        }

      json_builder_begin_object (builder);
      if (style->name != NULL)
        {
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, style->name);
        }
      json_builder_set_member_name (builder, "engine");
      json_builder_add_string_value (builder, style->engine != NULL ? style->engine : "");
      json_builder_set_member_name (builder, "values");
      json_builder_add_value (builder, g_steal_pointer (&values));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);

  return json_to_string (root, TRUE);
}

/* Loading ----------------------------------------------------------------- */

static GPtrArray *
load (GFile         *file,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GError) load_error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  if (!g_file_load_contents (file, cancellable, &data, &length, NULL, &load_error))
    {
      if (g_error_matches (load_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);
      g_propagate_error (error, g_steal_pointer (&load_error));
      return NULL;
    }

  return osais_styles_parse (data, length, error);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *styles = load (task_data, cancellable, &error);

  if (styles == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, styles, (GDestroyNotify) g_ptr_array_unref);
}

void
osais_styles_load_async (GFile               *file,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_styles_load_async);
  g_task_set_name (task, "osais-styles-load");
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

GPtrArray *
osais_styles_load_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Saving ------------------------------------------------------------------ */

typedef struct
{
  GFile    *file;
  char     *contents;
  gboolean  keep_broken;
  char     *kept_as;
} Save;

static void
save_free (Save *save)
{
  g_clear_object (&save->file);
  g_free (save->contents);
  g_free (save->kept_as);
  g_free (save);
}

static gboolean
set_broken_aside (Save          *save,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *path = g_file_get_path (save->file);

  for (guint i = 1; i < 1000; i++)
    {
      g_autofree char *aside = i == 1 ? g_strdup_printf ("%s.broken", path)
                                      : g_strdup_printf ("%s.broken-%u", path, i);
      g_autoptr(GFile) target = g_file_new_for_path (aside);
      g_autoptr(GError) move_error = NULL;

      /* No overwrite: an earlier broken copy is kept too. */
      if (g_file_move (save->file, target, G_FILE_COPY_NOFOLLOW_SYMLINKS, cancellable,
                       NULL, NULL, &move_error))
        {
          save->kept_as = g_steal_pointer (&aside);
          return TRUE;
        }
      if (!g_error_matches (move_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&move_error));
          return FALSE;
        }
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "too many broken copies");
  return FALSE;
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Save *save = task_data;
  g_autoptr(GPtrArray) existing = NULL;
  g_autoptr(GFile) folder = g_file_get_parent (save->file);
  GError *error = NULL;

  /* What is there now decides: a file that is not ours, or that another
   * editor broke since it was read, is never overwritten unseen. */
  existing = load (save->file, cancellable, &error);
  if (existing == NULL)
    {
      if (!g_error_matches (error, OSAIS_STYLES_ERROR, OSAIS_STYLES_ERROR_BROKEN) ||
          !save->keep_broken)
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
      if (!set_broken_aside (save, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

  if (folder != NULL && !g_file_make_directory_with_parents (folder, cancellable, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
    }

  if (!g_file_replace_contents (save->file, save->contents, strlen (save->contents), NULL,
                                FALSE, G_FILE_CREATE_PRIVATE, NULL, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
osais_styles_save_async (GFile               *file,
                         GPtrArray           *styles,
                         gboolean             keep_broken,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Save *save;

  g_return_if_fail (G_IS_FILE (file));

  save = g_new0 (Save, 1);
  save->file = g_object_ref (file);
  save->contents = osais_styles_serialize (styles);
  save->keep_broken = keep_broken;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_styles_save_async);
  g_task_set_name (task, "osais-styles-save");
  g_task_set_task_data (task, save, (GDestroyNotify) save_free);
  g_task_run_in_thread (task, save_thread);
}

gboolean
osais_styles_save_finish (GAsyncResult  *result,
                          char         **kept_as,
                          GError       **error)
{
  Save *save;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  save = g_task_get_task_data (G_TASK (result));
  if (kept_as != NULL)
    *kept_as = g_strdup (save->kept_as);

  return g_task_propagate_boolean (G_TASK (result), error);
}
