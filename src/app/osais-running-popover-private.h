/* osais-running-popover-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the tests read of the running popover, which the window has no use
 * for.
 */

#pragma once

#include "osais-running-popover.h"

G_BEGIN_DECLS

/* The jobs listed (OsaisJob). */
GListModel *osais_running_popover_get_jobs (OsaisRunningPopover *self);

G_END_DECLS
