/* osais-fuzz.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisFuzz"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "osais-fuzz.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A critical or a warning is a bug the fuzzer found, as in the test
   * suites (G_DEBUG=fatal-warnings): make it abort, so that it is reported
   * with its input. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

char *
osais_fuzz_split_header (const uint8_t  *data,
                         size_t          size,
                         GBytes        **body)
{
  const uint8_t *newline = memchr (data, '\n', size);
  gsize header_length;

  if (newline == NULL)
    {
      *body = g_bytes_new (data, size);
      return NULL;
    }

  header_length = newline - data;
  *body = g_bytes_new (newline + 1, size - header_length - 1);
  /* A header value is text: it ends at a NUL, as it would in libsoup's headers. */
  return g_strndup ((const char *) data, header_length);
}

static char *fuzz_data_dir;
static OsaisStore *fuzz_store;
static OsaisCallbackServer *fuzz_server;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
            !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
stop_server (void)
{
  if (fuzz_server != NULL)
    osais_callback_server_stop (fuzz_server);
  g_clear_object (&fuzz_server);
  if (fuzz_store != NULL)
    osais_store_close (fuzz_store);
  g_clear_object (&fuzz_store);
  if (fuzz_data_dir != NULL)
    remove_tree (fuzz_data_dir);
  g_clear_pointer (&fuzz_data_dir, g_free);
}

OsaisCallbackServer *
osais_fuzz_get_server (void)
{
  g_autoptr(GError) error = NULL;

  if (fuzz_server != NULL)
    return fuzz_server;

  fuzz_data_dir = g_dir_make_tmp ("osais-fuzz-XXXXXX", &error);
  g_assert_no_error (error);
  fuzz_store = osais_store_open (fuzz_data_dir, &error);
  g_assert_no_error (error);
  fuzz_server = osais_callback_server_new (fuzz_store);
  g_object_set (fuzz_server, "address", "127.0.0.1", "port", 0u, NULL);
  /* An input that leaves a request unfinished must not hold a run for
   * the default 10 and 60 s. */
  g_object_set (fuzz_server, "header-timeout-ms", 1000u, "body-timeout-ms", 1000u,
                "threads", 1u, NULL);
  if (!osais_callback_server_start (fuzz_server, &error))
    g_error ("cannot start the callback server: %s", error->message);
  atexit (stop_server);
  return fuzz_server;
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(OsaisTunnelCheck) check = NULL;

  check = osais_tunnel_check_finish (result, error);
  /* Cancelled beforehand, a valid URL never gets as far as a verdict. */
  g_assert (check == NULL && *error != NULL);
}

void
osais_fuzz_check_public_url (const char *public_url)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  OsaisCallbackServer *server = osais_fuzz_get_server ();

  g_cancellable_cancel (cancellable);
  osais_tunnel_check_async (public_url, server, cancellable, check_done_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);

  /* An invalid URL is said to be one; any other URL was sent for, and
   * only the cancellation stopped it. */
  if (!g_error_matches (error, OSAIS_TUNNEL_ERROR, OSAIS_TUNNEL_ERROR_INVALID_URL))
    g_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
}
