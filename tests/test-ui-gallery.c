/* test-ui-gallery.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestGallery"

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osais-application.h"
#include "osais-gallery-private.h"
#include "osais-gallery-cell-private.h"
#include "osais-gallery-model-private.h"
#include "osais-gallery-thumbnail.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-thumbnail-loader.h"

#ifdef OSAIS_TEST_HAVE_XTEST
#include <X11/keysym.h>
#endif
#include "osais-window.h"
#include "osais-window-private.h"

/* Helpers ----------------------------------------------------------------- */

static guint64
read_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");

  return line != NULL ? g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10) : 0;
}

typedef struct
{
  guint n_calls;
  guint position[16];
  guint removed[16];
  guint added[16];
} Changes;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  g_assert_cmpuint (changes->n_calls, <, G_N_ELEMENTS (changes->position));
  changes->position[changes->n_calls] = position;
  changes->removed[changes->n_calls] = removed;
  changes->added[changes->n_calls] = added;
  changes->n_calls++;
}

static void
assert_change (Changes *changes,
               guint    index,
               guint    position,
               guint    removed,
               guint    added)
{
  g_assert_cmpuint (changes->n_calls, >, index);
  g_assert_cmpuint (changes->position[index], ==, position);
  g_assert_cmpuint (changes->removed[index], ==, removed);
  g_assert_cmpuint (changes->added[index], ==, added);
}

/* The image at @position, NULL for a card. The item is not kept: the model
 * holds an item only while someone else does; the job holds the image. */
static OsaisImage *
get_image (GListModel *model,
           guint       position)
{
  g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);

  return osais_gallery_item_get_image (item);
}

/* Tests ------------------------------------------------------------------- */

static void
test_model_items_changed (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisGalleryModel) model = NULL;
  g_autoptr(OsaisJob) older = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) older_image = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  Changes changes = { 0 };

  osais_test_store_open (&fixture);
  older = osais_test_store_create_job (fixture.store, 1, "{\"word\":\"old\"}");
  older_image = osais_test_store_add_image (fixture.store, 1, 0, 16, 16);
  osais_test_store_notify (fixture.store, 1, OSAIS_STAGE_FINISHED, 0, NULL);

  model = osais_gallery_model_new (fixture.store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  g_assert_true (get_image (G_LIST_MODEL (model), 0) ==
                 older_image);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);

  /* A new job: its card at the top, before the older job's image. */
  job = osais_test_store_create_job (fixture.store, 2, "{\"word\":\"new\"}");
  g_assert_cmpuint (changes.n_calls, ==, 1);
  assert_change (&changes, 0, 0, 0, 1);
  g_assert_null (get_image (G_LIST_MODEL (model), 0));

  /* Stages move the card's progress, not the model. */
  osais_test_store_notify (fixture.store, 2, OSAIS_STAGE_STARTED, 0, NULL);
  osais_test_store_notify (fixture.store, 2, OSAIS_STAGE_IMAGE_DONE, 0, NULL);
  g_assert_cmpuint (changes.n_calls, ==, 1);

  /* Each image takes its place after the card, one at a time. */
  first = osais_test_store_add_image (fixture.store, 2, 0, 16, 16);
  g_assert_cmpuint (changes.n_calls, ==, 2);
  assert_change (&changes, 1, 1, 0, 1);
  second = osais_test_store_add_image (fixture.store, 2, 1, 16, 16);
  g_assert_cmpuint (changes.n_calls, ==, 3);
  assert_change (&changes, 2, 2, 0, 1);
  g_assert_true (get_image (G_LIST_MODEL (model), 2) == second);
  g_assert_true (get_image (G_LIST_MODEL (model), 3) ==
                 older_image);

  /* Finished: the card goes, the images stay. */
  osais_test_store_notify (fixture.store, 2, OSAIS_STAGE_FINISHED, 0, NULL);
  g_assert_cmpuint (changes.n_calls, ==, 4);
  assert_change (&changes, 3, 0, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_assert_true (get_image (G_LIST_MODEL (model), 0) == first);

  /* Hiding an image (pending deletion) removes exactly that item. */
  osais_gallery_model_set_image_hidden (model, second, TRUE);
  g_assert_cmpuint (changes.n_calls, ==, 5);
  assert_change (&changes, 4, 1, 1, 0);
  osais_gallery_model_set_image_hidden (model, second, FALSE);
  assert_change (&changes, 5, 1, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  g_assert_cmpuint (osais_gallery_model_find_job (model, older), ==, 2);

  g_signal_handlers_disconnect_by_data (model, &changes);
  osais_gallery_model_set_store (model, NULL);
  osais_test_store_close (&fixture);
}


/* The model keeps an item for as long as someone holds it, not longer:
 * after a scroll through the whole history, nothing of it remains. */
static void
test_model_items_freed (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisGalleryModel) model = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  OsaisGalleryItem *items[3];
  OsaisGalleryItem *again;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 40, "{\"word\":\"held\"}");
  for (int i = 0; i < 3; i++)
    {
      g_clear_object (&image);
      image = osais_test_store_add_image (fixture.store, 40, i, 16, 16);
    }
  osais_test_store_notify (fixture.store, 40, OSAIS_STAGE_FINISHED, 0, NULL);
  model = osais_gallery_model_new (fixture.store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);

  /* Held: the same object each time the grid asks. */
  for (guint i = 0; i < 3; i++)
    {
      items[i] = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_object_add_weak_pointer (G_OBJECT (items[i]), (gpointer *) &items[i]);
    }
  again = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_true (again == items[2]);
  g_assert_true (osais_gallery_item_get_image (again) == image);
  g_object_unref (again);

  /* Let go: each is freed, although its image is still in the model. */
  for (guint i = 0; i < 3; i++)
    {
      g_object_unref (items[i]);
      g_assert_null (items[i]);
    }

  /* Asked again: a new item for the same image. */
  again = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_true (osais_gallery_item_get_image (again) == image);
  g_assert_true (osais_gallery_item_get_job (again) == job);

  /* An item may outlive its model. */
  osais_gallery_model_set_store (model, NULL);
  g_clear_object (&model);
  g_assert_true (osais_gallery_item_get_image (again) == image);
  g_assert_finalize_object (again);

  osais_test_store_close (&fixture);
}

typedef struct
{
  GtkWidget       *window;
  AdwToastOverlay *overlay;
  OsaisGallery    *gallery;
} GalleryWindow;

static void
gallery_window_open (GalleryWindow *gw,
                     int            width,
                     int            height)
{
  gw->window = gtk_window_new ();
  gw->overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  /* The test's own reference, so that closing can check nothing else keeps
   * the gallery alive. */
  gw->gallery = OSAIS_GALLERY (g_object_ref_sink (osais_gallery_new ()));
  adw_toast_overlay_set_child (gw->overlay, GTK_WIDGET (gw->gallery));
  gtk_window_set_child (GTK_WINDOW (gw->window), GTK_WIDGET (gw->overlay));
  gtk_window_set_default_size (GTK_WINDOW (gw->window), width, height);
  gtk_window_present (GTK_WINDOW (gw->window));
  osais_ui_test_settle (200);
}

static void
gallery_window_close (GalleryWindow *gw)
{
  osais_gallery_set_store (gw->gallery, NULL);
  gtk_window_destroy (GTK_WINDOW (gw->window));
  osais_ui_test_settle (50);
  g_assert_finalize_object (g_steal_pointer (&gw->gallery));
}

static void
collect_cells (GtkWidget *widget,
               GPtrArray *cells)
{
  if (OSAIS_IS_GALLERY_CELL (widget))
    {
      if (gtk_widget_get_mapped (widget))
        g_ptr_array_add (cells, widget);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_cells (child, cells);
}

static OsaisGalleryCell *
find_card (OsaisGallery *gallery,
           OsaisJob     *job)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  collect_cells (GTK_WIDGET (gallery), cells);
  for (guint i = 0; i < cells->len; i++)
    {
      OsaisGalleryItem *item = osais_gallery_cell_get_item (cells->pdata[i]);

      if (item != NULL && osais_gallery_item_get_job (item) == job &&
          osais_gallery_item_get_kind (item) == OSAIS_GALLERY_ITEM_CARD)
        return cells->pdata[i];
    }

  return NULL;
}

/* The window's win.retry-job, which a card's Retry activates: records the
 * uid it names. */
static void
retry_job_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  gint64 *out = user_data;

  *out = g_variant_get_int64 (parameter);
}

static gboolean
retried_cb (gpointer data)
{
  return *(gint64 *) data != 0;
}

/* Whether @widget activates the action named @data. */
static gboolean
names_action (GtkWidget     *widget,
              gconstpointer  data)
{
  return GTK_IS_ACTIONABLE (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

/* A tile says what it is: a caption on hover, and which image of which job
 * for a screen reader. */
static void
test_tile_caption (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(OsaisGalleryItem) item = NULL;
  GtkWidget *cell;
  g_autofree char *caption = NULL;
  g_autofree char *label = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *shown_caption = NULL;
  g_autoptr(GObject) tooltip = NULL;
  gboolean shown = FALSE;
  GtkWidget *picture;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 20, "{\"word\":\"a lighthouse at dusk\"}");
  first = osais_test_store_add_image (fixture.store, 20, 0, 64, 64);
  second = osais_test_store_add_image (fixture.store, 20, 1, 64, 64);

  item = g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", job, "image", second, NULL);
  cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));
  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), item);

  /* The prompt is parsed once and kept by the job: each bind reads it. */
  g_assert_cmpstr (osais_job_get_prompt (job), ==, "a lighthouse at dusk");
  g_assert_true (osais_job_get_prompt (job) == osais_job_get_prompt (job));
  caption = g_strdup_printf ("a lighthouse at dusk — %s", osais_job_get_engine (job));
  /* Made when the tooltip is asked for, not at each bind. */
  g_assert_true (gtk_widget_get_has_tooltip (cell));
  tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  g_signal_emit_by_name (cell, "query-tooltip", 0, 0, FALSE, tooltip, &shown);
  g_assert_true (shown);
  shown_caption = osais_gallery_cell_dup_caption (OSAIS_GALLERY_CELL (cell));
  g_assert_cmpstr (shown_caption, ==, caption);
  picture = osais_ui_test_find_descendant (cell, OSAIS_TYPE_GALLERY_THUMBNAIL);
  g_assert_nonnull (picture);
  label = g_strdup_printf ("Image 2 of 2 — %s", caption);
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (picture),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  g_assert_null (problem);

  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), NULL);
  g_assert_finalize_object (cell);
  osais_test_store_close (&fixture);
}

/* A tile is its thumbnail alone until its star is to be seen: a search
 * moves ~130 cells, and each widget in them is restyled. The star comes
 * with a favourite (and on hover or focus, see tile-focus-named), and
 * stays hidden on a card. */
static void
test_tile_star_made_when_shown (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) running = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisGalleryItem) item = NULL;
  g_autoptr(OsaisGalleryItem) card = NULL;
  GtkWidget *cell;
  GtkWidget *star;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 20, "{\"word\":\"a comet\"}");
  image = osais_test_store_add_image (fixture.store, 20, 0, 32, 32);
  running = osais_test_store_create_job (fixture.store, 21, "{\"word\":\"a moon\"}");

  item = g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", job, "image", image, NULL);
  card = g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", running, NULL);
  cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));
  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), item);
  g_assert_null (osais_ui_test_find_descendant (cell, GTK_TYPE_BUTTON));

  osais_image_set_favourite (image, TRUE);
  star = osais_ui_test_find_descendant (cell, GTK_TYPE_BUTTON);
  g_assert_nonnull (star);
  g_assert_true (gtk_widget_get_visible (star));
  g_assert_true (gtk_widget_has_css_class (star, "starred"));

  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), card);
  g_assert_false (gtk_widget_get_visible (star));
  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), item);
  g_assert_true (gtk_widget_get_visible (star));

  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), NULL);
  g_assert_finalize_object (cell);
  osais_test_store_close (&fixture);
}

/* A tile is square before its thumbnail comes and after, whatever the
 * image's shape: the grid's rows keep their height under a scroll instead
 * of growing as thumbnails arrive (and the window is not laid out again,
 * see osais-gallery-thumbnail.h). */
static gboolean
widget_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The pixel at (@x, @y) of @texture, as 0xRRGGBB. */
static guint32
texture_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  g_autofree guint8 *data = g_malloc (width * gdk_texture_get_height (texture) * 4);
  const guint8 *pixel;

  /* Downloaded as cairo's ARGB32: B, G, R, A in memory on little endian. */
  gdk_texture_download (texture, data, width * 4);
  pixel = data + (y * width + x) * 4;
  return G_BYTE_ORDER == G_LITTLE_ENDIAN ? (guint32) pixel[2] << 16 | pixel[1] << 8 | pixel[0]
                                         : (guint32) pixel[1] << 16 | pixel[2] << 8 | pixel[3];
}

/* Under the cairo renderer (the tests'), a thumbnail draws the copy it
 * scaled once: the texture covers the square, its overflow cut, with its
 * colours as they are (RGB texture: red on the left half, blue on the
 * right, in a 4:3 texture of which the square shows the middle). */
static void
test_thumbnail_drawn_for_cairo (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *thumbnail = osais_gallery_thumbnail_new ();
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) drawn = NULL;
  guint8 *data = g_malloc (40 * 30 * 3);
  GskRenderer *renderer;

  for (int i = 0; i < 40 * 30; i++)
    {
      gboolean left = i % 40 < 20;

      data[i * 3] = left ? 0xff : 0;
      data[i * 3 + 1] = 0;
      data[i * 3 + 2] = left ? 0 : 0xff;
    }
  pixels = g_bytes_new_take (data, 40 * 30 * 3);
  texture = gdk_memory_texture_new (40, 30, GDK_MEMORY_R8G8B8, pixels, 40 * 3);

  gtk_widget_set_size_request (thumbnail, 100, 100);
  gtk_window_set_child (GTK_WINDOW (window), thumbnail);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_until (widget_drawn, thumbnail, "the thumbnail on screen");
  renderer = gtk_native_get_renderer (gtk_widget_get_native (thumbnail));
  g_assert_true (GSK_IS_CAIRO_RENDERER (renderer));
  osais_gallery_thumbnail_set_texture (OSAIS_GALLERY_THUMBNAIL (thumbnail), texture);
  /* Drawn on screen first: the paintable shows the widget's last frame. */
  osais_ui_test_settle (100);

  paintable = gtk_widget_paintable_new (thumbnail);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, 100, 100);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  drawn = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, 100, 100));

  /* The middle 30×30 of the texture fills the square: red, then blue. */
  g_assert_cmphex (texture_pixel (drawn, 10, 50), ==, 0xff0000);
  g_assert_cmphex (texture_pixel (drawn, 40, 10), ==, 0xff0000);
  g_assert_cmphex (texture_pixel (drawn, 60, 90), ==, 0x0000ff);
  g_assert_cmphex (texture_pixel (drawn, 95, 50), ==, 0x0000ff);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_tile_square_before_thumbnail (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisGalleryItem) item = NULL;
  GtkWidget *cell;
  g_autoptr(GdkTexture) wide = NULL;
  g_autoptr(GBytes) pixels = g_bytes_new_take (g_malloc0 (400 * 300 * 4), 400 * 300 * 4);
  GtkWidget *thumbnail;
  int margins, minimum, natural;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 21, "{\"word\":\"a square\"}");
  image = osais_test_store_add_image (fixture.store, 21, 0, 400, 300);
  item = g_object_new (OSAIS_TYPE_GALLERY_ITEM, "job", job, "image", image, NULL);
  cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));
  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), item);
  margins = gtk_widget_get_margin_top (cell) + gtk_widget_get_margin_bottom (cell);
  g_assert_cmpint (margins, ==, gtk_widget_get_margin_start (cell) + gtk_widget_get_margin_end (cell));

  /* No thumbnail yet (nothing asked it in view). */
  g_assert_null (osais_gallery_cell_get_paintable (OSAIS_GALLERY_CELL (cell)));
  gtk_widget_measure (cell, GTK_ORIENTATION_VERTICAL, 300 + margins, &minimum, &natural,
                      NULL, NULL);
  g_assert_cmpint (minimum, ==, 300 + margins);
  g_assert_cmpint (natural, ==, 300 + margins);

  /* A 4:3 thumbnail: still square, the texture cut to cover it. */
  wide = gdk_memory_texture_new (400, 300, GDK_MEMORY_DEFAULT, pixels, 400 * 4);
  thumbnail = osais_ui_test_find_descendant (cell, OSAIS_TYPE_GALLERY_THUMBNAIL);
  osais_gallery_thumbnail_set_texture (OSAIS_GALLERY_THUMBNAIL (thumbnail), wide);
  g_assert_true (osais_gallery_cell_get_paintable (OSAIS_GALLERY_CELL (cell))
                 == GDK_PAINTABLE (wide));
  gtk_widget_measure (cell, GTK_ORIENTATION_VERTICAL, 300 + margins, &minimum, &natural,
                      NULL, NULL);
  g_assert_cmpint (minimum, ==, 300 + margins);
  g_assert_cmpint (natural, ==, 300 + margins);

  osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), NULL);
  g_assert_finalize_object (cell);
  osais_test_store_close (&fixture);
}

typedef struct
{
  OsaisStore *store;
  gint64      uid;
} JobGone;

static gboolean
job_gone (gpointer data)
{
  JobGone *gone = data;

  return osais_store_lookup (gone->store, gone->uid) == NULL;
}

static GtkWidget *
find_dismiss_button (GtkWidget *card)
{
  GtkWidget *button = osais_ui_test_find_widget (card, names_action, "gallery.dismiss-job");

  g_assert_nonnull (button);
  return button;
}

static void
test_failed_job_card (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) done = NULL;
  g_autoptr(OsaisJob) running = NULL;
  g_autoptr(OsaisJob) failed = NULL;
  g_autoptr(OsaisImage) image = NULL;
  OsaisGalleryCell *card;
  g_autoptr(GSimpleActionGroup) win_actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) retry = g_simple_action_new ("retry-job", G_VARIANT_TYPE_INT64);
  gint64 retried = 0;
  GtkWidget *retry_button;
  double fraction;

  osais_test_store_open (&fixture);
  done = osais_test_store_create_job (fixture.store, 10, "{\"word\":\"a lighthouse at dusk\"}");
  osais_test_store_notify (fixture.store, 10, OSAIS_STAGE_IMAGE_DONE, 0, NULL);
  image = osais_test_store_add_image (fixture.store, 10, 0, 256, 192);
  g_clear_object (&image);
  image = osais_test_store_add_image (fixture.store, 10, 1, 192, 256);
  osais_test_store_notify (fixture.store, 10, OSAIS_STAGE_FINISHED, 0, NULL);
  failed = osais_test_store_create_job (fixture.store, 11, "{\"word\":\"a cat made of clouds\"}");
  osais_test_store_notify (fixture.store, 11, OSAIS_STAGE_ERROR, 0, "Out of GPU memory");
  running = osais_test_store_create_job (fixture.store, 12, "{\"word\":\"gold coin from rome\"}");
  osais_test_store_notify (fixture.store, 12, OSAIS_STAGE_STARTED, 0, NULL);

  gallery_window_open (&gw, 800, 600);
  /* The window's action, as OsaisWindow has it. */
  g_signal_connect (retry, "activate", G_CALLBACK (retry_job_activated), &retried);
  g_action_map_add_action (G_ACTION_MAP (win_actions), G_ACTION (retry));
  gtk_widget_insert_action_group (gw.window, "win", G_ACTION_GROUP (win_actions));
  osais_gallery_set_store (gw.gallery, fixture.store);
  osais_ui_test_settle (300);

  /* The failed job's card says so and offers Retry, which names the job. */
  card = find_card (gw.gallery, failed);
  g_assert_nonnull (card);
  g_assert_cmpstr (osais_gallery_cell_get_stage_text (card), ==, "Failed");
  retry_button = osais_ui_test_find_widget (GTK_WIDGET (card), names_action, "win.retry-job");
  g_assert_nonnull (retry_button);
  g_assert_true (gtk_widget_is_visible (retry_button));
  /* A button's activation clicks it after its pressed look has shown. */
  gtk_widget_activate (retry_button);
  osais_ui_test_wait_until (retried_cb, &retried, "Retry to activate win.retry-job");
  g_assert_cmpint (retried, ==, osais_job_get_uid (failed));

  /* The running job's progress moves with each notification. */
  card = find_card (gw.gallery, running);
  g_assert_nonnull (card);
  fraction = osais_gallery_cell_get_fraction (card);
  osais_test_store_notify (fixture.store, 12, OSAIS_STAGE_IMAGE_STARTED, 0, NULL);
  g_assert_cmpfloat (osais_gallery_cell_get_fraction (card), >, fraction);
  g_assert_cmpstr (osais_gallery_cell_get_stage_text (card), ==, "Processing image");

  /* The finished job shows no card. */
  g_assert_null (find_card (gw.gallery, done));

  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (gw.window, "gallery.png");

  gtk_window_set_default_size (GTK_WINDOW (gw.window), 360, 640);
  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (gw.window, "gallery-narrow.png");

  /* Dismiss: offered for the failed card, not the running one, and takes
   * the failed job out of the history; a running job stays whatever asks. */
  g_assert_true (gtk_widget_get_visible (find_dismiss_button (GTK_WIDGET (find_card (gw.gallery,
                                                                                    failed)))));
  g_assert_false (gtk_widget_get_visible (find_dismiss_button (GTK_WIDGET (card))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "gallery.dismiss-job", "x",
                                             (gint64)12));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (card), "gallery.dismiss-job", "x",
                                             (gint64)11));
  osais_ui_test_wait_until (job_gone, &(JobGone) { fixture.store, 11 }, "the dismissed job to go");
  g_assert_nonnull (osais_store_lookup (fixture.store, 12));

  /* Finished without images: nothing is in progress any more, so no bar,
   * and the card can go. */
  card = find_card (gw.gallery, running);
  g_assert_true (gtk_widget_get_visible (
    osais_ui_test_find_descendant (GTK_WIDGET (card), GTK_TYPE_PROGRESS_BAR)));
  osais_test_store_notify (fixture.store, 12, OSAIS_STAGE_FINISHED, 0, NULL);
  g_assert_cmpstr (osais_gallery_cell_get_stage_text (card), ==, "Finished without images");
  g_assert_false (gtk_widget_get_visible (
    osais_ui_test_find_descendant (GTK_WIDGET (card), GTK_TYPE_PROGRESS_BAR)));
  g_assert_true (gtk_widget_get_visible (find_dismiss_button (GTK_WIDGET (card))));

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

static void
test_empty_state (void)
{
  GalleryWindow gw = { 0 };
  OsaisTestStore fixture = { 0 };

  osais_test_store_open (&fixture);
  gallery_window_open (&gw, 800, 600);
  osais_gallery_set_store (gw.gallery, fixture.store);
  osais_ui_test_settle (200);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (osais_gallery_get_grid_view (gw.gallery))));
  osais_ui_test_save_screenshot (gw.window, "gallery-empty.png");
  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

typedef struct
{
  guint pending;
} Counter;

static void
count_down_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Counter *counter = user_data;
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(GObject) value = g_task_propagate_pointer (G_TASK (result), &error);

  g_assert_no_error (error);
  counter->pending--;
}

static gboolean
counter_done (gpointer data)
{
  return ((Counter *)data)->pending == 0;
}

static void
notify_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Counter *counter = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (osais_store_apply_notification_finish (OSAIS_STORE (object), result, &error));
  counter->pending--;
}

/* Finishes the @n jobs of uids @first_uid on (token "t"), all at once. */
static void
finish_jobs (OsaisStore *store,
             gint64      first_uid,
             guint       n)
{
  Counter counter = { n };

  for (guint i = 0; i < n; i++)
    {
      OsaisNotification notification = { 0 };

      notification.uid = first_uid + i;
      notification.token = (char *) "t";
      notification.stage = OSAIS_STAGE_FINISHED;
      notification.cost = -1;
      osais_store_apply_notification_async (store, &notification, NULL, notify_done_cb,
                                            &counter);
    }
  osais_ui_test_wait_until (counter_done, &counter, "jobs finished");
}

#define N_JOBS          1000
#define IMAGES_PER_JOB  10

/* 10,000 images: the gallery holds them all, scrolls through them to the
 * end with thumbnails there and bounded memory. How fast is the
 * benchmark's to say (tests/bench/gui: first content, frame times and the
 * main thread's work per frame while scrolling), on a quiet machine; a
 * timed assertion here would fail on a loaded one. */
static void
test_ten_thousand_images (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  Counter counter = { 0 };
  GtkAdjustment *vadjustment;
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  guint64 rss_start, rss_stored, rss_shown, rss_scrolled;
  gint64 start;
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  guint n_with_thumbnail = 0;

  osais_test_store_open (&fixture);
  gallery_window_open (&gw, 1024, 768);
  rss_start = read_rss_kb ();

  /* Everything in flight at once: the store commits it in groups. */
  counter.pending = N_JOBS;
  for (guint i = 0; i < N_JOBS; i++)
    osais_store_create_job_async (fixture.store, 0, 1000 + i, "t", "diffusion",
                                  "{\"word\":\"many\"}", NULL, count_down_cb, &counter);
  osais_ui_test_wait_until (counter_done, &counter, "jobs");

  counter.pending = N_JOBS * IMAGES_PER_JOB;
  for (guint i = 0; i < N_JOBS; i++)
    for (guint j = 0; j < IMAGES_PER_JOB; j++)
      {
        g_autoptr(GBytes) png = osais_test_make_png (8, 8, i * IMAGES_PER_JOB + j);

        osais_store_add_image_async (fixture.store, 1000 + i, "t", j, png, "image/png", 8, 8,
                                     NULL, count_down_cb, &counter);
      }
  osais_ui_test_wait_until (counter_done, &counter, "images");

  finish_jobs (fixture.store, 1000, N_JOBS);
  rss_stored = read_rss_kb ();

  start = g_get_monotonic_time ();
  osais_gallery_set_store (gw.gallery, fixture.store);
  g_test_message ("Model of %u items built in %" G_GINT64_FORMAT " ms",
                  g_list_model_get_n_items (osais_gallery_get_model (gw.gallery)),
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (g_list_model_get_n_items (osais_gallery_get_model (gw.gallery)), ==,
                    N_JOBS * IMAGES_PER_JOB);
  osais_ui_test_settle (500);
  rss_shown = read_rss_kb ();

  /* Scroll through the whole gallery, a page at a time. */
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (
    osais_gallery_get_grid_view (gw.gallery)));
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment), >,
                     10 * gtk_adjustment_get_page_size (vadjustment));
  while (gtk_adjustment_get_value (vadjustment) <
         gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_page_size (vadjustment))
    {
      gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_value (vadjustment) +
                                             gtk_adjustment_get_page_size (vadjustment) * 4);
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      osais_ui_test_settle (16);
    }
  osais_ui_test_settle (1000);
  rss_scrolled = read_rss_kb ();

  /* The end is reached, and the cells shown there have their thumbnails. */
  collect_cells (GTK_WIDGET (gw.gallery), cells);
  g_assert_cmpuint (cells->len, >, 0);
  g_assert_cmpuint (cells->len, <, 200);
  for (guint i = 0; i < cells->len; i++)
    if (osais_gallery_cell_get_paintable (cells->pdata[i]) != NULL)
      n_with_thumbnail++;
  g_assert_cmpuint (n_with_thumbnail, >, 0);
  g_assert_cmpuint (osais_thumbnail_loader_get_n_cached (loader), <=, 256);

  g_test_message ("VmRSS: %" G_GUINT64_FORMAT " kB at start, %" G_GUINT64_FORMAT
                  " kB with 10,000 images stored, %" G_GUINT64_FORMAT " kB shown, %"
                  G_GUINT64_FORMAT " kB after scrolling through all; %u cells",
                  rss_start, rss_stored, rss_shown, rss_scrolled, cells->len);
  /* Bounded: scrolling through everything costs no more than the thumbnail
   * cache (256 textures of at most 200 × 200 RGBA) and some slack. */
  g_assert_cmpuint (rss_scrolled, <, rss_shown + 256 * 200 * 200 * 4 / 1024 + 64 * 1024);

  osais_ui_test_save_screenshot (gw.window, "gallery-10000.png");
  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

#define N_SEARCHED_JOBS    500
#define IMAGES_PER_SEARCHED 4
/* What GTK 4.8's grid holds at most (max-columns × 30 rows + 32 cells),
 * and one more. */
#define MAX_SHOWN_ITEMS     (6 * 30 + 32 + 1)

/* A search's result that found the images at @positions of @model. */
static OsaisSearchResult *
images_at (OsaisGalleryModel *model,
           GArray            *positions)
{
  OsaisSearchResult *result = g_new0 (OsaisSearchResult, 1);
  gint64 last_uid = -1;

  result->job_uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  result->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < positions->len; i++)
    {
      gint64 job_uid;
      gint64 image_id;

      g_assert_cmpint (osais_gallery_model_get_ids (model, g_array_index (positions, guint, i),
                                                    &job_uid, &image_id), ==,
                       OSAIS_GALLERY_ITEM_IMAGE);
      if (job_uid != last_uid)
        g_array_append_val (result->job_uids, job_uid);
      last_uid = job_uid;
      g_array_append_val (result->image_ids, image_id);
    }

  return result;
}

/* Every @nth image of @model, from the @first. */
static OsaisSearchResult *
every_nth_from (OsaisGalleryModel *model,
                guint              nth,
                guint              first)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = first; i < n; i += nth)
    g_array_append_val (positions, i);

  return images_at (model, positions);
}

static OsaisSearchResult *
every_nth_image (OsaisGalleryModel *model,
                 guint              nth)
{
  return every_nth_from (model, nth, 0);
}

/* The results show what @result found, in order; and the ids the model
 * gave for them are their items' ids. A sample, not all: all would make
 * every item. */
static void
assert_shows (GListModel              *shown,
              OsaisGalleryModel       *model,
              const OsaisSearchResult *result,
              guint                    nth)
{
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, result->image_ids->len);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i += 97)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, i);
      g_autoptr(OsaisGalleryItem) in_model = g_list_model_get_item (G_LIST_MODEL (model), i * nth);
      gint64 job_uid;
      gint64 image_id;

      g_assert_cmpint (osais_image_get_id (osais_gallery_item_get_image (item)), ==,
                       g_array_index (result->image_ids, gint64, i));
      g_assert_true (item == in_model);
      osais_gallery_model_get_ids (model, i * nth, &job_uid, &image_id);
      g_assert_cmpint (osais_job_get_uid (osais_gallery_item_get_job (item)), ==, job_uid);
    }
}

/* Shows @result: the items made meanwhile are those the grid shows, not
 * one for each item the search checked. */
static void
search_makes_only_shown (OsaisGallery            *gallery,
                         const OsaisSearchResult *result)
{
  OsaisGalleryModel *model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gallery));
  guint made = osais_gallery_model_get_n_made_items (model);

  osais_gallery_set_search (gallery, result);
  osais_ui_test_settle (200);
  g_test_message ("%u results: %u items made, %u live", result->image_ids->len,
                  osais_gallery_model_get_n_made_items (model) - made,
                  osais_gallery_model_get_n_live_items (model));
  g_assert_cmpuint (osais_gallery_model_get_n_made_items (model) - made, <=, MAX_SHOWN_ITEMS);
  g_assert_cmpuint (osais_gallery_model_get_n_live_items (model), <=, MAX_SHOWN_ITEMS);
}

/* Stores N_SEARCHED_JOBS finished jobs of IMAGES_PER_SEARCHED images each
 * and shows them in @gw's gallery. */
static void
searched_gallery_open (OsaisTestStore *fixture,
                       GalleryWindow  *gw)
{
  Counter counter = { 0 };

  osais_test_store_open (fixture);
  gallery_window_open (gw, 1024, 768);
  counter.pending = N_SEARCHED_JOBS;
  for (guint i = 0; i < N_SEARCHED_JOBS; i++)
    osais_store_create_job_async (fixture->store, 0, 1000 + i, "t", "diffusion",
                                  "{\"word\":\"many\"}", NULL, count_down_cb, &counter);
  osais_ui_test_wait_until (counter_done, &counter, "jobs");
  counter.pending = N_SEARCHED_JOBS * IMAGES_PER_SEARCHED;
  for (guint i = 0; i < N_SEARCHED_JOBS; i++)
    for (guint j = 0; j < IMAGES_PER_SEARCHED; j++)
      {
        g_autoptr(GBytes) png = osais_test_make_png (8, 8, i * IMAGES_PER_SEARCHED + j);

        osais_store_add_image_async (fixture->store, 1000 + i, "t", j, png, "image/png", 8, 8,
                                     NULL, count_down_cb, &counter);
      }
  osais_ui_test_wait_until (counter_done, &counter, "images");
  finish_jobs (fixture->store, 1000, N_SEARCHED_JOBS);

  osais_gallery_set_store (gw->gallery, fixture->store);
  g_assert_cmpuint (g_list_model_get_n_items (osais_gallery_get_model (gw->gallery)), ==,
                    N_SEARCHED_JOBS * IMAGES_PER_SEARCHED);
  osais_ui_test_settle (200);
}

/* A search over many items makes only the items the grid shows: the
 * results ask the model for ids, not items; a narrower search, a wider one
 * and a hidden image are followed exactly. */
static void
test_search_makes_only_shown (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisSearchResult) half = NULL;
  g_autoptr(OsaisSearchResult) quarter = NULL;
  g_autoptr(OsaisGalleryItem) hidden = NULL;
  OsaisGalleryModel *model;
  GListModel *shown;
  guint n_model;

  searched_gallery_open (&fixture, &gw);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gw.gallery)));
  n_model = g_list_model_get_n_items (G_LIST_MODEL (model));
  half = every_nth_image (model, 2);
  quarter = every_nth_image (model, 4);

  /* Half the images found: far more than the grid holds. Then a letter
   * more (a subset), then one less. */
  search_makes_only_shown (gw.gallery, half);
  assert_shows (shown, model, half, 2);
  search_makes_only_shown (gw.gallery, quarter);
  assert_shows (shown, model, quarter, 4);
  search_makes_only_shown (gw.gallery, half);
  assert_shows (shown, model, half, 2);

  /* A shown image hidden (deleted, until undone) leaves the results, and
   * comes back in its place. */
  hidden = g_list_model_get_item (shown, 1);
  osais_gallery_model_set_image_hidden (model, osais_gallery_item_get_image (hidden), TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_model / 2 - 1);
  osais_gallery_model_set_image_hidden (model, osais_gallery_item_get_image (hidden), FALSE);
  assert_shows (shown, model, half, 2);
  {
    g_autoptr(OsaisGalleryItem) again = g_list_model_get_item (shown, 1);

    g_assert_true (osais_gallery_item_get_image (again) ==
                   osais_gallery_item_get_image (hidden));
  }

  /* Shown as a job in the results: the job of the 100th result. */
  {
    g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, 100);

    g_assert_true (osais_gallery_show_job (gw.gallery, osais_gallery_item_get_job (item)));
  }

  osais_gallery_set_search (gw.gallery, NULL);
  osais_ui_test_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_model);
  g_assert_cmpuint (osais_gallery_model_get_n_live_items (model), <=, MAX_SHOWN_ITEMS);

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

/* A search's change as the grid sees it: each items-changed replayed on
 * what was shown before it. */
typedef struct
{
  GListModel *shown;
  /* What the grid shows, as the change goes: the old position of an item
   * still to change or kept, -1 for one added. */
  GArray     *replay;
  /* The items shown before the change, by old position; NULL: not checked. */
  GPtrArray  *old_items;
  /* The old positions the grid had widgets for. */
  GtkBitset  *held;
  guint       n_changes;
  /* The most items added by a change that removed a held one. */
  guint       max_added_around_held;
} Told;

static void
told_cb (GListModel *shown,
         guint       position,
         guint       removed,
         guint       added,
         Told       *told)
{
  gboolean removes_held = FALSE;
  gint none = -1;

  told->n_changes++;
  g_assert_cmpuint (position + removed, <=, told->replay->len);
  for (guint i = position; i < position + removed; i++)
    {
      gint index = g_array_index (told->replay, gint, i);

      removes_held |= index >= 0 && gtk_bitset_contains (told->held, index);
    }
  if (removes_held)
    told->max_added_around_held = MAX (told->max_added_around_held, added);
  g_array_remove_range (told->replay, position, removed);
  for (guint i = 0; i < added; i++)
    g_array_insert_val (told->replay, position, none);

  /* Each step shows the items not changed yet in their places. */
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, told->replay->len);
  for (guint i = 0; told->old_items != NULL && i < told->replay->len; i++)
    {
      gint index = g_array_index (told->replay, gint, i);
      g_autoptr(OsaisGalleryItem) item = NULL;

      if (index < 0)
        continue;
      item = g_list_model_get_item (shown, i);
      g_assert_true (item == g_ptr_array_index (told->old_items, index));
    }
}

/* The grid's positions that have a cell now, mapped or not (GTK keeps
 * cells around the visible ones). */
static GtkBitset *
held_positions (GalleryWindow *gw)
{
  GtkWidget *grid = GTK_WIDGET (osais_gallery_get_grid_view (gw->gallery));
  GtkBitset *held = gtk_bitset_new_empty ();

  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);

      if (OSAIS_IS_GALLERY_CELL (cell) &&
          osais_gallery_cell_get_position (OSAIS_GALLERY_CELL (cell)) != G_MAXUINT)
        gtk_bitset_add (held, osais_gallery_cell_get_position (OSAIS_GALLERY_CELL (cell)));
    }
  g_assert_cmpuint (gtk_bitset_get_size (held), >, 0);

  return held;
}

/* Shows @result (NULL: everything), replaying the change as it is told;
 * @old_items: check each step's items. */
static void
search_told (GalleryWindow           *gw,
             const OsaisSearchResult *result,
             gboolean                 old_items,
             Told                    *told)
{
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gw->gallery)));
  guint n = g_list_model_get_n_items (shown);
  gulong handler;

  told->shown = shown;
  told->replay = g_array_new (FALSE, FALSE, sizeof (gint));
  for (guint i = 0; i < n; i++)
    g_array_append_val (told->replay, i);
  told->old_items = old_items ? g_ptr_array_new_with_free_func (g_object_unref) : NULL;
  for (guint i = 0; old_items && i < n; i++)
    g_ptr_array_add (told->old_items, g_list_model_get_item (shown, i));
  told->held = held_positions (gw);
  told->n_changes = 0;
  told->max_added_around_held = 0;

  handler = g_signal_connect (shown, "items-changed", G_CALLBACK (told_cb), told);
  osais_gallery_set_search (gw->gallery, result);
  g_signal_handler_disconnect (shown, handler);

  g_assert_cmpuint (told->replay->len, ==, g_list_model_get_n_items (shown));
  g_clear_pointer (&told->replay, g_array_unref);
  g_clear_pointer (&told->old_items, g_ptr_array_unref);
  g_clear_pointer (&told->held, gtk_bitset_unref);
}

/* Every item shown is the one @result found there (NULL: the model's). */
static void
assert_shows_all (GalleryWindow           *gw,
                  const OsaisSearchResult *result)
{
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gw->gallery)));
  GListModel *model = osais_gallery_get_model (gw->gallery);
  guint n = g_list_model_get_n_items (shown);

  g_assert_cmpuint (n, ==, result != NULL ? result->image_ids->len
                                          : g_list_model_get_n_items (model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, i);
      g_autoptr(OsaisGalleryItem) in_model = NULL;

      if (result != NULL)
        g_assert_cmpint (osais_image_get_id (osais_gallery_item_get_image (item)), ==,
                         g_array_index (result->image_ids, gint64, i));
      else
        {
          in_model = g_list_model_get_item (model, i);
          g_assert_true (item == in_model);
        }
    }
}

/* A random part of the model's images: each with probability @p, or each
 * of @within (when given) with probability @p. */
static OsaisSearchResult *
random_images (OsaisGalleryModel       *model,
               GRand                   *rand,
               double                   p,
               const OsaisSearchResult *within)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  guint w = 0;

  for (guint i = 0; i < n; i++)
    {
      gint64 job_uid;
      gint64 image_id;

      if (within != NULL)
        {
          osais_gallery_model_get_ids (model, i, &job_uid, &image_id);
          if (w == within->image_ids->len ||
              g_array_index (within->image_ids, gint64, w) != image_id)
            continue;
          w++;
        }
      if (g_rand_double (rand) < p)
        g_array_append_val (positions, i);
    }

  return images_at (model, positions);
}

/* A search's change is told in steps that, replayed, make what it found:
 * at each step the grid's model shows the items yet to change in their
 * places (GTK asks for them then), whatever the search before and after
 * (wider, narrower, neither, none), scrolled to the top or further; and
 * the model's ids the results keep follow its changes. */
static void
test_search_told_in_steps (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  g_autoptr(OsaisSearchResult) last = NULL;
  OsaisGalleryModel *model;
  GtkAdjustment *vadjustment;
  static const double densities[] = { 0.5, 0.02, 1.0, 0.3, 0.9, 0.1, 0.7 };

  searched_gallery_open (&fixture, &gw);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (osais_gallery_get_grid_view (gw.gallery)));

  for (guint round = 0; round < 2 * G_N_ELEMENTS (densities); round++)
    {
      g_autoptr(OsaisSearchResult) result = NULL;
      Told told = { 0 };

      /* Half the rounds a part of the last result (a letter typed). */
      result = random_images (model, rand, densities[round % G_N_ELEMENTS (densities)],
                              round % 2 == 1 ? last : NULL);
      g_test_message ("round %u: %u images found", round, result->image_ids->len);
      search_told (&gw, result, TRUE, &told);
      assert_shows_all (&gw, result);
      /* The second half further down the grid. */
      if (round == G_N_ELEMENTS (densities))
        gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment) / 3);
      osais_ui_test_settle (50);
      g_clear_pointer (&last, osais_search_result_free);
      last = g_steal_pointer (&result);
      /* And now and then none. */
      if (round % 5 == 4)
        {
          search_told (&gw, NULL, TRUE, &told);
          assert_shows_all (&gw, NULL);
          osais_ui_test_settle (50);
        }
    }

  /* The model changing while no search is shown (an image hidden), then
   * while one is (shown again): the searches follow it. */
  {
    g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (G_LIST_MODEL (model), 1);
    OsaisImage *image = osais_gallery_item_get_image (item);
    g_autoptr(OsaisSearchResult) result = NULL;
    Told told = { 0 };

    search_told (&gw, NULL, TRUE, &told);
    osais_gallery_model_set_image_hidden (model, image, TRUE);
    result = random_images (model, rand, 0.5, NULL);
    search_told (&gw, result, TRUE, &told);
    assert_shows_all (&gw, result);
    osais_gallery_model_set_image_hidden (model, image, FALSE);
    assert_shows_all (&gw, result);
  }

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

/* Searches @result: the grid shows what it keeps of the model, found by
 * hand (an image by its id, a job with no image, its card, by its uid). */
static void
search_shows_found (GalleryWindow           *gw,
                    const OsaisSearchResult *result)
{
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gw->gallery)));
  OsaisGalleryModel *model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw->gallery));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  guint kept = 0;

  osais_gallery_set_search (gw->gallery, result);
  for (guint i = 0; i < n; i++)
    {
      const GArray *ids;
      gint64 job_uid;
      gint64 image_id;
      gint64 id;
      gboolean found = FALSE;

      if (osais_gallery_model_get_ids (model, i, &job_uid, &image_id) == OSAIS_GALLERY_ITEM_CARD)
        {
          ids = result->job_uids;
          id = job_uid;
        }
      else
        {
          ids = result->image_ids;
          id = image_id;
        }
      for (guint k = 0; k < ids->len && !found; k++)
        found = g_array_index (ids, gint64, k) == id;
      if (found)
        {
          g_autoptr(OsaisGalleryItem) expected = g_list_model_get_item (G_LIST_MODEL (model), i);
          g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, kept++);

          g_assert_nonnull (item);
          g_assert_true (osais_gallery_item_get_job (item) == osais_gallery_item_get_job (expected));
          g_assert_true (osais_gallery_item_get_image (item) == osais_gallery_item_get_image (expected));
        }
    }
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, kept);
  osais_ui_test_settle (50);
}

/* OSAIS makes a job's uid from the time in milliseconds, beyond 32 bits;
 * the results keep ids below 2^32 (the images') apart from the others.
 * Jobs with images and jobs without (shown as a card) under such uids: a
 * search finds cards and images, a narrower one a part of them, then one
 * with the same images and more cards, then one neither wider nor
 * narrower, and the grid shows what each found. */
static void
test_search_finds_large_uids (void)
{
  const gint64 base = G_GINT64_CONSTANT (1733580000000);
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  Counter counter = { 0 };
  g_autoptr(OsaisSearchResult) wide = g_new0 (OsaisSearchResult, 1);
  g_autoptr(OsaisSearchResult) narrow = g_new0 (OsaisSearchResult, 1);
  g_autoptr(OsaisSearchResult) other = g_new0 (OsaisSearchResult, 1);
  g_autoptr(OsaisSearchResult) more_cards = g_new0 (OsaisSearchResult, 1);
  OsaisGalleryModel *model;
  guint n;

  osais_test_store_open (&fixture);
  gallery_window_open (&gw, 1024, 768);
  /* Even jobs get two images, odd ones none. */
  counter.pending = 12;
  for (guint i = 0; i < 12; i++)
    osais_store_create_job_async (fixture.store, 0, base + i, "t", "diffusion",
                                  "{\"word\":\"many\"}", NULL, count_down_cb, &counter);
  osais_ui_test_wait_until (counter_done, &counter, "jobs");
  counter.pending = 12;
  for (guint i = 0; i < 12; i += 2)
    for (guint j = 0; j < 2; j++)
      {
        g_autoptr(GBytes) png = osais_test_make_png (8, 8, 100 + 2 * i + j);

        osais_store_add_image_async (fixture.store, base + i, "t", j, png, "image/png", 8, 8,
                                     NULL, count_down_cb, &counter);
      }
  osais_ui_test_wait_until (counter_done, &counter, "images");
  finish_jobs (fixture.store, base, 12);
  osais_gallery_set_store (gw.gallery, fixture.store);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  g_assert_cmpuint (n, ==, 6 + 12);

  /* wide: every job but the last two, and the images of those with any;
   * narrow: every other of wide's; other: the last two jobs, and the
   * images of even id. */
  wide->job_uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  wide->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  narrow->job_uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  narrow->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  other->job_uids = g_array_new (FALSE, FALSE, sizeof (gint64));
  other->image_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < n; i++)
    {
      gint64 job_uid;
      gint64 image_id;
      gboolean card = osais_gallery_model_get_ids (model, i, &job_uid, &image_id) ==
                      OSAIS_GALLERY_ITEM_CARD;

      if (job_uid < base + 10)
        {
          if (card || wide->job_uids->len == 0 ||
              g_array_index (wide->job_uids, gint64, wide->job_uids->len - 1) != job_uid)
            g_array_append_val (wide->job_uids, job_uid);
          if (!card)
            g_array_append_val (wide->image_ids, image_id);
          if (i % 2 == 0)
            {
              g_array_append_val (narrow->job_uids, job_uid);
              if (!card)
                g_array_append_val (narrow->image_ids, image_id);
            }
        }
      else
        g_array_append_val (other->job_uids, job_uid);
      if (!card && image_id % 2 == 0)
        g_array_append_val (other->image_ids, image_id);
    }

  search_shows_found (&gw, wide);
  search_shows_found (&gw, narrow);
  /* Narrow's images, and cards it did not find: no narrower search, though
   * its images are. */
  more_cards->job_uids = g_array_copy (narrow->job_uids);
  more_cards->image_ids = g_array_copy (narrow->image_ids);
  g_array_append_vals (more_cards->job_uids, other->job_uids->data, other->job_uids->len);
  search_shows_found (&gw, more_cards);
  search_shows_found (&gw, other);
  osais_gallery_set_search (gw.gallery, NULL);
  assert_shows_all (&gw, NULL);

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

/* A search much wider than the last whose first result is not the last's
 * first: GTK 4.8 asked for every item it adds (the grid's first cell
 * removed, the walk in its list item manager), 2,000 here, 100,000 in
 * tests/bench/search-gui. Told around the cells, it asks for no more than
 * it shows, and the bounded span around them. Narrower again, cleared,
 * and further down the grid, the same. */
static void
test_search_widening_asks_only_shown (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisSearchResult) odd = NULL;
  g_autoptr(OsaisSearchResult) all = NULL;
  g_autoptr(OsaisSearchResult) sparse = NULL;
  OsaisGalleryModel *model;
  GtkAdjustment *vadjustment;
  const OsaisSearchResult *steps[5];
  Told told = { 0 };

  searched_gallery_open (&fixture, &gw);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (osais_gallery_get_grid_view (gw.gallery)));
  odd = every_nth_from (model, 2, 1);
  all = every_nth_image (model, 1);
  sparse = every_nth_from (model, 50, 7);
  steps[0] = all;
  steps[1] = odd;
  steps[2] = NULL;
  steps[3] = sparse;
  steps[4] = NULL;

  for (guint scrolled = 0; scrolled < 2; scrolled++)
    {
      osais_gallery_set_search (gw.gallery, odd);
      if (scrolled)
        gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment) / 2);
      osais_ui_test_settle (200);

      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          guint made = osais_gallery_model_get_n_made_items (model);

          search_told (&gw, steps[i], FALSE, &told);
          osais_ui_test_settle (100);
          g_test_message ("%s, step %u: %u changes, at most %u added around a cell, "
                          "%u items made", scrolled ? "scrolled" : "at the top", i,
                          told.n_changes, told.max_added_around_held,
                          osais_gallery_model_get_n_made_items (model) - made);
          /* GTK asks for what a change adds around a cell it tracks (the
           * anchor, the focus, the selection's): at most 256 each; and the
           * cells' items, where they were and where the anchor went. All
           * 2,000 before. */
          g_assert_cmpuint (told.max_added_around_held, <=, 256);
          g_assert_cmpuint (osais_gallery_model_get_n_made_items (model) - made, <=,
                            2 * MAX_SHOWN_ITEMS + 3 * 256);
        }
    }

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

static gboolean
search_prepared (gpointer data)
{
  return osais_gallery_get_search_prepared (data);
}

/* Adds the grid's cells to @cells (a reference each) that are not there. */
static void
add_cells (OsaisGallery *gallery,
           GPtrArray    *cells)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (osais_gallery_get_grid_view (gallery)));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);

      if (OSAIS_IS_GALLERY_CELL (cell) && !g_ptr_array_find (cells, cell, NULL))
        g_ptr_array_add (cells, g_object_ref (cell));
    }
}

/* The cells of the items a search takes away go to the items it brings:
 * GTK 4.8 destroys the widget of each item a change removes and builds one
 * for each it adds, ~130 cells at each keystroke that changes the first
 * screen (13 % of the main thread under tests/bench/search-gui). Searches
 * that change the whole first screen, one after the other, show no more
 * cells than the grid holds and the spare ones made when the search was
 * prepared. */
static void
test_search_recycles_cells (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisSearchResult) odd = NULL;
  g_autoptr(OsaisSearchResult) even = NULL;
  /* Held: a cell destroyed cannot give its address to a new one. */
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  OsaisGalleryModel *model;
  guint n_held;

  searched_gallery_open (&fixture, &gw);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  odd = every_nth_from (model, 2, 1);
  even = every_nth_from (model, 2, 0);
  osais_gallery_prepare_search (gw.gallery);
  osais_ui_test_wait_until (search_prepared, gw.gallery, "the search prepared");
  add_cells (gw.gallery, seen);
  n_held = seen->len;
  g_assert_cmpuint (n_held, >, 0);

  for (guint i = 0; i < 8; i++)
    {
      osais_gallery_set_search (gw.gallery, i % 2 == 0 ? odd : even);
      osais_ui_test_settle (100);
      add_cells (gw.gallery, seen);
    }
  g_test_message ("%u cells in the grid, %u shown in all", n_held, seen->len);
  /* Each search built 65 to 129 cells before (~900). */
  g_assert_cmpuint (seen->len, <=, n_held + MAX_SHOWN_ITEMS);

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

/* Prepared when the search bar opens: what the first search needs is made
 * ready before the first letter (the model's ids at idle, the store's
 * reader on its thread), none of it at once on the main thread; the model
 * changing before and after is followed; the first search then shows what
 * it found. */
static void
test_search_prepared (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisSearchResult) half = NULL;
  g_autoptr(OsaisGalleryItem) hidden = NULL;
  OsaisGalleryModel *model;
  GListModel *shown;

  searched_gallery_open (&fixture, &gw);
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (gw.gallery));
  shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gw.gallery)));
  half = every_nth_image (model, 2);
  hidden = g_list_model_get_item (G_LIST_MODEL (model), 2);
  g_assert_cmpint (osais_gallery_item_get_kind (hidden), ==, OSAIS_GALLERY_ITEM_IMAGE);
  g_assert_false (osais_gallery_get_search_prepared (gw.gallery));

  osais_gallery_prepare_search (gw.gallery);
  g_assert_false (osais_gallery_get_search_prepared (gw.gallery));
  /* Deleted (until undone) before the model's ids are read. */
  osais_gallery_model_set_image_hidden (model, osais_gallery_item_get_image (hidden), TRUE);
  osais_ui_test_wait_until (search_prepared, gw.gallery, "the search prepared");
  osais_gallery_model_set_image_hidden (model, osais_gallery_item_get_image (hidden), FALSE);

  search_makes_only_shown (gw.gallery, half);
  assert_shows (shown, model, half, 2);

  /* Again, as when the bar opens again: done again for the store. */
  osais_gallery_prepare_search (gw.gallery);
  osais_ui_test_wait_until (search_prepared, gw.gallery, "the search prepared again");

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

typedef struct
{
  OsaisThumbnailLoader *loader;
  guint                 pending;
  guint                 ticks;
  gint64                last_tick;
  gint64                longest_gap;
  int                   max_short_side;
} LoadState;

static gboolean
tick_cb (gpointer user_data)
{
  LoadState *state = user_data;
  gint64 now = g_get_monotonic_time ();

  state->longest_gap = MAX (state->longest_gap, now - state->last_tick);
  state->last_tick = now;
  state->ticks++;

  return G_SOURCE_CONTINUE;
}

static void
thumbnail_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LoadState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  texture = osais_thumbnail_loader_load_finish (OSAIS_THUMBNAIL_LOADER (object), result,
                                                &error);
  g_assert_no_error (error);
  state->max_short_side = MAX (state->max_short_side,
                               MIN (gdk_texture_get_width (texture),
                                    gdk_texture_get_height (texture)));
  state->pending--;
}

static gboolean
loads_done (gpointer data)
{
  return ((LoadState *)data)->pending == 0;
}

static void
test_thumbnails_off_main_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-thumbs-XXXXXX", &error);
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 64);
  g_autoptr(GBytes) png = osais_test_make_png (1024, 768, 7);
  LoadState state = { 0 };
  guint tick_id;
  gint64 start;

  g_assert_no_error (error);
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%u.png", dir, i);

      g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL),
                                          g_bytes_get_size (png), NULL));
    }

  state.loader = loader;
  state.pending = 200;
  state.last_tick = g_get_monotonic_time ();
  tick_id = g_timeout_add (10, tick_cb, &state);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%u.png", dir, i);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      osais_thumbnail_loader_load_async (loader, file, NULL, thumbnail_cb, &state);
    }
  osais_ui_test_wait_until (loads_done, &state, "thumbnails");
  g_clear_handle_id (&tick_id, g_source_remove);

  g_test_message ("200 thumbnails of 1024×768 in %" G_GINT64_FORMAT " ms; %u ticks, "
                  "longest gap %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000, state.ticks,
                  state.longest_gap / 1000);
  /* Decoded at thumbnail size, and the cache keeps only its bound. */
  g_assert_cmpint (state.max_short_side, ==, 200);
  g_assert_cmpuint (osais_thumbnail_loader_get_n_cached (loader), ==, 64);
  /* The main loop kept running while they decoded: decoding them on it would
   * stop it for the whole 1–2 s. The bound leaves room for a loaded 2-core CI
   * machine, where one gap of 238 ms was seen with the decoders off it. */
  g_assert_cmpint (state.longest_gap, <, 500 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (state.ticks, >, 2);

  osais_test_remove_tree (dir);
}


/* Thumbnail disk cache -------------------------------------------------- */

typedef struct
{
  GdkTexture *texture;
  GError     *error;
  gboolean    done;
} LoadResult;

static void
load_result_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoadResult *out = user_data;

  out->texture = osais_thumbnail_loader_load_finish (OSAIS_THUMBNAIL_LOADER (object), result,
                                                     &out->error);
  out->done = TRUE;
}

static gboolean
load_done (gpointer data)
{
  return ((LoadResult *)data)->done;
}

static gboolean
loader_idle (gpointer data)
{
  return osais_thumbnail_loader_get_n_pending (data) == 0;
}

/* Loads @path's thumbnail with a fresh loader (nothing in memory, as after a
 * restart) using @cache_dir. */
static LoadResult
load_fresh (const char *cache_dir,
            const char *path)
{
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 8);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LoadResult result = { 0 };

  osais_thumbnail_loader_set_cache_dir (loader, cache_dir);
  osais_thumbnail_loader_load_async (loader, file, NULL, load_result_cb, &result);
  osais_ui_test_wait_until (load_done, &result, "a thumbnail");
  /* The disk cache is written after the thumbnail is given. */
  osais_ui_test_wait_until (loader_idle, loader, "the thumbnail written");

  return result;
}

static void
load_result_clear (LoadResult *result)
{
  g_clear_object (&result->texture);
  g_clear_error (&result->error);
}

static void
set_mtime (const char *path,
           guint64     seconds)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_file_set_attribute_uint64 (file, G_FILE_ATTRIBUTE_TIME_MODIFIED, seconds,
                               G_FILE_QUERY_INFO_NONE, NULL, &error);
  g_assert_no_error (error);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  if (handle == NULL)
    return 0;
  while (g_dir_read_name (handle) != NULL)
    n++;

  return n;
}

/* An upload's thumbnail is decoded from the bytes the store was given
 * (osais_thumbnail_loader_prepare(), before the file is even in place): the
 * tile's request takes that tile-size thumbnail instead of reading the file,
 * and the disk cache is written from it. */
static void
test_thumbnail_prepared_from_bytes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-thumbs-XXXXXX", &error);
  g_autofree char *original = g_build_filename (dir, "out-1.png", NULL);
  g_autofree char *cache_dir = g_build_filename (dir, "thumbnails", NULL);
  g_autofree char *cache_path = NULL;
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 8);
  g_autoptr(GFile) file = g_file_new_for_path (original);
  g_autoptr(GBytes) uploaded = osais_test_make_png (1024, 768, 3);
  g_autoptr(GBytes) other = osais_test_make_png (400, 800, 4);
  g_autoptr(GdkPixbuf) cached = NULL;
  LoadResult result = { 0 };

  g_assert_no_error (error);
  osais_thumbnail_loader_set_cache_dir (loader, cache_dir);
  cache_path = osais_thumbnail_loader_dup_cache_path (loader, file);
  osais_thumbnail_loader_prepare (loader, original, uploaded);
  osais_ui_test_wait_until (loader_idle, loader, "the upload's thumbnail decoded");

  /* The file says otherwise: whatever the request shows came from the
   * bytes, at tile size, not from the file nor at full size. */
  g_assert_true (g_file_set_contents (original, g_bytes_get_data (other, NULL),
                                      g_bytes_get_size (other), NULL));
  osais_thumbnail_loader_load_async (loader, file, NULL, load_result_cb, &result);
  osais_ui_test_wait_until (load_done, &result, "the thumbnail");
  g_assert_no_error (result.error);
  g_assert_cmpint (gdk_texture_get_width (result.texture), ==, 267);
  g_assert_cmpint (gdk_texture_get_height (result.texture), ==, 200);
  osais_ui_test_wait_until (loader_idle, loader, "the thumbnail written");
  cached = gdk_pixbuf_new_from_file (cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (cached), ==, 267);
  g_clear_object (&result.texture);
  osais_test_remove_tree (dir);
}

typedef struct
{
  GBytes  *png;
  GThread *freed_on;
} Released;

static void
record_release (gpointer data)
{
  Released *released = data;

  released->freed_on = g_thread_self ();
}

static gboolean
bytes_released (gpointer data)
{
  return ((Released *) data)->freed_on != NULL;
}

typedef struct
{
  char *path;
  int   fd;
} Held;

/* A decoder has opened the FIFO at @held's path: the test holds it open
 * for writing, and the decoder waits in read() until the test writes. */
static gboolean
decoder_held (gpointer data)
{
  Held *held = data;

  held->fd = open (held->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  g_assert_true (held->fd >= 0 || errno == ENXIO);

  return held->fd >= 0;
}

/* The bytes of an upload may be the last hold on its mapped temporary file,
 * whose unmapping frees the file's pages: the loader lets go of them on its
 * own thread once decoded, never with the task on the main thread. */
static void
test_thumbnail_prepare_releases_bytes_off_main_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-thumbs-XXXXXX", &error);
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 8);
  g_autoptr(GBytes) small = osais_test_make_png (16, 16, 6);
  Released released = { osais_test_make_png (512, 512, 5), NULL };
  GBytes *uploaded = g_bytes_new_with_free_func (g_bytes_get_data (released.png, NULL),
                                                 g_bytes_get_size (released.png),
                                                 record_release, &released);
  /* One per decoder: the loader has two (N_DECODE_THREADS). */
  Held held[2];
  LoadResult results[G_N_ELEMENTS (held)] = { 0 };

  g_assert_no_error (error);
  /* Both decoders held first, so that the loader's reference is the last
   * one: the test lets go of its own before any decoder can run. */
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_autoptr(GFile) file = NULL;

      held[i].path = g_build_filename (dir, i == 0 ? "a.png" : "b.png", NULL);
      held[i].fd = -1;
      g_assert_cmpint (mkfifo (held[i].path, 0600), ==, 0);
      file = g_file_new_for_path (held[i].path);
      osais_thumbnail_loader_load_async (loader, file, NULL, load_result_cb, &results[i]);
      osais_ui_test_wait_until (decoder_held, &held[i], "a decoder held");
    }
  osais_thumbnail_loader_prepare (loader, "/nonexistent/out-1.png", uploaded);
  g_bytes_unref (uploaded);
  g_assert_null (released.freed_on);

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      g_assert_cmpint (write (held[i].fd, g_bytes_get_data (small, NULL),
                              g_bytes_get_size (small)), ==, (gssize) g_bytes_get_size (small));
      close (held[i].fd);
    }
  osais_ui_test_wait_until (loader_idle, loader, "the upload's thumbnail decoded");
  osais_ui_test_wait_until (bytes_released, &released, "the upload's bytes released");
  g_assert_true (released.freed_on != g_thread_self ());
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      osais_ui_test_wait_until (load_done, &results[i], "a held decoder's thumbnail");
      g_clear_object (&results[i].texture);
      g_clear_error (&results[i].error);
      g_free (held[i].path);
    }
  g_bytes_unref (released.png);
  osais_test_remove_tree (dir);
}

/* The first load writes a tile-size thumbnail; later loads, even by a new
 * loader, read it and not the original, until the original changes. */
static void
test_thumbnail_disk_cache (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-thumbs-XXXXXX", &error);
  g_autofree char *original = g_build_filename (dir, "out-1.png", NULL);
  g_autofree char *cache_dir = g_build_filename (dir, "thumbnails", NULL);
  g_autofree char *cache_path = NULL;
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 8);
  g_autoptr(GFile) file = g_file_new_for_path (original);
  g_autoptr(GBytes) png = osais_test_make_png (1024, 768, 3);
  g_autoptr(GBytes) other = osais_test_make_png (400, 800, 4);
  g_autofree char *garbage = g_malloc0 (g_bytes_get_size (png));
  g_autoptr(GdkPixbuf) cached = NULL;
  LoadResult result;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (original, g_bytes_get_data (png, NULL),
                                      g_bytes_get_size (png), NULL));
  set_mtime (original, 1700000000);
  osais_thumbnail_loader_set_cache_dir (loader, cache_dir);
  cache_path = osais_thumbnail_loader_dup_cache_path (loader, file);
  g_assert_true (g_str_has_prefix (cache_path, cache_dir));

  /* First load: decoded from the original, written at tile size. */
  result = load_fresh (cache_dir, original);
  g_assert_no_error (result.error);
  g_assert_cmpint (gdk_texture_get_width (result.texture), ==, 267);
  g_assert_cmpint (gdk_texture_get_height (result.texture), ==, 200);
  load_result_clear (&result);
  g_assert_cmpuint (count_files (cache_dir), ==, 1);
  cached = gdk_pixbuf_new_from_file (cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_height (cached), ==, 200);
  g_assert_cmpstr (gdk_pixbuf_get_option (cached, "tEXt::Thumb::MTime"), ==, "1700000000");

  /* The original replaced by bytes no decoder takes, same size and time: the
   * thumbnail still comes, so the original was not read. */
  g_assert_true (g_file_set_contents (original, garbage, g_bytes_get_size (png), NULL));
  set_mtime (original, 1700000000);
  result = load_fresh (cache_dir, original);
  g_assert_no_error (result.error);
  g_assert_cmpint (gdk_texture_get_height (result.texture), ==, 200);
  load_result_clear (&result);

  /* Changed (a later mtime): the stale thumbnail is not used. */
  set_mtime (original, 1700000100);
  result = load_fresh (cache_dir, original);
  g_assert_error (result.error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_NOT_AN_IMAGE);
  g_assert_null (result.texture);
  load_result_clear (&result);

  /* A new image there: decoded, and its thumbnail replaces the old one. */
  g_assert_true (g_file_set_contents (original, g_bytes_get_data (other, NULL),
                                      g_bytes_get_size (other), NULL));
  result = load_fresh (cache_dir, original);
  g_assert_no_error (result.error);
  g_assert_cmpint (gdk_texture_get_width (result.texture), ==, 200);
  g_assert_cmpint (gdk_texture_get_height (result.texture), ==, 400);
  load_result_clear (&result);
  g_assert_cmpuint (count_files (cache_dir), ==, 1);

  /* Gone: an error, not a stale thumbnail of what is no longer there. */
  g_assert_cmpint (g_unlink (original), ==, 0);
  result = load_fresh (cache_dir, original);
  g_assert_error (result.error, OSAIS_THUMBNAIL_ERROR, OSAIS_THUMBNAIL_ERROR_UNREADABLE);
  load_result_clear (&result);

  osais_test_remove_tree (dir);
}

typedef struct
{
  guint pending;
  guint cancelled;
  guint delivered;
} CancelState;

static void
cancelled_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CancelState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  texture = osais_thumbnail_loader_load_finish (OSAIS_THUMBNAIL_LOADER (object), result, &error);
  if (texture != NULL)
    state->delivered++;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state->cancelled++;
  state->pending--;
}

static gboolean
cancel_done (gpointer data)
{
  return ((CancelState *)data)->pending == 0;
}

#define N_CANCELLED 24

/* Requests cancelled (tiles scrolled away) deliver nothing, and those not yet
 * taken by one of the loader's two workers are never decoded. */
static void
test_thumbnail_cancelled (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-thumbs-XXXXXX", &error);
  g_autofree char *cache_dir = g_build_filename (dir, "thumbnails", NULL);
  g_autoptr(OsaisThumbnailLoader) loader = osais_thumbnail_loader_new (200, 64);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) already = g_cancellable_new ();
  g_autoptr(GBytes) png = osais_test_make_png (1024, 1024, 9);
  CancelState state = { 0 };
  guint n_written;

  g_assert_no_error (error);
  osais_thumbnail_loader_set_cache_dir (loader, cache_dir);
  for (guint i = 0; i < N_CANCELLED; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%u.png", dir, i);

      g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL),
                                          g_bytes_get_size (png), NULL));
    }

  /* Cancelled before asking: nothing is read. */
  {
    g_autofree char *path = g_strdup_printf ("%s/0.png", dir);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    g_cancellable_cancel (already);
    state.pending = 1;
    osais_thumbnail_loader_load_async (loader, file, already, cancelled_cb, &state);
    osais_ui_test_wait_until (cancel_done, &state, "the cancelled thumbnail");
    g_assert_cmpuint (state.cancelled, ==, 1);
    g_assert_cmpuint (count_files (cache_dir), ==, 0);
  }

  /* Cancelled while queued: the workers skip what they had not started. */
  state = (CancelState) { N_CANCELLED, 0, 0 };
  for (guint i = 0; i < N_CANCELLED; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%u.png", dir, i);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      osais_thumbnail_loader_load_async (loader, file, cancellable, cancelled_cb, &state);
    }
  g_cancellable_cancel (cancellable);
  osais_ui_test_wait_until (cancel_done, &state, "the cancelled thumbnails");
  /* Let a worker that was mid-decode finish writing, if it does. */
  osais_ui_test_settle (200);
  n_written = count_files (cache_dir);
  g_test_message ("%u of %u cancelled requests had been decoded", n_written, N_CANCELLED);

  g_assert_cmpuint (state.cancelled, ==, N_CANCELLED);
  g_assert_cmpuint (state.delivered, ==, 0);
  g_assert_cmpuint (osais_thumbnail_loader_get_n_cached (loader), ==, 0);
  /* At most what the two workers had started (a 1024² decode takes tens of
   * milliseconds; the requests are queued and cancelled within far less),
   * with room for one more each on a loaded machine. */
  g_assert_cmpuint (n_written, <=, 4);

  osais_test_remove_tree (dir);
}

/* Thumbnails in view first, and none for tiles scrolled away ------------- */

#define N_PIPE_JOBS     40
#define PIPE_JOB_IMAGES 5

/* Every image is a named pipe: a decoder that takes one waits in open()
 * until the test writes a PNG into it, so the test sees which request each
 * worker takes, in order, however slowly it runs. */
typedef struct
{
  GHashTable *pipes;  /* path → GBytes, the PNG to write; removed once written */
  GPtrArray  *taken;  /* paths, as the workers took them */
  GPtrArray  *opened; /* paths found taken by the last feed_pipes() */
} Pipes;

/* Writes their PNG into the pipes a worker has open; TRUE if any. */
static gboolean
feed_pipes (Pipes *pipes)
{
  GHashTableIter iter;
  gpointer key, value;

  g_ptr_array_set_size (pipes->opened, 0);
  g_hash_table_iter_init (&iter, pipes->pipes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      /* Succeeds only with a reader, here a worker waiting in open(). */
      int fd = open (key, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      gsize size = 0;
      const guint8 *data;

      if (fd < 0)
        {
          g_assert_cmpint (errno, ==, ENXIO);
          continue;
        }
      data = g_bytes_get_data (value, &size);
      /* A small PNG fits in the pipe's buffer: the write does not wait. */
      g_assert_cmpint (write (fd, data, size), ==, (gssize) size);
      close (fd);
      g_ptr_array_add (pipes->taken, g_strdup (key));
      g_ptr_array_add (pipes->opened, g_strdup (key));
      g_hash_table_iter_remove (&iter);
    }

  return pipes->opened->len > 0;
}

static gboolean
pipes_taken (gpointer data)
{
  return feed_pipes (data);
}

static gboolean
loader_idle_fed (gpointer data)
{
  feed_pipes (data);

  return osais_thumbnail_loader_get_n_pending (osais_thumbnail_loader_get_default ()) == 0;
}

static void
make_pipe (Pipes      *pipes,
           const char *path,
           guint       seed)
{
  g_assert_true (g_unlink (path) == 0 || errno == ENOENT);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_hash_table_insert (pipes->pipes, g_strdup (path), osais_test_make_png (16, 16, seed));
}

typedef struct
{
  OsaisGallery *gallery;
  GPtrArray    *in_view;  /* OsaisGalleryCell */
  GPtrArray    *away;
  Pipes        *pipes;
} Places;

/* Feeds the decoders until the cells in view show their thumbnails. */
static gboolean
in_view_shown_fed (gpointer data)
{
  Places *places = data;

  feed_pipes (places->pipes);
  for (guint i = 0; i < places->in_view->len; i++)
    if (osais_gallery_cell_get_paintable (places->in_view->pdata[i]) == NULL)
      return FALSE;

  return TRUE;
}

/* Where the test sees each bound cell showing an image: mapped (GTK 4.8's
 * grid keeps bound, unmapped, many more cells than it shows) and in the
 * scrolled window, or away. */
static void
find_places (Places *places)
{
  GtkWidget *grid = GTK_WIDGET (osais_gallery_get_grid_view (places->gallery));
  GtkWidget *viewport = osais_ui_test_find_descendant (GTK_WIDGET (places->gallery),
                                                       GTK_TYPE_SCROLLED_WINDOW);
  int height = gtk_widget_get_height (viewport);

  g_ptr_array_set_size (places->in_view, 0);
  g_ptr_array_set_size (places->away, 0);
  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      OsaisGalleryItem *item;
      graphene_rect_t bounds;

      if (!OSAIS_IS_GALLERY_CELL (cell) ||
          (item = osais_gallery_cell_get_item (OSAIS_GALLERY_CELL (cell))) == NULL ||
          osais_gallery_item_get_image (item) == NULL)
        continue;
      if (gtk_widget_get_mapped (child) && gtk_widget_compute_bounds (child, viewport, &bounds) &&
          bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < height)
        g_ptr_array_add (places->in_view, cell);
      else
        g_ptr_array_add (places->away, cell);
    }
}

static char *
cell_path (OsaisGalleryCell *cell)
{
  return g_file_get_path (osais_image_get_file (
    osais_gallery_item_get_image (osais_gallery_cell_get_item (cell))));
}

typedef struct
{
  GdkFrameClock *clock;
  gint64         after;
} FrameWait;

static gboolean
frame_drawn (gpointer data)
{
  FrameWait *wait = data;

  return gdk_frame_clock_get_frame_counter (wait->clock) > wait->after;
}

static gboolean
all_loading (gpointer data)
{
  Places *places = data;

  find_places (places);
  for (guint i = 0; i < places->in_view->len; i++)
    if (!osais_gallery_cell_get_loading (places->in_view->pdata[i]))
      return FALSE;

  return places->in_view->len > 0;
}

/* While both decoders are busy, the tiles in view ask for their thumbnails
 * and the others do not; scrolled away, a tile's waiting request is
 * cancelled (not only when its cell is recycled), and the decoders take
 * every tile in view next, before any queued earlier out of it, and never
 * one scrolled away. */
static void
test_thumbnails_in_view_first (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("osais-pipes-XXXXXX", &error);
  Pipes pipes = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref),
                  g_ptr_array_new_with_free_func (g_free),
                  g_ptr_array_new_with_free_func (g_free) };
  Places places = { NULL, g_ptr_array_new (), g_ptr_array_new (), &pipes };
  g_autoptr(GPtrArray) scrolled_away = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GtkAdjustment *vadjustment;
  guint n_first = 0;

  g_assert_no_error (error);
  osais_test_store_open (&fixture);
  for (guint i = 0; i < N_PIPE_JOBS; i++)
    {
      g_autoptr(OsaisJob) job = osais_test_store_create_job (fixture.store, 100 + i,
                                                               "{\"word\":\"pipes\"}");

      for (guint j = 0; j < PIPE_JOB_IMAGES; j++)
        {
          g_autoptr(OsaisImage) image = osais_test_store_add_image (fixture.store, 100 + i, j,
                                                                    16, 16);
          g_autofree char *path = g_file_get_path (osais_image_get_file (image));

          make_pipe (&pipes, path, i * PIPE_JOB_IMAGES + j);
        }
    }

  /* Both decoders held, so that every request the gallery makes waits. */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("hold-%u.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      make_pipe (&pipes, path, 1000 + i);
      osais_thumbnail_loader_load_async (loader, file, NULL, NULL, NULL);
    }

  gallery_window_open (&gw, 1024, 768);
  places.gallery = gw.gallery;
  osais_gallery_set_store (gw.gallery, fixture.store);
  osais_ui_test_wait_until (all_loading, &places, "requests for the tiles in view");

  /* Asked for in view, not at all away from it. */
  g_test_message ("At the top: %u cells in view, %u away", places.in_view->len,
                  places.away->len);
  g_assert_cmpuint (places.away->len, >, 0);
  for (guint i = 0; i < places.away->len; i++)
    g_assert_false (osais_gallery_cell_get_loading (places.away->pdata[i]));

  /* Half a page down: the top row's cells stay bound to their images (GTK
   * 4.8 keeps only a few rows above the first in view: further down, they
   * are bound to other images), out of view; their requests are cancelled. */
  {
    g_autoptr(GPtrArray) top = g_ptr_array_copy (places.in_view, NULL, NULL);
    g_autoptr(GPtrArray) top_items = g_ptr_array_new ();

    for (guint i = 0; i < top->len; i++)
      g_ptr_array_add (top_items, osais_gallery_cell_get_item (top->pdata[i]));
    vadjustment = gtk_scrollable_get_vadjustment (
      GTK_SCROLLABLE (osais_gallery_get_grid_view (gw.gallery)));
    gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_page_size (vadjustment) / 2);
    {
      FrameWait wait = { gtk_widget_get_frame_clock (GTK_WIDGET (gw.gallery)), 0 };

      /* Laid out at the new place: the frame after the next. */
      wait.after = gdk_frame_clock_get_frame_counter (wait.clock) + 1;
      osais_ui_test_wait_until (frame_drawn, &wait, "a frame");
    }
    osais_ui_test_wait_until (all_loading, &places, "requests for the tiles now in view");
    for (guint i = 0; i < places.away->len; i++)
      {
        guint index;

        if (g_ptr_array_find (top, places.away->pdata[i], &index) &&
            osais_gallery_cell_get_item (top->pdata[index]) == top_items->pdata[index])
          {
            g_assert_false (osais_gallery_cell_get_loading (places.away->pdata[i]));
            g_ptr_array_add (scrolled_away, cell_path (places.away->pdata[i]));
          }
      }
  }
  g_test_message ("Half a page down: %u cells in view, %u away, of which %u scrolled away "
                  "still bound", places.in_view->len, places.away->len, scrolled_away->len);
  g_assert_cmpuint (scrolled_away->len, >, 0);

  /* The decoders let go: they take the tiles in view before any other. */
  for (guint i = 0; i < places.in_view->len; i++)
    g_hash_table_add (wanted, cell_path (places.in_view->pdata[i]));
  while (n_first < g_hash_table_size (wanted))
    {
      osais_ui_test_wait_until (pipes_taken, &pipes, "a decoder to take a thumbnail");
      for (guint i = 0; i < pipes.opened->len; i++)
        {
          const char *path = pipes.opened->pdata[i];

          if (g_str_has_prefix (path, dir))
            continue;
          if (g_hash_table_contains (wanted, path))
            n_first++;
          else
            /* Taken at the same time as the last tile in view, by the
             * other decoder, at most. */
            g_assert_cmpuint (n_first + 1, >=, g_hash_table_size (wanted));
        }
    }

  /* Everything else decoded: never a tile that was scrolled away. */
  osais_ui_test_wait_until (in_view_shown_fed, &places, "the thumbnails in view");
  osais_ui_test_wait_until (loader_idle_fed, &pipes, "the other thumbnails");
  for (guint i = 0; i < scrolled_away->len; i++)
    g_assert_false (g_ptr_array_find_with_equal_func (pipes.taken, scrolled_away->pdata[i],
                                                      g_str_equal, NULL));

  gallery_window_close (&gw);
  osais_ui_test_wait_until (loader_idle_fed, &pipes, "the decoders");
  g_hash_table_unref (pipes.pipes);
  g_ptr_array_unref (pipes.taken);
  g_ptr_array_unref (pipes.opened);
  g_ptr_array_unref (places.in_view);
  g_ptr_array_unref (places.away);
  osais_test_store_close (&fixture);
  osais_test_remove_tree (dir);
}

static gboolean
file_gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_delete_with_undo (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) kept = NULL;
  g_autoptr(OsaisImage) doomed = NULL;
  g_autofree char *doomed_path = NULL;
  g_autofree char *thumbnail_path = NULL;
  GListModel *model;
  AdwToast *toast;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 20, "{\"word\":\"undo me\"}");
  kept = osais_test_store_add_image (fixture.store, 20, 0, 32, 32);
  doomed = osais_test_store_add_image (fixture.store, 20, 1, 32, 32);
  osais_test_store_notify (fixture.store, 20, OSAIS_STAGE_FINISHED, 0, NULL);
  doomed_path = g_file_get_path (osais_image_get_file (doomed));

  gallery_window_open (&gw, 800, 600);
  osais_gallery_set_store (gw.gallery, fixture.store);
  model = osais_gallery_get_model (gw.gallery);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  thumbnail_path = osais_thumbnail_loader_dup_cache_path (osais_thumbnail_loader_get_default (),
                                                          osais_image_get_file (doomed));
  osais_ui_test_wait_until (file_exists, thumbnail_path, "the cached thumbnail");

  /* Undo: hidden at once, back after Undo, the file never touched. */
  toast = osais_gallery_delete_image_with_undo (gw.gallery, doomed, job);
  adw_toast_overlay_add_toast (gw.overlay, toast);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  /* As a person would: the toast shows before it goes. */
  osais_ui_test_settle (400);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  osais_ui_test_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_true (get_image (model, 1) == doomed);
  g_assert_true (g_file_test (doomed_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (thumbnail_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 2);

  /* No undo: once the toast goes, the file, its thumbnail and the row go. */
  toast = osais_gallery_delete_image_with_undo (gw.gallery, doomed, job);
  adw_toast_overlay_add_toast (gw.overlay, toast);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  /* As a person would: the toast shows before it goes. */
  osais_ui_test_settle (400);
  g_assert_true (g_file_test (doomed_path, G_FILE_TEST_EXISTS));
  adw_toast_dismiss (toast);
  osais_ui_test_wait_until (file_gone, doomed_path, "the deleted file");
  osais_ui_test_wait_until (file_gone, thumbnail_path, "the deleted file's thumbnail");
  osais_ui_test_settle (100);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_true (get_image (model, 0) == kept);

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}


/* Favourites and selection ------------------------------------------------ */

static gboolean
image_favourite (gpointer data)
{
  return osais_image_get_favourite (data);
}

static gboolean
image_not_favourite (gpointer data)
{
  return !osais_image_get_favourite (data);
}

static OsaisGalleryCell *
find_image_cell (OsaisGallery *gallery,
                 OsaisImage   *image)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  collect_cells (GTK_WIDGET (gallery), cells);
  for (guint i = 0; i < cells->len; i++)
    {
      OsaisGalleryItem *item = osais_gallery_cell_get_item (cells->pdata[i]);

      if (item != NULL && osais_gallery_item_get_image (item) == image)
        return cells->pdata[i];
    }

  return NULL;
}

static void
assert_star_label (OsaisGalleryCell *cell,
                   const char       *label)
{
  g_autofree char *problem = NULL;
  g_autofree char *description_problem = NULL;

  problem = gtk_test_accessible_check_property (
      GTK_ACCESSIBLE (osais_gallery_cell_get_star_button (cell)),
      GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  g_assert_null (problem);
  /* What the tooltip says, made only when hovered. */
  description_problem = gtk_test_accessible_check_property (
      GTK_ACCESSIBLE (osais_gallery_cell_get_star_button (cell)),
      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
      g_str_equal (label, "Star") ? "Add to Favourites (S)" : "Remove from Favourites (S)");
  g_assert_null (description_problem);
}

/* A tile's star stars its image in the store, says "Unstar" then, and stays
 * shown; S on the focused tile does the same, and the star says so. */
/* The keyboard focus lands on the grid's item around a tile: it is named as
 * the tile is ("Image 2 of 2 — prompt — engine"). */
static gboolean
cell_has_star (gpointer data)
{
  return osais_ui_test_find_descendant (data, GTK_TYPE_BUTTON) != NULL;
}

static void
test_tile_focus_named (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  OsaisGalleryCell *cell;
  GtkWidget *item;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 20, "{\"word\":\"two lighthouses\"}");
  first = osais_test_store_add_image (fixture.store, 20, 0, 32, 32);
  second = osais_test_store_add_image (fixture.store, 20, 1, 32, 32);
  osais_test_store_notify (fixture.store, 20, OSAIS_STAGE_FINISHED, 1, NULL);

  gallery_window_open (&gw, 800, 600);
  osais_gallery_set_store (gw.gallery, fixture.store);
  osais_ui_test_settle (200);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *label = g_strdup_printf ("Image %u of 2 — two lighthouses — %s", i + 1,
                                                osais_job_get_engine (job));
      g_autofree char *problem = NULL;

      cell = find_image_cell (gw.gallery, i == 0 ? first : second);
      g_assert_nonnull (cell);
      item = gtk_widget_get_parent (GTK_WIDGET (cell));
      g_assert_true (gtk_widget_grab_focus (item));
      g_assert_true (gtk_widget_has_focus (item));
      /* The focus shows the tile's star (made then, at idle, see
       * tile-star-made-when-shown). */
      osais_ui_test_wait_until (cell_has_star, cell, "the focused tile's star");
      problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (item),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      g_assert_null (problem);
    }

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

static void
test_tile_star (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  OsaisGalleryCell *cell;
  GtkWidget *star;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 20, "{\"word\":\"a star\"}");
  image = osais_test_store_add_image (fixture.store, 20, 0, 32, 32);
  osais_test_store_notify (fixture.store, 20, OSAIS_STAGE_FINISHED, 0, NULL);

  gallery_window_open (&gw, 800, 600);
  osais_gallery_set_store (gw.gallery, fixture.store);
  osais_ui_test_settle (200);
  cell = find_image_cell (gw.gallery, image);
  g_assert_nonnull (cell);
  star = osais_gallery_cell_get_star_button (cell);
  assert_star_label (cell, "Star");
  g_assert_false (gtk_widget_has_css_class (star, "starred"));
  /* Not a Tab stop (a grid of them would be slow to cross): S on the tile,
   * which screen readers are told. */
  g_assert_false (gtk_widget_get_focusable (star));
  {
    g_autofree char *problem = gtk_test_accessible_check_property (
      GTK_ACCESSIBLE (star), GTK_ACCESSIBLE_PROPERTY_KEY_SHORTCUTS, "S");

    g_assert_null (problem);
  }

  gtk_widget_activate (star);
  osais_ui_test_wait_until (image_favourite, image, "the image starred by its tile");
  assert_star_label (cell, "Unstar");
  g_assert_true (gtk_widget_has_css_class (star, "starred"));

  /* S on the focused tile takes the star away. */
  g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (cell))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gw.gallery), "gallery.star-focused",
                                             NULL));
  osais_ui_test_wait_until (image_not_favourite, image, "the image unstarred by S");
  assert_star_label (cell, "Star");

  gallery_window_close (&gw);
  osais_test_store_close (&fixture);
}

/* Four images of one job, in the gallery in their order: images[i] at position i. */
/* The selection tests' start: a history of one job of four images, shown
 * in an 800×600 gallery. */
static void
open_four_images (OsaisTestStore *fixture,
                  GalleryWindow  *gw,
                  OsaisJob      **job,
                  OsaisImage     *images[4])
{
  osais_test_store_open (fixture);
  *job = osais_test_store_create_job (fixture->store, 30,
                                      "{\"word\":\"four foxes\",\"steps\":\"12\"}");
  for (int i = 0; i < 4; i++)
    images[i] = osais_test_store_add_image (fixture->store, 30, i, 32, 32);
  osais_test_store_notify (fixture->store, 30, OSAIS_STAGE_FINISHED, 0, NULL);
  gallery_window_open (gw, 800, 600);
  osais_gallery_set_store (gw->gallery, fixture->store);
}

/* Their end: the gallery finalized, the history closed. */
static void
close_four_images (OsaisTestStore *fixture,
                   GalleryWindow  *gw,
                   OsaisJob      **job,
                   OsaisImage     *images[4])
{
  gallery_window_close (gw);
  g_clear_object (job);
  for (int i = 0; i < 4; i++)
    g_clear_object (&images[i]);
  osais_test_store_close (fixture);
}

/* Setting the history asks at once for the first screen's thumbnails,
 * before any layout: a gallery in no window lays out nothing, and its
 * tiles ask for nothing, yet the first images' thumbnails come into the
 * cache; an image beyond any first screen's does not. A gallery dropped
 * while they are under way leaves nothing behind. */
static void
test_first_screen_prefetched (void)
{
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisGallery) gallery = NULL;
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[40] = { NULL };

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 40, "{\"word\":\"forty\"}");
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    images[i] = osais_test_store_add_image (fixture.store, 40, i, 32, 32);
  osais_test_store_notify (fixture.store, 40, OSAIS_STAGE_FINISHED, 0, NULL);

  /* A gallery gone while its prefetch is under way: the requests are
   * cancelled, and their answers find nothing of it. */
  gallery = OSAIS_GALLERY (g_object_ref_sink (osais_gallery_new ()));
  osais_gallery_set_store (gallery, fixture.store);
  g_assert_cmpuint (osais_thumbnail_loader_get_n_pending (loader), >, 0);
  osais_gallery_set_store (gallery, NULL);
  g_assert_finalize_object (g_steal_pointer (&gallery));
  osais_ui_test_wait_until (loader_idle, loader, "the cancelled prefetch");

  gallery = OSAIS_GALLERY (g_object_ref_sink (osais_gallery_new ()));
  osais_gallery_set_store (gallery, fixture.store);
  osais_ui_test_wait_until (loader_idle, loader, "the first screen's thumbnails");

  /* In no window, the gallery counts on 900 px of height: four columns of
   * tiles of 140 px or more, seven rows, 28 tiles at most. */
  for (guint i = 0; i < 8; i++)
    g_assert_nonnull (osais_thumbnail_loader_lookup (loader, osais_image_get_file (images[i])));
  g_assert_null (osais_thumbnail_loader_lookup (loader, osais_image_get_file (images[39])));
  g_assert_null (gtk_widget_get_root (GTK_WIDGET (gallery)));

  osais_gallery_set_store (gallery, NULL);
  g_assert_finalize_object (g_steal_pointer (&gallery));
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    g_clear_object (&images[i]);
  osais_test_store_close (&fixture);
}

/* A tile bound before its thumbnail was cached (by the start-up prefetch,
 * or by another tile of the same image) takes it from the cache once in
 * view, in the same layout, instead of asking for it again. */
static void
test_tile_takes_cached_thumbnail_in_view (void)
{
  OsaisThumbnailLoader *loader = osais_thumbnail_loader_get_default ();
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisGalleryModel) model = NULL;
  g_autoptr(OsaisGalleryItem) item = NULL;
  g_autoptr(OsaisGalleryCell) cell = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autofree char *cache_dir = NULL;
  LoadState state = { 0 };

  osais_test_store_open (&fixture);
  cache_dir = g_build_filename (fixture.dir, "thumbnails", NULL);
  osais_thumbnail_loader_set_cache_dir (loader, cache_dir);
  job = osais_test_store_create_job (fixture.store, 41, "{\"word\":\"one\"}");
  image = osais_test_store_add_image (fixture.store, 41, 0, 32, 32);
  osais_test_store_notify (fixture.store, 41, OSAIS_STAGE_FINISHED, 0, NULL);
  model = osais_gallery_model_new (fixture.store);
  item = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (osais_gallery_item_get_image (item) == image);

  cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));
  osais_gallery_cell_set_item (cell, item);
  g_assert_null (osais_gallery_cell_get_paintable (cell));

  state.loader = loader;
  state.pending = 1;
  osais_thumbnail_loader_load_async (loader, osais_image_get_file (image), NULL, thumbnail_cb,
                                     &state);
  osais_ui_test_wait_until (loads_done, &state, "the thumbnail cached");
  g_assert_null (osais_gallery_cell_get_paintable (cell));

  osais_gallery_cell_set_in_view (cell, TRUE);
  g_assert_nonnull (osais_gallery_cell_get_paintable (cell));
  g_assert_false (osais_gallery_cell_get_loading (cell));
  g_assert_cmpuint (osais_thumbnail_loader_get_n_pending (loader), ==, 0);

  osais_gallery_cell_set_item (cell, NULL);
  osais_gallery_model_set_store (model, NULL);
  osais_test_store_close (&fixture);
}

/* Every bound cell's position names its own item in the grid's model. */
static void
assert_cell_positions (GalleryWindow *gw)
{
  GtkGridView *grid = osais_gallery_get_grid_view (gw->gallery);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (grid));
  guint n_bound = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (grid)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);
      g_autoptr(OsaisGalleryItem) item = NULL;
      guint position;

      if (!OSAIS_IS_GALLERY_CELL (cell) ||
          osais_gallery_cell_get_item (OSAIS_GALLERY_CELL (cell)) == NULL)
        continue;
      position = osais_gallery_cell_get_position (OSAIS_GALLERY_CELL (cell));
      g_assert_cmpuint (position, <, g_list_model_get_n_items (shown));
      item = g_list_model_get_item (shown, position);
      g_assert_true (item == osais_gallery_cell_get_item (OSAIS_GALLERY_CELL (cell)));
      n_bound++;
    }
  g_assert_cmpuint (n_bound, >, 0);
}

/* Images that arrive in a job above others move every tile after them; a
 * cell reads its position from its list item when asked, so selecting one
 * still selects the image it shows. */
static void
test_cell_positions_follow_insertions (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) newer = NULL;
  OsaisImage *images[4] = { NULL };
  g_autoptr(OsaisImage) arrived = NULL;
  g_autoptr(OsaisGalleryItem) selected = NULL;
  GtkSelectionModel *selection;
  OsaisGalleryCell *cell;

  open_four_images (&fixture, &gw, &job, images);
  osais_ui_test_settle (200);
  assert_cell_positions (&gw);

  /* A newer job's card, then its first image, both above the four. */
  newer = osais_test_store_create_job (fixture.store, 31, "{\"word\":\"newer\"}");
  osais_ui_test_settle (100);
  assert_cell_positions (&gw);
  arrived = osais_test_store_add_image (fixture.store, 31, 0, 32, 32);
  osais_ui_test_settle (100);
  assert_cell_positions (&gw);

  cell = find_image_cell (gw.gallery, images[2]);
  g_assert_nonnull (cell);
  selection = osais_gallery_get_selection (gw.gallery);
  g_assert_true (gtk_selection_model_select_item (selection,
                                                  osais_gallery_cell_get_position (cell), FALSE));
  selected = g_list_model_get_item (G_LIST_MODEL (selection),
                                    osais_gallery_cell_get_position (cell));
  g_assert_true (osais_gallery_item_get_image (selected) == images[2]);
  g_assert_true (gtk_selection_model_is_selected (selection, 4));

  close_four_images (&fixture, &gw, &job, images);
}

/* Three tiles selected: two through the selection model (as Ctrl+click and
 * the rubber band do), the third by activating it in selection mode. */
static void
select_three (GalleryWindow *gw)
{
  GtkSelectionModel *selection = osais_gallery_get_selection (gw->gallery);

  g_assert_false (osais_gallery_get_selection_mode (gw->gallery));
  g_assert_true (gtk_selection_model_select_item (selection, 0, FALSE));
  g_assert_true (osais_gallery_get_selection_mode (gw->gallery));
  g_assert_true (gtk_selection_model_select_item (selection, 1, FALSE));
  g_signal_emit_by_name (osais_gallery_get_grid_view (gw->gallery), "activate", 2);
  g_assert_cmpuint (gtk_bitset_get_size (gtk_selection_model_get_selection (selection)), ==, 3);
  g_assert_cmpstr (osais_gallery_get_selection_label (gw->gallery), ==, "3 Selected");
}

static void
image_activated_cb (OsaisGallery *gallery,
                    OsaisImage   *image,
                    OsaisJob     *job,
                    guint        *n_activated)
{
  (*n_activated)++;
}

/* Selection mode comes with the first selected tile; activating a tile
 * then selects it instead of opening it; Escape leaves. */
static void
test_selection_mode (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };
  GtkSelectionModel *selection;
  GtkGridView *grid;
  guint n_activated = 0;

  open_four_images (&fixture, &gw, &job, images);
  selection = osais_gallery_get_selection (gw.gallery);
  grid = osais_gallery_get_grid_view (gw.gallery);
  g_signal_connect (gw.gallery, "image-activated", G_CALLBACK (image_activated_cb),
                    &n_activated);

  select_three (&gw);
  g_assert_cmpuint (n_activated, ==, 0);
  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (GTK_WIDGET (gw.window), "gallery-selection-mode.png");
  /* Activating a selected tile unselects it. */
  g_signal_emit_by_name (grid, "activate", 1);
  g_assert_false (gtk_selection_model_is_selected (selection, 1));
  g_assert_cmpstr (osais_gallery_get_selection_label (gw.gallery), ==, "2 Selected");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gw.gallery), "gallery.leave-selection",
                                             NULL));
  g_assert_false (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_true (gtk_bitset_is_empty (gtk_selection_model_get_selection (selection)));
  /* Out of selection mode, activating opens. */
  g_signal_emit_by_name (grid, "activate", 1);
  g_assert_cmpuint (n_activated, ==, 1);

  /* Ctrl+A (the grid's select-all) selects every tile. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (grid), "list.select-all", NULL));
  g_assert_true (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_cmpstr (osais_gallery_get_selection_label (gw.gallery), ==, "4 Selected");

  close_four_images (&fixture, &gw, &job, images);
}

static void
notified_cb (GObject    *object,
             GParamSpec *pspec,
             guint      *n_notified)
{
  (*n_notified)++;
}

/* The Select button's way in, for touch and keyboard: selection mode with
 * nothing selected yet, where a tap or Enter on a tile selects it; it
 * stays on with the last tile unselected, until Escape (or the button). */
static void
test_select_button (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };
  GtkSelectionModel *selection;
  GtkGridView *grid;
  guint n_activated = 0;
  guint n_notified = 0;
  gboolean mode = FALSE;

  open_four_images (&fixture, &gw, &job, images);
  selection = osais_gallery_get_selection (gw.gallery);
  grid = osais_gallery_get_grid_view (gw.gallery);
  g_signal_connect (gw.gallery, "image-activated", G_CALLBACK (image_activated_cb),
                    &n_activated);
  g_signal_connect (gw.gallery, "notify::selection-mode", G_CALLBACK (notified_cb),
                    &n_notified);

  g_object_set (gw.gallery, "selection-mode", TRUE, NULL);
  g_object_get (gw.gallery, "selection-mode", &mode, NULL);
  g_assert_true (mode);
  g_assert_cmpuint (n_notified, ==, 1);
  g_assert_true (gtk_bitset_is_empty (gtk_selection_model_get_selection (selection)));
  g_assert_cmpstr (osais_gallery_get_selection_label (gw.gallery), ==, "Select Images");
  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (GTK_WIDGET (gw.window), "gallery-select-button.png");

  /* Enter (or a tap) selects, and again unselects: still in the mode. */
  g_signal_emit_by_name (grid, "activate", 2);
  g_assert_true (gtk_selection_model_is_selected (selection, 2));
  g_assert_cmpstr (osais_gallery_get_selection_label (gw.gallery), ==, "1 Selected");
  g_signal_emit_by_name (grid, "activate", 2);
  g_assert_false (gtk_selection_model_is_selected (selection, 2));
  g_assert_true (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_cmpuint (n_activated, ==, 0);

  /* Escape's action leaves it, with nothing selected to unselect. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gw.gallery), "gallery.leave-selection",
                                             NULL));
  g_assert_false (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_cmpuint (n_notified, ==, 2);
  g_signal_emit_by_name (grid, "activate", 2);
  g_assert_cmpuint (n_activated, ==, 1);

  /* The button released: the mode and its selection go. */
  g_object_set (gw.gallery, "selection-mode", TRUE, NULL);
  g_signal_emit_by_name (grid, "activate", 0);
  g_object_set (gw.gallery, "selection-mode", FALSE, NULL);
  g_assert_false (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_true (gtk_bitset_is_empty (gtk_selection_model_get_selection (selection)));

  g_signal_handlers_disconnect_by_data (gw.gallery, &n_activated);
  g_signal_handlers_disconnect_by_data (gw.gallery, &n_notified);
  close_four_images (&fixture, &gw, &job, images);
}

#ifdef OSAIS_TEST_HAVE_XTEST
typedef struct
{
  GtkSelectionModel *selection;
  guint              n_selected;
} SelectionCount;

static gboolean
n_selected_is (gpointer data)
{
  SelectionCount *count = data;

  return gtk_bitset_get_size (gtk_selection_model_get_selection (count->selection)) ==
         count->n_selected;
}

static void
click_tile (GalleryWindow *gw,
            OsaisImage    *image,
            gulong         keysym)
{
  OsaisGalleryCell *cell = find_image_cell (gw->gallery, image);

  g_assert_nonnull (cell);
  osais_ui_test_click (osais_ui_test_pointer_over (GTK_WIDGET (cell)), 1, keysym);
}
#endif

/* Real pointer input, through the X server: hovering selects nothing,
 * Ctrl+click selects a tile without opening it, Shift+click selects up to
 * another, and in selection mode a plain click unselects. */
static void
test_select_by_clicks (void)
{
#ifdef OSAIS_TEST_HAVE_XTEST
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };
  SelectionCount count = { 0 };
  guint n_activated = 0;

  if (!osais_ui_test_have_xtest ())
    {
      g_test_skip ("Needs an X server with XTEST");
      return;
    }

  open_four_images (&fixture, &gw, &job, images);
  osais_ui_test_settle (200);
  count.selection = osais_gallery_get_selection (gw.gallery);
  g_signal_connect (gw.gallery, "image-activated", G_CALLBACK (image_activated_cb),
                    &n_activated);

  /* Hovering a tile selects nothing (GTK 4.8's grid asks it to). */
  osais_ui_test_pointer_over (GTK_WIDGET (find_image_cell (gw.gallery, images[3])));
  osais_ui_test_settle (200);
  g_assert_false (osais_gallery_get_selection_mode (gw.gallery));

  click_tile (&gw, images[0], XK_Control_L);
  count.n_selected = 1;
  osais_ui_test_wait_until (n_selected_is, &count, "a tile selected by Ctrl+click");
  g_assert_true (gtk_selection_model_is_selected (count.selection, 0));
  g_assert_true (osais_gallery_get_selection_mode (gw.gallery));

  click_tile (&gw, images[2], XK_Shift_L);
  count.n_selected = 3;
  osais_ui_test_wait_until (n_selected_is, &count, "three tiles selected by Shift+click");
  g_assert_cmpstr (osais_gallery_get_selection_label (gw.gallery), ==, "3 Selected");

  click_tile (&gw, images[1], 0);
  count.n_selected = 2;
  osais_ui_test_wait_until (n_selected_is, &count, "a tile unselected by a click");
  g_assert_false (gtk_selection_model_is_selected (count.selection, 1));
  osais_ui_test_settle (100);
  g_assert_cmpuint (n_activated, ==, 0);

  g_signal_handlers_disconnect_by_data (gw.gallery, &n_activated);
  close_four_images (&fixture, &gw, &job, images);
#else
  g_test_skip ("Built without XTEST");
#endif
}

static void
test_delete_selected_with_undo (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };
  g_autofree char *paths[3] = { NULL };
  GListModel *model;
  AdwToast *toast;

  open_four_images (&fixture, &gw, &job, images);
  for (int i = 0; i < 3; i++)
    paths[i] = g_file_get_path (osais_image_get_file (images[i]));
  model = osais_gallery_get_model (gw.gallery);

  select_three (&gw);
  toast = osais_gallery_delete_selected_with_undo (gw.gallery);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_title (toast), ==, "3 images deleted");
  adw_toast_overlay_add_toast (gw.overlay, toast);
  g_assert_false (osais_gallery_get_selection_mode (gw.gallery));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_true (get_image (model, 0) == images[3]);

  /* Undo brings the three back, their files untouched. */
  osais_ui_test_settle (300);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  osais_ui_test_settle (200);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
  for (int i = 0; i < 3; i++)
    g_assert_true (g_file_test (paths[i], G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 4);

  /* Without undo, the three go from the store and the disk. */
  select_three (&gw);
  toast = osais_gallery_delete_selected_with_undo (gw.gallery);
  adw_toast_overlay_add_toast (gw.overlay, toast);
  osais_ui_test_settle (300);
  adw_toast_dismiss (toast);
  for (int i = 0; i < 3; i++)
    osais_ui_test_wait_until (file_gone, paths[i], "a deleted file");
  osais_ui_test_settle (100);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_true (get_image (model, 0) == images[3]);

  for (int i = 0; i < 3; i++)
    g_clear_pointer (&paths[i], g_free);
  close_four_images (&fixture, &gw, &job, images);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_arrived (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Three PNGs in the chosen folder, each with the job's parameters inside;
 * a file already there under one of their names is kept, the export named
 * beside it. */
static void
test_export_selected (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };
  g_autofree char *folder_path = NULL;
  g_autofree char *taken_path = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *taken_contents = NULL;
  const char *name;
  guint n_png = 0;

  open_four_images (&fixture, &gw, &job, images);
  folder_path = g_build_filename (fixture.dir, "export", NULL);
  g_assert_cmpint (g_mkdir (folder_path, 0700), ==, 0);
  /* Position 0 is the first image of its job. */
  taken_path = g_build_filename (folder_path, "four-foxes-30-1.png", NULL);
  g_assert_true (g_file_set_contents (taken_path, "mine", -1, NULL));
  folder = g_file_new_for_path (folder_path);

  select_three (&gw);
  osais_gallery_export_selected_async (gw.gallery, folder, NULL, store_result_cb, &result);
  osais_ui_test_wait_until (result_arrived, &result, "the export");
  g_assert_cmpuint (osais_gallery_export_selected_finish (gw.gallery, result, &error), ==, 3);
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (taken_path, &taken_contents, NULL, NULL));
  g_assert_cmpstr (taken_contents, ==, "mine");
  dir = g_dir_open (folder_path, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder_path, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GHashTable) texts = NULL;
      g_autofree char *engine = NULL;
      g_autoptr(JsonObject) parameters = NULL;
      const char *source = NULL;
      gsize length;

      if (g_strcmp0 (path, taken_path) == 0)
        continue;
      g_assert_true (g_str_has_suffix (name, ".png"));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      texts = osais_png_text_read (bytes, &error);
      g_assert_no_error (error);
      g_assert_nonnull (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_A1111_KEYWORD));
      g_assert_true (osais_png_text_extract_parameters (texts, &engine, &parameters, &source));
      g_assert_cmpstr (json_object_get_string_member (parameters, "word"), ==, "four foxes");
      g_assert_cmpstr (json_object_get_string_member (parameters, "steps"), ==, "12");
      n_png++;
    }
  g_assert_cmpuint (n_png, ==, 3);
  g_assert_true (g_file_test (folder_path, G_FILE_TEST_IS_DIR));
  {
    g_autofree char *beside = g_build_filename (folder_path, "four-foxes-30-1 (2).png", NULL);

    g_assert_true (g_file_test (beside, G_FILE_TEST_EXISTS));
  }

  close_four_images (&fixture, &gw, &job, images);
}

static gboolean
three_favourite (gpointer data)
{
  OsaisImage **images = data;

  return osais_image_get_favourite (images[0]) && osais_image_get_favourite (images[1]) &&
         osais_image_get_favourite (images[2]);
}

static gboolean
three_not_favourite (gpointer data)
{
  OsaisImage **images = data;

  return !osais_image_get_favourite (images[0]) && !osais_image_get_favourite (images[1]) &&
         !osais_image_get_favourite (images[2]);
}

/* Star all stars the three in the store (not the fourth); again, with all
 * three starred, takes the stars away. */
static void
test_star_selected (void)
{
  OsaisTestStore fixture = { 0 };
  GalleryWindow gw = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  OsaisImage *images[4] = { NULL };

  open_four_images (&fixture, &gw, &job, images);

  select_three (&gw);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gw.gallery), "gallery.star-selected",
                                             NULL));
  osais_ui_test_wait_until (three_favourite, images, "the three images starred");
  g_assert_false (osais_image_get_favourite (images[3]));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gw.gallery), "gallery.star-selected",
                                             NULL));
  osais_ui_test_wait_until (three_not_favourite, images, "the three images unstarred");

  close_four_images (&fixture, &gw, &job, images);
}

/* Idle ------------------------------------------------------------------- */

typedef struct
{
  OsaisApplication *app;
  GtkWidget        *window;
  guint             n_windows;
  gint64            frames;
} IdleRun;

static gboolean
gallery_shown (gpointer data)
{
  IdleRun *run = data;
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  run->window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));
  if (run->window == NULL)
    return FALSE;

  collect_cells (GTK_WIDGET (osais_window_get_gallery (OSAIS_WINDOW (run->window))), cells);
  if (cells->len != 3)
    return FALSE;
  for (guint i = 0; i < cells->len; i++)
    if (osais_gallery_cell_get_paintable (cells->pdata[i]) == NULL)
      return FALSE;

  return TRUE;
}

#define IDLE_WINDOW_MS 1500
#define IDLE_MAX_WINDOWS 16

static void
check_idle (IdleRun *run)
{
  GdkFrameClock *clock;

  osais_ui_test_wait_until (gallery_shown, run, "the gallery's three thumbnails");
  clock = gtk_widget_get_frame_clock (run->window);

  /* Settled is when a whole window of time passes without a frame. Start-up
   * (the offline login, the status line) may draw for a while on a loaded
   * machine, so several windows are allowed; a window that never settles,
   * as one animating something hidden, draws in every one of them. */
  for (run->n_windows = 1; run->n_windows <= IDLE_MAX_WINDOWS; run->n_windows++)
    {
      gint64 start = gdk_frame_clock_get_frame_counter (clock);

      osais_ui_test_settle (IDLE_WINDOW_MS);
      run->frames = gdk_frame_clock_get_frame_counter (clock) - start;
      g_test_message ("%" G_GINT64_FORMAT " frames in %d ms", run->frames, IDLE_WINDOW_MS);
      if (run->frames == 0)
        break;
    }

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* The whole application on a small history, once its gallery shows: nothing
 * moves, so nothing is drawn. */
static void
test_idle_draws_nothing (void)
{
  static const char * const args[] = { "--simulator", NULL };
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  IdleRun run = { 0 };

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 30, "{\"word\":\"quiet\"}");
  for (int i = 0; i < 3; i++)
    g_object_unref (osais_test_store_add_image (fixture.store, 30, i, 64, 48));
  osais_test_store_notify (fixture.store, 30, OSAIS_STAGE_FINISHED, 0, NULL);
  g_clear_object (&job);
  /* Closed, so that the application opens the folder as its own. */
  osais_store_close (fixture.store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fixture.store);

  /* The focused prompt's cursor blinks, drawing every frame, for GTK's
   * gtk-cursor-blink-timeout (10 s) after the last key: by design, and not
   * what this test looks for. */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  run.app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run.app), fixture.dir, args,
                                 (GSourceOnceFunc) check_idle, &run);
  g_clear_object (&run.app);
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", TRUE, NULL);

  g_test_message ("Settled after %u windows of %d ms", run.n_windows, IDLE_WINDOW_MS);
  g_assert_cmpint (run.frames, ==, 0);

  /* The gallery kept its thumbnails in the data folder's cache. */
  {
    g_autofree char *cache_dir = g_build_filename (fixture.dir, "thumbnails", NULL);

    g_assert_cmpuint (count_files (cache_dir), ==, 3);
  }

  osais_test_remove_tree (fixture.dir);
  g_free (fixture.dir);
}

/* First frame before the whole history ----------------------------------- */

/* Many old jobs (cheap: no images, so each is one finished card) under a
 * few new ones with images: reading the old ones takes the store's writer
 * a good part of a second, showing the new ones a frame or two. */
#define N_OLD_JOBS  10000
#define N_NEW_JOBS  12
/* The cells of osais-gallery.ui's grid (6 × 30 + 32), and a selection. */
#define MAX_LIVE_ITEMS  (6 * 30 + 32 + 1)

typedef struct
{
  OsaisApplication *app;
  GtkWidget        *window;
  OsaisGallery     *gallery;
  GdkFrameClock    *clock;
  gboolean          content;
  gboolean          loaded_at_content;
  guint             n_items_at_content;
} FirstFrameRun;

static gboolean
gallery_shows_thumbnail (OsaisGallery *gallery)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  collect_cells (GTK_WIDGET (gallery), cells);
  for (guint i = 0; i < cells->len; i++)
    if (osais_gallery_cell_get_paintable (cells->pdata[i]) != NULL)
      return TRUE;

  return FALSE;
}

static void
first_frame_after_paint_cb (GdkFrameClock *clock,
                            FirstFrameRun *run)
{
  OsaisStore *store = osais_gallery_get_store (run->gallery);

  if (run->content || store == NULL || !gallery_shows_thumbnail (run->gallery))
    return;

  run->content = TRUE;
  run->loaded_at_content = osais_store_get_history_loaded (store);
  run->n_items_at_content = g_list_model_get_n_items (osais_gallery_get_model (run->gallery));
}

static void
first_frame_realize_cb (GtkWidget     *window,
                        FirstFrameRun *run)
{
  run->clock = g_object_ref (gtk_widget_get_frame_clock (window));
  g_signal_connect (run->clock, "after-paint", G_CALLBACK (first_frame_after_paint_cb), run);
}

static gboolean
first_content_drawn (gpointer data)
{
  return ((FirstFrameRun *) data)->content;
}

static gboolean
history_loaded (gpointer data)
{
  FirstFrameRun *run = data;
  OsaisStore *store = osais_gallery_get_store (run->gallery);

  return store != NULL && osais_store_get_history_loaded (store);
}

static void
check_first_frame (FirstFrameRun *run)
{
  OsaisGalleryModel *model;
  GtkAdjustment *adjustment;

  /* Activated, not drawn yet: every frame is watched. */
  run->window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (run->app)));
  g_assert_nonnull (run->window);
  run->gallery = osais_window_get_gallery (OSAIS_WINDOW (run->window));
  if (gtk_widget_get_realized (run->window))
    first_frame_realize_cb (run->window, run);
  else
    g_signal_connect (run->window, "realize", G_CALLBACK (first_frame_realize_cb), run);

  osais_ui_test_wait_until (first_content_drawn, run, "the first frame with a thumbnail");
  osais_ui_test_wait_until (history_loaded, run, "the whole history");
  g_signal_handlers_disconnect_by_data (run->clock, run);
  g_signal_handlers_disconnect_by_data (run->window, run);
  g_clear_object (&run->clock);

  g_test_message ("First frame with a thumbnail: %u items of %d in the model",
                  run->n_items_at_content, N_OLD_JOBS + N_NEW_JOBS);
  g_assert_false (run->loaded_at_content);
  g_assert_cmpuint (run->n_items_at_content, <, N_OLD_JOBS);
  /* Then every job: a card for each old one, an image for each new one. */
  g_assert_cmpuint (g_list_model_get_n_items (osais_gallery_get_model (run->gallery)), ==,
                    N_OLD_JOBS + N_NEW_JOBS);

  /* Made when the grid asks, not for the whole history: at the top, then
   * after a pass to the bottom, only what the grid holds (GTK 4.8 keeps
   * max-columns × 30 rows + 32 cells) is alive. */
  model = OSAIS_GALLERY_MODEL (osais_gallery_get_model (run->gallery));
  g_test_message ("Live items at the top: %u", osais_gallery_model_get_n_live_items (model));
  g_assert_cmpuint (osais_gallery_model_get_n_live_items (model), <=, MAX_LIVE_ITEMS);
  adjustment = gtk_scrollable_get_vadjustment (
    GTK_SCROLLABLE (osais_gallery_get_grid_view (run->gallery)));
  for (int i = 1; i <= 8; i++)
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) * i / 8);
      osais_ui_test_settle (50);
    }
  g_test_message ("Live items at the bottom: %u", osais_gallery_model_get_n_live_items (model));
  g_assert_cmpuint (osais_gallery_model_get_n_live_items (model), <=, MAX_LIVE_ITEMS);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* The window shows the newest jobs while the store still reads the older
 * ones: start-up does not wait for the whole history; and the gallery's
 * items are made as the grid asks for them, not one for each job. */
static void
test_first_frame_before_whole_history (void)
{
  static const char * const args[] = { "--simulator", NULL };
  OsaisTestStore fixture = { 0 };
  Counter counter = { 0 };
  FirstFrameRun run = { 0 };

  osais_test_store_open (&fixture);
  counter.pending = N_OLD_JOBS;
  for (guint i = 0; i < N_OLD_JOBS; i++)
    osais_store_create_job_async (fixture.store, 0, 1000 + i, "t", "diffusion",
                                  "{\"word\":\"old\"}", NULL, count_down_cb, &counter);
  osais_ui_test_wait_until (counter_done, &counter, "old jobs");
  finish_jobs (fixture.store, 1000, N_OLD_JOBS);

  for (guint i = 0; i < N_NEW_JOBS; i++)
    {
      g_autoptr(OsaisJob) job = osais_test_store_create_job (fixture.store, 100000 + i,
                                                             "{\"word\":\"new\"}");

      g_object_unref (osais_test_store_add_image (fixture.store, 100000 + i, 0, 64, 48));
      osais_test_store_notify (fixture.store, 100000 + i, OSAIS_STAGE_FINISHED, 0, NULL);
    }
  /* Closed, so that the application opens the folder as its own. */
  osais_store_close (fixture.store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fixture.store);

  run.app = osais_application_new ();
  osais_ui_test_run_application (G_APPLICATION (run.app), fixture.dir, args,
                                 (GSourceOnceFunc) check_first_frame, &run);
  g_clear_object (&run.app);

  osais_test_remove_tree (fixture.dir);
  g_free (fixture.dir);
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);
  /* The screenshots as the application looks. */
  osais_ui_test_load_app_style ();

  g_test_add_func ("/Osais/Gallery/model-items-changed", test_model_items_changed);
  g_test_add_func ("/Osais/Gallery/model-items-freed", test_model_items_freed);
  g_test_add_func ("/Osais/Gallery/failed-job-card", test_failed_job_card);
  g_test_add_func ("/Osais/Gallery/tile-caption", test_tile_caption);
  g_test_add_func ("/Osais/Gallery/tile-focus-named", test_tile_focus_named);
  g_test_add_func ("/Osais/Gallery/tile-star-made-when-shown", test_tile_star_made_when_shown);
  g_test_add_func ("/Osais/Gallery/thumbnail-drawn-for-cairo", test_thumbnail_drawn_for_cairo);
  g_test_add_func ("/Osais/Gallery/tile-square-before-thumbnail",
                   test_tile_square_before_thumbnail);
  g_test_add_func ("/Osais/Gallery/empty-state", test_empty_state);
  g_test_add_func ("/Osais/Gallery/thumbnails-off-main-thread",
                   test_thumbnails_off_main_thread);
  g_test_add_func ("/Osais/Gallery/thumbnail-disk-cache", test_thumbnail_disk_cache);
  g_test_add_func ("/Osais/Gallery/thumbnail-prepared-from-bytes",
                   test_thumbnail_prepared_from_bytes);
  g_test_add_func ("/Osais/Gallery/thumbnail-prepare-releases-bytes-off-main-thread",
                   test_thumbnail_prepare_releases_bytes_off_main_thread);
  g_test_add_func ("/Osais/Gallery/thumbnail-cancelled", test_thumbnail_cancelled);
  g_test_add_func ("/Osais/Gallery/thumbnails-in-view-first", test_thumbnails_in_view_first);
  g_test_add_func ("/Osais/Gallery/delete-with-undo", test_delete_with_undo);
  g_test_add_func ("/Osais/Gallery/tile-star", test_tile_star);
  g_test_add_func ("/Osais/Gallery/selection-mode", test_selection_mode);
  g_test_add_func ("/Osais/Gallery/select-button", test_select_button);
  g_test_add_func ("/Osais/Gallery/select-by-clicks", test_select_by_clicks);
  g_test_add_func ("/Osais/Gallery/first-screen-prefetched", test_first_screen_prefetched);
  g_test_add_func ("/Osais/Gallery/tile-takes-cached-thumbnail-in-view",
                   test_tile_takes_cached_thumbnail_in_view);
  g_test_add_func ("/Osais/Gallery/cell-positions-follow-insertions",
                   test_cell_positions_follow_insertions);
  g_test_add_func ("/Osais/Gallery/delete-selected-with-undo", test_delete_selected_with_undo);
  g_test_add_func ("/Osais/Gallery/export-selected", test_export_selected);
  g_test_add_func ("/Osais/Gallery/star-selected", test_star_selected);
  g_test_add_func ("/Osais/Gallery/10000-images", test_ten_thousand_images);
  g_test_add_func ("/Osais/Gallery/search-makes-only-shown", test_search_makes_only_shown);
  g_test_add_func ("/Osais/Gallery/search-told-in-steps", test_search_told_in_steps);
  g_test_add_func ("/Osais/Gallery/search-widening-asks-only-shown",
                   test_search_widening_asks_only_shown);
  g_test_add_func ("/Osais/Gallery/search-prepared", test_search_prepared);
  g_test_add_func ("/Osais/Gallery/search-finds-large-uids", test_search_finds_large_uids);
  g_test_add_func ("/Osais/Gallery/search-recycles-cells", test_search_recycles_cells);
  g_test_add_func ("/Osais/Gallery/idle-draws-nothing", test_idle_draws_nothing);
  g_test_add_func ("/Osais/Gallery/first-frame-before-whole-history",
                   test_first_frame_before_whole_history);

  return g_test_run ();
}
