/* osais-window.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-app-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_WINDOW (osais_window_get_type ())

/* The main window: the welcome page on first run, then the request form
 * (sidebar), the gallery and the viewer; a banner across the top for lasting
 * problems. Actions: win.run, win.clear, win.choose-offline, win.choose-demo,
 * win.choose-sign-in, win.retry-login; for its parts and the application,
 * win.retry-job (x: a job's uid), win.show-job (x) and win.open-files (as:
 * URIs). Properties: session (OsaisSession) and settings (GSettings),
 * construct-only. */
G_DECLARE_FINAL_TYPE (OsaisWindow, osais_window, OSAIS, WINDOW, AdwApplicationWindow)

/* A window on @application's session and settings (its properties). */
OsaisWindow      *osais_window_new              (OsaisApplication *application);
/* Files handed to the app or dropped on the window: one sets the input image;
 * several offer one job per file. */
void              osais_window_open_files       (OsaisWindow      *self,
                                                 GFile           **files,
                                                 int               n_files);
void              osais_window_show_error       (OsaisWindow      *self,
                                                 const char       *title,
                                                 const char       *detail);
void              osais_window_show_toast       (OsaisWindow      *self,
                                                 AdwToast         *toast);
void              osais_window_show_preferences (OsaisWindow      *self);
/* The store could not write images/: a banner says so, with the folder. */
void              osais_window_set_images_read_only (OsaisWindow *self,
                                                     gboolean     read_only);
/* Why the history could not be opened (NULL: it is open): a banner says so,
 * with what fixes it, above anything else. */
void              osais_window_set_history_error (OsaisWindow  *self,
                                                  const GError *error);
/* Whether a request sent with Run is on its way: Run waits for its answer. */
gboolean          osais_window_get_sending      (OsaisWindow      *self);
/* The disk that holds the history is full: a banner says so, above any other
 * lasting problem, until this is called again with FALSE. */
void              osais_window_set_disk_full    (OsaisWindow      *self,
                                                 gboolean          disk_full);
gboolean          osais_window_get_disk_full    (OsaisWindow      *self);

G_END_DECLS
