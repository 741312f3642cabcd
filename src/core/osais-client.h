/* osais-client.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_CLIENT_DEFAULT_ORIGIN "https://opensourceais.com/"
/* OSAIS recommends logging in again every 24 hours (the token lives 3 days). */
#define OSAIS_CLIENT_SESSION_LIFETIME (24 * 60 * 60)

#define OSAIS_CLIENT_ERROR (osais_client_error_quark ())

typedef enum
{
  OSAIS_CLIENT_ERROR_NOT_LOGGED_IN,   /* a private call before any login */
  OSAIS_CLIENT_ERROR_LOGIN_FAILED,    /* credentials refused, or data null */
  OSAIS_CLIENT_ERROR_HTTP,            /* an HTTP error status that is not retried */
  OSAIS_CLIENT_ERROR_NETWORK,         /* transport failure after retries */
  OSAIS_CLIENT_ERROR_TIMEOUT,         /* a call took longer than its timeout */
  OSAIS_CLIENT_ERROR_BAD_REPLY,       /* a reply we cannot read */
  OSAIS_CLIENT_ERROR_UNCERTAIN,       /* an AI request may or may not have been received: not resent */
} OsaisClientError;

GQuark osais_client_error_quark (void);

#define OSAIS_TYPE_CLIENT (osais_client_get_type ())

/* Properties: origin (string, construct), logged-in (boolean, read-only),
 * timeout (uint seconds per call), session-lifetime (uint seconds, default
 * 24 h), max-retries (uint), retry-base-delay (uint ms). */
G_DECLARE_FINAL_TYPE (OsaisClient, osais_client, OSAIS, CLIENT, GObject)

OsaisClient *osais_client_new                 (const char          *origin);
const char  *osais_client_get_origin          (OsaisClient         *self);
gboolean     osais_client_get_logged_in       (OsaisClient         *self);

/* Token + secret login; the credentials are kept in memory for renewals
 * and never logged. */
void         osais_client_login_async         (OsaisClient         *self,
                                               const char          *token,
                                               const char          *secret,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     osais_client_login_finish        (OsaisClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
void         osais_client_login_demo_async    (OsaisClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     osais_client_login_demo_finish   (OsaisClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* GET api/v1/private/client: returns data.user (a new reference). */
void         osais_client_get_info_async      (OsaisClient         *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
JsonObject  *osais_client_get_info_finish     (OsaisClient         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* POST api/v1/private/client/ai/<engine> with @parameters as its JSON body.
 * Never resent silently: only after a 401 that proves it was not accepted. */
void         osais_client_submit_async        (OsaisClient         *self,
                                               const char          *engine,
                                               JsonObject          *parameters,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean     osais_client_submit_finish       (OsaisClient         *self,
                                               GAsyncResult        *result,
                                               gint64              *uid,
                                               char               **token,
                                               GError             **error);

G_END_DECLS
