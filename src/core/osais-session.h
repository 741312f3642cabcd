/* osais-session.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"

G_BEGIN_DECLS

/* Seconds without any change after which an unfinished job is marked stalled. */
#define OSAIS_SESSION_DEFAULT_STALL_TIMEOUT 120
/* How many failed jobs' input images are kept in memory for Retry. */
#define OSAIS_SESSION_MAX_RETAINED_INPUTS   16
/* Stands in for an input image's URL while parameters are validated,
 * before anything is registered with the callback server. */
#define OSAIS_SESSION_INPUT_URL_PLACEHOLDER "http://127.0.0.1/input/placeholder"

#define OSAIS_SESSION_ERROR (osais_session_error_quark ())

typedef enum
{
  OSAIS_SESSION_ERROR_NOT_STARTED,       /* start has not finished, or stop was called */
  OSAIS_SESSION_ERROR_NOT_LOGGED_IN,     /* no account chosen, or its login failed */
  OSAIS_SESSION_ERROR_NO_SERVER,         /* the callback server does not listen */
  OSAIS_SESSION_ERROR_INVALID_INPUT,     /* an input image the engine does not accept */
  OSAIS_SESSION_ERROR_INPUT_UNAVAILABLE, /* Retry: the input image is no longer held */
  OSAIS_SESSION_ERROR_INVALID_JOB,       /* Retry: the job's parameters cannot be read */
} OsaisSessionError;

GQuark osais_session_error_quark (void);

#define OSAIS_TYPE_SESSION (osais_session_get_type ())

/* The GTK-free controller an application stands on: it owns, for its
 * lifetime, the store, the engines, one callback server, the OSAIS client
 * and, offline, the simulator. Everything it does is asynchronous or brief;
 * it lives on the main context it was created on, and so do its
 * notifications.
 *
 * Settings (read-write; applied by the next start, log-in or restart-server):
 *   data-dir (string, construct-only; NULL: osais_store_default_data_dir()),
 *   server-origin (string, default OSAIS_CLIENT_DEFAULT_ORIGIN),
 *   account-mode (OsaisAccountMode, default NONE),
 *   listen-address (string, default "127.0.0.1"), listen-port (uint, default
 *   3024, 0 = any free port; used in every mode), public-url (string, nullable),
 *   stall-timeout (uint seconds, default 120, 0 = never; applied at once).
 * State (read-only, notify on change):
 *   store (OsaisStore, set as soon as it is open: history can show before the
 *   login ends), engines (GListModel of OsaisEngine), login-state
 *   (OsaisLoginState), login-error (string), account-label (string: "Signed in
 *   as NAME", "Demo account", "Offline simulator", "Not signed in", "Signing in…",
 *   or the login error), server-listening (boolean), server-uri and public-uri
 *   (strings, NULL while not listening), server-error (string: why the server
 *   does not listen), simulator (OsaisSimulator, offline mode only).
 *
 * A job that is not complete and has had no change (its `updated` time) for
 * stall-timeout seconds gets its OsaisJob:stalled property set; any change to
 * the job clears it.
 *
 * Signals: input-not-kept (OsaisJob *job, const char *message): the input
 * image a job was sent with could not be kept beside its results (see
 * osais_store_keep_input_async()): the job runs, but its results cannot be
 * compared with it. */
G_DECLARE_FINAL_TYPE (OsaisSession, osais_session, OSAIS, SESSION, GObject)

OsaisSession    *osais_session_new                  (const char          *data_dir);

const char      *osais_session_get_data_dir         (OsaisSession        *self);
const char      *osais_session_get_server_origin    (OsaisSession        *self);
void             osais_session_set_server_origin    (OsaisSession        *self,
                                                     const char          *server_origin);
OsaisAccountMode osais_session_get_account_mode     (OsaisSession        *self);
void             osais_session_set_account_mode     (OsaisSession        *self,
                                                     OsaisAccountMode     account_mode);
const char      *osais_session_get_listen_address   (OsaisSession        *self);
void             osais_session_set_listen_address   (OsaisSession        *self,
                                                     const char          *listen_address);
guint            osais_session_get_listen_port      (OsaisSession        *self);
void             osais_session_set_listen_port      (OsaisSession        *self,
                                                     guint                listen_port);
const char      *osais_session_get_public_url       (OsaisSession        *self);
/* A running callback server takes a new public URL at once (public-uri
 * follows): it changes where OSAIS calls, not where the server listens. */
void             osais_session_set_public_url       (OsaisSession        *self,
                                                     const char          *public_url);
guint            osais_session_get_stall_timeout    (OsaisSession        *self);
void             osais_session_set_stall_timeout    (OsaisSession        *self,
                                                     guint                stall_timeout);

/* How long each call to OSAIS may take, from the next login on (seconds; 0
 * keeps the client's default of 30): for tests, and for a slow link. */
void             osais_session_set_client_timeout   (OsaisSession        *self,
                                                     guint                seconds);

OsaisStore      *osais_session_get_store            (OsaisSession        *self);
/* The damage the store found in the history after the session started
 * with it (OSAIS_STORE_ERROR_DAMAGED; see osais_store_get_damage()): the
 * store is closed then, store is NULL, and nothing was written; a start
 * still under way fails with this error. The next start clears it. NULL
 * otherwise (notify::history-damage). */
const GError    *osais_session_get_history_damage   (OsaisSession        *self);
GListModel      *osais_session_get_engines          (OsaisSession        *self);
/* Messages about user engine descriptors that could not be read (NULL-terminated,
 * maybe empty; NULL before start). */
const char * const *osais_session_get_engine_warnings (OsaisSession      *self);
OsaisLoginState  osais_session_get_login_state      (OsaisSession        *self);
const char      *osais_session_get_login_error      (OsaisSession        *self);
/* The error the last login failed with (its domain and code say why), or
 * NULL unless login-state is FAILED. Changes when login-state does. */
const GError    *osais_session_get_login_failure    (OsaisSession        *self);
const char      *osais_session_get_account_label    (OsaisSession        *self);
gboolean         osais_session_get_server_listening (OsaisSession        *self);
const char      *osais_session_get_server_uri       (OsaisSession        *self);
const char      *osais_session_get_public_uri       (OsaisSession        *self);
const char      *osais_session_get_server_error     (OsaisSession        *self);
/* The running callback server, for checking its public URL; NULL when it
 * does not listen. */
OsaisCallbackServer *osais_session_get_callback_server (OsaisSession     *self);
OsaisSimulator  *osais_session_get_simulator        (OsaisSession        *self);

/* Kept in memory only, for ACCOUNT mode (the app keeps the secret in the
 * keyring); takes effect at the next log-in. */
void             osais_session_set_credentials      (OsaisSession        *self,
                                                     const char          *token,
                                                     const char          *secret);

/* Opens the store, loads the engines, starts the callback server, starts
 * the simulator in OFFLINE mode, then logs in per account-mode. Fails only
 * when the store cannot be opened (its error passes through); a server that
 * cannot listen sets server-error and a failed login sets login-error, and
 * the session stays usable for the history. Completes after the login
 * attempt. Call once. */
void             osais_session_start_async          (OsaisSession        *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         osais_session_start_finish         (OsaisSession        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Logs in again per account-mode, server-origin and the credentials (after
 * the user changed any of them), starting or stopping the simulator as the
 * mode needs. A newer log-in supersedes one in progress (which then fails
 * with G_IO_ERROR_CANCELLED and changes nothing). FALSE with the login
 * error when it fails; login-state and login-error say the same. */
void             osais_session_log_in_async         (OsaisSession        *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         osais_session_log_in_finish        (OsaisSession        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Restarts the callback server with the current listen-address, listen-port
 * and public-url. Returns FALSE (and sets server-error) when it cannot
 * listen. Input images registered before are served again under new URLs
 * only for Retry: a request sent earlier that has not fetched its input yet
 * will fail to. Brief: binding and joining the server thread. */
gboolean         osais_session_restart_server       (OsaisSession        *self,
                                                     GError             **error);
/* The same without blocking: the old server stops on a worker thread,
 * still acknowledging the callbacks being stored, then the new one starts.
 * Restarts asked for while one is stopping share its start, with the
 * settings as they are then. */
void             osais_session_restart_server_async  (OsaisSession        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean         osais_session_restart_server_finish (OsaisSession        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

/* Validates and sends a request, then records its job. @values maps
 * parameter names to text as typed (nullable); @input (nullable) is the
 * input image, checked against the engine's uiSelectPicture limits and
 * served by the callback server until the job ends; its type is read from
 * its bytes, and @input_content_type (nullable) must agree. Engine errors (naming
 * the parameter) and client errors pass through unchanged; nothing is sent
 * when validation fails. The job's parameters are the JSON body sent.
 * @cancellable covers the sending only: once OSAIS accepted the request,
 * its job is recorded regardless. */
void             osais_session_submit_async         (OsaisSession        *self,
                                                     const char          *engine_name,
                                                     GHashTable          *values,
                                                     GBytes              *input,
                                                     const char          *input_content_type,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
OsaisJob        *osais_session_submit_finish        (OsaisSession        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Sends @job's request again (the same JSON body, the same seed) as a new
 * job. An input image the session served for it is served again when the
 * session still holds it (jobs that failed in this session, the last
 * OSAIS_SESSION_MAX_RETAINED_INPUTS); else OSAIS_SESSION_ERROR_INPUT_UNAVAILABLE. */
void             osais_session_retry_async          (OsaisSession        *self,
                                                     OsaisJob            *job,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
OsaisJob        *osais_session_retry_finish         (OsaisSession        *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Stops the server and the simulator and closes the store (dispose does it
 * too). Waits for the store's pending writes and the server thread. */
void             osais_session_stop                 (OsaisSession        *self);

G_END_DECLS
