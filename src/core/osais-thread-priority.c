/* osais-thread-priority.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* SCHED_IDLE */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "OsaisThreadPriority"

#include "config.h"

#include <errno.h>

#ifdef __linux__
#include <sched.h>
#include <sys/resource.h>
#endif

#include "osais-thread-priority.h"

static gint main_thread_favoured;

void
osais_thread_priority_favour_main_thread (void)
{
  g_atomic_int_set (&main_thread_favoured, TRUE);
}

gboolean
osais_thread_priority_main_thread_favoured (void)
{
  return g_atomic_int_get (&main_thread_favoured);
}

void
osais_thread_priority_lower_own_thread (void)
{
#ifdef __linux__
  int current;

  if (!osais_thread_priority_main_thread_favoured ())
    return;

  /* On Linux, PRIO_PROCESS with 0 names the calling thread alone; elsewhere
   * it would lower the whole process, main thread included. */
  errno = 0;
  current = getpriority (PRIO_PROCESS, 0);
  if (errno == 0 && current >= OSAIS_THREAD_BACKGROUND_NICE)
    return;
  if (setpriority (PRIO_PROCESS, 0, OSAIS_THREAD_BACKGROUND_NICE) != 0)
    g_debug ("Cannot lower a thread's priority: %s", g_strerror (errno));
#endif
}

void
osais_thread_priority_idle_own_thread (void)
{
#ifdef __linux__
  struct sched_param param = { .sched_priority = 0 };

  /* The policy, like the nice value, is the calling thread's own. */
  if (sched_setscheduler (0, SCHED_IDLE, &param) == 0)
    return;
  g_debug ("No idle scheduling for a thread: %s", g_strerror (errno));
  if (setpriority (PRIO_PROCESS, 0, 19) != 0)
    g_debug ("Cannot lower a thread's priority: %s", g_strerror (errno));
#endif
}

/* Linux's EEVDF scheduler lets a thread it has just picked run out its
 * protected slice, and preempts it only at the next tick (4 ms here): a
 * lowered thread that was picked while the main thread waited (after the X
 * server or any other process preempted it) held the processor 2 to 5 ms
 * with the main thread runnable beside it, nice value and SCHED_IDLE or
 * not (tests/bench/gui under perf sched). Yielding gives up that
 * protection; with the main thread not waiting, it returns at once. */
void
osais_thread_priority_yield (void)
{
#ifdef __linux__
  if (osais_thread_priority_main_thread_favoured ())
    sched_yield ();
#endif
}
