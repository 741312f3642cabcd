/* osais-gallery-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the gallery's files share: the instance (osais-gallery.c: layout,
 * cells, thumbnails, search results; osais-gallery-actions.c: deleting with
 * undo and selection mode).
 */

#pragma once

#include "osais-gallery.h"
#include "osais-gallery-model.h"
#include "osais-gallery-results.h"
#include "osais-gallery-selection.h"

G_BEGIN_DECLS

struct _OsaisGallery
{
  AdwBin              parent_instance;

  OsaisGalleryModel  *model;
  /* Cards for requests on their way to OSAIS, before any job exists. */
  GListStore         *sending;
  /* The store's jobs, as a search found them (osais_gallery_set_search()),
   * or all of them. */
  OsaisGalleryResults *results;
  /* osais_gallery_prepare_search(): the store's part, under way while
   * @search_preparing is not cancelled, done once @search_prepared. */
  GCancellable       *search_preparing;
  gboolean            search_prepared;
  gboolean            listening;
  gboolean            signed_in;
  OsaisAccountMode    account_mode;     /* with signed_in: the mode whose login failed */
  gboolean            history_open;
  /* What the grid shows: the sending cards, then the store's jobs. */
  GListModel         *shown;
  /* Cells of items gone from the grid, for the next ones (cell_setup_cb()). */
  GPtrArray          *spare_cells;
  /* Making spare cells at idle (osais_gallery_prepare_search()). */
  guint               spare_cells_id;
  /* Selection mode is on while a tile is selected (Ctrl/Shift+click, the
   * rubber band, Ctrl+A): a bar says how many, and acts on them. */
  OsaisGallerySelection *selection;
  gboolean            selection_mode;
  /* Entered on purpose (the Select button, for touch and keyboard): stays
   * on with nothing selected, until Cancel or Escape. */
  gboolean            selecting;
  /* Nothing shown: the empty page (property empty). */
  gboolean            empty;
  /* Where Shift+click selects from: the last tile clicked. */
  guint               anchor;
  GtkFileChooserNative *export_chooser;
  /* Whose layout phase places the cells (place_cells_cb()). */
  GdkFrameClock      *layout_clock;
  /* The first screen's thumbnails, asked for when the history is set
   * (prefetch_first_screen()). */
  GCancellable       *prefetching;
  /* A job to show (osais_gallery_show_job()): its first tile takes the
   * keyboard focus once laid out in view. */
  OsaisJob           *focus_job;

  /* OSAIS_BENCH_TRACE (tests/bench/gui) */
  gboolean            trace;
  gboolean            traced_content;
  gboolean            traced_frame;
  GdkFrameClock      *trace_clock;
  guint               scroll_signals[3];
  guint               scroll_tick;
  guint               redraw_tick;
  gint64              scroll_start;
  double              scroll_from;
  gboolean            scroll_full;

  /* Template widgets */
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkWidget          *empty_preferences_button;
  GtkScrolledWindow  *scrolled_window;
  GtkGridView        *grid_view;
  GtkActionBar       *selection_bar;
  GtkLabel           *selection_label;
  GtkButton          *star_selected_button;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_SELECTION_MODE,
  PROP_EMPTY,
  N_PROPS
};

void _osais_gallery_notify              (OsaisGallery    *self,
                                         guint            prop_id);
void _osais_gallery_update_selection    (OsaisGallery    *self);
void _osais_gallery_grid_pressed_cb     (GtkGestureClick *gesture,
                                         int              n_press,
                                         double           x,
                                         double           y,
                                         OsaisGallery    *self);
void _osais_gallery_class_actions_init  (GtkWidgetClass  *widget_class);

/* For tests: what the selection bar says ("3 Selected"), and the grid. */
const char  *osais_gallery_get_selection_label (OsaisGallery *self);
GtkGridView *osais_gallery_get_grid_view       (OsaisGallery *self);

G_END_DECLS
