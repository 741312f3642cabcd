/* osais-running-popover.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_RUNNING_POPOVER (osais_running_popover_get_type ())

/* The jobs in flight, together: each job of the store that is still running
 * (neither finished nor failed, and not dismissed), newest first, with its
 * stage and age, and a "Stop Waiting" button that activates
 * "win.stop-waiting" (x: the job's uid). It says why that is no cancel:
 * OSAIS has none, the AI may still finish.
 *
 * Properties: store (OsaisStore, nullable), n-running (uint, read-only: how
 * many jobs it lists). */
G_DECLARE_FINAL_TYPE (OsaisRunningPopover, osais_running_popover, OSAIS, RUNNING_POPOVER,
                      GtkPopover)

GtkWidget  *osais_running_popover_new           (void);
void        osais_running_popover_set_store     (OsaisRunningPopover *self,
                                                 OsaisStore          *store);
guint       osais_running_popover_get_n_running (OsaisRunningPopover *self);

G_END_DECLS
