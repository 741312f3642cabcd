/* osais-image-viewer-export.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The image leaving the viewer: Copy, Save As, Show in Files, and the
 * copy with its parameters inside that a drag out gives.
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

/* Copy, Save As, Show in Files ------------------------------------------- */

/* The clipboard offers the exported PNG (its parameters inside) first, then
 * the texture in every format GDK serializes it to. */
static void
set_clipboard (OsaisImageViewer *self)
{
  g_autoptr(GdkContentProvider) provider = NULL;
  GdkContentProvider *providers[2];
  guint n = 0;

  if (self->export_bytes != NULL &&
      g_strcmp0 (osais_image_get_content_type (self->image), "image/png") == 0)
    providers[n++] = gdk_content_provider_new_for_bytes ("image/png", self->export_bytes);
  providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, self->texture);
  provider = gdk_content_provider_new_union (providers, n);

  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (self)), provider);
  if (self->export_tagged)
    _osais_image_viewer_show_toast (self, _("Image copied"));
  else
    _osais_image_viewer_show_toast (self, _("Image copied without its parameters: only a PNG "
                                            "image keeps them"));
}

static void
exported_for_copy_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean tagged = FALSE;

  bytes = osais_image_export_finish (result, &tagged, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes == NULL)
    g_debug ("Copied without parameters: %s", error->message);
  if (self->texture == NULL)
    return;

  g_clear_pointer (&self->export_bytes, g_bytes_unref);
  self->export_bytes = g_steal_pointer (&bytes);
  self->export_tagged = tagged;
  set_clipboard (self);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);
  OsaisEngine *engine = _osais_image_viewer_find_engine (self);

  if (self->texture == NULL)
    return;

  if (self->export_bytes != NULL)
    {
      set_clipboard (self);
      return;
    }

  /* Copied before the export was ready: tag the PNG now, off the main
   * thread, and fill the clipboard when done. */
  osais_image_export_async (self->image, self->job,
                            engine != NULL ? osais_engine_get_version (engine) : NULL,
                            NULL, self->cancellable, exported_for_copy_cb, g_object_ref (self));
}

static void
exported_for_save_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean tagged = FALSE;

  bytes = osais_image_export_finish (result, &tagged, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!tagged)
    _osais_image_viewer_show_toast (g_task_get_source_object (task),
                                    _("Saved without its parameters: only a PNG image keeps them"));
  g_task_return_boolean (task, TRUE);
}

static void
file_saved_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (object);
  g_autoptr(GError) error = NULL;

  if (!osais_image_viewer_save_finish (self, result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The image was not saved: %s"),
                                               error->message);

      _osais_image_viewer_show_toast (self, text);
    }
}

static void
save_response_cb (GtkNativeDialog  *dialog,
                  int               response,
                  OsaisImageViewer *self)
{
  g_autoptr(GFile) destination = NULL;

  if (response == GTK_RESPONSE_ACCEPT && self->image != NULL)
    {
      destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      osais_image_viewer_save_async (self, destination, NULL, file_saved_cb, NULL);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  g_autoptr(GFile) folder = NULL;
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (self->image == NULL)
    return;

  dialog = gtk_file_chooser_native_new (_("Save Image"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);

  /* Pictures is where GNOME's applications save images; without one (no
   * xdg-user-dirs), the home folder: the chooser's own default is the
   * process's working folder, wherever the app was started from. */
  {
    g_autoptr(GError) error = NULL;

    folder = g_file_new_for_path (pictures != NULL ? pictures : g_get_home_dir ());
    if (!gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, &error))
      g_debug ("No folder suggested: %s", error->message);
  }
  name = osais_image_viewer_dup_suggested_name (self);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The file manager's own folder view with the file selected, through the
 * interface every Linux file manager implements; a folder opened with no
 * selection where none answers (no session bus, a minimal desktop). */
static void
show_folder (OsaisImageViewer *self,
             GFile            *file)
{
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *uri = g_file_get_uri (folder);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL && self->image != NULL)
    {
      g_debug ("No file manager showed the image: %s", error->message);
      show_folder (self, osais_image_get_file (self->image));
    }
}

static void
session_bus_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };

  if (self->image == NULL)
    return;

  if (bus == NULL)
    {
      g_debug ("No session bus: %s", error->message);
      show_folder (self, osais_image_get_file (self->image));
      return;
    }

  uri = g_file_get_uri (osais_image_get_file (self->image));
  uris[0] = uri;
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          show_items_cb, g_steal_pointer (&self));
}

static void
show_in_files_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->image != NULL)
    g_bus_get (G_BUS_TYPE_SESSION, NULL, session_bus_cb, g_object_ref (self));
}

/* Drag out ---------------------------------------------------------------- */

static GdkContentProvider *
drag_prepare_cb (OsaisImageViewer *self,
                 double            x,
                 double            y,
                 GtkDragSource    *source)
{
  GdkContentProvider *providers[3];
  guint n = 0;
  GFile *file;
  GSList files = { NULL, NULL };
  GdkFileList *file_list;

  if (self->image == NULL)
    return NULL;

  /* The exported copy, with its parameters, once it is ready; the stored
   * file until then (a drag cannot wait for a thread). */
  file = self->export_file != NULL ? self->export_file : osais_image_get_file (self->image);
  files.data = file;
  file_list = gdk_file_list_new_from_list (&files);
  providers[n++] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, file_list);
  g_boxed_free (GDK_TYPE_FILE_LIST, file_list);
  providers[n++] = gdk_content_provider_new_typed (G_TYPE_FILE, file);
  if (self->export_bytes != NULL &&
      g_strcmp0 (osais_image_get_content_type (self->image), "image/png") == 0)
    providers[n++] = gdk_content_provider_new_for_bytes ("image/png", self->export_bytes);

  if (self->texture != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (self->texture), 0, 0);

  return gdk_content_provider_new_union (providers, n);
}

/* Export ------------------------------------------------------------------ */

typedef struct
{
  OsaisImageViewer *self;
  GFile            *file;
} Exported;

static void
forget_export_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  g_autoptr(GFile) folder = g_file_get_parent (task_data);

  /* The copy, then its folder (made for it alone); either may be gone. */
  g_file_delete (task_data, NULL, NULL);
  if (folder != NULL)
    g_file_delete (folder, NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

/* A drag-out copy is only needed while its image is shown: removed when
 * another replaces it, so that the cache does not keep one per image seen. */
void
_osais_image_viewer_forget_export (OsaisImageViewer *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->export_file == NULL)
    return;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, _osais_image_viewer_forget_export);
  g_task_set_task_data (task, g_steal_pointer (&self->export_file), g_object_unref);
  g_task_run_in_thread (task, forget_export_thread);
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Exported *exported = user_data;
  g_autoptr(OsaisImageViewer) self = exported->self;
  g_autoptr(GFile) file = exported->file;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean tagged = FALSE;

  g_free (exported);
  bytes = osais_image_export_finish (result, &tagged, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No copy to drag out: %s", error->message);
      return;
    }

  g_clear_pointer (&self->export_bytes, g_bytes_unref);
  self->export_bytes = g_steal_pointer (&bytes);
  self->export_tagged = tagged;
  _osais_image_viewer_forget_export (self);
  self->export_file = g_steal_pointer (&file);
}

/* The copy a drag gives other applications: in the cache, one folder per
 * image, under the name Save As suggests (the name the drop keeps). */
void
_osais_image_viewer_start_export (OsaisImageViewer *self)
{
  OsaisEngine *engine = _osais_image_viewer_find_engine (self);
  g_autofree char *name = osais_image_viewer_dup_suggested_name (self);
  static guint n_exports;
  /* A folder of its own for each copy, so that removing the last one never
   * races with making the next, even of the same image. */
  g_autofree char *folder = g_strdup_printf ("%" G_GINT64_FORMAT "-%d-%d-%u",
                                             osais_image_get_uid (self->image),
                                             osais_image_get_cycle (self->image),
                                             (int) getpid (), ++n_exports);
  Exported *exported = g_new0 (Exported, 1);

  exported->self = g_object_ref (self);
  exported->file = g_file_new_build_filename (g_get_user_cache_dir (), "osais-studio", "drag",
                                              folder, name, NULL);
  osais_image_export_async (self->image, self->job,
                            engine != NULL ? osais_engine_get_version (engine) : NULL,
                            exported->file, self->cancellable, exported_cb, exported);
}

/* Public ------------------------------------------------------------------ */

void
osais_image_viewer_save_async (OsaisImageViewer    *self,
                               GFile               *destination,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OsaisEngine *engine;

  g_return_if_fail (OSAIS_IS_IMAGE_VIEWER (self));
  g_return_if_fail (G_IS_FILE (destination));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_image_viewer_save_async);

  if (self->image == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("No image is shown"));
      return;
    }

  /* The store keeps its files 0600: they are the user's private history. A
   * copy the user saves is an ordinary file of theirs, with the permissions
   * their umask gives (0644 usually), not the store's; a PNG carries its
   * parameters, for other tools and for "Use Its Parameters". */
  engine = _osais_image_viewer_find_engine (self);
  osais_image_export_async (self->image, self->job,
                            engine != NULL ? osais_engine_get_version (engine) : NULL,
                            destination, cancellable, exported_for_save_cb,
                            g_steal_pointer (&task));
}

gboolean
osais_image_viewer_save_finish (OsaisImageViewer  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GFile *
osais_image_viewer_get_drag_file (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  return self->export_file;
}

/* Class ------------------------------------------------------------------- */

void
_osais_image_viewer_class_export_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, drag_prepare_cb);
  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "viewer.show-in-files", NULL,
                                   show_in_files_action);
}
