/* fuzz-check-route.c — the callback server's request line: method, path,
 * the check route's nonce, through the running server
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a request line without its version ("GET /check/0123…"), up to
 * the first CR or LF; what follows the first LF, if anything, is the body.
 *
 * The routing, the check's nonce and its proof are the server's private
 * business, and the server is being rewritten; this target talks to it
 * over HTTP only, as the internet does: it starts a real server on
 * loopback (see osais_fuzz_get_server()), sends each input as one request
 * with Connection: close, and reads the answer. It asserts that every
 * request gets a well-formed answer (a hang is a failure, after 10 s),
 * never a 500, and that a 200 comes only from the check route with a
 * 16–64 hex-digit nonce that the request carried and the proof the server
 * makes for it. The check route answers 20 checks a second, then 429, so
 * most checks stop at the rate limit: the nonce test is reached 20 times
 * a second, the routing every time.
 */

#define G_LOG_DOMAIN "OsaisFuzzCheckRoute"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "osais-fuzz.h"

static int
connect_to_server (void)
{
  struct sockaddr_in address = { 0 };
  struct timeval timeout = { .tv_sec = 10 };
  int fd;

  address.sin_family = AF_INET;
  address.sin_port = htons (osais_callback_server_get_bound_port (osais_fuzz_get_server ()));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert (fd >= 0);
  g_assert (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
  g_assert (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == 0);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      struct pollfd writable = { .fd = fd, .events = POLLOUT };
      int error = errno;
      socklen_t error_size = sizeof error;

      /* libFuzzer's SIGALRM (its -timeout watchdog) interrupts a connect
       * that has a send timeout even under SA_RESTART; the connection goes
       * on in the kernel, and is settled once the socket is writable. */
      if (error != EINTR)
        g_error ("the callback server refuses connections: %s", g_strerror (error));
      while (poll (&writable, 1, 10000) < 0 && errno == EINTR)
        ;
      g_assert (getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &error_size) == 0);
      if (!(writable.revents & POLLOUT) || error != 0)
        g_error ("the callback server refuses connections: %s",
                 error != 0 ? g_strerror (error) : "no connection within 10 s");
    }
  return fd;
}

/* Sends all of @request; FALSE when the server closed first (it may answer
 * and close before reading a body it does not want). */
static gboolean
send_all (int      fd,
          GString *request)
{
  gsize sent = 0;

  while (sent < request->len)
    {
      ssize_t n = send (fd, request->str + sent, request->len - sent, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
        return FALSE;
      if (n < 0)
        g_error ("cannot send a request: %s", g_strerror (errno));
      sent += n;
    }
  return TRUE;
}

/* Reads one answer: its head and the Content-Length bytes of body that
 * follow, or up to the end of the stream. */
static GString *
receive_answer (int fd)
{
  GString *answer = g_string_new (NULL);
  const char *head_end = NULL;
  gsize wanted = G_MAXSIZE;
  char buffer[4096];

  while (answer->len < wanted)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == ECONNRESET)
        break;
      if (n < 0)
        g_error ("no answer from the callback server: %s", g_strerror (errno));
      if (n == 0)
        break;
      g_string_append_len (answer, buffer, n);
      if (head_end == NULL && (head_end = strstr (answer->str, "\r\n\r\n")) != NULL)
        {
          const char *length = strstr (answer->str, "\r\nContent-Length: ");
          gsize head_length = head_end + 4 - answer->str;

          if (length != NULL && length < head_end)
            wanted = head_length + g_ascii_strtoull (length + 18, NULL, 10);
        }
    }
  return answer;
}

/* The value of a string member "name":"…" of the JSON answer, which has no
 * escapes (the server's check answer is hex only). */
static char *
dup_member (const char *body,
            const char *name)
{
  g_autofree char *key = g_strdup_printf ("\"%s\":\"", name);
  const char *start = strstr (body, key);
  const char *end;

  if (start == NULL)
    return NULL;
  start += strlen (key);
  end = strchr (start, '"');
  return end != NULL ? g_strndup (start, end - start) : NULL;
}

static gboolean
is_nonce (const char *text)
{
  gsize length = strlen (text);

  if (length < OSAIS_CALLBACK_SERVER_CHECK_NONCE_MIN ||
      length > OSAIS_CALLBACK_SERVER_CHECK_NONCE_MAX)
    return FALSE;
  return strspn (text, "0123456789abcdefABCDEF") == length;
}

/* Whether @bytes, which may hold NULs, contain @text. */
static gboolean
bytes_contain (GBytes     *bytes,
               const char *text)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  gsize length = strlen (text);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, text, length) == 0)
      return TRUE;
  return FALSE;
}

#ifdef OSAIS_FUZZING
/* LeakSanitizer's scan when the fuzzer's process exits finds the callback
 * server's worker threads mid-teardown (4 blocks of 52 KiB from g_malloc,
 * with no input of the run to blame), as its per-input scan did (see
 * check-route.options). Leaks stay checked where the server is stopped
 * properly: the core suite replays every input under ASan's leak checker. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}
#endif

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autoptr(GString) answer = NULL;
  g_autofree char *line = NULL;
  const uint8_t *newline = memchr (data, '\n', size);
  gsize line_length = newline != NULL ? (gsize) (newline - data) : size;
  const uint8_t *body = newline != NULL ? newline + 1 : NULL;
  gsize body_length = newline != NULL ? size - line_length - 1 : 0;
  const uint8_t *cr = memchr (data, '\r', line_length);
  guint status;
  int fd;

  if (cr != NULL)
    line_length = cr - data;
  line = g_strndup ((const char *) data, line_length);

  g_string_append_len (request, (const char *) data, line_length);
  g_string_append (request, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  if (body != NULL)
    g_string_append_printf (request, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_length);
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append_len (request, (const char *) body, body_length);

  fd = connect_to_server ();
  send_all (fd, request);
  answer = receive_answer (fd);
  /* Closed with a reset, so that no port waits in TIME_WAIT: thousands of
   * connections a second would otherwise run out of them. */
  g_assert (setsockopt (fd, SOL_SOCKET, SO_LINGER, &(struct linger) { 1, 0 },
                        sizeof (struct linger)) == 0);
  close (fd);

  /* A malformed request may be closed without an answer; anything the
   * server says is a status line. */
  if (answer->len == 0)
    return 0;
  if (!g_str_has_prefix (answer->str, "HTTP/1.1 ") && !g_str_has_prefix (answer->str, "HTTP/1.0 "))
    g_error ("not an HTTP answer: %.80s", answer->str);
  g_assert (answer->len >= 12 && g_ascii_isdigit (answer->str[9]) &&
            g_ascii_isdigit (answer->str[10]) && g_ascii_isdigit (answer->str[11]));
  status = g_ascii_strtoull (answer->str + 9, NULL, 10);
  /* 500 is the server failing; other 5xx are answers (libsoup says 505
   * to "GET / HTTP/2.0 HTTP/1.1", a full server 503). */
  if (status == 500)
    g_error ("the server failed on “%s”: %.80s", line, answer->str);

  if (status == 200)
    {
      const char *answer_body = strstr (answer->str, "\r\n\r\n");
      g_autofree char *proof = NULL;
      g_autofree char *nonce = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *route = NULL;
      g_autofree char *decoded = NULL;
      g_autofree char *resolved = NULL;
      g_autofree char *resolved_raw = NULL;
      g_autoptr(GBytes) resolved_raw_decoded = NULL;

      /* Nothing else answers 200 here: no job, no input is registered. */
      g_assert (answer_body != NULL);
      proof = dup_member (answer_body, "proof");
      nonce = dup_member (answer_body, "uid");
      if (proof == NULL || nonce == NULL || !is_nonce (nonce))
        g_error ("a 200 that is no check answer, for “%s”: %.200s", line, answer->str);
      /* The server sees the path percent-decoded and without its dot
       * segments (RFC 3986, 5.2.4): "/check/x/../NONCE" is a check, and so
       * is "/check/%00/../NONCE", whose escaped NUL goes with its segment
       * (g_uri_unescape_string() refuses a NUL, so the segments are also
       * removed before decoding, which keeps NULs). */
      route = g_strconcat ("/check/", nonce, NULL);
      if (!g_str_has_prefix (line, "GET "))
        g_error ("a check answer for a request that was no GET: “%s”", line);
      decoded = g_uri_unescape_string (line + 4, NULL);
      resolved = decoded != NULL ? g_uri_resolve_relative ("http://127.0.0.1/", decoded,
                                                           G_URI_FLAGS_NONE, NULL)
                                 : NULL;
      resolved_raw = g_uri_resolve_relative ("http://127.0.0.1/", line + 4, G_URI_FLAGS_ENCODED, NULL);
      resolved_raw_decoded = resolved_raw != NULL ? g_uri_unescape_bytes (resolved_raw, -1, NULL, NULL)
                                                  : NULL;
      if (strstr (line, route) == NULL && (decoded == NULL || strstr (decoded, route) == NULL) &&
          (resolved == NULL || strstr (resolved, route) == NULL) &&
          (resolved_raw_decoded == NULL ||
           !bytes_contain (resolved_raw_decoded, route)))
        g_error ("a check answer for a request that was no check: “%s”", line);
      expected = osais_callback_server_dup_check_proof (osais_fuzz_get_server (), nonce);
      g_assert_cmpstr (proof, ==, expected);
    }
  return 0;
}
