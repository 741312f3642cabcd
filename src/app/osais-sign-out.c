/* osais-sign-out.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSignOut"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-secret.h"
#include "osais-sign-out.h"

static void
secret_cleared_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Without a keyring the secret could not have been kept either (storing
   * fails the same way): nothing is left behind to warn about. */
  if (!osais_secret_clear_finish (result, &error))
    g_debug ("The keyring did not forget the secret: %s", error->message);
}

static void
sign_out_now (OsaisSession *session,
              GSettings    *settings)
{
  g_autofree char *token = g_settings_get_string (settings, "client-token");

  if (*token != '\0')
    osais_secret_clear_async (token, NULL, secret_cleared_cb, NULL);
  osais_session_set_credentials (session, token, NULL);
  g_settings_set_enum (settings, "account-mode", OSAIS_ACCOUNT_MODE_NONE);
  osais_session_set_account_mode (session, OSAIS_ACCOUNT_MODE_NONE);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  OsaisSession *session = g_object_get_data (G_OBJECT (dialog), "session");
  GSettings *settings = g_object_get_data (G_OBJECT (dialog), "settings");

  if (g_str_equal (response, "sign-out") &&
      osais_session_get_account_mode (session) == OSAIS_ACCOUNT_MODE_ACCOUNT)
    sign_out_now (session, settings);
}

void
osais_sign_out (GtkWindow    *parent,
                OsaisSession *session,
                GSettings    *settings)
{
  GtkWidget *dialog;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (OSAIS_IS_SESSION (session));
  g_return_if_fail (G_IS_SETTINGS (settings));

  dialog = adw_message_dialog_new (parent, _("Sign Out?"),
                                   _("The client secret is removed from the keyring: signing "
                                     "in again needs it. Images already made stay in the "
                                     "gallery."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  /* The dialog lives as long as the answer is awaited; so do these. */
  g_object_set_data_full (G_OBJECT (dialog), "session", g_object_ref (session), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "settings", g_object_ref (settings),
                          g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}
