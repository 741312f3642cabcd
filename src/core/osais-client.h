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
  OSAIS_CLIENT_ERROR_UNCERTAIN,       /* an AI request may have been received: not resent */
  OSAIS_CLIENT_ERROR_INVALID_ARGUMENT, /* an origin that is not http(s), a bad engine name */
  OSAIS_CLIENT_ERROR_TLS,             /* no secure connection: not HTTPS, or a bad certificate */
} OsaisClientError;

GQuark osais_client_error_quark (void);

#define OSAIS_TYPE_CLIENT (osais_client_get_type ())

/* Properties: origin (string, construct), logged-in (boolean, read-only),
 * timeout (uint seconds per call, retries and automatic re-login included;
 * 0 for none; default 30), session-lifetime (uint seconds, default 24 h),
 * max-retries (uint, default 3), retry-base-delay (uint ms, default 500).
 *
 * An origin that is not an http:// or https:// URL is kept, and every call
 * then fails with OSAIS_CLIENT_ERROR_INVALID_ARGUMENT; use
 * osais_client_normalize_origin() to check user input beforehand. Changing
 * the origin forgets the session and the credentials, so that neither is
 * ever sent to another server. */
G_DECLARE_FINAL_TYPE (OsaisClient, osais_client, OSAIS, CLIENT, GObject)

/* Returns @origin (NULL for the default) ending in "/", or NULL with
 * OSAIS_CLIENT_ERROR_INVALID_ARGUMENT when it is not an http(s) URL without
 * user info, query or fragment. */
char        *osais_client_normalize_origin    (const char          *origin,
                                               GError             **error);

OsaisClient *osais_client_new                 (const char          *origin);
const char  *osais_client_get_origin          (OsaisClient         *self);
void         osais_client_set_origin          (OsaisClient         *self,
                                               const char          *origin);
gboolean     osais_client_get_logged_in       (OsaisClient         *self);
guint        osais_client_get_timeout         (OsaisClient         *self);
void         osais_client_set_timeout         (OsaisClient         *self,
                                               guint                seconds);
guint        osais_client_get_session_lifetime (OsaisClient        *self);
void         osais_client_set_session_lifetime (OsaisClient        *self,
                                                guint               seconds);
guint        osais_client_get_max_retries     (OsaisClient         *self);
void         osais_client_set_max_retries     (OsaisClient         *self,
                                               guint                max_retries);
guint        osais_client_get_retry_base_delay (OsaisClient        *self);
void         osais_client_set_retry_base_delay (OsaisClient        *self,
                                                guint               milliseconds);

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
 * Never resent silently: only after a 401 that proves it was not accepted.
 * On success @uid and @token (both required in the reply) are set; a
 * transport failure once the request may have been written gives
 * OSAIS_CLIENT_ERROR_UNCERTAIN, a timeout then gives
 * OSAIS_CLIENT_ERROR_TIMEOUT with the same advice in its message. */
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
