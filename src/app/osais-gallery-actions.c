/* osais-gallery-actions.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the gallery does to images the user picks: deleting with undo, and
 * selection mode (Ctrl/Shift+click, the rubber band, the Select button) with
 * its bar's actions: delete, export to a folder, star. Its layout, cells,
 * thumbnails and search results are in osais-gallery.c.
 */

#define G_LOG_DOMAIN "OsaisGallery"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-gallery-cell.h"
#include "osais-gallery-private.h"
#include "osais-image-export.h"
#include "osais-thumbnail-loader.h"

/* Deletion with undo ------------------------------------------------------ */

typedef struct
{
  OsaisGalleryModel *model;
  OsaisStore        *store;
  GPtrArray         *images;
  /* Deletions the store has not finished yet. */
  guint              n_deleting;
  gboolean           undone;
} PendingDelete;

static void
pending_delete_free (PendingDelete *pending)
{
  g_clear_object (&pending->model);
  g_clear_object (&pending->store);
  g_clear_pointer (&pending->images, g_ptr_array_unref);
  g_free (pending);
}

static void
set_images_hidden (PendingDelete *pending,
                   gboolean       hidden)
{
  for (guint i = 0; i < pending->images->len; i++)
    osais_gallery_model_set_image_hidden (pending->model, g_ptr_array_index (pending->images, i),
                                          hidden);
}

static void
toast_undo_cb (AdwToast      *toast,
               PendingDelete *pending)
{
  pending->undone = TRUE;
  set_images_hidden (pending, FALSE);
}

/* The cached thumbnail goes with its image, off the main thread; failing
 * leaves a file that nothing names any more, which is no harm. */
static void
forget_thumbnail (OsaisImage *image)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  path = osais_thumbnail_loader_dup_cache_path (osais_thumbnail_loader_get_default (),
                                                osais_image_get_file (image));
  if (path == NULL)
    return;

  file = g_file_new_for_path (path);
  g_file_delete_async (file, G_PRIORITY_LOW, NULL, NULL, NULL);
}

typedef struct
{
  PendingDelete *pending;
  OsaisImage    *image;
} ImageDelete;

static void
image_deleted_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ImageDelete *image_delete = user_data;
  PendingDelete *pending = image_delete->pending;
  g_autoptr(OsaisImage) image = image_delete->image;
  g_autoptr(GError) error = NULL;

  g_free (image_delete);
  if (!osais_store_delete_image_finish (OSAIS_STORE (object), result, &error))
    {
      /* Shown again rather than lost from view while still on disk. */
      g_debug ("Could not delete an image: %s", error->message);
      osais_gallery_model_set_image_hidden (pending->model, image, FALSE);
    }
  else
    {
      forget_thumbnail (image);
    }

  if (--pending->n_deleting == 0)
    pending_delete_free (pending);
}

static void
toast_dismissed_cb (AdwToast      *toast,
                    PendingDelete *pending)
{
  g_signal_handlers_disconnect_by_data (toast, pending);

  if (pending->undone || pending->store == NULL || pending->images->len == 0)
    {
      set_images_hidden (pending, FALSE);
      pending_delete_free (pending);
      return;
    }

  pending->n_deleting = pending->images->len;
  for (guint i = 0; i < pending->images->len; i++)
    {
      ImageDelete *image_delete = g_new0 (ImageDelete, 1);

      image_delete->pending = pending;
      image_delete->image = g_object_ref (g_ptr_array_index (pending->images, i));
      osais_store_delete_image_async (pending->store, image_delete->image, NULL,
                                      image_deleted_cb, image_delete);
    }
}

/* Hides @images at once; the toast's Undo brings them back, and its going
 * without undo deletes them from the store. */
static AdwToast *
delete_images_with_undo (OsaisGallery *self,
                         GPtrArray    *images)
{
  PendingDelete *pending;
  AdwToast *toast;
  OsaisStore *store = osais_gallery_model_get_store (self->model);
  g_autofree char *title = NULL;

  pending = g_new0 (PendingDelete, 1);
  pending->model = g_object_ref (self->model);
  pending->store = store != NULL ? g_object_ref (store) : NULL;
  pending->images = g_ptr_array_ref (images);

  set_images_hidden (pending, TRUE);

  if (images->len == 1)
    title = g_strdup (_("Image deleted"));
  else
    title = g_strdup_printf (ngettext ("%u image deleted", "%u images deleted", images->len),
                             images->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect (toast, "button-clicked", G_CALLBACK (toast_undo_cb), pending);
  g_signal_connect (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), pending);

  return toast;
}

AdwToast *
osais_gallery_delete_image_with_undo (OsaisGallery *self,
                                      OsaisImage   *image,
                                      OsaisJob     *job)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);
  g_return_val_if_fail (OSAIS_IS_IMAGE (image), NULL);
  g_return_val_if_fail (job == NULL || OSAIS_IS_JOB (job), NULL);

  g_ptr_array_add (images, g_object_ref (image));

  return delete_images_with_undo (self, images);
}

/* Selection --------------------------------------------------------------- */

static void
show_toast (OsaisGallery *self,
            AdwToast     *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);
}

/* The selected images, and their jobs at the same indexes (cards, which
 * have no image, are left out). */
static void
collect_selected (OsaisGallery *self,
                  GPtrArray    *images,
                  GPtrArray    *jobs)
{
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean valid = gtk_bitset_iter_init_first (&iter, selected, &position); valid;
       valid = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (self->shown, position);
      OsaisImage *image = item != NULL ? osais_gallery_item_get_image (item) : NULL;

      if (image == NULL)
        continue;
      g_ptr_array_add (images, g_object_ref (image));
      if (jobs != NULL)
        g_ptr_array_add (jobs, g_object_ref (osais_gallery_item_get_job (item)));
    }
}

static gboolean
all_favourite (GPtrArray *images)
{
  for (guint i = 0; i < images->len; i++)
    if (!osais_image_get_favourite (g_ptr_array_index (images, i)))
      return FALSE;

  return TRUE;
}

void
_osais_gallery_update_selection (OsaisGallery *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *label = NULL;
  const char *tooltip;
  guint n_selected;
  gboolean starred;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  n_selected = gtk_bitset_get_size (selected);
  if (n_selected > 0)
    collect_selected (self, images, NULL);
  starred = images->len > 0 && all_favourite (images);

  if (n_selected == 0)
    /* Entered with the Select button: what to do next. */
    label = g_strdup (_("Select Images"));
  else
    /* Translators: how many tiles are selected, in the selection mode's bar. */
    label = g_strdup_printf (ngettext ("%u Selected", "%u Selected", n_selected), n_selected);
  gtk_label_set_label (self->selection_label, label);
  tooltip = starred ? _("Remove the Selected Images from Favourites")
                    : _("Add the Selected Images to Favourites");
  /* Set only when it changes: this runs at each change of the gallery's
   * items (every upload, every page of the history read), and in GTK 4.8
   * setting a tooltip asks the X server where the pointer is (two round
   * trips), and a new icon lays the window out again. */
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self->star_selected_button)),
                 tooltip) != 0)
    {
      gtk_button_set_icon_name (self->star_selected_button,
                                starred ? "starred-symbolic" : "non-starred-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->star_selected_button), tooltip);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->star_selected_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  starred ? _("Unstar") : _("Star"), -1);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.leave-selection",
                                 n_selected > 0 || self->selecting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.delete-selected", images->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.export-selected", images->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.star-selected", images->len > 0);

  if (self->selection_mode != (n_selected > 0 || self->selecting))
    {
      self->selection_mode = n_selected > 0 || self->selecting;
      gtk_widget_set_visible (GTK_WIDGET (self->selection_bar), self->selection_mode);
      _osais_gallery_notify (self, PROP_SELECTION_MODE);
    }
}

/* Selects the tile at @position as a click with @state does in a file
 * manager: Ctrl (or selection mode) adds or removes it, Shift selects from
 * the last one clicked (keeping the rest with Ctrl). */
static void
select_position (OsaisGallery    *self,
                 guint            position,
                 GdkModifierType  state)
{
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (self->selection);
  gboolean modify = (state & GDK_CONTROL_MASK) != 0;
  gboolean extend = (state & GDK_SHIFT_MASK) != 0;
  guint n_items = g_list_model_get_n_items (self->shown);

  if (position >= n_items)
    return;

  if (extend && self->anchor < n_items)
    {
      guint first = MIN (self->anchor, position);
      guint last = MAX (self->anchor, position);

      gtk_selection_model_select_range (selection, first, last - first + 1, !modify);
      return;
    }

  if (gtk_selection_model_is_selected (selection, position))
    gtk_selection_model_unselect_item (selection, position);
  else
    gtk_selection_model_select_item (selection, position, FALSE);
  self->anchor = position;
}

/* The grid's own click opens an image (single-click-activate), whatever the
 * modifiers: Ctrl+click and Shift+click, and any click in selection mode,
 * are taken here, before the tile sees them. */
void
_osais_gallery_grid_pressed_cb (GtkGestureClick *gesture,
                                int              n_press,
                                double           x,
                                double           y,
                                OsaisGallery    *self)
{
  GdkModifierType state;
  GtkWidget *picked;
  GtkWidget *cell;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if ((state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) == 0 && !self->selection_mode)
    return;

  picked = gtk_widget_pick (GTK_WIDGET (self->grid_view), x, y, GTK_PICK_DEFAULT);
  cell = picked != NULL ? gtk_widget_get_ancestor (picked, OSAIS_TYPE_GALLERY_CELL) : NULL;
  /* A tile's own buttons (star, Retry) keep their clicks. */
  if (cell == NULL || gtk_widget_get_ancestor (picked, GTK_TYPE_BUTTON) != NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  select_position (self, osais_gallery_cell_get_position (OSAIS_GALLERY_CELL (cell)),
                   self->selection_mode ? state | GDK_CONTROL_MASK : state);
  gtk_widget_grab_focus (gtk_widget_get_parent (cell));
}

/* The tile that has the keyboard focus, if any. */
static GtkWidget *
focused_cell (OsaisGallery *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *cell;

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    return NULL;

  /* The focus is on the grid's child that holds the tile, or inside it. */
  cell = gtk_widget_get_ancestor (focus, OSAIS_TYPE_GALLERY_CELL);
  if (cell == NULL && OSAIS_IS_GALLERY_CELL (gtk_widget_get_first_child (focus)))
    cell = gtk_widget_get_first_child (focus);

  return cell;
}

static void
leave_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);

  self->selecting = FALSE;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  /* Nothing was selected: no signal said it. */
  _osais_gallery_update_selection (self);
}

AdwToast *
osais_gallery_delete_selected_with_undo (OsaisGallery *self)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  collect_selected (self, images, NULL);
  if (images->len == 0)
    return NULL;

  /* Done with the selection, as GNOME Photos is after deleting. */
  self->selecting = FALSE;
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  return delete_images_with_undo (self, images);
}

static void
delete_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  AdwToast *toast = osais_gallery_delete_selected_with_undo (OSAIS_GALLERY (widget));

  if (toast != NULL)
    show_toast (OSAIS_GALLERY (widget), toast);
}

static void
favourite_set_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OsaisGallery) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_set_favourite_finish (OSAIS_STORE (object), result, &error))
    {
      g_debug ("Favourite not saved: %s", error->message);
      show_toast (self, adw_toast_new (_("The favourite could not be saved")));
    }
}

static void
set_favourite (OsaisGallery *self,
               OsaisImage   *image,
               gboolean      favourite)
{
  OsaisStore *store = osais_gallery_model_get_store (self->model);

  if (store != NULL && osais_image_get_favourite (image) != favourite)
    osais_store_set_favourite_async (store, image, favourite, NULL, favourite_set_cb,
                                     g_object_ref (self));
}

/* The selected images all become favourites, or, when they all are, none. */
static void
star_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean favourite;

  collect_selected (self, images, NULL);
  favourite = !all_favourite (images);
  for (guint i = 0; i < images->len; i++)
    set_favourite (self, g_ptr_array_index (images, i), favourite);
}

/* A tile's star (cell.toggle-favourite): the image by its job's uid and
 * its own id. */
static void
set_favourite_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);
  OsaisStore *store = osais_gallery_model_get_store (self->model);
  OsaisJob *job;
  GListModel *images;
  gint64 uid, id;
  gboolean favourite;

  g_variant_get (parameter, "(xxb)", &uid, &id, &favourite);
  job = store != NULL ? osais_store_lookup (store, uid) : NULL;
  if (job == NULL)
    return;

  images = osais_job_get_images (job);
  for (guint i = 0; i < g_list_model_get_n_items (images); i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (osais_image_get_id (image) == id)
        set_favourite (self, image, favourite);
    }
}

/* S on a focused tile stars it, as the tile's own star would. */
static void
star_focused_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GtkWidget *cell = focused_cell (OSAIS_GALLERY (widget));

  if (cell != NULL)
    gtk_widget_activate_action (cell, "cell.toggle-favourite", NULL);
}

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OsaisGallery) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  guint n;

  n = osais_gallery_export_selected_finish (self, result, &error);
  if (error != NULL)
    {
      g_debug ("Export failed: %s", error->message);
      /* Translators: a toast; the reason follows. */
      title = g_strdup_printf (_("The images could not be exported: %s"), error->message);
    }
  else
    {
      title = g_strdup_printf (ngettext ("%u image exported", "%u images exported", n), n);
    }
  show_toast (self, adw_toast_new (title));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    OsaisGallery    *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->export_chooser);
  if (folder == NULL)
    return;

  osais_gallery_export_selected_async (self, folder, NULL, exported_cb, g_object_ref (self));
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
}

/* Through the portal's file chooser in Flatpak: the folder is the user's
 * choice, which the sandbox then may write. */
static void
export_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->export_chooser != NULL)
    return;

  self->export_chooser =
    gtk_file_chooser_native_new (_("Export the Selected Images"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                 _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  g_signal_connect (self->export_chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

void
osais_gallery_export_selected_async (OsaisGallery        *self,
                                     GFile               *folder,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (OSAIS_IS_GALLERY (self));
  g_return_if_fail (G_IS_FILE (folder));

  collect_selected (self, images, jobs);
  osais_image_export_to_folder_async (images, jobs, folder, cancellable, callback, user_data);
}

guint
osais_gallery_export_selected_finish (OsaisGallery  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), 0);

  return osais_image_export_to_folder_finish (result, error);
}

gboolean
osais_gallery_get_selection_mode (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), FALSE);

  return self->selection_mode;
}

GtkSelectionModel *
osais_gallery_get_selection (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  return GTK_SELECTION_MODEL (self->selection);
}

const char *
osais_gallery_get_selection_label (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  return gtk_label_get_label (self->selection_label);
}

/* Class ------------------------------------------------------------------- */

void
_osais_gallery_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "gallery.set-favourite", "(xxb)",
                                   set_favourite_action);
  gtk_widget_class_install_action (widget_class, "gallery.star-focused", NULL,
                                   star_focused_action);
  gtk_widget_class_install_action (widget_class, "gallery.leave-selection", NULL,
                                   leave_selection_action);
  gtk_widget_class_install_action (widget_class, "gallery.delete-selected", NULL,
                                   delete_selected_action);
  gtk_widget_class_install_action (widget_class, "gallery.export-selected", NULL,
                                   export_selected_action);
  gtk_widget_class_install_action (widget_class, "gallery.star-selected", NULL,
                                   star_selected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "gallery.star-focused", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "gallery.leave-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0,
                                       "gallery.delete-selected", NULL);
}
