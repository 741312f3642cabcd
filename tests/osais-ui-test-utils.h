/* osais-ui-test-utils.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*OsaisUiTestCondition) (gpointer data);

/* Iterates the main context until @done (@data) is TRUE; aborts the test
 * after OSAIS_TEST_TIMEOUT_SECONDS, naming @what. */
void       osais_ui_test_wait_until         (OsaisUiTestCondition  done,
                                             gpointer              data,
                                             const char           *what);
/* Lets layout, transitions and asynchronous loads settle for @milliseconds. */
void       osais_ui_test_settle             (guint                 milliseconds);
/* The first widget of @type at or under @widget, depth first, or NULL. */
GtkWidget *osais_ui_test_find_descendant    (GtkWidget            *widget,
                                             GType                 type);
/* The toggle button labelled @label at or under @widget, or NULL. */
GtkWidget *osais_ui_test_find_toggle_button (GtkWidget            *widget,
                                             const char           *label);
/* The first GtkActionable at or under @widget bound to @action_name, or NULL. */
GtkWidget *osais_ui_test_find_actionable    (GtkWidget            *widget,
                                             const char           *action_name);
/* The first mapped GtkLabel under @widget whose text contains @text, or NULL. */
GtkLabel  *osais_ui_test_find_label         (GtkWidget            *widget,
                                             const char           *text);
/* Renders @widget to $OSAIS_SCREENSHOT_DIR/@name (else the temporary folder). */
void       osais_ui_test_save_screenshot    (GtkWidget            *widget,
                                             const char           *name);

G_END_DECLS
