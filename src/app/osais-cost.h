/* osais-cost.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "osais-core.h"

G_BEGIN_DECLS

/* A descriptor's default_cost (the processing time OSAIS bills, in ms) as a
 * person reads it: "about 2 seconds", "about 2 min 20 s". */
char *osais_cost_format   (gint64       ms);
/* What the form says before Run: "Estimated cost: about 2 seconds of AI
 * processing per request", or NULL when the engine gives no estimate. */
char *osais_cost_describe (OsaisEngine *engine);

G_END_DECLS
