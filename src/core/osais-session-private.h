/* osais-session-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session's insides, shared by osais-session.c, -login.c and
 * -submit.c.
 */

#pragma once

#include "osais-callback-server.h"
#include "osais-client.h"
#include "osais-session.h"
#include "osais-simulator.h"
#include "osais-store.h"

G_BEGIN_DECLS

/* The callback server's input ids are 128 random bits in hex. */
#define INPUT_ID_LENGTH 32

/* An input image the session serves for one job: served until the job
 * ends, then kept for Retry if the job failed. */
typedef struct
{
  OsaisSession *session;       /* unowned: the table holding this belongs to it */
  gint64        uid;
  OsaisJob     *job;           /* owned while served; NULL once retained */
  gulong        finished_id;
  GBytes       *data;
  char         *content_type;
  char         *input_id;      /* while registered with the current server */
} JobInput;

struct _OsaisSession
{
  GObject              parent_instance;

  /* Settings. */
  char                *data_dir;
  char                *server_origin;
  OsaisAccountMode     account_mode;
  char                *listen_address;
  guint                listen_port;
  char                *public_url;
  guint                stall_timeout;
  guint                client_timeout;  /* seconds; 0 = the client's default */
  char                *token;
  char                *secret;

  /* State. */
  OsaisStore          *store;
  GListModel          *engines;
  GStrv                engine_warnings;
  OsaisCallbackServer *server;
  /* The server a restart is stopping, and the restarts waiting for it. */
  OsaisCallbackServer *stopping_server;
  GList               *restart_tasks;
  OsaisSimulator      *simulator;
  OsaisClient         *client;          /* logged in, else NULL */
  OsaisLoginState      login_state;
  char                *login_error;
  /* The failed login's error, typed, for a caller that says what to do. */
  GError              *login_failure;
  char                *account_label;
  gboolean             server_listening;
  char                *server_uri;
  char                *public_uri;
  char                *server_error;

  GCancellable        *login_cancellable; /* the login attempt in progress */
  GHashTable          *job_inputs;        /* uid → JobInput */
  GQueue               retained;          /* uids of retained inputs, oldest first */
  guint                stall_source;
  /* When the history was opened: a job left running by an earlier run is
   * stalled only a stall timeout after this, as its callbacks may still
   * come. */
  GDateTime           *store_opened;
  /* What the store's integrity check found after it opened: the store is
   * then closed, as one refused at opening. */
  GError              *history_damage;
  gboolean             started;
  gboolean             stopped;
};


enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_SERVER_ORIGIN,
  PROP_ACCOUNT_MODE,
  PROP_LISTEN_ADDRESS,
  PROP_LISTEN_PORT,
  PROP_PUBLIC_URL,
  PROP_STALL_TIMEOUT,
  PROP_STORE,
  PROP_ENGINES,
  PROP_LOGIN_STATE,
  PROP_LOGIN_ERROR,
  PROP_ACCOUNT_LABEL,
  PROP_SERVER_LISTENING,
  PROP_SERVER_URI,
  PROP_PUBLIC_URI,
  PROP_SERVER_ERROR,
  PROP_SIMULATOR,
  PROP_HISTORY_DAMAGE,
  N_PROPS
};

void        _osais_session_notify           (OsaisSession         *self,
                                             guint                 prop_id);
void        _osais_session_emit_input_not_kept (OsaisSession      *self,
                                                OsaisJob          *job,
                                                const char        *message);
/* Replaces *@str with a copy of @value and notifies @prop_id when they differ. */
gboolean    _osais_session_set_string       (OsaisSession         *self,
                                             char                **str,
                                             const char           *value,
                                             guint                 prop_id);
/* Starts the simulator in OFFLINE mode and stops it in any other. */
gboolean    _osais_session_update_simulator (OsaisSession         *self,
                                             GError              **error);
/* Takes over serving @input_id for @job until it ends (osais-session-submit.c). */
void        _osais_session_track_job_input  (OsaisSession         *self,
                                             OsaisJob             *job,
                                             GBytes               *data,
                                             const char           *content_type,
                                             char                 *input_id);
/* No longer served by the callback server (its bytes kept for Retry). */
void        _osais_session_job_input_unregister (JobInput         *input);
/* The job_inputs table's free function. */
void        _osais_session_job_input_free   (gpointer              data);
const char *_osais_session_label_for_mode   (OsaisAccountMode      mode);
void        _osais_session_log_in           (OsaisSession         *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data,
                                             gpointer              source_tag);

G_END_DECLS
