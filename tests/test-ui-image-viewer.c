/* test-ui-image-viewer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestImageViewer"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include <adwaita.h>

#include "osais-checkered-paintable.h"
#include "osais-gallery-model.h"
#include "osais-image-export.h"
#include "osais-image-viewer-private.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-thumbnail-loader.h"

#ifdef OSAIS_TEST_HAVE_XTEST
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#endif

/* Helpers ----------------------------------------------------------------- */

static gboolean
texture_loaded (gpointer data)
{
  return osais_image_viewer_get_texture (data) != NULL;
}

static void
delete_image_cb (OsaisImageViewer  *viewer,
                 OsaisImage        *image,
                 OsaisJob          *job,
                 OsaisImage       **out)
{
  *out = image;
}

static void
reuse_parameters_cb (OsaisImageViewer  *viewer,
                     OsaisJob          *job,
                     OsaisJob         **out)
{
  *out = job;
}

/* The image loads hold the viewer until they return, cancelled or not. */
static gboolean
only_test_holds (gpointer data)
{
  return G_OBJECT (data)->ref_count == 1;
}

/* The viewer in a window of its own, laid out, with a toast overlay. The
 * test holds a reference of its own, which close_viewer() gives back. */
static GtkWidget *
present_viewer (OsaisImageViewer **out_viewer)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *viewer = g_object_ref_sink (osais_image_viewer_new ());

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), viewer);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  *out_viewer = OSAIS_IMAGE_VIEWER (viewer);

  return window;
}

/* Destroys present_viewer()'s window and checks that the viewer is
 * finalized once its loads have returned, as libadwaita's tests end: a
 * reference cycle cannot hide. */
static void
close_viewer (GtkWidget        *window,
              OsaisImageViewer *viewer)
{
  osais_image_viewer_set_image (viewer, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_wait_until (only_test_holds, viewer, "the cancelled loads");
  g_assert_finalize_object (viewer);
}

/* Activates what @widget's own key bindings do for @keyval without modifiers,
 * as a key press would: the bindings themselves are under test, not only the
 * actions they name. Asserts that there is such a binding; returns whether it
 * took the key (FALSE: its action is disabled). */
static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            {
              return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                   gtk_shortcut_get_arguments (shortcut));
            }
        }
    }

  g_error ("No binding for %s", gdk_keyval_name (keyval));
}

/* @png carries, read back by our reader, the prompt and values of the job
 * it came from: in our JSON and in AUTOMATIC1111's text. */
static void
assert_parameters (GBytes     *png,
                   const char *prompt,
                   const char *steps,
                   const char *seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) texts = osais_png_text_read (png, &error);
  g_autoptr(GHashTable) a1111 = NULL;
  g_autofree char *engine = NULL;
  g_autoptr(JsonObject) parameters = NULL;
  const char *source = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_OSAIS_KEYWORD));
  g_assert_true (osais_png_text_extract_parameters (texts, &engine, &parameters, &source));
  g_assert_cmpstr (source, ==, "osais-studio");
  g_assert_cmpstr (json_object_get_string_member (parameters, "word"), ==, prompt);
  g_assert_cmpstr (json_object_get_string_member (parameters, "steps"), ==, steps);
  g_assert_cmpstr (json_object_get_string_member_with_default (parameters, "seed", NULL), ==,
                   seed);

  a1111 = osais_png_text_parse_a1111 (g_hash_table_lookup (texts,
                                                           OSAIS_PNG_TEXT_A1111_KEYWORD));
  g_assert_cmpstr (g_hash_table_lookup (a1111, "word"), ==, prompt);
  g_assert_cmpstr (g_hash_table_lookup (a1111, "steps"), ==, steps);
  if (seed != NULL)
    g_assert_cmpstr (g_hash_table_lookup (a1111, "seed"), ==, seed);
}

/* Stores @png as the image of cycle 1 of @uid. */
static OsaisImage *
store_png (OsaisStore *store,
           gint64      uid,
           GBytes     *png,
           int         width,
           int         height)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisImage *image;

  osais_test_store_notify (store, uid, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  osais_store_add_image_async (store, uid, "t", 1, png, "image/png", width, height, NULL,
                               osais_test_store_result_cb, &result);
  image = osais_store_add_image_finish (store, osais_test_wait_for_result (&result, "image"),
                                        &error);
  g_assert_no_error (error);

  return image;
}

static void
test_shows_image_and_details (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autofree char *details = NULL;
  GtkWidget *details_button;
  GtkWidget *window;
  OsaisImageViewer *viewer;
  OsaisImage *deleted = NULL;
  OsaisJob *reused = NULL;
  GdkTexture *texture;
  GdkContentFormats *formats;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 4711,
                    "{\"word\":\"a red fox in the snow\",\"seed\":4242,\"steps\":20}");
  osais_test_store_notify (fixture.store, 4711, OSAIS_STAGE_IMAGE_DONE, 3, NULL);
  image = osais_test_store_add_image (fixture.store, 4711, 3, 640, 480);
  osais_test_store_notify (fixture.store, 4711, OSAIS_STAGE_FINISHED, 3, NULL);

  window = present_viewer (&viewer);

  osais_image_viewer_set_image (viewer, image, job);
  g_assert_true (osais_image_viewer_get_image (viewer) == image);
  g_assert_true (osais_image_viewer_get_job (viewer) == job);

  /* The full image, decoded off the main thread. */
  osais_ui_test_wait_until (texture_loaded, viewer, "the full image");
  texture = osais_image_viewer_get_texture (viewer);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 640);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 480);

  /* The details pane at the end of the viewer is toggled with GNOME's icon
   * for showing such a pane. */
  details_button = osais_ui_test_find_named (GTK_WIDGET (viewer), "details-button");
  g_assert_true (GTK_IS_TOGGLE_BUTTON (details_button));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (details_button)), ==,
                   "sidebar-show-right-symbolic");

  details = osais_image_viewer_dup_details (viewer);
  g_test_message ("%s", details);
  g_assert_nonnull (strstr (details, "Engine: diffusion"));
  g_assert_nonnull (strstr (details, "Prompt: a red fox in the snow"));
  g_assert_nonnull (strstr (details, "Seed: 4242"));
  /* No descriptor for the engine: each parameter as sent. */
  g_assert_nonnull (strstr (details, "steps: 20"));
  g_assert_nonnull (strstr (details, "Request ID: 4711"));
  g_assert_nonnull (strstr (details, "Cycle: 3"));
  g_assert_nonnull (strstr (details, "640 × 480"));

  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (window, "image-viewer.png");

  /* Zoom in, then back to fit. */
  g_assert_cmpfloat (osais_image_viewer_get_zoom (viewer), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.zoom-in", NULL));
  g_assert_cmpfloat (osais_image_viewer_get_zoom (viewer), >, 0);
  osais_ui_test_settle (100);
  osais_ui_test_save_screenshot (window, "image-viewer-zoomed.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.zoom-fit", NULL));
  g_assert_cmpfloat (osais_image_viewer_get_zoom (viewer), ==, 0);

  /* Copy puts the image on the clipboard. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.copy", NULL));
  formats = gdk_clipboard_get_formats (gtk_widget_get_clipboard (GTK_WIDGET (viewer)));
  g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE));

  /* Delete and Reuse Parameters go to the window through signals. */
  g_signal_connect (viewer, "delete-image", G_CALLBACK (delete_image_cb), &deleted);
  g_signal_connect (viewer, "reuse-parameters", G_CALLBACK (reuse_parameters_cb), &reused);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.delete", NULL));
  g_assert_true (deleted == image);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.reuse-parameters",
                                             NULL));
  g_assert_true (reused == job);

  /* At 360 px the details fold away behind the info button. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  osais_ui_test_settle (500);
  osais_ui_test_save_screenshot (window, "image-viewer-narrow.png");

  osais_image_viewer_set_image (viewer, NULL, NULL);
  g_assert_null (osais_image_viewer_get_texture (viewer));
  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

/* With the engine's descriptor, the details show the parameters sent as the
 * form shows them: its titles, a percentage, a choice's label, in the
 * descriptor's order; not the height the form fills from the width, nor a
 * parameter not sent; and a date with the month in words. */
static void
test_details_as_the_form_shows_them (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GListModel) engines = osais_engines_load (&warnings);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GDateTime) received = NULL;
  g_autofree char *details = NULL;
  g_autofree char *day = NULL;
  const char *parameters;
  OsaisImageViewer *viewer = OSAIS_IMAGE_VIEWER (g_object_ref_sink (osais_image_viewer_new ()));

  osais_test_store_open (&fixture);
  /* As the request builder sends them, in its own order. */
  job = osais_test_store_create_job (fixture.store, 4711,
                                     "{\"cimg\":2,\"width\":640,\"height\":640,"
                                     "\"guidance\":7.5,\"steps\":20,"
                                     "\"word\":\"a red fox\",\"seed\":4242}");
  osais_test_store_notify (fixture.store, 4711, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 4711, 1, 32, 32);

  osais_image_viewer_set_engines (viewer, engines);
  osais_image_viewer_set_image (viewer, image, job);
  details = osais_image_viewer_dup_details (viewer);
  g_test_message ("%s", details);

  g_assert_nonnull (strstr (details, "Prompt: a red fox\n"));
  g_assert_nonnull (strstr (details, "Seed: 4242\n"));
  parameters = strstr (details, "Step Count: 20\n");
  g_assert_nonnull (parameters);
  g_assert_cmpstr (parameters, ==,
                   "Step Count: 20\n"
                   "Guidance Scale: 59 %\n"
                   "Output Resolution: 640x640\n"
                   "Number of Images to Generate: 2\n");
  g_assert_null (strstr (details, "height"));
  g_assert_null (strstr (details, "Strength"));
  g_assert_null (strstr (details, "7.5"));

  /* 6 December 2026, not 12/06/26. */
  received = g_date_time_to_local (osais_image_get_received (image));
  day = g_date_time_format (received, "Received: %-d %B %Y, ");
  g_assert_nonnull (strstr (details, day));

  osais_image_viewer_set_image (viewer, NULL, NULL);
  osais_ui_test_wait_until (only_test_holds, viewer, "the cancelled loads");
  g_assert_finalize_object (viewer);
  osais_test_store_close (&fixture);
}

/* The arrow keys walk the gallery's images in its order, past the card of a
 * job still running, and stop at either end. */
static void
test_arrow_keys_move_between_images (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) older = NULL;
  g_autoptr(OsaisJob) running = NULL;
  g_autoptr(OsaisJob) newer = NULL;
  g_autoptr(OsaisImage) older_image = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(OsaisGalleryModel) model = NULL;
  OsaisImageViewer *viewer;
  GtkWidget *window;
  GtkWidget *previous_button;
  GtkWidget *next_button;

  osais_test_store_open (&fixture);
  older = osais_test_store_create_job (fixture.store, 1, "{\"word\":\"older\"}");
  osais_test_store_notify (fixture.store, 1, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  older_image = osais_test_store_add_image (fixture.store, 1, 1, 64, 48);
  osais_test_store_notify (fixture.store, 1, OSAIS_STAGE_FINISHED, 1, NULL);
  running = osais_test_store_create_job (fixture.store, 2, "{\"word\":\"running\"}");
  newer = osais_test_store_create_job (fixture.store, 3, "{\"word\":\"newer\"}");
  osais_test_store_notify (fixture.store, 3, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  first = osais_test_store_add_image (fixture.store, 3, 1, 64, 48);
  osais_test_store_notify (fixture.store, 3, OSAIS_STAGE_IMAGE_DONE, 2, NULL);
  second = osais_test_store_add_image (fixture.store, 3, 2, 64, 48);
  osais_test_store_notify (fixture.store, 3, OSAIS_STAGE_FINISHED, 2, NULL);

  /* Newest first: job 3's two images, job 2's card, job 1's image. */
  model = osais_gallery_model_new (fixture.store);
  window = present_viewer (&viewer);
  osais_image_viewer_set_model (viewer, G_LIST_MODEL (model));
  osais_image_viewer_set_image (viewer, first, newer);

  previous_button = osais_ui_test_find_actionable (window, "viewer.previous");
  next_button = osais_ui_test_find_actionable (window, "viewer.next");
  g_assert_nonnull (previous_button);
  g_assert_nonnull (next_button);

  /* The first image: Previous is off (its button hidden), and Left leaves it
   * shown. */
  g_assert_false (gtk_widget_get_sensitive (previous_button));
  g_assert_false (gtk_widget_get_visible (previous_button));
  g_assert_false (press_key (GTK_WIDGET (viewer), GDK_KEY_Left));
  g_assert_true (osais_image_viewer_get_image (viewer) == first);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Right));
  g_assert_true (osais_image_viewer_get_image (viewer) == second);
  g_assert_true (osais_image_viewer_get_job (viewer) == newer);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Right));
  g_assert_true (osais_image_viewer_get_image (viewer) == older_image);
  g_assert_true (osais_image_viewer_get_job (viewer) == older);
  /* The last image: Next is off, and Right leaves it shown. */
  g_assert_false (gtk_widget_get_sensitive (next_button));
  g_assert_false (gtk_widget_get_visible (next_button));
  g_assert_true (gtk_widget_get_sensitive (previous_button));
  g_assert_false (press_key (GTK_WIDGET (viewer), GDK_KEY_Right));
  g_assert_true (osais_image_viewer_get_image (viewer) == older_image);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Left));
  g_assert_true (osais_image_viewer_get_image (viewer) == second);

  /* The buttons over the image do the same. */
  g_signal_emit_by_name (next_button, "clicked");
  g_assert_true (osais_image_viewer_get_image (viewer) == older_image);

  /* Right to left, the next image is on the left. */
  gtk_widget_set_direction (GTK_WIDGET (viewer), GTK_TEXT_DIR_RTL);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Right));
  g_assert_true (osais_image_viewer_get_image (viewer) == second);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Left));
  g_assert_true (osais_image_viewer_get_image (viewer) == older_image);
  gtk_widget_set_direction (GTK_WIDGET (viewer), GTK_TEXT_DIR_NONE);
  g_assert_nonnull (osais_ui_test_find_actionable (window, "viewer.fullscreen"));

  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

static guint32
pixel_at (const guchar *pixels,
          gsize         stride,
          int           x,
          int           y)
{
  return *(const guint32 *)(pixels + y * stride + x * 4);
}

/* A fully transparent image (as rembg leaves a removed background) shows a
 * checkerboard of two opaque greys, not nothing. */
static void
test_checkerboard_behind_transparent_image (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GBytes) transparent = g_bytes_new_take (g_malloc0 (64 * 64 * 4), 64 * 64 * 4);
  g_autoptr(GdkTexture) source = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) rendered = NULL;
  g_autofree guchar *pixels = g_malloc (64 * 64 * 4);
  GdkPaintable *paintable;
  OsaisImageViewer *viewer;
  GtkWidget *window;
  guint32 square, other_square;

  source = gdk_memory_texture_new (64, 64, GDK_MEMORY_R8G8B8A8, transparent, 64 * 4);
  png = gdk_texture_save_to_png_bytes (source);

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 77, "{\"word\":\"a cut-out fox\"}");
  image = store_png (fixture.store, 77, png, 64, 64);

  window = present_viewer (&viewer);
  osais_image_viewer_set_image (viewer, image, job);
  osais_ui_test_wait_until (texture_loaded, viewer, "the transparent image");

  /* What the picture draws, rendered as the window renders it. */
  paintable = gtk_picture_get_paintable (
    GTK_PICTURE (osais_ui_test_find_descendant (window, GTK_TYPE_PICTURE)));
  g_assert_nonnull (paintable);
  gdk_paintable_snapshot (paintable, snapshot, 64, 64);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  rendered = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                          &GRAPHENE_RECT_INIT (0, 0, 64, 64));
  gdk_texture_download (rendered, pixels, 64 * 4);

  /* Opaque (CAIRO_FORMAT_ARGB32: alpha in the high byte), and two squares
   * side by side differ. */
  square = pixel_at (pixels, 64 * 4, 2, 2);
  other_square = pixel_at (pixels, 64 * 4, 2 + 8, 2);
  g_assert_cmphex (square >> 24, ==, 0xff);
  g_assert_cmphex (other_square >> 24, ==, 0xff);
  g_assert_cmphex (square, !=, other_square);
  g_assert_cmphex (pixel_at (pixels, 64 * 4, 2 + 16, 2), ==, square);

  osais_ui_test_settle (300);
  osais_ui_test_save_screenshot (window, "image-viewer-transparent.png");

  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

/* Save As suggests the prompt as a file name, with the uid, the image's
 * number when the job has several, and the stored file's extension. */
static void
test_save_as_suggests_name_from_prompt (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisJob) several = NULL;
  g_autoptr(OsaisJob) bare = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(OsaisImage) bare_image = NULL;
  g_autofree char *name = NULL;
  g_autofree char *first_name = NULL;
  g_autofree char *second_name = NULL;
  g_autofree char *bare_name = NULL;
  OsaisImageViewer *viewer = OSAIS_IMAGE_VIEWER (g_object_ref_sink (osais_image_viewer_new ()));

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 4711,
                                     "{\"word\":\"  A Red Fox, in the snow! / \\u00c9t\\u00e9\","
                                     "\"seed\":1}");
  osais_test_store_notify (fixture.store, 4711, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 4711, 1, 32, 32);
  osais_image_viewer_set_image (viewer, image, job);
  name = osais_image_viewer_dup_suggested_name (viewer);
  g_assert_cmpstr (name, ==, "a-red-fox-in-the-snow-\u00e9t\u00e9-4711.png");

  several = osais_test_store_create_job (fixture.store, 12, "{\"word\":\"two cats\"}");
  osais_test_store_notify (fixture.store, 12, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  first = osais_test_store_add_image (fixture.store, 12, 1, 32, 32);
  osais_test_store_notify (fixture.store, 12, OSAIS_STAGE_IMAGE_DONE, 2, NULL);
  second = osais_test_store_add_image (fixture.store, 12, 2, 32, 32);
  osais_image_viewer_set_image (viewer, first, several);
  first_name = osais_image_viewer_dup_suggested_name (viewer);
  osais_image_viewer_set_image (viewer, second, several);
  second_name = osais_image_viewer_dup_suggested_name (viewer);
  g_assert_cmpstr (first_name, ==, "two-cats-12-1.png");
  g_assert_cmpstr (second_name, ==, "two-cats-12-2.png");

  /* No prompt (rembg): still a name, never an empty one or ".png". */
  bare = osais_test_store_create_job (fixture.store, 5, "{\"word\":\" ?! \"}");
  osais_test_store_notify (fixture.store, 5, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  bare_image = osais_test_store_add_image (fixture.store, 5, 1, 32, 32);
  osais_image_viewer_set_image (viewer, bare_image, bare);
  bare_name = osais_image_viewer_dup_suggested_name (viewer);
  g_assert_cmpstr (bare_name, ==, "image-5.png");

  osais_image_viewer_set_image (viewer, NULL, NULL);
  osais_ui_test_wait_until (only_test_holds, viewer, "the cancelled loads");
  g_assert_finalize_object (viewer);
  osais_test_store_close (&fixture);
}

typedef struct
{
  GtkWidget *found;
} Chooser;

static gboolean
has_file_chooser (gpointer data)
{
  Chooser *chooser = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  chooser->found = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_mapped (window))
        chooser->found = window;
    }
  return chooser->found != NULL;
}

static gboolean
chooser_has_folder (gpointer data)
{
  Chooser *chooser = data;
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (
    GTK_FILE_CHOOSER (chooser->found));

  return folder != NULL;
}

static gboolean
no_file_chooser (gpointer data)
{
  return !has_file_chooser (data);
}

/* Opens Save As and returns the folder the file chooser shows, checking
 * the name it suggests. */
static GFile *
dup_save_as_folder (OsaisImageViewer *viewer,
                    const char       *screenshot)
{
  Chooser chooser = { NULL };
  g_autofree char *name = NULL;
  GFile *folder;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.save-as", NULL));
  osais_ui_test_wait_until (has_file_chooser, &chooser, "the file chooser");
  osais_ui_test_wait_until (chooser_has_folder, &chooser, "the file chooser's folder");
  folder = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser.found));
  name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser.found));
  g_assert_cmpstr (name, ==, "a-lighthouse-31.png");
  if (screenshot != NULL)
    {
      osais_ui_test_settle (300);
      osais_ui_test_save_screenshot (chooser.found, screenshot);
    }
  gtk_dialog_response (GTK_DIALOG (chooser.found), GTK_RESPONSE_CANCEL);
  osais_ui_test_wait_until (no_file_chooser, &chooser, "the file chooser to close");
  return folder;
}

/* Save As opens the file chooser in the person's Pictures folder, with the
 * name from the prompt; without one, in the home folder, not wherever the
 * app was started from. */
static void
test_save_as_opens_in_pictures (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GFile) home = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *pictures = g_build_filename (g_get_home_dir (), "Bilder", NULL);
  g_autofree char *dirs = g_build_filename (g_get_user_config_dir (), "user-dirs.dirs", NULL);
  OsaisImageViewer *viewer;
  GtkWidget *window;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 31, "{\"word\":\"a lighthouse\"}");
  osais_test_store_notify (fixture.store, 31, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 31, 1, 32, 32);
  window = present_viewer (&viewer);
  osais_image_viewer_set_image (viewer, image, job);

  /* No xdg-user-dirs: GLib keeps a folder it once read, so this comes
   * first. */
  g_assert_null (g_get_user_special_dir (G_USER_DIRECTORY_PICTURES));
  home = dup_save_as_folder (viewer, NULL);
  g_assert_cmpstr (g_file_peek_path (home), ==, g_get_home_dir ());

  /* A Pictures folder of another name, as xdg-user-dirs makes in German. */
  g_assert_cmpint (g_mkdir_with_parents (pictures, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dirs, "XDG_PICTURES_DIR=\"$HOME/Bilder\"\n", -1, NULL));
  g_reload_user_special_dirs_cache ();
  g_assert_cmpstr (g_get_user_special_dir (G_USER_DIRECTORY_PICTURES), ==, pictures);
  folder = dup_save_as_folder (viewer, "image-viewer-save-as.png");
  g_assert_cmpstr (g_file_peek_path (folder), ==, pictures);

  osais_image_viewer_set_image (viewer, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_settle (50);
  osais_test_store_close (&fixture);
}

/* The store keeps its images 0600; the copy the user saves is an ordinary
 * file: 0644 under the usual umask, with the image's bytes. */
static void
test_save_writes_normal_file (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GFile) destination = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) saved = NULL;
  g_autofree char *path = NULL;
  OsaisImageViewer *viewer = OSAIS_IMAGE_VIEWER (g_object_ref_sink (osais_image_viewer_new ()));
  struct stat st;
  mode_t old_umask = umask (022);

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 9,
                                     "{\"word\":\"a fox\",\"steps\":\"30\",\"seed\":\"4242\"}");
  osais_test_store_notify (fixture.store, 9, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 9, 1, 32, 32);
  osais_image_viewer_set_image (viewer, image, job);

  /* What the store wrote is private: the test would prove nothing else. */
  g_assert_cmpint (g_stat (g_file_peek_path (osais_image_get_file (image)), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  path = g_build_filename (osais_test_get_dir (), "saved-fox.png", NULL);
  destination = g_file_new_for_path (path);
  osais_image_viewer_save_async (viewer, destination, NULL, osais_test_store_result_cb, &result);
  g_assert_true (osais_image_viewer_save_finish (viewer,
                                                 osais_test_wait_for_result (&result, "saved"),
                                                 &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  stored = osais_test_load_image (image);
  saved = g_file_load_bytes (destination, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The image, with its parameters added (the store's file has none). */
  g_assert_false (g_bytes_equal (stored, saved));
  g_assert_cmpuint (g_bytes_get_size (saved), >, g_bytes_get_size (stored));
  assert_parameters (saved, "a fox", "30", "4242");

  /* Nothing shown: an error, no file. */
  g_clear_object (&result);
  osais_image_viewer_set_image (viewer, NULL, NULL);
  osais_image_viewer_save_async (viewer, destination, NULL, osais_test_store_result_cb, &result);
  g_assert_false (osais_image_viewer_save_finish (viewer,
                                                  osais_test_wait_for_result (&result, "none"),
                                                  &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  umask (old_umask);
  /* The results hold the viewer, their source object. */
  g_clear_object (&result);
  osais_ui_test_wait_until (only_test_holds, viewer, "the cancelled loads");
  g_assert_finalize_object (viewer);
  osais_test_store_close (&fixture);
}

static void
clipboard_spliced_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GBytes **out = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_splice_finish (G_OUTPUT_STREAM (object), result, &error);
  g_assert_no_error (error);
  *out = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (object));
}

/* The clipboard's stream is fed by this thread's main loop: read it
 * asynchronously, or nothing writes it. */
static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  const char *mime_type = NULL;

  stream = gdk_clipboard_read_finish (GDK_CLIPBOARD (object), result, &mime_type, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mime_type, ==, "image/png");
  g_output_stream_splice_async (memory, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, clipboard_spliced_cb, user_data);
}

static gboolean
bytes_arrived (gpointer data)
{
  return *(GBytes **) data != NULL;
}

static gboolean
export_ready (gpointer data)
{
  return osais_image_viewer_get_drag_file (data) != NULL;
}

static gboolean
file_gone (gpointer data)
{
  return !g_file_query_exists (data, NULL);
}

static GtkDragSource *
find_drag_source (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        return GTK_DRAG_SOURCE (controller);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkDragSource *source = find_drag_source (child);

      if (source != NULL)
        return source;
    }

  return NULL;
}

/* Copy puts a PNG with the job's parameters on the clipboard: read back, as
 * another application pasting "image/png" would, it has the prompt and the
 * values. Drag-out offers a file that has them too. */
static void
test_copy_and_drag_carry_parameters (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GBytes) pasted = NULL;
  g_autoptr(GBytes) dragged = NULL;
  g_autoptr(GdkContentProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  const char *mime_types[] = { "image/png", NULL };
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(GFile) first_copy = NULL;
  OsaisImageViewer *viewer = NULL;
  GtkWidget *window = present_viewer (&viewer);
  GtkDragSource *source;
  GFile *file;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 31,
                                     "{\"word\":\"a lighthouse at dusk\",\"steps\":\"12\","
                                     "\"seed\":\"777\"}");
  osais_test_store_notify (fixture.store, 31, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 31, 1, 32, 32);
  osais_image_viewer_set_image (viewer, image, job);
  osais_ui_test_wait_until (texture_loaded, viewer, "the image");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.copy", NULL));
  osais_ui_test_wait_until (export_ready, viewer, "the export");
  gdk_clipboard_read_async (gtk_widget_get_clipboard (GTK_WIDGET (viewer)), mime_types,
                            G_PRIORITY_DEFAULT, NULL, clipboard_read_cb, &pasted);
  osais_ui_test_wait_until (bytes_arrived, &pasted, "the pasted image");
  assert_parameters (pasted, "a lighthouse at dusk", "12", "777");

  /* The drag: what the viewer's own drag source offers as a file. */
  source = find_drag_source (GTK_WIDGET (viewer));
  g_assert_nonnull (source);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &provider);
  g_assert_nonnull (provider);
  g_value_init (&value, G_TYPE_FILE);
  g_assert_true (gdk_content_provider_get_value (provider, &value, &error));
  g_assert_no_error (error);
  file = g_value_get_object (&value);
  g_assert_false (g_file_equal (file, osais_image_get_file (image)));
  dragged = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_parameters (dragged, "a lighthouse at dusk", "12", "777");
  g_assert_true (g_str_has_suffix (g_file_peek_path (file), "a-lighthouse-at-dusk-31.png"));

  /* Another image shown: its own copy, and the last one's is removed. */
  first_copy = g_object_ref (file);
  osais_test_store_notify (fixture.store, 31, OSAIS_STAGE_IMAGE_DONE, 2, NULL);
  second = osais_test_store_add_image (fixture.store, 31, 2, 32, 32);
  osais_image_viewer_set_image (viewer, second, job);
  osais_ui_test_wait_until (export_ready, viewer, "the second export");
  osais_ui_test_wait_until (file_gone, first_copy, "the first copy to be removed");
  g_assert_true (g_file_query_exists (osais_image_viewer_get_drag_file (viewer), NULL));

  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A JPEG is given out as stored, and said to carry no parameters (the
 * viewer's toast comes from that); a PNG of the same job carries them. */
static void
test_jpeg_exported_untagged (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) jpeg_image = NULL;
  g_autoptr(OsaisImage) png_image = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) exported = NULL;
  g_autofree char *data = NULL;
  gsize size = 0;
  gboolean tagged = TRUE;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 41, "{\"word\":\"a jpeg\",\"steps\":\"5\"}");
  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &size, "jpeg", &error, NULL));
  jpeg = g_bytes_new_take (g_steal_pointer (&data), size);
  osais_test_store_notify (fixture.store, 41, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  osais_store_add_image_async (fixture.store, 41, "t", 1, jpeg, "image/jpeg", 16, 16, NULL,
                               osais_test_store_result_cb, &result);
  jpeg_image = osais_store_add_image_finish (fixture.store,
                                             osais_test_wait_for_result (&result, "jpeg"),
                                             &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  osais_image_export_async (jpeg_image, job, NULL, NULL, NULL, export_done_cb, &result);
  exported = osais_image_export_finish (osais_test_wait_for_result (&result, "export"),
                                        &tagged, &error);
  g_assert_no_error (error);
  g_assert_false (tagged);
  g_assert_true (g_bytes_equal (exported, jpeg));
  g_clear_object (&result);
  g_clear_pointer (&exported, g_bytes_unref);

  osais_test_store_notify (fixture.store, 41, OSAIS_STAGE_IMAGE_DONE, 2, NULL);
  png_image = osais_test_store_add_image (fixture.store, 41, 2, 16, 16);
  osais_image_export_async (png_image, job, "1.0", NULL, NULL, export_done_cb, &result);
  exported = osais_image_export_finish (osais_test_wait_for_result (&result, "export"),
                                        &tagged, &error);
  g_assert_no_error (error);
  g_assert_true (tagged);
  assert_parameters (exported, "a jpeg", "5", NULL);

  g_clear_object (&result);
  osais_test_store_close (&fixture);
}

/* Fullscreen: a window manager that does what EWMH asks -------------------- */

#ifdef OSAIS_TEST_HAVE_XTEST
/* Xvfb has no window manager, and GTK asks one for fullscreen. This one
 * says it supports _NET_WM_STATE_FULLSCREEN and sets the state a client
 * asks for, nothing else: enough for GTK to see its window fullscreen. */
typedef struct
{
  Display *display;
  Atom     wm_state;
  Atom     fullscreen;
} FakeWm;

static FakeWm fake_wm;

static gboolean
fake_wm_pump_cb (gpointer data)
{
  while (XPending (fake_wm.display) > 0)
    {
      XEvent event;

      XNextEvent (fake_wm.display, &event);
      if (event.type == ClientMessage && event.xclient.message_type == fake_wm.wm_state
          && ((Atom) event.xclient.data.l[1] == fake_wm.fullscreen
              || (Atom) event.xclient.data.l[2] == fake_wm.fullscreen))
        {
          Window window = event.xclient.window;
          long action = event.xclient.data.l[0];
          gboolean on;
          Atom type = None;
          int format = 0;
          unsigned long n = 0, after = 0;
          unsigned char *value = NULL;

          XGetWindowProperty (fake_wm.display, window, fake_wm.wm_state, 0, 16, False, XA_ATOM,
                              &type, &format, &n, &after, &value);
          on = action == 1 || (action == 2 && n == 0);
          if (value != NULL)
            XFree (value);
          XChangeProperty (fake_wm.display, window, fake_wm.wm_state, XA_ATOM, 32,
                           PropModeReplace, (unsigned char *) &fake_wm.fullscreen, on ? 1 : 0);
          XFlush (fake_wm.display);
        }
    }

  return G_SOURCE_CONTINUE;
}

/* Before GTK looks for a window manager: it checks once in a while only. */
static void
fake_wm_start (void)
{
  Window root;
  Window check;
  Atom supported[2];
  Atom supporting;

  fake_wm.display = XOpenDisplay (NULL);
  if (fake_wm.display == NULL)
    return;
  root = DefaultRootWindow (fake_wm.display);
  fake_wm.wm_state = XInternAtom (fake_wm.display, "_NET_WM_STATE", False);
  fake_wm.fullscreen = XInternAtom (fake_wm.display, "_NET_WM_STATE_FULLSCREEN", False);
  supporting = XInternAtom (fake_wm.display, "_NET_SUPPORTING_WM_CHECK", False);
  supported[0] = fake_wm.wm_state;
  supported[1] = fake_wm.fullscreen;

  check = XCreateSimpleWindow (fake_wm.display, root, -1, -1, 1, 1, 0, 0, 0);
  XChangeProperty (fake_wm.display, check, supporting, XA_WINDOW, 32, PropModeReplace,
                   (unsigned char *) &check, 1);
  XChangeProperty (fake_wm.display, root, supporting, XA_WINDOW, 32, PropModeReplace,
                   (unsigned char *) &check, 1);
  XChangeProperty (fake_wm.display, root, XInternAtom (fake_wm.display, "_NET_SUPPORTED", False),
                   XA_ATOM, 32, PropModeReplace, (unsigned char *) supported, 2);
  /* Client messages to the root come with this mask as well; redirecting
   * (which would make us map every window) is not needed. */
  XSelectInput (fake_wm.display, root, SubstructureNotifyMask);
  XFlush (fake_wm.display);
  g_timeout_add (10, fake_wm_pump_cb, NULL);
}
#endif

static gboolean
is_fullscreen (gpointer data)
{
  return gtk_window_is_fullscreen (GTK_WINDOW (data));
}

static gboolean
is_not_fullscreen (gpointer data)
{
  return !gtk_window_is_fullscreen (GTK_WINDOW (data));
}

static void
count_closed_cb (OsaisImageViewer *viewer,
                 guint            *n_closed)
{
  (*n_closed)++;
}

/* F11 makes the viewer's window fullscreen; Escape leaves fullscreen first
 * and only then the viewer; closing the viewer leaves fullscreen too. */
static void
test_fullscreen (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  OsaisImageViewer *viewer;
  GtkWidget *window;
  guint n_closed = 0;

#ifdef OSAIS_TEST_HAVE_XTEST
  if (fake_wm.display == NULL)
#endif
    {
      g_test_skip ("No X11 display for the fake window manager");
      return;
    }

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 6, "{\"word\":\"a fox\"}");
  osais_test_store_notify (fixture.store, 6, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 6, 1, 64, 48);
  window = present_viewer (&viewer);
  osais_image_viewer_set_image (viewer, image, job);
  g_signal_connect (viewer, "closed", G_CALLBACK (count_closed_cb), &n_closed);
  osais_ui_test_wait_painted (window, 1);
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (window)));

  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_F11));
  osais_ui_test_wait_until (is_fullscreen, window, "the window to go fullscreen");
  osais_ui_test_save_screenshot (window, "viewer-fullscreen.png");

  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Escape));
  osais_ui_test_wait_until (is_not_fullscreen, window, "Escape to leave fullscreen");
  g_assert_cmpuint (n_closed, ==, 0);
  g_assert_true (osais_image_viewer_get_image (viewer) == image);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Escape));
  g_assert_cmpuint (n_closed, ==, 1);

  /* Closed from fullscreen (the Back button), the window is left too. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.fullscreen", NULL));
  osais_ui_test_wait_until (is_fullscreen, window, "the window to go fullscreen again");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.close", NULL));
  osais_ui_test_wait_until (is_not_fullscreen, window, "closing to leave fullscreen");
  g_assert_cmpuint (n_closed, ==, 2);

  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

/* Show in Files: a file manager on the session bus ------------------------ */

static const char file_manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.FileManager1'>"
  "    <method name='ShowItems'>"
  "      <arg type='as' name='uris' direction='in'/>"
  "      <arg type='s' name='startup_id' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
file_manager_call_cb (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  GStrv *shown = user_data;

  g_assert_cmpstr (method_name, ==, "ShowItems");
  g_clear_pointer (shown, g_strfreev);
  g_variant_get (parameters, "(^ass)", shown, NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
items_shown (gpointer data)
{
  GStrv *shown = data;

  return *shown != NULL;
}

/* Show in Files asks the desktop's file manager (FileManager1 on the
 * session bus) to show the image itself, selected in its folder. */
static void
test_show_in_files (void)
{
  static const GDBusInterfaceVTable vtable = { file_manager_call_cb, NULL, NULL, { 0 } };
  OsaisTestStore fixture = { 0 };
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) shown = NULL;
  OsaisImageViewer *viewer;
  GtkWidget *window;
  guint registration;

  g_test_dbus_up (bus);
  connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (file_manager_xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (connection, "/org/freedesktop/FileManager1",
                                                    node->interfaces[0], &vtable, &shown, NULL,
                                                    &error);
  g_assert_no_error (error);
  owned = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.FileManager1", 0),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 5, "{\"word\":\"a fox\"}");
  osais_test_store_notify (fixture.store, 5, OSAIS_STAGE_IMAGE_DONE, 1, NULL);
  image = osais_test_store_add_image (fixture.store, 5, 1, 32, 32);
  window = present_viewer (&viewer);
  osais_image_viewer_set_image (viewer, image, job);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.show-in-files", NULL));
  osais_ui_test_wait_until (items_shown, &shown, "the file manager to be asked");
  uri = g_file_get_uri (osais_image_get_file (image));
  g_assert_cmpuint (g_strv_length (shown), ==, 1);
  g_assert_cmpstr (shown[0], ==, uri);

  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
  g_dbus_connection_unregister_object (connection, registration);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_clear_object (&connection);
  g_test_dbus_down (bus);
}

/* The star: S and the button ask for the image's favourite flag to change
 * (the window passes it to the store), and the star follows the image's
 * property as the store sets it. */
typedef struct
{
  OsaisStore *store;
  guint       asked;
} StarRequests;

static void
set_favourite_cb (OsaisImageViewer *viewer,
                  OsaisImage       *image,
                  gboolean          favourite,
                  StarRequests     *requests)
{
  requests->asked++;
  osais_store_set_favourite_async (requests->store, image, favourite, NULL, NULL, NULL);
}

static gboolean
image_is_favourite (gpointer data)
{
  return osais_image_get_favourite (data);
}

static gboolean
image_is_not_favourite (gpointer data)
{
  return !osais_image_get_favourite (data);
}

static void
test_star_favourite (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(OsaisImage) other = NULL;
  StarRequests requests = { 0 };
  OsaisImageViewer *viewer;
  GtkWidget *window;
  GtkWidget *star;

  osais_test_store_open (&fixture);
  job = osais_test_store_create_job (fixture.store, 12, "{\"word\":\"a star\"}");
  image = osais_test_store_add_image (fixture.store, 12, 1, 64, 48);
  requests.store = fixture.store;

  window = present_viewer (&viewer);
  g_signal_connect (viewer, "set-favourite", G_CALLBACK (set_favourite_cb), &requests);
  star = osais_ui_test_find_actionable (window, "viewer.toggle-favourite");
  g_assert_nonnull (star);

  /* No image: nothing to star. */
  g_assert_false (gtk_widget_get_sensitive (star));
  g_assert_false (press_key (GTK_WIDGET (viewer), GDK_KEY_s));

  osais_image_viewer_set_image (viewer, image, job);
  g_assert_true (gtk_widget_get_sensitive (star));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "non-starred-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (star), ==, "Add to Favourites (S)");

  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_s));
  g_assert_cmpuint (requests.asked, ==, 1);
  osais_ui_test_wait_until (image_is_favourite, image, "the image starred");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "starred-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (star), ==, "Remove from Favourites (S)");
  osais_ui_test_settle (100);
  osais_ui_test_save_screenshot (window, "image-viewer-starred.png");

  /* The button does the same, the other way. */
  g_signal_emit_by_name (star, "clicked");
  g_assert_cmpuint (requests.asked, ==, 2);
  osais_ui_test_wait_until (image_is_not_favourite, image, "the star taken away");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "non-starred-symbolic");

  /* Each image has its star, and the old one's changes are not shown. */
  other = osais_test_store_add_image (fixture.store, 12, 2, 64, 48);
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_s));
  osais_ui_test_wait_until (image_is_favourite, image, "the image starred again");
  osais_image_viewer_set_image (viewer, other, job);
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "non-starred-symbolic");
  osais_store_set_favourite_async (fixture.store, image, FALSE, NULL, NULL, NULL);
  osais_ui_test_wait_until (image_is_not_favourite, image, "the first image unstarred");
  osais_store_set_favourite_async (fixture.store, other, TRUE, NULL, NULL, NULL);
  osais_ui_test_wait_until (image_is_favourite, other, "the other image starred");
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "starred-symbolic");
  osais_image_viewer_set_image (viewer, image, job);
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (star)), ==, "non-starred-symbolic");

  osais_image_viewer_set_image (viewer, NULL, NULL);
  g_assert_false (gtk_widget_get_sensitive (star));
  g_signal_handlers_disconnect_by_data (viewer, &requests);
  close_viewer (window, viewer);
  osais_test_store_close (&fixture);
}

/* Compare ----------------------------------------------------------------- */

static gboolean
compare_offered (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static GtkGesture *
find_drag (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (controller))
        return GTK_GESTURE (controller);
    }

  g_error ("No drag gesture");
}

/* A job whose input the store kept offers Compare (button and C); the
 * divider follows a drag and Left, Right, Home; a job without input offers
 * nothing to compare. */
static void
test_compare (void)
{
  OsaisTestStore fixture = { 0 };
  g_autoptr(OsaisJob) with_input = NULL;
  g_autoptr(OsaisJob) without_input = NULL;
  g_autoptr(OsaisImage) result_image = NULL;
  g_autoptr(OsaisImage) plain_image = NULL;
  g_autoptr(OsaisGalleryModel) model = NULL;
  g_autoptr(GBytes) input = osais_test_make_png (64, 48, 7);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisImageViewer *viewer;
  OsaisCompareView *compare;
  GtkWidget *window;
  GtkWidget *button;
  GtkGesture *drag;
  double width, height, fitted_width;

  osais_test_store_open (&fixture);
  with_input = osais_test_store_create_job (fixture.store, 40, "{\"word\":\"restored\"}");
  result_image = osais_test_store_add_image (fixture.store, 40, 1, 64, 48);
  osais_store_keep_input_async (fixture.store, 40, input, NULL, osais_test_store_result_cb,
                                &result);
  g_assert_true (osais_store_keep_input_finish (fixture.store,
                                                osais_test_wait_for_result (&result, "input"),
                                                &error));
  g_assert_no_error (error);
  without_input = osais_test_store_create_job (fixture.store, 41, "{\"word\":\"plain\"}");
  plain_image = osais_test_store_add_image (fixture.store, 41, 1, 64, 48);
  model = osais_gallery_model_new (fixture.store);

  window = present_viewer (&viewer);
  osais_image_viewer_set_model (viewer, G_LIST_MODEL (model));
  compare = osais_image_viewer_get_compare_view (viewer);
  button = osais_ui_test_find_actionable (window, "viewer.compare");
  g_assert_nonnull (button);

  osais_image_viewer_set_image (viewer, result_image, with_input);
  osais_ui_test_wait_until (compare_offered, button, "Compare offered");
  osais_ui_test_wait_until (texture_loaded, viewer, "the result");
  g_assert_nonnull (osais_compare_view_get_before (compare));
  g_assert_nonnull (osais_compare_view_get_after (compare));

  /* The toggle: C, and the button. */
  g_assert_false (osais_image_viewer_get_comparing (viewer));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_c));
  g_assert_true (osais_image_viewer_get_comparing (viewer));
  osais_ui_test_settle (300);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.5, 1e-9);
  osais_ui_test_save_screenshot (window, "image-viewer-compare.png");

  /* The divider follows a drag begun at the middle, a quarter of the image
   * to the right. */
  width = gtk_widget_get_width (GTK_WIDGET (compare));
  height = gtk_widget_get_height (GTK_WIDGET (compare));
  fitted_width = MIN (width, height * 64.0 / 48.0);
  drag = find_drag (GTK_WIDGET (compare));
  g_signal_emit_by_name (drag, "drag-begin", width / 2, height / 2);
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.5, 1e-6);
  g_signal_emit_by_name (drag, "drag-update", fitted_width / 4, 10.0);
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.75, 1e-6);
  /* Past the edge, it stops at the edge. */
  g_signal_emit_by_name (drag, "drag-update", width, 0.0);
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 1.0, 1e-9);
  g_signal_emit_by_name (drag, "drag-update", fitted_width / 4, 10.0);

  /* Keys on the focused divider. */
  g_assert_true (press_key (GTK_WIDGET (compare), GDK_KEY_Left));
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.70, 1e-6);
  g_assert_true (press_key (GTK_WIDGET (compare), GDK_KEY_Right));
  g_assert_true (press_key (GTK_WIDGET (compare), GDK_KEY_Right));
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.80, 1e-6);
  g_assert_true (press_key (GTK_WIDGET (compare), GDK_KEY_Home));
  g_assert_cmpfloat_with_epsilon (osais_compare_view_get_fraction (compare), 0.0, 1e-9);

  /* Escape leaves comparing first, not the viewer. */
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_Escape));
  g_assert_false (osais_image_viewer_get_comparing (viewer));
  g_assert_true (press_key (GTK_WIDGET (viewer), GDK_KEY_c));
  g_assert_true (osais_image_viewer_get_comparing (viewer));

  g_signal_emit_by_name (button, "clicked");
  g_assert_false (osais_image_viewer_get_comparing (viewer));
  osais_ui_test_settle (300);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (compare)));

  /* No input: no Compare, and C does nothing. */
  osais_image_viewer_set_image (viewer, plain_image, without_input);
  g_assert_false (gtk_widget_get_visible (button));
  osais_ui_test_wait_until (texture_loaded, viewer, "the plain result");
  osais_ui_test_settle (200);
  g_assert_false (gtk_widget_get_visible (button));
  g_assert_false (press_key (GTK_WIDGET (viewer), GDK_KEY_c));
  g_assert_false (osais_image_viewer_get_comparing (viewer));
  g_assert_null (osais_compare_view_get_before (compare));

  close_viewer (window, viewer);
  g_clear_object (&model);
  osais_test_store_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
#ifdef OSAIS_TEST_HAVE_XTEST
  fake_wm_start ();
#endif
  osais_ui_test_init (&argc, &argv);
  /* The screenshots as the application looks. */
  osais_ui_test_load_app_style ();

  g_test_add_func ("/Osais/ImageViewer/shows-image-and-details", test_shows_image_and_details);
  g_test_add_func ("/Osais/ImageViewer/star-favourite", test_star_favourite);
  g_test_add_func ("/Osais/ImageViewer/details-as-the-form-shows-them",
                   test_details_as_the_form_shows_them);
  g_test_add_func ("/Osais/ImageViewer/arrow-keys-move-between-images",
                   test_arrow_keys_move_between_images);
  g_test_add_func ("/Osais/ImageViewer/checkerboard-behind-transparent-image",
                   test_checkerboard_behind_transparent_image);
  g_test_add_func ("/Osais/ImageViewer/save-as-suggests-name-from-prompt",
                   test_save_as_suggests_name_from_prompt);
  g_test_add_func ("/Osais/ImageViewer/save-as-opens-in-pictures", test_save_as_opens_in_pictures);
  g_test_add_func ("/Osais/ImageViewer/save-writes-normal-file", test_save_writes_normal_file);
  g_test_add_func ("/Osais/ImageViewer/jpeg-exported-untagged", test_jpeg_exported_untagged);
  g_test_add_func ("/Osais/ImageViewer/copy-and-drag-carry-parameters",
                   test_copy_and_drag_carry_parameters);
  g_test_add_func ("/Osais/ImageViewer/show-in-files", test_show_in_files);
  g_test_add_func ("/Osais/ImageViewer/fullscreen", test_fullscreen);
  g_test_add_func ("/Osais/ImageViewer/compare", test_compare);

  return g_test_run ();
}
