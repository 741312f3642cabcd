/* osais-window-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests: the window's parts. The app itself reaches them only through
 * the window's actions (osais-window.h), so that no part of the app depends
 * on how the window is built.
 */

#pragma once

#include "osais-banner.h"
#include "osais-gallery.h"
#include "osais-request-form.h"
#include "osais-window.h"

G_BEGIN_DECLS

/* For tests: the window's parts. */
OsaisRequestForm *osais_window_get_form         (OsaisWindow      *self);
OsaisGallery     *osais_window_get_gallery      (OsaisWindow      *self);
GtkDropDown      *osais_window_get_engine_dropdown (OsaisWindow   *self);
OsaisBanner      *osais_window_get_banner       (OsaisWindow      *self);

G_END_DECLS
