/* osais-cli-check.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `osais check` (whether OSAIS reaches the callback server through the
 * public URL or a tunnel found) and `osais doctor` (the data folder).
 */

#define G_LOG_DOMAIN "OsaisCli"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "osais-cli-private.h"

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
      cli_quit (cli, cli_report_error ("cannot check the public URL", error));
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
  cli_say ("checking %s%scheck/… through the public URL", cli->check_url,
           g_str_has_suffix (cli->check_url, "/") ? "" : "/");
  osais_tunnel_check_async (cli->check_url, osais_session_get_callback_server (cli->session),
                            NULL, check_done_cb, cli);
}

/* Reports tunnels that lead to another port, and returns the one tunnel to
 * ours (said), or NULL with @problem set. */
OsaisTunnel *
cli_pick_tunnel (Cli        *cli,
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
        cli_say ("%s (%s)", mismatch, ((OsaisTunnel *) g_ptr_array_index (tunnels, i))->public_url);
    }

  tunnel = osais_tunnel_pick (tunnels, port, problem);
  if (tunnel == NULL)
    return NULL;
  if (tunnel->port != 0)
    cli_say ("using the %s tunnel %s, which forwards to port %u",
             osais_tunnel_kind_to_string (tunnel->kind), tunnel->public_url, tunnel->port);
  else
    cli_say ("using the %s tunnel %s (it does not say which port it forwards to)",
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
      cli_quit (cli, cli_report_error ("cannot look for tunnels", error));
      return;
    }

  tunnel = cli_pick_tunnel (cli, tunnels, &problem);
  if (tunnel == NULL)
    {
      if (cli->as_json)
        {
          g_autoptr(JsonNode) node = check_to_json (cli, NULL, problem);

          print_json (node);
        }
      else
        g_print ("%s\n", problem);
      cli_say ("start a tunnel to port %u (for example `ngrok http %u`), or give --public-url",
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
  cli_say ("looking for a tunnel (ngrok, cloudflared)");
  osais_tunnel_find_async (NULL, tunnels_found_cb, cli);
}

int
command_check (Cli   *cli,
               int    argc,
               char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *public_url = NULL;
  gboolean as_json = FALSE;
  int status;
  GOptionEntry entries[] = {
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, &public_url,
      "The URL to check (default: the running tunnel to our port)", "URL" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:3024)", "HOST:PORT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the verdict as JSON", NULL },
    { NULL }
  };

  if (!cli_parse_command_options ("— check that OSAIS can reach the callback server", entries,
                                  &argc, &argv))
    return EXIT_USAGE;

  cli->as_json = as_json;
  cli->check_url = g_steal_pointer (&public_url);
  /* The check proves the round trip to this process's own server; while
   * another receiver holds the data folder, that would not be the server
   * OSAIS calls back. Checking needs no login and no simulator. */
  if (!cli_start_server_only (cli, "check", argc,
                              "check from there (Preferences → Connection → Check), or stop it "
                              "first", listen, cli->check_url, check_session_ready, &status))
    return status;

  return cli_run_loop (cli);
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

int
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

  if (!cli_parse_command_options ("— check the data folder", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc > 1 || (move_aside && (repair || as_json)))
    {
      cli_say ("doctor takes --repair and --json, or --move-aside alone");
      return EXIT_USAGE;
    }

  if (dir == NULL)
    dir = default_dir = osais_store_default_data_dir ();

  if (move_aside)
    {
      g_autofree char *moved = osais_store_move_aside (dir, &error);

      if (moved == NULL)
        {
          cli_say ("%s", error->message);
          return EXIT_USAGE;
        }
      cli_say ("the history is now %s; the next start begins a new one", moved);
      return EXIT_OK;
    }

  check = osais_store_check (dir, repair, &error);
  if (check == NULL)
    {
      cli_say ("%s", error->message);
      return EXIT_USAGE;
    }

  if (as_json)
    print_check_json (dir, check);
  else
    print_check (dir, check);

  return osais_store_check_is_healthy (check) ? EXIT_OK : EXIT_PROBLEMS_FOUND;
}
