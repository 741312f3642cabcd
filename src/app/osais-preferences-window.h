/* osais-preferences-window.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_PREFERENCES_WINDOW (osais_preferences_window_get_type ())

/* Preferences: server origin; account (offline simulator, demo, or sign in
 * with token and secret — the secret kept with libsecret); callback listen
 * address and port; public callback URL, with the exact …/notify and …/upload
 * URLs to register and copy buttons; notifications. */
G_DECLARE_FINAL_TYPE (OsaisPreferencesWindow, osais_preferences_window, OSAIS,
                      PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *osais_preferences_window_new (GtkWindow    *parent,
                                         OsaisSession *session,
                                         GSettings    *settings);

G_END_DECLS
