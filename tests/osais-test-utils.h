/* osais-test-utils.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "osais-core.h"

G_BEGIN_DECLS

/* How long a test waits for an asynchronous result before it fails. */
#define OSAIS_TEST_TIMEOUT_SECONDS 60

/* g_test_init() with the user's folders (config, data, cache, state, home)
 * moved to a fresh temporary folder, like G_TEST_OPTION_ISOLATE_DIRS, but
 * keeping XDG_DATA_DIRS: image decoding needs the system's MIME database. */
void          osais_test_init             (int           *argc,
                                           char        ***argv);
/* Whether this test runs under AddressSanitizer (`build-aux/dev sanitize`
 * sets OSAIS_TEST_SANITIZED; a build with -fsanitize=address says so too).
 * Assertions on how fast something runs cannot hold there: ASan slows some
 * code tenfold and more (its memmem() checks the whole haystack on every
 * call), so they are skipped under it, not loosened for every run. */
gboolean      osais_test_is_sanitized     (void);

/* The temporary folder osais_test_init() made (removed at exit): a place
 * for a test's own files. */
const char   *osais_test_get_dir          (void);

/* Removes a folder and everything in it (tests' temporary data folders). */
void          osais_test_remove_tree      (const char    *path);

/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void          osais_test_store_result_cb  (GObject       *object,
                                           GAsyncResult  *result,
                                           gpointer       user_data);

/* Iterates the thread-default main context until *@result is set; aborts
 * the test after OSAIS_TEST_TIMEOUT_SECONDS, naming @what. */
GAsyncResult *osais_test_wait_for_result  (GAsyncResult **result,
                                           const char    *what);

/* What osais_test_wait_until() waits for. */
typedef gboolean (*OsaisTestCondition) (gpointer data);

/* Iterates the thread-default main context until @condition holds. It is
 * checked every few milliseconds too, for what turns true on another thread
 * with nothing to wake the context. Aborts the test after
 * OSAIS_TEST_TIMEOUT_SECONDS, naming @what. */
void          osais_test_wait_until       (OsaisTestCondition  condition,
                                           gpointer            data,
                                           const char         *what);
/* Waits until @job is complete: finished or failed, with every announced
 * image stored. */
void          osais_test_wait_for_job     (OsaisJob      *job,
                                           const char    *what);
/* Waits until @simulator has had the answers to all its callbacks. */
void          osais_test_wait_for_simulator (OsaisSimulator *simulator);

/* The contents of @image's file; asserts that it could be read. */
GBytes       *osais_test_load_image       (OsaisImage    *image);

/* A PNG of @width × @height whose pixels depend on @seed, so each is distinct. */
GBytes       *osais_test_make_png         (int            width,
                                           int            height,
                                           guint          seed);

/* A SoupServer on 127.0.0.1 at a port of its own, running on a thread of its
 * own with its own GMainContext, as the app's callback server does: the test's
 * thread may block on a request to it. @callback answers every path, on the
 * server's thread. */
typedef struct _OsaisTestHttpServer OsaisTestHttpServer;

/* @destroy, if not NULL, is called with @user_data on the server's thread
 * after its clients are disconnected and before the server is freed: the
 * place to drop paused messages. */
OsaisTestHttpServer *osais_test_http_server_new        (SoupServerCallback   callback,
                                                        gpointer             user_data,
                                                        GDestroyNotify       destroy);
/* "http://127.0.0.1:PORT", without a trailing slash. */
const char          *osais_test_http_server_get_origin (OsaisTestHttpServer *self);
void                 osais_test_http_server_free       (OsaisTestHttpServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisTestHttpServer, osais_test_http_server_free)

/* Fake tunnels and tunnel APIs for the callback URL check, each a
 * SoupServer on loopback (see OsaisTestHttpServer). */
typedef enum
{
  OSAIS_TEST_FAKE_FORWARD,      /* a tunnel: forwards every request to the origin @target */
  OSAIS_TEST_FAKE_NO_ORIGIN,    /* a tunnel with nothing behind: ngrok's 502 ERR_NGROK_8012 */
  OSAIS_TEST_FAKE_WARNING_PAGE, /* a tunnel showing an HTML warning page */
  OSAIS_TEST_FAKE_STRAY,        /* some other server: {} to anything */
  OSAIS_TEST_FAKE_NGROK_API,    /* ngrok's agent API: /api/tunnels answers @target */
  OSAIS_TEST_FAKE_CLOUDFLARED,  /* cloudflared's metrics: /quicktunnel has hostname @target */
  OSAIS_TEST_FAKE_RATE_LIMITED, /* 429 with Retry-After: 1 and the JSON body @target, or an
                                 * HTML page when @target is NULL */
} OsaisTestFakeKind;

typedef struct _OsaisTestFake OsaisTestFake;

OsaisTestFake *osais_test_fake_new                (OsaisTestFakeKind  kind,
                                                   const char        *target);
/* "http://127.0.0.1:PORT", without a trailing slash. */
const char    *osais_test_fake_get_origin         (OsaisTestFake     *self);
/* The header @name of the last request the fake had; NULL when none. */
char          *osais_test_fake_dup_request_header (OsaisTestFake     *self,
                                                   const char        *name);
/* Points a forwarding fake at another origin: the user fixed the tunnel. */
void           osais_test_fake_set_target         (OsaisTestFake     *self,
                                                   const char        *target);
void           osais_test_fake_free               (OsaisTestFake     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisTestFake, osais_test_fake_free)

/* A loopback port that was just free and is closed: connections are refused. */
guint          osais_test_closed_port             (void);

/* Whether @title is in GNOME's header capitalization. */
gboolean       osais_test_is_header_capitalized   (const char        *title);

/* A job store in a temporary folder of its own. */
typedef struct
{
  char       *dir;
  OsaisStore *store;
} OsaisTestStore;

void          osais_test_store_open       (OsaisTestStore *fixture);
/* Closes the store, lets the main context release what the writer handed
 * it, and removes the folder. */
void          osais_test_store_close      (OsaisTestStore *fixture);

/* These wait for the store and assert that it succeeded. Jobs are
 * "diffusion" jobs with the token "t". */
OsaisJob     *osais_test_store_create_job (OsaisStore     *store,
                                           gint64          uid,
                                           const char     *parameters);
/* Applies a notification of @stage; an image-done one names out-@cycle.png. */
void          osais_test_store_notify     (OsaisStore     *store,
                                           gint64          uid,
                                           OsaisStage      stage,
                                           int             cycle,
                                           const char     *descr);
/* Stores an osais_test_make_png() image of @width × @height for @cycle. */
OsaisImage   *osais_test_store_add_image  (OsaisStore     *store,
                                           gint64          uid,
                                           int             cycle,
                                           int             width,
                                           int             height);

/* A damaged history whose first page still reads well: the root page of
 * @table in @data_dir's history (ask while the store that wrote it is open:
 * a read-only connection closing last would leave the log behind), then
 * that page overwritten with garbage once the store is closed. */
gint64        osais_test_history_root_page (const char   *data_dir,
                                            const char   *table);
void          osais_test_damage_history_page (const char *data_dir,
                                              gint64      page);

/* A disk that fills on demand: makes SQLite's default VFS (used by the
 * stores opened from now on) one whose writes fail with SQLITE_FULL while
 * osais_test_set_disk_full (TRUE), until osais_test_full_disk_uninstall(). */
void          osais_test_full_disk_install   (void);
void          osais_test_full_disk_uninstall (void);
void          osais_test_set_disk_full       (gboolean        full);
/* While held, the installed VFS's writes wait (a commit stays under way);
 * the count is of writes waiting now. */
void          osais_test_hold_disk_writes     (gboolean        hold);
/* An OsaisTestCondition: a write waits while held (@data is unused). */
gboolean      osais_test_disk_writes_held     (gpointer        data);

G_END_DECLS
