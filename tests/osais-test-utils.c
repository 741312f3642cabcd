/* osais-test-utils.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include <glib/gstdio.h>

#include "osais-test-utils.h"

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
