/* fuzz-tunnel-answers.c — what ngrok's agent API and cloudflared's metrics
 * server answer, and the public URLs taken from them
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the body of an answer; each input goes to both readers.
 *
 * The readers are static in osais-tunnel.c, and reaching them through
 * osais_tunnel_find_async() would take a fake HTTP server per input, so
 * this target compiles osais-tunnel.c itself (meson links it with the core
 * library as an archive, not whole, so that its own copy of the file wins).
 * Any process on the machine can listen on ngrok's or cloudflared's local
 * port and answer, so these bytes are untrusted; each tunnel found then
 * goes the way `osais check` takes it: pick, port mismatch, URL check.
 */

/* G_LOG_DOMAIN is osais-tunnel.c's own, defined in it. */
#include "osais-tunnel.c"

#include "osais-fuzz.h"

static void
check_tunnels (GPtrArray *tunnels)
{
  g_autofree char *problem = NULL;
  OsaisTunnel *picked;
  guint i;

  for (i = 0; i < tunnels->len; i++)
    {
      OsaisTunnel *tunnel = g_ptr_array_index (tunnels, i);
      g_autofree char *mismatch = NULL;

      /* Only HTTP tunnels can carry callbacks; a port is one or unknown. */
      g_assert (tunnel->public_url != NULL && g_str_has_prefix (tunnel->public_url, "http"));
      g_assert (tunnel->port <= G_MAXUINT16);
      mismatch = osais_tunnel_dup_port_mismatch (tunnel, OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
      g_assert ((mismatch == NULL) ==
                (tunnel->port == 0 || tunnel->port == OSAIS_CALLBACK_SERVER_DEFAULT_PORT));
      osais_fuzz_check_public_url (tunnel->public_url);
    }

  picked = osais_tunnel_pick (tunnels, OSAIS_CALLBACK_SERVER_DEFAULT_PORT, &problem);
  /* A tunnel, or the reason there is none. */
  g_assert ((picked == NULL) != (problem == NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GPtrArray) from_ngrok = NULL;
  g_autoptr(GPtrArray) from_cloudflared = NULL;

  from_ngrok = tunnels_from_ngrok (body);
  check_tunnels (from_ngrok);
  from_cloudflared = tunnels_from_cloudflared (body);
  g_assert (from_cloudflared->len <= 1);
  check_tunnels (from_cloudflared);
  return 0;
}
