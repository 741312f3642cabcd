/* osais-ui-test-utils.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisUiTest"

#include "config.h"

#include <locale.h>
#include <string.h>

#ifdef OSAIS_TEST_HAVE_XTEST
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>
#endif

#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window-private.h"

void
osais_ui_test_init (int    *argc,
                    char ***argv)
{
  osais_test_init (argc, argv);
  /* What gtk_test_init() does after its g_test_init(), with a locale that
   * every glibc has (its en_US.UTF-8 is often missing, leaving "C"). */
  gtk_disable_setlocale ();
  setlocale (LC_ALL, "C.UTF-8");
  gtk_init ();
  adw_init ();
}

void
osais_ui_test_reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

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

static gboolean
mapped_with_size (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget)
         && gtk_widget_get_width (widget) > 0
         && gtk_widget_get_height (widget) > 0;
}

typedef struct
{
  GtkWidget *widget;
  guint      painted;
  guint      wanted;
} Painting;

static void
after_paint_cb (GdkFrameClock *clock,
                Painting      *painting)
{
  painting->painted++;
}

static gboolean
painted_enough (gpointer data)
{
  Painting *painting = data;

  if (painting->painted >= painting->wanted)
    return TRUE;
  /* Nothing may be queued: ask for a frame until enough have been drawn. */
  gtk_widget_queue_draw (painting->widget);
  return FALSE;
}

void
osais_ui_test_wait_painted (GtkWidget *widget,
                            guint      n)
{
  Painting painting = { widget, 0, n };
  GdkFrameClock *clock;
  gulong id;

  osais_ui_test_wait_until (mapped_with_size, widget, "the widget to be mapped with a size");
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painting);
  osais_ui_test_wait_until (painted_enough, &painting, "the widget to be painted");
  g_signal_handler_disconnect (clock, id);
}

GtkWidget *
osais_ui_test_find_widget (GtkWidget        *widget,
                           OsaisUiTestMatch  match,
                           gconstpointer     data)
{
  if (match (widget, data))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = osais_ui_test_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, *(const GType *) data);
}

GtkWidget *
osais_ui_test_find_descendant (GtkWidget *widget,
                               GType      type)
{
  return osais_ui_test_find_widget (widget, is_of_type, &type);
}

static gboolean
is_named (GtkWidget     *widget,
          gconstpointer  data)
{
  return g_strcmp0 (gtk_widget_get_name (widget), data) == 0;
}

GtkWidget *
osais_ui_test_find_named (GtkWidget  *widget,
                          const char *name)
{
  return osais_ui_test_find_widget (widget, is_named, name);
}

static gboolean
is_toggle_labelled (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_TOGGLE_BUTTON (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

GtkWidget *
osais_ui_test_find_toggle_button (GtkWidget  *widget,
                                  const char *label)
{
  return osais_ui_test_find_widget (widget, is_toggle_labelled, label);
}

static gboolean
is_bound_to (GtkWidget     *widget,
             gconstpointer  data)
{
  return GTK_IS_ACTIONABLE (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

GtkWidget *
osais_ui_test_find_actionable (GtkWidget  *widget,
                               const char *action_name)
{
  return osais_ui_test_find_widget (widget, is_bound_to, action_name);
}

static gboolean
is_label_showing (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
         && strstr (gtk_label_get_text (GTK_LABEL (widget)), data) != NULL;
}

GtkLabel *
osais_ui_test_find_label (GtkWidget  *widget,
                          const char *text)
{
  return GTK_LABEL (osais_ui_test_find_widget (widget, is_label_showing, text));
}

static gboolean
is_toast (GtkWidget     *widget,
          gconstpointer  data)
{
  return g_str_equal (gtk_widget_get_css_name (widget), "toast");
}

GtkWidget *
osais_ui_test_find_toast (GtkWidget *widget)
{
  return osais_ui_test_find_widget (widget, is_toast, NULL);
}

static gboolean
is_status_title (GtkWidget     *widget,
                 gconstpointer  data)
{
  return ADW_IS_WINDOW_TITLE (widget)
         && *adw_window_title_get_subtitle (ADW_WINDOW_TITLE (widget)) != '\0';
}

const char *
osais_ui_test_get_status_subtitle (GtkWidget *widget)
{
  GtkWidget *title = osais_ui_test_find_widget (widget, is_status_title, NULL);

  return title != NULL ? adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)) : "";
}

gboolean
osais_ui_test_drop_file (GtkWidget *widget,
                         GFile     *file,
                         double     x,
                         double     y)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_auto(GValue) value = G_VALUE_INIT;
  GtkDropTarget *target = NULL;
  GSList *files = NULL;
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (target);

  files = g_slist_prepend (files, file);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, files);
  g_slist_free (files);
  g_signal_emit_by_name (target, "drop", &value, x, y, &handled);

  return handled;
}

void
osais_ui_test_save_screenshot (GtkWidget  *widget,
                               const char *name)
{
  const char *folder = g_getenv ("OSAIS_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width;
  int height;

  /* The paintable shows the widget's last drawing, which GTK drops when
   * anything in it asks to be drawn again: before the window's first
   * frame, or after a focused entry's cursor blinked since the last one
   * (a NULL node; ui-preferences failed so 2 runs in 5). A frame just
   * drawn has it, unless a redraw came first again. */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      osais_ui_test_wait_painted (widget, 1);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  path = g_build_filename (folder != NULL ? folder : g_get_tmp_dir (), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 GPtrArray      *windows)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, window);
  g_ptr_array_add (windows, ref);
}

void
osais_ui_test_run_application (GApplication        *app,
                               const char          *data_dir,
                               const char * const  *args,
                               GSourceOnceFunc      check,
                               gpointer             data)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func ((GDestroyNotify) weak_ref_free);
  gulong added_id;
  int status;

  g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  g_ptr_array_add (argv, (gpointer) "osais-studio");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1:0");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* Idles run once g_application_run() has activated the application. */
  g_idle_add_once (check, data);
  added_id = g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), windows);
  status = g_application_run (app, argv->len - 1, (char **) argv->pdata);
  g_signal_handler_disconnect (app, added_id);
  g_assert_cmpint (status, ==, 0);

  /* Each window the application had is finalized once destroyed, as
   * libadwaita's tests end theirs: a reference cycle cannot hide. */
  for (guint i = 0; i < windows->len; i++)
    {
      GtkWidget *window = g_weak_ref_get (g_ptr_array_index (windows, i));

      if (window != NULL)
        {
          gtk_window_destroy (GTK_WINDOW (window));
          g_assert_finalize_object (window);
        }
    }
}

GtkWidget *
osais_ui_test_get_mapped_window (GtkApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (app);

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return NULL;
  return GTK_WIDGET (window);
}

void
osais_ui_test_select_engine (OsaisWindow *window,
                             const char  *name)
{
  GtkDropDown *dropdown = osais_window_get_engine_dropdown (window);
  GListModel *engines = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      if (g_str_equal (osais_engine_get_name (engine), name))
        {
          gtk_drop_down_set_selected (dropdown, i);
          g_assert_true (osais_request_form_get_engine (osais_window_get_form (window)) == engine);
          return;
        }
    }
  g_assert_not_reached ();
}

void
osais_ui_test_set_prompt (OsaisWindow *window,
                          const char  *text)
{
  GtkWidget *view = osais_request_form_get_field (osais_window_get_form (window), "word");

  g_assert_true (GTK_IS_TEXT_VIEW (view));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
}

void
osais_ui_test_load_app_style (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/com/opensourceais/Studio/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

#ifdef OSAIS_TEST_HAVE_XTEST
gboolean
osais_ui_test_have_xtest (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  int opcode, event, error;

  return GDK_IS_X11_DISPLAY (display) &&
         XQueryExtension (gdk_x11_display_get_xdisplay (display), "XTEST", &opcode, &event,
                          &error);
}

gpointer
osais_ui_test_pointer_over (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  Display *xdisplay = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  graphene_point_t point;
  double surface_x, surface_y;
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);
  int root_x, root_y;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (width / 2, height / 2),
                                           &point));
  gtk_native_get_surface_transform (native, &surface_x, &surface_y);
  XTranslateCoordinates (xdisplay, gdk_x11_surface_get_xid (surface),
                         DefaultRootWindow (xdisplay),
                         point.x + surface_x, point.y + surface_y, &root_x, &root_y, &child);
  XTestFakeMotionEvent (xdisplay, -1, root_x, root_y, CurrentTime);
  XFlush (xdisplay);

  return xdisplay;
}

void
osais_ui_test_click (gpointer xdisplay,
                     guint    button,
                     gulong   keysym)
{
  KeyCode keycode = keysym != 0 ? XKeysymToKeycode (xdisplay, keysym) : 0;

  if (keycode != 0)
    XTestFakeKeyEvent (xdisplay, keycode, True, CurrentTime);
  XTestFakeButtonEvent (xdisplay, button, True, CurrentTime);
  XTestFakeButtonEvent (xdisplay, button, False, CurrentTime);
  if (keycode != 0)
    XTestFakeKeyEvent (xdisplay, keycode, False, CurrentTime);
  XFlush (xdisplay);
}
#endif

void
osais_ui_test_destroy_window (gpointer window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static gboolean
offline_window_ready (gpointer data)
{
  OsaisWindow *window = data;
  OsaisSession *session = NULL;
  gboolean ready;

  g_object_get (window, "session", &session, NULL);
  ready = osais_session_get_store (session) != NULL
          && osais_session_get_server_listening (session)
          && osais_session_get_login_state (session) == OSAIS_LOGIN_STATE_LOGGED_IN
          && g_list_model_get_n_items (osais_session_get_engines (session)) > 0
          && gtk_widget_get_mapped (GTK_WIDGET (window));
  g_object_unref (session);
  return ready;
}

OsaisWindow *
osais_ui_test_open_offline_window (OsaisApplication **app)
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  OsaisWindow *window;

  g_settings_set_enum (settings, "account-mode", OSAIS_ACCOUNT_MODE_OFFLINE);
  g_settings_set_uint (settings, "listen-port", 0);

  *app = osais_application_new ();
  g_application_set_flags (G_APPLICATION (*app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (*app), NULL, NULL);
  window = osais_window_new (*app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_until (offline_window_ready, window, "the session to start");
  return window;
}

void
osais_ui_test_close_offline_window (OsaisWindow       *window,
                                    OsaisApplication **app)
{
  /* Finalized only once the application has let go of it. */
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  osais_session_stop (osais_application_get_session (*app));
  g_clear_object (app);
  g_assert_finalize_object (window);
}
