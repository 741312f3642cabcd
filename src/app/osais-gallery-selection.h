/* osais-gallery-selection.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY_SELECTION (osais_gallery_selection_get_type ())

/* The gallery's selection: a GtkMultiSelection over @model that ignores
 * requests to select one item alone. GTK 4.8's grid asks that whenever the
 * pointer hovers a tile (with single-click-activate) or the keyboard focus
 * moves: in a gallery, selecting is what the user does on purpose (Ctrl or
 * Shift+click, the rubber band, Ctrl+A), and starts selection mode. */
G_DECLARE_FINAL_TYPE (OsaisGallerySelection, osais_gallery_selection, OSAIS, GALLERY_SELECTION,
                      GObject)

OsaisGallerySelection *osais_gallery_selection_new (GListModel *model);

G_END_DECLS
