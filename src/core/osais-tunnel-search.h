/* osais-tunnel-search.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-tunnel.h"
#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_TUNNEL_SEARCH (osais_tunnel_search_get_type ())

/* The search for a running tunnel (ngrok, cloudflared) that leads to the
 * callback server's port, which the window's status and Preferences both
 * offer: osais_tunnel_find_async() on a worker thread, once per port, then
 * osais_tunnel_pick(). Its properties change, and notify, on the
 * thread-default main context it was created on.
 *
 * Properties: port (uint: the port looked for, 0: none), tunnel-url
 * (string, read-only: the public URL of the tunnel found, NULL while looking
 * or when none leads to the port), problem (string, read-only: why the
 * tunnels that run do not lead to the port; NULL when none runs). */
G_DECLARE_FINAL_TYPE (OsaisTunnelSearch, osais_tunnel_search, OSAIS, TUNNEL_SEARCH, GObject)

OsaisTunnelSearch *osais_tunnel_search_new             (void);
/* Looks for a tunnel to @port, forgetting what was found for another one;
 * 0 stops looking. The same port again changes nothing (a tunnel is looked
 * for once per port). */
void               osais_tunnel_search_set_port        (OsaisTunnelSearch *self,
                                                        guint              port);
guint              osais_tunnel_search_get_port        (OsaisTunnelSearch *self);
const char        *osais_tunnel_search_get_tunnel_url  (OsaisTunnelSearch *self);
/* The software of the tunnel found, and the local port it says it forwards
 * to (0 when it does not say). Meaningful only with a tunnel-url. */
OsaisTunnelKind    osais_tunnel_search_get_tunnel_kind (OsaisTunnelSearch *self);
guint              osais_tunnel_search_get_tunnel_port (OsaisTunnelSearch *self);
const char        *osais_tunnel_search_get_problem     (OsaisTunnelSearch *self);

G_END_DECLS
