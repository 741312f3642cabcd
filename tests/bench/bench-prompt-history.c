/* bench-prompt-history.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "osais-core.h"
#include "osais-prompt-history.h"

/* The prompt history after a change to the jobs: N_JOBS jobs (default
 * 5,000, the most it reads) whose prompts repeat (Run ×N, the same prompt
 * tried again), so that it reads them all. For each of REPEATS new jobs,
 * prints what the main thread spends:
 *   - collect: parsing every job's parameters there, as it did before
 *     (osais_prompt_history_collect(), what each change cost on the main
 *     thread when the popover or Up next needed the prompts);
 *   - main: the longest main-context dispatch between the change and the
 *     new prompts (the copy of the parameters handed to the thread, then
 *     taking its result);
 *   - ready: the time until the new prompts are there (the thread's work).
 * Medians, p95 and max, in milliseconds. Needs a display (Xvfb).
 *
 *   bench-prompt-history [N_JOBS] [REPEATS] */

static OsaisJob *
new_job (guint i)
{
  static const char * const prompts[] = {
    "a lighthouse at dawn, oil painting, highly detailed, trending on artstation",
    "an old man portrait, 35mm photo, film grain, cinematic lighting",
    "a red fox in a snowy forest, watercolor, soft light",
    "a castle on a cliff under the stars, matte painting, 8k",
    "a robot in a neon city, cyberpunk alley, octane render",
  };
  g_autofree char *parameters =
    g_strdup_printf ("{\"word\":\"%s, take %u\",\"steps\":20,\"cfg\":7.5,\"seed\":%u,"
                     "\"width\":512,\"height\":512,\"sampler\":\"euler_a\","
                     "\"negative\":\"blurry, lowres, bad anatomy, watermark\"}",
                     prompts[i % G_N_ELEMENTS (prompts)], i % 8, 1000 + i);

  return g_object_new (OSAIS_TYPE_JOB, "uid", (gint64) i + 1, "token", "t",
                       "engine", "diffusion", "parameters", parameters, NULL);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_figures (const char *what,
               GArray     *values)
{
  g_array_sort (values, compare_double);
  g_print ("%-8s median %7.2f ms   p95 %7.2f ms   max %7.2f ms\n", what,
           g_array_index (values, double, values->len / 2),
           g_array_index (values, double, MIN (values->len - 1, values->len * 95 / 100)),
           g_array_index (values, double, values->len - 1));
}

int
main (int   argc,
      char *argv[])
{
  guint n_jobs = argc > 1 ? (guint) atoi (argv[1]) : OSAIS_PROMPT_HISTORY_SCAN;
  guint repeats = argc > 2 ? (guint) atoi (argv[2]) : 20;
  g_autoptr(GListStore) jobs = g_list_store_new (OSAIS_TYPE_JOB);
  g_autoptr(GArray) collect = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) main_thread = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ready = g_array_new (FALSE, FALSE, sizeof (double));
  OsaisPromptHistory *history;

  gtk_init ();

  for (guint i = 0; i < n_jobs; i++)
    {
      g_autoptr(OsaisJob) job = new_job (n_jobs - i);

      g_list_store_append (jobs, job);
    }

  history = g_object_ref_sink (OSAIS_PROMPT_HISTORY (osais_prompt_history_new ()));
  osais_prompt_history_set_key (history, "word");
  osais_prompt_history_set_jobs (history, G_LIST_MODEL (jobs));
  while (osais_prompt_history_get_busy (history))
    g_main_context_iteration (NULL, TRUE);

  for (guint r = 0; r < repeats; r++)
    {
      g_autoptr(OsaisJob) job = new_job (n_jobs + r + 1);
      gint64 start;
      double longest = 0;
      double ms;

      start = g_get_monotonic_time ();
      g_strfreev (osais_prompt_history_collect (G_LIST_MODEL (jobs), "word", NULL, 200));
      ms = (double) (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (collect, ms);

      start = g_get_monotonic_time ();
      g_list_store_insert (jobs, 0, job);
      while (osais_prompt_history_get_busy (history))
        {
          gint64 before = g_get_monotonic_time ();

          /* Only what the main context runs counts, not its waiting. */
          if (g_main_context_iteration (NULL, FALSE))
            longest = MAX (longest, (double) (g_get_monotonic_time () - before) / 1000.0);
          else
            g_usleep (50);
        }
      g_array_append_val (main_thread, longest);
      ms = (double) (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (ready, ms);
    }

  g_print ("%u jobs, %u changes\n", n_jobs, repeats);
  print_figures ("collect", collect);
  print_figures ("main", main_thread);
  print_figures ("ready", ready);

  g_object_unref (history);

  return EXIT_SUCCESS;
}
