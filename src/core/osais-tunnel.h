/* osais-tunnel.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"

G_BEGIN_DECLS

/* Where the tunnels' local APIs are, unless the environment says otherwise:
 * OSAIS_NGROK_API is the base URL of ngrok's agent API, and
 * OSAIS_CLOUDFLARED_METRICS a comma-separated HOST:PORT list of cloudflared
 * metrics servers. */
#define OSAIS_TUNNEL_NGROK_API_DEFAULT         "http://127.0.0.1:4040"
#define OSAIS_TUNNEL_CLOUDFLARED_METRICS_DEFAULT \
  "127.0.0.1:20241,127.0.0.1:20242,127.0.0.1:20243,127.0.0.1:20244,127.0.0.1:20245"
#define OSAIS_TUNNEL_FIND_TIMEOUT   1    /* seconds for each local API */
#define OSAIS_TUNNEL_CHECK_TIMEOUT  10   /* seconds for the round trip */

#define OSAIS_TUNNEL_ERROR (osais_tunnel_error_quark ())

typedef enum
{
  OSAIS_TUNNEL_ERROR_INVALID_URL,  /* the public URL is not an http(s) URL */
  OSAIS_TUNNEL_ERROR_NOT_LISTENING, /* the callback server does not listen */
} OsaisTunnelError;

GQuark osais_tunnel_error_quark (void);

/* A running tunnel found through its local API. */
typedef struct
{
  OsaisTunnelKind kind;
  char           *public_url;  /* e.g. "https://abc.ngrok.app" */
  char           *addr;        /* where it forwards, as reported; NULL when not exposed */
  guint           port;        /* the local port it forwards to; 0 when unknown */
} OsaisTunnel;

void         osais_tunnel_free (OsaisTunnel *tunnel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisTunnel, osais_tunnel_free)

/* Asks ngrok's agent API and cloudflared's metrics servers, all at once and
 * on a worker thread, for their tunnels. Nothing running is no error: the
 * array is empty. */
void         osais_tunnel_find_async  (GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* A GPtrArray of OsaisTunnel. */
GPtrArray   *osais_tunnel_find_finish (GAsyncResult        *result,
                                       GError             **error);

/* The one tunnel of @tunnels that forwards to @port, or, if it is the only
 * one, a tunnel whose port is unknown. NULL when none or several fit; then
 * @problem (nullable) gets why, in plain words. */
OsaisTunnel *osais_tunnel_pick       (GPtrArray           *tunnels,
                                      guint                port,
                                      char               **problem);
/* "ngrok forwards to port 8080; the callback server listens on 3024", or
 * NULL when @tunnel forwards to @port or its port is unknown. */
char        *osais_tunnel_dup_port_mismatch (const OsaisTunnel *tunnel,
                                             guint              port);
const char  *osais_tunnel_kind_to_string    (OsaisTunnelKind    kind);
/* Whether two public URLs are the same, give or take final slashes (a
 * tunnel's "https://x.ngrok.app" is the public URL "https://x.ngrok.app/"). */
gboolean     osais_tunnel_url_equal         (const char        *a,
                                             const char        *b);

/* The outcome of a check of the public URL. */
typedef struct
{
  OsaisTunnelVerdict verdict;
  char              *message;     /* what was found, in plain words */
  char              *fix;         /* what to do; NULL when reachable */
  guint              status;      /* the HTTP status that came back; 0 for none */
  gint64             round_trip;  /* microseconds until the answer's head; -1 for none */
} OsaisTunnelCheck;

void              osais_tunnel_check_free (OsaisTunnelCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisTunnelCheck, osais_tunnel_check_free)

/* Sends GET <public_url>/check/<fresh nonce> through the public URL, with
 * the headers that skip the tunnels' browser warnings, and judges what
 * comes back against @server's proof. Errors only for an invalid URL, a
 * server that does not listen, or cancellation: an unreachable URL is a
 * verdict. */
void              osais_tunnel_check_async  (const char          *public_url,
                                             OsaisCallbackServer *server,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
OsaisTunnelCheck *osais_tunnel_check_finish (GAsyncResult        *result,
                                             GError             **error);
const char       *osais_tunnel_verdict_to_string (OsaisTunnelVerdict verdict);

G_END_DECLS
