/* osais-session-submit.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sending and retrying requests: the body built from the engine, the input
 * image served to OSAIS by the callback server for as long as the job runs,
 * and kept for Retry.
 */

#define G_LOG_DOMAIN "OsaisSession"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "osais-callback-server.h"
#include "osais-client.h"
#include "osais-engine.h"
#include "osais-enums.h"
#include "osais-job.h"
#include "osais-session-private.h"
#include "osais-simulator.h"
#include "osais-store.h"

/* Job inputs ------------------------------------------------------------- */

void
_osais_session_job_input_unregister (JobInput *input)
{
  if (input->input_id != NULL && input->session->server != NULL)
    osais_callback_server_unregister_input (input->session->server, input->input_id);
  g_clear_pointer (&input->input_id, g_free);
}

void
_osais_session_job_input_free (gpointer data)
{
  JobInput *input = data;

  _osais_session_job_input_unregister (input);
  if (input->job != NULL)
    g_clear_signal_handler (&input->finished_id, input->job);
  g_clear_object (&input->job);
  g_clear_pointer (&input->data, g_bytes_unref);
  g_free (input->content_type);
  g_free (input);
}

/* The job no longer needs its input served: forget it, or keep its bytes
 * for Retry when the job failed. */
static void
job_input_job_ended (JobInput *input)
{
  OsaisSession *self = input->session;
  gboolean failed = osais_job_get_stage (input->job) == OSAIS_STAGE_ERROR;

  g_debug ("Job %" G_GINT64_FORMAT " ended: its input is %s", input->uid,
           failed ? "kept for Retry" : "no longer served");
  _osais_session_job_input_unregister (input);
  if (!failed)
    {
      g_hash_table_remove (self->job_inputs, &input->uid);
      return;
    }

  g_clear_signal_handler (&input->finished_id, input->job);
  g_clear_object (&input->job);
  g_queue_push_tail (&self->retained, g_memdup2 (&input->uid, sizeof input->uid));
  while (g_queue_get_length (&self->retained) > OSAIS_SESSION_MAX_RETAINED_INPUTS)
    {
      g_autofree gint64 *oldest = g_queue_pop_head (&self->retained);

      g_hash_table_remove (self->job_inputs, oldest);
    }
}

static void
job_finished_cb (OsaisJob   *job,
                 GParamSpec *pspec,
                 JobInput   *input)
{
  if (osais_job_get_finished (job))
    job_input_job_ended (input);
}

void
_osais_session_track_job_input (OsaisSession *self,
                                OsaisJob     *job,
                                GBytes       *data,
                                const char   *content_type,
                                char         *input_id)
{
  JobInput *input = g_new0 (JobInput, 1);

  input->session = self;
  input->uid = osais_job_get_uid (job);
  input->job = g_object_ref (job);
  input->data = g_bytes_ref (data);
  input->content_type = g_strdup (content_type);
  input->input_id = input_id;
  g_hash_table_replace (self->job_inputs, &input->uid, input);

  if (osais_job_get_finished (job))
    job_input_job_ended (input);
  else
    input->finished_id = g_signal_connect (job, "notify::finished",
                                           G_CALLBACK (job_finished_cb), input);
}

/* Submit and retry ------------------------------------------------------- */

typedef struct
{
  OsaisStore          *store;
  OsaisCallbackServer *server;
  char                *engine;
  JsonObject          *body;
  char                *body_text;
  guint                request_id;
  GBytes              *input;
  char                *content_type;
  char                *input_id;
} SubmitData;

static void
submit_data_free (gpointer data)
{
  SubmitData *submit = data;

  /* Still set: the request failed, so nobody will fetch the input. */
  if (submit->input_id != NULL)
    osais_callback_server_unregister_input (submit->server, submit->input_id);
  g_free (submit->input_id);
  g_clear_pointer (&submit->input, g_bytes_unref);
  g_free (submit->content_type);
  g_free (submit->body_text);
  g_clear_pointer (&submit->body, json_object_unref);
  g_free (submit->engine);
  g_clear_object (&submit->server);
  g_clear_object (&submit->store);
  g_free (submit);
}

/* The session can send a request: started, logged in, and called back. */
static gboolean
check_ready (OsaisSession  *self,
             GError       **error)
{
  if (self->store == NULL || self->engines == NULL || self->stopped)
    {
      g_set_error_literal (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                           _("The session is not started"));
      return FALSE;
    }
  if (self->client == NULL)
    {
      if (self->login_state == OSAIS_LOGIN_STATE_FAILED)
        g_set_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_LOGGED_IN,
                     _("Not signed in to OSAIS: %s"), self->login_error);
      else if (self->login_state == OSAIS_LOGIN_STATE_LOGGING_IN)
        g_set_error_literal (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_LOGGED_IN,
                             _("Still signing in to OSAIS"));
      else
        g_set_error_literal (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_LOGGED_IN,
                             _("Not signed in: choose how to reach OSAIS first"));
      return FALSE;
    }
  if (self->server == NULL)
    {
      g_set_error (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NO_SERVER,
                   _("The callback server is not running, so OSAIS could not report back: %s"),
                   self->server_error != NULL ? self->server_error : "not started");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  OsaisSession *session;
  OsaisJob     *job;
} KeepInput;

static void
keep_input_free (KeepInput *keep)
{
  g_object_unref (keep->session);
  g_object_unref (keep->job);
  g_free (keep);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeepInput, keep_input_free)

/* Without its input kept, a job's results cannot be compared with it: the
 * job goes on, and the user is told (input-not-kept). */
static void
input_kept_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(KeepInput) keep = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_keep_input_finish (OSAIS_STORE (object), result, &error))
    _osais_session_emit_input_not_kept (keep->session, keep->job, error->message);
}

static void
job_created_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OsaisSession *self = g_task_get_source_object (task);
  SubmitData *submit = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;

  job = osais_store_create_job_finish (OSAIS_STORE (object), result, &error);
  if (job == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("Job %" G_GINT64_FORMAT " created for %s", osais_job_get_uid (job), submit->engine);
  /* Kept beside the results, which the viewer compares with it. */
  if (submit->input != NULL)
    {
      KeepInput *keep = g_new0 (KeepInput, 1);

      keep->session = g_object_ref (self);
      keep->job = g_object_ref (job);
      osais_store_keep_input_async (OSAIS_STORE (object), osais_job_get_uid (job), submit->input,
                                    NULL, input_kept_cb, keep);
    }
  /* The input stays served for the job, by the server it was registered with. */
  if (submit->input != NULL && !self->stopped && submit->server == self->server)
    _osais_session_track_job_input (self, job, submit->input, submit->content_type,
                                    g_steal_pointer (&submit->input_id));
  g_task_return_pointer (task, g_steal_pointer (&job), g_object_unref);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SubmitData *submit = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  gint64 uid = 0;

  if (!osais_client_submit_finish (OSAIS_CLIENT (object), result, &uid, &token, &error))
    {
      g_debug ("The %s request failed: %s", submit->engine, error->message);
      osais_store_cancel_request (submit->store, submit->request_id);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* OSAIS has the request now: its job is recorded even if the caller
   * gave up meanwhile, or its callbacks would be refused. */
  osais_store_create_job_async (submit->store, submit->request_id, uid, token,
                                submit->engine, submit->body_text, NULL,
                                job_created_cb, g_steal_pointer (&task));
}

static void
send_request (OsaisSession *self,
              GTask        *task)
{
  SubmitData *submit = g_task_get_task_data (task);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), submit->body);

  submit->body_text = json_to_string (node, FALSE);
  submit->store = g_object_ref (self->store);
  g_debug ("Sending a %s request", submit->engine);
  submit->request_id = osais_store_begin_request (self->store);
  osais_client_submit_async (self->client, submit->engine, submit->body,
                             g_task_get_cancellable (task), submitted_cb, task);
}

/* Serves @submit's input and puts its URL in the body as @param_name. */
static void
register_input (OsaisSession *self,
                SubmitData   *submit,
                const char   *param_name)
{
  g_autofree char *url = NULL;

  submit->server = g_object_ref (self->server);
  url = osais_callback_server_register_input (self->server, submit->input, submit->content_type,
                                              &submit->input_id);
  json_object_set_string_member (submit->body, param_name, url);
}

void
osais_session_submit_async (OsaisSession        *self,
                            const char          *engine_name,
                            GHashTable          *values,
                            GBytes              *input,
                            const char          *input_content_type,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) request_values = NULL;
  const char *content_type = NULL;
  OsaisEngine *engine;
  SubmitData *submit;

  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (engine_name != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_session_submit_async);
  g_task_set_name (task, "[osais] session submit");

  if (!check_ready (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  engine = osais_engines_lookup (self->engines, engine_name);
  if (engine == NULL)
    {
      g_task_return_new_error (task, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_ENGINE,
                               _("Unknown engine “%s”"), engine_name);
      return;
    }

  if (input != NULL
      && !osais_engine_check_input (engine, input, &content_type, NULL, NULL, &error))
    {
      /* A limit not met is the session's INVALID_INPUT, as documented; an
       * image whose header cannot be read keeps the image check's error. */
      if (g_error_matches (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT))
        {
          g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INVALID_INPUT,
                                   "%s", error->message);
          return;
        }
      g_prefix_error (&error, _("The input image cannot be used: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Served with the type its bytes say: a file named .png that holds a
   * JPEG is caught here rather than by OSAIS. */
  if (input != NULL && input_content_type != NULL
      && g_ascii_strcasecmp (input_content_type, content_type) != 0)
    {
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INVALID_INPUT,
                               _("The input image is %s, not %s"), content_type,
                               input_content_type);
      return;
    }

  /* Validated before anything is served or sent; the input's URL is not
   * known yet, so a placeholder stands in for it. */
  request_values = g_hash_table_new (g_str_hash, g_str_equal);
  if (values != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, values);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (request_values, key, value);
    }
  if (input != NULL)
    g_hash_table_insert (request_values, osais_engine_get_input_param (engine)->name,
                         (gpointer) OSAIS_SESSION_INPUT_URL_PLACEHOLDER);

  submit = g_new0 (SubmitData, 1);
  g_task_set_task_data (task, submit, submit_data_free);
  submit->engine = g_strdup (osais_engine_get_name (engine));
  submit->body = osais_engine_build_request (engine, request_values, &error);
  if (submit->body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (input != NULL)
    {
      submit->input = g_bytes_ref (input);
      submit->content_type = g_strdup (content_type);
      register_input (self, submit, osais_engine_get_input_param (engine)->name);
    }

  send_request (self, g_steal_pointer (&task));
}

OsaisJob *
osais_session_submit_finish (OsaisSession  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* TRUE when @url is one this program's callback server served an input at. */
static gboolean
is_served_input_url (const char *url)
{
  const char *id = strrchr (url, '/');

  if (id == NULL || id - url < 6 || strncmp (id - 6, "/input", 6) != 0)
    return FALSE;

  id++;
  if (strlen (id) != INPUT_ID_LENGTH)
    return FALSE;
  for (guint i = 0; i < INPUT_ID_LENGTH; i++)
    if (!g_ascii_isxdigit (id[i]))
      return FALSE;
  return TRUE;
}

void
osais_session_retry_async (OsaisSession        *self,
                           OsaisJob            *job,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  const OsaisEngineParam *input_param = NULL;
  const char *input_name = "url_upload";
  const char *input_url;
  const char *parameters;
  OsaisEngine *engine;
  SubmitData *submit;
  JobInput *input;

  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (OSAIS_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_session_retry_async);
  g_task_set_name (task, "[osais] session retry");

  if (!check_ready (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  parameters = osais_job_get_parameters (job);
  if (parameters != NULL)
    root = json_from_string (parameters, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) || osais_job_get_engine (job) == NULL)
    {
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INVALID_JOB,
                               "Job %" G_GINT64_FORMAT " cannot be sent again: its parameters "
                               "are not known", osais_job_get_uid (job));
      return;
    }

  submit = g_new0 (SubmitData, 1);
  g_task_set_task_data (task, submit, submit_data_free);
  submit->engine = g_strdup (osais_job_get_engine (job));
  submit->body = json_object_ref (json_node_get_object (root));

  engine = osais_engines_lookup (self->engines, submit->engine);
  if (engine != NULL)
    input_param = osais_engine_get_input_param (engine);
  if (input_param != NULL)
    input_name = input_param->name;

  /* An input this session served must be served again, under a new URL;
   * one elsewhere on the web is OSAIS's to fetch again. */
  input_url = json_object_get_string_member_with_default (submit->body, input_name, NULL);
  input = g_hash_table_lookup (self->job_inputs, &(gint64) { osais_job_get_uid (job) });
  if (input != NULL && input_url != NULL)
    {
      submit->input = g_bytes_ref (input->data);
      submit->content_type = g_strdup (input->content_type);
      register_input (self, submit, input_name);
    }
  else if (input_url != NULL && is_served_input_url (input_url))
    {
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_INPUT_UNAVAILABLE,
                               "The input image of job %" G_GINT64_FORMAT " is no longer "
                               "available: submit it again", osais_job_get_uid (job));
      return;
    }

  g_debug ("Retrying job %" G_GINT64_FORMAT, osais_job_get_uid (job));
  send_request (self, g_steal_pointer (&task));
}

OsaisJob *
osais_session_retry_finish (OsaisSession  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
