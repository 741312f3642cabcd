/* osais-sign-out.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

/* Asks, over @parent, whether to sign out of the client app's account, and
 * if so signs out: the keyring forgets the secret, the session its
 * credentials, and the account mode becomes "none", which shows the welcome
 * page with its three ways in. Not "demo" nor "offline": either would put
 * the user, unasked, on another account or on a stand-in for OSAIS.
 * The client token stays in @settings to fill in the next sign-in (alone, it
 * signs nobody in). The one sign-out of the main menu and the preferences. */
void osais_sign_out (GtkWindow    *parent,
                     OsaisSession *session,
                     GSettings    *settings);

G_END_DECLS
