/* osais-application.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_APPLICATION (osais_application_get_type ())

/* The application: owns the OsaisSession (store, callback server, client,
 * simulator) for its lifetime and the settings; opens image files handed to
 * it as the input image. When its last window closes while jobs are
 * running, it keeps receiving until they are done (unless the keep-receiving
 * setting is off). Properties: session (OsaisSession, read-only),
 * receiving-in-background (boolean, read-only). */
G_DECLARE_FINAL_TYPE (OsaisApplication, osais_application, OSAIS, APPLICATION, AdwApplication)

OsaisApplication *osais_application_new         (void);
OsaisSession     *osais_application_get_session (OsaisApplication *self);
GSettings        *osais_application_get_settings (OsaisApplication *self);
gboolean          osais_application_get_receiving_in_background (OsaisApplication *self);

G_END_DECLS
