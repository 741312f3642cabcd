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
#include "osais-flap-shadow.h"
#include "osais-gallery-model.h"
#include "osais-image-export.h"
#include "osais-image-viewer-private.h"
#include "osais-param-format.h"
#include "osais-thumbnail-loader.h"

#define ZOOM_STEP 1.25
#define ZOOM_MIN  0.05
#define ZOOM_MAX  16.0

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

void
_osais_image_viewer_show_toast (OsaisImageViewer *self,
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

void
_osais_image_viewer_apply_zoom (OsaisImageViewer *self)
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
  _osais_image_viewer_apply_zoom (self);
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

void
_osais_image_viewer_update_actions (OsaisImageViewer *self)
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
OsaisEngine *
_osais_image_viewer_find_engine (OsaisImageViewer *self)
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
  OsaisEngine *engine = _osais_image_viewer_find_engine (self);
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

  engine = _osais_image_viewer_find_engine (self);
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

void
_osais_image_viewer_set_comparing (OsaisImageViewer *self,
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

/* Escape leaves fullscreen first, as in every image viewer, and only then the
 * viewer. */
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
    _osais_image_viewer_set_comparing (self, FALSE);
  else
    gtk_widget_activate_action (widget, "viewer.close", NULL);

  return TRUE;
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
  _osais_image_viewer_forget_export (self);
  self->export_tagged = FALSE;
  gtk_picture_set_paintable (self->picture, NULL);
  osais_compare_view_set_after (self->compare_view, NULL);
  self->zoom = 0;
  _osais_image_viewer_apply_zoom (self);
  _osais_image_viewer_load_input (self);

  if (image != NULL)
    {
      _osais_image_viewer_load_texture (self);
      show_metadata (self);
      _osais_image_viewer_start_export (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->scrolled_window));
    }

  _osais_image_viewer_update_actions (self);
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
  _osais_image_viewer_update_actions (self);
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

  _osais_image_viewer_update_actions (self);
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
  _osais_image_viewer_forget_export (self);
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
      _osais_image_viewer_set_comparing (self, g_value_get_boolean (value));
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
  gtk_widget_class_bind_template_callback (widget_class, scroll_cb);

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
  _osais_image_viewer_class_export_init (widget_class);

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
  gtk_widget_init_template (GTK_WIDGET (self));
  osais_flap_shadow_hide_when_unfolded (self->flap);
  self->parameter_rows = g_ptr_array_new ();

  _osais_image_viewer_update_actions (self);
  update_favourite (self);
}
