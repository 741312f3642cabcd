/* osais-app-types.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app's classes by name only, as gtktypes.h does for GTK's: a header
 * that takes or returns one of them includes this, not the class's own
 * header, so the app's headers do not include each other. Each name is
 * typedef'd again, identically, by G_DECLARE_FINAL_TYPE in its header.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _OsaisApplication         OsaisApplication;
typedef struct _OsaisBanner              OsaisBanner;
typedef struct _OsaisGallery             OsaisGallery;
typedef struct _OsaisGalleryModel        OsaisGalleryModel;
typedef struct _OsaisRequestForm         OsaisRequestForm;
typedef struct _OsaisWindow              OsaisWindow;

G_END_DECLS
