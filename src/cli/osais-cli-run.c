/* osais-cli-run.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `osais run` (a request, watched until its images are stored, directly or
 * through the receiver of the data folder) and `osais serve`.
 */

#define G_LOG_DOMAIN "OsaisCli"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "osais-cli-private.h"

/* run -------------------------------------------------------------------- */

static char *
copy_to_out_dir (Cli         *cli,
                 OsaisImage  *image,
                 GError     **error)
{
  GFile *source = osais_image_get_file (image);
  g_autofree char *basename = g_file_get_basename (source);
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT "-%s",
                                           osais_image_get_uid (image), basename);
  g_autoptr(GFile) target = g_file_new_build_filename (cli->out_dir, name, NULL);
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) tagged = NULL;
  const char *parameters = osais_job_get_parameters (cli->job);

  contents = g_file_load_bytes (source, NULL, NULL, error);
  if (contents == NULL)
    return NULL;

  /* The copy carries its parameters, for other tools and `osais params`. */
  if (parameters != NULL && g_str_has_suffix (basename, ".png"))
    {
      OsaisEngine *engine = osais_engines_lookup (cli->engines, osais_job_get_engine (cli->job));
      g_autoptr(GError) embed_error = NULL;

      tagged = osais_png_text_embed_parameters (contents, osais_job_get_engine (cli->job),
                                                engine != NULL ? osais_engine_get_version (engine)
                                                               : NULL,
                                                parameters, &embed_error);
      if (tagged == NULL)
        cli_say ("%s keeps no parameters: %s", name, embed_error->message);
    }

  if (!g_file_replace_contents (target,
                                g_bytes_get_data (tagged != NULL ? tagged : contents, NULL),
                                g_bytes_get_size (tagged != NULL ? tagged : contents),
                                NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, error))
    return NULL;
  return g_file_get_path (target);
}

/* After its job is done, `osais run` keeps acknowledging for a while: OSAIS
 * may repeat a callback (stage 5 again, a second later), and a refused
 * repeat would tell it that a result was lost. */
#define LATE_CALLBACK_GRACE_MS 3000

static gboolean
late_grace_done_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->grace_id = 0;
  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

/* Quits with @exit_status once no callback has changed the job for the
 * grace. The built-in simulator sends nothing after its last callback, so
 * offline there is nothing to wait for. */
static void
finish_after_grace (Cli *cli,
                    int  exit_status)
{
  cli->exit_status = exit_status;
  g_clear_handle_id (&cli->timeout_id, g_source_remove);
  /* The app that received for us goes on receiving. */
  if (cli->receiver_proxy != NULL || osais_session_get_simulator (cli->session) != NULL)
    {
      g_main_loop_quit (cli->loop);
      return;
    }
  g_clear_handle_id (&cli->grace_id, g_source_remove);
  cli->grace_id = g_timeout_add (LATE_CALLBACK_GRACE_MS, late_grace_done_cb, cli);
}

static void
finish_run (Cli *cli)
{
  GListModel *images = osais_job_get_images (cli->job);
  guint n = g_list_model_get_n_items (images);

  if (cli->reported)
    {
      /* Something came during the grace: it starts again. */
      if (cli->grace_id != 0)
        finish_after_grace (cli, cli->exit_status);
      return;
    }
  cli->reported = TRUE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);
      g_autofree char *path = NULL;

      if (cli->out_dir != NULL)
        {
          g_autoptr(GError) error = NULL;

          path = copy_to_out_dir (cli, image, &error);
          if (path == NULL)
            {
              cli_say ("could not copy an image to %s: %s", cli->out_dir, error->message);
              cli_quit (cli, EXIT_USAGE);
              return;
            }
        }
      else
        path = g_file_get_path (osais_image_get_file (image));

      g_print ("%s\n", path);
    }

  if (osais_job_get_stage (cli->job) == OSAIS_STAGE_ERROR)
    {
      const char *message = osais_job_get_error_message (cli->job);

      cli_say ("job %" G_GINT64_FORMAT " failed: %s", osais_job_get_uid (cli->job),
               message != NULL ? message : "no reason given");
      finish_after_grace (cli, EXIT_JOB_FAILED);
      return;
    }

  cli_say ("job %" G_GINT64_FORMAT " done: %u image(s) in %s", osais_job_get_uid (cli->job), n,
           cli->out_dir != NULL ? cli->out_dir : cli_data_dir (cli));
  finish_after_grace (cli, EXIT_OK);
}

static void
job_changed_cb (Cli *cli)
{
  OsaisStage stage = osais_job_get_stage (cli->job);
  guint n_images = g_list_model_get_n_items (osais_job_get_images (cli->job));

  if (stage != cli->last_reported_stage)
    {
      const char *description = osais_job_get_description (cli->job);

      cli->last_reported_stage = stage;
      cli_say ("stage %d: %s%s%s", (int) stage, osais_stage_to_string (stage),
               description != NULL && *description != '\0' ? " — " : "",
               description != NULL ? description : "");
    }
  if (n_images != cli->last_reported_images)
    {
      cli->last_reported_images = n_images;
      cli_say ("image %u stored", n_images);
    }

  if (osais_job_is_complete (cli->job))
    finish_run (cli);
}

static void
job_notify_cb (OsaisJob   *job,
               GParamSpec *pspec,
               Cli        *cli)
{
  job_changed_cb (cli);
}

static void
images_changed_cb (GListModel *images,
                   guint       position,
                   guint       removed,
                   guint       added,
                   Cli        *cli)
{
  job_changed_cb (cli);
}

static gboolean
run_timeout_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->timeout_id = 0;
  if (cli->job != NULL)
    cli_say ("timed out: job %" G_GINT64_FORMAT " is at stage %d (%s) with %u of %u image(s)",
             osais_job_get_uid (cli->job), (int) osais_job_get_stage (cli->job),
             osais_stage_to_string (osais_job_get_stage (cli->job)),
             g_list_model_get_n_items (osais_job_get_images (cli->job)),
             osais_job_get_announced_images (cli->job));
  else
    cli_say ("timed out waiting for OSAIS to accept the request");
  cli_say ("is the callback server reachable by OSAIS? (see --public-url); "
           "raise --timeout to wait longer");
  cli_quit (cli, EXIT_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
watch_job (Cli      *cli,
           OsaisJob *job)
{
  cli->job = g_object_ref (job);
  cli_say ("job %" G_GINT64_FORMAT " accepted", osais_job_get_uid (job));
  cli->last_reported_stage = G_MININT;
  g_signal_connect (job, "notify::stage", G_CALLBACK (job_notify_cb), cli);
  g_signal_connect (job, "notify::announced-images", G_CALLBACK (job_notify_cb), cli);
  g_signal_connect (osais_job_get_images (job), "items-changed",
                    G_CALLBACK (images_changed_cb), cli);
  job_changed_cb (cli);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;

  job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  if (job == NULL)
    {
      if (g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_HTTP))
        {
          cli_say ("OSAIS refused the request: %s", error->message);
          cli_quit (cli, EXIT_NETWORK);
          return;
        }
      cli_quit (cli, cli_report_error ("could not send the request", error));
      return;
    }

  watch_job (cli, job);
}

/* Knobs for trying failure and slowness from the command line, as the tests do. */
static void
configure_simulator_from_environment (OsaisSimulator *simulator)
{
  const char *fail_engine = g_getenv ("OSAIS_SIMULATOR_FAIL_ENGINE");
  const char *step_delay = g_getenv ("OSAIS_SIMULATOR_STEP_DELAY");
  const char *reply_after_first_ack = g_getenv ("OSAIS_SIMULATOR_REPLY_AFTER_FIRST_ACK");

  if (simulator == NULL)
    return;
  if (reply_after_first_ack != NULL)
    g_object_set (simulator, "reply-after-first-ack",
                  g_strcmp0 (reply_after_first_ack, "1") == 0, NULL);
  if (fail_engine != NULL)
    g_object_set (simulator, "fail-engine", fail_engine, NULL);
  if (step_delay != NULL)
    g_object_set (simulator, "step-delay", (guint) g_ascii_strtoull (step_delay, NULL, 10), NULL);
}

static void
submit (Cli *cli)
{
  cli_say ("sending the %s request", cli->engine_name);
  configure_simulator_from_environment (osais_session_get_simulator (cli->session));
  osais_session_submit_async (cli->session, cli->engine_name, cli->values, cli->input, NULL,
                              NULL, submitted_cb, cli);
}

/* Before a paid request to a real OSAIS: would its callbacks reach us? A
 * request whose results would be lost costs the user for nothing. */
static void
run_checked_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisTunnelCheck) outcome = NULL;

  outcome = osais_tunnel_check_finish (result, &error);
  if (outcome == NULL)
    {
      cli_quit (cli, cli_report_error ("cannot check the public URL", error));
      return;
    }
  if (outcome->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
    {
      cli_say ("%s", outcome->message);
      if (outcome->fix != NULL)
        cli_say ("fix: %s", outcome->fix);
      cli_say ("nothing was sent; --no-check sends anyway");
      cli_quit (cli, EXIT_NOT_REACHABLE);
      return;
    }
  cli_say ("the callback URL is reachable (%u ms)",
           (guint) (outcome->round_trip / G_TIME_SPAN_MILLISECOND));
  submit (cli);
}

static void
check_public_url_then_submit (Cli *cli)
{
  cli_say ("checking that OSAIS can reach %s", osais_session_get_public_uri (cli->session));
  osais_tunnel_check_async (osais_session_get_public_uri (cli->session),
                            osais_session_get_callback_server (cli->session), NULL,
                            run_checked_cb, cli);
}

/* Without --public-url, the one running tunnel to our port is where OSAIS
 * will call, as `osais check` finds it. */
static void
run_tunnels_found_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tunnels = NULL;
  g_autofree char *problem = NULL;
  OsaisTunnel *tunnel;

  /* No tunnel: OSAIS is to call this server directly (on this machine or
   * this network), which the check says whether it can. */
  tunnels = osais_tunnel_find_finish (result, &error);
  tunnel = tunnels != NULL ? cli_pick_tunnel (cli, tunnels, &problem) : NULL;
  if (tunnel == NULL)
    {
      cli_say ("%s: OSAIS must reach this server directly",
               tunnels != NULL ? problem : error->message);
      check_public_url_then_submit (cli);
      return;
    }

  /* The running server takes it at once, on the port the tunnel leads to. */
  osais_session_set_public_url (cli->session, tunnel->public_url);
  check_public_url_then_submit (cli);
}

static void
check_then_submit (Cli *cli)
{
  const char *public_url = osais_session_get_public_url (cli->session);

  /* The simulator calls this process directly: no tunnel to check. */
  if (osais_session_get_account_mode (cli->session) == OSAIS_ACCOUNT_MODE_OFFLINE)
    {
      submit (cli);
      return;
    }
  if (public_url == NULL || *public_url == '\0')
    {
      cli_say ("looking for a tunnel (ngrok, cloudflared)");
      osais_tunnel_find_async (NULL, run_tunnels_found_cb, cli);
      return;
    }
  check_public_url_then_submit (cli);
}

static void
print_callback_urls (Cli *cli)
{
  const char *public_uri = osais_session_get_public_uri (cli->session);

  cli_say ("listening on %s", osais_session_get_server_uri (cli->session));
  cli_say ("register these URLs with OSAIS:");
  g_print ("%snotify\n%supload\n", public_uri, public_uri);
}

static void
session_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Cli *cli = user_data;
  OsaisSession *session = OSAIS_SESSION (object);
  g_autoptr(GError) error = NULL;
  SessionReadyFunc next = g_object_get_data (object, "osais-cli-next");

  if (!osais_session_start_finish (session, result, &error))
    {
      cli_quit (cli, cli_report_error ("cannot open the history", error));
      return;
    }

  if (!osais_session_get_server_listening (session))
    {
      cli_say ("cannot start the callback server: %s", osais_session_get_server_error (session));
      cli_say ("choose another address or port with --listen HOST:PORT");
      cli_quit (cli, EXIT_USAGE);
      return;
    }

  if (osais_session_get_login_state (session) == OSAIS_LOGIN_STATE_FAILED)
    {
      cli_say ("could not log in to %s: %s", osais_session_get_server_origin (session),
               osais_session_get_login_error (session));
      if (osais_session_get_account_mode (session) == OSAIS_ACCOUNT_MODE_ACCOUNT)
        cli_say ("check OSAIS_TOKEN and OSAIS_SECRET (unset both to use the demo login)");
      else
        cli_say ("check the server origin (--server or OSAIS_SERVER) and your network");
      cli_quit (cli, EXIT_NETWORK);
      return;
    }

  next (cli);
}

/* A session for this run: offline on the simulator, or on the configured
 * origin with OSAIS_TOKEN/OSAIS_SECRET, else the demo login. @mode_if_online
 * is the mode when neither --simulator nor credentials say otherwise. */
gboolean
cli_start_session (Cli              *cli,
                   OsaisAccountMode  mode_if_online,
                   const char       *listen,
                   const char       *public_url,
                   SessionReadyFunc  next,
                   GError          **error)
{
  const char *token = g_getenv ("OSAIS_TOKEN");
  const char *secret = g_getenv ("OSAIS_SECRET");
  const char *env_server = g_getenv ("OSAIS_SERVER");
  g_autofree char *host = NULL;
  guint port = OSAIS_CALLBACK_SERVER_DEFAULT_PORT;
  OsaisAccountMode mode = mode_if_online;

  if (listen != NULL)
    {
      if (!osais_parse_listen_address (listen, &host, &port, error))
        return FALSE;
    }
  else if (cli->options->simulator)
    {
      /* Offline, nobody outside needs a known port: take any free one. */
      port = 0;
    }

  cli->session = osais_session_new (cli->options->data_dir);
  if (cli->options->simulator)
    mode = OSAIS_ACCOUNT_MODE_OFFLINE;
  else
    {
      if (cli->options->server != NULL)
        osais_session_set_server_origin (cli->session, cli->options->server);
      else if (env_server != NULL && *env_server != '\0')
        osais_session_set_server_origin (cli->session, env_server);

      if (mode != OSAIS_ACCOUNT_MODE_NONE && token != NULL && *token != '\0'
          && secret != NULL && *secret != '\0')
        {
          osais_session_set_credentials (cli->session, token, secret);
          mode = OSAIS_ACCOUNT_MODE_ACCOUNT;
        }
    }

  osais_session_set_account_mode (cli->session, mode);
  if (host != NULL)
    osais_session_set_listen_address (cli->session, host);
  osais_session_set_listen_port (cli->session, port);
  osais_session_set_public_url (cli->session, public_url);

  if (mode != OSAIS_ACCOUNT_MODE_NONE)
    cli_say ("logging in to %s%s", mode == OSAIS_ACCOUNT_MODE_OFFLINE
                                 ? "the built-in simulator"
                                 : osais_session_get_server_origin (cli->session),
             mode == OSAIS_ACCOUNT_MODE_DEMO
           ? " as the demo client (set OSAIS_TOKEN and OSAIS_SECRET to use your account)"
           : "");

  g_object_set_data (G_OBJECT (cli->session), "osais-cli-next", next);
  osais_session_start_async (cli->session, NULL, session_started_cb, cli);
  return TRUE;
}

/* run, through the receiver of the data folder --------------------------
 *
 * OSAIS calls back one public URL, so when the app (or `osais serve`)
 * receives for this data folder, the request goes through it on the session
 * bus and the job is followed there: a second callback server would either
 * not get the port or wait for callbacks that go to the other one. */

static void remote_refresh (Cli *cli);

/* Brings the local copy of the remote job up to date; its signals do the
 * reporting, as for a job of our own. */
static void
remote_job_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantIter) paths = NULL;
  const char *description;
  const char *error_message;
  const char *path;
  gint32 stage;
  guint32 announced;
  gboolean complete;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      cli_say ("lost track of the job in OSAIS Studio: %s", error->message);
      cli_quit (cli, EXIT_NETWORK);
      return;
    }
  if (cli->job == NULL)
    return;

  g_variant_get (reply, "(i&s&suasb)", &stage, &description, &error_message, &announced,
                 &paths, &complete);
  g_object_freeze_notify (G_OBJECT (cli->job));
  osais_job_set_description (cli->job, *description != '\0' ? description : NULL);
  osais_job_set_error_message (cli->job, *error_message != '\0' ? error_message : NULL);
  osais_job_set_announced_images (cli->job, announced);
  osais_job_set_stage (cli->job, CLAMP (stage, OSAIS_STAGE_ERROR, OSAIS_STAGE_FINISHED));
  g_object_thaw_notify (G_OBJECT (cli->job));

  while (g_variant_iter_next (paths, "&s", &path))
    {
      g_autoptr(GFile) file = NULL;
      g_autoptr(OsaisImage) image = NULL;

      if (g_hash_table_contains (cli->remote_paths, path))
        continue;
      g_hash_table_add (cli->remote_paths, g_strdup (path));
      file = g_file_new_for_path (path);
      image = osais_image_new (file, osais_job_get_uid (cli->job), 0, 0, NULL, path, 0, 0, NULL);
      osais_job_add_image (cli->job, image);
    }
}

static void
remote_refresh (Cli *cli)
{
  g_dbus_proxy_call (cli->receiver_proxy, "GetJob",
                     g_variant_new ("(x)", osais_job_get_uid (cli->job)),
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, remote_job_cb, cli);
}

static void
receiver_signal_cb (GDBusProxy *proxy,
                    const char *sender_name,
                    const char *signal_name,
                    GVariant   *parameters,
                    Cli        *cli)
{
  gint64 uid = 0;

  if (g_strcmp0 (signal_name, "JobChanged") != 0
      || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(x)")))
    return;
  g_variant_get (parameters, "(x)", &uid);
  if (cli->job != NULL && uid == osais_job_get_uid (cli->job))
    remote_refresh (cli);
}

/* The app (or `osais serve`) quit while the job runs: nothing will tell us
 * more of it, and waiting for the timeout would only hide that. */
static void
receiver_owner_changed_cb (GDBusProxy *proxy,
                           GParamSpec *pspec,
                           Cli        *cli)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (proxy);

  if (owner != NULL)
    return;
  cli_say ("lost track of the job: OSAIS Studio stopped receiving for %s before it ended",
           cli_data_dir (cli));
  cli_quit (cli, EXIT_NETWORK);
}

static void
remote_submitted_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  gint64 uid;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, &error);
  if (reply == NULL)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      g_dbus_error_strip_remote_error (error);
      if (g_strcmp0 (remote, OSAIS_RECEIVER_ERROR_INVALID) == 0)
        {
          cli_say ("%s", error->message);
          cli_quit (cli, EXIT_USAGE);
        }
      else
        {
          cli_say ("could not send the request through OSAIS Studio: %s", error->message);
          cli_quit (cli, EXIT_NETWORK);
        }
      return;
    }

  g_variant_get (reply, "(x)", &uid);
  job = g_object_new (OSAIS_TYPE_JOB, "uid", uid, "engine", cli->engine_name, NULL);
  watch_job (cli, job);
  remote_refresh (cli);
}

static int
run_through_receiver (Cli      *cli,
                      int       timeout,
                      gboolean  own_receiver_options)
{
  g_autoptr(GVariant) label = g_dbus_proxy_get_cached_property (cli->receiver_proxy,
                                                                 "AccountLabel");
  g_auto(GVariantBuilder) values = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  GVariant *input;
  GHashTableIter iter;
  gpointer name, value;

  cli_say ("OSAIS Studio is receiving for %s (%s): sending the %s request through it",
           cli_data_dir (cli), label != NULL ? g_variant_get_string (label, NULL) : "",
           cli->engine_name);
  if (own_receiver_options)
    cli_say ("--simulator, --server, --listen and --public-url do not apply: its settings do");

  g_hash_table_iter_init (&iter, cli->values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_variant_builder_add (&values, "{ss}", name, value);
  input = cli->input != NULL
          ? g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, cli->input, TRUE)
          : g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);

  cli->remote_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (cli->receiver_proxy, "g-signal", G_CALLBACK (receiver_signal_cb), cli);
  g_signal_connect (cli->receiver_proxy, "notify::g-name-owner",
                    G_CALLBACK (receiver_owner_changed_cb), cli);
  /* Sending waits for OSAIS's answer, which the client retries for a while. */
  g_dbus_proxy_call (cli->receiver_proxy, "Submit",
                     g_variant_new ("(s@a{ss}@ays)", cli->engine_name,
                                    g_variant_builder_end (&values), input, ""),
                     G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, remote_submitted_cb, cli);

  cli->timeout_id = g_timeout_add_seconds (timeout, run_timeout_cb, cli);
  return cli_run_loop (cli);
}

int
command_run (Cli   *cli,
             int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(JsonObject) checked = NULL;
  g_autofree char *input = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  g_autofree char *out_dir = NULL;
  const OsaisEngineParam *input_param;
  OsaisEngine *engine;
  int timeout = DEFAULT_RUN_TIMEOUT;
  gboolean no_check = FALSE;
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input, "Input image (PNG, JPEG or WebP)", "FILE" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Callback server address (default 127.0.0.1:3024)", "HOST:PORT" },
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, &public_url,
      "The callback server's URL as OSAIS sees it", "URL" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Copy the images into DIR", "DIR" },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Give up after SECONDS (default 600)",
      "SECONDS" },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check,
      "Send without first checking that OSAIS can reach the callback server", NULL },
    { NULL }
  };

  if (!cli_parse_command_options ("ENGINE [NAME=VALUE…] — run an AI request and wait for it",
                                  entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      cli_say ("run needs an engine: osais run ENGINE [NAME=VALUE…] (see `osais engines`)");
      return EXIT_USAGE;
    }
  if (timeout <= 0)
    {
      cli_say ("--timeout must be a positive number of seconds");
      return EXIT_USAGE;
    }

  cli->engine_name = g_strdup (argv[1]);
  cli->engines = osais_engines_load (&warnings);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    cli_say ("%s", (const char *) g_ptr_array_index (warnings, i));
  engine = osais_engines_lookup (cli->engines, cli->engine_name);
  if (engine == NULL)
    {
      cli_say ("unknown engine “%s”; `osais engines` lists the engines", cli->engine_name);
      return EXIT_USAGE;
    }

  cli->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 2; i < argc; i++)
    {
      const char *equal = strchr (argv[i], '=');

      if (equal == NULL || equal == argv[i])
        {
          cli_say ("“%s” is not a parameter: write NAME=VALUE", argv[i]);
          return EXIT_USAGE;
        }
      g_hash_table_replace (cli->values, g_strndup (argv[i], equal - argv[i]),
                            g_strdup (equal + 1));
    }

  input_param = osais_engine_get_input_param (engine);
  if (input != NULL && input_param == NULL)
    {
      cli_say ("the %s engine takes no input image; leave out --input", cli->engine_name);
      return EXIT_USAGE;
    }

  /* Check the parameters before anything starts, so that a mistake costs
   * no login; the input's URL is not known yet, a placeholder stands in. */
  if (input != NULL)
    {
      g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, cli->values);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (values, name, value);
      g_hash_table_insert (values, input_param->name, (gpointer) "http://localhost/input/0");
      checked = osais_engine_build_request (engine, values, &error);
    }
  else
    checked = osais_engine_build_request (engine, cli->values, &error);
  if (checked == NULL)
    return cli_report_error ("invalid request", error);

  if (input != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (input);

      cli->input = g_file_load_bytes (file, NULL, NULL, &error);
      if (cli->input == NULL)
        {
          cli_say ("cannot read the input image: %s", error->message);
          return EXIT_USAGE;
        }
    }

  if (out_dir != NULL)
    {
      if (g_mkdir_with_parents (out_dir, 0755) != 0)
        {
          cli_say ("cannot create %s: %s", out_dir, g_strerror (errno));
          return EXIT_USAGE;
        }
      cli->out_dir = g_steal_pointer (&out_dir);
    }

  cli->receiver_proxy = osais_receiver_find (cli_data_dir (cli), NULL, &error);
  if (cli->receiver_proxy != NULL)
    return run_through_receiver (cli, timeout,
                                 listen != NULL || public_url != NULL
                                 || cli->options->simulator || cli->options->server != NULL);
  if (error != NULL)
    {
      cli_say ("cannot reach the OSAIS Studio that receives for %s: %s", cli_data_dir (cli),
               error->message);
      return EXIT_NETWORK;
    }

  if (!cli_start_session (cli, OSAIS_ACCOUNT_MODE_DEMO, listen, public_url,
                          no_check ? submit : check_then_submit, &error))
    return cli_report_error ("could not start", error);

  cli->timeout_id = g_timeout_add_seconds (timeout, run_timeout_cb, cli);
  return cli_run_loop (cli);
}

/* serve ------------------------------------------------------------------ */

/* The start `osais check` and `osais serve` share: no argument besides
 * @command's options; no other receiver for the data folder (OSAIS calls
 * back only one of them; if one runs, says it with @advice); no login and no
 * simulator; this process's callback server on @listen or the default
 * address, then @next. Returns FALSE with the exit status in @status when it
 * cannot start. */
gboolean
cli_start_server_only (Cli              *cli,
                       const char       *command,
                       int               argc,
                       const char       *advice,
                       const char       *listen,
                       const char       *public_url,
                       SessionReadyFunc  next,
                       int              *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *default_listen = NULL;

  if (argc > 1)
    {
      cli_say ("%s takes no arguments besides its options", command);
      *status = EXIT_USAGE;
      return FALSE;
    }

  cli->receiver_proxy = osais_receiver_find (cli_data_dir (cli), NULL, NULL);
  if (cli->receiver_proxy != NULL)
    {
      cli_say ("OSAIS Studio (or another osais serve) already receives for %s",
               cli_data_dir (cli));
      cli_say ("%s", advice);
      *status = EXIT_USAGE;
      return FALSE;
    }

  cli->options->simulator = FALSE;
  if (listen == NULL)
    listen = default_listen = g_strdup_printf ("%s:%u", OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS,
                                               OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
  if (!cli_start_session (cli, OSAIS_ACCOUNT_MODE_NONE, listen, public_url, next, &error))
    {
      *status = cli_report_error ("could not start", error);
      return FALSE;
    }
  return TRUE;
}

int
command_serve (Cli   *cli,
               int    argc,
               char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  int status;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:3024)", "HOST:PORT" },
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, &public_url,
      "The callback server's URL as OSAIS sees it", "URL" },
    { NULL }
  };

  if (!cli_parse_command_options ("— run the callback server for known jobs", entries,
                                  &argc, &argv))
    return EXIT_USAGE;
  /* Serving known jobs needs no login and no simulator. */
  if (!cli_start_server_only (cli, "serve", argc,
                              "its callback server takes the callbacks; `osais run` sends "
                              "through it", listen, public_url, print_callback_urls, &status))
    return status;
  cli->receiver = osais_receiver_new (cli->session);

  return cli_run_loop (cli);
}
