/* osais-bench-trace.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What tests/bench/gui and search-gui read on stderr when OSAIS_BENCH_TRACE
 * is set; each function does nothing otherwise. Set, it also says each key
 * press as it arrives ("key:KEYVAL") and each search a GtkSearchEntry asks
 * for ("search-changed"). */
gboolean osais_bench_trace_enabled     (void);
/* A thumbnail was given to the tile of @file: said with the next frame. */
void     osais_bench_trace_image_shown (GFile  *file);
/* A frame was drawn at @now (g_get_monotonic_time()): a line with the main
 * thread's CPU time so far and when the frame's paint phase began, then one
 * for each image shown since the last. */
void     osais_bench_trace_frame       (gint64  now);
void     osais_bench_trace_event       (const char *what);

G_END_DECLS
