/* osais-window.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisWindow"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "osais-banner.h"
#include "osais-cost.h"
#include "osais-flap-shadow.h"
#include "osais-gallery.h"
#include "osais-image-viewer.h"
#include "osais-last-form.h"
#include "osais-login-failure.h"
#include "osais-mnemonic-names.h"
#include "osais-preferences-window.h"
#include "osais-request-form.h"
#include "osais-running-popover.h"
#include "osais-search-options.h"
#include "osais-sign-out.h"
#include "osais-window.h"
#include "osais-window-private.h"

G_DEFINE_FINAL_TYPE (OsaisWindow, osais_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void bind_application     (OsaisWindow      *self);

OsaisWindow *
osais_window_new (OsaisApplication *application)
{
  g_autoptr(OsaisSession) session = NULL;
  g_autoptr(GSettings) settings = NULL;
  OsaisWindow *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  /* The application's, handed down: the window knows nothing else of it. */
  g_object_get (application, "session", &session, "settings", &settings, NULL);
  self = g_object_new (OSAIS_TYPE_WINDOW,
                       "application", application,
                       "session", session,
                       "settings", settings,
                       NULL);
  bind_application (self);
  return self;
}

OsaisRequestForm *
osais_window_get_form (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), NULL);

  return self->form;
}

OsaisGallery *
osais_window_get_gallery (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), NULL);

  return self->gallery;
}

GtkDropDown *
osais_window_get_engine_dropdown (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), NULL);

  return self->engine_dropdown;
}

void
osais_window_show_toast (OsaisWindow *self,
                         AdwToast    *toast)
{
  g_return_if_fail (OSAIS_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
osais_window_show_error (OsaisWindow *self,
                         const char  *title,
                         const char  *detail)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  g_return_if_fail (OSAIS_IS_WINDOW (self));

  text = detail != NULL ? g_strdup_printf ("%s: %s", title, detail) : g_strdup (title);
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
osais_window_set_history_error (OsaisWindow  *self,
                                const GError *error)
{
  g_return_if_fail (OSAIS_IS_WINDOW (self));

  g_clear_error (&self->history_error);
  if (error != NULL)
    self->history_error = g_error_copy (error);
  _osais_window_update_status (self);
}

void
osais_window_set_images_read_only (OsaisWindow *self,
                                   gboolean     read_only)
{
  g_return_if_fail (OSAIS_IS_WINDOW (self));

  read_only = !!read_only;
  if (self->images_read_only == read_only)
    return;
  self->images_read_only = read_only;
  _osais_window_update_status (self);
}

void
osais_window_set_disk_full (OsaisWindow *self,
                            gboolean     disk_full)
{
  g_return_if_fail (OSAIS_IS_WINDOW (self));

  disk_full = !!disk_full;
  if (self->disk_full == disk_full)
    return;
  self->disk_full = disk_full;
  _osais_window_update_status (self);
}

gboolean
osais_window_get_disk_full (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), FALSE);

  return self->disk_full;
}

OsaisBanner *
osais_window_get_banner (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), NULL);

  return self->banner;
}

void
osais_window_show_preferences (OsaisWindow *self)
{
  GtkWidget *preferences;

  g_return_if_fail (OSAIS_IS_WINDOW (self));

  preferences = osais_preferences_window_new (GTK_WINDOW (self), self->session, self->settings);
  gtk_window_present (GTK_WINDOW (preferences));
}

/* Engines ----------------------------------------------------------------- */

void
_osais_window_select_engine_by_name (OsaisWindow *self,
                                     const char  *name)
{
  GListModel *engines = gtk_drop_down_get_model (self->engine_dropdown);
  guint n = engines != NULL ? g_list_model_get_n_items (engines) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      if (g_strcmp0 (osais_engine_get_name (engine), name) == 0)
        {
          gtk_drop_down_set_selected (self->engine_dropdown, i);
          return;
        }
    }
}

/* A user's engine descriptor that could not be read is said once, with
 * the folder where it can be mended. */
static void
show_engine_warnings (OsaisWindow *self)
{
  const char * const *warnings = osais_session_get_engine_warnings (self->session);
  guint n = warnings != NULL ? g_strv_length ((char **) warnings) : 0;
  g_autofree char *title = NULL;
  GtkWidget *label;
  AdwToast *toast;

  if (n == 0 || self->engine_warnings_shown)
    return;
  self->engine_warnings_shown = TRUE;

  if (n == 1)
    title = g_strdup (warnings[0]);
  else
    /* TRANSLATORS: the first of several messages, then how many others */
    title = g_strdup_printf (ngettext ("%s (and %u other)", "%s (and %u others)", n - 1),
                             warnings[0], n - 1);

  /* The whole message, wrapped: a toast's own title is one ellipsized line,
   * which cut the parser's words (where the file is wrong) short. */
  label = gtk_label_new (title);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  toast = adw_toast_new ("");
  adw_toast_set_custom_title (toast, label);
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_button_label (toast, _("_Open Folder"));
  adw_toast_set_action_name (toast, "win.open-engines-folder");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* The folder of the user's engine descriptors, in the file manager. */
static void
open_engines_folder_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "osais-studio", "engines",
                                            NULL);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  if (uri != NULL)
    gtk_show_uri (GTK_WINDOW (widget), uri, GDK_CURRENT_TIME);
}

static void
session_engines_changed_cb (OsaisWindow *self)
{
  g_autoptr(GListModel) engines = NULL;
  g_autofree char *last_engine = NULL;

  g_object_get (self->session, "engines", &engines, NULL);
  /* The first engine, selected with the model, is not the person's choice. */
  self->restoring_engine = TRUE;
  gtk_drop_down_set_model (self->engine_dropdown, engines);
  if (self->viewer != NULL)
    osais_image_viewer_set_engines (self->viewer, engines);
  osais_request_form_set_engines (self->form, engines);
  if (self->search_options != NULL)
    osais_search_options_set_engines (self->search_options, engines);

  last_engine = g_settings_get_string (self->settings, "last-engine");
  _osais_window_select_engine_by_name (self, last_engine);
  self->restoring_engine = FALSE;
  show_engine_warnings (self);
}

static void
engine_selected_cb (OsaisWindow *self)
{
  OsaisEngine *engine = gtk_drop_down_get_selected_item (self->engine_dropdown);

  g_autofree char *last_engine = NULL;

  osais_request_form_set_engine (self->form, engine);
  if (engine == NULL)
    return;

  /* Written only when the person chose another: each start wrote it (with
   * the keyfile backend, a file synced on the main thread, 16 ms under
   * load), and the model's first engine for a moment. */
  last_engine = g_settings_get_string (self->settings, "last-engine");
  if (!self->restoring_engine && g_strcmp0 (last_engine, osais_engine_get_name (engine)) != 0)
    g_settings_set_string (self->settings, "last-engine", osais_engine_get_name (engine));
  /* The engines arrive after the window opens: typing a prompt and pressing
   * Ctrl+Return must work from the first keystroke, and after switching. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "studio") == 0)
    osais_request_form_focus_prompt (self->form);
}

static void
session_store_changed_cb (OsaisWindow *self)
{
  g_autoptr(OsaisStore) store = NULL;

  g_object_get (self->session, "store", &store, NULL);
  osais_gallery_set_store (self->gallery, store);
  osais_request_form_set_jobs (self->form, G_LIST_MODEL (store));
  {
    g_autoptr(GFile) styles = NULL;
    g_autoptr(GFile) last_form = NULL;

    if (store != NULL)
      {
        styles = g_file_new_build_filename (osais_store_get_data_dir (store),
                                            OSAIS_STYLES_FILE, NULL);
        last_form = g_file_new_build_filename (osais_store_get_data_dir (store),
                                               OSAIS_LAST_FORM_FILE, NULL);
      }
    osais_request_form_set_styles_file (self->form, styles);
    osais_last_form_set_file (self->last_form, last_form);
  }
  g_signal_group_set_target (self->store_signals, store);
  osais_window_set_disk_full (self, store != NULL && osais_store_get_disk_full (store));
  osais_window_set_images_read_only (self,
                                     store != NULL && osais_store_get_images_read_only (store));
}

/* The store says when a commit failed for want of space, and when one
 * succeeds again. */
static void
store_disk_full_cb (OsaisWindow *self,
                    GParamSpec  *pspec,
                    OsaisStore  *store)
{
  osais_window_set_disk_full (self, osais_store_get_disk_full (store));
}

static void
store_images_read_only_cb (OsaisWindow *self,
                           GParamSpec  *pspec,
                           OsaisStore  *store)
{
  osais_window_set_images_read_only (self, osais_store_get_images_read_only (store));
}

/* Running ----------------------------------------------------------------- */

static void
update_run_action (OsaisWindow *self)
{
  gboolean valid = osais_request_form_get_valid (self->form);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", valid && !self->sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run-batch", valid && !self->sending);
  /* A menu button does not follow its items' actions: the half of the
   * split button beside a disabled Run would open a menu of nothing. */
  gtk_widget_set_sensitive (self->batch_button, valid && !self->sending);
}

/* Run says "Sending…" while OSAIS has not answered (its squeezer shows an
 * icon instead where the words have no room). */
static void
update_run_button (OsaisWindow *self)
{
  gtk_label_set_text_with_mnemonic (self->run_label, self->sending ? _("Sending…") : _("_Run"));
}

void
_osais_window_set_sending (OsaisWindow *self,
                           gboolean     sending)
{
  self->sending = sending;
  update_run_action (self);
  update_run_button (self);
}

gboolean
osais_window_get_sending (OsaisWindow *self)
{
  g_return_val_if_fail (OSAIS_IS_WINDOW (self), FALSE);

  return self->sending;
}

/* Why Run is disabled: what to do shows beside it where there is room, in a
 * few words, and the whole reason is always its tooltip. */
static void
update_run_reason (OsaisWindow *self)
{
  const char *reason = NULL;
  const char *hint = NULL;

  if (!osais_request_form_get_valid (self->form))
    {
      reason = osais_request_form_get_invalid_reason (self->form);
      hint = osais_request_form_get_invalid_hint (self->form);
    }

  gtk_label_set_label (self->run_reason_label, hint != NULL ? hint : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_reason_label), reason);
  gtk_widget_set_visible (GTK_WIDGET (self->run_reason_label), hint != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_button),
                               reason != NULL ? reason : _("Run the Request (Ctrl+Return)"));
}

static void
form_validity_changed_cb (OsaisWindow *self)
{
  gboolean valid = osais_request_form_get_valid (self->form);
  const char *reason = osais_request_form_get_invalid_reason (self->form);

  update_run_action (self);
  update_run_reason (self);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->engine_dropdown), NULL);
  if (!valid && reason != NULL)
    g_debug ("Run disabled: %s", reason);
}

/* A job sent from this window that fails says so in a toast, with Retry. */
static void
job_stage_changed_cb (OsaisWindow *self,
                      GParamSpec  *pspec,
                      OsaisJob    *job)
{
  g_autofree char *title = NULL;
  const char *reason;
  AdwToast *toast;

  if (!osais_job_get_finished (job))
    return;
  g_signal_handlers_disconnect_by_func (job, job_stage_changed_cb, self);
  if (osais_job_get_stage (job) != OSAIS_STAGE_ERROR)
    return;

  reason = osais_job_get_error_message (job);
  title = g_strdup_printf (_("The %s job failed: %s"), osais_job_get_engine (job),
                           reason != NULL ? reason : _("no reason given"));
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Retry"));
  adw_toast_set_action_name (toast, "win.retry-job");
  adw_toast_set_action_target_value (toast, g_variant_new_int64 (osais_job_get_uid (job)));
  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
watch_job_outcome (OsaisWindow *self,
                   OsaisJob    *job)
{
  g_signal_connect_object (job, "notify::stage", G_CALLBACK (job_stage_changed_cb), self,
                           G_CONNECT_SWAPPED);
  job_stage_changed_cb (self, NULL, job);
}

/* What a sent (or sent again) request comes to: a job to watch, or an error
 * to show under @failure_title. */
void
_osais_window_request_sent (OsaisWindow *self,
                            OsaisJob    *job,
                            GError      *error,
                            const char  *failure_title)
{
  if (job != NULL)
    watch_job_outcome (self, job);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    osais_window_show_error (self, failure_title, error->message);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);

  _osais_window_set_sending (self, FALSE);
  if (self->sending_card != NULL)
    osais_gallery_remove_sending (self->gallery, self->sending_card);
  g_clear_object (&self->sending_card);
  _osais_window_request_sent (self, job, error, _("The request was not sent"));
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  OsaisEngine *engine = osais_request_form_get_engine (self->form);
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GBytes) input = NULL;
  const char *content_type = NULL;

  if (engine == NULL || !osais_request_form_get_valid (self->form) || self->sending)
    return;

  _osais_window_set_sending (self, TRUE);
  osais_last_form_save (self->last_form);
  values = osais_request_form_dup_values (self->form);
  input = osais_request_form_dup_input (self->form, &content_type);
  {
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *parameters = NULL;
    GHashTableIter iter;
    gpointer name, value;

    g_hash_table_iter_init (&iter, values);
    while (g_hash_table_iter_next (&iter, &name, &value))
      if (value != NULL)
        json_object_set_string_member (object, name, value);
    root = json_node_init_object (json_node_alloc (), object);
    parameters = json_to_string (root, FALSE);
    g_clear_object (&self->sending_card);
    self->sending_card = g_object_ref (osais_gallery_add_sending (self->gallery,
                                                                  osais_engine_get_name (engine),
                                                                  parameters));
  }
  osais_session_submit_async (self->session, osais_engine_get_name (engine), values,
                              input, content_type, NULL, submitted_cb, g_object_ref (self));
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  osais_request_form_reset (self->form);
  osais_request_form_focus_prompt (self->form);
}

/* The job runs, but Compare will lack its input: said, not lost. */
static void
input_not_kept_cb (OsaisWindow *self,
                   OsaisJob    *job,
                   const char  *message)
{
  osais_window_show_error (self, _("The input image could not be kept for comparing"), message);
}

/* Window state ------------------------------------------------------------ */

static gboolean
osais_window_close_request (GtkWindow *window)
{
  OsaisWindow *self = OSAIS_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set (self->settings, "window-size", "(ii)", width, height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (osais_window_parent_class)->close_request (window);
}

/* The window follows its session and settings. Not in constructed():
 * GObject sets GtkWindow:application, not a construct property, only after
 * it. */
static void
bind_application (OsaisWindow *self)
{
  int width, height;

  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_group_set_target (self->session_signals, self->session);
  session_engines_changed_cb (self);
  session_store_changed_cb (self);
  _osais_window_update_page (self);
  /* A window opened later, on a session already listening, gets no notify. */
  _osais_window_update_reachability (self);
  _osais_window_update_tunnel_search (self);
  _osais_window_update_status (self);
  form_validity_changed_cb (self);
}

/* The shortcuts window is nobody's first screen: GTK builds a
 * `gtk/help-overlay.ui` with every window of the application, before it is
 * shown (11 ms of the main thread at start, tests/bench/gui); this one is
 * built once the window has drawn its first frame. Until then, Ctrl+? and
 * the menu's Keyboard Shortcuts do nothing. */
static gboolean
load_shortcuts_cb (gpointer data)
{
  OsaisWindow *self = data;
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/com/opensourceais/Studio/osais-shortcuts-window.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));

  self->shortcuts_source = 0;
  osais_mnemonic_names_fix_shortcuts_window (overlay);
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (overlay));

  return G_SOURCE_REMOVE;
}

static void
first_paint_cb (GdkFrameClock *clock,
                OsaisWindow   *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  if (self->shortcuts_source != 0 ||
      gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self)) != NULL)
    return;

  self->shortcuts_source = g_idle_add_full (G_PRIORITY_LOW, load_shortcuts_cb, self, NULL);
  g_source_set_name_by_id (self->shortcuts_source, "[osais] build the shortcuts window");
}

static void
osais_window_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (osais_window_parent_class)->realize (widget);

  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (first_paint_cb), widget, 0);
}

static void
osais_window_dispose (GObject *object)
{
  OsaisWindow *self = OSAIS_WINDOW (object);

  g_clear_handle_id (&self->shortcuts_source, g_source_remove);
  g_cancellable_cancel (self->parameters_cancellable);
  g_clear_object (&self->parameters_cancellable);
  g_clear_pointer (&self->offered_engine, g_free);
  g_clear_error (&self->history_error);
  g_cancellable_cancel (self->reach_cancellable);
  g_clear_object (&self->reach_cancellable);
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  g_clear_pointer (&self->reach_url, g_free);
  g_clear_object (&self->sending_card);
  g_clear_object (&self->last_form);
  g_clear_pointer (&self->offered_parameters, g_free);
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  g_clear_object (&self->store_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_WINDOW);
  /* Gone with the content stack and the filters' button, which held them. */
  self->viewer = NULL;
  self->search_options = NULL;
  g_clear_object (&self->session_signals);
  g_clear_object (&self->tunnel_search);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (osais_window_parent_class)->dispose (object);
}

static void
osais_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OsaisWindow *self = OSAIS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OsaisWindow *self = OSAIS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_window_class_init (OsaisWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = osais_window_dispose;
  object_class->get_property = osais_window_get_property;
  object_class->set_property = osais_window_set_property;
  window_class->close_request = osais_window_close_request;
  widget_class->realize = osais_window_realize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, OSAIS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OSAIS_TYPE_BANNER);
  g_type_ensure (OSAIS_TYPE_REQUEST_FORM);
  g_type_ensure (OSAIS_TYPE_GALLERY);
  g_type_ensure (OSAIS_TYPE_IMAGE_VIEWER);
  g_type_ensure (OSAIS_TYPE_RUNNING_POPOVER);
  g_type_ensure (OSAIS_TYPE_SEARCH_OPTIONS);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, engine_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, account_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, server_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, status_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, run_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, batch_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, run_reason_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, form);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_favourites_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_options_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_count_label);
  gtk_widget_class_bind_template_callback (widget_class, engine_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, form_validity_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_run_reason);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.open-engines-folder", NULL,
                                   open_engines_folder_action);
  gtk_widget_class_install_action (widget_class, "win.clear", NULL, clear_action);

  _osais_window_class_files_init (widget_class);
  _osais_window_class_status_init (widget_class);
  _osais_window_class_batch_init (widget_class);
  _osais_window_class_actions_init (widget_class);
}

static void
osais_window_init (OsaisWindow *self)
{
  g_autoptr(GtkExpression) title = NULL;
  g_autoptr(GtkListItemFactory) button_factory = NULL;
  g_autoptr(GtkListItemFactory) list_factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The gallery lies inside the flap. */
  osais_flap_shadow_hide_when_unfolded (self->flap);
  self->last_form = osais_last_form_new (self->form);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  osais_mnemonic_names_fix (GTK_WIDGET (self));

  title = gtk_property_expression_new (OSAIS_TYPE_ENGINE, NULL, "title");
  gtk_drop_down_set_expression (self->engine_dropdown, title);
  /* Engine titles can be long ("Face Restauration & Hi-Res"): the button
   * ellipsizes, so that the header bar still fits a 360 px window; the list
   * shows them whole. */
  button_factory = gtk_builder_list_item_factory_new_from_resource (
    NULL, "/com/opensourceais/Studio/osais-engine-button-item.ui");
  gtk_drop_down_set_factory (self->engine_dropdown, button_factory);
  list_factory = gtk_builder_list_item_factory_new_from_resource (
    NULL, "/com/opensourceais/Studio/osais-engine-list-item.ui");
  gtk_drop_down_set_list_factory (self->engine_dropdown, list_factory);

  _osais_window_actions_init (self);

  self->store_signals = g_signal_group_new (OSAIS_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "notify::disk-full",
                                  G_CALLBACK (store_disk_full_cb), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::images-read-only",
                                  G_CALLBACK (store_images_read_only_cb), self);
  /* A new job may match the search shown. */
  g_signal_group_connect_swapped (self->store_signals, "items-changed",
                                  G_CALLBACK (_osais_window_search_changed), self);
  self->session_signals = g_signal_group_new (OSAIS_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::engines",
                                  G_CALLBACK (session_engines_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::store",
                                  G_CALLBACK (session_store_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-mode",
                                  G_CALLBACK (_osais_window_session_mode_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-label",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::login-state",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  /* A login that fails again, for another reason, stays FAILED. */
  g_signal_group_connect_swapped (self->session_signals, "notify::login-error",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-listening",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-error",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  /* A restarted server listens on a new port without listening changing. */
  g_signal_group_connect_swapped (self->session_signals, "notify::server-uri",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::public-uri",
                                  G_CALLBACK (_osais_window_session_status_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "input-not-kept",
                                  G_CALLBACK (input_not_kept_cb), self);

  self->tunnel_search = osais_tunnel_search_new ();
  g_signal_connect_swapped (self->tunnel_search, "notify::tunnel-url",
                            G_CALLBACK (_osais_window_update_status), self);
  g_signal_connect_swapped (self->tunnel_search, "notify::problem",
                            G_CALLBACK (_osais_window_update_status), self);

  _osais_window_dnd_init (self);
}
