/* osais-secret.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OSAIS_SECRET_ERROR (osais_secret_error_quark ())

typedef enum
{
  OSAIS_SECRET_ERROR_UNAVAILABLE, /* no Secret Service (keyring) answered, or it refused */
} OsaisSecretError;

GQuark osais_secret_error_quark (void);

/* The client secret lives in the keyring (libsecret), keyed by the client
 * token, under the schema "com.opensourceais.Studio.Secret" with the
 * attribute token=<client token>. It is never written to GSettings or a
 * file: without a Secret Service these fail with
 * OSAIS_SECRET_ERROR_UNAVAILABLE and the caller says so. */

/* Finishes with the secret (free it with osais_secret_free()), or NULL and
 * no error when the keyring holds none for @token. */
void     osais_secret_lookup_async  (const char          *token,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
char    *osais_secret_lookup_finish (GAsyncResult        *result,
                                     GError             **error);

void     osais_secret_store_async   (const char          *token,
                                     const char          *secret,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean osais_secret_store_finish  (GAsyncResult        *result,
                                     GError             **error);

/* Removes the secret kept for @token (nothing to remove is a success). */
void     osais_secret_clear_async   (const char          *token,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean osais_secret_clear_finish  (GAsyncResult        *result,
                                     GError             **error);

/* Wipes the secret's memory before freeing it. */
void     osais_secret_free          (char                *secret);

G_END_DECLS
