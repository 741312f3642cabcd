/* test-ui-image-viewer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestImageViewer"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "osais-image-viewer.h"
#include "osais-test-utils.h"
#include "osais-thumbnail-loader.h"

/* Helpers ----------------------------------------------------------------- */

static char *test_home;

/* osais_test_init()'s isolated folders, with gtk_test_init() (which calls
 * g_test_init() itself, and that may run only once). */
static void
ui_test_init (int    *argc,
              char ***argv)
{
  static const char * const variables[] = {
    "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
  };
  g_autoptr(GError) error = NULL;

  test_home = g_dir_make_tmp ("osais-test-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      g_autofree char *path = g_build_filename (test_home, variables[i], NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (variables[i], path, TRUE);
    }

  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;

  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_for (gboolean   (*condition) (gpointer),
          gpointer     data,
          const char  *what)
{
  gint64 deadline = g_get_monotonic_time () + OSAIS_TEST_TIMEOUT_SECONDS * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* A PNG of @width × @height whose pixels depend on @seed, so each is distinct. */
static GBytes *
make_png (int   width,
          int   height,
          guint seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize size = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * rowstride + x * 3;

        p[0] = (seed * 37 + x * 255 / MAX (1, width - 1)) & 0xff;
        p[1] = ((seed >> 8) * 53 + y * 255 / MAX (1, height - 1)) & 0xff;
        p[2] = (seed * 11 + (seed >> 4)) & 0xff;
      }

  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, "compression", "1", NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

/* Writes what @widget shows to OSAIS_SCREENSHOT_DIR, for a person to look at. */
static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  const char *dir = g_getenv ("OSAIS_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  if (dir == NULL)
    return;

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

typedef struct
{
  char       *dir;
  OsaisStore *store;
} StoreFixture;

static void
store_fixture_open (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("osais-gallery-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = osais_store_open (fixture->dir, &error);
  g_assert_no_error (error);
}

static void
store_fixture_close (StoreFixture *fixture)
{
  osais_store_close (fixture->store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&fixture->store);
  osais_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

static OsaisJob *
create_job (OsaisStore *store,
            gint64      uid,
            const char *parameters)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisJob *job;

  osais_store_create_job_async (store, 0, uid, "t", "diffusion", parameters, NULL,
                                osais_test_store_result_cb, &result);
  job = osais_store_create_job_finish (store, osais_test_wait_for_result (&result, "job"),
                                       &error);
  g_assert_no_error (error);

  return job;
}

static void
notify_stage (OsaisStore *store,
              gint64      uid,
              OsaisStage  stage,
              int         cycle,
              const char *descr)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  OsaisNotification notification = { 0 };
  g_autofree char *filename = g_strdup_printf ("out-%d.png", cycle);

  notification.uid = uid;
  notification.token = (char *)"t";
  notification.stage = stage;
  notification.cycle = cycle;
  notification.filename = stage == OSAIS_STAGE_IMAGE_DONE ? filename : NULL;
  notification.descr = (char *)descr;
  notification.cost = -1;

  osais_store_apply_notification_async (store, &notification, NULL,
                                        osais_test_store_result_cb, &result);
  g_assert_true (osais_store_apply_notification_finish (
    store, osais_test_wait_for_result (&result, "notification"), &error));
  g_assert_no_error (error);
}

static OsaisImage *
add_image (OsaisStore *store,
           gint64      uid,
           int         cycle,
           int         width,
           int         height)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = make_png (width, height, uid * 31 + cycle);
  OsaisImage *image;

  osais_store_add_image_async (store, uid, "t", cycle, png, "image/png", width, height, NULL,
                               osais_test_store_result_cb, &result);
  image = osais_store_add_image_finish (store, osais_test_wait_for_result (&result, "image"),
                                        &error);
  g_assert_no_error (error);

  return image;
}

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

static void
test_shows_image_and_details (void)
{
  StoreFixture fixture = { 0 };
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

  store_fixture_open (&fixture);
  job = create_job (fixture.store, 4711,
                    "{\"word\":\"a red fox in the snow\",\"seed\":4242,\"steps\":20}");
  notify_stage (fixture.store, 4711, OSAIS_STAGE_IMAGE_DONE, 3, NULL);
  image = add_image (fixture.store, 4711, 3, 640, 480);
  notify_stage (fixture.store, 4711, OSAIS_STAGE_FINISHED, 3, NULL);

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
  wait_for (texture_loaded, viewer, "the full image");
  texture = osais_image_viewer_get_texture (viewer);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 640);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 480);

  details = osais_image_viewer_dup_details (viewer);
  g_test_message ("%s", details);
  g_assert_nonnull (strstr (details, "Engine: diffusion"));
  g_assert_nonnull (strstr (details, "Prompt: a red fox in the snow"));
  g_assert_nonnull (strstr (details, "Seed: 4242"));
  g_assert_nonnull (strstr (details, "steps = 20"));
  g_assert_nonnull (strstr (details, "Request ID: 4711"));
  g_assert_nonnull (strstr (details, "Cycle: 3"));
  g_assert_nonnull (strstr (details, "640 × 480"));

  run_for (300);
  save_screenshot (window, "image-viewer.png");

  /* Zoom in, then back to fit. */
  g_assert_cmpfloat (osais_image_viewer_get_zoom (viewer), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.zoom-in", NULL));
  g_assert_cmpfloat (osais_image_viewer_get_zoom (viewer), >, 0);
  run_for (100);
  save_screenshot (window, "image-viewer-zoomed.png");
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
  run_for (500);
  save_screenshot (window, "image-viewer-narrow.png");

  osais_image_viewer_set_image (viewer, NULL, NULL);
  g_assert_null (osais_image_viewer_get_texture (viewer));
  gtk_window_destroy (GTK_WINDOW (window));
  run_for (50);
  store_fixture_close (&fixture);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/ImageViewer/shows-image-and-details", test_shows_image_and_details);

  status = g_test_run ();
  osais_test_remove_tree (test_home);
  g_free (test_home);

  return status;
}
