/* osais-window-files.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's files: one opened or dropped sets the input image, several
 * offer one job each (the engine and batch dialogs); the request a PNG
 * keeps is offered with "Use Its Parameters".
 */

#define G_LOG_DOMAIN "OsaisWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-window-private.h"

/* Files: one sets the input image; several offer one job each ---------- */

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

  _osais_window_select_engine_by_name (self, response);
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

  _osais_window_select_engine_by_name (self, self->offered_engine);
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

/* Class ------------------------------------------------------------------- */

void
_osais_window_class_files_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-data-folder", NULL,
                                   open_data_folder_action);
  gtk_widget_class_install_action (widget_class, "win.use-image-parameters", NULL,
                                   use_image_parameters_action);
  gtk_widget_class_install_action (widget_class, "win.open-files", "as", open_files_action);
}

void
_osais_window_dnd_init (OsaisWindow *self)
{
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };
  GtkDropTarget *drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_swapped (drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}
