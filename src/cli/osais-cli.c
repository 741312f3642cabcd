/* osais-cli.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The `osais` command-line tool: a thin face over the core. Each command
 * sets up what it needs (store, callback server, client, simulator), runs a
 * main loop until its work is done, and maps the outcome to an exit status.
 */

#define G_LOG_DOMAIN "OsaisCli"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "osais-core.h"

typedef enum
{
  EXIT_OK        = 0,
  EXIT_JOB_FAILED = 1,
  EXIT_PROBLEMS_FOUND = 1,  /* doctor */
  EXIT_USAGE     = 2,
  EXIT_NETWORK   = 3,
  EXIT_TIMEOUT   = 4,
  EXIT_NOT_REACHABLE = 5,   /* check */
} ExitStatus;

#define DEFAULT_RUN_TIMEOUT 600

/* What the global options say, shared by every command. */
typedef struct
{
  char     *server;
  gboolean  simulator;
  char     *data_dir;
} GlobalOptions;

static void
global_options_clear (GlobalOptions *options)
{
  g_clear_pointer (&options->server, g_free);
  g_clear_pointer (&options->data_dir, g_free);
}

/* Freed on every way out of main(), the usage errors included. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GlobalOptions, global_options_clear)

/* The state of a command while its main loop runs. */
typedef struct
{
  GlobalOptions        *options;
  GMainLoop            *loop;
  int                   exit_status;
  guint                 sigint_id;
  guint                 sigterm_id;

  OsaisStore           *store;
  OsaisSimulator       *simulator;
  OsaisClient          *client;
  GListModel           *engines;

  /* run and serve */
  OsaisSession         *session;
  /* run through the app (or `osais serve`) receiving for the data folder */
  GDBusProxy           *receiver_proxy;
  GHashTable           *remote_paths;
  /* serve: this process receives for the data folder */
  OsaisReceiver        *receiver;
  char                 *engine_name;
  GHashTable           *values;
  GBytes               *input;
  char                 *out_dir;
  OsaisJob             *job;
  OsaisStage            last_reported_stage;
  guint                 last_reported_images;
  guint                 timeout_id;
  guint                 grace_id;
  gboolean              reported;

  /* login */
  gboolean              print_info;

  /* check */
  gboolean              as_json;
  char                 *check_url;
  OsaisTunnel          *tunnel;          /* the tunnel found, when --public-url was omitted */
} Cli;

static void
cli_clear (Cli *cli)
{
  g_clear_handle_id (&cli->timeout_id, g_source_remove);
  g_clear_handle_id (&cli->grace_id, g_source_remove);
  if (cli->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (cli->job, cli);
      g_signal_handlers_disconnect_by_data (osais_job_get_images (cli->job), cli);
    }
  g_clear_object (&cli->job);
  if (cli->receiver_proxy != NULL)
    g_signal_handlers_disconnect_by_data (cli->receiver_proxy, cli);
  g_clear_object (&cli->receiver_proxy);
  g_clear_pointer (&cli->remote_paths, g_hash_table_unref);
  g_clear_object (&cli->receiver);
  if (cli->session != NULL)
    osais_session_stop (cli->session);
  if (cli->simulator != NULL)
    osais_simulator_stop (cli->simulator);
  g_clear_object (&cli->session);
  g_clear_object (&cli->simulator);
  g_clear_object (&cli->client);
  g_clear_object (&cli->engines);
  g_clear_pointer (&cli->engine_name, g_free);
  g_clear_pointer (&cli->values, g_hash_table_unref);
  g_clear_pointer (&cli->input, g_bytes_unref);
  g_clear_pointer (&cli->out_dir, g_free);
  g_clear_pointer (&cli->check_url, g_free);
  g_clear_pointer (&cli->tunnel, osais_tunnel_free);
  if (cli->store != NULL)
    osais_store_close (cli->store);
  g_clear_object (&cli->store);
  g_clear_pointer (&cli->loop, g_main_loop_unref);
}

/* The data folder this command works on. */
static const char *
cli_data_dir (Cli *cli)
{
  if (cli->options->data_dir == NULL)
    cli->options->data_dir = osais_store_default_data_dir ();
  return cli->options->data_dir;
}

static void
cli_quit (Cli *cli,
          int  exit_status)
{
  cli->exit_status = exit_status;
  g_main_loop_quit (cli->loop);
}

static void G_GNUC_PRINTF (1, 2)
say (const char *format,
     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("osais: %s\n", message);
}

/* The exit status and advice for an error from the core. */
static int
report_error (const char *what,
              GError     *error)
{
  if (g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED))
    {
      say ("%s: %s", what, error->message);
      say ("check OSAIS_TOKEN and OSAIS_SECRET (unset both to use the demo login)");
      return EXIT_NETWORK;
    }
  if (g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT))
    {
      say ("%s: %s", what, error->message);
      return EXIT_TIMEOUT;
    }
  if (error->domain == OSAIS_CLIENT_ERROR || error->domain == G_IO_ERROR
      || error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    {
      say ("%s: %s", what, error->message);
      say ("check the server origin (--server or OSAIS_SERVER) and your network");
      return EXIT_NETWORK;
    }
  if (error->domain == OSAIS_ENGINE_ERROR)
    {
      say ("%s", error->message);
      say ("`osais engines` lists the engines; see the README for their parameters");
      return EXIT_USAGE;
    }
  if (error->domain == OSAIS_STORE_ERROR)
    {
      say ("%s: %s", what, error->message);
      say ("the data folder is left as it is; `osais doctor` checks it, or use --data-dir "
           "to start afresh elsewhere");
      return EXIT_USAGE;
    }
  if (error->domain == OSAIS_CALLBACK_SERVER_ERROR)
    {
      say ("%s: %s", what, error->message);
      say ("choose another address or port with --listen HOST:PORT");
      return EXIT_USAGE;
    }

  say ("%s: %s", what, error->message);
  return EXIT_USAGE;
}

/* The main loop stops; what the store is committing is committed and
 * acknowledged while the command closes it (cli_clear()). The exit status is
 * the shell's convention for a command ended by that signal. */
static void
interrupt (Cli *cli,
           int  signum)
{
  say ("interrupted by %s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
  cli_quit (cli, 128 + signum);
}

static gboolean
on_sigint_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->sigint_id = 0;
  interrupt (cli, SIGINT);
  return G_SOURCE_REMOVE;
}

static gboolean
on_sigterm_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->sigterm_id = 0;
  interrupt (cli, SIGTERM);
  return G_SOURCE_REMOVE;
}

static gboolean
open_store (Cli     *cli,
            GError **error)
{
  g_autofree char *default_dir = NULL;
  const char *dir = cli->options->data_dir;

  if (dir == NULL)
    dir = default_dir = osais_store_default_data_dir ();

  g_debug ("Opening the store in %s", dir);
  cli->store = osais_store_open (dir, error);
  return cli->store != NULL;
}

static gboolean
start_simulator (Cli         *cli,
                 const char  *address,
                 guint        port,
                 GError     **error)
{
  const char *token = g_getenv ("OSAIS_TOKEN");
  const char *secret = g_getenv ("OSAIS_SECRET");

  cli->simulator = osais_simulator_new ();
  /* The simulator accepts whichever credentials the environment gives, so
   * that the same command line works offline and online. */
  if (token != NULL && secret != NULL)
    g_object_set (cli->simulator,
                  "client-token", token,
                  "client-secret", secret,
                  NULL);
  return osais_simulator_start (cli->simulator, address, port, error);
}

/* The client, on the simulator or the configured origin. */
static gboolean
create_client (Cli     *cli,
               GError **error)
{
  g_autofree char *origin = NULL;

  if (cli->options->simulator)
    {
      if (cli->simulator == NULL && !start_simulator (cli, "127.0.0.1", 0, error))
        return FALSE;
      origin = osais_simulator_dup_origin (cli->simulator);
    }
  else if (cli->options->server != NULL)
    origin = g_strdup (cli->options->server);
  else if (g_getenv ("OSAIS_SERVER") != NULL && *g_getenv ("OSAIS_SERVER") != '\0')
    origin = g_strdup (g_getenv ("OSAIS_SERVER"));
  else
    origin = g_strdup (OSAIS_CLIENT_DEFAULT_ORIGIN);

  if (!g_str_has_prefix (origin, "http://") && !g_str_has_prefix (origin, "https://"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The server origin “%s” is not an http:// or https:// URL", origin);
      return FALSE;
    }

  g_debug ("OSAIS origin: %s", origin);
  cli->client = osais_client_new (origin);
  return TRUE;
}

typedef void (*LoggedInFunc) (Cli *cli);

static void
login_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  LoggedInFunc next = g_object_get_data (object, "osais-cli-next");

  if (g_object_get_data (object, "osais-cli-demo") != NULL)
    ok = osais_client_login_demo_finish (OSAIS_CLIENT (object), result, &error);
  else
    ok = osais_client_login_finish (OSAIS_CLIENT (object), result, &error);

  if (!ok)
    {
      cli_quit (cli, report_error ("could not log in to OSAIS", error));
      return;
    }

  next (cli);
}

/* Logs in with OSAIS_TOKEN/OSAIS_SECRET when both are set, else as the demo client. */
static void
login (Cli          *cli,
       LoggedInFunc  next)
{
  const char *token = g_getenv ("OSAIS_TOKEN");
  const char *secret = g_getenv ("OSAIS_SECRET");

  g_object_set_data (G_OBJECT (cli->client), "osais-cli-next", next);
  if (token != NULL && *token != '\0' && secret != NULL && *secret != '\0')
    {
      say ("logging in to %s", osais_client_get_origin (cli->client));
      osais_client_login_async (cli->client, token, secret, NULL, login_done_cb, cli);
    }
  else
    {
      say ("logging in to %s as the demo client (set OSAIS_TOKEN and OSAIS_SECRET to use "
           "your account)", osais_client_get_origin (cli->client));
      g_object_set_data (G_OBJECT (cli->client), "osais-cli-demo", GINT_TO_POINTER (TRUE));
      osais_client_login_demo_async (cli->client, NULL, login_done_cb, cli);
    }
}

static int
run_loop (Cli *cli)
{
  cli->sigint_id = g_unix_signal_add (SIGINT, on_sigint_cb, cli);
  cli->sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm_cb, cli);

  g_main_loop_run (cli->loop);
  g_clear_handle_id (&cli->sigint_id, g_source_remove);
  g_clear_handle_id (&cli->sigterm_id, g_source_remove);
  return cli->exit_status;
}

/* Parses a command's own options from its arguments (argv[0] is the command
 * name). A parse error is reported; FALSE means a usage error. */
static gboolean
parse_command_options (const char    *parameters,
                       GOptionEntry  *entries,
                       int           *argc,
                       char        ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      say ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* engines ---------------------------------------------------------------- */

static int
command_engines (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GListModel) engines = NULL;
  guint n;

  if (argc > 1)
    {
      say ("engines takes no arguments");
      return EXIT_USAGE;
    }

  engines = osais_engines_load (&warnings);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    say ("%s", (const char *) g_ptr_array_index (warnings, i));

  n = g_list_model_get_n_items (engines);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      g_print ("%-12s %-8s %s\n",
               osais_engine_get_name (engine),
               osais_engine_get_version (engine),
               osais_engine_get_description (engine));
    }
  return EXIT_OK;
}

/* login ------------------------------------------------------------------ */

static void
info_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  user = osais_client_get_info_finish (OSAIS_CLIENT (object), result, &error);
  if (user == NULL)
    {
      cli_quit (cli, report_error ("could not read the client's information", error));
      return;
    }

  node = json_node_init_object (json_node_alloc (), user);
  text = json_to_string (node, TRUE);
  g_print ("%s\n", text);
  cli_quit (cli, EXIT_OK);
}

static void
login_then_info (Cli *cli)
{
  say ("logged in");
  osais_client_get_info_async (cli->client, NULL, info_done_cb, cli);
}

static int
command_login (Cli   *cli,
               int    argc,
               char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc > 1)
    {
      say ("login takes no arguments: it reads OSAIS_TOKEN and OSAIS_SECRET");
      return EXIT_USAGE;
    }

  if (!create_client (cli, &error))
    return report_error ("could not start", error);

  login (cli, login_then_info);
  return run_loop (cli);
}

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
        say ("%s keeps no parameters: %s", name, embed_error->message);
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
              say ("could not copy an image to %s: %s", cli->out_dir, error->message);
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

      say ("job %" G_GINT64_FORMAT " failed: %s", osais_job_get_uid (cli->job),
           message != NULL ? message : "no reason given");
      finish_after_grace (cli, EXIT_JOB_FAILED);
      return;
    }

  say ("job %" G_GINT64_FORMAT " done: %u image(s) in %s", osais_job_get_uid (cli->job), n,
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
      say ("stage %d: %s%s%s", (int) stage, osais_stage_to_string (stage),
           description != NULL && *description != '\0' ? " — " : "",
           description != NULL ? description : "");
    }
  if (n_images != cli->last_reported_images)
    {
      cli->last_reported_images = n_images;
      say ("image %u stored", n_images);
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
    say ("timed out: job %" G_GINT64_FORMAT " is at stage %d (%s) with %u of %u image(s)",
         osais_job_get_uid (cli->job), (int) osais_job_get_stage (cli->job),
         osais_stage_to_string (osais_job_get_stage (cli->job)),
         g_list_model_get_n_items (osais_job_get_images (cli->job)),
         osais_job_get_announced_images (cli->job));
  else
    say ("timed out waiting for OSAIS to accept the request");
  say ("is the callback server reachable by OSAIS? (see --public-url); raise --timeout to wait longer");
  cli_quit (cli, EXIT_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
watch_job (Cli      *cli,
           OsaisJob *job)
{
  cli->job = g_object_ref (job);
  say ("job %" G_GINT64_FORMAT " accepted", osais_job_get_uid (job));
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
          say ("OSAIS refused the request: %s", error->message);
          cli_quit (cli, EXIT_NETWORK);
          return;
        }
      cli_quit (cli, report_error ("could not send the request", error));
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
  say ("sending the %s request", cli->engine_name);
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
      cli_quit (cli, report_error ("cannot check the public URL", error));
      return;
    }
  if (outcome->verdict != OSAIS_TUNNEL_VERDICT_REACHABLE)
    {
      say ("%s", outcome->message);
      if (outcome->fix != NULL)
        say ("fix: %s", outcome->fix);
      say ("nothing was sent; --no-check sends anyway");
      cli_quit (cli, EXIT_NOT_REACHABLE);
      return;
    }
  say ("the callback URL is reachable (%u ms)",
       (guint) (outcome->round_trip / G_TIME_SPAN_MILLISECOND));
  submit (cli);
}

static void
check_public_url_then_submit (Cli *cli)
{
  say ("checking that OSAIS can reach %s", osais_session_get_public_uri (cli->session));
  osais_tunnel_check_async (osais_session_get_public_uri (cli->session),
                            osais_session_get_callback_server (cli->session), NULL,
                            run_checked_cb, cli);
}

static OsaisTunnel *pick_tunnel (Cli        *cli,
                                 GPtrArray  *tunnels,
                                 char      **problem);

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
  tunnel = tunnels != NULL ? pick_tunnel (cli, tunnels, &problem) : NULL;
  if (tunnel == NULL)
    {
      say ("%s: OSAIS must reach this server directly",
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
      say ("looking for a tunnel (ngrok, cloudflared)");
      osais_tunnel_find_async (NULL, run_tunnels_found_cb, cli);
      return;
    }
  check_public_url_then_submit (cli);
}

static void
print_callback_urls (Cli *cli)
{
  const char *public_uri = osais_session_get_public_uri (cli->session);

  say ("listening on %s", osais_session_get_server_uri (cli->session));
  say ("register these URLs with OSAIS:");
  g_print ("%snotify\n%supload\n", public_uri, public_uri);
}

typedef void (*SessionReadyFunc) (Cli *cli);

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
      cli_quit (cli, report_error ("cannot open the history", error));
      return;
    }

  if (!osais_session_get_server_listening (session))
    {
      say ("cannot start the callback server: %s", osais_session_get_server_error (session));
      say ("choose another address or port with --listen HOST:PORT");
      cli_quit (cli, EXIT_USAGE);
      return;
    }

  if (osais_session_get_login_state (session) == OSAIS_LOGIN_STATE_FAILED)
    {
      say ("could not log in to %s: %s", osais_session_get_server_origin (session),
           osais_session_get_login_error (session));
      if (osais_session_get_account_mode (session) == OSAIS_ACCOUNT_MODE_ACCOUNT)
        say ("check OSAIS_TOKEN and OSAIS_SECRET (unset both to use the demo login)");
      else
        say ("check the server origin (--server or OSAIS_SERVER) and your network");
      cli_quit (cli, EXIT_NETWORK);
      return;
    }

  next (cli);
}

/* A session for this run: offline on the simulator, or on the configured
 * origin with OSAIS_TOKEN/OSAIS_SECRET, else the demo login. @mode_if_online
 * is the mode when neither --simulator nor credentials say otherwise. */
static gboolean
start_session (Cli              *cli,
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
    say ("logging in to %s%s", mode == OSAIS_ACCOUNT_MODE_OFFLINE
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
      say ("lost track of the job in OSAIS Studio: %s", error->message);
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
  say ("lost track of the job: OSAIS Studio stopped receiving for %s before it ended",
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
          say ("%s", error->message);
          cli_quit (cli, EXIT_USAGE);
        }
      else
        {
          say ("could not send the request through OSAIS Studio: %s", error->message);
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

  say ("OSAIS Studio is receiving for %s (%s): sending the %s request through it",
       cli_data_dir (cli), label != NULL ? g_variant_get_string (label, NULL) : "",
       cli->engine_name);
  if (own_receiver_options)
    say ("--simulator, --server, --listen and --public-url do not apply: its settings do");

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
  return run_loop (cli);
}

static int
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

  if (!parse_command_options ("ENGINE [NAME=VALUE…] — run an AI request and wait for it", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      say ("run needs an engine: osais run ENGINE [NAME=VALUE…] (see `osais engines`)");
      return EXIT_USAGE;
    }
  if (timeout <= 0)
    {
      say ("--timeout must be a positive number of seconds");
      return EXIT_USAGE;
    }

  cli->engine_name = g_strdup (argv[1]);
  cli->engines = osais_engines_load (&warnings);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    say ("%s", (const char *) g_ptr_array_index (warnings, i));
  engine = osais_engines_lookup (cli->engines, cli->engine_name);
  if (engine == NULL)
    {
      say ("unknown engine “%s”; `osais engines` lists the engines", cli->engine_name);
      return EXIT_USAGE;
    }

  cli->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 2; i < argc; i++)
    {
      const char *equal = strchr (argv[i], '=');

      if (equal == NULL || equal == argv[i])
        {
          say ("“%s” is not a parameter: write NAME=VALUE", argv[i]);
          return EXIT_USAGE;
        }
      g_hash_table_replace (cli->values, g_strndup (argv[i], equal - argv[i]),
                            g_strdup (equal + 1));
    }

  input_param = osais_engine_get_input_param (engine);
  if (input != NULL && input_param == NULL)
    {
      say ("the %s engine takes no input image; leave out --input", cli->engine_name);
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
    return report_error ("invalid request", error);

  if (input != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (input);

      cli->input = g_file_load_bytes (file, NULL, NULL, &error);
      if (cli->input == NULL)
        {
          say ("cannot read the input image: %s", error->message);
          return EXIT_USAGE;
        }
    }

  if (out_dir != NULL)
    {
      if (g_mkdir_with_parents (out_dir, 0755) != 0)
        {
          say ("cannot create %s: %s", out_dir, g_strerror (errno));
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
      say ("cannot reach the OSAIS Studio that receives for %s: %s", cli_data_dir (cli),
           error->message);
      return EXIT_NETWORK;
    }

  if (!start_session (cli, OSAIS_ACCOUNT_MODE_DEMO, listen, public_url,
                      no_check ? submit : check_then_submit, &error))
    return report_error ("could not start", error);

  cli->timeout_id = g_timeout_add_seconds (timeout, run_timeout_cb, cli);
  return run_loop (cli);
}

/* serve ------------------------------------------------------------------ */

/* Whether the app or an `osais serve` already receives for the data
 * folder; if so, says it with @advice. */
static gboolean
another_receiver_runs (Cli        *cli,
                       const char *advice)
{
  cli->receiver_proxy = osais_receiver_find (cli_data_dir (cli), NULL, NULL);
  if (cli->receiver_proxy == NULL)
    return FALSE;

  say ("OSAIS Studio (or another osais serve) already receives for %s", cli_data_dir (cli));
  say ("%s", advice);
  return TRUE;
}

static int
command_serve (Cli   *cli,
               int    argc,
               char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:3024)", "HOST:PORT" },
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, &public_url,
      "The callback server's URL as OSAIS sees it", "URL" },
    { NULL }
  };

  if (!parse_command_options ("— run the callback server for known jobs", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      say ("serve takes no arguments besides its options");
      return EXIT_USAGE;
    }

  /* One receiver per data folder: OSAIS calls back only one of them. */
  if (another_receiver_runs (cli, "its callback server takes the callbacks; `osais run` sends "
                                  "through it"))
    return EXIT_USAGE;

  /* Serving known jobs needs no login and no simulator. */
  cli->options->simulator = FALSE;
  if (listen == NULL)
    listen = g_strdup_printf ("%s:%u", OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS,
                              OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
  if (!start_session (cli, OSAIS_ACCOUNT_MODE_NONE, listen, public_url, print_callback_urls,
                      &error))
    return report_error ("could not start", error);
  cli->receiver = osais_receiver_new (cli->session);

  return run_loop (cli);
}

/* check ------------------------------------------------------------------ */

/* The port the callback server got: --listen may ask for any (0). */
static guint
bound_port (Cli *cli)
{
  return osais_callback_server_get_bound_port (osais_session_get_callback_server (cli->session));
}

static JsonNode *
check_to_json (Cli                    *cli,
               const OsaisTunnelCheck *outcome,
               const char             *problem)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "public_url");
  if (cli->check_url != NULL)
    json_builder_add_string_value (builder, cli->check_url);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "tunnel");
  if (cli->tunnel != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, osais_tunnel_kind_to_string (cli->tunnel->kind));
      json_builder_set_member_name (builder, "public_url");
      json_builder_add_string_value (builder, cli->tunnel->public_url);
      json_builder_set_member_name (builder, "port");
      if (cli->tunnel->port != 0)
        json_builder_add_int_value (builder, cli->tunnel->port);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "listen_port");
  json_builder_add_int_value (builder, bound_port (cli));
  if (outcome != NULL)
    {
      json_builder_set_member_name (builder, "verdict");
      json_builder_add_string_value (builder, osais_tunnel_verdict_to_string (outcome->verdict));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, outcome->message);
      json_builder_set_member_name (builder, "fix");
      if (outcome->fix != NULL)
        json_builder_add_string_value (builder, outcome->fix);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "status");
      if (outcome->status != 0)
        json_builder_add_int_value (builder, outcome->status);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "round_trip_ms");
      if (outcome->round_trip >= 0)
        json_builder_add_int_value (builder, outcome->round_trip / G_TIME_SPAN_MILLISECOND);
      else
        json_builder_add_null_value (builder);
    }
  else
    {
      /* No tunnel to check: no verdict, and why. */
      json_builder_set_member_name (builder, "verdict");
      json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, problem);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisTunnelCheck) outcome = NULL;

  outcome = osais_tunnel_check_finish (result, &error);
  if (outcome == NULL)
    {
      cli_quit (cli, report_error ("cannot check the public URL", error));
      return;
    }

  if (cli->as_json)
    {
      g_autoptr(JsonNode) node = check_to_json (cli, outcome, NULL);

      print_json (node);
    }
  else
    {
      g_print ("%s\n", outcome->message);
      if (outcome->fix != NULL)
        g_print ("fix: %s\n", outcome->fix);
    }
  cli_quit (cli, outcome->verdict == OSAIS_TUNNEL_VERDICT_REACHABLE ? EXIT_OK
                                                                      : EXIT_NOT_REACHABLE);
}

static void
check_url (Cli *cli)
{
  say ("checking %s%scheck/… through the public URL", cli->check_url,
       g_str_has_suffix (cli->check_url, "/") ? "" : "/");
  osais_tunnel_check_async (cli->check_url, osais_session_get_callback_server (cli->session),
                            NULL, check_done_cb, cli);
}

/* Reports tunnels that lead to another port, and returns the one tunnel to
 * ours (said), or NULL with @problem set. */
static OsaisTunnel *
pick_tunnel (Cli        *cli,
             GPtrArray  *tunnels,
             char      **problem)
{
  guint port = bound_port (cli);
  OsaisTunnel *tunnel;

  for (guint i = 0; i < tunnels->len; i++)
    {
      g_autofree char *mismatch = osais_tunnel_dup_port_mismatch (g_ptr_array_index (tunnels, i),
                                                                  port);

      if (mismatch != NULL)
        say ("%s (%s)", mismatch, ((OsaisTunnel *) g_ptr_array_index (tunnels, i))->public_url);
    }

  tunnel = osais_tunnel_pick (tunnels, port, problem);
  if (tunnel == NULL)
    return NULL;
  if (tunnel->port != 0)
    say ("using the %s tunnel %s, which forwards to port %u",
         osais_tunnel_kind_to_string (tunnel->kind), tunnel->public_url, tunnel->port);
  else
    say ("using the %s tunnel %s (it does not say which port it forwards to)",
         osais_tunnel_kind_to_string (tunnel->kind), tunnel->public_url);
  return tunnel;
}

static void
tunnels_found_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tunnels = NULL;
  g_autofree char *problem = NULL;
  guint port = bound_port (cli);
  OsaisTunnel *tunnel;

  tunnels = osais_tunnel_find_finish (result, &error);
  if (tunnels == NULL)
    {
      cli_quit (cli, report_error ("cannot look for tunnels", error));
      return;
    }

  tunnel = pick_tunnel (cli, tunnels, &problem);
  if (tunnel == NULL)
    {
      if (cli->as_json)
        {
          g_autoptr(JsonNode) node = check_to_json (cli, NULL, problem);

          print_json (node);
        }
      else
        g_print ("%s\n", problem);
      say ("start a tunnel to port %u (for example `ngrok http %u`), or give --public-url",
           port, port);
      cli_quit (cli, EXIT_NOT_REACHABLE);
      return;
    }

  cli->tunnel = g_new0 (OsaisTunnel, 1);
  cli->tunnel->kind = tunnel->kind;
  cli->tunnel->public_url = g_strdup (tunnel->public_url);
  cli->tunnel->addr = g_strdup (tunnel->addr);
  cli->tunnel->port = tunnel->port;
  cli->check_url = g_strdup (tunnel->public_url);
  check_url (cli);
}

static void
check_session_ready (Cli *cli)
{
  if (cli->check_url != NULL)
    {
      check_url (cli);
      return;
    }
  say ("looking for a tunnel (ngrok, cloudflared)");
  osais_tunnel_find_async (NULL, tunnels_found_cb, cli);
}

static int
command_check (Cli   *cli,
               int    argc,
               char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, &public_url,
      "The URL to check (default: the running tunnel to our port)", "URL" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:3024)", "HOST:PORT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the verdict as JSON", NULL },
    { NULL }
  };

  if (!parse_command_options ("— check that OSAIS can reach the callback server", entries,
                              &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      say ("check takes no arguments besides its options");
      return EXIT_USAGE;
    }

  /* The check proves the round trip to this process's own server; while
   * another receiver holds the data folder, that would not be the server
   * OSAIS calls back. */
  if (another_receiver_runs (cli, "check from there (Preferences → Connection → Check), or "
                                  "stop it first"))
    return EXIT_USAGE;

  /* Checking needs no login and no simulator. */
  cli->options->simulator = FALSE;
  cli->as_json = as_json;
  cli->check_url = g_steal_pointer (&public_url);
  if (listen == NULL)
    listen = g_strdup_printf ("%s:%u", OSAIS_CALLBACK_SERVER_DEFAULT_ADDRESS,
                              OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
  if (!start_session (cli, OSAIS_ACCOUNT_MODE_NONE, listen, cli->check_url, check_session_ready,
                      &error))
    return report_error ("could not start", error);

  return run_loop (cli);
}

/* jobs ------------------------------------------------------------------- */

/* Whether @image is among @only (image ids); NULL: every image is. */
static gboolean
image_listed (OsaisImage *image,
              GHashTable *only)
{
  gint64 id = osais_image_get_id (image);

  return only == NULL || g_hash_table_contains (only, &id);
}

/* @only: the ids of the images to list (a search's), or NULL for all. */
static JsonNode *
job_to_json (OsaisJob   *job,
             GHashTable *only)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  GListModel *images = osais_job_get_images (job);
  guint n = g_list_model_get_n_items (images);
  GDateTime *created = osais_job_get_created (job);
  GDateTime *updated = osais_job_get_updated (job);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "uid");
  json_builder_add_int_value (builder, osais_job_get_uid (job));
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, osais_job_get_token (job));
  json_builder_set_member_name (builder, "engine");
  json_builder_add_string_value (builder, osais_job_get_engine (job));
  json_builder_set_member_name (builder, "stage");
  json_builder_add_int_value (builder, osais_job_get_stage (job));
  json_builder_set_member_name (builder, "cycle");
  json_builder_add_int_value (builder, osais_job_get_cycle (job));
  /* Stop Waiting in the app: hidden there, listed here only without filters. */
  json_builder_set_member_name (builder, "dismissed");
  json_builder_add_boolean_value (builder, osais_job_get_dismissed (job));
  json_builder_set_member_name (builder, "cost");
  json_builder_add_int_value (builder, osais_job_get_cost (job));
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, osais_job_get_description (job));
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, osais_job_get_error_message (job));
  if (created != NULL)
    {
      g_autofree char *text = g_date_time_format_iso8601 (created);
      json_builder_set_member_name (builder, "created");
      json_builder_add_string_value (builder, text);
    }
  if (updated != NULL)
    {
      g_autofree char *text = g_date_time_format_iso8601 (updated);
      json_builder_set_member_name (builder, "updated");
      json_builder_add_string_value (builder, text);
    }
  json_builder_set_member_name (builder, "parameters");
  if (osais_job_get_parameters (job) != NULL
      && json_parser_load_from_data (parser, osais_job_get_parameters (job), -1, NULL))
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));

      if (image_listed (image, only))
        json_builder_add_string_value (builder, path);
    }
  json_builder_end_array (builder);
  /* Beside "images", in the same order: what `osais star` takes. */
  json_builder_set_member_name (builder, "image_ids");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (image_listed (image, only))
        json_builder_add_int_value (builder, osais_image_get_id (image));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "favourites");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);

      if (image_listed (image, only) && osais_image_get_favourite (image))
        json_builder_add_int_value (builder, osais_image_get_id (image));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A day (YYYY-MM-DD, local time) or an ISO 8601 date and time, as Unix
 * microseconds: the day's start, or with @end_of_day the next day's start. */
static gboolean
parse_date (const char *text,
            gboolean    end_of_day,
            gint64     *usec)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) when = NULL;
  int year, month, day;
  char rest;

  if (sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &rest) == 3)
    {
      g_autoptr(GDateTime) start = g_date_time_new (local, year, month, day, 0, 0, 0);

      if (start != NULL)
        when = end_of_day ? g_date_time_add_days (start, 1) : g_date_time_ref (start);
    }
  else
    when = g_date_time_new_from_iso8601 (text, local);

  if (when == NULL)
    return FALSE;
  *usec = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static int
command_jobs (Cli   *cli,
              int    argc,
              char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisSearchResult) found = NULL;
  g_autoptr(GHashTable) only = NULL;
  g_autofree char *text = NULL;
  g_autofree char *engine = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  OsaisSearchQuery query = { 0 };
  gboolean as_json = FALSE;
  gboolean favourites = FALSE;
  gboolean failed = FALSE;
  gboolean running = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON array", NULL },
    { "search", 0, 0, G_OPTION_ARG_STRING, &text,
      "Only the jobs whose prompt or engine has these words (the last one may be cut short)",
      "TEXT" },
    { "engine", 0, 0, G_OPTION_ARG_STRING, &engine, "Only the jobs of this engine", "ENGINE" },
    { "favourites", 0, 0, G_OPTION_ARG_NONE, &favourites,
      "Only the images starred as favourites (`osais star`)", NULL },
    { "failed", 0, 0, G_OPTION_ARG_NONE, &failed, "Only the jobs that failed", NULL },
    { "running", 0, 0, G_OPTION_ARG_NONE, &running,
      "Only the jobs still running (not those the app stopped waiting for)", NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      "Only the jobs made on or after DATE (YYYY-MM-DD, or an ISO 8601 time)", "DATE" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until,
      "Only the jobs made on or before DATE (YYYY-MM-DD: to the end of that day)", "DATE" },
    { NULL }
  };
  gboolean filtered;
  guint n;

  if (!parse_command_options ("— list the stored jobs, newest first", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      say ("jobs takes no arguments besides its options (--search TEXT finds words)");
      return EXIT_USAGE;
    }
  if ((since != NULL && !parse_date (since, FALSE, &query.since)) ||
      (until != NULL && !parse_date (until, TRUE, &query.until)))
    {
      say ("“%s” is not a date: use YYYY-MM-DD or an ISO 8601 time "
           "(2026-12-06T20:00:00)", since != NULL && query.since == 0 ? since : until);
      return EXIT_USAGE;
    }

  if (!open_store (cli, &error))
    return report_error ("cannot open the history", error);

  filtered = text != NULL || engine != NULL || favourites || failed || running ||
             since != NULL || until != NULL;
  if (filtered)
    {
      query.text = text;
      query.engine = engine;
      query.favourites_only = favourites;
      query.failed_only = failed;
      query.running_only = running;
      osais_store_search_async (cli->store, &query, NULL, search_done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      found = osais_store_search_finish (cli->store, result, &error);
      if (found == NULL)
        return report_error ("cannot search the history", error);
      only = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (guint i = 0; i < found->image_ids->len; i++)
        g_hash_table_add (only, &g_array_index (found->image_ids, gint64, i));
    }

  n = filtered ? found->job_uids->len : g_list_model_get_n_items (G_LIST_MODEL (cli->store));
  if (as_json)
    {
      g_autoptr(JsonArray) array = json_array_sized_new (n);
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *json = NULL;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(OsaisJob) job = NULL;

          if (filtered)
            job = g_object_ref (osais_store_lookup (cli->store,
                                                    g_array_index (found->job_uids, gint64, i)));
          else
            job = g_list_model_get_item (G_LIST_MODEL (cli->store), i);
          json_array_add_element (array, job_to_json (job, only));
        }
      json_node_set_array (root, array);
      json = json_to_string (root, TRUE);
      g_print ("%s\n", json);
      return EXIT_OK;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = NULL;
      GListModel *images;
      GDateTime *created;
      g_autofree char *when = NULL;
      guint n_images = 0, n_favourites = 0;

      if (filtered)
        job = g_object_ref (osais_store_lookup (cli->store,
                                                g_array_index (found->job_uids, gint64, i)));
      else
        job = g_list_model_get_item (G_LIST_MODEL (cli->store), i);
      images = osais_job_get_images (job);
      created = osais_job_get_created (job);
      when = created != NULL ? g_date_time_format (created, "%F %T") : NULL;
      for (guint k = 0; k < g_list_model_get_n_items (images); k++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, k);

          if (!image_listed (image, only))
            continue;
          n_images++;
          n_favourites += osais_image_get_favourite (image);
        }

      g_print ("%-12" G_GINT64_FORMAT " %-10s %-18s %2u image(s)  %s", osais_job_get_uid (job),
               osais_job_get_engine (job), osais_stage_to_string (osais_job_get_stage (job)),
               n_images, when != NULL ? when : "");
      if (n_favourites > 0)
        g_print ("  ★ %u", n_favourites);
      g_print ("\n");
    }
  if (filtered)
    say ("%u job(s) and %u image(s) match", found->job_uids->len, found->image_ids->len);
  else if (n == 0)
    say ("no jobs yet: try `osais --simulator run diffusion word=…`");
  return EXIT_OK;
}

/* star ------------------------------------------------------------------- */

/* The image an argument names: its id (`osais jobs --json` lists them) or
 * the path of its file (as `osais run` prints it). Transfer full: a job's
 * model makes its images when asked and holds them weakly. */
static OsaisImage *
find_image (OsaisStore *store,
            const char *arg)
{
  g_autoptr(GFile) file = NULL;
  guint64 id;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  if (g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &id, NULL))
    {
      OsaisImage *image = osais_store_lookup_image (store, (gint64) id);

      return image != NULL ? g_object_ref (image) : NULL;
    }

  file = g_file_new_for_commandline_arg (arg);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (store), i);
      GListModel *images = osais_job_get_images (job);

      for (guint k = 0; k < g_list_model_get_n_items (images); k++)
        {
          g_autoptr(OsaisImage) image = g_list_model_get_item (images, k);

          if (g_file_equal (osais_image_get_file (image), file))
            return g_steal_pointer (&image);
        }
    }
  return NULL;
}

static int
command_star (Cli   *cli,
              int    argc,
              char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean unstar = FALSE;
  GOptionEntry entries[] = {
    { "unstar", 0, 0, G_OPTION_ARG_NONE, &unstar, "Take the star away", NULL },
    { NULL }
  };

  if (!parse_command_options ("IMAGE… — star images as favourites (an id or a path)",
                              entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      say ("star needs an image: its id (`osais jobs --json` lists them) or its path");
      return EXIT_USAGE;
    }

  if (!open_store (cli, &error))
    return report_error ("cannot open the history", error);

  /* All or nothing: every image is found before any is changed. */
  for (int i = 1; i < argc; i++)
    {
      OsaisImage *image = find_image (cli->store, argv[i]);

      if (image == NULL)
        {
          say ("no image “%s” in the history: give an id from `osais jobs --json` or the "
               "path of a stored image", argv[i]);
          return EXIT_USAGE;
        }
      g_ptr_array_add (images, image);
    }

  for (guint i = 0; i < images->len; i++)
    {
      OsaisImage *image = g_ptr_array_index (images, i);
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));

      osais_store_set_favourite_async (cli->store, image, !unstar, NULL, search_done_cb,
                                       &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (!osais_store_set_favourite_finish (cli->store, result, &error))
        return report_error ("cannot star the image", error);
      say ("%s %s", unstar ? "unstarred" : "starred", path);
    }
  return EXIT_OK;
}

/* doctor ----------------------------------------------------------------- */

static void
add_string_array (JsonBuilder *builder,
                  const char  *name,
                  GPtrArray   *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

static void
print_check_json (const char            *dir,
                  const OsaisStoreCheck *check)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data_dir");
  json_builder_add_string_value (builder, dir);
  json_builder_set_member_name (builder, "healthy");
  json_builder_add_boolean_value (builder, osais_store_check_is_healthy (check));
  json_builder_set_member_name (builder, "integrity");
  if (check->integrity != NULL)
    json_builder_add_string_value (builder, check->integrity);
  else
    json_builder_add_null_value (builder);
  add_string_array (builder, "missing", check->missing);
  add_string_array (builder, "orphans", check->orphans);
  add_string_array (builder, "leftovers", check->leftovers);
  add_string_array (builder, "moved", check->moved);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  g_print ("%s\n", text);
}

static void
print_paths (const char *title,
             GPtrArray  *paths)
{
  if (paths->len == 0)
    return;

  g_print ("%s (%u):\n", title, paths->len);
  for (guint i = 0; i < paths->len; i++)
    g_print ("  %s\n", (const char *)g_ptr_array_index (paths, i));
}

static void
print_check (const char            *dir,
             const OsaisStoreCheck *check)
{
  g_print ("data folder: %s\n", dir);
  if (check->integrity == NULL)
    g_print ("history: none yet\n");
  else if (g_str_equal (check->integrity, "ok"))
    g_print ("history: ok\n");
  else
    g_print ("history: %s\n", check->integrity);
  print_paths ("images the history names that are missing (restore them from a backup)",
               check->missing);
  print_paths ("files in images/ that the history does not name", check->orphans);
  print_paths ("temporary files a crash left", check->leftovers);
  print_paths ("moved into lost+found/", check->moved);

  if (osais_store_check_is_healthy (check))
    g_print ("healthy\n");
  else if (check->moved->len < check->orphans->len + check->leftovers->len)
    g_print ("problems found: `osais doctor --repair` moves the files into lost+found/\n");
  else if (check->integrity != NULL && !g_str_equal (check->integrity, "ok"))
    g_print ("problems found: `osais doctor --move-aside` starts a new history, "
             "keeping this one\n");
  else
    g_print ("problems found\n");
}

static int
command_doctor (Cli   *cli,
                int    argc,
                char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisStoreCheck) check = NULL;
  g_autofree char *default_dir = NULL;
  const char *dir = cli->options->data_dir;
  gboolean repair = FALSE;
  gboolean move_aside = FALSE;
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "repair", 0, 0, G_OPTION_ARG_NONE, &repair,
      "Move orphaned and temporary files into lost+found/ (nothing is deleted)", NULL },
    { "move-aside", 0, 0, G_OPTION_ARG_NONE, &move_aside,
      "Rename a damaged history and its images, keeping them, to start a new one", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL },
    { NULL }
  };

  if (!parse_command_options ("— check the data folder", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1 || (move_aside && (repair || as_json)))
    {
      say ("doctor takes --repair and --json, or --move-aside alone");
      return EXIT_USAGE;
    }

  if (dir == NULL)
    dir = default_dir = osais_store_default_data_dir ();

  if (move_aside)
    {
      g_autofree char *moved = osais_store_move_aside (dir, &error);

      if (moved == NULL)
        {
          say ("%s", error->message);
          return EXIT_USAGE;
        }
      say ("the history is now %s; the next start begins a new one", moved);
      return EXIT_OK;
    }

  check = osais_store_check (dir, repair, &error);
  if (check == NULL)
    {
      say ("%s", error->message);
      return EXIT_USAGE;
    }

  if (as_json)
    print_check_json (dir, check);
  else
    print_check (dir, check);

  return osais_store_check_is_healthy (check) ? EXIT_OK : EXIT_PROBLEMS_FOUND;
}

/* params ----------------------------------------------------------------- */


static int
command_params (Cli   *cli,
                int    argc,
                char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonObject) values = NULL;
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *engine = NULL;
  const char *source = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print a JSON object", NULL },
    { NULL }
  };

  if (!parse_command_options ("FILE — print the parameters kept in a PNG", entries,
                              &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    {
      say ("params takes one PNG file: osais params FILE");
      return EXIT_USAGE;
    }

  file = g_file_new_for_commandline_arg (argv[1]);
  contents = g_file_load_bytes (file, NULL, NULL, &error);
  if (contents == NULL)
    {
      say ("cannot read %s: %s", argv[1], error->message);
      return EXIT_USAGE;
    }
  texts = osais_png_text_read (contents, &error);
  if (texts == NULL)
    {
      say ("%s: %s", argv[1], error->message);
      return EXIT_USAGE;
    }

  if (!osais_png_text_extract_parameters (texts, &engine, &values, &source))
    {
      say ("%s keeps no parameters", argv[1]);
      return EXIT_JOB_FAILED;
    }

  json_object_set_string_member (result, "source", source);
  json_object_set_string_member (result, "engine", engine);
  json_object_set_object_member (result, "parameters", json_object_ref (values));
  if (as_json)
    {
      g_autofree char *text = NULL;

      json_node_set_object (root, result);
      text = json_to_string (root, TRUE);
      g_print ("%s\n", text);
      return EXIT_OK;
    }

  /* As `osais run` takes them: ENGINE NAME=VALUE…, one a line. */
  g_print ("%s\n", engine);
  {
    g_autoptr(GList) names = json_object_get_members (values);

    for (GList *l = names; l != NULL; l = l->next)
      {
        JsonNode *node = json_object_get_member (values, l->data);
        g_autofree char *text = NULL;

        if (!JSON_NODE_HOLDS_VALUE (node))
          continue;
        if (json_node_get_value_type (node) == G_TYPE_STRING)
          text = g_strdup (json_node_get_string (node));
        else
          text = json_to_string (node, FALSE);
        g_print ("%s=%s\n", (const char *) l->data, text);
      }
  }
  return EXIT_OK;
}

/* simulate --------------------------------------------------------------- */

static int
command_simulate (Cli   *cli,
                  int    argc,
                  char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *callback = NULL;
  g_autofree char *host = NULL;
  g_autofree char *origin = NULL;
  guint port = OSAIS_SIMULATOR_DEFAULT_PORT;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:3022)", "HOST:PORT" },
    { "callback", 'c', 0, G_OPTION_ARG_STRING, &callback,
      "The client's callback URL (default http://127.0.0.1:3024/)", "URL" },
    { NULL }
  };

  if (!parse_command_options ("— run the OSAIS simulator", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      say ("simulate takes no arguments besides its options");
      return EXIT_USAGE;
    }

  if (listen != NULL && !osais_parse_listen_address (listen, &host, &port, &error))
    return report_error ("invalid --listen", error);
  if (!start_simulator (cli, host != NULL ? host : "127.0.0.1", port, &error))
    return report_error ("cannot start the simulator", error);
  if (callback == NULL)
    callback = g_strdup_printf ("http://127.0.0.1:%u/", OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
  osais_simulator_set_callback_url (cli->simulator, callback);

  origin = osais_simulator_dup_origin (cli->simulator);
  say ("simulating OSAIS at %s; callbacks go to %s", origin, callback);
  say ("client credentials: token “%s”, secret “%s” (or the demo login)",
       g_getenv ("OSAIS_TOKEN") != NULL ? g_getenv ("OSAIS_TOKEN") : OSAIS_SIMULATOR_DEFAULT_TOKEN,
       g_getenv ("OSAIS_TOKEN") != NULL ? "from OSAIS_SECRET" : OSAIS_SIMULATOR_DEFAULT_SECRET);
  g_print ("%s\n", origin);
  return run_loop (cli);
}

/* main ------------------------------------------------------------------- */

static const struct
{
  const char *name;
  int       (*run) (Cli *cli, int argc, char **argv);
  const char *summary;
} commands[] = {
  { "engines", command_engines, "list the engines (name, version, description)" },
  { "login", command_login, "log in and print who we are" },
  { "run", command_run, "run an AI request and print the stored images' paths" },
  { "serve", command_serve, "run the callback server in the foreground for known jobs" },
  { "check", command_check, "check that OSAIS reaches the callback server through the tunnel" },
  { "jobs", command_jobs, "list stored jobs (--search TEXT, --favourites…; --json)" },
  { "star", command_star, "star images as favourites (--unstar takes the star away)" },
  { "doctor", command_doctor, "check the data folder (--repair, --move-aside, --json)" },
  { "params", command_params, "print the parameters kept in a PNG (ours or AUTOMATIC1111's)" },
  { "simulate", command_simulate, "run the OSAIS simulator" },
};

static char *
describe_commands (void)
{
  GString *text = g_string_new ("Commands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-10s %s\n", commands[i].name, commands[i].summary);
  g_string_append (text, "\n`osais COMMAND --help` describes a command's options.\n"
                         "Exit status: 0 success, 1 the job failed, 2 usage error, "
                         "3 network or login error, 4 timeout, "
                         "5 the callback URL is not reachable (check).");
  return g_string_free (text, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *description = NULL;
  g_auto(GlobalOptions) options = { 0 };
  Cli cli = { 0 };
  int status = EXIT_USAGE;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &options.server,
      "OSAIS origin (default $OSAIS_SERVER, else " OSAIS_CLIENT_DEFAULT_ORIGIN ")", "URL" },
    { "simulator", 0, 0, G_OPTION_ARG_NONE, &options.simulator,
      "Use the built-in OSAIS simulator (offline)", NULL },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.data_dir,
      "Where jobs and images are kept (default $XDG_DATA_HOME/osais-studio)", "DIR" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* The core's messages are in the catalogue; OSAIS_LOCALE_DIR points at an
   * uninstalled one (the build folder's, for the tests). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("OSAIS_LOCALE_DIR") != NULL
                                   ? g_getenv ("OSAIS_LOCALE_DIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  context = g_option_context_new ("COMMAND [ARGS…] — use the AIs of OSAIS");
  g_option_context_add_main_entries (context, entries, NULL);
  description = describe_commands ();
  g_option_context_set_description (context, description);
  /* Stop at the command name: what follows belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      say ("%s", error->message);
      return EXIT_USAGE;
    }
  if (options.server != NULL && options.simulator)
    {
      say ("--server and --simulator cannot be used together");
      return EXIT_USAGE;
    }
  if (argc < 2)
    {
      say ("no command given; `osais --help` lists them");
      return EXIT_USAGE;
    }

  cli.options = &options;
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.exit_status = EXIT_OK;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        status = commands[i].run (&cli, argc - 1, argv + 1);
        break;
      }
    else if (i + 1 == G_N_ELEMENTS (commands))
      say ("unknown command “%s”; `osais --help` lists the commands", argv[1]);

  cli_clear (&cli);
  return status;
}
