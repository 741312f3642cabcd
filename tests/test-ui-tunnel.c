/* test-ui-tunnel.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "osais-application.h"
#include "osais-preferences-window.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"

/* The callback URL through the app: a running tunnel found and offered (the
 * window's banner, Preferences), a tunnel to another port reported, and
 * every verdict of the round-trip check said in the window. Each test runs
 * the whole application with the demo account on an in-process simulator,
 * against loopback fakes of the tunnels and of ngrok's agent API; every
 * wait is on a condition. */

typedef struct _Run Run;

struct _Run
{
  OsaisApplication *app;
  OsaisSession     *session;
  GSettings        *settings;
  char             *data_dir;
  guint             port;          /* the callback server's */
  const char       *tunnel_url;    /* the tunnel the fake agent lists */
  /* Weak: a failure that destroys the window clears it. */
  GtkWidget        *window;
  gconstpointer     data;          /* the test's own */
  gboolean          first_run;     /* starts on the welcome page, then Demo Account */
  void            (*check) (Run *run);
};

/* Starts the simulator and points the app's settings at it, as a demo
 * account: a real login, not offline. */
static OsaisSimulator *
run_init (Run *run)
{
  OsaisSimulator *simulator = osais_simulator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;

  g_assert_true (osais_simulator_start (simulator, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  origin = osais_simulator_dup_origin (simulator);

  run->settings = g_settings_new (APPLICATION_ID);
  osais_ui_test_reset_settings (run->settings);
  g_settings_set_string (run->settings, "server-origin", origin);
  g_settings_set_enum (run->settings, "account-mode", OSAIS_ACCOUNT_MODE_DEMO);
  run->data_dir = g_dir_make_tmp ("osais-tunnel-XXXXXX", &error);
  g_assert_no_error (error);
  run->port = osais_test_closed_port ();
  return simulator;
}

static void
run_clear (Run *run)
{
  osais_test_remove_tree (run->data_dir);
  g_clear_pointer (&run->data_dir, g_free);
  g_clear_object (&run->settings);
}

/* Where the app looks for tunnels: ngrok's agent API at @ngrok_api (NULL:
 * nothing there), no cloudflared. */
static void
set_tunnel_apis (const char *ngrok_api)
{
  g_autofree char *closed = NULL;

  if (ngrok_api == NULL)
    ngrok_api = closed = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  g_setenv ("OSAIS_NGROK_API", ngrok_api, TRUE);
  g_setenv ("OSAIS_CLOUDFLARED_METRICS", "", TRUE);
}

static char *
ngrok_list (const char *public_url,
            guint       port)
{
  return g_strdup_printf ("{\"tunnels\":[{\"name\":\"command_line\",\"public_url\":\"%s\","
                          "\"proto\":\"https\",\"config\":{\"addr\":\"http://localhost:%u\","
                          "\"inspect\":true}}],\"uri\":\"/api/tunnels\"}", public_url, port);
}

static gboolean
has_window (gpointer data)
{
  Run *run = data;
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));

  if (window == NULL)
    return FALSE;
  run->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &run->window);
  run->session = osais_application_get_session (run->app);
  return TRUE;
}

static gboolean
session_ready (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_listening (run->session)
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN;
}

static gboolean
server_listening (gpointer data)
{
  Run *run = data;

  return osais_session_get_store (run->session) != NULL
         && osais_session_get_server_listening (run->session);
}

static gboolean
banner_mapped (gpointer data)
{
  Run *run = data;

  return run->window != NULL
         && gtk_widget_get_mapped (GTK_WIDGET (osais_window_get_banner (OSAIS_WINDOW (run->window))));
}

/* The banner has slid in all the way. */
static gboolean
banner_settled (gpointer data)
{
  Run *run = data;
  GtkWidget *banner = GTK_WIDGET (osais_window_get_banner (OSAIS_WINDOW (run->window)));
  GtkWidget *revealer = osais_ui_test_find_descendant (banner, GTK_TYPE_REVEALER);

  return gtk_widget_get_mapped (banner) && gtk_revealer_get_child_revealed (GTK_REVEALER (revealer));
}

static void
run_check_cb (gpointer data)
{
  Run *run = data;

  osais_ui_test_wait_until (has_window, run, "the window");
  if (run->first_run)
    {
      /* The first sign-in: the welcome page's Demo Account. */
      osais_ui_test_wait_until (server_listening, run, "the callback server");
      gtk_widget_activate (osais_ui_test_find_actionable (run->window, "win.choose-demo"));
      osais_ui_test_wait_until (banner_mapped, run, "the studio page");
    }
  osais_ui_test_wait_until (session_ready, run, "the session");
  run->check (run);

  if (run->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (run->window), (gpointer *) &run->window);
  run->window = NULL;
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* Runs the application with the callback server on run->port and @public_url
 * (NULL: none), then @check. */
static void
run_application (Run        *run,
                 const char *public_url,
                 void      (*check) (Run *run))
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", run->port);
  const char *args[] = { "--listen", listen, NULL, NULL, NULL };

  if (public_url != NULL)
    {
      args[2] = "--public-url";
      args[3] = public_url;
    }
  run->check = check;
  run->app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run->app), run->data_dir, args, run_check_cb,
                                 run);
  g_clear_object (&run->app);
  run->session = NULL;
}

/* The window ---------------------------------------------------------------- */

static OsaisBanner *
get_banner (Run *run)
{
  return osais_window_get_banner (OSAIS_WINDOW (run->window));
}

static gboolean
is_button (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_BUTTON (widget);
}

static GtkWidget *
banner_button (Run *run)
{
  GtkWidget *button = osais_ui_test_find_widget (GTK_WIDGET (get_banner (run)), is_button, NULL);

  g_assert_nonnull (button);
  return button;
}

typedef struct
{
  Run        *run;
  const char *text;
} Wait;

static gboolean
banner_has (gpointer data)
{
  Wait *wait = data;

  return wait->run->window != NULL && osais_banner_get_revealed (get_banner (wait->run))
         && strstr (osais_banner_get_title (get_banner (wait->run)), wait->text) != NULL;
}

static gboolean
subtitle_has (gpointer data)
{
  Wait *wait = data;

  return wait->run->window != NULL
         && strstr (osais_ui_test_get_status_subtitle (wait->run->window), wait->text) != NULL;
}

static gboolean
banner_hidden (gpointer data)
{
  Run *run = data;

  return run->window != NULL && !osais_banner_get_revealed (get_banner (run));
}

/* Whether the public URL setting is run->tunnel_url: a button's
 * activation clicks it only after its press animation. */
static gboolean
tunnel_url_saved (gpointer data)
{
  Run *run = data;
  g_autofree char *saved = g_settings_get_string (run->settings, "public-url");

  return g_strcmp0 (saved, run->tunnel_url) == 0;
}

/* The banner is out with exactly @title on screen, and its button reads
 * @button_label and activates @action. */
static void
assert_banner (Run        *run,
               const char *title,
               const char *button_label,
               const char *action)
{
  OsaisBanner *banner = get_banner (run);
  GtkWidget *button = banner_button (run);

  g_assert_true (osais_banner_get_revealed (banner));
  g_assert_cmpstr (osais_banner_get_title (banner), ==, title);
  g_assert_cmpstr (osais_banner_get_button_label (banner), ==, button_label);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, action);
}

/* Offered on the banner ----------------------------------------------------- */

static void
check_offer_in_banner (Run *run)
{
  g_autofree char *title = g_strdup_printf ("The ngrok tunnel %s leads to this computer: OSAIS "
                                            "can send results through it", run->tunnel_url);
  g_autofree char *reachable = g_strdup_printf ("Reachable at %s/ (", run->tunnel_url);
  Wait offered = { run, run->tunnel_url };
  Wait checked = { run, reachable };

  osais_ui_test_wait_until (banner_has, &offered, "the tunnel offered on the banner");
  assert_banner (run, title, "_Use Tunnel", "win.use-found-tunnel");
  osais_ui_test_wait_until (banner_settled, run, "the banner shown");
  osais_ui_test_save_screenshot (run->window, "banner-tunnel-offer.png");

  /* Accepted: the public URL is saved, checked, and found reachable. */
  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (tunnel_url_saved, run, "the tunnel's URL saved");
  g_assert_cmpstr (osais_session_get_public_url (run->session), ==, run->tunnel_url);
  osais_ui_test_wait_until (subtitle_has, &checked, "the tunnel checked and found reachable");
  osais_ui_test_wait_until (banner_hidden, run, "the offer gone");
}

static void
test_offer_in_banner (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *server = NULL;
  g_autofree char *list = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  list = ngrok_list (osais_test_fake_get_origin (tunnel), run.port);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));
  run.tunnel_url = osais_test_fake_get_origin (tunnel);

  run_application (&run, NULL, check_offer_in_banner);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* At the first sign-in, from the welcome page, with nothing set yet. */
static void
test_offer_at_first_sign_in (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *server = NULL;
  g_autofree char *list = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  g_settings_reset (run.settings, "account-mode");
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  list = ngrok_list (osais_test_fake_get_origin (tunnel), run.port);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));
  run.tunnel_url = osais_test_fake_get_origin (tunnel);
  run.first_run = TRUE;

  run_application (&run, NULL, check_offer_in_banner);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* The public URL set is not reachable (a quick tunnel's URL changes each
 * time it starts), but a tunnel to our port runs: offered instead. */
static void
check_offer_when_unreachable (Run *run)
{
  const char *dead_url = run->data;
  g_autofree char *title = g_strdup_printf ("OSAIS cannot reach %s/, but the ngrok tunnel %s "
                                            "leads to this computer", dead_url,
                                            run->tunnel_url);
  g_autofree char *reachable = g_strdup_printf ("Reachable at %s/ (", run->tunnel_url);
  Wait offered = { run, "but the ngrok tunnel" };
  Wait checked = { run, reachable };

  osais_ui_test_wait_until (banner_has, &offered, "the running tunnel offered instead");
  assert_banner (run, title, "_Use Tunnel", "win.use-found-tunnel");
  osais_ui_test_wait_until (banner_settled, run, "the banner shown");
  osais_ui_test_save_screenshot (run->window, "banner-tunnel-offer-instead.png");

  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (tunnel_url_saved, run, "the tunnel's URL saved");
  osais_ui_test_wait_until (subtitle_has, &checked, "the tunnel checked and found reachable");
  osais_ui_test_wait_until (banner_hidden, run, "the offer gone");
}

static void
test_offer_when_unreachable (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *server = NULL;
  g_autofree char *list = NULL;
  g_autofree char *dead_url = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  list = ngrok_list (osais_test_fake_get_origin (tunnel), run.port);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));
  run.tunnel_url = osais_test_fake_get_origin (tunnel);
  dead_url = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  run.data = dead_url;

  run_application (&run, dead_url, check_offer_when_unreachable);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* A tunnel to another port is said as such. */
static void
check_wrong_port_in_banner (Run *run)
{
  g_autofree char *title = g_strdup_printf ("The running tunnel does not lead to this computer: "
                                            "ngrok forwards to port 8080; the callback server "
                                            "listens on %u", run->port);
  Wait found = { run, "forwards to port 8080" };

  osais_ui_test_wait_until (banner_has, &found, "the tunnel to another port reported");
  assert_banner (run, title, "_Preferences", "app.preferences");
  g_assert_null (g_settings_get_user_value (run->settings, "public-url"));
}

static void
test_wrong_port_in_banner (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *list = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  g_assert_cmpuint (run.port, !=, 8080);
  list = ngrok_list ("https://abc.ngrok.app", 8080);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));

  run_application (&run, NULL, check_wrong_port_in_banner);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* Offered in Preferences ----------------------------------------------------- */

static GtkWidget *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (OSAIS_IS_PREFERENCES_WINDOW (window) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static gboolean
has_preferences (gpointer data)
{
  GtkWidget **preferences = data;

  *preferences = find_preferences ();
  return *preferences != NULL && gtk_widget_get_mapped (*preferences);
}

static GtkWidget *
get_named (GtkWidget  *window,
           const char *name)
{
  GtkWidget *widget = osais_ui_test_find_named (window, name);

  if (widget == NULL)
    g_error ("No widget named %s", name);
  return widget;
}

typedef struct
{
  GtkWidget  *preferences;
  const char *name;
  const char *text;
} RowWait;

static gboolean
row_shows (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = get_named (wait->preferences, wait->name);
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));

  return gtk_widget_get_mapped (row) && subtitle != NULL && strstr (subtitle, wait->text) != NULL;
}

static void
check_offer_in_preferences (Run *run)
{
  g_autofree char *offer = NULL;
  GtkWidget *preferences = NULL;
  GtkWidget *use_button;
  RowWait offered;
  RowWait checked;

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
  osais_ui_test_wait_until (has_preferences, &preferences, "Preferences");
  offer = g_strdup_printf ("%s, from ngrok, to port %u", run->tunnel_url, run->port);
  offered = (RowWait) { preferences, "tunnel-row", offer };
  osais_ui_test_wait_until (row_shows, &offered, "the tunnel offered in Preferences");
  use_button = get_named (preferences, "use-tunnel-button");
  g_assert_true (gtk_widget_get_visible (use_button));
  g_assert_false (gtk_widget_has_css_class (get_named (preferences, "tunnel-row"), "error"));
  /* The group, whole: the row is below the fold of the window. */
  osais_ui_test_save_screenshot (gtk_widget_get_ancestor (use_button,
                                                          ADW_TYPE_PREFERENCES_GROUP),
                                 "preferences-tunnel-offer.png");

  /* Accepted: the public URL field, the setting and the session have it,
   * and it is checked at once. */
  gtk_widget_activate (use_button);
  osais_ui_test_wait_until (tunnel_url_saved, run, "the tunnel's URL saved");
  g_assert_cmpstr (osais_session_get_public_url (run->session), ==, run->tunnel_url);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get_named (preferences,
                                                                   "public-url-row"))), ==,
                   run->tunnel_url);
  checked = (RowWait) { preferences, "check-row", "Reachable: " };
  osais_ui_test_wait_until (row_shows, &checked, "the tunnel checked in Preferences");
  g_assert_false (gtk_widget_get_visible (get_named (preferences, "tunnel-row")));
  osais_ui_test_save_screenshot (gtk_widget_get_ancestor (use_button,
                                                          ADW_TYPE_PREFERENCES_GROUP),
                                 "preferences-tunnel-used.png");
  gtk_window_close (GTK_WINDOW (preferences));
}

static void
test_offer_in_preferences (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *server = NULL;
  g_autofree char *list = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
  list = ngrok_list (osais_test_fake_get_origin (tunnel), run.port);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));
  run.tunnel_url = osais_test_fake_get_origin (tunnel);

  run_application (&run, NULL, check_offer_in_preferences);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* A tunnel to another port, in Preferences: said, nothing to use. */
static void
check_wrong_port_in_preferences (Run *run)
{
  g_autofree char *problem = g_strdup_printf ("ngrok forwards to port 8080; the callback "
                                              "server listens on %u", run->port);
  GtkWidget *preferences = NULL;
  RowWait found;

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
  osais_ui_test_wait_until (has_preferences, &preferences, "Preferences");
  found = (RowWait) { preferences, "tunnel-row", problem };
  osais_ui_test_wait_until (row_shows, &found, "the tunnel to another port in Preferences");
  g_assert_true (gtk_widget_has_css_class (get_named (preferences, "tunnel-row"), "error"));
  g_assert_false (gtk_widget_get_visible (get_named (preferences, "use-tunnel-button")));
  /* And it stays said when the session changes in a way that does not
   * matter to it (the same port). */
  g_object_notify (G_OBJECT (run->session), "server-uri");
  g_object_notify (G_OBJECT (run->session), "account-mode");
  g_assert_true (gtk_widget_get_visible (get_named (preferences, "tunnel-row")));
  osais_ui_test_save_screenshot (gtk_widget_get_ancestor (get_named (preferences, "tunnel-row"),
                                                          ADW_TYPE_PREFERENCES_GROUP),
                                 "preferences-tunnel-wrong-port.png");
  gtk_window_close (GTK_WINDOW (preferences));
}

static void
test_wrong_port_in_preferences (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) agent = NULL;
  g_autofree char *list = NULL;
  Run run = { 0 };

  simulator = run_init (&run);
  list = ngrok_list ("https://abc.ngrok.app", 8080);
  agent = osais_test_fake_new (OSAIS_TEST_FAKE_NGROK_API, list);
  set_tunnel_apis (osais_test_fake_get_origin (agent));

  run_application (&run, NULL, check_wrong_port_in_preferences);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* Check Again, after the tunnel was fixed outside the app -------------------- */

typedef struct
{
  OsaisTestFake *tunnel;
  const char    *server;
} Fixing;

static void
check_check_again (Run *run)
{
  const Fixing *fixing = run->data;
  Wait broken = { run, "Not reachable from the internet" };
  g_autofree char *reachable = g_strdup_printf ("Reachable at %s/ (",
                                                osais_test_fake_get_origin (fixing->tunnel));
  Wait fixed = { run, reachable };

  osais_ui_test_wait_until (subtitle_has, &broken, "the broken tunnel found");
  g_assert_cmpstr (osais_banner_get_button_label (get_banner (run)), ==, "Check _Again");
  /* A button clicks only after its press animation, and only if it stays
   * realized meanwhile: the banner must be fully in, as a user sees it. */
  osais_ui_test_wait_until (banner_settled, run, "the banner shown");

  /* Fixed where the user fixes it: the tunnel now leads to our server. */
  osais_test_fake_set_target (fixing->tunnel, fixing->server);
  gtk_widget_activate (banner_button (run));
  osais_ui_test_wait_until (subtitle_has, &fixed, "the fixed tunnel found reachable");
  osais_ui_test_wait_until (banner_hidden, run, "the banner gone");
}

static void
test_check_again (void)
{
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autofree char *server = NULL;
  g_autofree char *closed = NULL;
  Fixing fixing;
  Run run = { 0 };

  simulator = run_init (&run);
  set_tunnel_apis (NULL);
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  closed = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
  tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, closed);
  fixing = (Fixing) { tunnel, server };
  run.data = &fixing;

  run_application (&run, osais_test_fake_get_origin (tunnel), check_check_again);
  run_clear (&run);
  osais_simulator_stop (simulator);
}

/* Every verdict, through the window ------------------------------------------ */

typedef enum
{
  TUNNEL_TO_US,          /* forwards to our callback server */
  TUNNEL_TO_US_WITH_PATH, /* the same, with a public URL whose path is not our base path */
  TUNNEL_NONE,           /* a closed port: nothing answers */
  TUNNEL_NO_ORIGIN,      /* ngrok's 502 ERR_NGROK_8012 */
  TUNNEL_TO_CLOSED_PORT, /* forwards to a port where nothing listens: the wrong port */
  TUNNEL_WARNING_PAGE,
  TUNNEL_TO_STRAY,       /* forwards to a server answering {} to anything */
  TUNNEL_TO_OTHER,       /* forwards to another callback server (another instance) */
  TUNNEL_RATE_LIMITED,   /* our check route's 429 */
} TunnelSetup;

typedef struct
{
  const char  *name;
  TunnelSetup  setup;
  const char  *subtitle;   /* in the window's status */
  const char  *message;    /* in the banner's title; NULL: no banner */
  const char  *fix;        /* in the banner's title too; "%u" is our port */
  const char  *button;
  const char  *action;
} Verdict;

static const Verdict verdicts[] = {
  { "reachable", TUNNEL_TO_US, "Reachable at ", NULL, NULL, NULL, NULL },
  { "not-reachable", TUNNEL_NONE, "Not reachable from the internet",
    "OSAIS cannot reach this computer: Nothing answers at http://127.0.0.1:",
    "Start the tunnel (for example “ngrok http %u”) and register its public URL.",
    "Check _Again", "win.check-public-url" },
  { "no-origin", TUNNEL_NO_ORIGIN, "Not reachable from the internet",
    "OSAIS cannot reach this computer: The tunnel answers (HTTP 502) but nothing listens "
    "behind it: wrong port or server stopped",
    "Point the tunnel at port %u, where the callback server listens",
    "Check _Again", "win.check-public-url" },
  { "wrong-port", TUNNEL_TO_CLOSED_PORT, "Not reachable from the internet",
    "but nothing listens behind it: wrong port or server stopped",
    "Point the tunnel at port %u, where the callback server listens (for example “ngrok "
    "http %u”)", "Check _Again", "win.check-public-url" },
  { "warning-page", TUNNEL_WARNING_PAGE, "Not reachable from the internet",
    "OSAIS cannot reach this computer: A web page answers at",
    "Use a tunnel that sends requests straight through, without a page in between",
    "Check _Again", "win.check-public-url" },
  { "other-server", TUNNEL_TO_STRAY, "Not reachable from the internet",
    "OSAIS cannot reach this computer: Another server answers at",
    "Point the tunnel at port %u", "Check _Again", "win.check-public-url" },
  { "other-instance", TUNNEL_TO_OTHER, "Not reachable from the internet",
    "OSAIS cannot reach this computer: Another OSAIS Studio answers at",
    "Stop the other instance, or give each its own tunnel and public URL.",
    "Check _Again", "win.check-public-url" },
  { "wrong-path", TUNNEL_TO_US_WITH_PATH, "Not reachable from the internet",
    "OSAIS cannot reach this computer: The callback server answers, but the public URL’s "
    "path does not match its base path “/”",
    "Use a public URL whose path is “/”", "_Preferences", "app.preferences" },
  { "rate-limited", TUNNEL_RATE_LIMITED, "Not checked: too many checks",
    "The callback URL was checked too often; try again in a few seconds", "",
    "Check _Again", "win.check-public-url" },
};

static void
check_verdict (Run *run)
{
  const Verdict *verdict = run->data;
  Wait status = { run, verdict->subtitle };
  g_autofree char *fix = NULL;
  g_autofree char *shot = NULL;
  const char *title;

  osais_ui_test_wait_until (subtitle_has, &status, verdict->name);
  if (verdict->message == NULL)
    {
      g_assert_false (osais_banner_get_revealed (get_banner (run)));
      /* The round trip's time, in the status. */
      g_assert_true (g_str_has_suffix (osais_ui_test_get_status_subtitle (run->window), " ms)"));
      return;
    }

  {
    g_autofree char *port = g_strdup_printf ("%u", run->port);
    g_auto(GStrv) parts = g_strsplit (verdict->fix, "%u", -1);

    fix = g_strjoinv (port, parts);
  }
  title = osais_banner_get_title (get_banner (run));
  g_test_message ("%s: %s", verdict->name, title);
  g_assert_true (osais_banner_get_revealed (get_banner (run)));
  if (strstr (title, verdict->message) == NULL || strstr (title, fix) == NULL)
    g_error ("The banner for %s says “%s”, not “%s” and “%s”", verdict->name, title,
             verdict->message, fix);
  g_assert_cmpstr (osais_banner_get_button_label (get_banner (run)), ==, verdict->button);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (banner_button (run))), ==,
                   verdict->action);
  shot = g_strdup_printf ("banner-verdict-%s.png", verdict->name);
  osais_ui_test_save_screenshot (run->window, shot);
}

static void
test_verdict (gconstpointer data)
{
  const Verdict *verdict = data;
  g_autoptr(OsaisSimulator) simulator = NULL;
  g_autoptr(OsaisTestFake) tunnel = NULL;
  g_autoptr(OsaisTestFake) behind = NULL;
  g_autoptr(OsaisCallbackServer) other = NULL;
  g_autofree char *server = NULL;
  g_autofree char *url = NULL;
  g_autofree char *answer = NULL;
  OsaisTestStore store = { 0 };
  Run run = { 0 };

  simulator = run_init (&run);
  set_tunnel_apis (NULL);
  server = g_strdup_printf ("http://127.0.0.1:%u", run.port);
  switch (verdict->setup)
    {
    case TUNNEL_TO_US:
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
      break;
    case TUNNEL_TO_US_WITH_PATH:
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, server);
      url = g_strconcat (osais_test_fake_get_origin (tunnel), "/osais/", NULL);
      break;
    case TUNNEL_NONE:
      url = g_strdup_printf ("http://127.0.0.1:%u", osais_test_closed_port ());
      break;
    case TUNNEL_NO_ORIGIN:
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_NO_ORIGIN, NULL);
      break;
    case TUNNEL_TO_CLOSED_PORT:
      {
        g_autofree char *closed = g_strdup_printf ("http://127.0.0.1:%u",
                                                   osais_test_closed_port ());

        tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, closed);
      }
      break;
    case TUNNEL_WARNING_PAGE:
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_WARNING_PAGE, NULL);
      break;
    case TUNNEL_TO_STRAY:
      behind = osais_test_fake_new (OSAIS_TEST_FAKE_STRAY, NULL);
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, osais_test_fake_get_origin (behind));
      break;
    case TUNNEL_TO_OTHER:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *other_uri = NULL;
        g_autofree char *other_origin = NULL;

        osais_test_store_open (&store);
        other = osais_callback_server_new (store.store);
        g_object_set (other, "address", "127.0.0.1", "port", 0, NULL);
        osais_callback_server_start (other, &error);
        g_assert_no_error (error);
        other_uri = osais_callback_server_dup_local_uri (other);
        other_origin = g_strndup (other_uri, strlen (other_uri) - 1);
        tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_FORWARD, other_origin);
      }
      break;
    case TUNNEL_RATE_LIMITED:
      answer = osais_error_body_new (429, "Too many checks");
      tunnel = osais_test_fake_new (OSAIS_TEST_FAKE_RATE_LIMITED, answer);
      break;
    default:
      g_assert_not_reached ();
    }
  if (url == NULL)
    url = g_strdup (osais_test_fake_get_origin (tunnel));

  run.data = verdict;
  run_application (&run, url, check_verdict);

  if (other != NULL)
    {
      osais_callback_server_stop (other);
      g_clear_object (&other);
      osais_test_store_close (&store);
    }
  run_clear (&run);
  osais_simulator_stop (simulator);
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus, so no keyring, as on a headless machine. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Tunnel/offer-in-banner", test_offer_in_banner);
  g_test_add_func ("/Osais/Tunnel/offer-at-first-sign-in", test_offer_at_first_sign_in);
  g_test_add_func ("/Osais/Tunnel/offer-when-unreachable", test_offer_when_unreachable);
  g_test_add_func ("/Osais/Tunnel/wrong-port-in-banner", test_wrong_port_in_banner);
  g_test_add_func ("/Osais/Tunnel/offer-in-preferences", test_offer_in_preferences);
  g_test_add_func ("/Osais/Tunnel/wrong-port-in-preferences", test_wrong_port_in_preferences);
  g_test_add_func ("/Osais/Tunnel/check-again", test_check_again);
  for (gsize i = 0; i < G_N_ELEMENTS (verdicts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Osais/Tunnel/verdict/%s", verdicts[i].name);

      g_test_add_data_func (path, &verdicts[i], test_verdict);
    }

  return g_test_run ();
}
