/* osais-fd-limit.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lifts this process's soft limit on open descriptors to its hard limit
 * and returns the soft limit now in force (G_MAXUINT64 when unlimited). A
 * server's cap on connections can then follow what the system allows
 * rather than the historical soft default of 1024. */
guint64 osais_raise_fd_limit (void);

G_END_DECLS
