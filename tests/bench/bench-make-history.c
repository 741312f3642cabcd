/* bench-make-history.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include "osais-core.h"
#include "osais-test-utils.h"

/* Builds, through the project's own store, a history of N_IMAGES finished
 * images in DIR (a data folder for `osais-studio --data-dir`): jobs of
 * IMAGES_PER_JOB images, each a distinct SIZE × SIZE gradient PNG. Real rows
 * and real files, written as the callback server writes them; the writes
 * are submitted in batches, which the store commits in groups. EMPTY more
 * jobs, the newest (uids 1000 + number of jobs + i, token "t"), are
 * finished without an image: tests/bench/gui uploads to them (a running
 * job's card would animate, and the idle window would see it). */

#define BATCH 500

typedef struct
{
  guint  pending;
  GError *error;
} Wait;

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(GObject) value = g_task_propagate_pointer (G_TASK (result), &error);

  if (error != NULL && wait->error == NULL)
    wait->error = g_steal_pointer (&error);
  wait->pending--;
}

static void
notified_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!osais_store_apply_notification_finish (OSAIS_STORE (object), result, &error) &&
      wait->error == NULL)
    wait->error = g_steal_pointer (&error);
  wait->pending--;
}

static gboolean
wait_all (Wait *wait)
{
  while (wait->pending > 0)
    g_main_context_iteration (NULL, TRUE);
  if (wait->error != NULL)
    {
      g_printerr ("bench-make-history: %s\n", wait->error->message);
      return FALSE;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisStore) store = NULL;
  guint64 n_images = 0, per_job = 5, size = 320, n_empty = 0;
  guint n_jobs;
  Wait wait = { 0 };

  if (argc < 3 || argc > 6 ||
      !g_ascii_string_to_unsigned (argv[2], 10, 1, 1000000, &n_images, NULL) ||
      (argc > 3 && !g_ascii_string_to_unsigned (argv[3], 10, 1, 100, &per_job, NULL)) ||
      (argc > 4 && !g_ascii_string_to_unsigned (argv[4], 10, 8, 2048, &size, NULL)) ||
      (argc > 5 && !g_ascii_string_to_unsigned (argv[5], 10, 0, 1000, &n_empty, NULL)))
    {
      g_printerr ("usage: bench-make-history DIR N_IMAGES [IMAGES_PER_JOB (5)] [SIZE (320)]"
                  " [EMPTY (0)]\n");
      return 2;
    }

  store = osais_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("bench-make-history: %s\n", error->message);
      return 1;
    }

  n_jobs = (n_images + per_job - 1) / per_job;
  for (guint first = 0; first < n_jobs; first += BATCH)
    {
      guint last = MIN (n_jobs, first + BATCH);

      for (guint i = first; i < last; i++)
        {
          wait.pending++;
          osais_store_create_job_async (store, 0, 1000 + i, "t", "diffusion",
                                        "{\"word\":\"a benchmark history\"}", NULL,
                                        done_cb, &wait);
        }
      if (!wait_all (&wait))
        return 1;

      for (guint i = first; i < last; i++)
        for (guint j = 0; j < per_job && (guint64) i * per_job + j < n_images; j++)
          {
            g_autoptr(GBytes) png = osais_test_make_png (size, size, i * per_job + j);

            wait.pending++;
            osais_store_add_image_async (store, 1000 + i, "t", j, png, "image/png",
                                         size, size, NULL, done_cb, &wait);
          }
      if (!wait_all (&wait))
        return 1;

      for (guint i = first; i < last; i++)
        {
          OsaisNotification notification = { 0 };

          notification.uid = 1000 + i;
          notification.token = (char *) "t";
          notification.stage = OSAIS_STAGE_FINISHED;
          notification.cost = -1;
          wait.pending++;
          osais_store_apply_notification_async (store, &notification, NULL, notified_cb, &wait);
        }
      if (!wait_all (&wait))
        return 1;
    }

  for (guint i = 0; i < n_empty; i++)
    {
      OsaisNotification notification = { 0 };

      wait.pending++;
      osais_store_create_job_async (store, 0, 1000 + n_jobs + i, "t", "diffusion",
                                    "{\"word\":\"an empty job\"}", NULL, done_cb, &wait);
      /* One at a time: each newer than the last. */
      if (!wait_all (&wait))
        return 1;

      notification.uid = 1000 + n_jobs + i;
      notification.token = (char *) "t";
      notification.stage = OSAIS_STAGE_FINISHED;
      notification.cost = -1;
      wait.pending++;
      osais_store_apply_notification_async (store, &notification, NULL, notified_cb, &wait);
      if (!wait_all (&wait))
        return 1;
    }

  osais_store_close (store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_print ("%" G_GUINT64_FORMAT " images in %u jobs in %s\n", n_images, n_jobs, argv[1]);

  return 0;
}
