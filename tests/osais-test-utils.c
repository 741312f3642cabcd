/* osais-test-utils.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include <stdlib.h>

#include <glib/gstdio.h>

#include "osais-test-utils.h"

static char *test_home;

static void
remove_test_home (void)
{
  osais_test_remove_tree (test_home);
  g_clear_pointer (&test_home, g_free);
}

void
osais_test_init (int    *argc,
                 char ***argv)
{
  static const struct { const char *variable; const char *folder; } folders[] = {
    { "HOME", "home" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autoptr(GError) error = NULL;

  /* Before anything asks GLib for these folders: it reads them once. */
  test_home = g_dir_make_tmp ("osais-test-XXXXXX", &error);
  if (test_home == NULL)
    g_error ("Cannot make a temporary folder: %s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (test_home, folders[i].folder, NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (folders[i].variable, path, TRUE);
    }
  atexit (remove_test_home);

  g_test_init (argc, argv, NULL);
}

void
osais_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        osais_test_remove_tree (child);
      }
  g_remove (path);
}

void
osais_test_store_result_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert (*out == NULL);
  *out = g_object_ref (result);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out after %d s waiting for %s", OSAIS_TEST_TIMEOUT_SECONDS,
           (const char *) user_data);
  return G_SOURCE_REMOVE;
}

GAsyncResult *
osais_test_wait_for_result (GAsyncResult **result,
                            const char    *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (OSAIS_TEST_TIMEOUT_SECONDS);

  g_source_set_callback (timeout, timeout_cb, (gpointer) what, NULL);
  g_source_attach (timeout, context);
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_unref (context);
  return *result;
}
