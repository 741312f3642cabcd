/* osais-window-batch.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run ×N: the same request sent N times, after a dialog that says the cost.
 */

#define G_LOG_DOMAIN "OsaisWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-cost.h"
#include "osais-window-private.h"

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
  _osais_window_request_sent (self, job, error, _("A request of the batch was not sent"));

  g_assert (self->batch_pending > 0);
  if (--self->batch_pending == 0)
    _osais_window_set_sending (self, FALSE);
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

  _osais_window_set_sending (self, TRUE);
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

/* Class ------------------------------------------------------------------- */

void
_osais_window_class_batch_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.run-batch", "u", run_batch_action);
}
