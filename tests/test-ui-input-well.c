/* test-ui-input-well.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "osais-input-well.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

/* What the main loop may go without iterating while an image is pasted:
 * far below the 1.4 s a 4K encoding took on it, and above a loaded CI
 * machine's hiccups. */
#define MAX_STALL_US (600 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GtkWidget      *window;
  AdwToastOverlay *overlay;
  OsaisInputWell *well;
  GListModel     *engines;
  /* The main loop's pulse while a paste is handled. */
  guint           tick_id;
  gint64          last_tick;
  gint64          longest_stall;
  gboolean        was_loading;
} Fixture;

static gboolean
tick_cb (gpointer data)
{
  Fixture *fixture = data;
  gint64 now = g_get_monotonic_time ();

  fixture->longest_stall = MAX (fixture->longest_stall, now - fixture->last_tick);
  fixture->last_tick = now;
  if (osais_input_well_get_loading (fixture->well))
    fixture->was_loading = TRUE;

  return G_SOURCE_CONTINUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) warnings = NULL;

  fixture->engines = osais_engines_load (&warnings);
  /* The test's own reference, so that tear-down can check nothing else
   * keeps the well alive. */
  fixture->well = OSAIS_INPUT_WELL (g_object_ref_sink (osais_input_well_new ()));
  osais_input_well_set_engine (fixture->well, osais_engines_lookup (fixture->engines, "gfpgan"));
  fixture->overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (fixture->overlay, GTK_WIDGET (fixture->well));
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 480);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->overlay));
  gtk_window_present (GTK_WINDOW (fixture->window));
  osais_ui_test_wait_painted (fixture->window, 1);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_handle_id (&fixture->tick_id, g_source_remove);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  osais_ui_test_settle (50);
  g_assert_finalize_object (g_steal_pointer (&fixture->well));
  g_clear_object (&fixture->engines);
}

/* Pastes what the clipboard holds, and keeps the main loop's pulse. */
static void
paste (Fixture *fixture)
{
  fixture->last_tick = g_get_monotonic_time ();
  fixture->longest_stall = 0;
  fixture->was_loading = FALSE;
  g_clear_handle_id (&fixture->tick_id, g_source_remove);
  fixture->tick_id = g_timeout_add (10, tick_cb, fixture);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->well), "well.paste", NULL));
}

static gboolean
well_refused (gpointer data)
{
  Fixture *fixture = data;

  return osais_input_well_get_error (fixture->well) != NULL
         && !osais_input_well_get_loading (fixture->well);
}

static gboolean
well_has_input (gpointer data)
{
  Fixture *fixture = data;

  return osais_input_well_get_has_input (fixture->well)
         && !osais_input_well_get_loading (fixture->well);
}

/* The refusal is said in the well, and only there while it is in sight. */
static void
assert_refused (Fixture    *fixture,
                const char *words)
{
  const char *error;

  osais_ui_test_wait_until (well_refused, fixture, "the paste to be refused");
  error = osais_input_well_get_error (fixture->well);
  g_test_message ("Refused: %s", error);
  g_assert_nonnull (strstr (error, words));
  g_assert_false (osais_input_well_get_has_input (fixture->well));
  osais_ui_test_settle (300);
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (fixture->well), error));
  g_assert_null (osais_ui_test_find_toast (GTK_WIDGET (fixture->overlay)));
}

typedef struct
{
  void  *pixels;
  gsize  size;
} Mapping;

static void
mapping_free (gpointer data)
{
  Mapping *mapping = data;

  munmap (mapping->pixels, mapping->size);
  g_free (mapping);
}

/* Zero pages that are never touched cost no memory: a 20000² picture of
 * which only the size may be looked at. */
static GdkTexture *
new_untouchable_texture (int width,
                         int height)
{
  Mapping *mapping = g_new0 (Mapping, 1);
  gsize stride = (gsize) width * 3;
  g_autoptr(GBytes) bytes = NULL;

  mapping->size = stride * height;
  mapping->pixels = mmap (NULL, mapping->size, PROT_READ,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  g_assert_true (mapping->pixels != MAP_FAILED);
  bytes = g_bytes_new_with_free_func (mapping->pixels, mapping->size, mapping_free, mapping);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* A 20000² picture on the clipboard (the one that froze the window for
 * 30 s and took 1.4 GB) is refused from its size, before any encoding,
 * and the window keeps responding. */
static void
test_paste_huge_texture (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = new_untouchable_texture (20000, 20000);

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), texture);
  paste (fixture);
  assert_refused (fixture, "20000×20000");
  g_test_message ("Longest stall: %" G_GINT64_FORMAT " ms", fixture->longest_stall / 1000);
  g_assert_cmpint (fixture->longest_stall, <, MAX_STALL_US);
  g_assert_false (fixture->was_loading);
}

/* Fills @width × @height RGB pixels with noise, so that the encoding has
 * real work to do. */
static GdkTexture *
new_noise_texture (int width,
                   int height)
{
  gsize stride = (gsize) width * 3;
  guchar *pixels = g_malloc (stride * height);
  g_autoptr(GBytes) bytes = NULL;
  guint32 state = 0x9e3779b9;

  for (gsize i = 0; i < stride * height; i++)
    {
      state = state * 1664525u + 1013904223u;
      pixels[i] = (guchar) ((state >> 24) & 0x3f) + (guchar) (i / stride % 192);
    }
  bytes = g_bytes_new_take (pixels, stride * height);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* A 4K picture is encoded to PNG off the main thread: the well says it is
 * loading, the main loop keeps its pulse, and the image arrives whole. */
static void
test_paste_4k_texture (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = new_noise_texture (3840, 2160);
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkTexture) decoded = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type = NULL;

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), texture);
  paste (fixture);
  osais_ui_test_wait_until (well_has_input, fixture, "the 4K image to be encoded");
  g_test_message ("Longest stall: %" G_GINT64_FORMAT " ms", fixture->longest_stall / 1000);
  g_assert_true (fixture->was_loading);
  g_assert_cmpint (fixture->longest_stall, <, MAX_STALL_US);
  g_assert_null (osais_input_well_get_error (fixture->well));

  png = osais_input_well_dup_bytes (fixture->well, &content_type);
  g_assert_cmpstr (content_type, ==, "image/png");
  decoded = gdk_texture_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (decoded), ==, 3840);
  g_assert_cmpint (gdk_texture_get_height (decoded), ==, 2160);
  osais_ui_test_settle (200);
  osais_ui_test_save_screenshot (fixture->window, "input-well-4k.png");
}

/* Another application's PNG larger than any input is refused as it is
 * read, before it is decoded. */
static void
test_paste_oversized_bytes (Fixture       *fixture,
                            gconstpointer  data)
{
  gsize size = 65 * 1024 * 1024;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_malloc0 (size), size);
  g_autoptr(GdkContentProvider) provider = gdk_content_provider_new_for_bytes ("image/png",
                                                                              bytes);

  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), provider);
  paste (fixture);
  assert_refused (fixture, "is larger than");
  g_assert_cmpint (fixture->longest_stall, <, MAX_STALL_US);
  /* The well showed it was loading while the bytes came. */
  g_assert_true (fixture->was_loading);
}

/* A small PNG whose header declares 30000×30000 pixels: refused from its
 * header, never decoded. */
static void
test_paste_huge_header (Fixture       *fixture,
                        gconstpointer  data)
{
  static const guchar header[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0,
    0x00, 0x00, 0x00, 0x00,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (header, sizeof header);
  g_autoptr(GdkContentProvider) provider = gdk_content_provider_new_for_bytes ("image/png",
                                                                              bytes);

  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), provider);
  paste (fixture);
  assert_refused (fixture, "The pasted image is too large");
  osais_ui_test_save_screenshot (fixture->window, "input-well-too-large.png");
}

/* Text on the clipboard, or bytes that only claim to be a PNG: each says
 * what is wrong. */
static void
test_paste_not_an_image (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) junk = g_bytes_new_static ("not an image at all", 19);
  g_autoptr(GdkContentProvider) provider = gdk_content_provider_new_for_bytes ("image/png", junk);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), "a lighthouse");
  paste (fixture);
  assert_refused (fixture, "holds no image");
  osais_ui_test_save_screenshot (fixture->window, "input-well-no-image.png");

  osais_input_well_clear (fixture->well);
  g_assert_null (osais_input_well_get_error (fixture->well));
  gdk_clipboard_set_content (gtk_widget_get_clipboard (GTK_WIDGET (fixture->well)), provider);
  paste (fixture);
  assert_refused (fixture, "The pasted image is not a PNG, JPEG or WebP image");
}

/* Dropped files that cannot be inputs: a text file named .png, and a file
 * larger than any input (sparse: refused from its size, never read). */
static void
test_drop_refused_files (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *text_path = g_build_filename (osais_test_get_dir (), "R&D <notes>.png", NULL);
  g_autofree char *big_path = g_build_filename (osais_test_get_dir (), "huge.png", NULL);
  g_autoptr(GFile) text = g_file_new_for_path (text_path);
  g_autoptr(GFile) big = g_file_new_for_path (big_path);
  g_autoptr(GError) error = NULL;
  int fd;

  g_file_set_contents (text_path, "not an image\n", -1, &error);
  g_assert_no_error (error);
  fd = g_open (big_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 65 * 1024 * 1024), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);

  g_assert_true (osais_ui_test_drop_file (GTK_WIDGET (fixture->well), text, 10.0, 10.0));
  /* A name that is not markup shows as it is, in the toast too. */
  assert_refused (fixture, "“R&D <notes>.png” is not a PNG, JPEG or WebP image");
  osais_ui_test_save_screenshot (fixture->window, "input-well-not-an-image.png");

  osais_input_well_clear (fixture->well);
  g_assert_true (osais_ui_test_drop_file (GTK_WIDGET (fixture->well), big, 10.0, 10.0));
  assert_refused (fixture, "input images are at most");
  g_assert_nonnull (strstr (osais_input_well_get_error (fixture->well), "“huge.png” is"));
}

static void
open_files_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  char ***uris = user_data;

  g_strfreev (*uris);
  *uris = g_variant_dup_strv (parameter, NULL);
}

/* In a window, a file dropped on the well goes where a drop on the window
 * sends it: the window's win.open-files, which the well does not second
 * guess. */
static void
test_drop_in_window (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) open_files = g_simple_action_new ("open-files",
                                                             G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree char *path = g_build_filename (osais_test_get_dir (), "dropped.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  g_auto(GStrv) opened = NULL;

  g_signal_connect (open_files, "activate", G_CALLBACK (open_files_activated), &opened);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open_files));
  gtk_widget_insert_action_group (fixture->window, "win", G_ACTION_GROUP (group));

  g_assert_true (osais_ui_test_drop_file (GTK_WIDGET (fixture->well), file, 10.0, 10.0));
  g_assert_nonnull (opened);
  g_assert_cmpuint (g_strv_length (opened), ==, 1);
  g_assert_cmpstr (opened[0], ==, uri);
  g_assert_false (osais_input_well_get_has_input (fixture->well));
  g_assert_false (osais_input_well_get_loading (fixture->well));
}

static gboolean
well_has_error (gpointer data)
{
  return osais_input_well_get_error (data) != NULL
         && !osais_input_well_get_loading (data);
}

/* Scrolled out of sight, below a long form, the well says its refusal in a
 * toast too. */
static void
test_refusal_out_of_sight (void)
{
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GListModel) engines = osais_engines_load (&warnings);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *overlay = adw_toast_overlay_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *spacer = gtk_label_new ("a long form");
  OsaisInputWell *well = OSAIS_INPUT_WELL (osais_input_well_new ());
  GtkLabel *toast_label;

  osais_input_well_set_engine (well, osais_engines_lookup (engines, "gfpgan"));
  gtk_widget_set_size_request (spacer, -1, 2000);
  gtk_box_append (GTK_BOX (box), spacer);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (well));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), scrolled);
  gtk_window_set_child (GTK_WINDOW (window), overlay);
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 480);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 1);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (well)), "a lighthouse");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (well), "well.paste", NULL));
  osais_ui_test_wait_until (well_has_error, well, "the paste to be refused");
  osais_ui_test_settle (100);
  g_assert_nonnull (osais_ui_test_find_toast (overlay));
  toast_label = osais_ui_test_find_label (osais_ui_test_find_toast (overlay), "holds no image");
  g_assert_nonnull (toast_label);

  osais_ui_test_destroy_window (window);
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);

  g_test_add ("/Osais/Ui/InputWell/paste-huge-texture", Fixture, NULL,
              fixture_set_up, test_paste_huge_texture, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/paste-4k-texture", Fixture, NULL,
              fixture_set_up, test_paste_4k_texture, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/paste-oversized-bytes", Fixture, NULL,
              fixture_set_up, test_paste_oversized_bytes, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/paste-huge-header", Fixture, NULL,
              fixture_set_up, test_paste_huge_header, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/paste-not-an-image", Fixture, NULL,
              fixture_set_up, test_paste_not_an_image, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/drop-in-window", Fixture, NULL,
              fixture_set_up, test_drop_in_window, fixture_tear_down);
  g_test_add ("/Osais/Ui/InputWell/drop-refused-files", Fixture, NULL,
              fixture_set_up, test_drop_refused_files, fixture_tear_down);
  g_test_add_func ("/Osais/Ui/InputWell/refusal-out-of-sight", test_refusal_out_of_sight);

  return g_test_run ();
}
