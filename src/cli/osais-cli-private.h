/* osais-cli-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the `osais` tool's files share: the command's state, the helpers
 * every command uses (osais-cli.c) and the commands, grouped by what they
 * set up: osais-cli-run.c (run, serve: a session), osais-cli-check.c
 * (check, doctor: the callback URL, the data folder), osais-cli-jobs.c
 * (jobs, star: the store alone).
 */

#pragma once

#include "osais-core.h"

G_BEGIN_DECLS

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

typedef void (*LoggedInFunc)     (Cli *cli);
typedef void (*SessionReadyFunc) (Cli *cli);

void         cli_say                    (const char        *format,
                                         ...) G_GNUC_PRINTF (1, 2);
int          cli_report_error           (const char        *what,
                                         GError            *error);
const char  *cli_data_dir               (Cli               *cli);
void         cli_quit                   (Cli               *cli,
                                         int                exit_status);
gboolean     cli_open_store             (Cli               *cli,
                                         GError           **error);
gboolean     cli_parse_command_options  (const char        *parameters,
                                         GOptionEntry      *entries,
                                         int               *argc,
                                         char            ***argv);
int          cli_run_loop               (Cli               *cli);
void         cli_login                  (Cli               *cli,
                                         LoggedInFunc       next);
gboolean     cli_start_session          (Cli               *cli,
                                         OsaisAccountMode   mode_if_online,
                                         const char        *listen,
                                         const char        *public_url,
                                         SessionReadyFunc   next,
                                         GError           **error);
gboolean     cli_start_server_only      (Cli               *cli,
                                         const char        *command,
                                         int                argc,
                                         const char        *advice,
                                         const char        *listen,
                                         const char        *public_url,
                                         SessionReadyFunc   next,
                                         int               *status);
OsaisTunnel *cli_pick_tunnel            (Cli               *cli,
                                         GPtrArray         *tunnels,
                                         char             **problem);

int          command_run                (Cli *cli, int argc, char **argv);
int          command_serve              (Cli *cli, int argc, char **argv);
int          command_check              (Cli *cli, int argc, char **argv);
int          command_doctor             (Cli *cli, int argc, char **argv);
int          command_jobs               (Cli *cli, int argc, char **argv);
int          command_star               (Cli *cli, int argc, char **argv);

G_END_DECLS
