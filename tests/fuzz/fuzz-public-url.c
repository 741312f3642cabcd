/* fuzz-public-url.c — the URLs the user or a tunnel gives: the public URL
 * checked before a paid request, and the OSAIS origin
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: the text; it ends at a NUL, as a setting or an argument does.
 *
 * A public URL reaches osais_tunnel_check_async() from the settings, from
 * --public-url and from a tunnel's local API (see fuzz-tunnel-answers.c):
 * what it accepts must make a request (it asserts so), what it refuses
 * must be refused as an invalid URL. The same text goes to the callback
 * server's public-url, which the simulator and the input route append
 * paths to, and to osais_client_normalize_origin().
 */

#define G_LOG_DOMAIN "OsaisFuzzPublicUrl"

#include <string.h>

#include "osais-fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *origin = NULL;
  g_autofree char *public_uri = NULL;
  g_autoptr(GError) error = NULL;
  OsaisCallbackServer *server = osais_fuzz_get_server ();

  osais_fuzz_check_public_url (text);

  /* The server keeps it with a "/" at its end, whatever it is, or (if it
   * refuses it, or it is empty) goes on with its local URI. */
  g_object_set (server, "public-url", text, NULL);
  public_uri = osais_callback_server_dup_public_uri (server);
  g_assert (public_uri != NULL && g_str_has_suffix (public_uri, "/"));
  if (*text != '\0' && !g_str_has_prefix (public_uri, text))
    {
      g_autofree char *local_uri = osais_callback_server_dup_local_uri (server);

      g_assert_cmpstr (public_uri, ==, local_uri);
    }
  g_object_set (server, "public-url", NULL, NULL);

  origin = osais_client_normalize_origin (text, &error);
  g_assert ((origin == NULL) != (error == NULL));
  if (origin != NULL)
    {
      /* An origin is http(s) and ends in "/": the client appends paths to it. */
      g_assert (g_str_has_suffix (origin, "/"));
      g_assert (g_ascii_strncasecmp (origin, "http://", 7) == 0 ||
                g_ascii_strncasecmp (origin, "https://", 8) == 0);
    }
  return 0;
}
