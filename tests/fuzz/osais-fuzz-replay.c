/* osais-fuzz-replay.c — a fuzz target's main() without libFuzzer
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-<target> FILE|FOLDER…
 *
 * Runs LLVMFuzzerTestOneInput() once on each file given, and on each file in
 * each folder given (not recursively), in name order. The normal test suite
 * replays every target's seed corpus and its regressions (crashes the fuzzer
 * found) this way, so that a build without clang checks them too. A crash
 * or an assertion fails the test as it would have failed the fuzzer; so
 * does finding no input at all, which would otherwise pass unseen.
 */

#define G_LOG_DOMAIN "OsaisFuzzReplay"

#include <stdio.h>
#include <string.h>

#include "osais-fuzz.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  /* Announced first, so that a crash's log names its input. */
  fprintf (stderr, "replaying %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint n_replayed = 0;
  int i;

  LLVMFuzzerInitialize (&argc, &argv);

  for (i = 1; i < argc; i++)
    {
      g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GDir) dir = NULL;
      const char *name;
      guint j;

      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (!replay_file (argv[i]))
            return 1;
          n_replayed++;
          continue;
        }

      dir = g_dir_open (argv[i], 0, NULL);
      if (dir == NULL)
        {
          fprintf (stderr, "cannot read the folder %s\n", argv[i]);
          return 1;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          char *path = g_build_filename (argv[i], name, NULL);

          /* A folder's README says what its inputs are; it is no input. */
          if (name[0] == '.' || strcmp (name, "README") == 0 ||
              !g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_free (path);
          else
            g_ptr_array_add (paths, path);
        }
      g_ptr_array_sort (paths, compare_names);
      for (j = 0; j < paths->len; j++)
        {
          if (!replay_file (g_ptr_array_index (paths, j)))
            return 1;
          n_replayed++;
        }
    }

  if (n_replayed == 0)
    {
      fprintf (stderr, "no input to replay\n");
      return 1;
    }
  printf ("%s: %u inputs replayed, none failed\n", argv[0], n_replayed);
  return 0;
}
