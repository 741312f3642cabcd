/* osais-image-viewer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImageViewer"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "osais-checkered-paintable.h"
#include "osais-compare-view.h"
#include "osais-gallery-model.h"
#include "osais-image-export.h"
#include "osais-image-viewer.h"
#include "osais-param-format.h"
#include "osais-thumbnail-loader.h"

#define ZOOM_STEP 1.25
#define ZOOM_MIN  0.05
#define ZOOM_MAX  16.0

struct _OsaisImageViewer
{
  AdwBin             parent_instance;

  OsaisImage        *image;
  OsaisJob          *job;
  GListModel        *model;
  GListModel        *engines;
  /* The rows of parameters_group, rebuilt for each image. */
  GPtrArray         *parameter_rows;
  GdkTexture        *texture;
  GCancellable      *cancellable;
  /* The image as copy and drag-out give it: with its parameters inside when
   * a PNG, made in a thread for each image shown; NULL until ready. */
  GBytes            *export_bytes;
  GFile             *export_file;
  gboolean           export_tagged;
  /* 0 fits the image to the window; otherwise the scale shown. */
  double             zoom;
  /* The job's input image, when the store kept it: what the result is
   * compared with (viewer.compare). */
  GdkTexture        *input_texture;
  GCancellable      *input_cancellable;
  gboolean           comparing;

  /* Template widgets */
  AdwFlap           *flap;
  GtkScrolledWindow *scrolled_window;
  GtkPicture        *picture;
  GtkButton         *zoom_button;
  GtkButton         *favourite_button;
  GtkWidget         *compare_button;
  GtkStack          *view_stack;
  OsaisCompareView  *compare_view;
  GtkWidget         *previous_button;
  GtkWidget         *next_button;
  AdwActionRow      *engine_row;
  AdwActionRow      *prompt_row;
  AdwActionRow      *seed_row;
  AdwPreferencesGroup *parameters_group;
  AdwActionRow      *size_row;
  AdwActionRow      *uid_row;
  AdwActionRow      *cycle_row;
  AdwActionRow      *time_row;
};

G_DEFINE_FINAL_TYPE (OsaisImageViewer, osais_image_viewer, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_IMAGE,
  PROP_JOB,
  PROP_MODEL,
  PROP_ENGINES,
  PROP_COMPARING,
  N_PROPS
};

enum {
  SIGNAL_USE_AS_INPUT,
  SIGNAL_REUSE_PARAMETERS,
  SIGNAL_DELETE_IMAGE,
  SIGNAL_DELETE_JOB,
  SIGNAL_CLOSED,
  SIGNAL_SET_FAVOURITE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
show_toast (OsaisImageViewer *self,
            const char       *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
  else
    g_debug ("%s", title);
}

/* Rows interpret markup: the values come from the network. */
static void
set_row (AdwActionRow *row,
         const char   *value)
{
  g_autofree char *escaped = g_markup_escape_text (value != NULL ? value : "", -1);

  adw_action_row_set_subtitle (row, escaped);
}

/* Zoom -------------------------------------------------------------------- */

static double
fit_scale (OsaisImageViewer *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->scrolled_window));
  int height = gtk_widget_get_height (GTK_WIDGET (self->scrolled_window));

  if (self->texture == NULL || width <= 0 || height <= 0)
    return 1.0;

  return MIN ((double)width / gdk_texture_get_width (self->texture),
              (double)height / gdk_texture_get_height (self->texture));
}

static void
apply_zoom (OsaisImageViewer *self)
{
  g_autofree char *label = NULL;
  gboolean fit = self->zoom <= 0;

  if (fit || self->texture == NULL)
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), -1, -1);
      gtk_scrolled_window_set_policy (self->scrolled_window, GTK_POLICY_NEVER, GTK_POLICY_NEVER);
    }
  else
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                                   gdk_texture_get_width (self->texture) * self->zoom,
                                   gdk_texture_get_height (self->texture) * self->zoom);
      gtk_scrolled_window_set_policy (self->scrolled_window,
                                      GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
    }

  /* The fitting scale changes with the window's size: say "Fit" rather than
   * a number that would go stale. */
  if (fit)
    label = g_strdup (_("Fit"));
  else
    /* Translators: the zoom level, in percent. */
    label = g_strdup_printf (_("%.0f%%"), 100 * self->zoom);
  gtk_button_set_label (self->zoom_button, label);
}

static void
set_zoom (OsaisImageViewer *self,
          double            zoom)
{
  self->zoom = zoom <= 0 ? 0 : CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  apply_zoom (self);
}

static void
zoom_by (OsaisImageViewer *self,
         double            factor)
{
  double current = self->zoom > 0 ? self->zoom : fit_scale (self);

  set_zoom (self, current * factor);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  zoom_by (OSAIS_IMAGE_VIEWER (widget), ZOOM_STEP);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  zoom_by (OSAIS_IMAGE_VIEWER (widget), 1 / ZOOM_STEP);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  set_zoom (OSAIS_IMAGE_VIEWER (widget), 0);
}

static gboolean
scroll_cb (OsaisImageViewer         *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  if ((state & GDK_CONTROL_MASK) == 0 || dy == 0)
    return FALSE;

  zoom_by (self, dy < 0 ? ZOOM_STEP : 1 / ZOOM_STEP);

  return TRUE;
}

/* Previous and next ------------------------------------------------------- */

/* The image item @direction (-1 or +1) steps away from the shown image in the
 * model, skipping the cards of jobs in progress; NULL at either end, or when
 * the shown image is not in the model (deleted meanwhile). */
static OsaisGalleryItem *
find_neighbour (OsaisImageViewer *self,
                int               direction)
{
  gint64 n_items;
  gint64 position = -1;

  if (self->model == NULL || self->image == NULL)
    return NULL;

  n_items = g_list_model_get_n_items (self->model);
  for (gint64 i = 0; i < n_items && position < 0; i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (self->model, i);

      if (osais_gallery_item_get_image (item) == self->image)
        position = i;
    }
  if (position < 0)
    return NULL;

  for (gint64 i = position + direction; i >= 0 && i < n_items; i += direction)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (self->model, i);

      if (osais_gallery_item_get_kind (item) == OSAIS_GALLERY_ITEM_IMAGE)
        return g_steal_pointer (&item);
    }

  return NULL;
}

/* Shows the neighbour @direction steps away; FALSE at either end. */
static gboolean
step (OsaisImageViewer *self,
      int               direction)
{
  g_autoptr(OsaisGalleryItem) item = find_neighbour (self, direction);

  if (item == NULL)
    return FALSE;

  osais_image_viewer_set_image (self, osais_gallery_item_get_image (item),
                                osais_gallery_item_get_job (item));
  return TRUE;
}

static void
previous_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  step (OSAIS_IMAGE_VIEWER (widget), -1);
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  step (OSAIS_IMAGE_VIEWER (widget), 1);
}

/* ← and → point at the image on their side: in a right-to-left language
 * the next image is on the left. At either end the key is not taken. */
static gboolean
arrow_cb (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  int direction = g_variant_get_int32 (args);

  if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
    direction = -direction;

  return step (OSAIS_IMAGE_VIEWER (widget), direction);
}

/* Loading ----------------------------------------------------------------- */

static void
update_actions (OsaisImageViewer *self)
{
  gboolean has_image = self->image != NULL;
  g_autoptr(OsaisGalleryItem) previous = find_neighbour (self, -1);
  g_autoptr(OsaisGalleryItem) next = find_neighbour (self, 1);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.save-as", has_image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy", self->texture != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.use-as-input", has_image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.reuse-parameters",
                                 self->job != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.delete", has_image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.show-in-files", has_image);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.previous", previous != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.next", next != NULL);
  /* Over the image, a button that does nothing only hides it. */
  gtk_widget_set_visible (self->previous_button, previous != NULL);
  gtk_widget_set_visible (self->next_button, next != NULL);
}

static void
texture_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkPaintable) checkered = NULL;

  texture = osais_load_full_texture_finish (result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, _("The image could not be shown"));
      return;
    }

  g_set_object (&self->texture, texture);
  checkered = osais_checkered_paintable_new (texture);
  gtk_picture_set_paintable (self->picture, checkered);
  osais_compare_view_set_after (self->compare_view, checkered);
  apply_zoom (self);
  update_actions (self);
}

static void
add_parameter_row (OsaisImageViewer *self,
                   const char       *title,
                   const char       *value)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  /* Titles come from descriptors, which anyone can write: not markup. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
  set_row (ADW_ACTION_ROW (row), value);
  adw_preferences_group_add (self->parameters_group, row);
  g_ptr_array_add (self->parameter_rows, row);
}

static char *
node_to_text (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));

  return json_to_string (node, FALSE);
}

/* The engine the job ran on, if its descriptor is known. */
static OsaisEngine *
find_engine (OsaisImageViewer *self)
{
  if (self->engines == NULL || self->job == NULL || osais_job_get_engine (self->job) == NULL)
    return NULL;

  return osais_engines_lookup (self->engines, osais_job_get_engine (self->job));
}

/* The prompt, the seed and the other parameters, from the job's JSON: with
 * the engine's descriptor, as the form shows them (its titles, a choice's
 * label, a slider's percentage) in the descriptor's order, and only those
 * the form shows and the request sent; without (an engine no longer
 * offered), each as sent. */
static void
show_parameters (OsaisImageViewer *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *parameters = self->job != NULL ? osais_job_get_parameters (self->job) : NULL;
  OsaisEngine *engine = find_engine (self);
  const OsaisEngineParam *prompt_param = NULL;
  const OsaisEngineParam *input_param = NULL;
  const char *prompt_name = "word";
  JsonObject *object;
  JsonNode *root;
  JsonNode *member;

  set_row (self->prompt_row, NULL);
  set_row (self->seed_row, NULL);
  for (guint i = 0; i < self->parameter_rows->len; i++)
    adw_preferences_group_remove (self->parameters_group,
                                  g_ptr_array_index (self->parameter_rows, i));
  g_ptr_array_set_size (self->parameter_rows, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->parameters_group), FALSE);

  if (parameters == NULL || !json_parser_load_from_data (parser, parameters, -1, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);

  if (engine != NULL)
    {
      /* The form's prompt is the first text field (osais-request-form.c). */
      for (guint i = 0; i < osais_engine_get_n_params (engine) && prompt_param == NULL; i++)
        {
          const OsaisEngineParam *param = osais_engine_get_param (engine, i);

          if (param->sent && param->widget == OSAIS_PARAM_WIDGET_EDIT &&
              param->type == OSAIS_PARAM_TYPE_STRING)
            prompt_param = param;
        }
      if (prompt_param != NULL)
        prompt_name = prompt_param->name;
      input_param = osais_engine_get_input_param (engine);
    }

  member = json_object_get_member (object, prompt_name);
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    set_row (self->prompt_row, json_node_get_string (member));

  member = json_object_get_member (object, "seed");
  if (member != NULL)
    {
      g_autofree char *seed = node_to_text (member);

      set_row (self->seed_row, seed);
    }

  if (engine != NULL)
    {
      for (guint i = 0; i < osais_engine_get_n_params (engine); i++)
        {
          const OsaisEngineParam *param = osais_engine_get_param (engine, i);
          g_autofree char *value = NULL;

          /* The prompt and the seed have their rows; the input image is
           * the picture's own business; a param without a widget (height,
           * filled from width) is not in the form either. */
          if (param == prompt_param || param == input_param ||
              g_str_equal (param->name, "seed") ||
              param->widget == OSAIS_PARAM_WIDGET_NONE ||
              param->widget == OSAIS_PARAM_WIDGET_SELECT_PICTURE)
            continue;

          member = json_object_get_member (object, param->name);
          if (member == NULL)
            continue;

          value = osais_param_format_value (param, member);
          if (value == NULL)
            value = node_to_text (member);
          add_parameter_row (self, osais_param_format_title (param), value);
        }
    }
  else
    {
      JsonObjectIter iter;
      const char *name;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_autofree char *text = NULL;

          if (g_str_equal (name, prompt_name) || g_str_equal (name, "seed"))
            continue;

          text = node_to_text (member);
          add_parameter_row (self, name, text);
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->parameters_group), self->parameter_rows->len > 0);
}

static void
show_metadata (OsaisImageViewer *self)
{
  g_autofree char *size = NULL;
  g_autofree char *uid = NULL;
  g_autofree char *cycle = NULL;
  g_autofree char *time = NULL;
  OsaisEngine *engine;

  if (self->image == NULL)
    return;

  /* Translators: an image's width × height in pixels. */
  size = g_strdup_printf (_("%u × %u"), osais_image_get_width (self->image),
                          osais_image_get_height (self->image));
  uid = g_strdup_printf ("%" G_GINT64_FORMAT, osais_image_get_uid (self->image));
  cycle = g_strdup_printf ("%d", osais_image_get_cycle (self->image));
  if (osais_image_get_received (self->image) != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (osais_image_get_received (self->image));

      /* Translators: when an image arrived, as in "6 December 2026, 19:21:40"
       * (see g_date_time_format): the month in words, because "%x" writes
       * 12/06/26 in English, which reads as June elsewhere. Put the day,
       * the month and the year in your language's order. */
      time = g_date_time_format (local, _("%-d %B %Y, %X"));
    }

  engine = find_engine (self);
  set_row (self->engine_row,
           engine != NULL ? osais_engine_get_title (engine)
                          : self->job != NULL ? osais_job_get_engine (self->job) : NULL);
  set_row (self->size_row, size);
  set_row (self->uid_row, uid);
  set_row (self->cycle_row, cycle);
  set_row (self->time_row, time);
  show_parameters (self);
}

/* Actions ----------------------------------------------------------------- */

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
    show_toast (self, _("Image copied"));
  else
    show_toast (self, _("Image copied without its parameters: only a PNG image keeps them"));
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
  OsaisEngine *engine = find_engine (self);

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
    show_toast (g_task_get_source_object (task),
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

      show_toast (self, text);
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
   * xdg-user-dirs), the chooser's own default is as good as the home folder. */
  if (pictures != NULL)
    {
      g_autoptr(GError) error = NULL;

      folder = g_file_new_for_path (pictures);
      if (!gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, &error))
        g_debug ("Pictures not suggested: %s", error->message);
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

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (!GTK_IS_WINDOW (root))
    return;

  if (gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));
  else
    gtk_window_fullscreen (GTK_WINDOW (root));
}

static void
use_as_input_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->image != NULL)
    g_signal_emit (self, signals[SIGNAL_USE_AS_INPUT], 0, self->image);
}

static void
reuse_parameters_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->job != NULL)
    g_signal_emit (self, signals[SIGNAL_REUSE_PARAMETERS], 0, self->job);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->image != NULL)
    g_signal_emit (self, signals[SIGNAL_DELETE_IMAGE], 0, self->image, self->job);
}

static void
delete_job_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->job != NULL)
    g_signal_emit (self, signals[SIGNAL_DELETE_JOB], 0, self->job);
}

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  /* The gallery is not a place to stay fullscreen in. */
  if (GTK_IS_WINDOW (root) && gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));

  g_signal_emit (widget, signals[SIGNAL_CLOSED], 0);
}

/* Escape leaves fullscreen first, as in every image viewer, and only then the
 * viewer. */
static void set_comparing (OsaisImageViewer *self,
                           gboolean          comparing);

static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  /* One step back at a time: fullscreen, then comparing, then the viewer. */
  if (GTK_IS_WINDOW (root) && gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));
  else if (self->comparing)
    set_comparing (self, FALSE);
  else
    gtk_widget_activate_action (widget, "viewer.close", NULL);

  return TRUE;
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
static void
forget_export (OsaisImageViewer *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->export_file == NULL)
    return;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, forget_export);
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
  forget_export (self);
  self->export_file = g_steal_pointer (&file);
}

/* The copy a drag gives other applications: in the cache, one folder per
 * image, under the name Save As suggests (the name the drop keeps). */
static void
start_export (OsaisImageViewer *self)
{
  OsaisEngine *engine = find_engine (self);
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

/* Favourites -------------------------------------------------------------- */

/* The star says whether the image is a favourite; S or the button asks the
 * window to change that, and the store's change of the image's property
 * comes back here. */
static void
update_favourite (OsaisImageViewer *self)
{
  gboolean favourite = self->image != NULL && osais_image_get_favourite (self->image);

  gtk_button_set_icon_name (self->favourite_button,
                            favourite ? "starred-symbolic" : "non-starred-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->favourite_button),
                               favourite ? _("Remove from Favourites (S)")
                                         : _("Add to Favourites (S)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->favourite_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  favourite ? _("Remove from Favourites")
                                            : _("Add to Favourites"),
                                  -1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.toggle-favourite",
                                 self->image != NULL);
}

static void
image_favourite_changed_cb (OsaisImageViewer *self)
{
  update_favourite (self);
}

static void
toggle_favourite_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (widget);

  if (self->image != NULL)
    g_signal_emit (self, signals[SIGNAL_SET_FAVOURITE], 0, self->image,
                   !osais_image_get_favourite (self->image));
}

/* Compare ----------------------------------------------------------------- */

static void
set_comparing (OsaisImageViewer *self,
               gboolean          comparing)
{
  comparing = comparing && self->input_texture != NULL;
  if (self->comparing == comparing)
    return;

  self->comparing = comparing;
  gtk_stack_set_visible_child_name (self->view_stack, comparing ? "compare" : "image");
  gtk_widget_grab_focus (comparing ? GTK_WIDGET (self->compare_view)
                                   : GTK_WIDGET (self->scrolled_window));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARING]);
}

static void
update_compare (OsaisImageViewer *self)
{
  gboolean available = self->input_texture != NULL;

  gtk_widget_set_visible (self->compare_button, available);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.compare", available);
  if (!available)
    set_comparing (self, FALSE);
}

static void
input_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(OsaisImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkPaintable) checkered = NULL;

  texture = osais_load_full_texture_finish (result, &error);
  if (texture == NULL)
    {
      /* Most jobs have no input: nothing to compare, nothing to say. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No input to compare with: %s", error->message);
      return;
    }

  g_set_object (&self->input_texture, texture);
  checkered = osais_checkered_paintable_new (texture);
  osais_compare_view_set_before (self->compare_view, checkered);
  update_compare (self);
}

/* The input the store kept for the job, if any (the gallery's model knows
 * the store); read in a thread like the image. */
static void
load_input (OsaisImageViewer *self)
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

/* Public ------------------------------------------------------------------ */

GtkWidget *
osais_image_viewer_new (void)
{
  return g_object_new (OSAIS_TYPE_IMAGE_VIEWER, NULL);
}

void
osais_image_viewer_set_image (OsaisImageViewer *self,
                              OsaisImage       *image,
                              OsaisJob         *job)
{
  g_return_if_fail (OSAIS_IS_IMAGE_VIEWER (self));
  g_return_if_fail (image == NULL || OSAIS_IS_IMAGE (image));
  g_return_if_fail (job == NULL || OSAIS_IS_JOB (job));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->image != NULL)
    g_signal_handlers_disconnect_by_func (self->image, image_favourite_changed_cb, self);
  if (g_set_object (&self->image, image))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGE]);
  if (self->image != NULL)
    g_signal_connect_object (self->image, "notify::favourite",
                             G_CALLBACK (image_favourite_changed_cb), self, G_CONNECT_SWAPPED);
  update_favourite (self);
  if (g_set_object (&self->job, job))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->export_bytes, g_bytes_unref);
  forget_export (self);
  self->export_tagged = FALSE;
  gtk_picture_set_paintable (self->picture, NULL);
  osais_compare_view_set_after (self->compare_view, NULL);
  self->zoom = 0;
  apply_zoom (self);
  load_input (self);

  if (image != NULL)
    {
      self->cancellable = g_cancellable_new ();
      osais_load_full_texture_async (osais_image_get_file (image), self->cancellable,
                                     texture_loaded_cb, g_object_ref (self));
      show_metadata (self);
      start_export (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->scrolled_window));
    }

  update_actions (self);
  g_object_thaw_notify (G_OBJECT (self));
}

OsaisImage *
osais_image_viewer_get_image (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  return self->image;
}

OsaisJob *
osais_image_viewer_get_job (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  return self->job;
}

GdkTexture *
osais_image_viewer_get_texture (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  return self->texture;
}

/* An image arriving or deleted next to the shown one changes whether there
 * is a previous or a next. */
static void
model_items_changed_cb (GListModel       *model,
                        guint             position,
                        guint             removed,
                        guint             added,
                        OsaisImageViewer *self)
{
  update_actions (self);
}

void
osais_image_viewer_set_model (OsaisImageViewer *self,
                              GListModel       *model)
{
  g_return_if_fail (OSAIS_IS_IMAGE_VIEWER (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, model_items_changed_cb, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_object (model, "items-changed", G_CALLBACK (model_items_changed_cb), self,
                             0);

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

void
osais_image_viewer_set_engines (OsaisImageViewer *self,
                                GListModel       *engines)
{
  g_return_if_fail (OSAIS_IS_IMAGE_VIEWER (self));
  g_return_if_fail (engines == NULL || G_IS_LIST_MODEL (engines));

  if (!g_set_object (&self->engines, engines))
    return;

  /* The descriptors arrive after the window opens (from the session). */
  show_metadata (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINES]);
}

char *
osais_image_viewer_dup_suggested_name (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);
  g_return_val_if_fail (self->image != NULL, NULL);

  return osais_image_export_dup_name (self->image, self->job);
}

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
  engine = find_engine (self);
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

double
osais_image_viewer_get_zoom (OsaisImageViewer *self)
{
  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), 0);

  return self->zoom;
}

char *
osais_image_viewer_dup_details (OsaisImageViewer *self)
{
  AdwActionRow *rows[] = {
    self->engine_row, self->prompt_row, self->seed_row,
    self->size_row, self->uid_row, self->cycle_row, self->time_row,
  };
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (OSAIS_IS_IMAGE_VIEWER (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_string_append_printf (text, "%s: %s\n",
                            adw_preferences_row_get_title (ADW_PREFERENCES_ROW (rows[i])),
                            adw_action_row_get_subtitle (rows[i]));
  for (guint i = 0; i < self->parameter_rows->len; i++)
    {
      AdwActionRow *row = g_ptr_array_index (self->parameter_rows, i);

      g_string_append_printf (text, "%s: %s\n",
                              adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              adw_action_row_get_subtitle (row));
    }

  return g_string_free (text, FALSE);
}

/* GObject ----------------------------------------------------------------- */

static void
osais_image_viewer_dispose (GObject *object)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->input_cancellable);
  g_clear_object (&self->input_cancellable);
  g_clear_object (&self->input_texture);
  /* The bin's child is a template child: unparent it through the bin, which
   * would otherwise unparent it again after the template disposed it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_IMAGE_VIEWER);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->export_bytes, g_bytes_unref);
  forget_export (self);
  if (self->image != NULL)
    g_signal_handlers_disconnect_by_func (self->image, image_favourite_changed_cb, self);
  g_clear_object (&self->image);
  g_clear_object (&self->job);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, model_items_changed_cb, self);
  g_clear_object (&self->model);
  g_clear_object (&self->engines);
  g_clear_pointer (&self->parameter_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (osais_image_viewer_parent_class)->dispose (object);
}

static void
osais_image_viewer_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (object);

  switch (prop_id)
    {
    case PROP_IMAGE:
      g_value_set_object (value, self->image);
      break;

    case PROP_JOB:
      g_value_set_object (value, self->job);
      break;

    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_ENGINES:
      g_value_set_object (value, self->engines);
      break;

    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_image_viewer_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OsaisImageViewer *self = OSAIS_IMAGE_VIEWER (object);

  switch (prop_id)
    {
    case PROP_IMAGE:
      osais_image_viewer_set_image (self, g_value_get_object (value), self->job);
      break;

    case PROP_JOB:
      osais_image_viewer_set_image (self, self->image, g_value_get_object (value));
      break;

    case PROP_MODEL:
      osais_image_viewer_set_model (self, g_value_get_object (value));
      break;

    case PROP_ENGINES:
      osais_image_viewer_set_engines (self, g_value_get_object (value));
      break;

    case PROP_COMPARING:
      set_comparing (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_image_viewer_class_init (OsaisImageViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_image_viewer_dispose;
  object_class->get_property = osais_image_viewer_get_property;
  object_class->set_property = osais_image_viewer_set_property;

  properties[PROP_IMAGE] =
    g_param_spec_object ("image", NULL, NULL, OSAIS_TYPE_IMAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, OSAIS_TYPE_JOB,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINES] =
    g_param_spec_object ("engines", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OSAIS_TYPE_COMPARE_VIEW);

  signals[SIGNAL_USE_AS_INPUT] =
    g_signal_new ("use-as-input", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, OSAIS_TYPE_IMAGE);
  signals[SIGNAL_REUSE_PARAMETERS] =
    g_signal_new ("reuse-parameters", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, OSAIS_TYPE_JOB);
  signals[SIGNAL_DELETE_IMAGE] =
    g_signal_new ("delete-image", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, OSAIS_TYPE_IMAGE, OSAIS_TYPE_JOB);
  signals[SIGNAL_DELETE_JOB] =
    g_signal_new ("delete-job", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, OSAIS_TYPE_JOB);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SET_FAVOURITE] =
    g_signal_new ("set-favourite", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, OSAIS_TYPE_IMAGE, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-image-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, flap);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, picture);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, zoom_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, favourite_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, compare_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, view_stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, compare_view);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, previous_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, next_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, engine_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, prompt_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, seed_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, parameters_group);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, size_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, uid_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, cycle_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisImageViewer, time_row);

  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "viewer.use-as-input", NULL,
                                   use_as_input_action);
  gtk_widget_class_install_action (widget_class, "viewer.reuse-parameters", NULL,
                                   reuse_parameters_action);
  gtk_widget_class_install_action (widget_class, "viewer.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "viewer.toggle-favourite", NULL,
                                   toggle_favourite_action);
  gtk_widget_class_install_action (widget_class, "viewer.delete-job", NULL, delete_job_action);
  gtk_widget_class_install_action (widget_class, "viewer.close", NULL, close_action);
  gtk_widget_class_install_property_action (widget_class, "viewer.compare", "comparing");
  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "viewer.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "viewer.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "viewer.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "viewer.show-in-files", NULL,
                                   show_in_files_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK,
                                       "viewer.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "viewer.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "viewer.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "viewer.toggle-favourite",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, 0, "viewer.compare", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, escape_cb, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, arrow_cb, "i", -1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, arrow_cb, "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "viewer.fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "viewer.zoom-fit", NULL);
}

static void
osais_image_viewer_init (OsaisImageViewer *self)
{
  GtkEventController *scroll;
  GtkDragSource *drag_source;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->parameter_rows = g_ptr_array_new ();

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scrolled_window), scroll);

  drag_source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag_source, GDK_ACTION_COPY);
  g_signal_connect_swapped (drag_source, "prepare", G_CALLBACK (drag_prepare_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (drag_source));

  update_actions (self);
  update_favourite (self);
}
