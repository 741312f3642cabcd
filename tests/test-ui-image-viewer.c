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
#include "osais-image-viewer.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-thumbnail-loader.h"

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

/* The viewer in a window of its own, laid out, with a toast overlay. */
static GtkWidget *
present_viewer (OsaisImageViewer **out_viewer)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *viewer = osais_image_viewer_new ();

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), viewer);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  *out_viewer = OSAIS_IMAGE_VIEWER (viewer);

  return window;
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
  GtkWidget *window;
  GtkWidget *overlay;
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

  window = gtk_window_new ();
  overlay = adw_toast_overlay_new ();
  viewer = OSAIS_IMAGE_VIEWER (osais_image_viewer_new ());
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (viewer));
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));

  osais_image_viewer_set_image (viewer, image, job);
  g_assert_true (osais_image_viewer_get_image (viewer) == image);
  g_assert_true (osais_image_viewer_get_job (viewer) == job);

  /* The full image, decoded off the main thread. */
  osais_ui_test_wait_until (texture_loaded, viewer, "the full image");
  texture = osais_image_viewer_get_texture (viewer);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 640);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 480);

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
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_settle (50);
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
                   "Guidance scale: 59 %\n"
                   "Output resolution: 640x640\n"
                   "Number of images to generate: 2\n");
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

  osais_image_viewer_set_image (viewer, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_settle (50);
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

  osais_image_viewer_set_image (viewer, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_settle (50);
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
  job = osais_test_store_create_job (fixture.store, 9, "{\"word\":\"a fox\"}");
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
  g_assert_true (g_bytes_equal (stored, saved));

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
  gtk_window_destroy (GTK_WINDOW (window));
  osais_ui_test_settle (50);
  osais_test_store_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);

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
  g_test_add_func ("/Osais/ImageViewer/save-writes-normal-file", test_save_writes_normal_file);

  return g_test_run ();
}
