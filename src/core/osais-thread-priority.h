/* osais-thread-priority.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The nice value the core's own threads take in a process with a user
 * interface: receiving results, hashing and writing their files, committing
 * them, simulating OSAIS. */
#define OSAIS_THREAD_BACKGROUND_NICE 5

/* Called once by a process whose main thread draws a user interface (the
 * app), before it starts the core: from then on, the core's own threads run
 * at OSAIS_THREAD_BACKGROUND_NICE. On two cores, a callback server worker
 * parsing an upload otherwise holds the processor that the main thread
 * wakes on for its next frame. The CLI and the benchmarks' servers do not
 * call it: there, those threads are the work. */
void     osais_thread_priority_favour_main_thread   (void);
gboolean osais_thread_priority_main_thread_favoured (void);

/* Lowers the calling thread to OSAIS_THREAD_BACKGROUND_NICE when the main
 * thread is favoured, on Linux, where a nice value is a thread's own; does
 * nothing otherwise. Only for a thread the caller made and keeps: an
 * unprivileged thread cannot raise its priority again, so a pool thread
 * shared with other work must not call it. */
void     osais_thread_priority_lower_own_thread     (void);

/* Puts the calling thread under SCHED_IDLE, whether or not the main thread
 * is favoured: for work that only fills idle time (decoding thumbnails).
 * The scheduler preempts such a thread as soon as another wakes on its
 * processor, and counts that processor as free when it places a thread; a
 * nice value does neither. Where SCHED_IDLE is refused, the highest nice
 * value. Linux only, like the above, and for a thread of its own. */
void     osais_thread_priority_idle_own_thread      (void);

/* A point in a lowered thread's long work (between the chunks of a
 * thumbnail's decode, or of an image the store writes) where it lets a
 * waiting main thread run; nothing where the main thread is not favoured. */
void     osais_thread_priority_yield                (void);

G_END_DECLS
