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

#include "osais-cli-private.h"

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
const char *
cli_data_dir (Cli *cli)
{
  if (cli->options->data_dir == NULL)
    cli->options->data_dir = osais_store_default_data_dir ();
  return cli->options->data_dir;
}

void
cli_quit (Cli *cli,
          int  exit_status)
{
  cli->exit_status = exit_status;
  g_main_loop_quit (cli->loop);
}

void
cli_say (const char *format,
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
int
cli_report_error (const char *what,
                  GError     *error)
{
  if (g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_LOGIN_FAILED))
    {
      cli_say ("%s: %s", what, error->message);
      cli_say ("check OSAIS_TOKEN and OSAIS_SECRET (unset both to use the demo login)");
      return EXIT_NETWORK;
    }
  if (g_error_matches (error, OSAIS_CLIENT_ERROR, OSAIS_CLIENT_ERROR_TIMEOUT))
    {
      cli_say ("%s: %s", what, error->message);
      return EXIT_TIMEOUT;
    }
  if (error->domain == OSAIS_CLIENT_ERROR || error->domain == G_IO_ERROR
      || error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    {
      cli_say ("%s: %s", what, error->message);
      cli_say ("check the server origin (--server or OSAIS_SERVER) and your network");
      return EXIT_NETWORK;
    }
  if (error->domain == OSAIS_ENGINE_ERROR)
    {
      cli_say ("%s", error->message);
      cli_say ("`osais engines` lists the engines; see the README for their parameters");
      return EXIT_USAGE;
    }
  if (error->domain == OSAIS_STORE_ERROR)
    {
      cli_say ("%s: %s", what, error->message);
      cli_say ("the data folder is left as it is; `osais doctor` checks it, or use --data-dir "
               "to start afresh elsewhere");
      return EXIT_USAGE;
    }
  if (error->domain == OSAIS_CALLBACK_SERVER_ERROR)
    {
      cli_say ("%s: %s", what, error->message);
      cli_say ("choose another address or port with --listen HOST:PORT");
      return EXIT_USAGE;
    }

  cli_say ("%s: %s", what, error->message);
  return EXIT_USAGE;
}

/* The main loop stops; what the store is committing is committed and
 * acknowledged while the command closes it (cli_clear()). The exit status is
 * the shell's convention for a command ended by that signal. */
static void
interrupt (Cli *cli,
           int  signum)
{
  cli_say ("interrupted by %s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
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

gboolean
cli_open_store (Cli     *cli,
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
      cli_quit (cli, cli_report_error ("could not log in to OSAIS", error));
      return;
    }

  next (cli);
}

/* Logs in with OSAIS_TOKEN/OSAIS_SECRET when both are set, else as the demo client. */
void
cli_login (Cli          *cli,
           LoggedInFunc  next)
{
  const char *token = g_getenv ("OSAIS_TOKEN");
  const char *secret = g_getenv ("OSAIS_SECRET");

  g_object_set_data (G_OBJECT (cli->client), "osais-cli-next", next);
  if (token != NULL && *token != '\0' && secret != NULL && *secret != '\0')
    {
      cli_say ("logging in to %s", osais_client_get_origin (cli->client));
      osais_client_login_async (cli->client, token, secret, NULL, login_done_cb, cli);
    }
  else
    {
      cli_say ("logging in to %s as the demo client (set OSAIS_TOKEN and OSAIS_SECRET to use "
               "your account)", osais_client_get_origin (cli->client));
      g_object_set_data (G_OBJECT (cli->client), "osais-cli-demo", GINT_TO_POINTER (TRUE));
      osais_client_login_demo_async (cli->client, NULL, login_done_cb, cli);
    }
}

int
cli_run_loop (Cli *cli)
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
gboolean
cli_parse_command_options (const char    *parameters,
                           GOptionEntry  *entries,
                           int           *argc,
                           char        ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      cli_say ("%s", error->message);
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
      cli_say ("engines takes no arguments");
      return EXIT_USAGE;
    }

  engines = osais_engines_load (&warnings);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    cli_say ("%s", (const char *) g_ptr_array_index (warnings, i));

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
      cli_quit (cli, cli_report_error ("could not read the client's information", error));
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
  cli_say ("logged in");
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
      cli_say ("login takes no arguments: it reads OSAIS_TOKEN and OSAIS_SECRET");
      return EXIT_USAGE;
    }

  if (!create_client (cli, &error))
    return cli_report_error ("could not start", error);

  cli_login (cli, login_then_info);
  return cli_run_loop (cli);
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

  if (!cli_parse_command_options ("FILE — print the parameters kept in a PNG", entries,
                                  &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    {
      cli_say ("params takes one PNG file: osais params FILE");
      return EXIT_USAGE;
    }

  file = g_file_new_for_commandline_arg (argv[1]);
  contents = g_file_load_bytes (file, NULL, NULL, &error);
  if (contents == NULL)
    {
      cli_say ("cannot read %s: %s", argv[1], error->message);
      return EXIT_USAGE;
    }
  texts = osais_png_text_read (contents, &error);
  if (texts == NULL)
    {
      cli_say ("%s: %s", argv[1], error->message);
      return EXIT_USAGE;
    }

  if (!osais_png_text_extract_parameters (texts, &engine, &values, &source))
    {
      cli_say ("%s keeps no parameters", argv[1]);
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

  if (!cli_parse_command_options ("— run the OSAIS simulator", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1)
    {
      cli_say ("simulate takes no arguments besides its options");
      return EXIT_USAGE;
    }

  if (listen != NULL && !osais_parse_listen_address (listen, &host, &port, &error))
    return cli_report_error ("invalid --listen", error);
  if (!start_simulator (cli, host != NULL ? host : "127.0.0.1", port, &error))
    return cli_report_error ("cannot start the simulator", error);
  if (callback == NULL)
    callback = g_strdup_printf ("http://127.0.0.1:%u/", OSAIS_CALLBACK_SERVER_DEFAULT_PORT);
  osais_simulator_set_callback_url (cli->simulator, callback);

  origin = osais_simulator_dup_origin (cli->simulator);
  cli_say ("simulating OSAIS at %s; callbacks go to %s", origin, callback);
  cli_say ("client credentials: token “%s”, secret “%s” (or the demo login)",
           g_getenv ("OSAIS_TOKEN") != NULL ? g_getenv ("OSAIS_TOKEN")
                                            : OSAIS_SIMULATOR_DEFAULT_TOKEN,
           g_getenv ("OSAIS_TOKEN") != NULL ? "from OSAIS_SECRET"
                                            : OSAIS_SIMULATOR_DEFAULT_SECRET);
  g_print ("%s\n", origin);
  return cli_run_loop (cli);
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
      cli_say ("%s", error->message);
      return EXIT_USAGE;
    }
  if (options.server != NULL && options.simulator)
    {
      cli_say ("--server and --simulator cannot be used together");
      return EXIT_USAGE;
    }
  if (argc < 2)
    {
      cli_say ("no command given; `osais --help` lists them");
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
      cli_say ("unknown command “%s”; `osais --help` lists the commands", argv[1]);

  cli_clear (&cli);
  return status;
}
