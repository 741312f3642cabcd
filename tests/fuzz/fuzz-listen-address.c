/* fuzz-listen-address.c — the callback server's listen address (--listen, settings)
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the text; it ends at a NUL, as a command-line argument does.
 */

#define G_LOG_DOMAIN "OsaisFuzzListenAddress"

/* osais-fuzz.h brings osais-core.h; the function is moving from
 * osais-callback-server.h to a header of its own. */
#include "osais-fuzz.h"
#if __has_include ("osais-listen-address.h")
#include "osais-listen-address.h"
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *host = NULL;
  g_autoptr(GError) error = NULL;
  guint port = G_MAXUINT;

  if (!osais_parse_listen_address (text, &host, &port, &error))
    {
      g_assert (error != NULL && host == NULL);
      return 0;
    }

  g_assert (error == NULL);
  g_assert (host != NULL && host[0] != '\0');
  g_assert (port <= G_MAXUINT16);
  return 0;
}
