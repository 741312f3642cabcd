/* osais-ui-test-utils.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-application.h"
#include "osais-window.h"

G_BEGIN_DECLS

typedef gboolean (*OsaisUiTestCondition) (gpointer data);
typedef gboolean (*OsaisUiTestMatch)     (GtkWidget     *widget,
                                          gconstpointer  data);

/* osais_test_init() (isolated folders, g_test_init()), then a fixed locale,
 * GTK and libadwaita: gtk_test_init() without its second g_test_init(). */
void       osais_ui_test_init               (int                  *argc,
                                             char               ***argv);
/* Resets every key of @settings: the memory backend lives as long as the
 * process, so each test starts from the defaults. */
void       osais_ui_test_reset_settings     (GSettings            *settings);

/* Iterates the main context until @done (@data) is TRUE; aborts the test
 * after OSAIS_TEST_TIMEOUT_SECONDS, naming @what. */
void       osais_ui_test_wait_until         (OsaisUiTestCondition  done,
                                             gpointer              data,
                                             const char           *what);
/* Lets layout, transitions and asynchronous loads settle for @milliseconds. */
void       osais_ui_test_settle             (guint                 milliseconds);
/* Waits until @widget is mapped with a size, then until its frame clock has
 * painted @n frames: the widget is laid out and drawn at that size. */
void       osais_ui_test_wait_painted       (GtkWidget            *widget,
                                             guint                 n);

/* The first widget at or under @widget, depth first, that @match accepts
 * with @data, or NULL. */
GtkWidget *osais_ui_test_find_widget        (GtkWidget            *widget,
                                             OsaisUiTestMatch      match,
                                             gconstpointer         data);
/* The first widget of @type at or under @widget, depth first, or NULL. */
GtkWidget *osais_ui_test_find_descendant    (GtkWidget            *widget,
                                             GType                 type);
/* The first widget named @name (gtk_widget_get_name()) at or under @widget. */
GtkWidget *osais_ui_test_find_named         (GtkWidget            *widget,
                                             const char           *name);
/* The toggle button labelled @label at or under @widget, or NULL. */
GtkWidget *osais_ui_test_find_toggle_button (GtkWidget            *widget,
                                             const char           *label);
/* The first GtkActionable at or under @widget bound to @action_name, or NULL. */
GtkWidget *osais_ui_test_find_actionable    (GtkWidget            *widget,
                                             const char           *action_name);
/* The first mapped GtkLabel under @widget whose text contains @text, or NULL. */
GtkLabel  *osais_ui_test_find_label         (GtkWidget            *widget,
                                             const char           *text);
/* A toast shown under @widget (an overlay, a window), or NULL. */
GtkWidget *osais_ui_test_find_toast         (GtkWidget            *widget);
/* The subtitle of the first AdwWindowTitle under @widget that has one (the
 * studio's status line), or "". */
const char *osais_ui_test_get_status_subtitle (GtkWidget          *widget);

/* Emits "drop" on @widget's own GtkDropTarget with a GdkFileList holding
 * @file, as a file manager drops it, at (@x, @y); returns whether the
 * target took it. */
gboolean   osais_ui_test_drop_file          (GtkWidget            *widget,
                                             GFile                *file,
                                             double                x,
                                             double                y);

/* Renders @widget to $OSAIS_SCREENSHOT_DIR/@name (else the temporary
 * folder), once it is mapped, has a size and has been painted. */
void       osais_ui_test_save_screenshot    (GtkWidget            *widget,
                                             const char           *name);

/* Runs @app (not unique: tests have no session bus) as `osais-studio
 * --data-dir @data_dir --listen 127.0.0.1:0 @args…`, calls @check (@data)
 * from an idle once it runs (it must quit the application), and asserts
 * that it exits with status 0 and that each window it had is finalized
 * once destroyed. */
void       osais_ui_test_run_application    (GApplication         *app,
                                             const char           *data_dir,
                                             const char * const   *args,
                                             GSourceOnceFunc       check,
                                             gpointer              data);
/* Styles the display with the application's style.css, as AdwApplication
 * does in the application. */
void       osais_ui_test_load_app_style     (void);
/* The active window of @app once it is mapped, else NULL. */
GtkWidget *osais_ui_test_get_mapped_window  (GtkApplication       *app);
/* Chooses the engine called @name in @window's drop-down, as a person
 * would; the form follows. */
void       osais_ui_test_select_engine      (OsaisWindow          *window,
                                             const char           *name);
/* Types @text as @window's prompt (the "word" field). */
void       osais_ui_test_set_prompt         (OsaisWindow          *window,
                                             const char           *text);

/* Destroys @window and checks that it is finalized, as libadwaita's tests
 * end theirs: a reference cycle cannot hide. */
void         osais_ui_test_destroy_window       (gpointer              window);

/* The window tests' studio: "Try offline" chosen before and any free port
 * for callbacks, the application registered (not unique, taking files),
 * and a 1100×720 window shown, returned once its session has its history,
 * listens, is logged in with its engines and the window is mapped. */
OsaisWindow *osais_ui_test_open_offline_window  (OsaisApplication    **app);
/* Closes the window, stops the session and lets go of the application;
 * the window must then be finalized. */
void         osais_ui_test_close_offline_window (OsaisWindow          *window,
                                                 OsaisApplication    **app);

#ifdef OSAIS_TEST_HAVE_XTEST
/* Whether the X server can take XTEST's made-up input (else skip). */
gboolean   osais_ui_test_have_xtest         (void);
/* Moves the X pointer over the middle of @widget through XTEST, as the
 * user's mouse: what follows (buttons, keys) goes through GDK and GTK's
 * propagation like real input. Returns the X display, to send them on. */
gpointer   osais_ui_test_pointer_over       (GtkWidget            *widget);
/* Through XTEST: @button pressed and released, with @keysym (0: none,
 * else a modifier such as XK_Control_L) held down meanwhile. */
void       osais_ui_test_click              (gpointer              xdisplay,
                                             guint                 button,
                                             gulong                keysym);
#endif

G_END_DECLS
