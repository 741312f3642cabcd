/* osais-bench-trace.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBenchTrace"

#include "config.h"

#include <time.h>

#include "osais-bench-trace.h"

/* Main thread only. */
static GPtrArray *shown;

gboolean
osais_bench_trace_enabled (void)
{
  static gsize enabled = 0;

  if (g_once_init_enter (&enabled))
    g_once_init_leave (&enabled, g_getenv ("OSAIS_BENCH_TRACE") != NULL ? 2 : 1);

  return enabled == 2;
}

void
osais_bench_trace_image_shown (GFile *file)
{
  if (!osais_bench_trace_enabled ())
    return;

  if (shown == NULL)
    shown = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (shown, g_file_get_basename (file));
}

void
osais_bench_trace_frame (gint64 now)
{
  struct timespec cpu = { 0 };

  if (!osais_bench_trace_enabled ())
    return;

  /* The main thread's own CPU time: its work per frame, read as the
   * difference between two frames. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  g_printerr ("osais-bench: frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", now,
              (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000);

  for (guint i = 0; shown != NULL && i < shown->len; i++)
    g_printerr ("osais-bench: shown %" G_GINT64_FORMAT " %s\n", now,
                (const char *) g_ptr_array_index (shown, i));
  if (shown != NULL)
    g_ptr_array_set_size (shown, 0);
}

void
osais_bench_trace_event (const char *what)
{
  if (osais_bench_trace_enabled ())
    g_printerr ("osais-bench: %s %" G_GINT64_FORMAT "\n", what, g_get_monotonic_time ());
}
