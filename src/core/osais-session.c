/* osais-session.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session: its settings, the callback server and simulator it runs,
 * the engines, stalled jobs, and the GObject. Logging in is in
 * osais-session-login.c, sending and retrying requests (with the inputs
 * served for them) in osais-session-submit.c.
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

G_DEFINE_FINAL_TYPE (OsaisSession, osais_session, G_TYPE_OBJECT)

G_DEFINE_QUARK (osais-session-error-quark, osais_session_error)


enum {
  SIGNAL_INPUT_NOT_KEPT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GParamSpec *properties[N_PROPS];

void
_osais_session_notify (OsaisSession *self,
                       guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
_osais_session_emit_input_not_kept (OsaisSession *self,
                                    OsaisJob     *job,
                                    const char   *message)
{
  g_signal_emit (self, signals[SIGNAL_INPUT_NOT_KEPT], 0, job, message);
}

/* Replaces *@str with a copy of @value and notifies @prop_id when they differ. */
gboolean
_osais_session_set_string (OsaisSession  *self,
                           char         **str,
                           const char    *value,
                           guint          prop_id)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;

  g_free (*str);
  *str = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  return TRUE;
}

/* Stalled jobs ----------------------------------------------------------- */

static void
update_job_stalled (OsaisSession *self,
                    OsaisJob     *job,
                    GDateTime    *now)
{
  GDateTime *since = osais_job_get_updated (job);
  gboolean stalled = FALSE;

  if (since == NULL)
    since = osais_job_get_created (job);
  if (since != NULL && self->store_opened != NULL
      && g_date_time_compare (since, self->store_opened) < 0)
    since = self->store_opened;

  /* A failed job is done; a finished one still waiting for announced
   * images is not, since images can arrive after stage 5. */
  if (self->stall_timeout > 0 && since != NULL && !osais_job_is_complete (job))
    stalled = g_date_time_difference (now, since) >= self->stall_timeout * G_TIME_SPAN_SECOND;

  if (stalled && !osais_job_get_stalled (job))
    g_debug ("Job %" G_GINT64_FORMAT " stalled", osais_job_get_uid (job));
  osais_job_set_stalled (job, stalled);
}

static gboolean
check_stalled_cb (gpointer user_data)
{
  OsaisSession *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (self->store), i);

      update_job_stalled (self, job, now);
    }

  return G_SOURCE_CONTINUE;
}

static void
restart_stall_timer (OsaisSession *self)
{
  g_clear_handle_id (&self->stall_source, g_source_remove);
  if (self->store == NULL || self->stopped)
    return;

  /* At once, which also clears every mark when the timeout is now 0. */
  check_stalled_cb (self);
  if (self->stall_timeout == 0)
    return;

  /* Checked a few times per timeout, so that a job is marked at most a
   * quarter late, yet never more often than each second. */
  self->stall_source = g_timeout_add_seconds (CLAMP (self->stall_timeout / 4, 1, 30),
                                              check_stalled_cb, self);
  g_source_set_name_by_id (self->stall_source, "[osais] check stalled jobs");
}

/* Callback server and simulator ------------------------------------------ */

static void
set_server_state (OsaisSession *self,
                  gboolean      listening,
                  const char   *server_uri,
                  const char   *public_uri,
                  const char   *server_error)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->server_listening != listening)
    {
      self->server_listening = listening;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_LISTENING]);
    }
  _osais_session_set_string (self, &self->server_uri, server_uri, PROP_SERVER_URI);
  _osais_session_set_string (self, &self->public_uri, public_uri, PROP_PUBLIC_URI);
  _osais_session_set_string (self, &self->server_error, server_error, PROP_SERVER_ERROR);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Takes the server out of use, for the caller to stop. */
static OsaisCallbackServer *
detach_server (OsaisSession *self)
{
  GHashTableIter iter;
  JobInput *input;

  if (self->server == NULL)
    return NULL;

  /* The inputs die with the server; their bytes stay for Retry. */
  g_hash_table_iter_init (&iter, self->job_inputs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &input))
    _osais_session_job_input_unregister (input);

  set_server_state (self, FALSE, NULL, NULL, self->server_error);
  return g_steal_pointer (&self->server);
}

static void
stop_server (OsaisSession *self)
{
  g_autoptr(OsaisCallbackServer) server = detach_server (self);

  if (server != NULL)
    osais_callback_server_stop (server);
  /* A restart's server still stopping holds its port and the store. */
  if (self->stopping_server != NULL)
    osais_callback_server_stop (self->stopping_server);
}

static gboolean
start_server (OsaisSession  *self,
              GError       **error)
{
  g_autoptr(OsaisCallbackServer) server = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *server_uri = NULL;
  g_autofree char *public_uri = NULL;

  g_assert (self->store != NULL);

  stop_server (self);

  server = osais_callback_server_new (self->store);
  g_object_set (server,
                "address", self->listen_address,
                "port", self->listen_port,
                "public-url", self->public_url,
                NULL);
  if (!osais_callback_server_start (server, &local_error))
    {
      g_debug ("The callback server does not listen: %s", local_error->message);
      set_server_state (self, FALSE, NULL, NULL, local_error->message);
      if (self->simulator != NULL)
        osais_simulator_set_callback_url (self->simulator, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self->server = g_steal_pointer (&server);
  server_uri = osais_callback_server_dup_local_uri (self->server);
  public_uri = osais_callback_server_dup_public_uri (self->server);
  g_debug ("The callback server listens on %s (public: %s)", server_uri, public_uri);
  set_server_state (self, TRUE, server_uri, public_uri, NULL);
  if (self->simulator != NULL)
    osais_simulator_set_callback_url (self->simulator, public_uri);

  return TRUE;
}

static void
stop_simulator (OsaisSession *self)
{
  if (self->simulator == NULL)
    return;

  osais_simulator_stop (self->simulator);
  g_clear_object (&self->simulator);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIMULATOR]);
}

/* Starts the simulator in OFFLINE mode and stops it in any other. */
gboolean
_osais_session_update_simulator (OsaisSession  *self,
                                 GError       **error)
{
  g_autoptr(OsaisSimulator) simulator = NULL;

  if (self->account_mode != OSAIS_ACCOUNT_MODE_OFFLINE)
    {
      stop_simulator (self);
      return TRUE;
    }
  if (self->simulator != NULL)
    return TRUE;

  /* Any free port: nothing outside this process talks to it. */
  simulator = osais_simulator_new ();
  if (!osais_simulator_start (simulator, "127.0.0.1", 0, error))
    return FALSE;

  /* The simulator calls back where OSAIS would: the public URI. */
  osais_simulator_set_callback_url (simulator, self->public_uri);
  self->simulator = g_steal_pointer (&simulator);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIMULATOR]);
  return TRUE;
}

/* Start ------------------------------------------------------------------ */

typedef struct
{
  GListModel *engines;
  GPtrArray  *warnings;
} LoadedEngines;

static void
loaded_engines_free (gpointer data)
{
  LoadedEngines *loaded = data;

  g_clear_object (&loaded->engines);
  g_clear_pointer (&loaded->warnings, g_ptr_array_unref);
  g_free (loaded);
}

/* User descriptors are files: read them off the main thread. */
static void
load_engines_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoadedEngines *loaded = g_new0 (LoadedEngines, 1);

  loaded->engines = osais_engines_load (&loaded->warnings);
  g_task_return_pointer (task, loaded, loaded_engines_free);
}

/* Whether the store found its history damaged while the session was
 * starting with it: the start then fails as if the opening had. */
static gboolean
start_found_damage (OsaisSession *self,
                    GTask        *task)
{
  if (self->history_damage == NULL)
    return FALSE;

  g_task_return_error (task, g_error_copy (self->history_damage));
  return TRUE;
}

static void
start_logged_in_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* Not fatal: login-state and login-error tell the user. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Started without a login: %s", error->message);

  if (!start_found_damage (OSAIS_SESSION (g_task_get_source_object (task)), task))
    g_task_return_boolean (task, TRUE);
}

static void
engines_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  OsaisSession *self = g_task_get_source_object (task);
  LoadedEngines *loaded = g_task_propagate_pointer (G_TASK (result), NULL);
  GCancellable *cancellable;

  g_assert (loaded != NULL);

  if (self->stopped)
    {
      loaded_engines_free (loaded);
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                               _("The session was stopped while starting"));
      return;
    }
  if (start_found_damage (self, task))
    {
      loaded_engines_free (loaded);
      return;
    }

  /* A start after a damaged history was moved aside loads them again. */
  g_clear_pointer (&self->engine_warnings, g_strfreev);
  g_clear_object (&self->engines);
  g_ptr_array_add (loaded->warnings, NULL);
  self->engine_warnings = (GStrv) g_ptr_array_steal (loaded->warnings, NULL);
  for (guint i = 0; self->engine_warnings[i] != NULL; i++)
    g_debug ("Engines: %s", self->engine_warnings[i]);
  self->engines = g_steal_pointer (&loaded->engines);
  loaded_engines_free (loaded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINES]);

  /* Not fatal: server-error says why, and the history stays usable. */
  start_server (self, NULL);

  cancellable = g_task_get_cancellable (task);
  _osais_session_log_in (self, cancellable, start_logged_in_cb, g_steal_pointer (&task),
                         osais_session_start_async);
}

/* The store found its history damaged after it opened: closed and set
 * aside, as a history refused at opening, until it is moved aside and the
 * session starts again. */
static void
store_damaged_cb (OsaisSession *self)
{
  const GError *damage = osais_store_get_damage (self->store);

  if (damage == NULL || self->history_damage != NULL)
    return;

  g_debug ("The history is damaged: %s", damage->message);
  self->history_damage = g_error_copy (damage);
  g_clear_handle_id (&self->stall_source, g_source_remove);
  stop_server (self);
  g_signal_handlers_disconnect_by_func (self->store, store_damaged_cb, self);
  osais_store_close (self->store);
  g_clear_object (&self->store);
  self->started = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_DAMAGE]);
}

static void
store_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GTask) engines_task = NULL;
  OsaisSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisStore) store = NULL;

  store = osais_store_open_finish (result, &error);
  if (store == NULL)
    {
      /* Nothing started: once the folder is fixed, start may be tried again. */
      self->started = FALSE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->stopped)
    {
      osais_store_close (store);
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                               _("The session was stopped while starting"));
      return;
    }

  self->store = g_steal_pointer (&store);
  g_clear_pointer (&self->store_opened, g_date_time_unref);
  self->store_opened = g_date_time_new_now_utc ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
  restart_stall_timer (self);
  g_signal_connect_swapped (self->store, "notify::damage", G_CALLBACK (store_damaged_cb), self);
  /* Found before the opening's callback, maybe. */
  store_damaged_cb (self);

  engines_task = g_task_new (self, NULL, engines_loaded_cb, g_steal_pointer (&task));
  g_task_set_source_tag (engines_task, osais_session_start_async);
  g_task_set_name (engines_task, "[osais] session load engines");
  g_task_run_in_thread (engines_task, load_engines_thread);
}

void
osais_session_start_async (OsaisSession        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  if (self->history_damage != NULL)
    {
      g_clear_error (&self->history_damage);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_DAMAGE]);
    }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_session_start_async);
  g_task_set_name (task, "[osais] session start");

  g_debug ("Starting with the data in %s", self->data_dir);
  osais_store_open_async (self->data_dir, cancellable, store_opened_cb, g_steal_pointer (&task));
}

gboolean
osais_session_start_finish (OsaisSession  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
osais_session_restart_server (OsaisSession  *self,
                              GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->store == NULL || self->stopped)
    {
      g_set_error_literal (error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                           _("The session is not started"));
      return FALSE;
    }

  return start_server (self, error);
}

static void
server_stopped_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OsaisSession) self = user_data;
  g_autoptr(GError) error = NULL;
  GList *tasks;
  gboolean ok;

  osais_callback_server_stop_finish (OSAIS_CALLBACK_SERVER (source_object), result);
  g_clear_object (&self->stopping_server);

  /* One start for every restart asked for meantime, with the settings as
   * they are now. */
  if (self->stopped)
    {
      ok = FALSE;
      g_set_error_literal (&error, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                           _("The session is not started"));
    }
  else
    ok = start_server (self, &error);

  tasks = g_steal_pointer (&self->restart_tasks);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      if (ok)
        g_task_return_boolean (l->data, TRUE);
      else
        g_task_return_error (l->data, g_error_copy (error));
    }
  g_list_free_full (tasks, g_object_unref);
}

void
osais_session_restart_server_async (OsaisSession        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  OsaisCallbackServer *server;

  g_return_if_fail (OSAIS_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_session_restart_server_async);

  if (self->store == NULL || self->stopped)
    {
      g_task_return_new_error (task, OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                               "%s", _("The session is not started"));
      return;
    }

  self->restart_tasks = g_list_append (self->restart_tasks, g_steal_pointer (&task));
  if (self->stopping_server != NULL)
    return;

  server = detach_server (self);
  if (server == NULL)
    {
      /* Nothing to stop: the start is brief (binding, starting threads). */
      GList *tasks = g_steal_pointer (&self->restart_tasks);

      if (start_server (self, &error))
        g_task_return_boolean (tasks->data, TRUE);
      else
        g_task_return_error (tasks->data, g_steal_pointer (&error));
      g_list_free_full (tasks, g_object_unref);
      return;
    }

  self->stopping_server = server;
  osais_callback_server_stop_async (server, server_stopped_cb, g_object_ref (self));
}

gboolean
osais_session_restart_server_finish (OsaisSession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stop ------------------------------------------------------------------- */

void
osais_session_stop (OsaisSession *self)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  if (self->stopped)
    return;

  g_debug ("Stopping");
  self->stopped = TRUE;
  if (self->login_cancellable != NULL)
    g_cancellable_cancel (self->login_cancellable);
  g_clear_object (&self->login_cancellable);
  g_clear_object (&self->client);
  g_clear_handle_id (&self->stall_source, g_source_remove);

  g_hash_table_remove_all (self->job_inputs);
  g_queue_clear_full (&self->retained, g_free);
  stop_server (self);
  stop_simulator (self);

  if (self->store != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->store, store_damaged_cb, self);
      osais_store_close (self->store);
      g_clear_object (&self->store);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
    }
}

/* GObject ---------------------------------------------------------------- */

OsaisSession *
osais_session_new (const char *data_dir)
{
  return g_object_new (OSAIS_TYPE_SESSION, "data-dir", data_dir, NULL);
}

static void
osais_session_constructed (GObject *object)
{
  OsaisSession *self = OSAIS_SESSION (object);

  G_OBJECT_CLASS (osais_session_parent_class)->constructed (object);

  if (self->data_dir == NULL)
    self->data_dir = osais_store_default_data_dir ();
}

static void
osais_session_dispose (GObject *object)
{
  OsaisSession *self = OSAIS_SESSION (object);

  osais_session_stop (self);
  g_clear_object (&self->engines);

  G_OBJECT_CLASS (osais_session_parent_class)->dispose (object);
}

static void
osais_session_finalize (GObject *object)
{
  OsaisSession *self = OSAIS_SESSION (object);

  g_clear_pointer (&self->job_inputs, g_hash_table_unref);
  g_clear_pointer (&self->engine_warnings, g_strfreev);
  g_clear_pointer (&self->store_opened, g_date_time_unref);
  g_clear_error (&self->history_damage);
  g_free (self->data_dir);
  g_free (self->server_origin);
  g_free (self->listen_address);
  g_free (self->public_url);
  g_free (self->token);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->login_error);
  g_clear_error (&self->login_failure);
  g_free (self->account_label);
  g_free (self->server_uri);
  g_free (self->public_uri);
  g_free (self->server_error);

  G_OBJECT_CLASS (osais_session_parent_class)->finalize (object);
}

static void
osais_session_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OsaisSession *self = OSAIS_SESSION (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_SERVER_ORIGIN:
      g_value_set_string (value, self->server_origin);
      break;

    case PROP_ACCOUNT_MODE:
      g_value_set_enum (value, self->account_mode);
      break;

    case PROP_LISTEN_ADDRESS:
      g_value_set_string (value, self->listen_address);
      break;

    case PROP_LISTEN_PORT:
      g_value_set_uint (value, self->listen_port);
      break;

    case PROP_PUBLIC_URL:
      g_value_set_string (value, self->public_url);
      break;

    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, self->stall_timeout);
      break;

    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_ENGINES:
      g_value_set_object (value, self->engines);
      break;

    case PROP_LOGIN_STATE:
      g_value_set_enum (value, self->login_state);
      break;

    case PROP_LOGIN_ERROR:
      g_value_set_string (value, self->login_error);
      break;

    case PROP_ACCOUNT_LABEL:
      g_value_set_string (value, self->account_label);
      break;

    case PROP_SERVER_LISTENING:
      g_value_set_boolean (value, self->server_listening);
      break;

    case PROP_SERVER_URI:
      g_value_set_string (value, self->server_uri);
      break;

    case PROP_PUBLIC_URI:
      g_value_set_string (value, self->public_uri);
      break;

    case PROP_SERVER_ERROR:
      g_value_set_string (value, self->server_error);
      break;

    case PROP_SIMULATOR:
      g_value_set_object (value, self->simulator);
      break;

    case PROP_HISTORY_DAMAGE:
      g_value_set_boxed (value, self->history_damage);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_session_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  OsaisSession *self = OSAIS_SESSION (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    case PROP_SERVER_ORIGIN:
      osais_session_set_server_origin (self, g_value_get_string (value));
      break;

    case PROP_ACCOUNT_MODE:
      osais_session_set_account_mode (self, g_value_get_enum (value));
      break;

    case PROP_LISTEN_ADDRESS:
      osais_session_set_listen_address (self, g_value_get_string (value));
      break;

    case PROP_LISTEN_PORT:
      osais_session_set_listen_port (self, g_value_get_uint (value));
      break;

    case PROP_PUBLIC_URL:
      osais_session_set_public_url (self, g_value_get_string (value));
      break;

    case PROP_STALL_TIMEOUT:
      osais_session_set_stall_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_session_class_init (OsaisSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  GParamFlags ro = (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  object_class->constructed = osais_session_constructed;
  object_class->dispose = osais_session_dispose;
  object_class->finalize = osais_session_finalize;
  object_class->get_property = osais_session_get_property;
  object_class->set_property = osais_session_set_property;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_ORIGIN] =
    g_param_spec_string ("server-origin", NULL, NULL, OSAIS_CLIENT_DEFAULT_ORIGIN, rw);
  properties[PROP_ACCOUNT_MODE] =
    g_param_spec_enum ("account-mode", NULL, NULL, OSAIS_TYPE_ACCOUNT_MODE,
                       OSAIS_ACCOUNT_MODE_NONE, rw);
  properties[PROP_LISTEN_ADDRESS] =
    g_param_spec_string ("listen-address", NULL, NULL, OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS, rw);
  properties[PROP_LISTEN_PORT] =
    g_param_spec_uint ("listen-port", NULL, NULL, 0, G_MAXUINT16,
                       OSAIS_CALLBACK_SERVER_DEFAULT_PORT, rw);
  properties[PROP_PUBLIC_URL] =
    g_param_spec_string ("public-url", NULL, NULL, NULL, rw);
  properties[PROP_STALL_TIMEOUT] =
    g_param_spec_uint ("stall-timeout", NULL, NULL, 0, G_MAXUINT / G_USEC_PER_SEC,
                       OSAIS_SESSION_DEFAULT_STALL_TIMEOUT, rw);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OSAIS_TYPE_STORE, ro);
  properties[PROP_ENGINES] =
    g_param_spec_object ("engines", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_LOGIN_STATE] =
    g_param_spec_enum ("login-state", NULL, NULL, OSAIS_TYPE_LOGIN_STATE,
                       OSAIS_LOGIN_STATE_LOGGED_OUT, ro);
  properties[PROP_LOGIN_ERROR] =
    g_param_spec_string ("login-error", NULL, NULL, NULL, ro);
  properties[PROP_ACCOUNT_LABEL] =
    g_param_spec_string ("account-label", NULL, NULL, NULL, ro);
  properties[PROP_SERVER_LISTENING] =
    g_param_spec_boolean ("server-listening", NULL, NULL, FALSE, ro);
  properties[PROP_SERVER_URI] =
    g_param_spec_string ("server-uri", NULL, NULL, NULL, ro);
  properties[PROP_PUBLIC_URI] =
    g_param_spec_string ("public-uri", NULL, NULL, NULL, ro);
  properties[PROP_SERVER_ERROR] =
    g_param_spec_string ("server-error", NULL, NULL, NULL, ro);
  properties[PROP_SIMULATOR] =
    g_param_spec_object ("simulator", NULL, NULL, OSAIS_TYPE_SIMULATOR, ro);
  properties[PROP_HISTORY_DAMAGE] =
    g_param_spec_boxed ("history-damage", NULL, NULL, G_TYPE_ERROR, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_INPUT_NOT_KEPT] =
    g_signal_new ("input-not-kept", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, OSAIS_TYPE_JOB, G_TYPE_STRING);
}

static void
osais_session_init (OsaisSession *self)
{
  self->server_origin = g_strdup (OSAIS_CLIENT_DEFAULT_ORIGIN);
  self->listen_address = g_strdup (OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS);
  self->listen_port = OSAIS_CALLBACK_SERVER_DEFAULT_PORT;
  self->stall_timeout = OSAIS_SESSION_DEFAULT_STALL_TIMEOUT;
  self->login_state = OSAIS_LOGIN_STATE_LOGGED_OUT;
  self->account_label = g_strdup (_osais_session_label_for_mode (OSAIS_ACCOUNT_MODE_NONE));
  self->job_inputs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                            _osais_session_job_input_free);
  g_queue_init (&self->retained);
}

/* Accessors -------------------------------------------------------------- */

const char *
osais_session_get_data_dir (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->data_dir;
}

const char *
osais_session_get_server_origin (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->server_origin;
}

void
osais_session_set_server_origin (OsaisSession *self,
                                 const char   *server_origin)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  if (server_origin == NULL)
    server_origin = OSAIS_CLIENT_DEFAULT_ORIGIN;
  _osais_session_set_string (self, &self->server_origin, server_origin, PROP_SERVER_ORIGIN);
}

OsaisAccountMode
osais_session_get_account_mode (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), OSAIS_ACCOUNT_MODE_NONE);

  return self->account_mode;
}

void
osais_session_set_account_mode (OsaisSession     *self,
                                OsaisAccountMode  account_mode)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (account_mode >= OSAIS_ACCOUNT_MODE_NONE
                    && account_mode <= OSAIS_ACCOUNT_MODE_ACCOUNT);

  if (self->account_mode == account_mode)
    return;

  self->account_mode = account_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_MODE]);
}

const char *
osais_session_get_listen_address (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->listen_address;
}

void
osais_session_set_listen_address (OsaisSession *self,
                                  const char   *listen_address)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  if (listen_address == NULL || *listen_address == '\0')
    listen_address = OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS;
  _osais_session_set_string (self, &self->listen_address, listen_address, PROP_LISTEN_ADDRESS);
}

guint
osais_session_get_listen_port (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), 0);

  return self->listen_port;
}

void
osais_session_set_listen_port (OsaisSession *self,
                               guint         listen_port)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (listen_port <= G_MAXUINT16);

  if (self->listen_port == listen_port)
    return;

  self->listen_port = listen_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTEN_PORT]);
}

const char *
osais_session_get_public_url (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->public_url;
}

/* Where OSAIS calls changes nothing the server listens on: the running
 * server takes a new public URL at once. A restart would free the port for
 * a moment, and another process could take it then, so a tunnel found after
 * the start, or a URL typed in Preferences, could cost the server. */
static void
apply_public_url (OsaisSession *self)
{
  g_autofree char *public_uri = NULL;

  g_object_set (self->server, "public-url", self->public_url, NULL);
  public_uri = osais_callback_server_dup_public_uri (self->server);
  _osais_session_set_string (self, &self->public_uri, public_uri, PROP_PUBLIC_URI);
  if (self->simulator != NULL)
    osais_simulator_set_callback_url (self->simulator, public_uri);
}

void
osais_session_set_public_url (OsaisSession *self,
                              const char   *public_url)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  if (public_url != NULL && *public_url == '\0')
    public_url = NULL;
  if (_osais_session_set_string (self, &self->public_url, public_url, PROP_PUBLIC_URL) &&
      self->server != NULL)
    apply_public_url (self);
}

guint
osais_session_get_stall_timeout (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), 0);

  return self->stall_timeout;
}

void
osais_session_set_stall_timeout (OsaisSession *self,
                                 guint         stall_timeout)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  if (self->stall_timeout == stall_timeout)
    return;

  self->stall_timeout = stall_timeout;
  restart_stall_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STALL_TIMEOUT]);
}

void
osais_session_set_client_timeout (OsaisSession *self,
                                  guint         seconds)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  self->client_timeout = seconds;
}

const GError *
osais_session_get_history_damage (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->history_damage;
}

OsaisStore *
osais_session_get_store (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->store;
}

GListModel *
osais_session_get_engines (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->engines;
}

const char * const *
osais_session_get_engine_warnings (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return (const char * const *) self->engine_warnings;
}

OsaisLoginState
osais_session_get_login_state (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), OSAIS_LOGIN_STATE_LOGGED_OUT);

  return self->login_state;
}

const char *
osais_session_get_login_error (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->login_error;
}

const GError *
osais_session_get_login_failure (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->login_failure;
}

const char *
osais_session_get_account_label (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->account_label;
}

OsaisCallbackServer *
osais_session_get_callback_server (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  if (self->server == NULL || !osais_callback_server_get_listening (self->server))
    return NULL;
  return self->server;
}

gboolean
osais_session_get_server_listening (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), FALSE);

  return self->server_listening;
}

const char *
osais_session_get_server_uri (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->server_uri;
}

const char *
osais_session_get_public_uri (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->public_uri;
}

const char *
osais_session_get_server_error (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->server_error;
}

OsaisSimulator *
osais_session_get_simulator (OsaisSession *self)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), NULL);

  return self->simulator;
}

void
osais_session_set_credentials (OsaisSession *self,
                               const char   *token,
                               const char   *secret)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));

  g_free (self->token);
  self->token = g_strdup (token);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  self->secret = g_strdup (secret);
}
