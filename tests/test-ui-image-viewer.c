/* test-ui-image-viewer.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestImageViewer"

#include <adwaita.h>

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
  g_assert_nonnull (strstr (details, "steps = 20"));
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

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/ImageViewer/shows-image-and-details", test_shows_image_and_details);

  return g_test_run ();
}
