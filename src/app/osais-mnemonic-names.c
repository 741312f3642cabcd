/* osais-mnemonic-names.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisMnemonicNames"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-mnemonic-names.h"

void
osais_mnemonic_names_fix (GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (GTK_IS_BUTTON (widget) &&
      gtk_button_get_use_underline (GTK_BUTTON (widget)) &&
      gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    osais_mnemonic_names_fix (child);
}

static gboolean
map_hook (GSignalInvocationHint *hint,
          guint                  n_params,
          const GValue          *params,
          gpointer               user_data)
{
  GObject *object = g_value_get_object (&params[0]);

  if (GTK_IS_BUTTON (object) &&
      gtk_button_get_use_underline (GTK_BUTTON (object)) &&
      gtk_button_get_label (GTK_BUTTON (object)) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (object), GTK_ACCESSIBLE_PROPERTY_LABEL);

  return TRUE;
}

void
osais_mnemonic_names_watch (void)
{
  static gsize watching = 0;

  if (g_once_init_enter (&watching))
    {
      /* The signal exists once the class does; the class lives on. */
      g_type_class_ref (GTK_TYPE_WIDGET);
      g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0, map_hook,
                                  NULL, NULL);
      g_once_init_leave (&watching, 1);
    }
}

static void
name_shortcuts_controls (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Search Shortcuts"), -1);
  else if (GTK_IS_MENU_BUTTON (widget))
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Shortcut Sections"), -1);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_shortcuts_controls (child);
}

void
osais_mnemonic_names_fix_shortcuts_window (GtkWidget *shortcuts_window)
{
  g_return_if_fail (GTK_IS_SHORTCUTS_WINDOW (shortcuts_window));

  name_shortcuts_controls (shortcuts_window);
  osais_mnemonic_names_fix (shortcuts_window);
}
