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
#include "osais-gallery.h"
#include "osais-image-viewer.h"
#include "osais-last-form.h"
#include "osais-login-failure.h"
#include "osais-mnemonic-names.h"
#include "osais-preferences-window.h"
#include "osais-request-form.h"
#include "osais-running-popover.h"
#include "osais-search-filter.h"
#include "osais-search-options.h"
#include "osais-sign-out.h"
#include "osais-window.h"
#include "osais-window-private.h"

struct _OsaisWindow
{
  AdwApplicationWindow  parent_instance;

  OsaisSession         *session;
  GSettings            *settings;
  GSignalGroup         *session_signals;
  GSignalGroup         *store_signals;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  GtkStack             *content_stack;
  AdwFlap              *flap;
  GtkDropDown          *engine_dropdown;
  AdwWindowTitle       *window_title;
  GtkStack             *status_stack;
  GtkWidget            *select_button;
  GtkImage             *status_icon;
  GtkLabel             *account_label;
  GtkLabel             *server_label;
  GtkMenuButton        *status_button;
  GtkButton            *run_button;
  GtkWidget            *batch_button;
  GtkLabel             *run_reason_label;
  OsaisBanner          *banner;

  /* A request on its way to OSAIS: Run waits for its answer, so that a
   * double click, or Ctrl+Return on top of a click, sends one paid request;
   * its card shows in the gallery meanwhile. */
  gboolean              sending;
  OsaisGalleryItem     *sending_card;
  /* Run ×N: the requests of the batch not answered yet; Run waits for
   * them all. */
  guint                 batch_pending;

  /* The request an opened PNG keeps (ours or AUTOMATIC1111's), offered
   * with "Use Its Parameters"; read off the main thread. */
  char                 *offered_engine;
  char                 *offered_parameters;
  GCancellable         *parameters_cancellable;

  /* Set by whoever finds the data folder's disk full; shown until cleared. */
  gboolean              disk_full;
  /* The store could not write images/ (read-only): uploads are refused. */
  gboolean              images_read_only;
  /* Why the history could not be opened, if it could not. */
  GError               *history_error;
  /* Whether OSAIS can reach the callback server through the public URL,
   * as last checked: at start-up and whenever that URL changes. */
  char                 *reach_url;
  OsaisTunnelCheck     *reach;
  GCancellable         *reach_cancellable;
  /* A running tunnel to the callback server, offered while no public URL
   * is set (found_url), or why the one running does not fit (tunnel_problem);
   * looked for once per port the server listens on (find_port). */
  GCancellable         *find_cancellable;
  guint                 find_port;
  char                 *found_url;
  OsaisTunnelKind       found_kind;
  char                 *tunnel_problem;
  gboolean              compact_header;
  gboolean              engine_warnings_shown;
  guint                 compact_header_source;
  OsaisRequestForm     *form;
  OsaisGallery         *gallery;
  OsaisImageViewer     *viewer;
  /* The form last sent, kept in the data folder and restored at start-up. */
  OsaisLastForm        *last_form;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkToggleButton      *search_favourites_button;
  OsaisSearchOptions   *search_options;
  GtkLabel             *search_count_label;

  /* Search: the filter the gallery shows while the search bar is open, and
   * the search under way (a keystroke cancels the previous one). */
  OsaisSearchFilter    *search_filter;
  GCancellable         *search_cancellable;
};

G_DEFINE_FINAL_TYPE (OsaisWindow, osais_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void bind_application     (OsaisWindow      *self);
static void update_status        (OsaisWindow      *self);
static void update_tunnel_search (OsaisWindow      *self);

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
  update_status (self);
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
  update_status (self);
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
  update_status (self);
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

/* Files: one sets the input image; several offer one job each ---------- */

static void select_engine_by_name (OsaisWindow *self,
                                   const char  *name);

typedef struct
{
  OsaisWindow *self;
  char        *engine;
  GHashTable  *values;
} BatchFile;

static void
batch_file_free (BatchFile *batch)
{
  g_clear_object (&batch->self);
  g_clear_pointer (&batch->engine, g_free);
  g_clear_pointer (&batch->values, g_hash_table_unref);
  g_free (batch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchFile, batch_file_free)

static void
batch_submitted_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;

  job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  if (job == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    osais_window_show_error (self, _("A request was not sent"), error->message);
}

static void
batch_file_loaded_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(BatchFile) batch = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_file_load_bytes_finish (G_FILE (object), result, NULL, &error);
  if (bytes == NULL)
    {
      osais_window_show_error (batch->self, _("An image could not be read"), error->message);
      return;
    }

  /* The session checks the type and the engine's limits from the bytes. */
  osais_session_submit_async (batch->self->session, batch->engine, batch->values, bytes, NULL,
                              NULL, batch_submitted_cb, g_object_ref (batch->self));
}

static void
run_one_job_per_file (OsaisWindow *self,
                      GPtrArray   *files)
{
  OsaisEngine *engine = osais_request_form_get_engine (self->form);

  g_assert (engine != NULL);

  for (guint i = 0; i < files->len; i++)
    {
      BatchFile *batch = g_new0 (BatchFile, 1);

      batch->self = g_object_ref (self);
      batch->engine = g_strdup (osais_engine_get_name (engine));
      /* Values per file: a random seed is drawn for each job. */
      batch->values = osais_request_form_dup_values (self->form);
      g_file_load_bytes_async (g_ptr_array_index (files, i), NULL, batch_file_loaded_cb, batch);
    }

  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
}

static GPtrArray *
files_array_new (GFile **files,
                 int     n_files)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < n_files; i++)
    g_ptr_array_add (array, g_object_ref (files[i]));

  return array;
}

static void
engine_chosen_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  OsaisWindow      *self)
{
  GPtrArray *files = g_object_get_data (G_OBJECT (dialog), "files");

  if (g_str_equal (response, "cancel"))
    return;

  select_engine_by_name (self, response);
  osais_window_open_files (self, (GFile **) files->pdata, (int) files->len);
}

static void
batch_chosen_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 OsaisWindow      *self)
{
  GPtrArray *files = g_object_get_data (G_OBJECT (dialog), "files");

  if (g_str_equal (response, "first"))
    {
      osais_request_form_set_input_file (self->form, g_ptr_array_index (files, 0));
      adw_flap_set_reveal_flap (self->flap, TRUE);
    }
  else if (g_str_equal (response, "all"))
    run_one_job_per_file (self, files);
}

static GtkWidget *
files_dialog_new (OsaisWindow *self,
                  GFile      **files,
                  int          n_files)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);

  g_object_set_data_full (G_OBJECT (dialog), "files", files_array_new (files, n_files),
                          (GDestroyNotify) g_ptr_array_unref);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  return dialog;
}

/* The engine in the form takes no image: say so, and offer those that do. */
static void
offer_engines (OsaisWindow  *self,
               OsaisEngine  *engine,
               GFile       **files,
               int           n_files)
{
  GListModel *engines = gtk_drop_down_get_model (self->engine_dropdown);
  guint n = engines != NULL ? g_list_model_get_n_items (engines) : 0;
  GtkWidget *dialog = files_dialog_new (self, files, n_files);
  const char *title = engine != NULL ? osais_engine_get_title (engine) : NULL;
  guint n_offered = 0;

  if (title != NULL)
    adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog),
                                       _("%s Takes No Image"), title);
  else
    adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), _("No Engine Selected"));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisEngine) other = g_list_model_get_item (engines, i);

      if (osais_engine_get_input_param (other) == NULL)
        continue;
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog),
                                       osais_engine_get_name (other),
                                       osais_engine_get_title (other));
      n_offered++;
    }

  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               n_offered > 0 ? _("These engines take an input image:")
                                             : _("No engine here takes an input image."));
  g_signal_connect_object (dialog, "response", G_CALLBACK (engine_chosen_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
offer_batch (OsaisWindow  *self,
             OsaisEngine  *engine,
             GFile       **files,
             int           n_files)
{
  GtkWidget *dialog = files_dialog_new (self, files, n_files);
  g_autofree char *run = NULL;

  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog),
                                     ngettext ("Run %d Job?", "Run %d Jobs?", n_files),
                                     n_files);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  ngettext ("The %d image goes to %s with the form's other values.",
                                            "Each of the %d images goes to %s as a request of "
                                            "its own, with the form's other values.",
                                            n_files),
                                  n_files, osais_engine_get_title (engine));
  run = g_strdup_printf (ngettext ("_Run %d Job", "_Run %d Jobs", n_files), n_files);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "first",
                                   _("Use the _First as Input"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "all", run);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "all",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "all");
  g_signal_connect_object (dialog, "response", G_CALLBACK (batch_chosen_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The data folder, in the file manager: where space can be freed. */
static void
open_data_folder_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  g_autofree char *uri = g_filename_to_uri (osais_session_get_data_dir (self->session),
                                            NULL, NULL);

  if (uri != NULL)
    gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

/* Parameters kept in an opened image ------------------------------------- */

typedef struct
{
  char *engine;
  char *parameters;
} KeptParameters;

static void
kept_parameters_free (KeptParameters *kept)
{
  g_free (kept->engine);
  g_free (kept->parameters);
  g_free (kept);
}

static void
read_kept_parameters_thread (GTask        *task,
                             gpointer      source_object,
                             gpointer      task_data,
                             GCancellable *cancellable)
{
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(JsonObject) parameters = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  KeptParameters *kept;
  char *engine = NULL;

  contents = g_file_load_bytes (task_data, cancellable, NULL, &error);
  if (contents != NULL)
    texts = osais_png_text_read (contents, &error);
  if (texts == NULL || !osais_png_text_extract_parameters (texts, &engine, &parameters, NULL))
    {
      g_debug ("No parameters kept in the opened image%s%s", error != NULL ? ": " : "",
               error != NULL ? error->message : "");
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  kept = g_new0 (KeptParameters, 1);
  kept->engine = engine;
  root = json_node_init_object (json_node_alloc (), parameters);
  kept->parameters = json_to_string (root, FALSE);
  g_task_return_pointer (task, kept, (GDestroyNotify) kept_parameters_free);
}

static void
kept_parameters_read_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  OsaisWindow *self = OSAIS_WINDOW (object);
  KeptParameters *kept = g_task_propagate_pointer (G_TASK (result), NULL);
  AdwToast *toast;

  if (kept == NULL)
    return;

  g_free (self->offered_engine);
  g_free (self->offered_parameters);
  self->offered_engine = g_steal_pointer (&kept->engine);
  self->offered_parameters = g_steal_pointer (&kept->parameters);
  kept_parameters_free (kept);

  toast = adw_toast_new (_("This image keeps the parameters it was made with"));
  adw_toast_set_button_label (toast, _("Use Its _Parameters"));
  adw_toast_set_action_name (toast, "win.use-image-parameters");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* An image opened or dropped may say how it was made: offer that, besides
 * using it as input. */
static void
offer_kept_parameters (OsaisWindow *self,
                       GFile       *file)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->parameters_cancellable);
  g_clear_object (&self->parameters_cancellable);
  self->parameters_cancellable = g_cancellable_new ();

  task = g_task_new (self, self->parameters_cancellable, kept_parameters_read_cb, NULL);
  g_task_set_source_tag (task, offer_kept_parameters);
  g_task_set_name (task, "[osais] read an image's parameters");
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, read_kept_parameters_thread);
}

static void
use_image_parameters_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  if (self->offered_engine == NULL)
    return;

  select_engine_by_name (self, self->offered_engine);
  osais_request_form_set_values_from_json (self->form, self->offered_parameters);
  adw_flap_set_reveal_flap (self->flap, TRUE);
  osais_request_form_focus_prompt (self->form);
}

void
osais_window_open_files (OsaisWindow  *self,
                         GFile       **files,
                         int           n_files)
{
  OsaisEngine *engine;

  g_return_if_fail (OSAIS_IS_WINDOW (self));

  if (n_files <= 0)
    return;

  if (n_files == 1)
    offer_kept_parameters (self, files[0]);

  engine = osais_request_form_get_engine (self->form);
  if (engine == NULL || osais_engine_get_input_param (engine) == NULL)
    offer_engines (self, engine, files, n_files);
  else if (n_files > 1)
    offer_batch (self, engine, files, n_files);
  else
    {
      osais_request_form_set_input_file (self->form, files[0]);
      adw_flap_set_reveal_flap (self->flap, TRUE);
    }
}

/* The GFiles of a GdkFileList (a drop); FALSE if it is empty. */
static gboolean
open_file_list (OsaisWindow *self,
                GSList      *files)
{
  g_autoptr(GPtrArray) array = g_ptr_array_new ();

  for (GSList *l = files; l != NULL; l = l->next)
    g_ptr_array_add (array, l->data);
  osais_window_open_files (self, (GFile **) array->pdata, (int) array->len);
  return array->len > 0;
}

/* Status ------------------------------------------------------------------ */

/* The lasting problem that matters most, if any, in the banner, with the
 * action that fixes it: a full disk loses results, a server that does not
 * listen never gets them, and without a login nothing can be sent. */
static void
update_banner (OsaisWindow     *self,
               gboolean         listening,
               const char      *server_error,
               OsaisLoginState  login_state)
{
  g_autofree char *title = NULL;
  const char *button = NULL;
  const char *action = NULL;

  if (self->history_error != NULL)
    {
      const char *data_dir = osais_session_get_data_dir (self->session);

      /* Nothing works without the history: this comes first. */
      if (g_error_matches (self->history_error, OSAIS_STORE_ERROR, OSAIS_STORE_ERROR_DAMAGED))
        {
          title = g_strdup_printf (_("The history in %s is damaged. It was left as it is."),
                                   data_dir);
          button = _("_Move Aside and Start Fresh");
          action = "app.move-history-aside";
        }
      else
        {
          if (g_error_matches (self->history_error, OSAIS_STORE_ERROR,
                               OSAIS_STORE_ERROR_TOO_NEW))
            title = g_strdup_printf (_("The history in %s comes from a newer OSAIS Studio. It "
                                       "was left as it is."), data_dir);
          else if (g_error_matches (self->history_error, OSAIS_STORE_ERROR,
                                    OSAIS_STORE_ERROR_READ_ONLY))
            title = g_strdup_printf (_("The data folder %s cannot be written: nothing can be "
                                       "stored"), data_dir);
          else
            title = g_strdup_printf (_("The history cannot be opened: %s"),
                                     self->history_error->message);
          button = _("_Open Folder");
          action = "win.open-data-folder";
        }
    }
  else if (self->disk_full)
    {
      title = g_strdup (_("The disk is full: new images cannot be stored until some space is "
                          "freed"));
      button = _("_Open Folder");
      action = "win.open-data-folder";
    }
  else if (self->images_read_only)
    {
      g_autofree char *images = g_build_filename (osais_session_get_data_dir (self->session),
                                                  "images", NULL);

      title = g_strdup_printf (_("The folder %s cannot be written: new images are refused"),
                               images);
      button = _("_Open Folder");
      action = "win.open-data-folder";
    }
  else if (!listening && server_error != NULL)
    {
      title = g_strdup (_("Not listening for results: the callback server could not start"));
      button = _("_Preferences");
      action = "app.preferences";
    }
  else if (login_state == OSAIS_LOGIN_STATE_FAILED)
    {
      OsaisAccountMode mode = osais_session_get_account_mode (self->session);
      const GError *failure = osais_session_get_login_failure (self->session);

      title = osais_login_failure_dup_title (mode, failure);
      switch (osais_login_failure_get_remedy (mode, failure))
        {
        case OSAIS_LOGIN_REMEDY_SIGN_IN:
          button = _("_Sign In…");
          action = "win.choose-sign-in";
          break;

        case OSAIS_LOGIN_REMEDY_RETRY:
          button = _("_Retry");
          action = "win.retry-login";
          break;

        case OSAIS_LOGIN_REMEDY_PREFERENCES:
        default:
          button = _("_Preferences");
          action = "app.preferences";
          break;
        }
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict == OSAIS_TUNNEL_VERDICT_RATE_LIMITED)
    {
      /* Nothing is known yet: only asking again later tells. */
      title = g_strdup (_("The callback URL was checked too often; try again in a few "
                          "seconds"));
      button = _("Check _Again");
      action = "win.check-public-url";
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE
           && self->found_url != NULL)
    {
      /* The best fix of all: the tunnel that does lead here. */
      title = g_strdup_printf (_("OSAIS cannot reach %s, but the %s tunnel %s leads to this "
                                 "computer"), self->reach_url,
                               osais_tunnel_kind_to_string (self->found_kind), self->found_url);
      button = _("_Use Tunnel");
      action = "win.use-found-tunnel";
    }
  else if (listening && self->reach != NULL
           && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
    {
      /* Results would be lost: OSAIS calls a URL that does not lead here. */
      if (self->reach->fix != NULL)
        title = g_strdup_printf (_("OSAIS cannot reach this computer: %s. %s"),
                                 self->reach->message, self->reach->fix);
      else
        title = g_strdup_printf (_("OSAIS cannot reach this computer: %s"),
                                 self->reach->message);
      /* The public URL's path is fixed in Preferences; everything else
       * outside the app (the tunnel, the other server), and then the
       * window must be able to check again by itself. */
      if (self->reach->verdict == OSAIS_TUNNEL_VERDICT_WRONG_PATH)
        {
          button = _("_Preferences");
          action = "app.preferences";
        }
      else
        {
          button = _("Check _Again");
          action = "win.check-public-url";
        }
    }
  else if (listening && self->found_url != NULL)
    {
      title = g_strdup_printf (_("The %s tunnel %s leads to this computer: OSAIS can send "
                                 "results through it"),
                               osais_tunnel_kind_to_string (self->found_kind), self->found_url);
      button = _("_Use Tunnel");
      action = "win.use-found-tunnel";
    }
  else if (listening && self->tunnel_problem != NULL)
    {
      title = g_strdup_printf (_("The running tunnel does not lead to this computer: %s"),
                               self->tunnel_problem);
      button = _("_Preferences");
      action = "app.preferences";
    }

  /* The text stays while the banner slides out. */
  if (title != NULL)
    {
      osais_banner_set_title (self->banner, title);
      osais_banner_set_button_label (self->banner, button);
      osais_banner_set_action_name (self->banner, action);
    }
  osais_banner_set_revealed (self->banner, title != NULL);
}

static void
update_status (OsaisWindow *self)
{
  g_autofree char *account = NULL;
  g_autofree char *server_uri = NULL;
  g_autofree char *server_error = NULL;
  g_autofree char *server_text = NULL;
  g_autofree char *subtitle = NULL;
  gboolean listening = FALSE;
  OsaisLoginState login_state = OSAIS_LOGIN_STATE_LOGGED_OUT;
  gboolean problem;

  if (self->session == NULL)
    return;

  g_object_get (self->session,
                "account-label", &account,
                "login-state", &login_state,
                "server-listening", &listening,
                "server-uri", &server_uri,
                "server-error", &server_error,
                NULL);

  if (listening && self->reach != NULL && self->reach->verdict == OSAIS_TUNNEL_VERDICT_REACHABLE)
    server_text = g_strdup_printf (_("Reachable at %s (%u ms)"), self->reach_url,
                                   (guint) (self->reach->round_trip / G_TIME_SPAN_MILLISECOND));
  else if (listening && self->reach != NULL
           && self->reach->verdict == OSAIS_TUNNEL_VERDICT_RATE_LIMITED)
    server_text = g_strdup (_("Not checked: too many checks"));
  else if (listening && self->reach != NULL)
    server_text = g_strdup (_("Not reachable from the internet"));
  else if (listening)
    server_text = g_strdup_printf (_("Listening on %s"), server_uri);
  else if (server_error != NULL)
    server_text = g_strdup_printf (_("Not listening: %s"), server_error);
  else
    server_text = g_strdup (_("Starting…"));

  /* The popover has the whole story, the reasons as the core gives them. */
  gtk_label_set_label (self->account_label, account != NULL ? account : "");
  gtk_label_set_label (self->server_label, server_text);

  /* The subtitle only names the state: the banner says what went wrong
   * and what to do, where there is room for it. */
  if (self->history_error != NULL)
    subtitle = g_strdup (_("The history is not open"));
  else
    subtitle = g_strdup_printf ("%s · %s",
                                login_state == OSAIS_LOGIN_STATE_FAILED ? _("Not signed in")
                                : account != NULL ? account : "",
                                listening ? server_text
                                : server_error != NULL ? _("Not listening") : _("Starting…"));
  adw_window_title_set_subtitle (self->window_title, subtitle);

  problem = self->history_error != NULL || self->disk_full || self->images_read_only
            || (!listening && server_error != NULL)
            || (self->reach != NULL && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
            || self->tunnel_problem != NULL
            || login_state == OSAIS_LOGIN_STATE_FAILED;
  gtk_image_set_from_icon_name (self->status_icon, problem ? "dialog-warning-symbolic"
                                                           : "network-transmit-receive-symbolic");
  update_banner (self, listening, server_error, login_state);
  /* Before the server started, nothing is known to be wrong. */
  osais_gallery_set_listening (self->gallery, listening || server_error == NULL);
}

static void
update_page (OsaisWindow *self)
{
  OsaisAccountMode mode = OSAIS_ACCOUNT_MODE_NONE;

  if (self->session != NULL)
    g_object_get (self->session, "account-mode", &mode, NULL);

  /* No cross-fade before the window is shown: it would paint the page it
   * leaves, which was never laid out. */
  gtk_stack_set_visible_child_full (self->main_stack,
                                    mode == OSAIS_ACCOUNT_MODE_NONE ? "welcome" : "studio",
                                    gtk_widget_get_mapped (GTK_WIDGET (self))
                                      ? GTK_STACK_TRANSITION_TYPE_CROSSFADE
                                      : GTK_STACK_TRANSITION_TYPE_NONE);
  if (mode != OSAIS_ACCOUNT_MODE_NONE)
    osais_request_form_focus_prompt (self->form);
  /* The main menu offers Sign Out only to someone signed in. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out",
                                 mode == OSAIS_ACCOUNT_MODE_ACCOUNT);
}

/* Reachability of the callback URL ---------------------------------------- */

static void
reach_checked_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OsaisWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  OsaisTunnelCheck *outcome = osais_tunnel_check_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->reach_cancellable);
  if (outcome == NULL)
    {
      g_debug ("The callback URL could not be checked: %s", error->message);
      return;
    }
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  self->reach = outcome;
  /* Not reachable: a tunnel that does lead here may be running (a quick
   * tunnel gets a new URL each time it starts). */
  update_tunnel_search (self);
  update_status (self);
}

/* Checks the public URL when there is one to check and it changed: offline
 * nothing calls back through a tunnel, and without a public URL the local
 * address is all there is. */
static void
update_reachability (OsaisWindow *self)
{
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  const char *public_url = osais_session_get_public_url (self->session);
  const char *public_uri = osais_session_get_public_uri (self->session);
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);
  gboolean wanted = server != NULL && public_url != NULL && public_uri != NULL
                    && osais_session_get_server_listening (self->session)
                    && mode != OSAIS_ACCOUNT_MODE_OFFLINE && mode != OSAIS_ACCOUNT_MODE_NONE;

  if (wanted && g_strcmp0 (public_uri, self->reach_url) == 0)
    return;

  g_cancellable_cancel (self->reach_cancellable);
  g_clear_object (&self->reach_cancellable);
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  g_clear_pointer (&self->reach_url, g_free);
  if (!wanted)
    return;

  self->reach_url = g_strdup (public_uri);
  self->reach_cancellable = g_cancellable_new ();
  osais_tunnel_check_async (public_uri, server, self->reach_cancellable, reach_checked_cb,
                            g_object_ref (self));
}

static void
check_public_url_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  /* Forgetting what was checked makes the same URL be checked again. */
  g_clear_pointer (&self->reach_url, g_free);
  update_reachability (self);
  update_status (self);
}

/* Finding a tunnel --------------------------------------------------------- */

static void
clear_found_tunnel (OsaisWindow *self)
{
  g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  g_clear_pointer (&self->found_url, g_free);
  g_clear_pointer (&self->tunnel_problem, g_free);
  self->find_port = 0;
}

/* Whether @url is the public URL already, give or take the final slash. */
static gboolean
is_public_url (OsaisWindow *self,
               const char  *url)
{
  return osais_tunnel_url_equal (osais_session_get_public_url (self->session), url);
}

static void
tunnels_found_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OsaisWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tunnels = osais_tunnel_find_finish (result, &error);
  g_autofree char *problem = NULL;
  OsaisTunnel *tunnel;

  /* Cancelled in dispose: the window may be gone; nothing else was given. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->find_cancellable);
  if (tunnels == NULL)
    {
      g_debug ("No tunnel could be looked for: %s", error->message);
      return;
    }

  tunnel = osais_tunnel_pick (tunnels, self->find_port, &problem);
  /* The public URL that was found unreachable is no offer. */
  if (tunnel != NULL && is_public_url (self, tunnel->public_url))
    return;
  if (tunnel != NULL)
    {
      self->found_url = g_strdup (tunnel->public_url);
      self->found_kind = tunnel->kind;
    }
  else if (tunnels->len > 0)
    {
      /* Nothing running is the common case, and says nothing wrong. */
      self->tunnel_problem = g_steal_pointer (&problem);
    }
  update_status (self);
}

/* Looks for a running tunnel to offer while OSAIS has no public URL to call,
 * or one found unreachable (an account, not offline): on a worker thread,
 * once per port the callback server listens on. */
static void
update_tunnel_search (OsaisWindow *self)
{
  OsaisCallbackServer *server = osais_session_get_callback_server (self->session);
  OsaisAccountMode mode = osais_session_get_account_mode (self->session);
  gboolean unreachable = self->reach != NULL
                         && self->reach->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE
                         && self->reach->verdict != OSAIS_TUNNEL_VERDICT_RATE_LIMITED;
  gboolean wanted = server != NULL && osais_session_get_server_listening (self->session)
                    && (osais_session_get_public_url (self->session) == NULL || unreachable)
                    && mode != OSAIS_ACCOUNT_MODE_OFFLINE && mode != OSAIS_ACCOUNT_MODE_NONE;
  guint port = wanted ? osais_callback_server_get_bound_port (server) : 0;

  if (wanted && port == self->find_port)
    return;

  clear_found_tunnel (self);
  if (!wanted)
    return;

  self->find_port = port;
  self->find_cancellable = g_cancellable_new ();
  /* No reference: a search outliving the window (a preferences window's
   * parent may be gone by then) is cancelled in dispose, and a cancelled
   * task finishes as cancelled even when its thread was done. */
  osais_tunnel_find_async (self->find_cancellable, tunnels_found_cb, self);
}

static void
use_found_tunnel_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  g_autofree char *url = g_strdup (self->found_url);

  g_debug ("Using the tunnel %s", url != NULL ? url : "(none)");
  if (url == NULL)
    return;

  /* As Preferences applies a public URL: saved, and taken by the running
   * server; its new public URI ends the offer and starts the check. */
  g_settings_set_string (self->settings, "public-url", url);
  osais_session_set_public_url (self->session, url);
}

static void
session_status_changed_cb (OsaisWindow *self)
{
  update_reachability (self);
  update_tunnel_search (self);
  update_status (self);
}

static void
session_mode_changed_cb (OsaisWindow *self)
{
  update_page (self);
  update_reachability (self);
  update_tunnel_search (self);
  update_status (self);
}

/* Engines ----------------------------------------------------------------- */

static void
select_engine_by_name (OsaisWindow *self,
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
  g_autofree char *markup = NULL;
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

  /* A toast's title is markup; the parser's words are not. */
  markup = g_markup_escape_text (title, -1);
  toast = adw_toast_new (markup);
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
  gtk_drop_down_set_model (self->engine_dropdown, engines);
  osais_image_viewer_set_engines (self->viewer, engines);
  osais_search_options_set_engines (self->search_options, engines);

  last_engine = g_settings_get_string (self->settings, "last-engine");
  select_engine_by_name (self, last_engine);
  show_engine_warnings (self);
}

static void
engine_selected_cb (OsaisWindow *self)
{
  OsaisEngine *engine = gtk_drop_down_get_selected_item (self->engine_dropdown);

  osais_request_form_set_engine (self->form, engine);
  if (engine == NULL)
    return;

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

/* Run says what it does: an icon in the compact header, else its label,
 * "Sending…" while OSAIS has not answered. */
static void
update_run_button (OsaisWindow *self)
{
  if (self->compact_header)
    gtk_button_set_icon_name (self->run_button, "media-playback-start-symbolic");
  else
    {
      gtk_button_set_label (self->run_button, self->sending ? _("Sending…") : _("_Run"));
      gtk_button_set_use_underline (self->run_button, TRUE);
      osais_mnemonic_names_fix (GTK_WIDGET (self->run_button));
    }
}

static void
set_sending (OsaisWindow *self,
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

/* Why Run is disabled shows beside it, and as its tooltip (whole, where the
 * caption is cut short); the compact header has no room for the caption. */
static void
update_run_reason (OsaisWindow *self)
{
  const char *reason = NULL;

  if (!osais_request_form_get_valid (self->form))
    reason = osais_request_form_get_invalid_reason (self->form);

  gtk_label_set_label (self->run_reason_label, reason != NULL ? reason : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_reason_label), reason);
  gtk_widget_set_visible (GTK_WIDGET (self->run_reason_label),
                          reason != NULL && !self->compact_header);
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
static void
request_sent (OsaisWindow *self,
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

  set_sending (self, FALSE);
  if (self->sending_card != NULL)
    osais_gallery_remove_sending (self->gallery, self->sending_card);
  g_clear_object (&self->sending_card);
  request_sent (self, job, error, _("The request was not sent"));
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

  set_sending (self, TRUE);
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

/* Run ×N ------------------------------------------------------------------ */

/* Up to this many, a batch is sent at once; more are asked first. */
#define BATCH_ASK_ABOVE 4
#define BATCH_MAX       32

typedef struct
{
  OsaisWindow      *self;
  OsaisGalleryItem *card;
} BatchRequest;

static void
batch_request_sent_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  BatchRequest *request = user_data;
  g_autoptr(OsaisWindow) self = request->self;
  g_autoptr(OsaisGalleryItem) card = request->card;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;

  g_free (request);
  job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  osais_gallery_remove_sending (self->gallery, card);
  request_sent (self, job, error, _("A request of the batch was not sent"));

  g_assert (self->batch_pending > 0);
  if (--self->batch_pending == 0)
    set_sending (self, FALSE);
}

static void
send_batch (OsaisWindow *self,
            guint        n)
{
  OsaisEngine *engine = osais_request_form_get_engine (self->form);
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *parameters = NULL;
  const char *content_type = NULL;
  GHashTableIter iter;
  gpointer name, value;

  if (engine == NULL || !osais_request_form_get_valid (self->form) || self->sending || n == 0)
    return;

  set_sending (self, TRUE);
  osais_last_form_save (self->last_form);
  values = osais_request_form_dup_values (self->form);
  input = osais_request_form_dup_input (self->form, &content_type);

  /* Fresh seeds: a seed not given is drawn for each request as it is
   * built, so N requests make N different images. */
  for (guint i = 0; i < osais_engine_get_n_params (engine); i++)
    {
      const OsaisEngineParam *param = osais_engine_get_param (engine, i);

      if (param->type == OSAIS_PARAM_TYPE_FUNCTION)
        g_hash_table_remove (values, param->name);
    }

  g_hash_table_iter_init (&iter, values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (value != NULL)
      json_object_set_string_member (object, name, value);
  root = json_node_init_object (json_node_alloc (), object);
  parameters = json_to_string (root, FALSE);

  self->batch_pending = n;
  for (guint i = 0; i < n; i++)
    {
      BatchRequest *request = g_new0 (BatchRequest, 1);

      request->self = g_object_ref (self);
      request->card = g_object_ref (osais_gallery_add_sending (self->gallery,
                                                               osais_engine_get_name (engine),
                                                               parameters));
      osais_session_submit_async (self->session, osais_engine_get_name (engine), values,
                                  input, content_type, NULL, batch_request_sent_cb, request);
    }
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
}

static void
batch_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   OsaisWindow      *self)
{
  if (g_strcmp0 (response, "run") == 0)
    send_batch (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "n")));
}

static void
run_batch_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);
  OsaisEngine *engine = osais_request_form_get_engine (self->form);
  guint n = MIN (g_variant_get_uint32 (parameter), BATCH_MAX);
  GtkWidget *dialog;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *run = NULL;
  g_autofree char *each = NULL;
  g_autofree char *total = NULL;
  gint64 cost;

  if (engine == NULL || !osais_request_form_get_valid (self->form) || self->sending || n == 0)
    return;
  if (n <= BATCH_ASK_ABOVE)
    {
      send_batch (self, n);
      return;
    }

  /* More than a few paid requests: ask, with what they are likely to cost. */
  cost = osais_engine_get_default_cost (engine);
  heading = g_strdup_printf (ngettext ("Run %u Request?", "Run %u Requests?", n), n);
  if (cost > 0)
    {
      each = osais_cost_format (cost);
      total = osais_cost_format (cost * n);
      /* Translators: the first %s is a duration for all the requests, the
       * second for each, as in "about 16 seconds (about 2 seconds each)". */
      body = g_strdup_printf (_("Each request is paid for, with a new seed. Estimated cost: "
                                "%s of AI processing (%s each)."), total, each);
    }
  else
    body = g_strdup (_("Each request is paid for, with a new seed. This AI engine gives no "
                       "estimate of its cost."));
  run = g_strdup_printf (ngettext ("_Run %u Request", "_Run %u Requests", n), n);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "run", run,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "run");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "n", GUINT_TO_POINTER (n));
  g_signal_connect_object (dialog, "response", G_CALLBACK (batch_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
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
image_activated_cb (OsaisWindow *self,
                    OsaisImage  *image,
                    OsaisJob    *job)
{
  osais_image_viewer_set_image (self->viewer, image, job);
  gtk_stack_set_visible_child_name (self->content_stack, "viewer");
}

static void
viewer_closed_cb (OsaisWindow *self)
{
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
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
  select_engine_by_name (self, osais_job_get_engine (job));
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
  select_engine_by_name (self, engine);
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
  osais_image_viewer_set_image (self->viewer, NULL, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
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
  osais_search_filter_set_result (self->search_filter, found);
  osais_gallery_set_filter (self->gallery, GTK_FILTER (self->search_filter));
}

/* Runs the search for what the entry says (GtkSearchEntry waits for a pause
 * in the typing first), or shows everything again. */
static void
search_changed_cb (OsaisWindow *self)
{
  OsaisStore *store = osais_session_get_store (self->session);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean favourites = gtk_toggle_button_get_active (self->search_favourites_button);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  OsaisSearchQuery query = { 0 };
  gboolean filtered = osais_search_options_fill_query (self->search_options, &query, now);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (store == NULL || !gtk_search_bar_get_search_mode (self->search_bar) ||
      (*text == '\0' && !favourites && !filtered))
    {
      osais_gallery_set_filter (self->gallery, NULL);
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
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  search_changed_cb (self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  /* The search filters the gallery: it is shown. */
  osais_image_viewer_set_image (self->viewer, NULL, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
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

/* The job runs, but Compare will lack its input: said, not lost. */
static void
input_not_kept_cb (OsaisWindow *self,
                   OsaisJob    *job,
                   const char  *message)
{
  osais_window_show_error (self, _("The input image could not be kept for comparing"), message);
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

  osais_image_viewer_set_image (self->viewer, NULL, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
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

  request_sent (self, job, error, _("The request was not sent again"));
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

/* Files dropped on a part of the window that hands them up (the input
 * well), by URI. */
static void
open_files_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autofree const char **uris = g_variant_get_strv (parameter, NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; uris[i] != NULL; i++)
    g_ptr_array_add (files, g_file_new_for_uri (uris[i]));
  osais_window_open_files (OSAIS_WINDOW (widget), (GFile **) files->pdata, (int) files->len);
}

/* Drag and drop ----------------------------------------------------------- */

static gboolean
drop_cb (OsaisWindow   *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return open_file_list (self, g_value_get_boxed (value));

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (g_value_get_object (value));

      osais_request_form_set_input_bytes (self->form, png);
      return TRUE;
    }

  return FALSE;
}

/* Narrow windows --------------------------------------------------------- */

/* When the sidebar folds (a phone, a narrow window), Run and the status
 * become icons and Select goes, so that the header bar, which then also
 * shows the sidebar button, still fits 360 px with the engine's name whole. */
static void
set_compact_header (OsaisWindow *self,
                    gboolean     compact)
{
  /* Called while the flap allocates: changing nothing must not queue a
   * resize, or the header bar is painted without an allocation. */
  if (self->compact_header == compact)
    return;
  self->compact_header = compact;

  update_run_button (self);
  update_run_reason (self);
  gtk_stack_set_visible_child_name (self->status_stack, compact ? "icon" : "title");
  gtk_widget_set_visible (self->select_button, !compact);
}

static gboolean
update_compact_header_cb (gpointer user_data)
{
  OsaisWindow *self = user_data;

  self->compact_header_source = 0;
  set_compact_header (self, adw_flap_get_folded (self->flap));
  return G_SOURCE_REMOVE;
}

/* A width asked for at once (a restored size, a tiling request), below what
 * the wide header needs: GTK would clamp the window to that header's
 * minimum, and the sidebar would fold only at that width, leaving the
 * window wider than asked. The header turns compact first, so that the
 * size asked for is the size given; the allocation corrects it if the
 * sidebar still fits. */
static void
default_width_cb (OsaisWindow *self)
{
  int width = 0;
  int height = 0;
  int min_width = 0;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (self->compact_header || width <= 0)
    return;

  gtk_widget_measure (GTK_WIDGET (self), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL,
                      NULL, NULL);
  if (width < min_width)
    set_compact_header (self, TRUE);
}

/* The flap knows whether it folds only once it is allocated: the header
 * follows between frames, not in the middle of this layout, and before the
 * next one (GTK's layout and paint have lower priorities; a plain idle
 * would wait for as long as anything animates). */
static void
osais_window_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  OsaisWindow *self = OSAIS_WINDOW (widget);

  GTK_WIDGET_CLASS (osais_window_parent_class)->size_allocate (widget, width, height, baseline);

  if (self->compact_header != adw_flap_get_folded (self->flap)
      && self->compact_header_source == 0)
    self->compact_header_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_compact_header_cb,
                                                   self, NULL);
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
  update_page (self);
  /* A window opened later, on a session already listening, gets no notify. */
  update_reachability (self);
  update_tunnel_search (self);
  update_status (self);
  form_validity_changed_cb (self);
}

static void
osais_window_dispose (GObject *object)
{
  OsaisWindow *self = OSAIS_WINDOW (object);

  g_clear_handle_id (&self->compact_header_source, g_source_remove);
  g_cancellable_cancel (self->parameters_cancellable);
  g_clear_object (&self->parameters_cancellable);
  g_clear_pointer (&self->offered_engine, g_free);
  g_clear_error (&self->history_error);
  g_cancellable_cancel (self->reach_cancellable);
  g_clear_object (&self->reach_cancellable);
  g_clear_pointer (&self->reach, osais_tunnel_check_free);
  g_clear_pointer (&self->reach_url, g_free);
  clear_found_tunnel (self);
  g_clear_object (&self->sending_card);
  g_clear_object (&self->last_form);
  g_clear_pointer (&self->offered_parameters, g_free);
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->search_filter);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  g_clear_object (&self->store_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_WINDOW);
  g_clear_object (&self->session_signals);
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
  widget_class->size_allocate = osais_window_size_allocate;

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
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, select_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, account_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, server_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, status_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, batch_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, run_reason_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, form);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, viewer);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_favourites_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_options);
  gtk_widget_class_bind_template_child (widget_class, OsaisWindow, search_count_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_mode_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.open-engines-folder", NULL,
                                   open_engines_folder_action);
  gtk_widget_class_install_action (widget_class, "win.open-data-folder", NULL,
                                   open_data_folder_action);
  gtk_widget_class_install_action (widget_class, "win.use-image-parameters", NULL,
                                   use_image_parameters_action);
  gtk_widget_class_install_action (widget_class, "win.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "win.retry-job", "x", retry_job_action);
  gtk_widget_class_install_action (widget_class, "win.show-job", "x", show_job_action);
  gtk_widget_class_install_action (widget_class, "win.open-files", "as", open_files_action);
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
  gtk_widget_class_install_action (widget_class, "win.run-batch", "u", run_batch_action);
  gtk_widget_class_install_action (widget_class, "win.check-public-url", NULL,
                                   check_public_url_action);
  gtk_widget_class_install_action (widget_class, "win.use-found-tunnel", NULL,
                                   use_found_tunnel_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
}

static void
osais_window_init (OsaisWindow *self)
{
  g_autoptr(GtkExpression) title = NULL;
  g_autoptr(GtkListItemFactory) button_factory = NULL;
  g_autoptr(GtkListItemFactory) list_factory = NULL;
  GtkDropTarget *drop_target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->last_form = osais_last_form_new (self->form);

  self->search_filter = osais_search_filter_new ();
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
  g_signal_connect_swapped (self->engine_dropdown, "notify::selected-item",
                            G_CALLBACK (engine_selected_cb), self);

  /* Compact until the first allocation says how wide the window is, so that
   * a narrow window never has a header bar wider than itself. */
  self->compact_header = FALSE;
  set_compact_header (self, TRUE);
  g_signal_connect (self, "notify::default-width", G_CALLBACK (default_width_cb), NULL);
  g_signal_connect_swapped (self->form, "notify::valid",
                            G_CALLBACK (form_validity_changed_cb), self);
  g_signal_connect_swapped (self->form, "notify::invalid-reason",
                            G_CALLBACK (update_run_reason), self);
  g_signal_connect_swapped (self->gallery, "image-activated",
                            G_CALLBACK (image_activated_cb), self);
  /* Previous and next walk the images in the gallery's order. */
  osais_image_viewer_set_model (self->viewer, osais_gallery_get_model (self->gallery));
  g_signal_connect_swapped (self->viewer, "closed", G_CALLBACK (viewer_closed_cb), self);
  g_signal_connect_swapped (self->viewer, "use-as-input", G_CALLBACK (use_as_input_cb), self);
  g_signal_connect_swapped (self->viewer, "reuse-parameters",
                            G_CALLBACK (reuse_parameters_cb), self);
  g_signal_connect_swapped (self->viewer, "delete-image", G_CALLBACK (delete_image_cb), self);
  g_signal_connect_swapped (self->viewer, "delete-job", G_CALLBACK (delete_job_cb), self);
  g_signal_connect_swapped (self->viewer, "set-favourite", G_CALLBACK (set_favourite_cb), self);

  self->store_signals = g_signal_group_new (OSAIS_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "notify::disk-full",
                                  G_CALLBACK (store_disk_full_cb), self);
  g_signal_group_connect_swapped (self->store_signals, "notify::images-read-only",
                                  G_CALLBACK (store_images_read_only_cb), self);
  /* A new job may match the search shown. */
  g_signal_group_connect_swapped (self->store_signals, "items-changed",
                                  G_CALLBACK (search_changed_cb), self);
  self->session_signals = g_signal_group_new (OSAIS_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::engines",
                                  G_CALLBACK (session_engines_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::store",
                                  G_CALLBACK (session_store_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-mode",
                                  G_CALLBACK (session_mode_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::account-label",
                                  G_CALLBACK (session_status_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::login-state",
                                  G_CALLBACK (session_status_changed_cb), self);
  /* A login that fails again, for another reason, stays FAILED. */
  g_signal_group_connect_swapped (self->session_signals, "notify::login-error",
                                  G_CALLBACK (session_status_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-listening",
                                  G_CALLBACK (session_status_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::server-error",
                                  G_CALLBACK (session_status_changed_cb), self);
  /* A restarted server listens on a new port without listening changing. */
  g_signal_group_connect_swapped (self->session_signals, "notify::server-uri",
                                  G_CALLBACK (session_status_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::public-uri",
                                  G_CALLBACK (session_status_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "input-not-kept",
                                  G_CALLBACK (input_not_kept_cb), self);

  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}
