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
 * URLs to register and copy buttons; notifications.
 *
 * Changes apply at once: to the settings and to the session (a new origin or
 * account logs in again; a new listen address, port or public URL restarts
 * the callback server). Errors show beside the fields.
 *
 * Properties (construct-only): session (OsaisSession), settings (GSettings of
 * the application's schema). Actions: preferences.sign-in,
 * preferences.sign-out (while signed in with a client app),
 * preferences.copy-url(s: "notify" or "upload"), preferences.check-url,
 * preferences.use-tunnel (the running tunnel to the callback port it found,
 * shown beside the public URL: made the public URL and checked). */
G_DECLARE_FINAL_TYPE (OsaisPreferencesWindow, osais_preferences_window, OSAIS,
                      PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *osais_preferences_window_new          (GtkWindow              *parent,
                                                  OsaisSession           *session,
                                                  GSettings              *settings);
/* Selects "Your Client App" and puts the focus in the token field. */
void       osais_preferences_window_show_sign_in (OsaisPreferencesWindow *self);

G_END_DECLS
