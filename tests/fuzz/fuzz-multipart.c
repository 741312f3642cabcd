/* fuzz-multipart.c — the multipart/form-data parser
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the Content-Type value (with its boundary), a newline, the body.
 */

#define G_LOG_DOMAIN "OsaisFuzzMultipart"

#include <string.h>

#include "osais-fuzz.h"
#include "osais-multipart.h"
#include "osais-protocol.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autofree char *content_type = NULL;
  GHashTableIter iter;
  gpointer key, value;

  content_type = osais_fuzz_split_header (data, size, &body);
  form = osais_multipart_form_parse (content_type, body, &error);
  g_assert ((form == NULL) != (error == NULL));
  if (form == NULL)
    {
      g_assert (error->domain == OSAIS_PROTOCOL_ERROR);
      return 0;
    }

  /* What the header promises: bounded fields of UTF-8 text, a file within the body. */
  g_assert (g_hash_table_size (form->fields) <= OSAIS_MULTIPART_MAX_PARTS);
  g_hash_table_iter_init (&iter, form->fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert (g_utf8_validate (key, -1, NULL));
      g_assert (strlen (value) <= OSAIS_MULTIPART_MAX_FIELD_LENGTH);
      g_assert (g_utf8_validate (value, -1, NULL));
    }
  if (form->file_data != NULL)
    g_assert (g_bytes_get_size (form->file_data) <= g_bytes_get_size (body));
  return 0;
}
