/* soup-listener-probe.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>

#include <libsoup/soup.h>

/* Whether a SoupServer that accepts its own connections (public API:
 * soup_server_listen_socket()) survives one failed accept(). libsoup keeps a
 * connection alive only when its server has a listener of its own
 * (request_finished() in soup-server.c), so letting libsoup accept is the
 * public way to keep-alive; but its listener's watch (listen_watch() in
 * soup-listener.c) gives up for good when accept() fails, as it does when
 * descriptors run out (EMFILE), or when another thread took the connection
 * first (EAGAIN). Our accept loop backs off and retries instead
 * (osais-callback-server.c), so the callback server keeps its own accept and
 * closes each connection after its answer (tests/bench/README.md).
 *
 * Prints how many of three clients libsoup started serving, the second of
 * which arrived while descriptors were exhausted; exits 0 when the listener
 * survived (3), 1 when it did not. Runs in a second. */

static guint started;

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  started++;
}

/* Runs the default context for @ms milliseconds. */
static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (G_TIME_SPAN_MILLISECOND);
    }
}

static GSocket *
connect_client (GSocketAddress *address)
{
  const char *request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  g_autoptr(GError) error = NULL;
  GSocket *client;

  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  if (client == NULL || !g_socket_connect (client, address, NULL, &error) ||
      g_socket_send (client, request, strlen (request), NULL, &error) < 0)
    g_error ("Cannot connect: %s", error->message);
  return client;
}

int
main (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) first = NULL;
  g_autoptr(GSocket) second = NULL;
  g_autoptr(GSocket) third = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) spare = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit limit = { 256, 256 };
  int fd;

  /* Few descriptors, so that exhausting them is quick. */
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_error ("setrlimit: %s", g_strerror (errno));

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, &error);
  if (listener == NULL || !g_socket_bind (listener, any, TRUE, &error) ||
      !g_socket_listen (listener, &error) ||
      (bound = g_socket_get_local_address (listener, &error)) == NULL ||
      !soup_server_listen_socket (server, listener, 0, &error))
    g_error ("Cannot listen: %s", error->message);
  g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), NULL);

  first = connect_client (bound);
  iterate_for (200);
  g_print ("libsoup %u.%u.%u: first client: %u started\n", soup_get_major_version (),
           soup_get_minor_version (), soup_get_micro_version (), started);

  /* A client waits while no descriptor is left: accept() fails (EMFILE). */
  second = connect_client (bound);
  while ((fd = dup (0)) >= 0)
    g_array_append_val (spare, fd);
  iterate_for (200);
  for (guint i = 0; i < spare->len; i++)
    close (g_array_index (spare, int, i));
  g_print ("descriptors exhausted for 200 ms, then given back: %u started\n", started);

  /* Descriptors are back: is anyone accepting? */
  third = connect_client (bound);
  iterate_for (1000);
  g_print ("1 s later, with two clients waiting: %u of 3 started: the listener %s\n",
           started, started == 3 ? "survived" : "stopped accepting for good");
  return started == 3 ? 0 : 1;
}
