/* osais-listen-address.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses the callback server's listen address (--listen, settings):
 * "HOST:PORT", "[v6]:PORT" or ":PORT" / "PORT", the host defaulting to
 * OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS. An invalid one gives
 * OSAIS_CALLBACK_SERVER_ERROR_INVALID. */
gboolean osais_parse_listen_address (const char  *text,
                                     char       **host,
                                     guint       *port,
                                     GError     **error);

G_END_DECLS
