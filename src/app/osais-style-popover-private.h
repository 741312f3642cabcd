/* osais-style-popover-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests: what the popover shows and whether it is busy.
 */

#pragma once

#include "osais-style-popover.h"

G_BEGIN_DECLS

/* For tests: the names listed (NULL-terminated, owned by the caller), and
 * whether a load or save is under way. */
char     **osais_style_popover_dup_names (OsaisStylePopover *self);
gboolean   osais_style_popover_get_busy  (OsaisStylePopover *self);

G_END_DECLS
