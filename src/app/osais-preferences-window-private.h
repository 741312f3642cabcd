/* osais-preferences-window-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The preferences window's insides, shared by osais-preferences-window.c
 * and osais-preferences-window-account.c.
 */

#pragma once

#include "osais-preferences-window.h"

G_BEGIN_DECLS

struct _OsaisPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  OsaisSession         *session;
  GSettings            *settings;
  GSignalGroup         *session_signals;

  /* Set while the widgets are filled from the session, so that their
   * change handlers do not apply the values back. */
  gboolean              syncing;
  gboolean              signing_in;

  /* A port being typed: applied once typing pauses (3, 30, 302, 3025
   * would otherwise restart the server four times, three of them on a
   * port nobody meant). */
  guint                 port_source;
  guint                 pending_port;

  /* A restart of the callback server under way, cancelled (for this
   * window only: the restart goes on) when the window goes. */
  GCancellable         *restart_cancellable;

  /* The running check of the public URL; cancelled when the URL changes or
   * the window goes. */
  GCancellable         *check_cancellable;

  /* The search for a running tunnel to offer, for the port the callback
   * server listens on. */
  OsaisTunnelSearch    *tunnel_search;

  /* Template widgets */
  AdwActionRow         *account_status_row;
  GtkWidget            *sign_out_button;
  GtkCheckButton       *offline_check;
  GtkCheckButton       *demo_check;
  GtkCheckButton       *account_check;
  AdwEntryRow          *token_row;
  AdwPasswordEntryRow  *secret_row;
  GtkLabel             *sign_in_error_label;
  GtkSpinner           *sign_in_spinner;
  AdwEntryRow          *origin_row;
  GtkLabel             *origin_error_label;
  AdwActionRow         *server_status_row;
  AdwEntryRow          *listen_address_row;
  GtkSpinButton        *port_spin;
  AdwEntryRow          *public_url_row;
  AdwActionRow         *check_row;
  AdwActionRow         *tunnel_row;
  GtkWidget            *use_tunnel_button;
  GtkSpinner           *check_spinner;
  AdwActionRow         *notify_url_row;
  AdwActionRow         *upload_url_row;
  GtkLabel             *server_error_label;
  GtkSwitch            *notifications_switch;
  GtkSwitch            *keep_receiving_switch;
};

void _osais_preferences_window_class_account_init   (GtkWidgetClass         *widget_class);
void _osais_preferences_window_set_inline_error     (GtkLabel               *label,
                                                     const char             *message);
void _osais_preferences_window_update_sign_in_action (OsaisPreferencesWindow *self);

G_END_DECLS
