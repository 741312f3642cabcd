/* osais-protocol-error.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The error domain of everything read from a peer, alone so that the
 * multipart parser, which the protocol uses, can report in it without
 * including the protocol.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSAIS_PROTOCOL_ERROR (osais_protocol_error_quark ())

typedef enum
{
  OSAIS_PROTOCOL_ERROR_MALFORMED,         /* unparsable JSON, form or multipart body */
  OSAIS_PROTOCOL_ERROR_MISSING_FIELD,     /* a mandatory field (uid) is absent */
  OSAIS_PROTOCOL_ERROR_INVALID_FIELD,     /* a field has a value of the wrong type or range */
  OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE,  /* a Content-Type we do not accept */
} OsaisProtocolError;

GQuark osais_protocol_error_quark (void);

G_END_DECLS
