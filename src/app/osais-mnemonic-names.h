/* osais-mnemonic-names.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8 gives a button with a mnemonic ("_Try Offline") two accessible
 * names at once: its label property, the raw text with the underscore, and
 * a labelled-by relation to its own label. Screen readers say both:
 * "_Try Offline Try Offline". This keeps only the relation, which names the
 * button with its text as shown, on every such button at or under @widget.
 * GTK sets the property again with each gtk_button_set_label(): call it
 * after building a widget tree and after relabelling a button. */
void osais_mnemonic_names_fix (GtkWidget *widget);
/* Does the same for every button as it is mapped, from now on: the ones
 * made later by others (libadwaita's toasts, list item factories) too. */
void osais_mnemonic_names_watch (void);

/* GTK 4.8's shortcuts window leaves its search entry and its sections'
 * menu button without a name: this gives them one. */
void osais_mnemonic_names_fix_shortcuts_window (GtkWidget *shortcuts_window);

G_END_DECLS
