/* osais-preferences-window.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisPreferencesWindow"

#include "config.h"

#include "osais-preferences-window.h"

struct _OsaisPreferencesWindow
{
  AdwPreferencesWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (OsaisPreferencesWindow, osais_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

GtkWidget *
osais_preferences_window_new (GtkWindow    *parent,
                              OsaisSession *session,
                              GSettings    *settings)
{
  return g_object_new (OSAIS_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}

static void
osais_preferences_window_class_init (OsaisPreferencesWindowClass *klass)
{
}

static void
osais_preferences_window_init (OsaisPreferencesWindow *self)
{
}
