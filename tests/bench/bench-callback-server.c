/* bench-callback-server.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "osais-core.h"

/* The callback server under load, as tests/bench/run drives it: a real
 * OsaisStore in a fresh data folder, the jobs the load generator calls back
 * about, and OsaisCallbackServer on 127.0.0.1. It prints on stdout
 *
 *   data-dir PATH
 *   job UID TOKEN        (one line per job)
 *   uri http://127.0.0.1:PORT/
 *   ready
 *
 * and serves until SIGTERM or SIGINT, then stops cleanly and prints how
 * many images reached the jobs' models, so that the run can tell acknowledged
 * uploads from uploads really applied:
 *
 *   stored-images N
 */

#define BENCH_UID_BASE 7000000

typedef struct
{
  GMainLoop  *loop;
  GPtrArray  *jobs;
  guint       pending;
  gboolean    failed;
} Bench;

static void
create_job_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(GError) error = NULL;

  job = osais_store_create_job_finish (OSAIS_STORE (object), result, &error);
  if (job == NULL)
    {
      g_printerr ("bench-callback-server: cannot create a job: %s\n", error->message);
      bench->failed = TRUE;
    }
  else
    g_ptr_array_add (bench->jobs, g_steal_pointer (&job));

  if (--bench->pending == 0)
    g_main_loop_quit (bench->loop);
}

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);

  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(OsaisStore) store = NULL;
  g_autoptr(OsaisCallbackServer) server = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *uri = NULL;
  Bench bench = { 0 };
  guint stored_images = 0;
  int port = 0;
  int n_jobs = 400;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free port)", "PORT" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &n_jobs, "Jobs to create (default 400)", "N" },
    { NULL }
  };

  context = g_option_context_new ("- serve OSAIS callbacks for tests/bench/run");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-callback-server: %s\n", error->message);
      return 2;
    }
  if (port < 0 || port > 65535 || n_jobs < 1 || n_jobs > 100000)
    {
      g_printerr ("bench-callback-server: --port must be 0..65535, --jobs 1..100000\n");
      return 2;
    }

  /* The run points TMPDIR at its own work folder and removes it. */
  data_dir = g_dir_make_tmp ("osais-bench-store-XXXXXX", &error);
  if (data_dir == NULL)
    {
      g_printerr ("bench-callback-server: %s\n", error->message);
      return 1;
    }
  g_print ("data-dir %s\n", data_dir);

  store = osais_store_open (data_dir, &error);
  if (store == NULL)
    {
      g_printerr ("bench-callback-server: cannot open the store: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  bench.loop = loop;
  bench.jobs = jobs;
  bench.pending = n_jobs;

  for (int i = 0; i < n_jobs; i++)
    {
      g_autofree char *token = NULL;

      /* Tokens as OSAIS hands them out: opaque, distinct per request. */
      token = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
      osais_store_create_job_async (store, 0, BENCH_UID_BASE + i, token, "diffusion",
                                    "{\"word\":\"benchmark\",\"width\":512,\"height\":512}",
                                    NULL, create_job_cb, &bench);
    }
  g_main_loop_run (loop);
  if (bench.failed)
    return 1;

  for (guint i = 0; i < jobs->len; i++)
    {
      OsaisJob *job = g_ptr_array_index (jobs, i);

      g_print ("job %" G_GINT64_FORMAT " %s\n",
               osais_job_get_uid (job), osais_job_get_token (job));
    }

  server = osais_callback_server_new (store);
  g_object_set (server,
                "address", "127.0.0.1",
                "port", (guint) port,
                NULL);
  /* The server's threads, to compare with its default (see the README). */
  if (g_getenv ("BENCH_SERVER_THREADS") != NULL)
    g_object_set (server, "threads",
                  (guint) g_ascii_strtoull (g_getenv ("BENCH_SERVER_THREADS"), NULL, 10), NULL);
  if (!osais_callback_server_start (server, &error))
    {
      g_printerr ("bench-callback-server: cannot start the server: %s\n", error->message);
      return 1;
    }

  uri = osais_callback_server_dup_local_uri (server);
  g_print ("uri %s\nready\n", uri);
  fflush (stdout);

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);

  osais_callback_server_stop (server);
  osais_store_close (store);
  /* Let the last durable changes reach the jobs before counting them. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (guint i = 0; i < jobs->len; i++)
    stored_images += g_list_model_get_n_items (osais_job_get_images (g_ptr_array_index (jobs, i)));

  g_print ("stored-images %u\n", stored_images);

  return 0;
}
