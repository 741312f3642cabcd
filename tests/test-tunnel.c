/* test-tunnel.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Finding tunnels and checking the callback URL's round trip, against
 * fake tunnels and tunnel APIs on loopback.
 */

#define G_LOG_DOMAIN "OsaisTestTunnel"

#include <string.h>

#include "osais-core.h"
#include "osais-test-utils.h"

typedef struct
{
  OsaisTestStore       store;
  OsaisCallbackServer *server;
  char                *local_origin;  /* "http://127.0.0.1:PORT", no slash */
  guint                port;
} Fixture;

static void
setup (Fixture       *fx,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *local = NULL;

  osais_test_store_open (&fx->store);
  fx->server = osais_callback_server_new (fx->store.store);
  g_object_set (fx->server, "address", "127.0.0.1", "port", 0, NULL);
  osais_callback_server_start (fx->server, &error);
  g_assert_no_error (error);
  fx->port = osais_callback_server_get_bound_port (fx->server);
  local = osais_callback_server_dup_local_uri (fx->server);
  fx->local_origin = g_strndup (local, strlen (local) - 1);
}

static void
teardown (Fixture       *fx,
          gconstpointer  data)
{
  osais_callback_server_stop (fx->server);
  g_clear_object (&fx->server);
  g_free (fx->local_origin);
  osais_test_store_close (&fx->store);
}

static OsaisTunnelCheck *
check (Fixture    *fx,
       const char *public_url)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisTunnelCheck *outcome;

  osais_tunnel_check_async (public_url, fx->server, NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the check");
  outcome = osais_tunnel_check_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (outcome);
  g_assert_nonnull (outcome->message);
  return outcome;
}

static GPtrArray *
find (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *tunnels;

  osais_tunnel_find_async (NULL, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "finding tunnels");
  tunnels = osais_tunnel_find_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tunnels);
  return tunnels;
}

/* Points the finders at nothing but what a test starts. */
static void
set_apis (const char *ngrok,
          const char *cloudflared)
{
  g_autofree char *closed = NULL;

  if (ngrok == NULL)
    ngrok = closed = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  g_setenv ("OSAIS_NGROK_API", ngrok, TRUE);
  g_setenv ("OSAIS_CLOUDFLARED_METRICS", cloudflared != NULL ? cloudflared : "", TRUE);
}

/* Checks */

static void
test_check_reachable (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD,
                                                          fx->local_origin);
  g_autoptr(OsaisTunnelCheck) outcome = NULL;
  g_autofree char *skip = NULL;
  g_autofree char *agent = NULL;

  outcome = check (fx, osais_test_fake_get_origin (tunnel));
  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_REACHABLE);
  g_assert_cmpuint (outcome->status, ==, 200);
  g_assert_cmpint (outcome->round_trip, >=, 0);
  g_assert_null (outcome->fix);
  g_assert_nonnull (strstr (outcome->message, osais_test_fake_get_origin (tunnel)));

  /* What skips the tunnels' browser warnings went along. */
  skip = osais_test_fake_dup_request_header (tunnel, "ngrok-skip-browser-warning");
  g_assert_cmpstr (skip, ==, "1");
  agent = osais_test_fake_dup_request_header (tunnel, "User-Agent");
  g_assert_true (g_str_has_prefix (agent, "OSAIS-Studio/"));
  g_assert_null (strstr (agent, "Mozilla"));
}

static void
test_check_not_reachable (Fixture       *fx,
                          gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, url);

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_NOT_REACHABLE);
  g_assert_cmpuint (outcome->status, ==, 0);
  g_assert_nonnull (strstr (outcome->message, "the tunnel is down"));
  g_assert_nonnull (outcome->fix);
}

static void
test_check_no_origin (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, osais_test_fake_get_origin (tunnel));
  g_autofree char *port = g_strdup_printf ("port %u", fx->port);

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_NO_ORIGIN);
  g_assert_cmpuint (outcome->status, ==, 502);
  g_assert_nonnull (strstr (outcome->message, "nothing listens behind it"));
  /* The fix names the port to forward to. */
  g_assert_nonnull (strstr (outcome->fix, port));
}

/* A tunnel to the wrong port answers a bare 502, with no body at all. */
static void
test_check_wrong_port (Fixture       *fx,
                       gconstpointer  data)
{
  g_autofree char *closed = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, closed);
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, osais_test_fake_get_origin (tunnel));
  g_autofree char *port = g_strdup_printf ("port %u", fx->port);

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_NO_ORIGIN);
  g_assert_cmpuint (outcome->status, ==, 502);
  g_assert_nonnull (strstr (outcome->message, "wrong port"));
  g_assert_nonnull (strstr (outcome->fix, port));
}

static void
test_check_warning_page (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_WARNING_PAGE, NULL);
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, osais_test_fake_get_origin (tunnel));

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_WARNING_PAGE);
  g_assert_cmpuint (outcome->status, ==, 200);
  g_assert_nonnull (outcome->fix);
}

/* The tunnel reaches our server, but the public URL has a path the server
 * does not serve under. */
static void
test_check_wrong_path (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD,
                                                          fx->local_origin);
  g_autofree char *url = g_strconcat (osais_test_fake_get_origin (tunnel), "/osais/", NULL);
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, url);

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_WRONG_PATH);
  g_assert_cmpuint (outcome->status, ==, 404);
  g_assert_nonnull (strstr (outcome->message, "base path “/”"));
}

/* The case OSAIS warns about: something answers 200 with JSON, but not us. */
static void
test_check_other_server (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(OsaisTestFake) stray = osais_test_fake_new (OSAIS_TEST_FAKE_STRAY, NULL);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD,
                                                          osais_test_fake_get_origin (stray));
  g_autoptr(OsaisTunnelCheck) outcome = check (fx, osais_test_fake_get_origin (tunnel));
  g_autofree char *port = g_strdup_printf ("port %u", fx->port);

  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_OTHER_SERVER);
  g_assert_cmpuint (outcome->status, ==, 200);
  g_assert_nonnull (strstr (outcome->message, "Another server answers"));
  g_assert_nonnull (strstr (outcome->fix, port));
}

/* Another callback server (another OSAIS Studio) makes proofs of its own,
 * which are not ours. */
static void
test_check_other_instance (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(OsaisCallbackServer) other = osais_callback_server_new (fx->store.store);
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTunnelCheck) outcome = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other_uri = NULL;
  g_autofree char *other_origin = NULL;

  g_object_set (other, "address", "127.0.0.1", "port", 0, NULL);
  osais_callback_server_start (other, &error);
  g_assert_no_error (error);
  other_uri = osais_callback_server_dup_local_uri (other);
  other_origin = g_strndup (other_uri, strlen (other_uri) - 1);
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, other_origin);

  outcome = check (fx, osais_test_fake_get_origin (tunnel));
  g_assert_cmpint (outcome->verdict, ==, OSAIS_TUNNEL_VERDICT_OTHER_SERVER);
  g_assert_nonnull (strstr (outcome->message, "Another OSAIS Studio"));

  osais_callback_server_stop (other);
}

/* What our check route answers once it was asked more than its share of
 * a second: asked straight, not through a tunnel, until it says so. */
static char *
dup_real_rate_limit_answer (Fixture *fx)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (fx->local_origin, "/check/0123456789abcdef", NULL);
  guint i;

  for (i = 0; i < 100 * OSAIS_CALLBACK_SERVER_CHECK_RATE; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;

      body = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      if (soup_message_get_status (msg) == 429)
        {
          g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                         "Retry-After"), ==, "1");
          return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
        }
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    }
  g_assert_not_reached ();
}

/* A 429 is no other server: our own check route said "not so often", and
 * waiting fixes it. */
static void
test_check_rate_limited (Fixture       *fx,
                         gconstpointer  data)
{
  g_autofree char *answer = dup_real_rate_limit_answer (fx);
  g_autoptr(OsaisTestFake) tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_RATE_LIMITED, answer);
  g_autoptr(OsaisTestFake) other = osais_test_fake_new (OSAIS_TEST_FAKE_RATE_LIMITED, NULL);
  g_autoptr(OsaisTunnelCheck) ours = check (fx, osais_test_fake_get_origin (tunnel));
  g_autoptr(OsaisTunnelCheck) theirs = check (fx, osais_test_fake_get_origin (other));

  g_assert_cmpint (ours->verdict, ==, OSAIS_TUNNEL_VERDICT_RATE_LIMITED);
  g_assert_cmpuint (ours->status, ==, 429);
  g_assert_nonnull (strstr (ours->message, "more than its 20 checks a second"));
  g_assert_cmpstr (ours->fix, ==, "Checked too often; try again in a few seconds.");
  g_assert_cmpstr (osais_tunnel_verdict_to_string (ours->verdict), ==, "rate-limited");

  /* A tunnel's own limit (a page, not our answer) is waited out the same way. */
  g_assert_cmpint (theirs->verdict, ==, OSAIS_TUNNEL_VERDICT_RATE_LIMITED);
  g_assert_nonnull (strstr (theirs->message, "too many requests"));
  g_assert_nonnull (theirs->fix);
}

static void
test_url_equal (Fixture       *fx,
                gconstpointer  data)
{
  g_assert_true (osais_tunnel_url_equal ("https://x.ngrok.app", "https://x.ngrok.app/"));
  g_assert_true (osais_tunnel_url_equal ("https://x.ngrok.app//", "https://x.ngrok.app"));
  g_assert_true (osais_tunnel_url_equal (NULL, NULL));
  g_assert_false (osais_tunnel_url_equal ("https://x.ngrok.app", NULL));
  g_assert_false (osais_tunnel_url_equal ("https://x.ngrok.app", "https://x.ngrok.app.evil"));
  g_assert_false (osais_tunnel_url_equal ("https://x.ngrok.app/a", "https://x.ngrok.app/"));
  g_assert_false (osais_tunnel_url_equal ("https://x.ngrok.app", "https://y.ngrok.app"));
}

/* The search runs on a worker thread and can be cancelled. */
static void
test_find_cancelled (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tunnels = NULL;

  set_apis (NULL, NULL);
  g_cancellable_cancel (cancellable);
  osais_tunnel_find_async (cancellable, osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, "the cancelled search");
  tunnels = osais_tunnel_find_finish (result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tunnels);
}

static void
test_check_invalid_url (Fixture       *fx,
                        gconstpointer  data)
{
  const char *invalid[] = { "ftp://example.org", "not a url", "https://example.org/?x=1", "" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(OsaisTunnelCheck) outcome = NULL;

      osais_tunnel_check_async (invalid[i], fx->server, NULL, osais_test_store_result_cb,
                                &result);
      osais_test_wait_for_result (&result, "the check");
      outcome = osais_tunnel_check_finish (result, &error);
      g_assert_error (error, OSAIS_TUNNEL_ERROR, OSAIS_TUNNEL_ERROR_INVALID_URL);
      g_assert_null (outcome);
    }
}

/* Finding tunnels */

static char *
ngrok_list (const char *public_url,
            const char *addr)
{
  return g_strdup_printf ("{\"tunnels\":[{\"name\":\"command_line\",\"public_url\":\"%s\","
                          "\"proto\":\"https\",\"config\":{\"addr\":\"%s\",\"inspect\":true}}],"
                          "\"uri\":\"/api/tunnels\"}", public_url, addr);
}

static void
test_find_ngrok (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *addr = g_strdup_printf ("http://localhost:%u", fx->port);
  g_autofree char *list = ngrok_list ("https://abc.ngrok.app", addr);
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autoptr(GPtrArray) tunnels = NULL;
  OsaisTunnel *tunnel;
  char *problem = NULL;

  set_apis (osais_test_fake_get_origin (agent), NULL);
  tunnels = find ();
  g_assert_cmpuint (tunnels->len, ==, 1);
  tunnel = osais_tunnel_pick (tunnels, fx->port, &problem);
  g_assert_null (problem);
  g_assert_nonnull (tunnel);
  g_assert_cmpint (tunnel->kind, ==, OSAIS_TUNNEL_KIND_NGROK);
  g_assert_cmpstr (tunnel->public_url, ==, "https://abc.ngrok.app");
  g_assert_cmpstr (tunnel->addr, ==, addr);
  g_assert_cmpuint (tunnel->port, ==, fx->port);
  g_assert_null (osais_tunnel_dup_port_mismatch (tunnel, fx->port));
}

/* cloudflared says its hostname, not where it forwards. */
static void
test_find_cloudflared (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(OsaisTestFake) metrics = osais_test_fake_new (OSAIS_TEST_FAKE_CLOUDFLARED,
                                                           "quiet-moon.trycloudflare.com");
  g_autofree char *closed = g_strdup_printf ("127.0.0.1:%u", osais_test_closed_port ());
  g_autofree char *list = g_strconcat (closed, ",",
                                       osais_test_fake_get_origin (metrics) + strlen ("http://"),
                                       NULL);
  g_autoptr(GPtrArray) tunnels = NULL;
  OsaisTunnel *tunnel;

  set_apis (NULL, list);
  tunnels = find ();
  g_assert_cmpuint (tunnels->len, ==, 1);
  tunnel = g_ptr_array_index (tunnels, 0);
  g_assert_cmpint (tunnel->kind, ==, OSAIS_TUNNEL_KIND_CLOUDFLARED);
  g_assert_cmpstr (tunnel->public_url, ==, "https://quiet-moon.trycloudflare.com");
  g_assert_cmpuint (tunnel->port, ==, 0);
  /* Alone, it is the tunnel to use; the check tells whether it reaches us. */
  g_assert_true (osais_tunnel_pick (tunnels, fx->port, NULL) == tunnel);
}

static void
test_find_nothing (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *closed = g_strdup_printf ("127.0.0.1:%u", osais_test_closed_port ());
  g_autoptr(GPtrArray) tunnels = NULL;
  g_autofree char *problem = NULL;

  set_apis (NULL, closed);
  tunnels = find ();
  g_assert_cmpuint (tunnels->len, ==, 0);
  g_assert_null (osais_tunnel_pick (tunnels, fx->port, &problem));
  g_assert_nonnull (strstr (problem, "No running tunnel"));
}

static void
test_find_wrong_port (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *list = ngrok_list ("https://abc.ngrok.app", "http://localhost:8080");
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autoptr(GPtrArray) tunnels = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *mismatch = NULL;
  g_autofree char *expected = g_strdup_printf ("ngrok forwards to port 8080; "
                                               "the callback server listens on %u", fx->port);

  set_apis (osais_test_fake_get_origin (agent), NULL);
  tunnels = find ();
  g_assert_cmpuint (tunnels->len, ==, 1);
  g_assert_null (osais_tunnel_pick (tunnels, fx->port, &problem));
  g_assert_cmpstr (problem, ==, expected);
  mismatch = osais_tunnel_dup_port_mismatch (g_ptr_array_index (tunnels, 0), fx->port);
  g_assert_cmpstr (mismatch, ==, expected);
}

/* The search the window and Preferences share */

static gboolean
search_done (gpointer data)
{
  OsaisTunnelSearch *search = data;

  return osais_tunnel_search_get_tunnel_url (search) != NULL
         || osais_tunnel_search_get_problem (search) != NULL;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* It finds the tunnel to its port, notifies it, and forgets it when told
 * to look for no port. */
static void
test_search_found (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *addr = g_strdup_printf ("http://localhost:%u", fx->port);
  g_autofree char *list = ngrok_list ("https://abc.ngrok.app", addr);
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autoptr(OsaisTunnelSearch) search = osais_tunnel_search_new ();
  guint notified = 0;

  set_apis (osais_test_fake_get_origin (agent), NULL);
  g_signal_connect (search, "notify::tunnel-url", G_CALLBACK (count_notify_cb), &notified);
  osais_tunnel_search_set_port (search, fx->port);
  osais_test_wait_until (search_done, search, "the tunnel search");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (osais_tunnel_search_get_tunnel_url (search), ==, "https://abc.ngrok.app");
  g_assert_cmpint (osais_tunnel_search_get_tunnel_kind (search), ==, OSAIS_TUNNEL_KIND_NGROK);
  g_assert_cmpuint (osais_tunnel_search_get_tunnel_port (search), ==, fx->port);
  g_assert_null (osais_tunnel_search_get_problem (search));

  /* The same port again: what was found stands. */
  osais_tunnel_search_set_port (search, fx->port);
  g_assert_cmpstr (osais_tunnel_search_get_tunnel_url (search), ==, "https://abc.ngrok.app");
  g_assert_cmpuint (notified, ==, 1);

  osais_tunnel_search_set_port (search, 0);
  g_assert_null (osais_tunnel_search_get_tunnel_url (search));
  g_assert_cmpuint (notified, ==, 2);
}

/* A tunnel that runs to another port is no offer, and says why. */
static void
test_search_wrong_port (Fixture       *fx,
                        gconstpointer  data)
{
  g_autofree char *list = ngrok_list ("https://abc.ngrok.app", "http://localhost:8080");
  g_autoptr(OsaisTestFake) agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  g_autoptr(OsaisTunnelSearch) search = osais_tunnel_search_new ();
  g_autofree char *expected = g_strdup_printf ("ngrok forwards to port 8080; "
                                               "the callback server listens on %u", fx->port);

  set_apis (osais_test_fake_get_origin (agent), NULL);
  osais_tunnel_search_set_port (search, fx->port);
  osais_test_wait_until (search_done, search, "the tunnel search");
  g_assert_null (osais_tunnel_search_get_tunnel_url (search));
  g_assert_cmpstr (osais_tunnel_search_get_problem (search), ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  osais_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/Osais/Tunnel/" path, Fixture, NULL, setup, func, teardown)

  ADD ("check/reachable", test_check_reachable);
  ADD ("check/not-reachable", test_check_not_reachable);
  ADD ("check/no-origin", test_check_no_origin);
  ADD ("check/wrong-port", test_check_wrong_port);
  ADD ("check/warning-page", test_check_warning_page);
  ADD ("check/wrong-path", test_check_wrong_path);
  ADD ("check/other-server", test_check_other_server);
  ADD ("check/other-instance", test_check_other_instance);
  ADD ("check/rate-limited", test_check_rate_limited);
  ADD ("check/invalid-url", test_check_invalid_url);
  ADD ("find/ngrok", test_find_ngrok);
  ADD ("find/cloudflared", test_find_cloudflared);
  ADD ("find/nothing", test_find_nothing);
  ADD ("find/wrong-port", test_find_wrong_port);
  ADD ("find/cancelled", test_find_cancelled);
  ADD ("url-equal", test_url_equal);
  ADD ("search/found", test_search_found);
  ADD ("search/wrong-port", test_search_wrong_port);

  return g_test_run ();
}
