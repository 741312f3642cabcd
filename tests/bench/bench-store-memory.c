/* bench-store-memory.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include <malloc.h>

#include "osais-core.h"

/* What the store keeps in memory for a history: opens DIR (a copy: the
 * store may write to it), waits for the whole history, then asks every
 * job for every image, as a gallery scrolled through all of them does, and
 * prints the heap in use and the resident size at each step, and the
 * bytes per image. Run it once on an empty folder for the base. */

static gsize
heap_in_use (void)
{
  struct mallinfo2 info;

  malloc_trim (0);
  info = mallinfo2 ();
  return info.uordblks + info.hblkhd;
}

static gsize
resident (void)
{
  g_autofree char *text = NULL;
  unsigned long size = 0;
  unsigned long rss = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    sscanf (text, "%lu %lu", &size, &rss);
  return rss * (gsize) sysconf (_SC_PAGESIZE);
}

static guint
touch_images (OsaisStore *store)
{
  guint n_jobs = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint n_images = 0;

  for (guint i = 0; i < n_jobs; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (store), i);
      GListModel *images = osais_job_get_images (job);
      guint n = g_list_model_get_n_items (images);

      for (guint j = 0; j < n; j++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, j);

          g_assert_nonnull (osais_image_get_file (image));
          g_assert_nonnull (osais_image_get_received (image));
        }
      n_images += n;
    }

  return n_images;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisStore) store = NULL;
  gsize heap_before = heap_in_use ();
  gsize heap_loaded;
  gsize heap_touched;
  guint n_images;

  if (argc != 2)
    {
      g_printerr ("Usage: %s DIR (a copy of a data folder)\n", argv[0]);
      return 2;
    }

  store = osais_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  while (!osais_store_get_history_loaded (store))
    g_main_context_iteration (NULL, TRUE);

  heap_loaded = heap_in_use ();
  n_images = touch_images (store);
  heap_touched = heap_in_use ();

  g_print ("jobs %u images %u\n", g_list_model_get_n_items (G_LIST_MODEL (store)), n_images);
  g_print ("heap before open %zu, loaded %zu, every image asked for %zu bytes; RSS %zu MB\n",
           heap_before, heap_loaded, heap_touched, resident () / (1024 * 1024));
  if (n_images > 0)
    g_print ("per image: loaded %.0f, every image asked for %.0f bytes\n",
             (double) (heap_loaded - heap_before) / n_images,
             (double) (heap_touched - heap_before) / n_images);

  osais_store_close (store);

  return 0;
}
