/* test-sha256.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestSha256"

#include "osais-sha256.h"

/* Every length around the padding's edges (55, 56, 63, 64 … bytes), from
 * an unaligned start, gives GLib's hash. */
static void
test_matches_glib (void)
{
  g_autofree guint8 *buffer = g_malloc (4096 + 1);

  for (guint i = 0; i < 4096 + 1; i++)
    buffer[i] = (guint8) (i * 31 + 7);

  for (gsize length = 0; length <= 4096; length += (length < 300 ? 1 : 61))
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (buffer + 1, length);
      g_autofree char *ours = osais_sha256_hex (bytes);
      g_autofree char *glib = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

      g_assert_cmpstr (ours, ==, glib);
    }
}

/* A known answer: FIPS 180-2's "abc". */
static void
test_known_answer (void)
{
  g_autoptr(GBytes) abc = g_bytes_new_static ("abc", 3);
  g_autofree char *hash = osais_sha256_hex (abc);

  g_assert_cmpstr (hash, ==,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/Sha256/matches-glib", test_matches_glib);
  g_test_add_func ("/Osais/Sha256/known-answer", test_known_answer);

  return g_test_run ();
}
