/* osais-simulator.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

/* Its pictures (osais_simulator_render_png() and the errors) are part of its API. */
#include "osais-simulator-images.h"
#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_SIMULATOR_DEFAULT_PORT   3022
#define OSAIS_SIMULATOR_DEMO_TOKEN     "demo"
#define OSAIS_SIMULATOR_DEFAULT_TOKEN  "sim-token"
#define OSAIS_SIMULATOR_DEFAULT_SECRET "sim-secret"
/* The usernames that client info and notifications report. */
#define OSAIS_SIMULATOR_USERNAME       "sim-user"
#define OSAIS_SIMULATOR_DEMO_USERNAME  "demo"

#define OSAIS_TYPE_SIMULATOR (osais_simulator_get_type ())

/* An OSAIS stand-in that talks real HTTP, on its own thread and
 * GMainContext: client login and demo login, client info, AI requests for
 * every bundled engine, then /notify through the stages and /upload per output.
 *
 * Properties: client-token, client-secret (the accepted credentials),
 * callback-url (the client's public base URL: notify and upload are under it),
 * step-delay (uint ms between callbacks), fail-engine (string: requests to this
 * engine end in stage -1), expire-tokens (boolean: the next private call answers 401
 * once, as when an authToken expired).
 * Counters (read-only, thread-safe): requests, acks-good, acks-bad, logins.
 *
 * requests counts accepted AI requests (answered 200), logins successful
 * client and demo logins. The counter properties never notify: they change
 * on the simulator thread, so poll them. expire-tokens reads TRUE until a
 * private call has consumed it. */
G_DECLARE_FINAL_TYPE (OsaisSimulator, osais_simulator, OSAIS, SIMULATOR, GObject)

OsaisSimulator *osais_simulator_new             (void);
/* Listens on @address:@port (0 = any) and starts the simulator thread. */
gboolean        osais_simulator_start           (OsaisSimulator  *self,
                                                 const char      *address,
                                                 guint            port,
                                                 GError         **error);
void            osais_simulator_stop            (OsaisSimulator  *self);
/* The origin to give OsaisClient, e.g. "http://127.0.0.1:41234/". */
char           *osais_simulator_dup_origin      (OsaisSimulator  *self);
void            osais_simulator_set_callback_url (OsaisSimulator *self,
                                                  const char     *callback_url);
/* Makes the next private call answer 401, as an expired authToken would. */
void            osais_simulator_expire_session  (OsaisSimulator  *self);
guint           osais_simulator_get_requests    (OsaisSimulator  *self);
guint           osais_simulator_get_logins      (OsaisSimulator  *self);
guint           osais_simulator_get_acks_good   (OsaisSimulator  *self);
guint           osais_simulator_get_acks_bad    (OsaisSimulator  *self);
/* Callbacks still to be sent or answered; 0 once every job's callbacks are done. */
guint           osais_simulator_get_pending     (OsaisSimulator  *self);

G_END_DECLS
