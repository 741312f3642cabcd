/* test-http-head.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestHttpHead"

#include <string.h>

#include "osais-http-head.h"

#define REQUEST_LINE "POST /notify HTTP/1.1\r\n"
#define HOST         "Host: 127.0.0.1:8080\r\n"
#define LENGTH       "Content-Length: 5\r\n"

/* The request OSAIS sends: a POST with a small body framed by its length. */
#define PLAIN_HEAD \
  REQUEST_LINE \
  HOST \
  "Content-Type: application/json\r\n" \
  LENGTH \
  "\r\n"

/* What the parser finds in a head it does not fill: recognisable values
 * that no parse would give. */
static const OsaisHttpHead untouched = {
  .method = "untouched-method",
  .method_length = 3,
  .target = "untouched-target",
  .target_length = 5,
  .content_type = "untouched-type",
  .content_type_length = 7,
  .content_length = 424242,
  .head_length = 999999,
};

static void
assert_untouched (const OsaisHttpHead *head)
{
  g_assert_true (head->method == untouched.method);
  g_assert_cmpuint (head->method_length, ==, untouched.method_length);
  g_assert_true (head->target == untouched.target);
  g_assert_cmpuint (head->target_length, ==, untouched.target_length);
  g_assert_true (head->content_type == untouched.content_type);
  g_assert_cmpuint (head->content_type_length, ==, untouched.content_type_length);
  g_assert_cmpuint (head->content_length, ==, untouched.content_length);
  g_assert_cmpuint (head->head_length, ==, untouched.head_length);
}

/* Parses @length bytes from a copy of their own, so that a read past them
 * shows under valgrind or ASan; checks that @head is left alone unless the
 * result is PLAIN. */
static OsaisHttpHeadKind
parse_len (const char    *data,
           gsize          length,
           OsaisHttpHead *head)
{
  g_autofree char *copy = g_malloc (MAX (length, 1));
  OsaisHttpHeadKind kind;

  memcpy (copy, data, length);
  *head = untouched;
  kind = osais_http_head_parse (copy, length, head);
  if (kind != OSAIS_HTTP_HEAD_PLAIN)
    {
      assert_untouched (head);
    }
  else
    {
      /* Make the fields point into @data rather than the freed copy. */
      head->method = data + (head->method - copy);
      head->target = data + (head->target - copy);
      if (head->content_type != NULL)
        head->content_type = data + (head->content_type - copy);
    }
  return kind;
}

/* @data in C escapes, for messages. */
static char *
escape_len (const char *data,
            gsize       length)
{
  GString *escaped = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) data[i];

      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (escaped, (char) c);
      else
        g_string_append_printf (escaped, "\\x%02x", c);
    }
  return g_string_free (escaped, FALSE);
}

static const char *
kind_name (OsaisHttpHeadKind kind)
{
  switch (kind)
    {
    case OSAIS_HTTP_HEAD_INCOMPLETE:
      return "INCOMPLETE";
    case OSAIS_HTTP_HEAD_PLAIN:
      return "PLAIN";
    case OSAIS_HTTP_HEAD_OTHER:
      return "OTHER";
    default:
      return "?";
    }
}

static void
assert_kind_len (const char        *data,
                 gsize              length,
                 OsaisHttpHeadKind  expected)
{
  OsaisHttpHead head;
  OsaisHttpHeadKind kind = parse_len (data, length, &head);

  if (kind != expected)
    {
      g_autofree char *escaped = escape_len (data, length);

      g_error ("Expected %s, got %s, for %" G_GSIZE_FORMAT " bytes “%s”",
               kind_name (expected), kind_name (kind), length, escaped);
    }
}

static void
assert_kind (const char        *text,
             OsaisHttpHeadKind  expected)
{
  assert_kind_len (text, strlen (text), expected);
}

static void
assert_other (const char *text)
{
  assert_kind (text, OSAIS_HTTP_HEAD_OTHER);
}

static void
assert_plain (const char *text)
{
  assert_kind (text, OSAIS_HTTP_HEAD_PLAIN);
}

/* REQUEST_LINE, then @headers, then the blank line. */
static char *
head_with (const char *headers)
{
  return g_strconcat (REQUEST_LINE, headers, "\r\n", NULL);
}

static void
assert_headers_other (const char *headers)
{
  g_autofree char *text = head_with (headers);

  assert_other (text);
}

static void
assert_headers_plain (const char *headers)
{
  g_autofree char *text = head_with (headers);

  assert_plain (text);
}

static void
assert_head_text (const char *text,
                  gsize       length,
                  const char *expected)
{
  g_assert_nonnull (text);
  g_assert_cmpmem (text, length, expected, strlen (expected));
}

/* Method, target, type, length and the head's length, exactly. */
static void
test_plain (void)
{
  const char *text = PLAIN_HEAD;
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (text, strlen (text), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_true (head.method == text);
  assert_head_text (head.method, head.method_length, "POST");
  g_assert_true (head.target == text + strlen ("POST "));
  assert_head_text (head.target, head.target_length, "/notify");
  g_assert_true (head.content_type == strstr (text, "application/json"));
  assert_head_text (head.content_type, head.content_type_length, "application/json");
  g_assert_cmpuint (head.content_length, ==, 5);
  g_assert_cmpuint (head.head_length, ==, strlen (text));
}

/* The body and a second request behind it change nothing: head_length is
 * where the body starts. */
static void
test_body_and_pipelined_request (void)
{
  const char *text = PLAIN_HEAD "hello"
                     "GET /other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  static const char garbage[] = PLAIN_HEAD "\x01\r\n\n\0 \r\n\r\n";
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (text, strlen (text), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  assert_head_text (head.method, head.method_length, "POST");
  assert_head_text (head.target, head.target_length, "/notify");
  assert_head_text (head.content_type, head.content_type_length, "application/json");
  g_assert_cmpuint (head.content_length, ==, 5);
  g_assert_cmpuint (head.head_length, ==, strlen (PLAIN_HEAD));
  g_assert_cmpmem (text + head.head_length, 5, "hello", 5);

  /* Nor do bytes that could not start a request. */
  g_assert_cmpint (parse_len (garbage, sizeof garbage - 1, &head), ==,
                   OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.head_length, ==, strlen (PLAIN_HEAD));
}

/* Without a Content-Type, the type is NULL. */
static void
test_no_content_type (void)
{
  g_autofree char *text = head_with (HOST LENGTH);
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (text, strlen (text), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_null (head.content_type);
  g_assert_cmpuint (head.content_type_length, ==, 0);
  g_assert_cmpuint (head.content_length, ==, 5);
  g_assert_cmpuint (head.head_length, ==, strlen (text));
}

/* Header names in any case; white space around values is not theirs. */
static void
test_names_case_insensitive (void)
{
  g_autofree char *text = head_with ("HOST: example.org\r\n"
                                     "content-length:  \t 12 \t\r\n"
                                     "CONTENT-type:\t text/plain; charset=utf-8  \t \r\n");
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (text, strlen (text), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.content_length, ==, 12);
  assert_head_text (head.content_type, head.content_type_length, "text/plain; charset=utf-8");
  g_assert_cmpuint (head.head_length, ==, strlen (text));
}

/* An empty Content-Type value is a type of length 0, not a missing one;
 * white space inside a value stays. */
static void
test_value_white_space (void)
{
  g_autofree char *empty = head_with (HOST LENGTH "Content-Type:   \r\n");
  g_autofree char *inner = head_with (HOST LENGTH "Content-Type: a \t b\r\n");
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (empty, strlen (empty), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_nonnull (head.content_type);
  g_assert_cmpuint (head.content_type_length, ==, 0);

  g_assert_cmpint (parse_len (inner, strlen (inner), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  assert_head_text (head.content_type, head.content_type_length, "a \t b");
}

/* Connection: keep-alive, in any case, is the one Connection accepted. */
static void
test_connection_keep_alive (void)
{
  assert_headers_plain (HOST LENGTH "Connection: keep-alive\r\n");
  assert_headers_plain (HOST "Connection:Keep-Alive \r\n" LENGTH);
  assert_headers_plain ("connection: KEEP-ALIVE\r\n" HOST LENGTH);
}

/* Other headers, known or not, are let be. */
static void
test_other_headers (void)
{
  assert_headers_plain (HOST LENGTH
                        "Accept: */*\r\n"
                        "User-Agent: OSAIS/1.0 (+https://example.org)\r\n"
                        "X-Token: !#$%&'*+-.^_`|~09azAZ\r\n"
                        "!#$%&'*+-.^_`|~: token characters only\r\n"
                        "X-Empty:\r\n");
}

/* Every strict prefix of a valid head, down to nothing, may still become
 * it. */
static void
test_incomplete_prefixes (void)
{
  const char *text = PLAIN_HEAD "body!";
  gsize head_length = strlen (PLAIN_HEAD);

  for (gsize length = 0; length < head_length; length++)
    assert_kind_len (text, length, OSAIS_HTTP_HEAD_INCOMPLETE);
  assert_kind_len (text, head_length, OSAIS_HTTP_HEAD_PLAIN);
}

/* No data at all, as NULL too (the precondition allows it), is not yet a
 * head. */
static void
test_empty (void)
{
  OsaisHttpHead head = untouched;

  g_assert_cmpint (osais_http_head_parse ("", 0, &head), ==, OSAIS_HTTP_HEAD_INCOMPLETE);
  assert_untouched (&head);
  g_assert_cmpint (osais_http_head_parse (NULL, 0, &head), ==, OSAIS_HTTP_HEAD_INCOMPLETE);
  assert_untouched (&head);
}

/* Before its line ends, a request whose method is not upper-case letters
 * already is OTHER. */
static void
test_bad_method_prefix (void)
{
  assert_other ("post ");
  assert_other ("p");
  assert_other ("GE\t");
  assert_other ("GEt");
  assert_other ("POST\r");
  assert_other ("\r");
  assert_other ("\x01");
  assert_kind_len ("PO\0ST /", 7, OSAIS_HTTP_HEAD_OTHER);

  assert_kind ("POST", OSAIS_HTTP_HEAD_INCOMPLETE);
  assert_kind ("POST ", OSAIS_HTTP_HEAD_INCOMPLETE);
}

/* Only HTTP/1.1, spelt exactly so. */
static void
test_version (void)
{
  assert_other ("POST /notify HTTP/1.0\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify HTTP/2.0\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify http/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify HTTP/1.10\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify HTTP/1.1 \r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify  HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify HTTP/1.0\r\n");
}

/* Exactly one Host. */
static void
test_host (void)
{
  assert_headers_plain (HOST LENGTH);
  assert_headers_other (LENGTH);
  assert_headers_other (HOST LENGTH HOST);
  assert_headers_other (HOST LENGTH "host: other.example\r\n");
}

/* Exactly one Content-Length, of at most 18 digits and nothing else. */
static void
test_content_length (void)
{
  OsaisHttpHead head;
  g_autofree char *zero = head_with (HOST "Content-Length: 0\r\n");
  g_autofree char *big = head_with (HOST "Content-Length: 999999999999999999\r\n");
  g_autofree char *leading_zeros = head_with (HOST "Content-Length: 007\r\n");

  g_assert_cmpint (parse_len (zero, strlen (zero), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.content_length, ==, 0);
  g_assert_cmpint (parse_len (big, strlen (big), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.content_length, ==, G_GUINT64_CONSTANT (999999999999999999));
  g_assert_cmpint (parse_len (leading_zeros, strlen (leading_zeros), &head), ==,
                   OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.content_length, ==, 7);

  assert_headers_other (HOST);
  assert_headers_other (HOST LENGTH "Content-Length: 6\r\n");
  assert_headers_other (HOST LENGTH LENGTH);
  assert_headers_other (HOST LENGTH "content-length: 5\r\n");
  assert_headers_other (HOST "Content-Length: +5\r\n");
  assert_headers_other (HOST "Content-Length: -5\r\n");
  assert_headers_other (HOST "Content-Length: 1 2\r\n");
  assert_headers_other (HOST "Content-Length: 1\t2\r\n");
  assert_headers_other (HOST "Content-Length: 5, 5\r\n");
  assert_headers_other (HOST "Content-Length: 12a\r\n");
  assert_headers_other (HOST "Content-Length: abc\r\n");
  assert_headers_other (HOST "Content-Length: 0x10\r\n");
  assert_headers_other (HOST "Content-Length: 5.0\r\n");
  assert_headers_other (HOST "Content-Length: 1000000000000000000\r\n");
  assert_headers_other (HOST "Content-Length: 18446744073709551621\r\n");
  assert_headers_other (HOST "Content-Length:\r\n");
  assert_headers_other (HOST "Content-Length:   \r\n");
}

/* What frames the body or the connection otherwise is OTHER. */
static void
test_framing_headers (void)
{
  assert_headers_other (HOST LENGTH "Transfer-Encoding: chunked\r\n");
  assert_headers_other (HOST LENGTH "transfer-encoding: chunked\r\n");
  assert_headers_other (HOST LENGTH "TRANSFER-ENCODING: identity\r\n");
  assert_headers_other (HOST "Transfer-Encoding: chunked\r\n");
  assert_headers_other (HOST LENGTH "Transfer-Encoding:\r\n");
  assert_headers_other (HOST LENGTH "Expect: 100-continue\r\n");
  assert_headers_other (HOST LENGTH "expect: 100-continue\r\n");
  assert_headers_other (HOST LENGTH "Upgrade: websocket\r\n");
  assert_headers_other (HOST LENGTH "Connection: close\r\n");
  assert_headers_other (HOST LENGTH "CONNECTION: close\r\n");
  assert_headers_other (HOST LENGTH "Connection: keep-alive, Upgrade\r\n");
  assert_headers_other (HOST LENGTH "Connection: Upgrade\r\n");
  assert_headers_other (HOST LENGTH "Connection:\r\n");
  assert_headers_other (HOST LENGTH "Connection: keep-alive\r\nConnection: close\r\n");
}

/* A line that ends in LF alone, anywhere. */
static void
test_bare_lf (void)
{
  assert_other ("POST /notify HTTP/1.1\n" HOST LENGTH "\r\n");
  assert_other ("POST /notify HTTP/1.1\n");
  assert_other ("\n");
  assert_other (REQUEST_LINE "Host: 127.0.0.1:8080\n" LENGTH "\r\n");
  assert_other (REQUEST_LINE HOST "Content-Length: 5\n" "\r\n");
  assert_other (REQUEST_LINE HOST LENGTH "\n");
  assert_other (REQUEST_LINE "\n");
  assert_other (REQUEST_LINE HOST "X-A: b\rc\r\n" LENGTH "\r\n");
}

/* Obsolete line folding: a header line that starts with SP or HTAB. */
static void
test_line_folding (void)
{
  assert_headers_other (HOST LENGTH "Content-Type: text/plain;\r\n charset=utf-8\r\n");
  assert_headers_other (HOST LENGTH "Content-Type: text/plain;\r\n\tcharset=utf-8\r\n");
  assert_headers_other (HOST " Content-Length: 5\r\n");
  assert_headers_other (" " HOST LENGTH);
  assert_headers_other ("\t" HOST LENGTH);
}

/* Names are tokens followed right away by the colon. */
static void
test_header_name (void)
{
  assert_headers_other (HOST "Content-Length : 5\r\n");
  assert_headers_other (HOST "Content-Length\t: 5\r\n");
  assert_headers_other ("Host : 127.0.0.1\r\n" LENGTH);
  assert_headers_other (HOST LENGTH ": value\r\n");
  assert_headers_other (HOST LENGTH ":\r\n");
  assert_headers_other (HOST LENGTH "No colon here\r\n");
  assert_headers_other (HOST LENGTH "NoColon\r\n");
  assert_headers_other (HOST LENGTH "X\"Quoted\": a\r\n");
  assert_headers_other (HOST LENGTH "X(Paren): a\r\n");
  assert_headers_other (HOST LENGTH "X/Slash: a\r\n");
  assert_headers_other (HOST LENGTH "X\x80: a\r\n");
}

/* Control characters (and DEL, and NUL) are not field content. */
static void
test_value_control_chars (void)
{
  static const char nul_value[] = REQUEST_LINE HOST LENGTH "X-A: a\0b\r\n" "\r\n";
  static const char nul_type[] = REQUEST_LINE HOST LENGTH "Content-Type: text/plain\0\r\n" "\r\n";
  static const char nul_host[] = REQUEST_LINE "Host: \0\r\n" LENGTH "\r\n";

  assert_headers_other (HOST LENGTH "X-A: a\x01" "b\r\n");
  assert_headers_other (HOST LENGTH "X-A: \x01\r\n");
  assert_headers_other (HOST LENGTH "X-A: a\x1f\r\n");
  assert_headers_other (HOST LENGTH "X-A: a\x7f" "b\r\n");
  assert_headers_other (HOST LENGTH "Content-Type: text/plain\x7f\r\n");
  assert_headers_other ("Host: 127.0.0.1\x0b\r\n" LENGTH);
  assert_kind_len (nul_value, sizeof nul_value - 1, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (nul_type, sizeof nul_type - 1, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (nul_host, sizeof nul_host - 1, OSAIS_HTTP_HEAD_OTHER);
}

/* Bytes 0x80 to 0xFF (obs-text) are field content. */
static void
test_value_obs_text (void)
{
  g_autofree char *text = head_with (HOST LENGTH "Content-Type: caf\xc3\xa9/\x80\xff\r\n"
                                     "X-Latin: \xe9t\xe9\r\n");
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (text, strlen (text), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  assert_head_text (head.content_type, head.content_type_length, "caf\xc3\xa9/\x80\xff");
  g_assert_cmpuint (head.head_length, ==, strlen (text));
}

/* Two Content-Types, even equal ones, are OTHER. */
static void
test_two_content_types (void)
{
  assert_headers_other (HOST LENGTH "Content-Type: a/b\r\nContent-Type: c/d\r\n");
  assert_headers_other (HOST LENGTH "Content-Type: a/b\r\ncontent-type: a/b\r\n");
}

/* The target is visible ASCII without spaces, and not empty. */
static void
test_target (void)
{
  static const char nul_target[] = "POST /no\0tify HTTP/1.1\r\n" HOST LENGTH "\r\n";

  assert_plain ("POST * HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_plain ("POST http://127.0.0.1:8080/notify?a=b&c=%20#x HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /no tify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /no\ttify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /no\x01tify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /no\x7ftify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST /caf\xc3\xa9 HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST  HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST  /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_kind_len (nul_target, sizeof nul_target - 1, OSAIS_HTTP_HEAD_OTHER);
}

/* The method: 1 to 16 upper-case letters, then one space. */
static void
test_method (void)
{
  OsaisHttpHead head;
  const char *sixteen = "ABCDEFGHIJKLMNOP /notify HTTP/1.1\r\n" HOST LENGTH "\r\n";

  g_assert_cmpint (parse_len (sixteen, strlen (sixteen), &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  assert_head_text (head.method, head.method_length, "ABCDEFGHIJKLMNOP");
  assert_plain ("GET /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_plain ("X /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");

  assert_other ("ABCDEFGHIJKLMNOPQ /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("post /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("Post /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("M-SEARCH /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other (" /notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("POST\t/notify HTTP/1.1\r\n" HOST LENGTH "\r\n");
  assert_other ("\r\n" PLAIN_HEAD);
}

/* OSAIS_HTTP_HEAD_MAX_HEADERS header lines at most. */
static void
test_too_many_headers (void)
{
  g_autoptr(GString) headers = g_string_new (HOST LENGTH);
  g_autofree char *at_limit = NULL;
  g_autofree char *over_limit = NULL;
  g_autofree char *over_limit_unfinished = NULL;

  for (guint i = 2; i < OSAIS_HTTP_HEAD_MAX_HEADERS; i++)
    g_string_append_printf (headers, "X-%u: %u\r\n", i, i);
  at_limit = head_with (headers->str);
  g_string_append (headers, "X-Last: 1\r\n");
  over_limit = head_with (headers->str);
  over_limit_unfinished = g_strconcat (REQUEST_LINE, headers->str, NULL);

  assert_plain (at_limit);
  assert_other (over_limit);
  /* One header too many rules the head out before it ends. */
  assert_other (over_limit_unfinished);
}

/* A head that has not ended within OSAIS_HTTP_HEAD_MAX_LENGTH bytes is
 * OTHER; short of that many bytes, it may still end. */
static void
test_too_long (void)
{
  g_autoptr(GString) text = g_string_new (REQUEST_LINE HOST LENGTH "X-Long: ");

  while (text->len < OSAIS_HTTP_HEAD_MAX_LENGTH + 100)
    g_string_append_c (text, 'a');
  g_string_append (text, "\r\n\r\n");

  assert_kind_len (text->str, text->len, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (text->str, OSAIS_HTTP_HEAD_MAX_LENGTH + 1, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (text->str, OSAIS_HTTP_HEAD_MAX_LENGTH, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (text->str, OSAIS_HTTP_HEAD_MAX_LENGTH - 1, OSAIS_HTTP_HEAD_INCOMPLETE);
}

/* A request line that has not ended within the limit. */
static void
test_request_line_too_long (void)
{
  g_autoptr(GString) text = g_string_new ("POST /");

  while (text->len < OSAIS_HTTP_HEAD_MAX_LENGTH + 10)
    g_string_append_c (text, 'a');
  g_string_append (text, " HTTP/1.1\r\n" HOST LENGTH "\r\n");

  assert_kind_len (text->str, text->len, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (text->str, OSAIS_HTTP_HEAD_MAX_LENGTH, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (text->str, OSAIS_HTTP_HEAD_MAX_LENGTH - 1, OSAIS_HTTP_HEAD_INCOMPLETE);
}

/* A head of @length bytes, its final CRLF included, padded with one long
 * header; a body follows. */
static GString *
head_of_length (gsize length)
{
  GString *text = g_string_new (REQUEST_LINE HOST LENGTH "X-Pad: ");

  while (text->len < length - strlen ("\r\n\r\n"))
    g_string_append_c (text, 'p');
  g_string_append (text, "\r\n\r\n");
  g_assert_cmpuint (text->len, ==, length);
  g_string_append (text, "hello");
  return text;
}

/* A head of exactly OSAIS_HTTP_HEAD_MAX_LENGTH bytes is PLAIN, one byte
 * more is OTHER. */
static void
test_max_length (void)
{
  g_autoptr(GString) at_limit = head_of_length (OSAIS_HTTP_HEAD_MAX_LENGTH);
  g_autoptr(GString) over_limit = head_of_length (OSAIS_HTTP_HEAD_MAX_LENGTH + 1);
  OsaisHttpHead head;

  g_assert_cmpint (parse_len (at_limit->str, at_limit->len, &head), ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.head_length, ==, OSAIS_HTTP_HEAD_MAX_LENGTH);
  g_assert_cmpuint (head.content_length, ==, 5);
  assert_head_text (head.target, head.target_length, "/notify");
  g_assert_cmpint (parse_len (at_limit->str, OSAIS_HTTP_HEAD_MAX_LENGTH, &head), ==,
                   OSAIS_HTTP_HEAD_PLAIN);
  g_assert_cmpuint (head.head_length, ==, OSAIS_HTTP_HEAD_MAX_LENGTH);
  assert_kind_len (at_limit->str, OSAIS_HTTP_HEAD_MAX_LENGTH - 1, OSAIS_HTTP_HEAD_INCOMPLETE);

  assert_kind_len (over_limit->str, over_limit->len, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (over_limit->str, OSAIS_HTTP_HEAD_MAX_LENGTH + 1, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (over_limit->str, OSAIS_HTTP_HEAD_MAX_LENGTH, OSAIS_HTTP_HEAD_OTHER);
  assert_kind_len (over_limit->str, OSAIS_HTTP_HEAD_MAX_LENGTH - 1, OSAIS_HTTP_HEAD_INCOMPLETE);
}

/* A head that is not PLAIN leaves the caller's struct as it was; a PLAIN
 * one fills every field. */
static void
test_untouched (void)
{
  static const char *const not_plain[] = {
    "",
    "POST",
    REQUEST_LINE HOST LENGTH "\n",
    "post /notify HTTP/1.1\r\n",
    "POST /notify HTTP/1.0\r\n" HOST LENGTH "\r\n",
    REQUEST_LINE HOST "Content-Type: a/b\r\n" LENGTH,
    REQUEST_LINE HOST "Content-Type: a/b\r\n" "Transfer-Encoding: chunked\r\n" LENGTH "\r\n",
    REQUEST_LINE "Content-Type: a/b\r\n" "Content-Length: 7\r\n" "\r\n",
  };
  OsaisHttpHead head = untouched;
  OsaisHttpHeadKind kind;

  for (gsize i = 0; i < G_N_ELEMENTS (not_plain); i++)
    {
      head = untouched;
      kind = osais_http_head_parse (not_plain[i], strlen (not_plain[i]), &head);
      g_assert_cmpint (kind, !=, OSAIS_HTTP_HEAD_PLAIN);
      assert_untouched (&head);
    }

  head = untouched;
  kind = osais_http_head_parse (PLAIN_HEAD, strlen (PLAIN_HEAD) - 1, &head);
  g_assert_cmpint (kind, ==, OSAIS_HTTP_HEAD_INCOMPLETE);
  assert_untouched (&head);

  /* No type: the sentinel type is replaced by NULL, not kept. */
  head = untouched;
  kind = osais_http_head_parse (REQUEST_LINE HOST LENGTH "\r\n",
                                strlen (REQUEST_LINE HOST LENGTH "\r\n"), &head);
  g_assert_cmpint (kind, ==, OSAIS_HTTP_HEAD_PLAIN);
  g_assert_null (head.content_type);
  g_assert_cmpuint (head.content_type_length, ==, 0);
  g_assert_cmpuint (head.content_length, ==, 5);
  g_assert_cmpuint (head.head_length, ==, strlen (REQUEST_LINE HOST LENGTH "\r\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/HttpHead/plain", test_plain);
  g_test_add_func ("/Osais/HttpHead/body-and-pipelined-request", test_body_and_pipelined_request);
  g_test_add_func ("/Osais/HttpHead/no-content-type", test_no_content_type);
  g_test_add_func ("/Osais/HttpHead/names-case-insensitive", test_names_case_insensitive);
  g_test_add_func ("/Osais/HttpHead/value-white-space", test_value_white_space);
  g_test_add_func ("/Osais/HttpHead/connection-keep-alive", test_connection_keep_alive);
  g_test_add_func ("/Osais/HttpHead/other-headers", test_other_headers);
  g_test_add_func ("/Osais/HttpHead/incomplete-prefixes", test_incomplete_prefixes);
  g_test_add_func ("/Osais/HttpHead/empty", test_empty);
  g_test_add_func ("/Osais/HttpHead/bad-method-prefix", test_bad_method_prefix);
  g_test_add_func ("/Osais/HttpHead/version", test_version);
  g_test_add_func ("/Osais/HttpHead/host", test_host);
  g_test_add_func ("/Osais/HttpHead/content-length", test_content_length);
  g_test_add_func ("/Osais/HttpHead/framing-headers", test_framing_headers);
  g_test_add_func ("/Osais/HttpHead/bare-lf", test_bare_lf);
  g_test_add_func ("/Osais/HttpHead/line-folding", test_line_folding);
  g_test_add_func ("/Osais/HttpHead/header-name", test_header_name);
  g_test_add_func ("/Osais/HttpHead/value-control-chars", test_value_control_chars);
  g_test_add_func ("/Osais/HttpHead/value-obs-text", test_value_obs_text);
  g_test_add_func ("/Osais/HttpHead/two-content-types", test_two_content_types);
  g_test_add_func ("/Osais/HttpHead/target", test_target);
  g_test_add_func ("/Osais/HttpHead/method", test_method);
  g_test_add_func ("/Osais/HttpHead/too-many-headers", test_too_many_headers);
  g_test_add_func ("/Osais/HttpHead/too-long", test_too_long);
  g_test_add_func ("/Osais/HttpHead/request-line-too-long", test_request_line_too_long);
  g_test_add_func ("/Osais/HttpHead/max-length", test_max_length);
  g_test_add_func ("/Osais/HttpHead/untouched", test_untouched);

  return g_test_run ();
}
