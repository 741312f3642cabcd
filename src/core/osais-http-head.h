/* osais-http-head.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest request head the strict reader looks at; a longer one is
 * left to libsoup, with its own limits. */
#define OSAIS_HTTP_HEAD_MAX_LENGTH  8192
/* Header lines the strict reader accepts in one head. */
#define OSAIS_HTTP_HEAD_MAX_HEADERS 64

typedef enum
{
  /* No complete head yet. The method is checked early; other faults may
   * only show once their line is complete. */
  OSAIS_HTTP_HEAD_INCOMPLETE,
  /* A complete HTTP/1.1 head in the one plain shape below. */
  OSAIS_HTTP_HEAD_PLAIN,
  /* Anything else: invalid, or valid but unusual. Not an error as such:
   * the caller leaves such a request to a general HTTP implementation. */
  OSAIS_HTTP_HEAD_OTHER,
} OsaisHttpHeadKind;

/* A request head that is PLAIN: "METHOD SP target SP HTTP/1.1" CRLF, header
 * lines "name: value" CRLF with token names and visible values, a final
 * CRLF, exactly one Host and exactly one Content-Length of digits; no
 * Transfer-Encoding, Expect or Upgrade, and Connection at most
 * "keep-alive". The pointers point into the parsed data; the strings are
 * not NUL-terminated. */
typedef struct
{
  const char *method;
  gsize       method_length;
  const char *target;
  gsize       target_length;
  const char *content_type;        /* nullable */
  gsize       content_type_length;
  guint64     content_length;
  gsize       head_length;         /* bytes up to and including the blank line */
} OsaisHttpHead;

/* Reads the request head at the start of @data (@length bytes, which may
 * go on with the body and further requests). Fills @head only for PLAIN. */
OsaisHttpHeadKind osais_http_head_parse (const char    *data,
                                         gsize          length,
                                         OsaisHttpHead *head);

G_END_DECLS
