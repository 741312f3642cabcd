/* osais-tunnel.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTunnel"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "osais-callback-server.h"
#include "osais-protocol.h"
#include "osais-tunnel.h"

/* The most of an answer we read: a proof is some hundred bytes, an agent's
 * tunnel list a few kilobytes; the rest of a bigger page tells us nothing. */
#define MAX_ANSWER (256 * 1024)
#define READ_CHUNK 16384

G_DEFINE_QUARK (osais-tunnel-error-quark, osais_tunnel_error)

void
osais_tunnel_free (OsaisTunnel *tunnel)
{
  if (tunnel == NULL)
    return;
  g_free (tunnel->public_url);
  g_free (tunnel->addr);
  g_free (tunnel);
}

void
osais_tunnel_check_free (OsaisTunnelCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->message);
  g_free (check->fix);
  g_free (check);
}

const char *
osais_tunnel_kind_to_string (OsaisTunnelKind kind)
{
  switch (kind)
    {
    case OSAIS_TUNNEL_KIND_NGROK:
      return "ngrok";
    case OSAIS_TUNNEL_KIND_CLOUDFLARED:
      return "cloudflared";
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
osais_tunnel_verdict_to_string (OsaisTunnelVerdict verdict)
{
  switch (verdict)
    {
    case OSAIS_TUNNEL_VERDICT_REACHABLE:
      return "reachable";
    case OSAIS_TUNNEL_VERDICT_NOT_REACHABLE:
      return "not-reachable";
    case OSAIS_TUNNEL_VERDICT_NO_ORIGIN:
      return "no-origin";
    case OSAIS_TUNNEL_VERDICT_WARNING_PAGE:
      return "warning-page";
    case OSAIS_TUNNEL_VERDICT_WRONG_PATH:
      return "wrong-path";
    case OSAIS_TUNNEL_VERDICT_OTHER_SERVER:
      return "other-server";
    case OSAIS_TUNNEL_VERDICT_RATE_LIMITED:
      return "rate-limited";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Bounded fetches
 *
 * Whatever answers (a stray local process, a page through the tunnel) may
 * send any amount; we read at most MAX_ANSWER bytes of it. */

typedef struct
{
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *body;
  gint64        started;
  gint64        round_trip;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_clear_object (&fetch->msg);
  g_clear_object (&fetch->stream);
  g_clear_pointer (&fetch->body, g_byte_array_unref);
  g_free (fetch);
}

static void fetch_read_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);

static void
fetch_read_more (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (fetch->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), fetch_read_cb, task);
}

static void
fetch_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_bytes_get_size (chunk) > 0 && fetch->body->len <= MAX_ANSWER)
    {
      g_byte_array_append (fetch->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      fetch_read_more (g_steal_pointer (&task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
fetch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (fetch->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fetch->round_trip = g_get_monotonic_time () - fetch->started;
  fetch_read_more (g_steal_pointer (&task));
}

static void
fetch_async (SoupSession         *session,
             SoupMessage         *msg,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);
  Fetch *fetch = g_new0 (Fetch, 1);

  g_task_set_source_tag (task, fetch_async);
  fetch->msg = g_object_ref (msg);
  fetch->body = g_byte_array_new ();
  fetch->started = g_get_monotonic_time ();
  fetch->round_trip = -1;
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable, fetch_sent_cb, task);
}

/* The body read, or NULL with @error; @round_trip (nullable) gets the
 * microseconds until the answer's head came. */
static GBytes *
fetch_finish (GAsyncResult  *result,
              gint64        *round_trip,
              GError       **error)
{
  Fetch *fetch = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  if (round_trip != NULL)
    *round_trip = fetch->round_trip;
  return g_bytes_new (fetch->body->data, fetch->body->len);
}

/* Finding tunnels */

/* The local port in an ngrok "addr": "http://localhost:3024", "localhost:3024",
 * "3024", "[::1]:3024", or a scheme's default port; 0 when there is none. */
static guint
port_of_addr (const char *addr)
{
  const char *scheme_end = strstr (addr, "://");
  const char *host = scheme_end != NULL ? scheme_end + 3 : addr;
  g_autofree char *authority = g_strndup (host, strcspn (host, "/"));
  const char *colon = strrchr (authority, ':');
  const char *digits = colon != NULL ? colon + 1 : authority;
  guint64 port = 0;

  if (colon != NULL && strchr (colon, ']') != NULL)
    digits = NULL;  /* "[::1]": an IPv6 address without a port */
  if (digits != NULL && *digits != '\0' && strspn (digits, "0123456789") == strlen (digits) &&
      g_ascii_string_to_unsigned (digits, 10, 1, 65535, &port, NULL))
    return port;
  if (g_str_has_prefix (addr, "https://"))
    return 443;
  if (g_str_has_prefix (addr, "http://"))
    return 80;
  return 0;
}

typedef struct
{
  SoupSession *session;
  GPtrArray   *found;    /* per source, in the order asked: GPtrArray of OsaisTunnel, or NULL */
  guint        n_pending;
} Find;

typedef struct
{
  GTask *task;
  guint  index;
  char  *origin;         /* HOST:PORT of a cloudflared metrics server; NULL for ngrok */
} FindSource;

static void
tunnels_unref (GPtrArray *tunnels)
{
  if (tunnels != NULL)
    g_ptr_array_unref (tunnels);
}

static void
find_free (Find *find)
{
  g_clear_object (&find->session);
  g_clear_pointer (&find->found, g_ptr_array_unref);
  g_free (find);
}

static GPtrArray *
tunnels_from_ngrok (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) root = NULL;
  GPtrArray *tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_tunnel_free);
  JsonNode *list;
  guint i;

  root = osais_protocol_parse_json_object (g_bytes_get_data (body, NULL),
                                           g_bytes_get_size (body), &error);
  if (root == NULL)
    {
      g_debug ("ngrok's agent API answered no tunnel list: %s", error->message);
      return tunnels;
    }
  list = json_object_get_member (root, "tunnels");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return tunnels;

  for (i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      JsonObject *object;
      JsonNode *config;
      const char *public_url;
      const char *addr = NULL;
      OsaisTunnel *tunnel;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      public_url = osais_json_object_get_string (object, "public_url");
      if (public_url == NULL || !g_str_has_prefix (public_url, "http"))
        continue;  /* a TCP or TLS tunnel cannot carry OSAIS's HTTP callbacks */
      config = json_object_get_member (object, "config");
      if (config != NULL && JSON_NODE_HOLDS_OBJECT (config))
        addr = osais_json_object_get_string (json_node_get_object (config), "addr");

      tunnel = g_new0 (OsaisTunnel, 1);
      tunnel->kind = OSAIS_TUNNEL_KIND_NGROK;
      tunnel->public_url = g_strdup (public_url);
      tunnel->addr = g_strdup (addr);
      tunnel->port = addr != NULL ? port_of_addr (addr) : 0;
      g_ptr_array_add (tunnels, tunnel);
    }
  return tunnels;
}

static GPtrArray *
tunnels_from_cloudflared (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) root = NULL;
  GPtrArray *tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_tunnel_free);
  const char *hostname;
  OsaisTunnel *tunnel;

  root = osais_protocol_parse_json_object (g_bytes_get_data (body, NULL),
                                           g_bytes_get_size (body), &error);
  if (root == NULL)
    {
      g_debug ("cloudflared's metrics server answered no quick tunnel: %s", error->message);
      return tunnels;
    }
  /* A named tunnel has no quick-tunnel hostname; its URL is the user's DNS name. */
  hostname = osais_json_object_get_string (root, "hostname");
  if (hostname == NULL || *hostname == '\0' || strpbrk (hostname, "/?#@ ") != NULL)
    return tunnels;

  tunnel = g_new0 (OsaisTunnel, 1);
  tunnel->kind = OSAIS_TUNNEL_KIND_CLOUDFLARED;
  tunnel->public_url = g_strconcat ("https://", hostname, NULL);
  /* cloudflared's metrics server does not tell where the tunnel forwards. */
  tunnel->port = 0;
  g_ptr_array_add (tunnels, tunnel);
  return tunnels;
}

static void
find_source_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  FindSource *find_source = user_data;
  g_autoptr(GTask) task = find_source->task;
  Find *find = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  Fetch *fetch = g_task_get_task_data (G_TASK (result));
  guint status;

  body = fetch_finish (result, NULL, &error);
  status = soup_message_get_status (fetch->msg);
  if (body == NULL)
    g_debug ("No tunnel API at %s: %s",
             find_source->origin != NULL ? find_source->origin : "ngrok's address", error->message);
  else if (status != SOUP_STATUS_OK)
    g_debug ("The tunnel API at %s answered %u",
             find_source->origin != NULL ? find_source->origin : "ngrok's address", status);
  else
    g_ptr_array_index (find->found, find_source->index) =
      find_source->origin != NULL ? tunnels_from_cloudflared (body) : tunnels_from_ngrok (body);

  g_free (find_source->origin);
  g_free (find_source);

  find->n_pending--;
  if (find->n_pending == 0)
    {
      GPtrArray *tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_tunnel_free);
      guint i;

      if (g_task_return_error_if_cancelled (task))
        {
          g_ptr_array_unref (tunnels);
          return;
        }
      for (i = 0; i < find->found->len; i++)
        {
          GPtrArray *some = g_ptr_array_index (find->found, i);

          /* extend_and_steal takes the slot's reference along with the tunnels. */
          g_ptr_array_index (find->found, i) = NULL;
          if (some != NULL)
            g_ptr_array_extend_and_steal (tunnels, some);
        }
      g_task_return_pointer (task, tunnels, (GDestroyNotify) g_ptr_array_unref);
    }
}

static void
find_ask (GTask      *task,
          const char *url,
          const char *origin)
{
  Find *find = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  FindSource *find_source;

  if (msg == NULL)
    {
      g_debug ("Not a URL for a tunnel API: %s", url);
      return;
    }
  find_source = g_new0 (FindSource, 1);
  find_source->task = g_object_ref (task);
  find_source->index = find->found->len;
  find_source->origin = g_strdup (origin);
  g_ptr_array_add (find->found, NULL);
  find->n_pending++;
  fetch_async (find->session, msg, g_task_get_cancellable (task), find_source_done_cb,
               find_source);
}

/* Where to ask, read from the environment on the caller's thread: getenv()
 * is not safe against a setenv() on another thread. */
typedef struct
{
  char *ngrok_api;  /* nullable */
  char *metrics;    /* nullable */
} FindPlaces;

static void
find_places_free (FindPlaces *places)
{
  g_free (places->ngrok_api);
  g_free (places->metrics);
  g_free (places);
}

/* Asks every source at once, on the thread-default context. */
static void
find_start (const FindPlaces    *places,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *ngrok_api = places->ngrok_api;
  const char *metrics = places->metrics;
  g_autofree char *ngrok_base = NULL;
  g_autofree char *ngrok_url = NULL;
  g_auto(GStrv) origins = NULL;
  Find *find;
  guint i;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, find_start);
  find = g_new0 (Find, 1);
  /* Both APIs are on this machine: no proxy, and a short wait, as nothing
   * listening is the common case. */
  find->session = soup_session_new_with_options ("timeout", OSAIS_TUNNEL_FIND_TIMEOUT,
                                                 "proxy-resolver", NULL,
                                                 "user-agent", "OSAIS-Studio/" PACKAGE_VERSION,
                                                 NULL);
  find->found = g_ptr_array_new_with_free_func ((GDestroyNotify) tunnels_unref);
  g_task_set_task_data (task, find, (GDestroyNotify) find_free);

  ngrok_base = g_strdup (ngrok_api != NULL && *ngrok_api != '\0' ? ngrok_api
                                                                 : OSAIS_TUNNEL_NGROK_API_DEFAULT);
  while (g_str_has_suffix (ngrok_base, "/"))
    ngrok_base[strlen (ngrok_base) - 1] = '\0';
  ngrok_url = g_strconcat (ngrok_base, "/api/tunnels", NULL);
  find_ask (task, ngrok_url, NULL);

  origins = g_strsplit (metrics != NULL ? metrics : OSAIS_TUNNEL_CLOUDFLARED_METRICS_DEFAULT,
                        ",", -1);
  for (i = 0; origins[i] != NULL; i++)
    {
      g_autofree char *origin = g_strstrip (g_strdup (origins[i]));
      g_autofree char *url = NULL;

      if (*origin == '\0')
        continue;
      url = g_strconcat ("http://", origin, "/quicktunnel", NULL);
      find_ask (task, url, origin);
    }

  if (find->n_pending == 0)
    g_task_return_pointer (task,
                           g_ptr_array_new_with_free_func ((GDestroyNotify) osais_tunnel_free),
                           (GDestroyNotify) g_ptr_array_unref);
}

static void
find_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The whole search on a worker thread, with a main context of its own: the
 * caller's thread (the app's main thread) does no HTTP and no parsing, and
 * waits for nothing. */
static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GPtrArray *tunnels;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  find_start (task_data, cancellable, find_started_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  tunnels = g_task_propagate_pointer (G_TASK (result), &error);
  /* What the sources' sessions left to finish goes with the context. */
  g_clear_object (&result);
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
  g_main_context_pop_thread_default (context);

  if (tunnels == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tunnels, (GDestroyNotify) g_ptr_array_unref);
}

void
osais_tunnel_find_async (GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FindPlaces *places;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_tunnel_find_async);
  g_task_set_name (task, "osais_tunnel_find_async");
  g_task_set_return_on_cancel (task, FALSE);
  places = g_new0 (FindPlaces, 1);
  places->ngrok_api = g_strdup (g_getenv ("OSAIS_NGROK_API"));
  places->metrics = g_strdup (g_getenv ("OSAIS_CLOUDFLARED_METRICS"));
  g_task_set_task_data (task, places, (GDestroyNotify) find_places_free);
  g_task_run_in_thread (task, find_thread);
}

GPtrArray *
osais_tunnel_find_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_tunnel_find_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
osais_tunnel_dup_port_mismatch (const OsaisTunnel *tunnel,
                                guint              port)
{
  g_return_val_if_fail (tunnel != NULL, NULL);

  if (tunnel->port == 0 || tunnel->port == port)
    return NULL;
  return g_strdup_printf (_("%s forwards to port %u; the callback server listens on %u"),
                          osais_tunnel_kind_to_string (tunnel->kind), tunnel->port, port);
}

static gsize
length_without_slashes (const char *url)
{
  gsize length = strlen (url);

  while (length > 0 && url[length - 1] == '/')
    length--;
  return length;
}

gboolean
osais_tunnel_url_equal (const char *a,
                        const char *b)
{
  gsize length;

  if (a == NULL || b == NULL)
    return a == b;
  length = length_without_slashes (a);
  return length == length_without_slashes (b) && strncmp (a, b, length) == 0;
}

OsaisTunnel *
osais_tunnel_pick (GPtrArray  *tunnels,
                   guint       port,
                   char      **problem)
{
  OsaisTunnel *match = NULL;
  OsaisTunnel *unknown = NULL;
  guint n_match = 0;
  guint n_unknown = 0;
  guint i;

  g_return_val_if_fail (tunnels != NULL, NULL);

  for (i = 0; i < tunnels->len; i++)
    {
      OsaisTunnel *tunnel = g_ptr_array_index (tunnels, i);

      if (tunnel->port == port)
        {
          match = tunnel;
          n_match++;
        }
      else if (tunnel->port == 0)
        {
          unknown = tunnel;
          n_unknown++;
        }
    }

  if (n_match == 1)
    return match;
  /* A cloudflared quick tunnel does not say where it forwards; alone, it
   * is the user's tunnel, and the check tells whether it reaches us. */
  if (n_match == 0 && n_unknown == 1 && tunnels->len == 1)
    return unknown;

  if (problem != NULL)
    {
      if (tunnels->len == 0)
        *problem = g_strdup (_("No running tunnel was found (ngrok or cloudflared)"));
      else if (n_match > 1)
        *problem = g_strdup_printf (_("Several tunnels forward to port %u"), port);
      else if (n_match == 0 && n_unknown == 0 && tunnels->len == 1)
        *problem = osais_tunnel_dup_port_mismatch (g_ptr_array_index (tunnels, 0), port);
      else
        *problem = g_strdup_printf (_("None of the running tunnels is known to forward to "
                                      "port %u"), port);
    }
  return NULL;
}

/* Checking the round trip */

typedef struct
{
  OsaisCallbackServer *server;
  char                *public_url;
  char                *nonce;
  guint                port;
  char                *base_path;
  SoupSession         *session;
} Check;

static void
check_free (Check *check)
{
  g_clear_object (&check->server);
  g_free (check->public_url);
  g_free (check->nonce);
  g_free (check->base_path);
  g_clear_object (&check->session);
  g_free (check);
}

/* The nonce only has to be fresh, not secret: the proof is what no one else can make. */
static char *
new_nonce (void)
{
  return g_strdup_printf ("%08x%08x%08x%08x", g_random_int (), g_random_int (),
                          g_random_int (), g_random_int ());
}

static OsaisTunnelCheck *
verdict_new (OsaisTunnelVerdict  verdict,
             guint               status,
             gint64              round_trip,
             char               *message,
             char               *fix)
{
  OsaisTunnelCheck *result = g_new0 (OsaisTunnelCheck, 1);

  result->verdict = verdict;
  result->status = status;
  result->round_trip = round_trip;
  result->message = message;
  result->fix = fix;
  return result;
}

static char *
fix_for_port (guint port)
{
  return g_strdup_printf (_("Point the tunnel at port %u, where the callback server listens "
                            "(for example “ngrok http %u”), and keep the server running."),
                          port, port);
}

static gboolean
bytes_contain (GBytes     *body,
               const char *needle)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);

  /* An empty answer (a bare 502) has no data at all. */
  return data != NULL && g_strstr_len (data, size, needle) != NULL;
}

static gboolean
looks_like_html (SoupMessage *msg,
                 GBytes      *body)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                            NULL);
  const char *data = g_bytes_get_data (body, NULL);
  gsize length = g_bytes_get_size (body);
  gsize i = 0;

  if (type != NULL && (g_ascii_strcasecmp (type, "text/html") == 0 ||
                       g_ascii_strcasecmp (type, "application/xhtml+xml") == 0))
    return TRUE;
  while (i < length && g_ascii_isspace (data[i]))
    i++;
  return i < length && data[i] == '<';
}

/* Whether @body is our server's own error answer for @status ({"error":
 * {"status": …, "message": …}}, nothing else): the request reached a
 * callback server of ours. @message, when not NULL, must match too. */
static gboolean
is_our_error (guint       status,
              GBytes     *body,
              const char *message)
{
  g_autoptr(JsonObject) root = NULL;
  JsonNode *error;
  JsonObject *object;

  root = osais_protocol_parse_json_object (g_bytes_get_data (body, NULL),
                                           g_bytes_get_size (body), NULL);
  if (root == NULL || json_object_get_size (root) != 1)
    return FALSE;
  error = json_object_get_member (root, "error");
  if (error == NULL || !JSON_NODE_HOLDS_OBJECT (error))
    return FALSE;
  object = json_node_get_object (error);
  return json_object_get_int_member_with_default (object, "status", 0) == status &&
         osais_json_object_get_string (object, "message") != NULL &&
         (message == NULL ||
          g_strcmp0 (osais_json_object_get_string (object, "message"), message) == 0);
}

/* Our server's own "not found": the request reached this callback server,
 * just not under its base path. */
static gboolean
is_our_not_found (guint   status,
                  GBytes *body)
{
  return status == SOUP_STATUS_NOT_FOUND && is_our_error (status, body, "Not found");
}

/* What the proof in a 200 answer says: 1 ours, 0 another check route's
 * (another OSAIS Studio), -1 no proof at all. */
static int
proof_in_answer (Check  *check,
                 GBytes *body)
{
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *expected = NULL;
  const char *proof;

  root = osais_protocol_parse_json_object (g_bytes_get_data (body, NULL),
                                           g_bytes_get_size (body), NULL);
  if (root == NULL)
    return -1;
  proof = osais_json_object_get_string (root, "proof");
  if (proof == NULL)
    return -1;
  expected = osais_callback_server_dup_check_proof (check->server, check->nonce);
  return strcmp (proof, expected) == 0 ? 1 : 0;
}

static OsaisTunnelCheck *
judge (Check        *check,
       SoupMessage  *msg,
       GBytes       *body,
       gint64        round_trip)
{
  guint status = soup_message_get_status (msg);
  const char *ngrok_error = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                          "ngrok-error-code");
  gboolean ngrok_no_origin = g_strcmp0 (ngrok_error, "ERR_NGROK_8012") == 0 ||
                             bytes_contain (body, "ERR_NGROK_8012");
  gboolean ngrok_offline = g_strcmp0 (ngrok_error, "ERR_NGROK_3200") == 0 ||
                           bytes_contain (body, "ERR_NGROK_3200");
  int proof;

  if (status == SOUP_STATUS_OK)
    {
      proof = proof_in_answer (check, body);
      if (proof == 1)
        return verdict_new (OSAIS_TUNNEL_VERDICT_REACHABLE, status, round_trip,
                            g_strdup_printf (_("Reachable: %s answers from this callback server "
                                               "in %u ms"),
                                             check->public_url,
                                             (guint) (round_trip / G_TIME_SPAN_MILLISECOND)),
                            NULL);
      if (proof == 0)
        return verdict_new (OSAIS_TUNNEL_VERDICT_OTHER_SERVER, status, round_trip,
                            g_strdup_printf (_("Another OSAIS Studio answers at %s, not this "
                                               "one: its callbacks would not reach us"),
                                             check->public_url),
                            g_strdup (_("Stop the other instance, or give each its own tunnel "
                                        "and public URL.")));
    }

  /* ngrok names its errors: the tunnel's endpoint is gone, or nothing
   * listens behind it. */
  if (ngrok_offline)
    return verdict_new (OSAIS_TUNNEL_VERDICT_NOT_REACHABLE, status, round_trip,
                        g_strdup_printf (_("Nothing answers at %s: the tunnel is down "
                                           "(ngrok says the endpoint is offline)"),
                                         check->public_url),
                        g_strdup (_("Start the tunnel again and register its new public URL.")));
  if (ngrok_no_origin || status == SOUP_STATUS_BAD_GATEWAY ||
      status == SOUP_STATUS_GATEWAY_TIMEOUT || status == 530)
    return verdict_new (OSAIS_TUNNEL_VERDICT_NO_ORIGIN, status, round_trip,
                        g_strdup_printf (_("The tunnel answers (HTTP %u) but nothing listens "
                                           "behind it: wrong port or server stopped"), status),
                        fix_for_port (check->port));

  /* Too many requests: our check route answers only so many a second
   * (OSAIS_CALLBACK_SERVER_CHECK_RATE), and a tunnel may limit its own;
   * either way the URL says nothing yet, and waiting fixes it. */
  if (status == 429)
    return verdict_new (OSAIS_TUNNEL_VERDICT_RATE_LIMITED, status, round_trip,
                        is_our_error (status, body, NULL)
                          ? g_strdup_printf (_("The callback server at %s was asked more "
                                               "than its %u checks a second (HTTP 429)"),
                                             check->public_url,
                                             OSAIS_CALLBACK_SERVER_CHECK_RATE)
                          : g_strdup_printf (_("%s refuses: too many requests (HTTP 429)"),
                                             check->public_url),
                        g_strdup (_("Checked too often; try again in a few seconds.")));

  if (looks_like_html (msg, body))
    return verdict_new (OSAIS_TUNNEL_VERDICT_WARNING_PAGE, status, round_trip,
                        g_strdup_printf (_("A web page answers at %s (HTTP %u) instead of the "
                                           "callback server: a tunnel's warning or sign-in page"),
                                         check->public_url, status),
                        g_strdup (_("Use a tunnel that sends requests straight through, without "
                                    "a page in between: OSAIS cannot click through it.")));

  if (is_our_not_found (status, body))
    return verdict_new (OSAIS_TUNNEL_VERDICT_WRONG_PATH, status, round_trip,
                        g_strdup_printf (_("The callback server answers, but the public URL’s "
                                           "path does not match its base path “%s”"),
                                         check->base_path),
                        g_strdup_printf (_("Use a public URL whose path is “%s”, or set the "
                                           "callback server’s base path to the public URL’s."),
                                         check->base_path));

  return verdict_new (OSAIS_TUNNEL_VERDICT_OTHER_SERVER, status, round_trip,
                      g_strdup_printf (_("Another server answers at %s (HTTP %u), not this "
                                         "callback server: what OSAIS takes for acknowledgements "
                                         "would not be ours, and results would be lost"),
                                       check->public_url, status),
                      fix_for_port (check->port));
}

static void
check_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  Fetch *fetch = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gint64 round_trip = -1;

  body = fetch_finish (result, &round_trip, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (body == NULL)
    {
      /* DNS, refused, timeout, TLS: the address answers nothing we can read. */
      g_task_return_pointer (task,
                             verdict_new (OSAIS_TUNNEL_VERDICT_NOT_REACHABLE, 0, -1,
                                          g_strdup_printf (_("Nothing answers at %s: the tunnel "
                                                             "is down (%s)"),
                                                           check->public_url, error->message),
                                          g_strdup_printf (_("Start the tunnel (for example "
                                                             "“ngrok http %u”) and register "
                                                             "its public URL."), check->port)),
                             (GDestroyNotify) osais_tunnel_check_free);
      return;
    }
  g_task_return_pointer (task, judge (check, fetch->msg, body, round_trip),
                         (GDestroyNotify) osais_tunnel_check_free);
}

void
osais_tunnel_check_async (const char          *public_url,
                          OsaisCallbackServer *server,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  Check *check;
  const char *scheme;

  g_return_if_fail (public_url != NULL);
  g_return_if_fail (OSAIS_IS_CALLBACK_SERVER (server));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_tunnel_check_async);

  uri = g_uri_parse (public_url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_task_return_new_error (task, OSAIS_TUNNEL_ERROR, OSAIS_TUNNEL_ERROR_INVALID_URL,
                               _("“%s” is not an http or https URL without query"), public_url);
      return;
    }
  if (!osais_callback_server_get_listening (server))
    {
      g_task_return_new_error (task, OSAIS_TUNNEL_ERROR, OSAIS_TUNNEL_ERROR_NOT_LISTENING,
                               _("The callback server is not running"));
      return;
    }

  check = g_new0 (Check, 1);
  check->server = g_object_ref (server);
  check->port = osais_callback_server_get_bound_port (server);
  g_object_get (server, "base-path", &check->base_path, NULL);
  check->nonce = new_nonce ();
  base = g_strdup (public_url);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  check->public_url = g_strdup (base);
  check->session = soup_session_new_with_options ("timeout", OSAIS_TUNNEL_CHECK_TIMEOUT,
                                                  "user-agent", "OSAIS-Studio/" PACKAGE_VERSION
                                                                " (callback URL check)",
                                                  NULL);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  url = g_strconcat (base, "/check/", check->nonce, NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  g_assert (msg != NULL);
  headers = soup_message_get_request_headers (msg);
  /* ngrok's free plan shows browsers a warning page unless this header is
   * sent; our non-browser User-Agent skips it too. */
  soup_message_headers_replace (headers, "ngrok-skip-browser-warning", "1");
  soup_message_headers_replace (headers, "Accept", "application/json");

  g_debug ("Checking %s", url);
  fetch_async (check->session, msg, cancellable, check_fetched_cb, g_steal_pointer (&task));
}

OsaisTunnelCheck *
osais_tunnel_check_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_tunnel_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
