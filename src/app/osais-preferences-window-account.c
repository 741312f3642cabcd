/* osais-preferences-window-account.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The preferences' account: the mode chosen (offline, demo, an account),
 * signing in with a token and secret kept in the keyring, signing out.
 */

#define G_LOG_DOMAIN "OsaisPreferencesWindow"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "osais-login-failure.h"
#include "osais-preferences-window-private.h"
#include "osais-secret.h"
#include "osais-sign-out.h"

/* Account ----------------------------------------------------------------- */

static void
sign_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (widget);

  osais_sign_out (GTK_WINDOW (self), self->session, self->settings);
}

static void
apply_account_mode (OsaisPreferencesWindow *self,
                    OsaisAccountMode        mode)
{
  if (osais_session_get_account_mode (self->session) == mode)
    return;

  g_settings_set_enum (self->settings, "account-mode", mode);
  osais_session_set_account_mode (self->session, mode);
  osais_login_failure_log_in (self->session);
}

static void
mode_toggled_cb (OsaisPreferencesWindow *self,
                 GtkCheckButton         *button)
{
  if (self->syncing || !gtk_check_button_get_active (button))
    return;

  if (button == self->offline_check)
    apply_account_mode (self, OSAIS_ACCOUNT_MODE_OFFLINE);
  else if (button == self->demo_check)
    apply_account_mode (self, OSAIS_ACCOUNT_MODE_DEMO);
  /* "Your Client App" only shows the sign-in fields: the account is used
   * once Sign In succeeds. */
}

void
_osais_preferences_window_update_sign_in_action (OsaisPreferencesWindow *self)
{
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sign-in",
                                 !self->signing_in && *token != '\0');
}

static void
set_signing_in (OsaisPreferencesWindow *self,
                gboolean                signing_in)
{
  self->signing_in = signing_in;
  gtk_spinner_set_spinning (self->sign_in_spinner, signing_in);
  _osais_preferences_window_update_sign_in_action (self);
}

static void
credentials_changed_cb (OsaisPreferencesWindow *self)
{
  _osais_preferences_window_set_inline_error (self->sign_in_error_label, NULL);
  _osais_preferences_window_update_sign_in_action (self);
}

static void
credentials_activated_cb (OsaisPreferencesWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "preferences.sign-in", NULL);
}

typedef struct
{
  OsaisPreferencesWindow *self;
  char                   *token;
  char                   *secret;
  char                   *previous_token;
  gboolean                save_secret;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_clear_object (&sign_in->self);
  g_free (sign_in->token);
  g_clear_pointer (&sign_in->secret, osais_secret_free);
  g_free (sign_in->previous_token);
  g_free (sign_in);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SignIn, sign_in_free)

/* TRUE once the window was closed: its widgets are gone, but what the user
 * did (a login that succeeded) still counts. */
static gboolean
is_disposed (OsaisPreferencesWindow *self)
{
  return self->token_row == NULL;
}

static void
secret_cleared_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!osais_secret_clear_finish (result, &error))
    g_debug ("The previous token's secret stays in the keyring: %s", error->message);
}

static void
secret_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SignIn) sign_in = user_data;
  OsaisPreferencesWindow *self = sign_in->self;
  g_autoptr(GError) error = NULL;

  if (!osais_secret_store_finish (result, &error))
    {
      AdwToast *toast;

      /* Never a file instead: the account works until the app quits. */
      g_debug ("%s", error->message);
      if (is_disposed (self))
        return;
      toast = adw_toast_new (_("Signed in until you quit: no keyring keeps the secret"));
      adw_toast_set_timeout (toast, 0);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
      return;
    }

  /* A new token replaces the old one: its secret is of no further use. */
  if (sign_in->previous_token != NULL && *sign_in->previous_token != '\0'
      && g_strcmp0 (sign_in->previous_token, sign_in->token) != 0)
    osais_secret_clear_async (sign_in->previous_token, NULL, secret_cleared_cb, NULL);
}

static void
signed_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SignIn) sign_in = user_data;
  OsaisPreferencesWindow *self = sign_in->self;
  g_autoptr(GError) error = NULL;

  if (!osais_session_log_in_finish (OSAIS_SESSION (object), result, &error))
    {
      if (is_disposed (self))
        return;
      set_signing_in (self, FALSE);
      /* A newer login (another mode chosen meanwhile) says nothing about
       * these credentials. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *advice = NULL;

          advice = osais_login_failure_dup_advice (osais_session_get_server_origin (self->session),
                                                   error);
          _osais_preferences_window_set_inline_error (self->sign_in_error_label, advice);
        }
      return;
    }

  g_settings_set_string (self->settings, "client-token", sign_in->token);
  g_settings_set_enum (self->settings, "account-mode", OSAIS_ACCOUNT_MODE_ACCOUNT);
  if (sign_in->save_secret)
    {
      SignIn *store = g_steal_pointer (&sign_in);

      osais_secret_store_async (store->token, store->secret, NULL, secret_stored_cb, store);
    }

  if (is_disposed (self))
    return;
  set_signing_in (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
}

static void
log_in_with (SignIn *sign_in)
{
  OsaisPreferencesWindow *self = sign_in->self;

  osais_session_set_credentials (self->session, sign_in->token, sign_in->secret);
  osais_session_set_account_mode (self->session, OSAIS_ACCOUNT_MODE_ACCOUNT);
  /* No cancellable: closing the window does not take back a sign-in. */
  osais_session_log_in_async (self->session, NULL, signed_in_cb, sign_in);
}

static void
secret_found_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SignIn) sign_in = user_data;
  OsaisPreferencesWindow *self = sign_in->self;
  g_autoptr(GError) error = NULL;

  sign_in->secret = osais_secret_lookup_finish (result, &error);
  if (sign_in->secret == NULL)
    {
      g_autofree char *text = NULL;

      if (is_disposed (self))
        return;
      set_signing_in (self, FALSE);
      if (error != NULL)
        text = g_strdup_printf (_("%s. Enter the client secret to sign in."), error->message);
      else
        text = g_strdup (_("Enter the client secret: the keyring has none for this token."));
      _osais_preferences_window_set_inline_error (self->sign_in_error_label, text);
      return;
    }

  log_in_with (g_steal_pointer (&sign_in));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  OsaisPreferencesWindow *self = OSAIS_PREFERENCES_WINDOW (widget);
  g_autofree char *token = NULL;
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));
  SignIn *sign_in;

  if (self->signing_in)
    return;

  token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));
  if (*token == '\0')
    {
      _osais_preferences_window_set_inline_error (self->sign_in_error_label,
                                                  _("Enter the client token."));
      return;
    }

  _osais_preferences_window_set_inline_error (self->sign_in_error_label, NULL);
  set_signing_in (self, TRUE);

  sign_in = g_new0 (SignIn, 1);
  sign_in->self = g_object_ref (self);
  sign_in->token = g_steal_pointer (&token);
  sign_in->previous_token = g_settings_get_string (self->settings, "client-token");

  /* An empty secret field signs in with the secret the keyring keeps. */
  if (*secret == '\0')
    {
      osais_secret_lookup_async (sign_in->token, NULL, secret_found_cb, sign_in);
      return;
    }

  sign_in->secret = g_strdup (secret);
  sign_in->save_secret = TRUE;
  log_in_with (sign_in);
}

/* Class ------------------------------------------------------------------- */

void
_osais_preferences_window_class_account_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, mode_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, credentials_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, credentials_activated_cb);
  gtk_widget_class_install_action (widget_class, "preferences.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "preferences.sign-out", NULL, sign_out_action);
}
