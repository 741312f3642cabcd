/* fuzz-notify.c — the /notify body parser: JSON, form, multipart and untyped
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the Content-Type value, a newline, the body (see osais_fuzz_split_header()).
 */

#define G_LOG_DOMAIN "OsaisFuzzNotify"

#include <string.h>

#include "osais-fuzz.h"
#include "osais-protocol.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) notification = NULL;
  g_autoptr(JsonObject) ack = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *ack_text = NULL;

  content_type = osais_fuzz_split_header (data, size, &body);
  notification = osais_notification_parse (content_type, body, &error);

  /* Either a notification or an error, never both nor neither. */
  g_assert ((notification == NULL) != (error == NULL));
  if (notification == NULL)
    {
      g_assert (error->domain == OSAIS_PROTOCOL_ERROR);
      return 0;
    }

  /* What the server does with an accepted one: its values are in range, and
   * the acknowledgement it makes of them is a JSON object our reader takes. */
  g_assert (notification->uid_text != NULL && notification->token != NULL);
  g_assert (strlen (notification->token) <= OSAIS_PROTOCOL_MAX_FIELD_LENGTH);
  g_assert (osais_stage_is_valid (notification->stage));
  g_assert (notification->cycle >= 0);
  ack_text = osais_ack_body_new (notification->token, notification->uid_text,
                                 notification->uid_is_number);
  ack = osais_protocol_parse_json_object (ack_text, strlen (ack_text), NULL);
  g_assert (ack != NULL);
  return 0;
}
