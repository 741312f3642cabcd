/* osais-callback-server.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"

G_BEGIN_DECLS

/* Documented defaults and limits of the callback server. */
#define OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS   "127.0.0.1"
#define OSAIS_CALLBACK_SERVER_DEFAULT_PORT      3024
#define OSAIS_CALLBACK_SERVER_NOTIFY_MAX_BODY   (1 * 1024 * 1024)
#define OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY   (32 * 1024 * 1024)
/* The most connections the default cap allows, where descriptors allow it. */
#define OSAIS_CALLBACK_SERVER_MAX_CONNECTIONS   4096
#define OSAIS_CALLBACK_SERVER_HEADER_TIMEOUT_MS 10000 /* to receive the request head */
#define OSAIS_CALLBACK_SERVER_BODY_TIMEOUT_MS   60000 /* to receive the body */
/* A body slower than this on average, once the grace is over, is cut: a
 * slow-loris client holds its connection for seconds, not for the whole
 * body timeout. */
#define OSAIS_CALLBACK_SERVER_MIN_BODY_RATE     4096  /* bytes a second */
#define OSAIS_CALLBACK_SERVER_BODY_RATE_GRACE_MS 2000
/* Request bodies held in memory at once, all connections together (bodies
 * read into memory; uploads, streamed to disk, once whole and mapped until
 * their answer); beyond it a request gets 503 with Retry-After. */
#define OSAIS_CALLBACK_SERVER_BODY_MEMORY_BUDGET (128 * 1024 * 1024)
#define OSAIS_CALLBACK_SERVER_CHECK_RATE        20   /* checks answered a second, then 429 */
#define OSAIS_CALLBACK_SERVER_CHECK_NONCE_MIN   16   /* hex characters of a check's nonce */
#define OSAIS_CALLBACK_SERVER_CHECK_NONCE_MAX   64

#define OSAIS_CALLBACK_SERVER_ERROR (osais_callback_server_error_quark ())

typedef enum
{
  OSAIS_CALLBACK_SERVER_ERROR_LISTEN,     /* could not listen on the address and port */
  OSAIS_CALLBACK_SERVER_ERROR_INVALID,    /* an invalid address, port, base path or URL */
  OSAIS_CALLBACK_SERVER_ERROR_PORT_IN_USE, /* another program listens on the port */
} OsaisCallbackServerError;

GQuark osais_callback_server_error_quark (void);

#define OSAIS_TYPE_CALLBACK_SERVER (osais_callback_server_get_type ())

/* The embedded HTTP server OSAIS calls back: POST <base>notify,
 * POST <base>upload and GET <base>input/<id>; GET <base>check/<nonce>
 * answers {"proof":…,"data":{"token":"check","uid":<nonce>}} for checking
 * the public URL (see osais-tunnel.h). It runs on its own threads,
 * each with its own GMainContext; it hands every callback to the store and
 * acknowledges it once the store says it is durable.
 *
 * Properties (set before start): store (OsaisStore, construct-only),
 * address (string, default 127.0.0.1), port (uint, default 3024, 0 = any),
 * base-path (string, default "/"), public-url (string, nullable: the URL
 * OSAIS sees; defaults to the local URI), max-connections (uint; 0, the
 * default, follows the descriptors available), header-timeout-ms,
 * body-timeout-ms (uint), min-body-rate (uint bytes/s), body-rate-grace-ms
 * (uint), body-memory-budget (uint64 bytes), threads (uint: how many server
 * threads share the connections, each with its own GMainContext; 0, the
 * default, is one per processor, at most 4). Read-only: listening (boolean).
 *
 * Every answer closes its connection: one request per connection. */
G_DECLARE_FINAL_TYPE (OsaisCallbackServer, osais_callback_server, OSAIS, CALLBACK_SERVER, GObject)

OsaisCallbackServer *osais_callback_server_new            (OsaisStore          *store);
/* Binds and starts the server threads; returns once it listens. */
gboolean             osais_callback_server_start          (OsaisCallbackServer *self,
                                                           GError             **error);
/* Stops accepting, closes connections and joins the threads. */
void                 osais_callback_server_stop           (OsaisCallbackServer *self);
/* The same, with the waiting (up to the grace and drain periods) on a
 * worker thread: callbacks being stored are still acknowledged, and the
 * caller's main loop keeps running. listening turns FALSE, in the caller's
 * thread, just before @callback. Stopping cannot fail; call it once, not
 * again before it completes. */
void                 osais_callback_server_stop_async     (OsaisCallbackServer *self,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
void                 osais_callback_server_stop_finish    (OsaisCallbackServer *self,
                                                           GAsyncResult        *result);
gboolean             osais_callback_server_get_listening  (OsaisCallbackServer *self);
/* The URI the server listens on, with the base path, ending in "/"
 * (e.g. "http://127.0.0.1:3024/"). NULL when not listening. */
char                *osais_callback_server_dup_local_uri  (OsaisCallbackServer *self);
/* The public base URL (public-url, else the local URI), ending in "/". */
char                *osais_callback_server_dup_public_uri (OsaisCallbackServer *self);
guint                osais_callback_server_get_bound_port (OsaisCallbackServer *self);
/* How many connections count against the cap now (accepted, not yet closed
 * nor evicted). Thread-safe. */
guint                osais_callback_server_get_n_connections (OsaisCallbackServer *self);

/* Serves @data at <public>/input/<id> until unregistered; the id is 128
 * random bits in hex. Returns the full public URL. Thread-safe. */
char                *osais_callback_server_register_input   (OsaisCallbackServer *self,
                                                             GBytes              *data,
                                                             const char          *content_type,
                                                             char               **out_id);
void                 osais_callback_server_unregister_input (OsaisCallbackServer *self,
                                                             const char          *id);

/* The proof the check route answers for @nonce: the hex HMAC-SHA256 of it
 * under a key drawn for this run, so only this process can make or verify
 * it. Thread-safe. */
char                *osais_callback_server_dup_check_proof  (OsaisCallbackServer *self,
                                                             const char          *nonce);

G_END_DECLS
