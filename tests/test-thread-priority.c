/* test-thread-priority.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestThreadPriority"

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>

#include "osais-callback-server.h"
#include "osais-simulator.h"
#include "osais-store.h"
#include "osais-test-utils.h"
#include "osais-thread-priority.h"

/* The nice value of each of this process's threads whose name starts with
 * @prefix, from /proc: what the scheduler sees, whoever set it. */
static GArray *
nice_values_of (const char *prefix)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (int));
  const char *tid;

  g_assert_nonnull (tasks);
  while ((tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;
      int nice;

      /* A thread may end between the listing and the reading. */
      if (!g_file_get_contents (comm_path, &comm, NULL, NULL) ||
          !g_str_has_prefix (comm, prefix) ||
          !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;

      /* "tid (name) state ppid …": the name may hold spaces and brackets,
       * so count from its last ')'; the nice value is the 17th field after. */
      after_name = strrchr (stat, ')');
      g_assert_nonnull (after_name);
      fields = g_strsplit (after_name + 2, " ", -1);
      g_assert_cmpuint (g_strv_length (fields), >, 16);
      nice = (int) g_ascii_strtoll (fields[16], NULL, 10);
      g_array_append_val (values, nice);
    }

  return values;
}

static void
assert_threads_nice (const char *prefix,
                     int         expected)
{
  g_autoptr(GArray) values = nice_values_of (prefix);

  if (values->len == 0)
    g_error ("No thread is named %s…", prefix);
  for (guint i = 0; i < values->len; i++)
    g_assert_cmpint (g_array_index (values, int, i), ==, expected);
}

static int
own_nice (void)
{
  int nice;

  errno = 0;
  nice = getpriority (PRIO_PROCESS, 0);
  g_assert_cmpint (errno, ==, 0);

  return nice;
}

static gpointer
lower_and_report_thread (gpointer data)
{
  osais_thread_priority_lower_own_thread ();

  return GINT_TO_POINTER (own_nice () + 100);
}

static int
nice_of_a_lowered_thread (void)
{
  GThread *thread = g_thread_new ("osais-test-low", lower_and_report_thread, NULL);

  return GPOINTER_TO_INT (g_thread_join (thread)) - 100;
}

/* Until a process says it has a main thread to favour, lowering is a no-op:
 * the CLI's and the benchmarks' threads keep their priority. Runs first, as
 * favouring cannot be undone. */
static void
test_unfavoured_changes_nothing (void)
{
  int before = own_nice ();

  g_assert_false (osais_thread_priority_main_thread_favoured ());
  g_assert_cmpint (nice_of_a_lowered_thread (), ==, before);
  g_assert_cmpint (own_nice (), ==, before);
}

/* Favoured, a thread that lowers itself runs at the background nice value,
 * and the main thread keeps its own. */
static void
test_favoured_lowers_the_calling_thread_only (void)
{
  int before = own_nice ();

  if (before >= OSAIS_THREAD_BACKGROUND_NICE)
    {
      g_test_skip ("This process already runs at or below the background priority");
      return;
    }

  osais_thread_priority_favour_main_thread ();
  g_assert_true (osais_thread_priority_main_thread_favoured ());
  g_assert_cmpint (nice_of_a_lowered_thread (), ==, OSAIS_THREAD_BACKGROUND_NICE);
  g_assert_cmpint (own_nice (), ==, before);
}

/* The core's own threads, started in a favoured process: the callback
 * server's workers, the store's writer and file threads, and the simulator
 * run below the main thread. */
static void
test_core_threads_run_below_the_main_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisCallbackServer) server = NULL;
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  OsaisTestStore store = { 0 };
  int before = own_nice ();

  if (before >= OSAIS_THREAD_BACKGROUND_NICE)
    {
      g_test_skip ("This process already runs at or below the background priority");
      return;
    }

  osais_thread_priority_favour_main_thread ();
  osais_test_store_open (&store);

  server = osais_callback_server_new (store.store);
  g_object_set (server, "address", "127.0.0.1", "port", 0, "threads", 2, NULL);
  osais_callback_server_start (server, &error);
  g_assert_no_error (error);

  simulator = osais_simulator_new ();
  osais_simulator_start (simulator, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  osais_test_wait_for_simulator (simulator);

  /* An image's file is hashed and written on one of the store's own pool
   * threads, which lowers itself for it. */
  job = osais_test_store_create_job (store.store, 1, "{\"word\":\"low\"}");
  image = osais_test_store_add_image (store.store, 1, 0, 16, 16);
  {
    g_autoptr(GArray) pool = nice_values_of ("pool-");
    guint n_lowered = 0;

    for (guint i = 0; i < pool->len; i++)
      if (g_array_index (pool, int, i) == OSAIS_THREAD_BACKGROUND_NICE)
        n_lowered++;
    g_assert_cmpuint (n_lowered, >=, 1);
  }

  assert_threads_nice ("osais-callback", OSAIS_THREAD_BACKGROUND_NICE);
  assert_threads_nice ("osais-writer", OSAIS_THREAD_BACKGROUND_NICE);
  assert_threads_nice ("osais-simulator", OSAIS_THREAD_BACKGROUND_NICE);
  g_assert_cmpint (own_nice (), ==, before);

  osais_simulator_stop (simulator);
  osais_callback_server_stop (server);
  osais_test_store_close (&store);
}

static gpointer
idle_and_report_thread (gpointer data)
{
  osais_thread_priority_idle_own_thread ();

  return GINT_TO_POINTER (sched_getscheduler (0) + 100);
}

/* A thread that only fills idle time runs under SCHED_IDLE, favoured or
 * not, and the main thread keeps its own policy. */
static void
test_idle_thread_runs_under_sched_idle (void)
{
  GThread *thread = g_thread_new ("osais-test-idle", idle_and_report_thread, NULL);
  int policy = GPOINTER_TO_INT (g_thread_join (thread)) - 100;

  g_assert_cmpint (policy, ==, SCHED_IDLE);
  g_assert_cmpint (sched_getscheduler (0), ==, SCHED_OTHER);
}

int
main (int   argc,
      char *argv[])
{
  osais_test_init (&argc, &argv);

  g_test_add_func ("/thread-priority/unfavoured-changes-nothing",
                   test_unfavoured_changes_nothing);
  g_test_add_func ("/thread-priority/favoured-lowers-the-calling-thread-only",
                   test_favoured_lowers_the_calling_thread_only);
  g_test_add_func ("/thread-priority/core-threads-run-below-the-main-thread",
                   test_core_threads_run_below_the_main_thread);
  g_test_add_func ("/thread-priority/idle-thread-runs-under-sched-idle",
                   test_idle_thread_runs_under_sched_idle);

  return g_test_run ();
}
