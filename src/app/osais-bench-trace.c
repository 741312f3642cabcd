/* osais-bench-trace.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBenchTrace"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gtk/gtk.h>

#include "osais-bench-trace.h"

/* Main thread only. */
static GPtrArray *shown;
/* The main thread's CPU time when the frame clock's paint phase began:
 * what came before it in the frame (events, tick callbacks, layout, the
 * grid's binding) is the app's work; the paint phase is GTK's snapshot and
 * the renderer's rasterization. */
static gint64 paint_cpu;

static gint64
thread_cpu_us (void)
{
  struct timespec cpu = { 0 };

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);

  return (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000;
}

/* An emission hook runs before any handler of the signal, GDK's painting of
 * the surface included, which a handler connected by us would follow. */
static gboolean
paint_hook (GSignalInvocationHint *hint,
            guint                  n_params,
            const GValue          *params,
            gpointer               user_data)
{
  paint_cpu = thread_cpu_us ();

  return TRUE;
}

/* A key press's arrival, for tests/bench/search-gui: said before any widget
 * handles it, so that what follows (the search entry's change, the search,
 * the gallery's new items, the frame) is counted from it. */
static gboolean
key_hook (GSignalInvocationHint *hint,
          guint                  n_params,
          const GValue          *params,
          gpointer               user_data)
{
  GdkEvent *event = g_value_peek_pointer (&params[1]);

  if (gdk_event_get_event_type (event) == GDK_KEY_PRESS)
    {
      /* With its key, as the benchmark pairs each press with a key it sent. */
      g_autofree char *what = g_strdup_printf ("key:%u", gdk_key_event_get_keyval (event));

      osais_bench_trace_event (what);
    }

  return TRUE;
}

/* A search entry's text asks for a search (after its delay). */
static gboolean
search_hook (GSignalInvocationHint *hint,
             guint                  n_params,
             const GValue          *params,
             gpointer               user_data)
{
  osais_bench_trace_event ("search-changed");

  return TRUE;
}

gboolean
osais_bench_trace_enabled (void)
{
  static gsize enabled = 0;

  if (g_once_init_enter (&enabled))
    {
      gboolean on = g_getenv ("OSAIS_BENCH_TRACE") != NULL;

      if (on)
        {
          /* The class holds the signal: made now, kept for the process. */
          GType clock_type = G_TYPE_FROM_CLASS (g_type_class_ref (GDK_TYPE_FRAME_CLOCK));

          GType surface_type = G_TYPE_FROM_CLASS (g_type_class_ref (GDK_TYPE_SURFACE));
          GType entry_type = G_TYPE_FROM_CLASS (g_type_class_ref (GTK_TYPE_SEARCH_ENTRY));

          g_signal_add_emission_hook (g_signal_lookup ("paint", clock_type), 0, paint_hook,
                                      NULL, NULL);
          g_signal_add_emission_hook (g_signal_lookup ("event", surface_type), 0, key_hook,
                                      NULL, NULL);
          g_signal_add_emission_hook (g_signal_lookup ("search-changed", entry_type), 0,
                                      search_hook, NULL, NULL);
        }
      g_once_init_leave (&enabled, on ? 2 : 1);
    }

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

/* Reads a schedstat file's second field: the time its thread spent runnable
 * but waiting for a processor (0 where the kernel keeps none). Of the wall
 * time that is not CPU time, that is what the machine's load took, the rest
 * being waits for something (the X server, the bus, another thread). */
static gint64
run_delay_us_from (int fd)
{
  char contents[128];
  ssize_t length;
  char *field;

  length = pread (fd, contents, sizeof contents - 1, 0);
  if (length <= 0)
    return 0;
  contents[length] = '\0';
  field = strchr (contents, ' ');

  return field != NULL ? (gint64) (g_ascii_strtoull (field + 1, NULL, 10) / 1000) : 0;
}

static gint64
thread_run_delay_us (void)
{
  int fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  gint64 delay;

  if (fd < 0)
    return 0;
  delay = run_delay_us_from (fd);
  close (fd);

  return delay;
}

/* The frame line, written at once: it is the benchmark's instrument, in
 * every frame, and should weigh nothing in it. Opening the schedstat file
 * and formatting through g_printerr() each time took 0.17 ms of every
 * frame (10 % of the main thread while uploads arrived); the main thread's
 * file is kept open (frames are traced on the main thread only). */
static void
write_frame_line (gint64 now)
{
  static int main_schedstat_fd = -2;
  char line[160];
  int length;

  if (main_schedstat_fd == -2)
    main_schedstat_fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  length = g_snprintf (line, sizeof line,
                       "osais-bench: frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                       " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                       now, thread_cpu_us (), paint_cpu,
                       main_schedstat_fd >= 0 ? run_delay_us_from (main_schedstat_fd) : 0);
  if (write (STDERR_FILENO, line, MIN ((gsize) length, sizeof line - 1)) < 0)
    g_debug ("Cannot write a frame's line: %s", g_strerror (errno));
}

void
osais_bench_trace_frame (gint64 now)
{
  if (!osais_bench_trace_enabled ())
    return;

  /* The main thread's own CPU time now and when this frame's paint began:
   * its work and its painting per frame, read as differences; and its wait
   * for a processor so far, which splits a late frame's wait into the
   * machine's load and the rest. */
  write_frame_line (now);

  for (guint i = 0; shown != NULL && i < shown->len; i++)
    g_printerr ("osais-bench: shown %" G_GINT64_FORMAT " %s\n", now,
                (const char *) g_ptr_array_index (shown, i));
  if (shown != NULL)
    g_ptr_array_set_size (shown, 0);
}


void
osais_bench_trace_event (const char *what)
{
  /* With the main thread's CPU time so far (any thread's, off it) and its
   * wait for a processor: where the start-up's time goes. */
  if (osais_bench_trace_enabled ())
    g_printerr ("osais-bench: %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                "\n", what, g_get_monotonic_time (), thread_cpu_us (), thread_run_delay_us ());
}
