/* osais-fuzz.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisFuzz"

#include <string.h>

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
