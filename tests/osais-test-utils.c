/* osais-test-utils.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "osais-test-utils.h"

static char *test_home;

static void
remove_test_home (void)
{
  osais_test_remove_tree (test_home);
  g_clear_pointer (&test_home, g_free);
}

void
osais_test_init (int    *argc,
                 char ***argv)
{
  static const struct { const char *variable; const char *folder; } folders[] = {
    { "HOME", "home" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
    /* Two runs of the suite at once (a CI clone beside a checkout) must not
     * share a file that a test writes by name in the temporary folder. */
    { "TMPDIR", "tmp" },
  };
  g_autoptr(GError) error = NULL;

  /* Before anything asks GLib for these folders: it reads them once. */
  test_home = g_dir_make_tmp ("osais-test-XXXXXX", &error);
  if (test_home == NULL)
    g_error ("Cannot make a temporary folder: %s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (test_home, folders[i].folder, NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (folders[i].variable, path, TRUE);
    }
  atexit (remove_test_home);

  g_test_init (argc, argv, NULL);
}

gboolean
osais_test_is_sanitized (void)
{
#ifdef __SANITIZE_ADDRESS__
  return TRUE;
#else
  return g_getenv ("OSAIS_TEST_SANITIZED") != NULL;
#endif
}

const char *
osais_test_get_dir (void)
{
  g_assert_nonnull (test_home);
  return test_home;
}

void
osais_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        osais_test_remove_tree (child);
      }
  g_remove (path);
}

void
osais_test_store_result_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert (*out == NULL);
  *out = g_object_ref (result);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out after %d s waiting for %s", OSAIS_TEST_TIMEOUT_SECONDS,
           (const char *) user_data);
  return G_SOURCE_REMOVE;
}

GAsyncResult *
osais_test_wait_for_result (GAsyncResult **result,
                            const char    *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (OSAIS_TEST_TIMEOUT_SECONDS);

  g_source_set_callback (timeout, timeout_cb, (gpointer) what, NULL);
  g_source_attach (timeout, context);
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_unref (context);
  return *result;
}

static gboolean
wake_up_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
osais_test_wait_until (OsaisTestCondition  condition,
                       gpointer            data,
                       const char         *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) wake_up = g_timeout_source_new (10);
  gint64 deadline = g_get_monotonic_time () + OSAIS_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;

  g_source_set_callback (wake_up, wake_up_cb, NULL, NULL);
  g_source_attach (wake_up, context);
  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %d s waiting for %s", OSAIS_TEST_TIMEOUT_SECONDS, what);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (wake_up);
  g_main_context_unref (context);
}

static gboolean
job_is_complete (gpointer data)
{
  return osais_job_is_complete (data);
}

void
osais_test_wait_for_job (OsaisJob   *job,
                         const char *what)
{
  osais_test_wait_until (job_is_complete, job, what);
}

static gboolean
simulator_is_idle (gpointer data)
{
  return osais_simulator_get_pending (data) == 0;
}

void
osais_test_wait_for_simulator (OsaisSimulator *simulator)
{
  osais_test_wait_until (simulator_is_idle, simulator, "the simulator's callbacks");
}

GBytes *
osais_test_load_image (OsaisImage *image)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = g_file_load_bytes (osais_image_get_file (image), NULL, NULL, &error);

  g_assert_no_error (error);
  return bytes;
}

GBytes *
osais_test_make_png (int   width,
                     int   height,
                     guint seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize size = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * rowstride + x * 3;

        p[0] = (seed * 37 + x * 255 / MAX (1, width - 1)) & 0xff;
        p[1] = ((seed >> 8) * 53 + y * 255 / MAX (1, height - 1)) & 0xff;
        p[2] = (seed * 11 + (seed >> 4)) & 0xff;
      }

  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, "compression", "1", NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

struct _OsaisTestHttpServer
{
  SoupServerCallback  callback;
  gpointer            user_data;
  GDestroyNotify      destroy;

  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
  GMutex              mutex;
  GCond               cond;
  char               *origin;
};

static gpointer
http_server_thread (gpointer data)
{
  OsaisTestHttpServer *self = data;
  g_autoptr(GError) error = NULL;
  SoupServer *server;
  GSList *uris;

  g_main_context_push_thread_default (self->context);

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, self->callback, self->user_data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);

  g_mutex_lock (&self->mutex);
  self->origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (self->loop);

  /* Paused messages end with their connections. */
  soup_server_disconnect (server);
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_object_unref (server);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

OsaisTestHttpServer *
osais_test_http_server_new (SoupServerCallback callback,
                            gpointer           user_data,
                            GDestroyNotify     destroy)
{
  OsaisTestHttpServer *self = g_new0 (OsaisTestHttpServer, 1);

  self->callback = callback;
  self->user_data = user_data;
  self->destroy = destroy;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("test-http-server", http_server_thread, self);

  g_mutex_lock (&self->mutex);
  while (self->origin == NULL)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  return self;
}

const char *
osais_test_http_server_get_origin (OsaisTestHttpServer *self)
{
  return self->origin;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
osais_test_http_server_free (OsaisTestHttpServer *self)
{
  g_main_context_invoke (self->context, quit_loop_cb, self->loop);
  g_thread_join (self->thread);

  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->origin);
  g_free (self);
}

/* Fake tunnels */

struct _OsaisTestFake
{
  OsaisTestFakeKind    kind;
  char                *target;
  OsaisTestHttpServer *server;

  GMutex               mutex;
  GHashTable          *last_headers;  /* lower-case name → value; guarded by mutex */
  /* target too is guarded by mutex: osais_test_fake_set_target() may change it. */
};

static void
fake_remember_headers (OsaisTestFake     *self,
                       SoupServerMessage *msg)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  g_mutex_lock (&self->mutex);
  g_hash_table_remove_all (self->last_headers);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_replace (self->last_headers, g_ascii_strdown (name, -1), g_strdup (value));
  g_mutex_unlock (&self->mutex);
}

/* Forwards the request as a tunnel does, path and body, on the fake's own
 * thread: a blocking request there holds up nothing else. */
static void
fake_forward (OsaisTestFake     *self,
              SoupServerMessage *msg)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) forwarded = NULL;
  g_autoptr(GBytes) request_body = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *type;

  g_mutex_lock (&self->mutex);
  url = g_strconcat (self->target, g_uri_get_path (uri), NULL);
  g_mutex_unlock (&self->mutex);
  forwarded = soup_message_new (soup_server_message_get_method (msg), url);
  g_assert_nonnull (forwarded);
  /* Callbacks too: their bodies, typed as they came (a multipart boundary
   * included). */
  request_body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (request_body) > 0)
    soup_message_set_request_body_from_bytes (
      forwarded,
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                    "Content-Type"),
      request_body);
  body = soup_session_send_and_read (session, forwarded, NULL, &error);
  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_GATEWAY, NULL);
      return;
    }
  type = soup_message_headers_get_one (soup_message_get_response_headers (forwarded),
                                       "Content-Type");
  soup_server_message_set_status (msg, soup_message_get_status (forwarded), NULL);
  soup_server_message_set_response (msg, type != NULL ? type : "application/octet-stream",
                                    SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL),
                                    g_bytes_get_size (body));
}

static void
fake_handler_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  OsaisTestFake *self = user_data;
  g_autofree char *json = NULL;
  const char *page;

  fake_remember_headers (self, msg);
  switch (self->kind)
    {
    case OSAIS_TEST_FAKE_FORWARD:
      fake_forward (self, msg);
      break;
    case OSAIS_TEST_FAKE_NO_ORIGIN:
      /* What ngrok answers when its agent cannot connect to the local address. */
      page = "<!DOCTYPE html><html><body><p>The endpoint is online but the agent "
             "failed to connect to the upstream.</p><p>ERR_NGROK_8012</p></body></html>";
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "ngrok-error-code", "ERR_NGROK_8012");
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_GATEWAY, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY, page, strlen (page));
      break;
    case OSAIS_TEST_FAKE_WARNING_PAGE:
      page = "<!DOCTYPE html><html><body><h1>You are about to visit this site</h1>"
             "<button>Visit Site</button></body></html>";
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                        page, strlen (page));
      break;
    case OSAIS_TEST_FAKE_STRAY:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
      break;
    case OSAIS_TEST_FAKE_NGROK_API:
    case OSAIS_TEST_FAKE_CLOUDFLARED:
      if (strcmp (path, self->kind == OSAIS_TEST_FAKE_NGROK_API ? "/api/tunnels"
                                                                : "/quicktunnel") != 0)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
          break;
        }
      json = self->kind == OSAIS_TEST_FAKE_NGROK_API
               ? g_strdup (self->target)
               : g_strdup_printf ("{\"hostname\":\"%s\"}", self->target);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        json, strlen (json));
      break;
    case OSAIS_TEST_FAKE_RATE_LIMITED:
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "1");
      soup_server_message_set_status (msg, 429, "Too Many Requests");
      if (self->target != NULL)
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                          self->target, strlen (self->target));
      else
        {
          page = "<!DOCTYPE html><html><body><h1>Too Many Requests</h1></body></html>";
          soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY,
                                            page, strlen (page));
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

OsaisTestFake *
osais_test_fake_new (OsaisTestFakeKind  kind,
                     const char        *target)
{
  OsaisTestFake *self = g_new0 (OsaisTestFake, 1);

  self->kind = kind;
  self->target = g_strdup (target);
  g_mutex_init (&self->mutex);
  self->last_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->server = osais_test_http_server_new (fake_handler_cb, self, NULL);
  return self;
}

const char *
osais_test_fake_get_origin (OsaisTestFake *self)
{
  return osais_test_http_server_get_origin (self->server);
}

char *
osais_test_fake_dup_request_header (OsaisTestFake *self,
                                    const char    *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);
  char *value;

  g_mutex_lock (&self->mutex);
  value = g_strdup (g_hash_table_lookup (self->last_headers, key));
  g_mutex_unlock (&self->mutex);
  return value;
}

void
osais_test_fake_set_target (OsaisTestFake *self,
                            const char    *target)
{
  g_mutex_lock (&self->mutex);
  g_free (self->target);
  self->target = g_strdup (target);
  g_mutex_unlock (&self->mutex);
}

void
osais_test_fake_free (OsaisTestFake *self)
{
  osais_test_http_server_free (self->server);
  g_hash_table_unref (self->last_headers);
  g_mutex_clear (&self->mutex);
  g_free (self->target);
  g_free (self);
}

guint
osais_test_closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  /* Bound but never listening, then closed: nothing accepts on it. */
  g_socket_close (socket, NULL);
  return port;
}

void
osais_test_store_open (OsaisTestStore *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("osais-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = osais_store_open (fixture->dir, &error);
  g_assert_no_error (error);
}

void
osais_test_store_close (OsaisTestStore *fixture)
{
  osais_store_close (fixture->store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fixture->store);
  osais_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

OsaisJob *
osais_test_store_create_job (OsaisStore *store,
                             gint64      uid,
                             const char *parameters)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisJob *job;

  osais_store_create_job_async (store, 0, uid, "t", "diffusion", parameters, NULL,
                                osais_test_store_result_cb, &result);
  job = osais_store_create_job_finish (store, osais_test_wait_for_result (&result, "job"),
                                       &error);
  g_assert_no_error (error);

  return job;
}

void
osais_test_store_notify (OsaisStore *store,
                         gint64      uid,
                         OsaisStage  stage,
                         int         cycle,
                         const char *descr)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisNotification notification = { 0 };
  g_autofree char *filename = g_strdup_printf ("out-%d.png", cycle);

  notification.uid = uid;
  notification.token = (char *) "t";
  notification.stage = stage;
  notification.cycle = cycle;
  notification.filename = stage == OSAIS_STAGE_IMAGE_DONE ? filename : NULL;
  notification.descr = (char *) descr;
  notification.cost = -1;

  osais_store_apply_notification_async (store, &notification, NULL,
                                        osais_test_store_result_cb, &result);
  g_assert_true (osais_store_apply_notification_finish (
    store, osais_test_wait_for_result (&result, "notification"), &error));
  g_assert_no_error (error);
}

OsaisImage *
osais_test_store_add_image (OsaisStore *store,
                            gint64      uid,
                            int         cycle,
                            int         width,
                            int         height)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = osais_test_make_png (width, height, uid * 31 + cycle);
  OsaisImage *image;

  osais_store_add_image_async (store, uid, "t", cycle, png, "image/png", width, height, NULL,
                               osais_test_store_result_cb, &result);
  image = osais_store_add_image_finish (store, osais_test_wait_for_result (&result, "image"),
                                        &error);
  g_assert_no_error (error);

  return image;
}

gint64
osais_test_history_root_page (const char *data_dir,
                              const char *table)
{
  g_autofree char *history = g_build_filename (data_dir, "history.sqlite3", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 page;

  g_assert_cmpint (sqlite3_open_v2 (history, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rootpage FROM sqlite_master WHERE name = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  page = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return page;
}

void
osais_test_damage_history_page (const char *data_dir,
                                gint64      page)
{
  g_autofree char *history = g_build_filename (data_dir, "history.sqlite3", NULL);
  guint8 garbage[4096];
  FILE *out;

  memset (garbage, 0xa5, sizeof garbage);
  out = fopen (history, "r+b");
  g_assert_nonnull (out);
  g_assert_cmpint (fseek (out, (long) (page - 1) * sizeof garbage, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (garbage, 1, sizeof garbage, out), ==, sizeof garbage);
  g_assert_cmpint (fclose (out), ==, 0);
}

/* The full disk: a VFS over SQLite's default one whose writes fail with
 * SQLITE_FULL while disk_full is set, and wait while writes_held is (a
 * slow disk, held as long as a test needs a commit under way). */
typedef struct
{
  sqlite3_file  base;
  sqlite3_file *real;
} FullFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs full_vfs;
static int disk_full;
static GMutex held_mutex;
static GCond held_cond;
static gboolean writes_held;
static guint writes_waiting;

#define REAL(file) (((FullFile *)(file))->real)

static int
full_close (sqlite3_file *file)
{
  return REAL (file)->pMethods->xClose (REAL (file));
}

static int
full_read (sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset)
{
  return REAL (file)->pMethods->xRead (REAL (file), buffer, amount, offset);
}

static int
full_write (sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
  if (g_atomic_int_get (&disk_full))
    return SQLITE_FULL;

  g_mutex_lock (&held_mutex);
  writes_waiting++;
  while (writes_held)
    g_cond_wait (&held_cond, &held_mutex);
  writes_waiting--;
  g_mutex_unlock (&held_mutex);

  return REAL (file)->pMethods->xWrite (REAL (file), buffer, amount, offset);
}

static int
full_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
full_sync (sqlite3_file *file, int flags)
{
  return REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
full_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
full_lock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xLock (REAL (file), lock);
}

static int
full_unlock (sqlite3_file *file, int lock)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), lock);
}

static int
full_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
full_file_control (sqlite3_file *file, int op, void *arg)
{
  return REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
full_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
full_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

static int
full_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, out);
}

static int
full_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
full_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
full_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

static int
full_fetch (sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
  return REAL (file)->pMethods->xFetch (REAL (file), offset, amount, out);
}

static int
full_unfetch (sqlite3_file *file, sqlite3_int64 offset, void *page)
{
  return REAL (file)->pMethods->xUnfetch (REAL (file), offset, page);
}

static const sqlite3_io_methods full_io_methods = {
  3,
  full_close, full_read, full_write, full_truncate, full_sync, full_file_size,
  full_lock, full_unlock, full_check_reserved_lock, full_file_control, full_sector_size,
  full_device_characteristics, full_shm_map, full_shm_lock, full_shm_barrier, full_shm_unmap,
  full_fetch, full_unfetch,
};

static int
full_open (sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
  FullFile *full = (FullFile *)file;
  int rc;

  full->real = (sqlite3_file *)(full + 1);
  rc = real_vfs->xOpen (real_vfs, name, full->real, flags, out_flags);
  full->base.pMethods = full->real->pMethods != NULL ? &full_io_methods : NULL;

  return rc;
}

void
osais_test_full_disk_install (void)
{
  real_vfs = sqlite3_vfs_find (NULL);
  full_vfs = *real_vfs;
  full_vfs.zName = "osais-test-full";
  full_vfs.szOsFile = sizeof (FullFile) + real_vfs->szOsFile;
  full_vfs.pNext = NULL;
  full_vfs.xOpen = full_open;
  g_assert_cmpint (sqlite3_vfs_register (&full_vfs, 1), ==, SQLITE_OK);
}

void
osais_test_full_disk_uninstall (void)
{
  g_assert_cmpint (sqlite3_vfs_unregister (&full_vfs), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_vfs_register (real_vfs, 1), ==, SQLITE_OK);
}

void
osais_test_set_disk_full (gboolean full)
{
  g_atomic_int_set (&disk_full, full);
}

void
osais_test_hold_disk_writes (gboolean hold)
{
  g_mutex_lock (&held_mutex);
  writes_held = hold;
  g_cond_broadcast (&held_cond);
  g_mutex_unlock (&held_mutex);
}

gboolean
osais_test_disk_writes_held (gpointer data)
{
  gboolean held;

  g_mutex_lock (&held_mutex);
  held = writes_held && writes_waiting > 0;
  g_mutex_unlock (&held_mutex);
  return held;
}

/* Whether @title is in GNOME's header capitalization: every word capitalized
 * but articles, short conjunctions and prepositions (not the first). */
gboolean
osais_test_is_header_capitalized (const char *title)
{
  static const char * const small[] = { "a", "an", "and", "and/or", "as", "at", "but", "by",
                                        "for", "in", "nor", "of", "on", "or", "the", "to",
                                        "with", NULL };
  g_auto(GStrv) words = g_strsplit (title, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = words[i];

      while (*word == '(' || *word == '"')
        word++;
      if (!g_ascii_isalpha (*word))
        continue;
      if (i > 0 && g_strv_contains (small, word))
        continue;
      if (!g_ascii_isupper (*word))
        return FALSE;
    }

  return TRUE;
}
