/* fuzz-json-upload.c — an /upload body sent as JSON
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the body.
 */

#define G_LOG_DOMAIN "OsaisFuzzJsonUpload"

#include "osais-fuzz.h"
#include "osais-protocol.h"

/* Small, so that the fuzzer reaches the limit with inputs of its usual size. */
#define MAX_IMAGE_SIZE 64

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJsonUpload) upload = NULL;
  gint64 uid;

  upload = osais_json_upload_parse (body, MAX_IMAGE_SIZE, &error);
  g_assert ((upload == NULL) != (error == NULL));
  if (upload == NULL)
    {
      g_assert (error->domain == OSAIS_PROTOCOL_ERROR);
      return 0;
    }

  g_assert (upload->image != NULL);
  g_assert (g_bytes_get_size (upload->image) <= MAX_IMAGE_SIZE);
  /* The server's next step with the uid. */
  if (upload->uid_text != NULL)
    (void) osais_protocol_parse_int64 (upload->uid_text, &uid);
  return 0;
}
