/* osais-param-format.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "osais-core.h"

G_BEGIN_DECLS

/* The title a parameter is shown under: its descriptor's (translated for a
 * bundled engine), else its name. */
const char *osais_param_format_title (const OsaisEngineParam *param);
/* @value (a JSON scalar of a request) as the request form shows it: a
 * choice's label ("512x512"), a slider's percentage ("59 %") or its value
 * with its unit, a number without trailing zeros. NULL when @value is not a
 * scalar. One function for the form and the image details, so that they
 * never disagree. */
char       *osais_param_format_value (const OsaisEngineParam *param,
                                      JsonNode               *value);

G_END_DECLS
