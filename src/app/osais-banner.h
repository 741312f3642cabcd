/* osais-banner.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_BANNER (osais_banner_get_type ())

/* A bar across the top of a view for a lasting state (not listening, not
 * signed in, not reachable), with an optional button that activates an
 * action: libadwaita 1.2 has no AdwBanner, this is ours, styled like it.
 *
 * Properties: title (string), button-label (string with a mnemonic; NULL or
 * empty: no button), action-name (string, nullable: the button's action,
 * with the usual prefixes, "win.", "app."), revealed (boolean: shown,
 * sliding in and out). */
G_DECLARE_FINAL_TYPE (OsaisBanner, osais_banner, OSAIS, BANNER, GtkWidget)

GtkWidget  *osais_banner_new              (const char  *title);

const char *osais_banner_get_title        (OsaisBanner *self);
void        osais_banner_set_title        (OsaisBanner *self,
                                           const char  *title);
const char *osais_banner_get_button_label (OsaisBanner *self);
void        osais_banner_set_button_label (OsaisBanner *self,
                                           const char  *label);
const char *osais_banner_get_action_name  (OsaisBanner *self);
void        osais_banner_set_action_name  (OsaisBanner *self,
                                           const char  *action_name);
gboolean    osais_banner_get_revealed     (OsaisBanner *self);
void        osais_banner_set_revealed     (OsaisBanner *self,
                                           gboolean     revealed);

G_END_DECLS
