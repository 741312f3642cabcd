/* osais-window-actions.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's answers to its parts: the welcome's choices, the viewer's
 * and the gallery's requests (use as input, reuse parameters, delete,
 * favourite, retry, show a job), and search.
 */

#define G_LOG_DOMAIN "OsaisWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-login-failure.h"
#include "osais-preferences-window.h"
#include "osais-sign-out.h"
#include "osais-window-private.h"

/* Welcome ----------------------------------------------------------------- */

static void
choose_mode (OsaisWindow      *self,
             OsaisAccountMode  mode)
{
  g_settings_set_enum (self->settings, "account-mode", mode);
  g_object_set (self->session, "account-mode", mode, NULL);
  osais_login_failure_log_in (self->session);
}

static void
choose_offline_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  choose_mode (OSAIS_WINDOW (widget), OSAIS_ACCOUNT_MODE_OFFLINE);
}

static void
choose_demo_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose_mode (OSAIS_WINDOW (widget), OSAIS_ACCOUNT_MODE_DEMO);
}

/* The banner's Retry: the same login again, once OSAIS may be back. */
static void
retry_login_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  osais_login_failure_log_in (self->session);
}

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  osais_sign_out (GTK_WINDOW (self), self->session, self->settings);
}

static void
choose_sign_in_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  GtkWidget *preferences;

  preferences = osais_preferences_window_new (GTK_WINDOW (self), self->session, self->settings);
  osais_preferences_window_show_sign_in (OSAIS_PREFERENCES_WINDOW (preferences));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* Gallery and viewer ------------------------------------------------------ */

static void
viewer_closed_cb (OsaisWindow *self)
{
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
}

/* Not yet needed, the viewer is made later: it is not in the window's
 * first frame. */
static void
hide_viewer (OsaisWindow *self)
{
  if (self->viewer != NULL)
    hide_viewer (self);
}

static void
use_as_input_cb (OsaisWindow *self,
                 OsaisImage  *image)
{
  osais_request_form_set_input_file (self->form, osais_image_get_file (image));
  adw_flap_set_reveal_flap (self->flap, TRUE);
}

static void
reuse_parameters_cb (OsaisWindow *self,
                     OsaisJob    *job)
{
  _osais_window_select_engine_by_name (self, osais_job_get_engine (job));
  osais_request_form_set_values_from_json (self->form, osais_job_get_parameters (job));
  adw_flap_set_reveal_flap (self->flap, TRUE);
  osais_request_form_focus_prompt (self->form);
}

/* A style of another engine than the form's (the form applies its own). */
static void
apply_style_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  const char *engine = NULL;
  const char *values = NULL;

  OsaisEngine *shown;

  g_variant_get (parameter, "(&s&s)", &engine, &values);
  _osais_window_select_engine_by_name (self, engine);
  shown = osais_request_form_get_engine (self->form);
  if (shown == NULL || g_strcmp0 (osais_engine_get_name (shown), engine) != 0)
    {
      osais_window_show_toast (self, adw_toast_new (_("The style’s AI engine is not offered")));
      return;
    }
  osais_request_form_set_values_from_json (self->form, values);
  osais_request_form_focus_prompt (self->form);
}

static void
delete_image_cb (OsaisWindow *self,
                 OsaisImage  *image,
                 OsaisJob    *job)
{
  adw_toast_overlay_add_toast (self->toast_overlay,
                               osais_gallery_delete_image_with_undo (self->gallery, image, job));
  hide_viewer (self);
}

/* Search ------------------------------------------------------------------ */

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(OsaisSearchResult) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  guint n_images;

  found = osais_store_search_finish (OSAIS_STORE (object), result, &error);
  /* Typed over, or the bar closed: a newer search, or none, is shown. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      !gtk_search_bar_get_search_mode (self->search_bar))
    return;
  if (found == NULL)
    {
      osais_window_show_error (self, _("The history could not be searched"), error->message);
      return;
    }

  n_images = osais_search_result_get_n_images (found);
  if (n_images == 0 && osais_search_result_get_n_jobs (found) == 0)
    count = g_strdup (_("No matches"));
  else
    count = g_strdup_printf (ngettext ("%u image", "%u images", n_images), n_images);
  gtk_label_set_label (self->search_count_label, count);
  osais_gallery_set_search (self->gallery, found);
}

/* Runs the search for what the entry says (GtkSearchEntry waits for a pause
 * in the typing first), or shows everything again. */
void
_osais_window_search_changed (OsaisWindow *self)
{
  OsaisStore *store = osais_session_get_store (self->session);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean favourites = gtk_toggle_button_get_active (self->search_favourites_button);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  OsaisSearchQuery query = { 0 };
  /* No filters before they were first opened. */
  gboolean filtered = self->search_options != NULL &&
                      osais_search_options_fill_query (self->search_options, &query, now);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (store == NULL || !gtk_search_bar_get_search_mode (self->search_bar) ||
      (*text == '\0' && !favourites && !filtered))
    {
      osais_gallery_set_search (self->gallery, NULL);
      gtk_label_set_label (self->search_count_label, "");
      return;
    }

  self->search_cancellable = g_cancellable_new ();
  query.text = (char *) text;
  query.favourites_only = favourites;
  osais_store_search_async (store, &query, self->search_cancellable, search_done_cb,
                            g_object_ref (self));
}

static void
search_mode_changed_cb (OsaisWindow *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      /* The first letter comes in a few hundred milliseconds. */
      osais_gallery_prepare_search (self->gallery);
    }
  _osais_window_search_changed (self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  /* The search filters the gallery: it is shown. */
  hide_viewer (self);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Favourites: the viewer's star, through the store. */
static void
favourite_set_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_set_favourite_finish (OSAIS_STORE (object), result, &error))
    osais_window_show_error (self, _("The favourite could not be saved"), error->message);
}

static void
set_favourite_cb (OsaisWindow *self,
                  OsaisImage  *image,
                  gboolean     favourite)
{
  OsaisStore *store = osais_session_get_store (self->session);

  if (store != NULL)
    osais_store_set_favourite_async (store, image, favourite, NULL, favourite_set_cb,
                                     g_object_ref (self));
}

/* Stop Waiting: OSAIS has no cancel, so the job is only hidden (the running
 * list says the AI may still finish), with Undo in a toast. */
static void
dismissed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_set_dismissed_finish (OSAIS_STORE (object), result, &error))
    osais_window_show_error (self, _("The job could not be changed"), error->message);
}

static void
stop_waiting_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  OsaisStore *store = osais_session_get_store (self->session);
  gint64 uid = g_variant_get_int64 (parameter);
  OsaisJob *job = store != NULL ? osais_store_lookup (store, uid) : NULL;
  gboolean dismiss = g_str_equal (action_name, "win.stop-waiting");

  /* The job may have been deleted while its toast was showing. */
  if (job == NULL)
    return;

  osais_store_set_dismissed_async (store, job, dismiss, NULL, dismissed_cb, g_object_ref (self));
  if (dismiss)
    {
      AdwToast *toast = adw_toast_new (_("Stopped waiting: the job is hidden"));

      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_action_name (toast, "win.wait-again");
      adw_toast_set_action_target_value (toast, g_variant_new_int64 (uid));
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
}

static void
job_deleted_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_delete_job_finish (OSAIS_STORE (object), result, &error))
    osais_window_show_error (self, _("The job could not be deleted"), error->message);
}

static void
delete_job_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        OsaisWindow      *self)
{
  OsaisJob *job = g_object_get_data (G_OBJECT (dialog), "osais-job");
  OsaisStore *store = osais_session_get_store (self->session);

  if (g_strcmp0 (response, "delete") != 0 || store == NULL || job == NULL)
    return;

  hide_viewer (self);
  osais_store_delete_job_async (store, job, NULL, job_deleted_cb, g_object_ref (self));
}

/* A whole job, its images with it: asked first, as there is no undo. */
static void
delete_job_cb (OsaisWindow *self,
               OsaisJob    *job)
{
  guint n_images = g_list_model_get_n_items (osais_job_get_images (job));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Its %u image is deleted from the history and the disk.",
                                       "Its %u images are deleted from the history and the disk.",
                                       n_images),
                          n_images);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Delete the Whole Job?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "osais-job", g_object_ref (job), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_job_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
retried_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = osais_session_retry_finish (OSAIS_SESSION (object), result, &error);

  _osais_window_request_sent (self, job, error, _("The request was not sent again"));
}

static void
retry_job_cb (OsaisWindow *self,
              OsaisJob    *job)
{
  osais_session_retry_async (self->session, job, NULL, retried_cb, g_object_ref (self));
}

/* The job an action names by its uid, if the history still has it. */
static OsaisJob *
lookup_action_job (OsaisWindow *self,
                   GVariant    *uid)
{
  OsaisStore *store = osais_session_get_store (self->session);

  return store != NULL ? osais_store_lookup (store, g_variant_get_int64 (uid)) : NULL;
}

static void
retry_job_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  OsaisJob *job = lookup_action_job (self, parameter);

  /* The job may have been deleted while its toast was showing. */
  if (job != NULL)
    retry_job_cb (self, job);
}

/* The job of a notification the user clicked (app.show-job): scrolled to
 * and flashed in the gallery. A search that hides it is closed: the user
 * asked for that job, and sees why the rest came back. */
static void
show_job_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  OsaisJob *job = lookup_action_job (self, parameter);

  if (job == NULL)
    {
      osais_window_show_toast (self, adw_toast_new (_("That job is no longer in the history")));
      return;
    }
  if (!osais_gallery_show_job (self->gallery, job) &&
      gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      osais_gallery_show_job (self->gallery, job);
    }
}

/* Selection mode from the main menu, for touch users of a header bar with
 * no room for Select; there is nothing to select on an empty page. */
static void
select_images_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_object_set (OSAIS_WINDOW (widget)->gallery, "selection-mode", TRUE, NULL);
}

static void
gallery_empty_changed_cb (OsaisWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-images",
                                 !osais_gallery_get_empty (self->gallery));
}

static void
image_activated_cb (OsaisWindow *self,
                    OsaisImage  *image,
                    OsaisJob    *job)
{
  osais_image_viewer_set_image (_osais_window_get_viewer (self), image, job);
  gtk_stack_set_visible_child_name (self->content_stack, "viewer");
}

/* The image viewer, and the content stack's "viewer" page, made when first
 * needed: 8-10 ms of the main thread that the first frame does not show. */
OsaisImageViewer *
_osais_window_get_viewer (OsaisWindow *self)
{
  g_autoptr(GListModel) engines = NULL;

  if (self->viewer != NULL)
    return self->viewer;

  self->viewer = OSAIS_IMAGE_VIEWER (osais_image_viewer_new ());
  g_signal_connect_object (self->viewer, "closed", G_CALLBACK (viewer_closed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "use-as-input", G_CALLBACK (use_as_input_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "reuse-parameters", G_CALLBACK (reuse_parameters_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "delete-image", G_CALLBACK (delete_image_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "delete-job", G_CALLBACK (delete_job_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewer, "set-favourite", G_CALLBACK (set_favourite_cb), self,
                           G_CONNECT_SWAPPED);
  /* Previous and next walk the images in the gallery's order. */
  osais_image_viewer_set_model (self->viewer, osais_gallery_get_model (self->gallery));
  g_object_get (self->session, "engines", &engines, NULL);
  osais_image_viewer_set_engines (self->viewer, engines);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->viewer), "viewer");

  return self->viewer;
}

/* The search filters, made when their button first opens: 5 ms of the
 * main thread (three combo rows) that the first frame does not show. */
OsaisSearchOptions *
_osais_window_get_search_options (OsaisWindow *self)
{
  g_autoptr(GListModel) engines = NULL;

  if (self->search_options != NULL)
    return self->search_options;

  self->search_options = g_object_new (OSAIS_TYPE_SEARCH_OPTIONS, NULL);
  g_signal_connect_object (self->search_options, "changed",
                           G_CALLBACK (_osais_window_search_changed), self, G_CONNECT_SWAPPED);
  g_object_get (self->session, "engines", &engines, NULL);
  osais_search_options_set_engines (self->search_options, engines);
  gtk_menu_button_set_popover (self->search_options_button, GTK_WIDGET (self->search_options));

  return self->search_options;
}

static void
create_search_options_cb (GtkMenuButton *button,
                          gpointer       user_data)
{
  _osais_window_get_search_options (user_data);
}

void
_osais_window_actions_init (OsaisWindow *self)
{
  gtk_menu_button_set_create_popup_func (self->search_options_button, create_search_options_cb,
                                         self, NULL);
  gallery_empty_changed_cb (self);
}

/* Class ------------------------------------------------------------------- */

void
_osais_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback_full (widget_class, "search_changed_cb",
                                                G_CALLBACK (_osais_window_search_changed));
  gtk_widget_class_bind_template_callback (widget_class, search_mode_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, image_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, gallery_empty_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.retry-job", "x", retry_job_action);
  gtk_widget_class_install_action (widget_class, "win.show-job", "x", show_job_action);
  gtk_widget_class_install_action (widget_class, "win.stop-waiting", "x", stop_waiting_action);
  gtk_widget_class_install_action (widget_class, "win.wait-again", "x", stop_waiting_action);
  gtk_widget_class_install_action (widget_class, "win.choose-offline", NULL,
                                   choose_offline_action);
  gtk_widget_class_install_action (widget_class, "win.choose-demo", NULL, choose_demo_action);
  gtk_widget_class_install_action (widget_class, "win.choose-sign-in", NULL,
                                   choose_sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.retry-login", NULL, retry_login_action);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "win.apply-style", "(ss)", apply_style_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.select-images", NULL,
                                   select_images_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
}
