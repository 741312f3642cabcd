/* osais-sha256.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The SHA-256 of @data in lowercase hex, exactly as
 * g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data), several times
 * faster where the processor has the SHA extensions. */
char *osais_sha256_hex (GBytes *data);

G_END_DECLS
