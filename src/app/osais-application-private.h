/* osais-application-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's insides, shared by osais-application.c and
 * osais-application-background.c.
 */

#pragma once

#include "osais-app-types.h"
#include "osais-application.h"

G_BEGIN_DECLS

#define BACKGROUND_NOTIFICATION_ID "receiving-in-background"

struct _OsaisApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  OsaisSession   *session;
  /* Says on the session bus that this process receives for the data folder,
   * for `osais run` to send through it. */
  OsaisReceiver  *receiver;
  GSignalGroup   *session_signals;
  GSignalGroup   *store_signals;

  /* Jobs not finished yet, watched for a notification when they end. */
  GHashTable     *watched_jobs;

  /* Why the session could not open the history, shown in every window. */
  GError         *history_error;

  /* No window is open, yet the app holds itself to receive the results of
   * jobs still running; it quits when none is left. */
  gboolean        receiving_in_background;
  gboolean        quitting;
  /* The Background portal's answer to our request, while we wait for it. */
  guint           background_response_id;

  /* Files handed to the app before the engines were loaded: which engine
   * takes them is known only then. */
  GPtrArray      *pending_files;

  /* Command-line options; they win over the settings for this run only. */
  char           *option_server;
  char           *option_listen;
  char           *option_public_url;
  char           *option_data_dir;
  gboolean        option_simulator;

  /* The simulator's failure knobs, from the environment as the CLI reads
   * them, applied to every simulator the session starts. */
  char           *simulator_fail_engine;
  guint           simulator_step_delay;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  PROP_RECEIVING_IN_BACKGROUND,
  N_PROPS
};

void         _osais_application_notify                       (OsaisApplication *self,
                                                              guint             prop_id);
OsaisWindow *_osais_application_get_or_create_window         (OsaisApplication *self);
void         _osais_application_window_added                 (OsaisApplication *self,
                                                              GtkWindow        *window);
void         _osais_application_window_removed               (OsaisApplication *self,
                                                              GtkWindow        *window);
void         _osais_application_session_store_changed        (OsaisApplication *self);
void         _osais_application_store_items_changed          (OsaisApplication *self,
                                                              guint             position,
                                                              guint             removed,
                                                              guint             added,
                                                              GListModel       *store);
void         _osais_application_unwatch_all_jobs             (OsaisApplication *self);
void         _osais_application_stop_receiving_in_background (OsaisApplication *self);
/* app.show-job: the job's window shown, its card in view. */
void         _osais_application_show_job_activated           (GSimpleAction    *action,
                                                              GVariant         *parameter,
                                                              gpointer          user_data);

G_END_DECLS
