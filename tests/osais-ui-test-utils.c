/* osais-ui-test-utils.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisUiTest"

#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out after %d s waiting for %s", OSAIS_TEST_TIMEOUT_SECONDS,
           (const char *) user_data);
  return G_SOURCE_REMOVE;
}

void
osais_ui_test_wait_until (OsaisUiTestCondition  done,
                          gpointer              data,
                          const char           *what)
{
  guint id = g_timeout_add_seconds (OSAIS_TEST_TIMEOUT_SECONDS, timeout_cb, (gpointer) what);

  /* Other threads (callback server, simulator, store writer) change what is
   * waited for without waking this context: poll it every few ms. */
  while (!done (data))
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  g_source_remove (id);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
osais_ui_test_settle (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, set_flag_cb, &done);
  osais_ui_test_wait_until (flag_set, &done, "the window to settle");
}

GtkWidget *
osais_ui_test_find_descendant (GtkWidget *widget,
                               GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = osais_ui_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
osais_ui_test_find_toggle_button (GtkWidget  *widget,
                                  const char *label)
{
  if (GTK_IS_TOGGLE_BUTTON (widget)
      && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = osais_ui_test_find_toggle_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
osais_ui_test_find_actionable (GtkWidget  *widget,
                               const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = osais_ui_test_find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkLabel *
osais_ui_test_find_label (GtkWidget  *widget,
                          const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
      && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return GTK_LABEL (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = osais_ui_test_find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

void
osais_ui_test_save_screenshot (GtkWidget  *widget,
                               const char *name)
{
  const char *folder = g_getenv ("OSAIS_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  path = g_build_filename (folder != NULL ? folder : g_get_tmp_dir (), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}
