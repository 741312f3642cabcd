/* osais-simulator-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator's insides, shared by osais-simulator.c (thread, routes,
 * settings) and osais-simulator-jobs.c (the callbacks of each job).
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "osais-simulator.h"

G_BEGIN_DECLS

/* Bounds that keep a careless request from allocating gigabytes. */
#define MAX_OUTPUTS     16
#define MAX_INPUT_BYTES (64 * 1024 * 1024)

typedef enum
{
  JOB_NOTIFY_SENT,
  JOB_NOTIFY_RECEIVED,
  JOB_NOTIFY_STARTED,
  JOB_FETCH,
  JOB_IMAGE_STARTED,
  JOB_UPLOAD,
  JOB_IMAGE_DONE,
  JOB_FINISHED,
  JOB_FAILED,
  JOB_END,
} JobStep;

typedef enum
{
  TRANSFORM_NONE,   /* render from the prompt */
  TRANSFORM_COPY,   /* ping */
  TRANSFORM_ENHANCE, /* gfpgan */
  TRANSFORM_REMOVE_BACKGROUND, /* rembg */
} Transform;

typedef struct
{
  char     *username;
  gboolean  is_demo;
} SimUser;

typedef struct
{
  OsaisSimulator *self;
  char           *uid;
  char           *token;
  char           *engine;
  char           *username;
  char           *callback_url;  /* ends with '/' */
  char           *prompt;
  char           *url_upload;
  gint64          seed;
  guint           width;
  guint           height;
  guint           cimg;
  guint           res;
  guint           step_delay;
  gboolean        fail;
  Transform       transform;
  JobStep         step;
  guint           cycle;
  int             remaining;     /* callbacks planned and not yet answered */
  char           *error_descr;
  GBytes         *output;        /* the transformed input, for input engines */
  gint64          start_time;
  GSource        *delay_source;
  SoupMessage    *message;       /* the callback in flight */
  /* With reply-after-first-ack: the AI request, paused until the first
   * callback has its answer, and the reply it then gets. */
  SoupServerMessage *reply_message;
  JsonObject     *reply_data;
} SimJob;

struct _OsaisSimulator
{
  GObject       parent_instance;

  /* Guards the settings and sessions: they are set on the caller's thread
   * and read on the simulator thread. */
  GMutex        mutex;
  char         *client_token;
  char         *client_secret;
  char         *callback_url;
  char         *fail_engine;
  guint         step_delay;
  gboolean      expire_tokens;
  gboolean      reply_after_first_ack;
  GHashTable   *sessions;       /* authToken → SimUser */

  /* Read from any thread with g_atomic_int_get. */
  gint          requests;
  gint          logins;
  gint          acks_good;
  gint          acks_bad;
  gint          pending;

  /* The caller's side of start and stop. */
  GThread      *thread;
  GMainContext *context;
  char         *origin;
  GCond         start_cond;
  gboolean      start_done;
  GError       *start_error;
  char         *address;
  guint         port;

  /* Owned by the simulator thread while it runs. */
  SoupServer   *server;
  SoupSession  *session;
  GCancellable *cancellable;
  GListModel   *engines;
  GPtrArray    *jobs;
  gint64        next_uid;
  guint         notify_count;
  guint         upload_count;
  gboolean      stopping;
};

void     _osais_simulator_reply_data        (SoupServerMessage *msg,
                                             JsonObject        *data);
void     _osais_simulator_job_free          (SimJob            *job);
void     _osais_simulator_job_add_remaining (SimJob            *job,
                                             int                delta);
void     _osais_simulator_job_run           (SimJob            *job);
gboolean _osais_simulator_job_start_cb      (gpointer           user_data);

G_END_DECLS
