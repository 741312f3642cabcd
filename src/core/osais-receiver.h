/* osais-receiver.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-types.h"
#include "osais-session.h"

G_BEGIN_DECLS

/* OSAIS calls back one registered public URL, so one process receives for
 * a data folder: the first session that starts on it. It says so on the
 * session bus under a name derived from the folder, with a small interface
 * through which another program (`osais run`) sends its request and
 * follows the job, rather than starting a second callback server.
 *
 * Bus name:  OSAIS_RECEIVER_BUS_NAME_PREFIX + a hash of the folder's real path
 * Object:    OSAIS_RECEIVER_OBJECT_PATH
 * Interface: OSAIS_RECEIVER_INTERFACE
 *   property DataDir (s), AccountLabel (s)
 *   method Submit (s engine, a{ss} values, ay input, s input_type) → (x uid)
 *   method GetJob (x uid) → (i stage, s description, s error_message,
 *                            u announced_images, as image_paths, b complete)
 *   signal JobChanged (x uid), for the jobs sent through Submit
 * Errors: OSAIS_RECEIVER_ERROR_INVALID (the request was refused as invalid:
 * a parameter, the input) or OSAIS_RECEIVER_ERROR_FAILED (it could not be
 * sent), with the session's message. */
#define OSAIS_RECEIVER_BUS_NAME_PREFIX "com.opensourceais.Studio.Receiver.D"
#define OSAIS_RECEIVER_OBJECT_PATH     "/com/opensourceais/Studio/Receiver"
#define OSAIS_RECEIVER_INTERFACE       "com.opensourceais.Studio.Receiver1"
#define OSAIS_RECEIVER_ERROR_INVALID   "com.opensourceais.Studio.Receiver1.Error.Invalid"
#define OSAIS_RECEIVER_ERROR_FAILED    "com.opensourceais.Studio.Receiver1.Error.Failed"

#define OSAIS_TYPE_RECEIVER (osais_receiver_get_type ())

/* Owns the receiver name of @session's data folder while it lives, and
 * serves the interface. Properties (read-only, notify): owner (boolean),
 * TRUE while the name is ours; taken (boolean), TRUE when another process
 * has it (without a session bus, neither). */
G_DECLARE_FINAL_TYPE (OsaisReceiver, osais_receiver, OSAIS, RECEIVER, GObject)

OsaisReceiver *osais_receiver_new          (OsaisSession  *session);
gboolean       osais_receiver_get_owner    (OsaisReceiver *self);
gboolean       osais_receiver_get_taken    (OsaisReceiver *self);

/* The bus name of @data_dir's receiver. */
char          *osais_receiver_dup_bus_name (const char    *data_dir);

/* A proxy for the running receiver of @data_dir, or NULL without an error
 * when none runs (or there is no session bus). Blocks for at most a few
 * seconds: for command-line tools. */
GDBusProxy    *osais_receiver_find         (const char    *data_dir,
                                            GCancellable  *cancellable,
                                            GError       **error);

G_END_DECLS
