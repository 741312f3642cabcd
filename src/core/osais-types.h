/* osais-types.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _OsaisCallbackServer OsaisCallbackServer;
typedef struct _OsaisClient         OsaisClient;
typedef struct _OsaisEngine         OsaisEngine;
typedef struct _OsaisImage          OsaisImage;
typedef struct _OsaisJob            OsaisJob;
typedef struct _OsaisSimulator      OsaisSimulator;
typedef struct _OsaisStore          OsaisStore;

/**
 * OsaisStage:
 *
 * The stage of an AI request, as OSAIS notifies it on `/notify`.
 * The numeric values are those of the wire protocol.
 */
typedef enum
{
  OSAIS_STAGE_ERROR         = -1, /*< nick=error >*/
  OSAIS_STAGE_REQUEST_SENT  = 0,  /*< nick=request-sent >*/
  OSAIS_STAGE_RECEIVED      = 1,  /*< nick=received >*/
  OSAIS_STAGE_STARTED       = 2,  /*< nick=started >*/
  OSAIS_STAGE_IMAGE_STARTED = 3,  /*< nick=image-started >*/
  OSAIS_STAGE_IMAGE_DONE    = 4,  /*< nick=image-done >*/
  OSAIS_STAGE_FINISHED      = 5,  /*< nick=finished >*/
} OsaisStage;

/**
 * OsaisAccountMode:
 *
 * How an OsaisSession reaches OSAIS: not chosen yet, the in-process
 * simulator, OSAIS's demo login, or the user's token and secret.
 */
typedef enum
{
  OSAIS_ACCOUNT_MODE_NONE,    /*< nick=none >*/
  OSAIS_ACCOUNT_MODE_OFFLINE, /*< nick=offline >*/
  OSAIS_ACCOUNT_MODE_DEMO,    /*< nick=demo >*/
  OSAIS_ACCOUNT_MODE_ACCOUNT, /*< nick=account >*/
} OsaisAccountMode;

/**
 * OsaisLoginState:
 *
 * Where an OsaisSession's login stands.
 */
typedef enum
{
  OSAIS_LOGIN_STATE_LOGGED_OUT, /*< nick=logged-out >*/
  OSAIS_LOGIN_STATE_LOGGING_IN, /*< nick=logging-in >*/
  OSAIS_LOGIN_STATE_LOGGED_IN,  /*< nick=logged-in >*/
  OSAIS_LOGIN_STATE_FAILED,     /*< nick=failed >*/
} OsaisLoginState;

/**
 * OsaisTunnelKind:
 *
 * The tunnel software a found tunnel belongs to.
 */
typedef enum
{
  OSAIS_TUNNEL_KIND_NGROK,       /*< nick=ngrok >*/
  OSAIS_TUNNEL_KIND_CLOUDFLARED, /*< nick=cloudflared >*/
} OsaisTunnelKind;

/**
 * OsaisTunnelVerdict:
 *
 * What a check of the public URL found (see osais-tunnel.h).
 */
typedef enum
{
  OSAIS_TUNNEL_VERDICT_REACHABLE,     /*< nick=reachable >*/
  OSAIS_TUNNEL_VERDICT_NOT_REACHABLE, /*< nick=not-reachable >*/
  OSAIS_TUNNEL_VERDICT_NO_ORIGIN,     /*< nick=no-origin >*/
  OSAIS_TUNNEL_VERDICT_WARNING_PAGE,  /*< nick=warning-page >*/
  OSAIS_TUNNEL_VERDICT_WRONG_PATH,    /*< nick=wrong-path >*/
  OSAIS_TUNNEL_VERDICT_OTHER_SERVER,  /*< nick=other-server >*/
  OSAIS_TUNNEL_VERDICT_RATE_LIMITED,  /*< nick=rate-limited >*/
} OsaisTunnelVerdict;

G_END_DECLS
