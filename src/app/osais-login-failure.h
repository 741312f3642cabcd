/* osais-login-failure.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "osais-core.h"

G_BEGIN_DECLS

/* What fixes a failed login, as the banner and the toasts offer it. */
typedef enum
{
  OSAIS_LOGIN_REMEDY_SIGN_IN,     /* other credentials: the sign-in fields */
  OSAIS_LOGIN_REMEDY_RETRY,       /* the same login later: OSAIS was not reachable */
  OSAIS_LOGIN_REMEDY_PREFERENCES, /* a setting: the server address, the account */
} OsaisLoginRemedy;

/* The core's login errors say what failed in terms of the protocol, in
 * English, for the command line; these say it as the app does, translated,
 * from the error's code. The title is short (a banner, a status row): what
 * is wrong for a login in @mode. The advice is for the sign-in fields, with
 * what to do next; @origin is the server the login went to. */
char             *osais_login_failure_dup_title   (OsaisAccountMode  mode,
                                                   const GError     *error);
char             *osais_login_failure_dup_advice  (const char       *origin,
                                                   const GError     *error);
OsaisLoginRemedy  osais_login_failure_get_remedy  (OsaisAccountMode  mode,
                                                   const GError     *error);

/* Logs in on @session for a control that shows no outcome of its own: a
 * failure shows, with what fixes it, through the session's login-state (the
 * banner, the preferences' status), whoever started the login. */
void              osais_login_failure_log_in      (OsaisSession     *session);

G_END_DECLS
