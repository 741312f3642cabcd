/* osais-last-form.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisLastForm"

#include "config.h"

#include <json-glib/json-glib.h>

#include "osais-core.h"
#include "osais-last-form-private.h"
#include "osais-request-form.h"

struct _OsaisLastForm
{
  GObject           parent_instance;

  OsaisRequestForm *form;      /* weak */
  GFile            *file;
  GCancellable     *cancellable;
  /* Read, not yet given to the form (its engine not shown yet). */
  OsaisStyle       *pending;
  guint             busy;
  /* Saves come one at a time, in order: the newest waits here. */
  OsaisStyle       *queued;
};

G_DEFINE_FINAL_TYPE (OsaisLastForm, osais_last_form, G_TYPE_OBJECT)

/* Whether the prompt (the engine's first text field, as the form has it)
 * has been written in: the user was quicker than the file. */
static gboolean
prompt_written (OsaisLastForm *self,
                OsaisEngine   *engine)
{
  g_autoptr(GHashTable) values = osais_request_form_dup_values (self->form);

  for (guint i = 0; i < osais_engine_get_n_params (engine); i++)
    {
      const OsaisEngineParam *param = osais_engine_get_param (engine, i);
      const char *value;

      if (param->widget != OSAIS_PARAM_WIDGET_EDIT || param->type != OSAIS_PARAM_TYPE_STRING)
        continue;
      value = g_hash_table_lookup (values, param->name);
      return value != NULL && value[0] != '\0';
    }

  return FALSE;
}

static void
try_restore (OsaisLastForm *self)
{
  OsaisEngine *engine;

  if (self->pending == NULL || self->form == NULL)
    return;
  engine = osais_request_form_get_engine (self->form);
  if (engine == NULL || g_strcmp0 (osais_engine_get_name (engine), self->pending->engine) != 0)
    return;

  /* Never over what the user has begun: the last form only fills an
   * empty one. */
  if (prompt_written (self, engine))
    {
      g_clear_pointer (&self->pending, osais_style_free);
      return;
    }

  osais_request_form_set_values_from_json (self->form, self->pending->values);
  g_clear_pointer (&self->pending, osais_style_free);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(OsaisLastForm) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) styles = osais_styles_load_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy--;
  if (styles == NULL)
    {
      /* Only a convenience: a damaged copy is replaced at the next Run. */
      g_debug ("The last form is not restored: %s", error->message);
      return;
    }
  if (styles->len > 0)
    {
      g_clear_pointer (&self->pending, osais_style_free);
      self->pending = osais_style_copy (g_ptr_array_index (styles, 0));
      try_restore (self);
    }
}

void
osais_last_form_set_file (OsaisLastForm *self,
                          GFile         *file)
{
  g_return_if_fail (OSAIS_IS_LAST_FORM (self));

  if (self->file == file || (self->file != NULL && file != NULL && g_file_equal (self->file, file)))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = 0;
  g_clear_pointer (&self->pending, osais_style_free);
  g_clear_pointer (&self->queued, osais_style_free);
  g_set_object (&self->file, file);
  if (file == NULL)
    return;

  self->busy++;
  osais_styles_load_async (file, self->cancellable, loaded_cb, g_object_ref (self));
}

static void save_next (OsaisLastForm *self);

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OsaisLastForm) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_styles_save_finish (result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("The last form is not kept: %s", error->message);
    }
  self->busy--;
  save_next (self);
}

static void
save_next (OsaisLastForm *self)
{
  g_autoptr(GPtrArray) styles = NULL;

  if (self->queued == NULL || self->file == NULL || self->busy > 0)
    return;

  styles = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);
  g_ptr_array_add (styles, g_steal_pointer (&self->queued));
  self->busy++;
  /* A damaged copy is set aside ("last-form.json.broken"), as for styles. */
  osais_styles_save_async (self->file, styles, TRUE, self->cancellable, saved_cb,
                           g_object_ref (self));
}

void
osais_last_form_save (OsaisLastForm *self)
{
  g_autofree char *values = NULL;
  OsaisEngine *engine;

  g_return_if_fail (OSAIS_IS_LAST_FORM (self));

  if (self->form == NULL || (engine = osais_request_form_get_engine (self->form)) == NULL)
    return;

  /* What the user sent now wins over what an earlier run left. */
  g_clear_pointer (&self->pending, osais_style_free);
  values = osais_request_form_dup_values_json (self->form);
  g_clear_pointer (&self->queued, osais_style_free);
  self->queued = osais_style_new (NULL, osais_engine_get_name (engine), values);
  save_next (self);
}

gboolean
osais_last_form_get_busy (OsaisLastForm *self)
{
  g_return_val_if_fail (OSAIS_IS_LAST_FORM (self), FALSE);

  return self->busy > 0 || self->queued != NULL;
}

static void
osais_last_form_dispose (GObject *object)
{
  OsaisLastForm *self = OSAIS_LAST_FORM (object);

  if (self->form != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->form, try_restore, self);
      g_object_remove_weak_pointer (G_OBJECT (self->form), (gpointer *) &self->form);
      self->form = NULL;
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_pointer (&self->pending, osais_style_free);
  g_clear_pointer (&self->queued, osais_style_free);

  G_OBJECT_CLASS (osais_last_form_parent_class)->dispose (object);
}

static void
osais_last_form_class_init (OsaisLastFormClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = osais_last_form_dispose;
}

static void
osais_last_form_init (OsaisLastForm *self)
{
  self->cancellable = g_cancellable_new ();
}

OsaisLastForm *
osais_last_form_new (OsaisRequestForm *form)
{
  OsaisLastForm *self;

  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (form), NULL);

  self = g_object_new (OSAIS_TYPE_LAST_FORM, NULL);
  self->form = form;
  g_object_add_weak_pointer (G_OBJECT (form), (gpointer *) &self->form);
  g_signal_connect_swapped (form, "notify::engine", G_CALLBACK (try_restore), self);

  return self;
}
