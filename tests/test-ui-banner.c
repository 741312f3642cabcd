/* test-ui-banner.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <adwaita.h>

#include "osais-banner.h"
#include "osais-ui-test-utils.h"

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static gboolean
is_button (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_BUTTON (widget);
}

static void
test_properties (void)
{
  OsaisBanner *banner = OSAIS_BANNER (g_object_ref_sink (osais_banner_new ("A title")));
  guint title_notified = 0;
  guint button_notified = 0;
  guint action_notified = 0;
  guint revealed_notified = 0;
  GtkWidget *button = osais_ui_test_find_widget (GTK_WIDGET (banner), is_button, NULL);

  g_signal_connect (banner, "notify::title", G_CALLBACK (count_notify_cb), &title_notified);
  g_signal_connect (banner, "notify::button-label", G_CALLBACK (count_notify_cb),
                    &button_notified);
  g_signal_connect (banner, "notify::action-name", G_CALLBACK (count_notify_cb),
                    &action_notified);
  g_signal_connect (banner, "notify::revealed", G_CALLBACK (count_notify_cb),
                    &revealed_notified);

  g_assert_cmpstr (osais_banner_get_title (banner), ==, "A title");
  g_assert_false (osais_banner_get_revealed (banner));
  /* No label, no button. */
  g_assert_null (osais_banner_get_button_label (banner));
  g_assert_false (gtk_widget_get_visible (button));

  osais_banner_set_title (banner, "A title");
  g_assert_cmpuint (title_notified, ==, 0);
  osais_banner_set_title (banner, "Another");
  g_assert_cmpuint (title_notified, ==, 1);
  osais_banner_set_title (banner, NULL);
  g_assert_cmpstr (osais_banner_get_title (banner), ==, "");
  g_assert_cmpuint (title_notified, ==, 2);

  osais_banner_set_button_label (banner, "_Retry");
  osais_banner_set_button_label (banner, "_Retry");
  g_assert_cmpuint (button_notified, ==, 1);
  g_assert_cmpstr (osais_banner_get_button_label (banner), ==, "_Retry");
  g_assert_true (gtk_widget_get_visible (button));
  osais_banner_set_button_label (banner, "");
  g_assert_null (osais_banner_get_button_label (banner));
  g_assert_false (gtk_widget_get_visible (button));
  g_assert_cmpuint (button_notified, ==, 2);

  osais_banner_set_action_name (banner, "win.retry");
  osais_banner_set_action_name (banner, "win.retry");
  g_assert_cmpuint (action_notified, ==, 1);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "win.retry");

  g_object_set (banner, "revealed", TRUE, NULL);
  osais_banner_set_revealed (banner, TRUE);
  g_assert_cmpuint (revealed_notified, ==, 1);
  g_assert_true (osais_banner_get_revealed (banner));

  g_assert_finalize_object (banner);
}

static void
action_activated_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     guint         *activated)
{
  (*activated)++;
}

/* The button activates the action named, found from the widgets around it. */
static void
test_button_activates_action (void)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("fix", NULL);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *banner = g_object_ref_sink (osais_banner_new ("Something lasts"));
  GtkWidget *button = osais_ui_test_find_widget (banner, is_button, NULL);
  guint activated = 0;

  g_signal_connect (action, "activate", G_CALLBACK (action_activated_cb), &activated);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
  gtk_widget_insert_action_group (window, "test", G_ACTION_GROUP (group));
  gtk_window_set_child (GTK_WINDOW (window), banner);

  osais_banner_set_button_label (OSAIS_BANNER (banner), "_Fix");
  osais_banner_set_action_name (OSAIS_BANNER (banner), "test.fix");
  osais_banner_set_revealed (OSAIS_BANNER (banner), TRUE);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 2);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpuint (activated, ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (banner);
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Banner/properties", test_properties);
  g_test_add_func ("/Osais/Banner/button-activates-action", test_button_activates_action);

  return g_test_run ();
}
