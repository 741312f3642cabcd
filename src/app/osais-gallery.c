/* osais-gallery.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGallery"

#include "config.h"

#include <glib/gi18n.h>

#include <glib-unix.h>

#include "osais-bench-trace.h"
#include "osais-gallery-private.h"
#include "osais-gallery-cell.h"
#include "osais-gallery-model.h"
#include "osais-gallery-results.h"
#include "osais-gallery-selection.h"
#include "osais-image-export.h"
#include "osais-thumbnail-loader.h"


G_DEFINE_FINAL_TYPE (OsaisGallery, osais_gallery, ADW_TYPE_BIN)


enum {
  SIGNAL_IMAGE_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
_osais_gallery_notify (OsaisGallery *self,
                       guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update_empty_page (OsaisGallery *self)
{
  gboolean listening = self->listening;

  /* A search that found nothing says so, not that there is nothing. */
  if (osais_gallery_results_get_searching (self->results))
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results Found"));
      adw_status_page_set_description (self->empty_page,
                                       _("No image’s prompt or engine has these words"));
      gtk_widget_set_visible (self->empty_preferences_button, FALSE);
      return;
    }

  /* Nor is there nothing when the history, where images are kept, could
   * not be opened (the banner says why, with what to do). */
  if (!self->history_open)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("History Not Open"));
      adw_status_page_set_description (self->empty_page,
                                       _("Images are shown and kept once the history is open"));
      gtk_widget_set_visible (self->empty_preferences_button, FALSE);
      return;
    }

  /* Nor can a request be sent before OSAIS lets the app in: the banner
   * says why and has the way to sign in. */
  if (listening && !self->signed_in && self->account_mode == OSAIS_ACCOUNT_MODE_OFFLINE)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Simulator Not Running"));
      adw_status_page_set_description (self->empty_page,
                                       _("Images come once the offline simulator runs: restart "
                                         "the app, or sign in to OSAIS in Preferences"));
    }
  else if (listening && !self->signed_in)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-password-symbolic");
      adw_status_page_set_title (self->empty_page, _("Not Signed In"));
      adw_status_page_set_description (self->empty_page,
                                       _("Images come once OSAIS lets this app in: sign in, "
                                         "or choose the offline simulator, in Preferences"));
    }
  /* Without the callback server no result can arrive: "No Images Yet,
   * press Run" would not be true. */
  else if (listening)
    {
      adw_status_page_set_icon_name (self->empty_page, "image-x-generic-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Images Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Write a prompt and press Run, or drop an image "
                                         "here to transform it"));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "network-offline-symbolic");
      adw_status_page_set_title (self->empty_page, _("Not Listening for Results"));
      adw_status_page_set_description (self->empty_page,
                                       _("Images cannot arrive until the callback server "
                                         "listens: choose another address or port"));
    }
  gtk_widget_set_visible (self->empty_preferences_button, !listening || !self->signed_in);
}

static void
update_page (OsaisGallery *self)
{
  gboolean empty = g_list_model_get_n_items (self->shown) == 0;

  if (empty)
    update_empty_page (self);
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "grid");
  if (self->empty == empty)
    return;
  self->empty = empty;
  /* Nothing left to select (the last image deleted, a search that finds
   * nothing): the selection bar would act on nothing. */
  if (empty && self->selection_mode)
    gtk_widget_activate_action (GTK_WIDGET (self), "gallery.leave-selection", NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
}

gboolean
osais_gallery_get_empty (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), TRUE);

  return self->empty;
}

void
osais_gallery_set_listening (OsaisGallery *self,
                             gboolean      listening)
{
  g_return_if_fail (OSAIS_IS_GALLERY (self));

  self->listening = listening;
  update_empty_page (self);
}

void
osais_gallery_set_signed_in (OsaisGallery     *self,
                             gboolean          signed_in,
                             OsaisAccountMode  account_mode)
{
  g_return_if_fail (OSAIS_IS_GALLERY (self));

  self->signed_in = signed_in;
  self->account_mode = account_mode;
  update_empty_page (self);
}

void
osais_gallery_set_history_open (OsaisGallery *self,
                                gboolean      open)
{
  g_return_if_fail (OSAIS_IS_GALLERY (self));

  self->history_open = open;
  update_empty_page (self);
}

/* The results' positions whose items GTK holds: those its widgets show
 * (the grid has one for each item around the visible ones, and for the
 * focus), and the selected ones. */
static GtkBitset *
held_results (OsaisGallery *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  /* A copy: the selection's may be its own set. */
  GtkBitset *held = gtk_bitset_copy (selected);
  guint n_sending = g_list_model_get_n_items (G_LIST_MODEL (self->sending));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->grid_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);

      if (OSAIS_IS_GALLERY_CELL (cell))
        {
          guint position = osais_gallery_cell_get_position (OSAIS_GALLERY_CELL (cell));

          if (position != G_MAXUINT)
            gtk_bitset_add (held, position);
        }
    }
  gtk_bitset_shift_left (held, n_sending);

  return held;
}

void
osais_gallery_set_search (OsaisGallery            *self,
                          const OsaisSearchResult *found)
{
  g_autoptr(GtkBitset) held = NULL;

  g_return_if_fail (OSAIS_IS_GALLERY (self));

  /* tests/bench/search-gui: the search's answer, before the gallery takes it. */
  osais_bench_trace_event ("answered");
  held = held_results (self);
  osais_gallery_results_set_found (self->results, found, held);
  update_page (self);
  /* tests/bench/search-gui: the next frame shows the search's answer. */
  osais_bench_trace_event ("filtered");
}

/* Cells ---------------------------------------------------------------------
 *
 * GTK 4.8's grid destroys the widget of every item a change removes, and
 * builds one for each item that comes into its range: a search that
 * changes the first screen replaced ~130 cells, each a template of a dozen
 * widgets (13 % of the main thread while tests/bench/search-gui typed,
 * destroying them, and as much building the next). A cell whose list item
 * goes is kept here, and given to the next list item. */

/* More than the grid holds (max-columns × 30 rows + 32). */
#define MAX_SPARE_CELLS 160

/* A list item's cell, held apart from the list item's child: GTK 4.8
 * takes the child away before the factory's teardown. */
static GQuark cell_quark;

/* The list item's item, given to its cell. */
static void
list_item_changed_cb (GtkListItem *list_item)
{
  OsaisGalleryCell *cell = g_object_get_qdata (G_OBJECT (list_item), cell_quark);

  osais_gallery_cell_set_item (cell, gtk_list_item_get_item (list_item));
}

static void
cell_setup_cb (OsaisGallery *self,
               GtkListItem  *list_item)
{
  GtkWidget *cell;

  if (self->spare_cells != NULL && self->spare_cells->len > 0)
    cell = g_ptr_array_steal_index_fast (self->spare_cells, self->spare_cells->len - 1);
  else
    cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));
  g_object_set_qdata_full (G_OBJECT (list_item), cell_quark, cell, g_object_unref);
  gtk_list_item_set_child (list_item, cell);
  osais_gallery_cell_set_binding (OSAIS_GALLERY_CELL (cell), list_item);
  g_signal_connect (list_item, "notify::item", G_CALLBACK (list_item_changed_cb), NULL);
}

static void
cell_teardown_cb (OsaisGallery *self,
                  GtkListItem  *list_item)
{
  g_autoptr(OsaisGalleryCell) cell = g_object_steal_qdata (G_OBJECT (list_item), cell_quark);

  g_signal_handlers_disconnect_by_func (list_item, list_item_changed_cb, NULL);
  /* Nothing shown, nothing asked for, until its next item. */
  osais_gallery_cell_set_item (cell, NULL);
  osais_gallery_cell_set_binding (cell, NULL);
  if (self->spare_cells != NULL && self->spare_cells->len < MAX_SPARE_CELLS &&
      gtk_widget_get_parent (GTK_WIDGET (cell)) == NULL)
    g_ptr_array_add (self->spare_cells, g_steal_pointer (&cell));
}

/* How many cells are made at a time while the search prepares: a few
 * milliseconds' worth between frames. */
#define SPARE_CELLS_AT_ONCE 8

/* Spare cells for as many as the grid has: GTK 4.8 builds the new cells of
 * a change before it lets the old ones go, so the first search, which
 * changes the whole first screen, found none spare. */
static gboolean
make_spare_cells_cb (gpointer user_data)
{
  OsaisGallery *self = user_data;
  guint wanted = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->grid_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    wanted++;
  wanted = MIN (wanted, MAX_SPARE_CELLS);

  for (guint i = 0; i < SPARE_CELLS_AT_ONCE && self->spare_cells->len < wanted; i++)
    g_ptr_array_add (self->spare_cells,
                     g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL)));
  if (self->spare_cells->len < wanted)
    return G_SOURCE_CONTINUE;

  self->spare_cells_id = 0;
  return G_SOURCE_REMOVE;
}

static void
search_prepared_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(OsaisGallery) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean prepared = osais_store_prepare_search_finish (OSAIS_STORE (object), result, &error);

  /* Cancelled: the store changed, or the gallery went. A failure is the
   * search's to say, when it fails the same way. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!prepared)
    g_debug ("The searches were not prepared: %s", error->message);
  g_clear_object (&self->search_preparing);
  self->search_prepared = TRUE;
}

/* Stops preparing the searches of a store the gallery leaves. */
static void
forget_search_prepared (OsaisGallery *self)
{
  g_cancellable_cancel (self->search_preparing);
  g_clear_object (&self->search_preparing);
  self->search_prepared = FALSE;
}

void
osais_gallery_prepare_search (OsaisGallery *self)
{
  OsaisStore *store;

  g_return_if_fail (OSAIS_IS_GALLERY (self));

  osais_gallery_results_prepare (self->results);
  if (self->spare_cells_id == 0)
    self->spare_cells_id = g_idle_add (make_spare_cells_cb, self);
  store = osais_gallery_model_get_store (self->model);
  if (store == NULL || self->search_preparing != NULL)
    return;

  /* Again each time: the writer's commits since the last make the reader
   * read the pages again. */
  self->search_prepared = FALSE;
  self->search_preparing = g_cancellable_new ();
  osais_store_prepare_search_async (store, self->search_preparing, search_prepared_cb,
                                    g_object_ref (self));
}

gboolean
osais_gallery_get_search_prepared (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), FALSE);

  return self->search_prepared && self->spare_cells_id == 0 &&
         osais_gallery_results_get_prepared (self->results);
}

static void
grid_activate_cb (OsaisGallery *self,
                  guint         position)
{
  g_autoptr(OsaisGalleryItem) item = NULL;

  /* In selection mode, Enter on a tile selects it rather than opening it. */
  if (self->selection_mode)
    {
      if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
        gtk_selection_model_unselect_item (GTK_SELECTION_MODEL (self->selection), position);
      else
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, FALSE);
      return;
    }

  item = g_list_model_get_item (self->shown, position);
  if (item == NULL || osais_gallery_item_get_kind (item) != OSAIS_GALLERY_ITEM_IMAGE)
    return;

  g_signal_emit (self, signals[SIGNAL_IMAGE_ACTIVATED], 0,
                 osais_gallery_item_get_image (item), osais_gallery_item_get_job (item));
}

/* The job a card's action names by its uid, if the store still has it. */
static OsaisJob *
lookup_action_job (OsaisGallery *self,
                   GVariant     *uid)
{
  OsaisStore *store = osais_gallery_model_get_store (self->model);

  return store != NULL ? osais_store_lookup (store, g_variant_get_int64 (uid)) : NULL;
}

/* A failed job's card, or a finished one's without images, goes from the
 * history: nothing more can come for it, and it has nothing to keep. */
static void
dismiss_job_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);
  OsaisJob *job = lookup_action_job (self, parameter);

  if (job == NULL || g_list_model_get_n_items (osais_job_get_images (job)) > 0
      || !osais_job_is_complete (job))
    return;

  osais_store_delete_job_async (osais_gallery_model_get_store (self->model), job, NULL, NULL,
                                NULL);
}

/* Thumbnails ---------------------------------------------------------------
 *
 * GTK 4.8's grid keeps about ten times more cells bound than it shows, and
 * maps only those in view. After each layout (a scroll, new items, a
 * resize), the cells in view ask for their thumbnails and the others'
 * waiting requests are cancelled: a tile scrolled past is never decoded,
 * and the decoders take what is in view next. Without layouts, nothing
 * runs. */

/* What the start-up prefetch (prefetch_first_screen()) has not decoded yet
 * is not wanted any more. */
static void
stop_prefetch (OsaisGallery *self)
{
  g_cancellable_cancel (self->prefetching);
  g_clear_object (&self->prefetching);
}

static void
place_cells_cb (GdkFrameClock *clock,
                OsaisGallery  *self)
{
  GtkWidget *grid = GTK_WIDGET (self->grid_view);
  g_autoptr(GPtrArray) in_view = g_ptr_array_new ();
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  gboolean shown;

  shown = gtk_widget_get_mapped (grid) &&
          gtk_widget_compute_bounds (GTK_WIDGET (self->scrolled_window), grid, &view);

  /* The grid's children are its list items' widgets, each holding a cell;
   * an unmapped one is not allocated, its bounds are stale. */
  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      graphene_rect_t bounds;

      if (!OSAIS_IS_GALLERY_CELL (cell))
        continue;
      if (shown && gtk_widget_get_mapped (child) &&
          gtk_widget_compute_bounds (child, grid, &bounds) &&
          graphene_rect_intersection (&bounds, &view, NULL))
        g_ptr_array_add (in_view, cell);
      else
        osais_gallery_cell_set_in_view (OSAIS_GALLERY_CELL (cell), FALSE);
    }

  /* From the first layout with tiles in view, they ask for what they show:
   * what the start-up prefetch has not decoded yet would come first. */
  if (in_view->len > 0)
    stop_prefetch (self);

  /* Asked for once the others are cancelled: a free worker takes the first
   * request it finds. */
  for (guint i = 0; i < in_view->len; i++)
    osais_gallery_cell_set_in_view (in_view->pdata[i], TRUE);

  for (guint i = 0; self->focus_job != NULL && i < in_view->len; i++)
    {
      OsaisGalleryItem *item = osais_gallery_cell_get_item (in_view->pdata[i]);

      if (item != NULL && osais_gallery_item_get_job (item) == self->focus_job)
        {
          /* The list item holding the cell: the grid follows its focus. */
          gtk_widget_grab_focus (gtk_widget_get_parent (in_view->pdata[i]));
          g_clear_object (&self->focus_job);
        }
    }
}

/* Benchmark trace ---------------------------------------------------------
 *
 * With OSAIS_BENCH_TRACE set, a line on stderr for each frame the window
 * draws, and one for the first that shows a thumbnail, each with
 * g_get_monotonic_time(): what tests/bench/gui reads to measure idle frames
 * and the time to the first frame with content. Nothing is connected
 * otherwise. */

/* Whether a cell inside the scrolled window's visible area shows its
 * thumbnail (the grid keeps many more cells mapped than it shows). */
static gboolean
shows_thumbnail (OsaisGallery *self,
                 GtkWidget    *widget)
{
  if (OSAIS_IS_GALLERY_CELL (widget))
    {
      GtkWidget *viewport = GTK_WIDGET (self->scrolled_window);
      graphene_rect_t bounds;
      graphene_rect_t visible;

      graphene_rect_init (&visible, 0, 0, gtk_widget_get_width (viewport),
                          gtk_widget_get_height (viewport));
      return gtk_widget_get_mapped (widget) &&
             osais_gallery_cell_get_paintable (OSAIS_GALLERY_CELL (widget)) != NULL &&
             gtk_widget_compute_bounds (widget, viewport, &bounds) &&
             graphene_rect_intersection (&bounds, &visible, NULL);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_thumbnail (self, child))
      return TRUE;

  return FALSE;
}

static void
trace_after_paint_cb (GdkFrameClock *clock,
                      OsaisGallery  *self)
{
  gint64 now = g_get_monotonic_time ();

  osais_bench_trace_frame (now);
  if (!self->traced_frame)
    {
      self->traced_frame = TRUE;
      osais_bench_trace_event ("first-frame");
    }
  /* A thumbnail set before this frame was drawn in it. */
  if (!self->traced_content && shows_thumbnail (self, GTK_WIDGET (self->grid_view)))
    {
      self->traced_content = TRUE;
      osais_bench_trace_event ("first-content");
    }
}

/* The benchmark's scrolls, started by a signal: SIGUSR1 a steady scroll at
 * OSAIS_BENCH_SCROLL_SPEED px/s (6000) for OSAIS_BENCH_SCROLL_SECONDS (10),
 * SIGUSR2 a pass through the whole gallery, two pages a frame. Each ends
 * with a line, and goes back to the top. */
static gboolean
bench_scroll_tick_cb (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  OsaisGallery *self = user_data;
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->grid_view));
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double value;
  gboolean over;

  if (self->scroll_start == 0)
    {
      self->scroll_start = now;
      self->scroll_from = gtk_adjustment_get_value (adjustment);
      osais_bench_trace_event (self->scroll_full ? "full-scroll-start" : "scroll-start");
    }

  if (self->scroll_full)
    {
      value = gtk_adjustment_get_value (adjustment) +
              2 * gtk_adjustment_get_page_size (adjustment);
      over = value >= end;
    }
  else
    {
      const char *speed = g_getenv ("OSAIS_BENCH_SCROLL_SPEED");
      const char *seconds = g_getenv ("OSAIS_BENCH_SCROLL_SECONDS");
      double elapsed = (now - self->scroll_start) / (double) G_USEC_PER_SEC;

      value = self->scroll_from + (speed != NULL ? g_ascii_strtod (speed, NULL) : 6000) * elapsed;
      over = elapsed >= (seconds != NULL ? g_ascii_strtod (seconds, NULL) : 10) || value >= end;
    }

  gtk_adjustment_set_value (adjustment, MIN (value, end));
  if (!over)
    return G_SOURCE_CONTINUE;

  osais_bench_trace_event (self->scroll_full ? "full-scroll-end" : "scroll-end");
  /* Back to the top, where the live uploads land. Setting the adjustment
   * to 0 after a long scroll leaves GTK 4.8's grid where it was ("failed to
   * scroll to given position"); scrolling to the first item does not. */
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
  self->scroll_tick = 0;
  self->scroll_start = 0;

  return G_SOURCE_REMOVE;
}

static gboolean
bench_scroll_cb (OsaisGallery *self,
                 gboolean      full)
{
  if (self->scroll_tick == 0)
    {
      self->scroll_full = full;
      self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid_view),
                                                        bench_scroll_tick_cb, self, NULL);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
bench_steady_scroll_cb (gpointer user_data)
{
  return bench_scroll_cb (user_data, FALSE);
}

static gboolean
bench_full_scroll_cb (gpointer user_data)
{
  return bench_scroll_cb (user_data, TRUE);
}

/* SIGWINCH: the grid redrawn every frame until the next SIGWINCH, as under
 * an animation, so that the frames' pacing while uploads arrive measures
 * the main thread's stalls, not the idle time between uploads. */
static gboolean
bench_redraw_tick_cb (GtkWidget     *widget,
                      GdkFrameClock *clock,
                      gpointer       user_data)
{
  gtk_widget_queue_draw (widget);

  return G_SOURCE_CONTINUE;
}

static gboolean
bench_redraw_cb (gpointer user_data)
{
  OsaisGallery *self = user_data;

  if (self->redraw_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->redraw_tick);
      self->redraw_tick = 0;
    }
  else
    self->redraw_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->grid_view),
                                                      bench_redraw_tick_cb, NULL, NULL);

  return G_SOURCE_CONTINUE;
}

static void
osais_gallery_realize (GtkWidget *widget)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);

  GTK_WIDGET_CLASS (osais_gallery_parent_class)->realize (widget);

  /* After GTK's own handlers, which lay the grid out. */
  self->layout_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  g_signal_connect_after (self->layout_clock, "layout", G_CALLBACK (place_cells_cb), self);

  if (self->trace)
    {
      self->trace_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
      g_signal_connect (self->trace_clock, "after-paint", G_CALLBACK (trace_after_paint_cb), self);
      self->scroll_signals[0] = g_unix_signal_add (SIGUSR1, bench_steady_scroll_cb, self);
      self->scroll_signals[1] = g_unix_signal_add (SIGUSR2, bench_full_scroll_cb, self);
      self->scroll_signals[2] = g_unix_signal_add (SIGWINCH, bench_redraw_cb, self);
    }
}

static void
osais_gallery_unrealize (GtkWidget *widget)
{
  OsaisGallery *self = OSAIS_GALLERY (widget);

  if (self->layout_clock != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->layout_clock, self);
      g_clear_object (&self->layout_clock);
    }
  if (self->trace_clock != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->trace_clock, self);
      g_clear_object (&self->trace_clock);
      g_clear_handle_id (&self->scroll_signals[0], g_source_remove);
      g_clear_handle_id (&self->scroll_signals[1], g_source_remove);
      g_clear_handle_id (&self->scroll_signals[2], g_source_remove);
      if (self->scroll_tick != 0)
        gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->scroll_tick);
      self->scroll_tick = 0;
      if (self->redraw_tick != 0)
        gtk_widget_remove_tick_callback (GTK_WIDGET (self->grid_view), self->redraw_tick);
      self->redraw_tick = 0;
    }

  GTK_WIDGET_CLASS (osais_gallery_parent_class)->unrealize (widget);
}

/* Public ------------------------------------------------------------------ */

GtkWidget *
osais_gallery_new (void)
{
  return g_object_new (OSAIS_TYPE_GALLERY, NULL);
}

OsaisStore *
osais_gallery_get_store (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  return osais_gallery_model_get_store (self->model);
}

/* On a store thread: an upload's thumbnail decoded while it is committed. */
static void
image_stored_cb (const char *path,
                 GBytes     *data,
                 gpointer    user_data)
{
  osais_thumbnail_loader_prepare (user_data, path, data);
}

/* A tile's least width and height (osais-gallery-cell.ui). */
#define MIN_TILE_SIZE 140

static void
prefetched_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  /* Kept in the loader's cache, where the tile's lookup finds it. */
  g_autoptr(GdkTexture) texture = osais_thumbnail_loader_load_finish (OSAIS_THUMBNAIL_LOADER (object),
                                                                      result, NULL);
}

/* Asks for the thumbnails of the items the first screen can show as soon
 * as the history is set, before the first frame lays out the grid. They are
 * decoded on the loader's threads while the main thread builds that frame,
 * and the tiles bound in it find them in the cache: the first frame shows
 * them. Tiles ask for their own only after a layout, when they know they
 * are in view, so they came a frame or more later. */
static void
prefetch_first_screen (OsaisGallery *self)
{
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  int width = 0;
  int height = 0;
  guint n_wanted;
  guint n_items;

  stop_prefetch (self);
  if (osais_gallery_model_get_store (self->model) == NULL)
    return;

  /* Not laid out yet: the window's size says how many rows fit at most. */
  if (GTK_IS_WINDOW (root))
    gtk_window_get_default_size (GTK_WINDOW (root), &width, &height);
  if (height <= 0)
    height = 900;
  n_wanted = gtk_grid_view_get_max_columns (self->grid_view) * (height / MIN_TILE_SIZE + 1);
  n_items = MIN (n_wanted, g_list_model_get_n_items (self->shown));

  self->prefetching = g_cancellable_new ();
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (self->shown, i);
      OsaisImage *image = osais_gallery_item_get_image (item);

      if (image != NULL && osais_thumbnail_loader_lookup (loader, osais_image_get_file (image)) == NULL)
        osais_thumbnail_loader_load_async (loader, osais_image_get_file (image),
                                           self->prefetching, prefetched_cb, NULL);
    }
}

void
osais_gallery_set_store (OsaisGallery *self,
                         OsaisStore   *store)
{
  OsaisStore *old_store;

  g_return_if_fail (OSAIS_IS_GALLERY (self));
  g_return_if_fail (store == NULL || OSAIS_IS_STORE (store));

  old_store = osais_gallery_model_get_store (self->model);
  if (old_store == store)
    return;

  if (old_store != NULL)
    osais_store_set_image_func (old_store, NULL, NULL, NULL);
  /* Thumbnails are kept beside the history they show: one data folder per
   * process, so the shared loader follows the store. */
  if (store != NULL)
    {
      g_autofree char *cache_dir = g_build_filename (osais_store_get_data_dir (store),
                                                     "thumbnails", NULL);

      osais_thumbnail_loader_set_cache_dir (osais_thumbnail_loader_get_default (), cache_dir);
      osais_store_set_image_func (store, image_stored_cb, osais_thumbnail_loader_get_default (),
                                  NULL);
    }

  forget_search_prepared (self);
  osais_bench_trace_event ("store-set");
  osais_gallery_model_set_store (self->model, store);
  prefetch_first_screen (self);
  osais_bench_trace_event ("store-set-done");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

GListModel *
osais_gallery_get_model (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  return G_LIST_MODEL (self->model);
}

GtkGridView *
osais_gallery_get_grid_view (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  return self->grid_view;
}

gboolean
osais_gallery_show_job (OsaisGallery *self,
                        OsaisJob     *job)
{
  guint position;

  g_return_val_if_fail (OSAIS_IS_GALLERY (self), FALSE);
  g_return_val_if_fail (OSAIS_IS_JOB (job), FALSE);

  /* Filtered by a search: where the job's first cell is shown, if it is. */
  position = osais_gallery_results_find_job (self->results, job);
  if (position == G_MAXUINT)
    return FALSE;
  position += g_list_model_get_n_items (G_LIST_MODEL (self->sending));

  /* Not selected: a selection would start selection mode. Focused, once
   * its tile is in view (place_cells_cb()), so that keyboard and screen
   * reader users land on it too. */
  g_set_object (&self->focus_job, job);
  /* gtk_grid_view_scroll_to() is GTK 4.12; the list's action is in 4.8. */
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u",
                              position);
  gtk_widget_queue_allocate (GTK_WIDGET (self->grid_view));
  return TRUE;
}

OsaisGalleryItem *
osais_gallery_add_sending (OsaisGallery *self,
                           const char   *engine,
                           const char   *parameters)
{
  g_autoptr(OsaisJob) placeholder = NULL;
  OsaisGalleryItem *item;

  g_return_val_if_fail (OSAIS_IS_GALLERY (self), NULL);

  /* uid 0: no job has it, and the card says it is being sent. */
  placeholder = g_object_new (OSAIS_TYPE_JOB, "uid", (gint64) 0, "engine", engine,
                              "parameters", parameters, NULL);
  item = g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", placeholder, NULL);
  g_list_store_insert (self->sending, 0, item);
  /* The store holds it; the caller's is borrowed until it removes it. */
  g_object_unref (item);
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);

  return item;
}

void
osais_gallery_remove_sending (OsaisGallery     *self,
                              OsaisGalleryItem *item)
{
  guint position;

  g_return_if_fail (OSAIS_IS_GALLERY (self));
  g_return_if_fail (OSAIS_IS_GALLERY_ITEM (item));

  if (g_list_store_find (self->sending, item, &position))
    g_list_store_remove (self->sending, position);
}

guint
osais_gallery_get_n_sending (OsaisGallery *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->sending));
}

/* GObject ----------------------------------------------------------------- */

static void
osais_gallery_dispose (GObject *object)
{
  OsaisGallery *self = OSAIS_GALLERY (object);

  /* The model first: emptying it updates the page, which needs the stack. */
  if (self->model != NULL)
    {
      OsaisStore *store = osais_gallery_model_get_store (self->model);

      g_signal_handlers_disconnect_by_data (self->model, self);
      g_signal_handlers_disconnect_by_data (self->shown, self);
      /* No tile will ask for an upload's thumbnail any more (a window
       * closed while the app goes on receiving in the background). */
      if (store != NULL)
        osais_store_set_image_func (store, NULL, NULL, NULL);
      osais_gallery_model_set_store (self->model, NULL);
    }
  /* The bin's child is a template child: unparent it through the bin, which
   * would otherwise unparent it again after the template disposed it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_GALLERY);
  /* After the grid: its cells came here as it went. */
  g_clear_handle_id (&self->spare_cells_id, g_source_remove);
  g_clear_pointer (&self->spare_cells, g_ptr_array_unref);
  g_clear_object (&self->focus_job);
  stop_prefetch (self);
  forget_search_prepared (self);
  if (self->export_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->export_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
      g_clear_object (&self->export_chooser);
    }
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);
  g_clear_object (&self->sending);
  g_clear_object (&self->results);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (osais_gallery_parent_class)->dispose (object);
}

static void
osais_gallery_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OsaisGallery *self = OSAIS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, osais_gallery_get_store (self));
      break;

    case PROP_SELECTION_MODE:
      g_value_set_boolean (value, self->selection_mode);
      break;

    case PROP_EMPTY:
      g_value_set_boolean (value, self->empty);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  OsaisGallery *self = OSAIS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_STORE:
      osais_gallery_set_store (self, g_value_get_object (value));
      break;

    case PROP_SELECTION_MODE:
      if (g_value_get_boolean (value))
        {
          self->selecting = TRUE;
          _osais_gallery_update_selection (self);
        }
      else
        gtk_widget_activate_action (GTK_WIDGET (self), "gallery.leave-selection", NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_class_init (OsaisGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_gallery_dispose;
  object_class->get_property = osais_gallery_get_property;
  object_class->set_property = osais_gallery_set_property;
  widget_class->realize = osais_gallery_realize;
  widget_class->unrealize = osais_gallery_unrealize;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OSAIS_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTION_MODE] =
    g_param_spec_boolean ("selection-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_IMAGE_ACTIVATED] =
    g_signal_new ("image-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, OSAIS_TYPE_IMAGE, OSAIS_TYPE_JOB);

  g_type_ensure (OSAIS_TYPE_GALLERY_CELL);
  cell_quark = g_quark_from_static_string ("osais-gallery-cell");

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, empty_page);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, empty_preferences_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, grid_view);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, selection_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisGallery, star_selected_button);
  gtk_widget_class_bind_template_callback (widget_class, grid_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, cell_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, cell_teardown_cb);

  gtk_widget_class_install_action (widget_class, "gallery.dismiss-job", "x",
                                   dismiss_job_action);
  _osais_gallery_class_actions_init (widget_class);
}

static void
osais_gallery_init (OsaisGallery *self)
{
  self->spare_cells = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->trace = osais_bench_trace_enabled ();
  self->model = osais_gallery_model_new (NULL);
  self->sending = g_list_store_new (OSAIS_TYPE_GALLERY_ITEM);
  {
    GListStore *sections = g_list_store_new (G_TYPE_LIST_MODEL);

    g_list_store_append (sections, self->sending);
    self->results = osais_gallery_results_new (self->model);
    g_list_store_append (sections, self->results);
    self->shown = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (sections)));
  }
  self->anchor = G_MAXUINT;
  self->selection = osais_gallery_selection_new (self->shown);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (_osais_gallery_update_selection),
                           self, G_CONNECT_SWAPPED);
  /* Selected tiles deleted elsewhere leave the selection without a signal. */
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (_osais_gallery_update_selection),
                           self, G_CONNECT_SWAPPED);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect (click, "pressed", G_CALLBACK (_osais_gallery_grid_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->grid_view), GTK_EVENT_CONTROLLER (click));
  }
  _osais_gallery_update_selection (self);

  g_signal_connect_object (self->shown, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  self->listening = TRUE;
  self->signed_in = TRUE;
  self->history_open = TRUE;
  self->empty = TRUE;
  update_page (self);
}
