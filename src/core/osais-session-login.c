/* osais-session-login.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Logging in: the account mode (online with a token and secret, demo,
 * offline with the simulator), the login itself and what it says.
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

/* Login ------------------------------------------------------------------ */

static void
set_login_state (OsaisSession    *self,
                 OsaisLoginState  state,
                 const char      *error_message,
                 const char      *account_label)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (state != OSAIS_LOGIN_STATE_FAILED)
    g_clear_error (&self->login_failure);
  if (self->login_state != state)
    {
      self->login_state = state;
      _osais_session_notify (self, PROP_LOGIN_STATE);
    }
  _osais_session_set_string (self, &self->login_error, error_message, PROP_LOGIN_ERROR);
  _osais_session_set_string (self, &self->account_label, account_label, PROP_ACCOUNT_LABEL);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
_osais_session_label_for_mode (OsaisAccountMode mode)
{
  switch (mode)
    {
    case OSAIS_ACCOUNT_MODE_OFFLINE:
      return _("Offline simulator");
    case OSAIS_ACCOUNT_MODE_DEMO:
      return _("Demo account");
    case OSAIS_ACCOUNT_MODE_ACCOUNT:
      return _("Signed in");
    case OSAIS_ACCOUNT_MODE_NONE:
    default:
      return _("Not signed in");
    }
}

typedef struct
{
  OsaisClient      *client;
  OsaisAccountMode  mode;
  GCancellable     *attempt;     /* this attempt's: a newer one cancels it */
  GCancellable     *cancellable; /* the caller's */
  gulong            cancelled_id;
} LoginData;

static void
login_data_free (gpointer data)
{
  LoginData *login = data;

  if (login->cancellable != NULL)
    g_cancellable_disconnect (login->cancellable, login->cancelled_id);
  g_clear_object (&login->cancellable);
  g_clear_object (&login->client);
  g_clear_object (&login->attempt);
  g_free (login);
}

/* TRUE when a newer login (or stop) replaced this attempt: it must then
 * change nothing. */
static gboolean
login_superseded (GTask *task)
{
  OsaisSession *self = g_task_get_source_object (task);
  LoginData *login = g_task_get_task_data (task);

  return self->login_cancellable != login->attempt;
}

static void
login_fail (GTask  *task,
            GError *error)
{
  OsaisSession *self = g_task_get_source_object (task);

  if (!login_superseded (task))
    {
      g_clear_object (&self->login_cancellable);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_login_state (self, OSAIS_LOGIN_STATE_LOGGED_OUT, NULL,
                         _osais_session_label_for_mode (OSAIS_ACCOUNT_MODE_NONE));
      else
        {
          g_debug ("Login failed: %s", error->message);
          g_clear_error (&self->login_failure);
          self->login_failure = g_error_copy (error);
          set_login_state (self, OSAIS_LOGIN_STATE_FAILED, error->message, error->message);
        }
    }
  g_task_return_error (task, error);
}

static void
login_succeed (GTask      *task,
               const char *account_label)
{
  OsaisSession *self = g_task_get_source_object (task);
  LoginData *login = g_task_get_task_data (task);

  if (login_superseded (task))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("A newer login replaced this one"));
      return;
    }

  g_debug ("Logged in to %s: %s", osais_client_get_origin (login->client), account_label);
  g_clear_object (&self->login_cancellable);
  g_set_object (&self->client, login->client);
  set_login_state (self, OSAIS_LOGIN_STATE_LOGGED_IN, NULL, account_label);
  g_task_return_boolean (task, TRUE);
}

static const char *
user_display_name (JsonObject *user)
{
  static const char * const members[] = { "username", "name", "email" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      const char *value = json_object_get_string_member_with_default (user, members[i], NULL);

      if (value != NULL && *value != '\0')
        return value;
    }
  return NULL;
}

static void
client_info_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autofree char *label = NULL;
  const char *name = NULL;

  user = osais_client_get_info_finish (OSAIS_CLIENT (object), result, &error);
  if (user != NULL)
    name = user_display_name (user);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      login_fail (task, g_steal_pointer (&error));
      return;
    }
  else
    /* The login itself worked: only the name is missing from the label. */
    g_debug ("Could not read the client's information: %s", error->message);

  /* Translators: %s is the OSAIS user name. */
  label = name != NULL ? g_strdup_printf (_("Signed in as %s"), name) : g_strdup (_("Signed in"));
  login_succeed (task, label);
}

static void
client_login_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoginData *login = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (login->mode == OSAIS_ACCOUNT_MODE_ACCOUNT)
    ok = osais_client_login_finish (OSAIS_CLIENT (object), result, &error);
  else
    ok = osais_client_login_demo_finish (OSAIS_CLIENT (object), result, &error);

  if (!ok)
    {
      login_fail (task, g_steal_pointer (&error));
      return;
    }

  if (login->mode == OSAIS_ACCOUNT_MODE_ACCOUNT)
    {
      osais_client_get_info_async (login->client, login->attempt, client_info_cb,
                                   g_steal_pointer (&task));
      return;
    }

  login_succeed (task, _osais_session_label_for_mode (login->mode));
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *attempt)
{
  g_cancellable_cancel (attempt);
}

void
_osais_session_log_in (OsaisSession        *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data,
                       gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  LoginData *login;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[osais] session log in");

  /* A newer login replaces the one in progress. */
  if (self->login_cancellable != NULL)
    g_cancellable_cancel (self->login_cancellable);
  g_clear_object (&self->login_cancellable);
  g_clear_object (&self->client);

  login = g_new0 (LoginData, 1);
  login->mode = self->account_mode;
  login->attempt = g_cancellable_new ();
  g_task_set_task_data (task, login, login_data_free);
  self->login_cancellable = g_object_ref (login->attempt);
  if (cancellable != NULL)
    {
      login->cancellable = g_object_ref (cancellable);
      login->cancelled_id = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (caller_cancelled_cb),
                                                   g_object_ref (login->attempt),
                                                   g_object_unref);
    }

  if (self->stopped)
    {
      login_fail (g_steal_pointer (&task),
                  g_error_new_literal (OSAIS_SESSION_ERROR, OSAIS_SESSION_ERROR_NOT_STARTED,
                                       _("The session is stopped")));
      return;
    }

  if (!_osais_session_update_simulator (self, &error))
    {
      g_prefix_error (&error, _("Could not start the offline simulator: "));
      login_fail (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }

  switch (login->mode)
    {
    case OSAIS_ACCOUNT_MODE_NONE:
      g_clear_object (&self->login_cancellable);
      set_login_state (self, OSAIS_LOGIN_STATE_LOGGED_OUT, NULL,
                       _osais_session_label_for_mode (OSAIS_ACCOUNT_MODE_NONE));
      g_task_return_boolean (task, TRUE);
      return;

    case OSAIS_ACCOUNT_MODE_OFFLINE:
      origin = osais_simulator_dup_origin (self->simulator);
      break;

    case OSAIS_ACCOUNT_MODE_ACCOUNT:
      if (self->token == NULL || *self->token == '\0'
          || self->secret == NULL || *self->secret == '\0')
        {
          login_fail (g_steal_pointer (&task),
                      g_error_new_literal (OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED,
                                           _("Enter your client token and secret to sign in")));
          return;
        }
      G_GNUC_FALLTHROUGH;

    case OSAIS_ACCOUNT_MODE_DEMO:
    default:
      origin = osais_client_normalize_origin (self->server_origin, &error);
      if (origin == NULL)
        {
          login_fail (g_steal_pointer (&task), g_steal_pointer (&error));
          return;
        }
      break;
    }

  set_login_state (self, OSAIS_LOGIN_STATE_LOGGING_IN, NULL, _("Signing in…"));
  login->client = osais_client_new (origin);
  if (self->client_timeout > 0)
    osais_client_set_timeout (login->client, self->client_timeout);
  g_debug ("Logging in to %s (%s)", origin, _osais_session_label_for_mode (login->mode));

  if (login->mode == OSAIS_ACCOUNT_MODE_ACCOUNT)
    osais_client_login_async (login->client, self->token, self->secret, login->attempt,
                              client_login_cb, g_steal_pointer (&task));
  else
    osais_client_login_demo_async (login->client, login->attempt,
                                   client_login_cb, g_steal_pointer (&task));
}

void
osais_session_log_in_async (OsaisSession        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (OSAIS_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  _osais_session_log_in (self, cancellable, callback, user_data, osais_session_log_in_async);
}

gboolean
osais_session_log_in_finish (OsaisSession  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (OSAIS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
