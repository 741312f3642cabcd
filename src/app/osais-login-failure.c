/* osais-login-failure.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisLoginFailure"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-login-failure.h"

/* Both take a NULL error (no failure): g_error_matches() does. */
static gboolean
is_unreachable (const GError *error)
{
  return g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_NETWORK)
         || g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT);
}

static gboolean
is_refused (const GError *error)
{
  return g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED);
}

static gboolean
is_insecure (const GError *error)
{
  return g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TLS);
}

static gboolean
is_timeout (const GError *error)
{
  return g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT);
}

OsaisLoginRemedy
osais_login_failure_get_remedy (OsaisAccountMode  mode,
                                const GError     *error)
{
  /* The address (http or https) or the server's certificate: Preferences. */
  if (is_insecure (error))
    return OSAIS_LOGIN_REMEDY_PREFERENCES;
  if (is_unreachable (error))
    return OSAIS_LOGIN_REMEDY_RETRY;
  /* A refused demo login is OSAIS's own trouble: only time, or an account
   * of one's own, fixes it. */
  if (is_refused (error))
    return mode == OSAIS_ACCOUNT_MODE_DEMO ? OSAIS_LOGIN_REMEDY_RETRY
                                           : OSAIS_LOGIN_REMEDY_SIGN_IN;
  return OSAIS_LOGIN_REMEDY_PREFERENCES;
}

char *
osais_login_failure_dup_title (OsaisAccountMode  mode,
                               const GError     *error)
{
  if (is_insecure (error))
    return g_strdup (_("No secure connection to OSAIS: check the server address"));
  if (is_timeout (error))
    return g_strdup (_("OSAIS is not answering: try again later"));
  if (is_unreachable (error))
    return g_strdup (_("OSAIS is not reachable: check the network connection"));
  if (is_refused (error) && mode == OSAIS_ACCOUNT_MODE_DEMO)
    return g_strdup (_("OSAIS refused the demo login: try again later"));
  /* Refused credentials, or none in the keyring: either way, sign in. */
  if (is_refused (error))
    return g_strdup (_("Not signed in to OSAIS"));
  /* Offline, the login is to the built-in simulator: only starting it fails. */
  if (mode == OSAIS_ACCOUNT_MODE_OFFLINE)
    return g_strdup (_("The offline simulator could not start"));
  /* What remains (an answer that is not OSAIS's, an HTTP error) most often
   * comes from a wrong server address. */
  return g_strdup (_("Could not sign in to OSAIS: check the server address"));
}

char *
osais_login_failure_dup_advice (const char   *origin,
                                const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (is_insecure (error))
    /* Translators: %s is the OSAIS server's address. */
    return g_strdup_printf (_("Could not connect securely to %s: it does not speak HTTPS, "
                              "or its certificate is not valid. Check whether the address "
                              "starts with http:// or https://, then sign in again."),
                            origin);
  if (is_timeout (error))
    /* Translators: %s is the OSAIS server's address. */
    return g_strdup_printf (_("OSAIS at %s accepted the connection but did not answer in "
                              "time. It may be busy: try again later, or check the server "
                              "address."), origin);
  if (is_unreachable (error))
    /* Translators: %s is the OSAIS server's address. The technical reason
     * is in the connection status. */
    return g_strdup_printf (_("Could not reach OSAIS at %s. Check the network connection "
                              "and the server address, then try again."),
                            origin);
  if (is_refused (error))
    return g_strdup (_("OSAIS refused this client token and secret. Copy them again "
                       "from your client app on OSAIS, then sign in."));
  /* Anything else (a reply that cannot be read, an invalid server address)
   * is best said by the core's own message. */
  return g_strdup_printf (_("Could not sign in: %s"), error->message);
}

static void
logged_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!osais_session_log_in_finish (OSAIS_SESSION (object), result, &error))
    g_debug ("Login failed: %s", error->message);
}

void
osais_login_failure_log_in (OsaisSession *session)
{
  g_return_if_fail (OSAIS_IS_SESSION (session));

  osais_session_log_in_async (session, NULL, logged_in_cb, NULL);
}
