/* osais-image-viewer-compare.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The viewer's textures, read in a thread: the image shown, and the job's
 * input that Compare puts beside it.
 */

#define G_LOG_DOMAIN "OsaisImageViewer"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "osais-checkered-paintable.h"
#include "osais-gallery-model.h"
#include "osais-image-export.h"
#include "osais-image-viewer-private.h"
#include "osais-thumbnail-loader.h"

/* Loading ---------------------------------------------------------------- */

/* A texture read in a thread, kept in @slot and shown over a checkerboard
 * (transparent parts visible), or NULL and @error. */
static GdkPaintable *
take_texture (GAsyncResult  *result,
              GdkTexture   **slot,
              GError       **error)
{
  g_autoptr(GdkTexture) texture = osais_load_full_texture_finish (result, error);

  if (texture == NULL)
    return NULL;

  g_set_object (slot, texture);
  return osais_checkered_paintable_new (texture);
}

static void
texture_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPaintable) checkered = NULL;

  checkered = take_texture (result, &self->texture, &error);
  if (checkered == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _osais_image_viewer_show_toast (self, _("The image could not be shown"));
      return;
    }

  gtk_picture_set_paintable (self->picture, checkered);
  osais_compare_view_set_after (self->compare_view, checkered);
  _osais_image_viewer_apply_zoom (self);
  _osais_image_viewer_update_actions (self);
}

void
_osais_image_viewer_load_texture (OsaisImageViewer *self)
{
  self->cancellable = g_cancellable_new ();
  osais_load_full_texture_async (osais_image_get_file (self->image), self->cancellable,
                                 texture_loaded_cb, g_object_ref (self));
}

/* Compare ----------------------------------------------------------------- */

static void
update_compare (OsaisImageViewer *self)
{
  gboolean available = self->input_texture != NULL;

  gtk_widget_set_visible (self->compare_button, available);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.compare", available);
  if (!available)
    _osais_image_viewer_set_comparing (self, FALSE);
}

static void
input_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPaintable) checkered = NULL;

  checkered = take_texture (result, &self->input_texture, &error);
  if (checkered == NULL)
    {
      /* Most jobs have no input: nothing to compare, nothing to say. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No input to compare with: %s", error->message);
      return;
    }

  osais_compare_view_set_before (self->compare_view, checkered);
  update_compare (self);
}

/* The input the store kept for the job, if any (the gallery's model knows
 * the store); read in a thread like the image. */
void
_osais_image_viewer_load_input (OsaisImageViewer *self)
{
  OsaisStore *store = OSAIS_IS_GALLERY_MODEL (self->model)
                      ? osais_gallery_model_get_store (OSAIS_GALLERY_MODEL (self->model))
                      : NULL;
  g_autoptr(GFile) file = NULL;

  g_cancellable_cancel (self->input_cancellable);
  g_clear_object (&self->input_cancellable);
  g_clear_object (&self->input_texture);
  osais_compare_view_set_before (self->compare_view, NULL);
  update_compare (self);

  if (store == NULL || self->job == NULL)
    return;

  file = osais_store_dup_input_file (store, osais_job_get_uid (self->job));
  self->input_cancellable = g_cancellable_new ();
  osais_load_full_texture_async (file, self->input_cancellable, input_loaded_cb,
                                 g_object_ref (self));
}

gboolean
osais_image_viewer_get_comparing (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), FALSE);

  return self->comparing;
}

OsaisCompareView *
osais_image_viewer_get_compare_view (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  return self->compare_view;
}
