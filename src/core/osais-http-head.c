/* osais-http-head.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisHttpHead"

#include "config.h"

#include <string.h>

#include "osais-http-head.h"

/* A strict reader of one HTTP/1.1 request head (RFC 9112), for the one
 * shape of request that OSAIS sends most: a POST with a small body framed by
 * Content-Length. It accepts only what has a single reading. Everything
 * else, however legal, is OTHER, for libsoup and the checks around it to
 * handle; so being strict never refuses a valid request, and a request
 * that two parsers could read differently (two lengths, a length and a
 * transfer coding, a bare LF, a folded line) never takes this path. */

#define MAX_METHOD_LENGTH 16

/* tchar of RFC 9110, 5.6.2. */
static inline gboolean
is_token_char (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* field-vchar, SP and HTAB of RFC 9110, 5.5 (obs-text included). */
static inline gboolean
is_field_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static inline gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
equals_ignoring_case (const char *text,
                      gsize       length,
                      const char *literal)
{
  return length == strlen (literal) && g_ascii_strncasecmp (text, literal, length) == 0;
}

/* Up to the head's limit, a missing line end only means "not yet". */
static OsaisHttpHeadKind
incomplete_unless_too_long (gsize length)
{
  return length >= OSAIS_HTTP_HEAD_MAX_LENGTH ? OSAIS_HTTP_HEAD_OTHER
                                              : OSAIS_HTTP_HEAD_INCOMPLETE;
}

static gboolean
parse_content_length (const char *value,
                      gsize       length,
                      guint64    *result)
{
  guint64 number = 0;

  /* 18 digits cannot overflow; no sane body comes near it. */
  if (length == 0 || length > 18)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return FALSE;
      number = number * 10 + (guint64) (value[i] - '0');
    }
  *result = number;
  return TRUE;
}

OsaisHttpHeadKind
osais_http_head_parse (const char    *data,
                       gsize          length,
                       OsaisHttpHead *head)
{
  const char *end = data + MIN (length, OSAIS_HTTP_HEAD_MAX_LENGTH);
  const char *p = data;
  const char *line_end;
  const char *q;
  OsaisHttpHead result = { 0 };
  guint n_headers = 0;
  guint n_hosts = 0;
  guint n_content_lengths = 0;
  guint n_content_types = 0;

  g_return_val_if_fail (data != NULL || length == 0, OSAIS_HTTP_HEAD_OTHER);
  g_return_val_if_fail (head != NULL, OSAIS_HTTP_HEAD_OTHER);

  if (length == 0)
    return OSAIS_HTTP_HEAD_INCOMPLETE;

  /* The request line: METHOD SP request-target SP HTTP/1.1 CRLF. */
  line_end = memchr (p, '\n', end - p);
  if (line_end == NULL)
    {
      /* A method that cannot be ours need not wait for the rest. */
      for (q = p; q < end && g_ascii_isupper (*q); q++)
        ;
      if (q - p > MAX_METHOD_LENGTH || (q < end && (*q != ' ' || q == p)))
        return OSAIS_HTTP_HEAD_OTHER;
      return incomplete_unless_too_long (length);
    }
  if (line_end == p || line_end[-1] != '\r')
    return OSAIS_HTTP_HEAD_OTHER;

  for (q = p; q < line_end && g_ascii_isupper (*q); q++)
    ;
  if (q == p || q - p > MAX_METHOD_LENGTH || *q != ' ')
    return OSAIS_HTTP_HEAD_OTHER;
  result.method = p;
  result.method_length = q - p;

  result.target = ++q;
  for (; q < line_end && *q > 0x20 && *q < 0x7f; q++)
    ;
  if (q == result.target || *q != ' ')
    return OSAIS_HTTP_HEAD_OTHER;
  result.target_length = q - result.target;

  q++;
  if (line_end - 1 - q != 8 || memcmp (q, "HTTP/1.1", 8) != 0)
    return OSAIS_HTTP_HEAD_OTHER;
  p = line_end + 1;

  /* Header lines, up to the empty line. */
  for (;;)
    {
      const char *name;
      const char *value;
      const char *value_end;
      gsize name_length;
      gsize value_length;

      line_end = memchr (p, '\n', end - p);
      if (line_end == NULL)
        return incomplete_unless_too_long (length);
      if (line_end == p || line_end[-1] != '\r')
        return OSAIS_HTTP_HEAD_OTHER;
      if (line_end - p == 1)
        break;
      if (++n_headers > OSAIS_HTTP_HEAD_MAX_HEADERS)
        return OSAIS_HTTP_HEAD_OTHER;

      /* A line that starts with white space (obsolete folding) or has white
       * space before its colon has no token here, and is OTHER. */
      name = p;
      for (q = p; q < line_end - 1 && is_token_char (*q); q++)
        ;
      if (q == p || *q != ':')
        return OSAIS_HTTP_HEAD_OTHER;
      name_length = q - p;

      value = q + 1;
      value_end = line_end - 1;
      while (value < value_end && is_ows (*value))
        value++;
      while (value_end > value && is_ows (value_end[-1]))
        value_end--;
      for (q = value; q < value_end; q++)
        if (!is_field_char (*q))
          return OSAIS_HTTP_HEAD_OTHER;
      value_length = value_end - value;

      if (equals_ignoring_case (name, name_length, "Content-Length"))
        {
          if (++n_content_lengths > 1 ||
              !parse_content_length (value, value_length, &result.content_length))
            return OSAIS_HTTP_HEAD_OTHER;
        }
      else if (equals_ignoring_case (name, name_length, "Content-Type"))
        {
          if (++n_content_types > 1)
            return OSAIS_HTTP_HEAD_OTHER;
          result.content_type = value;
          result.content_type_length = value_length;
        }
      else if (equals_ignoring_case (name, name_length, "Host"))
        {
          n_hosts++;
        }
      else if (equals_ignoring_case (name, name_length, "Connection"))
        {
          if (!equals_ignoring_case (value, value_length, "keep-alive"))
            return OSAIS_HTTP_HEAD_OTHER;
        }
      else if (equals_ignoring_case (name, name_length, "Transfer-Encoding") ||
               equals_ignoring_case (name, name_length, "Expect") ||
               equals_ignoring_case (name, name_length, "Upgrade"))
        {
          return OSAIS_HTTP_HEAD_OTHER;
        }

      p = line_end + 1;
    }

  if (n_hosts != 1 || n_content_lengths != 1)
    return OSAIS_HTTP_HEAD_OTHER;

  result.head_length = line_end + 1 - data;
  *head = result;
  return OSAIS_HTTP_HEAD_PLAIN;
}
