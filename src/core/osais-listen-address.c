/* osais-listen-address.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisListenAddress"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "osais-callback-server.h"
#include "osais-listen-address.h"
#include "osais-protocol.h"

gboolean
osais_parse_listen_address (const char  *text,
                            char       **host,
                            guint       *port,
                            GError     **error)
{
  g_autofree char *host_part = NULL;
  const char *port_part;
  const char *colon;
  guint64 value;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end[1] != ':')
        goto invalid;
      host_part = g_strndup (text + 1, end - text - 1);
      port_part = end + 2;
      if (!g_hostname_is_ip_address (host_part) || strchr (host_part, ':') == NULL)
        goto invalid;
    }
  else if ((colon = strrchr (text, ':')) != NULL)
    {
      /* A bare IPv6 address is ambiguous with its port: brackets are required. */
      if (strchr (text, ':') != colon)
        goto invalid;
      if (colon != text)
        host_part = g_strndup (text, colon - text);
      port_part = colon + 1;
    }
  else
    {
      port_part = text;
    }

  if (!osais_protocol_parse_digits (port_part, G_MAXUINT16, &value))
    goto invalid;

  if (host != NULL)
    *host = host_part != NULL ? g_steal_pointer (&host_part)
                              : g_strdup (OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS);
  if (port != NULL)
    *port = (guint) value;
  return TRUE;

invalid:
  g_set_error (error, OSAIS_CALLBACK_SERVER_ERROR, OSAIS_CALLBACK_SERVER_ERROR_INVALID,
               "Invalid listen address “%s” (expected HOST:PORT, [IPv6]:PORT or PORT)", text);
  return FALSE;
}
