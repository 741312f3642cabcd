/* test-ui-accessible.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTest"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "osais-application.h"
#include "osais-image-viewer.h"
#include "osais-request-form.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"

/* Every control a person can reach has a name a screen reader says, read
 * in-process through GTK's accessible API (GTK_A11Y=test, as meson runs the
 * ui suite): its accessible label, a labelled-by relation, or its tooltip. */

/* Controls made of other controls, named as a whole: their parts are not
 * walked. */
static gboolean
is_composite_control (GtkWidget *widget)
{
  return GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget)
         || GTK_IS_SPIN_BUTTON (widget) || GTK_IS_ENTRY (widget)
         || GTK_IS_PASSWORD_ENTRY (widget) || GTK_IS_SEARCH_ENTRY (widget)
         || ADW_IS_ENTRY_ROW (widget) || ADW_IS_SPLIT_BUTTON (widget);
}

static gboolean
is_control (GtkWidget *widget)
{
  return is_composite_control (widget) || GTK_IS_BUTTON (widget)
         || GTK_IS_CHECK_BUTTON (widget) || GTK_IS_SWITCH (widget) || GTK_IS_SCALE (widget)
         || GTK_IS_TEXT_VIEW (widget) || GTK_IS_TEXT (widget);
}

/* In GTK 4.8 a tooltip is the accessible description, not the name: an
 * icon button with only a tooltip is said as "button". */
static gboolean
has_name (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  return gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL)
         || gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static char *
describe (GtkWidget *widget)
{
  GString *path = g_string_new (G_OBJECT_TYPE_NAME (widget));

  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    g_string_prepend (g_string_prepend (path, " > "), G_OBJECT_TYPE_NAME (w));
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    g_string_append_printf (path, " “%s”", gtk_button_get_label (GTK_BUTTON (widget)));
  return g_string_free (path, FALSE);
}

static void
collect_unnamed (GtkWidget *widget,
                 GPtrArray *unnamed)
{
  /* Hidden is out of reach, and so is libadwaita's own search entry in a
   * preferences window whose search is disabled. */
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_SEARCH_ENTRY (widget)
      && gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_WINDOW) != NULL
      && !adw_preferences_window_get_search_enabled (
            ADW_PREFERENCES_WINDOW (gtk_widget_get_ancestor (widget,
                                                             ADW_TYPE_PREFERENCES_WINDOW))))
    return;
  if (is_control (widget) && !has_name (widget))
    g_ptr_array_add (unnamed, describe (widget));
  /* A menu button's own popover is ours (the status, the running jobs, the
   * styles…), hidden until opened: its content is walked as a person
   * opening it reaches it. */
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget)))
    for (GtkWidget *child = gtk_widget_get_first_child (
           GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget))));
         child != NULL;
         child = gtk_widget_get_next_sibling (child))
      collect_unnamed (child, unnamed);
  if (is_composite_control (widget))
    return;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, unnamed);
}

/* Says every unnamed control under @root; returns how many there are. */
static guint
report_unnamed (GtkWidget  *root,
                const char *what)
{
  g_autoptr(GPtrArray) unnamed = g_ptr_array_new_with_free_func (g_free);

  collect_unnamed (root, unnamed);
  for (guint i = 0; i < unnamed->len; i++)
    g_test_message ("%s: no accessible name: %s", what, (char *) g_ptr_array_index (unnamed, i));
  return unnamed->len;
}

/* GTK 4.8 gives a button with a mnemonic a labelled-by relation to its own
 * label and, as its label property, the raw text: AT-SPI says both, as
 * "_Try Offline Try Offline". Such a button must keep only the relation.
 * Hidden widgets count: they show later. */
static void
collect_doubled (GtkWidget *widget,
                 gboolean   mapped_only,
                 GPtrArray *doubled)
{
  if (mapped_only && !gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_BUTTON (widget) && gtk_button_get_use_underline (GTK_BUTTON (widget))
      && gtk_button_get_label (GTK_BUTTON (widget)) != NULL
      && gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL))
    g_ptr_array_add (doubled, describe (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_doubled (child, mapped_only, doubled);
}

/* @mapped_only: count only what is on screen, for windows made by a
 * toolkit whose buttons the app names as they are mapped
 * (osais_mnemonic_names_watch()). */
static guint
report_doubled_full (GtkWidget  *root,
                     const char *what,
                     gboolean    mapped_only)
{
  g_autoptr(GPtrArray) doubled = g_ptr_array_new_with_free_func (g_free);

  collect_doubled (root, mapped_only, doubled);
  for (guint i = 0; i < doubled->len; i++)
    g_test_message ("%s: named twice: %s", what, (char *) g_ptr_array_index (doubled, i));
  return doubled->len;
}

static guint
report_doubled (GtkWidget  *root,
                const char *what)
{
  return report_doubled_full (root, what, FALSE);
}

typedef struct
{
  OsaisApplication *app;
  OsaisWindow      *window;
  OsaisSession     *session;
  char             *data_dir;
} Run;

static gboolean
ready (gpointer data)
{
  Run *run = data;
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));
  GListModel *engines;

  if (window == NULL)
    return FALSE;
  run->window = OSAIS_WINDOW (window);
  run->session = osais_application_get_session (run->app);
  engines = osais_session_get_engines (run->session);
  return engines != NULL && g_list_model_get_n_items (engines) > 0
         && osais_session_get_login_state (run->session) == OSAIS_LOGIN_STATE_LOGGED_IN;
}

static GtkWidget *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (window != NULL && ADW_IS_PREFERENCES_WINDOW (window)
          && gtk_widget_get_mapped (window))
        return window;
    }
  return NULL;
}

static gboolean
has_preferences (gpointer data)
{
  return find_preferences () != NULL;
}

static void
check_named (Run *run)
{
  GtkDropDown *dropdown;
  GListModel *engines;
  GtkWidget *preferences;
  GtkWidget *try_offline;
  guint n_unnamed = 0;
  guint n_doubled = 0;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  dropdown = osais_window_get_engine_dropdown (run->window);
  engines = gtk_drop_down_get_model (dropdown);

  /* The welcome page, the studio and the viewer are all in the window's
   * tree; the form has each engine's fields in turn. */
  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);
      g_autofree char *what = g_strdup_printf ("the main window with %s",
                                               osais_engine_get_name (engine));

      gtk_drop_down_set_selected (dropdown, i);
      osais_ui_test_settle (50);
      n_unnamed += report_unnamed (GTK_WIDGET (run->window), what);
      n_doubled += report_doubled (GTK_WIDGET (run->window), what);
    }

  /* The welcome page's "_Try Offline" is named by its label alone. */
  try_offline = osais_ui_test_find_actionable (GTK_WIDGET (run->window), "win.choose-offline");
  g_assert_nonnull (try_offline);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (try_offline),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (try_offline),
                                                   GTK_ACCESSIBLE_RELATION_LABELLED_BY));

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
  osais_ui_test_wait_until (has_preferences, NULL, "the preferences");
  preferences = find_preferences ();
  n_unnamed += report_unnamed (preferences, "the preferences");
  n_doubled += report_doubled (preferences, "the preferences");
  gtk_window_close (GTK_WINDOW (preferences));
  g_assert_cmpuint (n_unnamed, ==, 0);
  g_assert_cmpuint (n_doubled, ==, 0);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* Runs the app with the simulator and fresh settings, and @check in it. */
static void
run_with_simulator (void (*check) (Run *run))
{
  static const char * const args[] = { "--simulator", NULL };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  osais_ui_test_reset_settings (settings);
  run.data_dir = g_dir_make_tmp ("osais-a11y-XXXXXX", &error);
  g_assert_no_error (error);
  run.app = osais_application_new ();

  osais_ui_test_run_application (G_APPLICATION (run.app), run.data_dir, args,
                                 (GSourceOnceFunc) check, &run);

  g_clear_object (&run.app);
  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

static void
test_every_control_named (void)
{
  run_with_simulator (check_named);
}

/* A card made after start-up (a job that failed, with its Retry button) is
 * named once too: the window's fix ran before it existed. */
static gboolean
has_failed_job (gpointer data)
{
  Run *run = data;
  GListModel *store = G_LIST_MODEL (osais_session_get_store (run->session));
  g_autoptr(OsaisJob) job = NULL;

  if (g_list_model_get_n_items (store) == 0)
    return FALSE;
  job = g_list_model_get_item (store, 0);
  return osais_job_get_stage (job) == OSAIS_STAGE_ERROR;
}

static gboolean
is_retry (GtkWidget     *widget,
          gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Retry") == 0;
}

static gboolean
shows_retry (gpointer data)
{
  Run *run = data;

  return osais_ui_test_find_widget (GTK_WIDGET (run->window), is_retry, NULL) != NULL;
}

static void
check_retry_named_once (Run *run)
{
  OsaisRequestForm *form;
  GtkWidget *prompt;
  GtkWidget *retry;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  form = osais_window_get_form (run->window);
  prompt = osais_request_form_get_field (form, "word");
  g_assert_true (GTK_IS_TEXT_VIEW (prompt));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (prompt)), "it fails", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.run", NULL));
  osais_ui_test_wait_until (has_failed_job, run, "the job to fail");
  osais_ui_test_wait_until (shows_retry, run, "the failed card's Retry");

  retry = osais_ui_test_find_widget (GTK_WIDGET (run->window), is_retry, NULL);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (retry),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (retry),
                                                   GTK_ACCESSIBLE_RELATION_LABELLED_BY));
  g_assert_cmpuint (report_doubled (GTK_WIDGET (run->window), "the window with a failed card"),
                    ==, 0);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
test_retry_named_once (void)
{
  static const char * const args[] = { "--simulator", NULL };
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  osais_ui_test_reset_settings (settings);
  g_settings_set_string (settings, "last-engine", "diffusion");
  g_setenv ("OSAIS_SIMULATOR_FAIL_ENGINE", "diffusion", TRUE);
  run.data_dir = g_dir_make_tmp ("osais-a11y-XXXXXX", &error);
  g_assert_no_error (error);
  run.app = osais_application_new ();

  osais_ui_test_run_application (G_APPLICATION (run.app), run.data_dir, args,
                                 (GSourceOnceFunc) check_retry_named_once, &run);

  g_unsetenv ("OSAIS_SIMULATOR_FAIL_ENGINE");
  g_clear_object (&run.app);
  osais_test_remove_tree (run.data_dir);
  g_free (run.data_dir);
}

/* Dialogs ----------------------------------------------------------------- */

typedef struct
{
  GType      type;
  GtkWidget *found;
} Toplevel;

static gboolean
has_toplevel (gpointer data)
{
  Toplevel *toplevel = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  toplevel->found = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, toplevel->type) && gtk_widget_get_mapped (window))
        toplevel->found = window;
    }
  return toplevel->found != NULL;
}

static gboolean
no_toplevel (gpointer data)
{
  return !has_toplevel (data);
}

/* Waits for a window of @type to show, counts its unnamed and doubled
 * controls, and closes it (a message dialog with its close response). */
static void
walk_window (GType       type,
             const char *what,
             guint      *n_unnamed,
             guint      *n_doubled)
{
  Toplevel toplevel = { type, NULL };

  osais_ui_test_wait_until (has_toplevel, &toplevel, what);
  osais_ui_test_settle (100);
  *n_unnamed += report_unnamed (toplevel.found, what);
  *n_doubled += report_doubled_full (toplevel.found, what, TRUE);
  if (ADW_IS_MESSAGE_DIALOG (toplevel.found))
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (toplevel.found),
                                 adw_message_dialog_get_close_response (
                                   ADW_MESSAGE_DIALOG (toplevel.found)));
  gtk_window_close (GTK_WINDOW (toplevel.found));
  osais_ui_test_wait_until (no_toplevel, &toplevel, "the window to close");
}

static GFile *
write_png (Run        *run,
           const char *name)
{
  g_autoptr(GBytes) png = osais_test_make_png (64, 48, 3);
  g_autofree char *path = g_build_filename (run->data_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL),
                                      g_bytes_get_size (png), NULL));
  return g_file_new_for_path (path);
}

/* Each dialog and secondary window a person opens from the main window:
 * the questions before a large batch, several dropped images and a whole
 * job's deletion, and the shortcuts window. (libadwaita 1.2's about window
 * is not walked: its credits and legal text views and one of its buttons
 * have no name, libadwaita's own, out of the app's reach.) */
static void
check_dialogs_named (Run *run)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(OsaisJob) job = NULL;
  GFile *files[2];
  OsaisStore *store;
  guint n_unnamed = 0;
  guint n_doubled = 0;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  osais_ui_test_select_engine (run->window, "diffusion");
  osais_ui_test_set_prompt (run->window, "eight lighthouses");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.run-batch", "u", 8));
  walk_window (ADW_TYPE_MESSAGE_DIALOG, "the large batch's question", &n_unnamed, &n_doubled);

  files[0] = write_png (run, "first.png");
  files[1] = write_png (run, "second.png");
  osais_window_open_files (run->window, files, 2);
  walk_window (ADW_TYPE_MESSAGE_DIALOG, "the dropped images' question", &n_unnamed, &n_doubled);
  g_object_unref (files[0]);
  g_object_unref (files[1]);

  store = osais_session_get_store (run->session);
  osais_store_create_job_async (store, 0, 77, "t", "ping", "{}", NULL,
                                osais_test_store_result_cb, &result);
  job = osais_store_create_job_finish (store, osais_test_wait_for_result (&result, "the job"),
                                       NULL);
  g_assert_nonnull (job);
  g_signal_emit_by_name (_osais_window_get_viewer (OSAIS_WINDOW (run->window)), "delete-job", job);
  walk_window (ADW_TYPE_MESSAGE_DIALOG, "the whole job's deletion", &n_unnamed, &n_doubled);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.show-help-overlay",
                                             NULL));
  walk_window (GTK_TYPE_SHORTCUTS_WINDOW, "the shortcuts window", &n_unnamed, &n_doubled);

  g_assert_cmpuint (n_unnamed, ==, 0);
  g_assert_cmpuint (n_doubled, ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
test_every_dialog_named (void)
{
  run_with_simulator (check_dialogs_named);
}

/* Keyboard ---------------------------------------------------------------- */

static void
collect_shortcuts (GtkWidget  *widget,
                   GHashTable *accels)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accelerator = NULL;
      g_auto(GStrv) each = NULL;

      /* One or more accelerators, separated by spaces, each normalized. */
      g_object_get (widget, "accelerator", &accelerator, NULL);
      each = g_strsplit (accelerator != NULL ? accelerator : "", " ", -1);
      for (guint i = 0; each[i] != NULL; i++)
        {
          guint key = 0;
          GdkModifierType mods = 0;

          if (gtk_accelerator_parse (each[i], &key, &mods))
            g_hash_table_add (accels, gtk_accelerator_name (key, mods));
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, accels);
}

/* The keys @widget's class binds to its actions (named @prefix…), and, if
 * @callbacks, to its own functions: each must be in the shortcuts window,
 * or, for aliases of one action (Ctrl+= and Ctrl++ both zoom in), one of
 * them. GTK's own bindings (focus moves, the inspector) are left out.
 * Returns how many are missing. */
static guint
count_unlisted_bindings (GtkWidget  *widget,
                         const char *prefix,
                         gboolean    callbacks,
                         GHashTable *listed)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr(GHashTable) actions_listed = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                 g_free, NULL);
  g_autoptr(GPtrArray) unlisted = g_ptr_array_new_with_free_func (g_free);
  guint n_bindings = 0;
  guint n_missing = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          g_autofree char *name = NULL;
          const char *key = NULL;

          if (!GTK_IS_KEYVAL_TRIGGER (trigger))
            continue;
          if (GTK_IS_NAMED_ACTION (action))
            {
              key = gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
              if (!g_str_has_prefix (key, prefix))
                continue;
            }
          else if (!callbacks || !GTK_IS_CALLBACK_ACTION (action))
            continue;

          name = gtk_accelerator_name (
            gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
            gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)));
          /* A function has no name to group its keys by: each is its own. */
          if (!GTK_IS_NAMED_ACTION (action))
            key = name;
          n_bindings++;
          if (g_hash_table_contains (listed, name))
            g_hash_table_add (actions_listed, g_strdup (key));
          else
            g_ptr_array_add (unlisted, g_strdup_printf ("%s (%s)", key, name));
        }
    }
  g_assert_cmpuint (n_bindings, >, 0);

  for (guint i = 0; i < unlisted->len; i++)
    {
      const char *entry = g_ptr_array_index (unlisted, i);
      g_autofree char *key = g_strndup (entry, strcspn (entry, " "));

      if (!g_hash_table_contains (actions_listed, key))
        {
          g_test_message ("%s is not in the shortcuts window", entry);
          n_missing++;
        }
    }
  return n_missing;
}

static gboolean
has_help_overlay (gpointer data)
{
  Run *run = data;

  return gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (run->window)) != NULL;
}

static void
check_shortcuts (Run *run)
{
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) actions = NULL;
  GtkShortcutsWindow *overlay;
  guint n_missing = 0;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  /* Built after the window's first frame. */
  osais_ui_test_wait_until (has_help_overlay, run, "the shortcuts window");
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (run->window));
  collect_shortcuts (GTK_WIDGET (overlay), listed);

  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (run->app));
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (run->app),
                                                                    actions[i]);

      for (guint j = 0; accels[j] != NULL; j++)
        {
          guint key = 0;
          GdkModifierType mods = 0;
          g_autofree char *name = NULL;

          g_assert_true (gtk_accelerator_parse (accels[j], &key, &mods));
          name = gtk_accelerator_name (key, mods);
          /* GNOME keeps Ctrl+N for New, which this app does not have. */
          g_assert_cmpstr (name, !=, "<Control>n");
          /* The first is the one to show; the others are aliases (the
           * keypad's Enter). */
          if (j == 0 && !g_hash_table_contains (listed, name))
            {
              g_test_message ("%s (%s) is not in the shortcuts window", actions[i], name);
              n_missing++;
            }
        }
    }
  /* The window's and the viewer's own keys: search, zoom, Escape, … */
  n_missing += count_unlisted_bindings (GTK_WIDGET (run->window), "win.", FALSE, listed);
  n_missing += count_unlisted_bindings (
    GTK_WIDGET (_osais_window_get_viewer (OSAIS_WINDOW (run->window))),
    "viewer.", TRUE, listed);
  g_assert_true (g_hash_table_contains (listed, "<Control>plus"));
  g_assert_true (g_hash_table_contains (listed, "Escape"));
  g_assert_cmpuint (n_missing, ==, 0);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
test_shortcuts_listed (void)
{
  run_with_simulator (check_shortcuts);
}

/* What a keyboard reaches: the actions of the buttons and menu items in
 * @widget's tree (popovers and menus included), as "prefix.name". */
static void
collect_menu_actions (GMenuModel *menu,
                      GHashTable *reached)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        g_hash_table_add (reached, g_steal_pointer (&action));
      while (g_menu_link_iter_next (links))
        {
          g_autoptr(GMenuModel) link = g_menu_link_iter_get_value (links);

          collect_menu_actions (link, reached);
        }
    }
}

static void
collect_reached_actions (GtkWidget  *widget,
                         GHashTable *reached)
{
  if (GTK_IS_ACTIONABLE (widget) && gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)))
    g_hash_table_add (reached, g_strdup (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget))));
  if (GTK_IS_MENU_BUTTON (widget))
    {
      GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget));
      GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget));

      if (menu != NULL)
        collect_menu_actions (menu, reached);
      else if (popover != NULL)
        collect_reached_actions (GTK_WIDGET (popover), reached);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_reached_actions (child, reached);
}

/* The keys bound on @widget to named actions. */
static void
collect_bound_actions (GtkWidget  *widget,
                       GHashTable *reached)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_NAMED_ACTION (action))
            g_hash_table_add (reached,
                              g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action))));
        }
    }
}

static void
check_actions_reachable (Run *run)
{
  /* Reached through a widget made with the state it answers, not in a
   * window just opened: the banner's button, a toast's, a failed card's
   * Retry, a saved style's row; or from outside the window: a
   * notification's action, files opened from the file manager. */
  static const char * const made_with_state[] = {
    "app.move-history-aside", "win.retry-login", "win.use-found-tunnel",
    "win.check-public-url", "win.open-data-folder",
    "win.wait-again", "win.stop-waiting", "win.show-job", "win.use-image-parameters",
    "win.open-engines-folder", "win.retry-job", "win.apply-style",
    "app.show-job", "app.show-window", "win.open-files", NULL
  };
  g_autoptr(GHashTable) reached = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) app_actions = NULL;
  g_auto(GStrv) described = NULL;
  const GVariantType *parameter_type;
  const char *property;
  const char *type_name;
  const char *name;
  GType owner;
  guint n_unreached = 0;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  collect_reached_actions (GTK_WIDGET (run->window), reached);
  collect_bound_actions (GTK_WIDGET (run->window), reached);
  described = gtk_application_list_action_descriptions (GTK_APPLICATION (run->app));
  for (guint i = 0; described[i] != NULL; i++)
    {
      g_autofree char *described_name = NULL;
      g_autoptr(GVariant) target = NULL;

      g_assert_true (g_action_parse_detailed_name (described[i], &described_name, &target,
                                                   NULL));
      g_hash_table_add (reached, g_steal_pointer (&described_name));
    }

  app_actions = g_action_group_list_actions (G_ACTION_GROUP (run->app));
  for (guint i = 0; app_actions[i] != NULL; i++)
    g_ptr_array_add (actions, g_strconcat ("app.", app_actions[i], NULL));
  /* The window's own (GTK's window.* are its title bar's). */
  for (guint i = 0;
       gtk_widget_class_query_action (GTK_WIDGET_GET_CLASS (run->window), i, &owner, &name,
                                      &parameter_type, &property);
       i++)
    if (g_str_has_prefix (name, "win."))
      g_ptr_array_add (actions, g_strdup (name));
  type_name = G_OBJECT_TYPE_NAME (run->window);

  for (guint i = 0; i < actions->len; i++)
    {
      const char *action = g_ptr_array_index (actions, i);

      if (!g_hash_table_contains (reached, action) && !g_strv_contains (made_with_state, action))
        {
          g_test_message ("%s: %s is not reachable from the keyboard", type_name, action);
          n_unreached++;
        }
    }
  g_assert_cmpuint (n_unreached, ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

/* Every action of the application and the window is a key, a button or a
 * menu item a keyboard reaches, or one of those made with a state; a new
 * action must be one or the other. */
static void
test_actions_reachable (void)
{
  run_with_simulator (check_actions_reachable);
}

/* Focus ------------------------------------------------------------------- */

/* The window drawn as it is now, its pixels as 4-byte B8G8R8A8 rows. */
static GBytes *
render_window (GtkWidget *window,
               gsize     *stride)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  guchar *pixels;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  *stride = (gsize) width * 4;
  pixels = g_malloc ((gsize) height * *stride);
  gdk_texture_download (texture, pixels, *stride);
  return g_bytes_new_take (pixels, (gsize) height * *stride);
}

/* Whether the pixels in @bounds, grown by a focus ring's width, differ. */
static gboolean
area_differs (GBytes                *a,
              GBytes                *b,
              gsize                  stride,
              int                    width,
              int                    height,
              const graphene_rect_t *bounds)
{
  const guchar *pa = g_bytes_get_data (a, NULL);
  const guchar *pb = g_bytes_get_data (b, NULL);
  int x0 = MAX (0, (int) bounds->origin.x - 4);
  int y0 = MAX (0, (int) bounds->origin.y - 4);
  int x1 = MIN (width, (int) (bounds->origin.x + bounds->size.width) + 4);
  int y1 = MIN (height, (int) (bounds->origin.y + bounds->size.height) + 4);

  for (int y = y0; y < y1; y++)
    if (memcmp (pa + y * stride + x0 * 4, pb + y * stride + x0 * 4, (gsize) (x1 - x0) * 4) != 0)
      return TRUE;
  return FALSE;
}

/* Moving with Tab, every control the focus lands on shows it: the window
 * drawn with the focus visible differs, around that control, from the same
 * window with it hidden (as after a click). */
static void
check_focus_visible (Run *run)
{
  GtkWindow *window;
  guint n_stops = 0;
  guint n_unseen = 0;

  osais_ui_test_wait_until (ready, run, "the window, the engines and the offline login");
  window = GTK_WINDOW (run->window);
  osais_ui_test_settle (300);

  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(GBytes) shown = NULL;
      g_autoptr(GBytes) hidden = NULL;
      graphene_rect_t bounds;
      GtkWidget *focus;
      gsize stride;

      if (!gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD))
        break;
      focus = gtk_window_get_focus (window);
      if (focus == NULL)
        continue;
      n_stops++;

      /* Where it is once its scrolled window has brought it into view. */
      gtk_window_set_focus_visible (window, TRUE);
      osais_ui_test_settle (300);
      osais_ui_test_wait_painted (GTK_WIDGET (window), 2);
      g_assert_true (gtk_widget_compute_bounds (focus, GTK_WIDGET (window), &bounds));
      shown = render_window (GTK_WIDGET (window), &stride);
      gtk_window_set_focus_visible (window, FALSE);
      osais_ui_test_wait_painted (GTK_WIDGET (window), 2);
      hidden = render_window (GTK_WIDGET (window), &stride);

      if (!area_differs (shown, hidden, stride, gtk_widget_get_width (GTK_WIDGET (window)),
                         gtk_widget_get_height (GTK_WIDGET (window)), &bounds))
        {
          g_test_message ("No visible focus on the %s at %g,%g (window %d high) in %s",
                          G_OBJECT_TYPE_NAME (focus), bounds.origin.x, bounds.origin.y, gtk_widget_get_height (GTK_WIDGET (window)),
                          G_OBJECT_TYPE_NAME (gtk_widget_get_parent (focus)));
          n_unseen++;
        }
    }
  g_test_message ("%u focus stops, %u without a visible focus", n_stops, n_unseen);
  g_assert_cmpuint (n_stops, >=, 8);
  g_assert_cmpuint (n_unseen, ==, 0);

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
test_focus_visible (void)
{
  run_with_simulator (check_focus_visible);
}

/* Choices ----------------------------------------------------------------- */

static void
collect_toggles (GtkWidget *widget,
                 GPtrArray *toggles)
{
  if (GTK_IS_TOGGLE_BUTTON (widget))
    g_ptr_array_add (toggles, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_toggles (child, toggles);
}

/* The resolution and the count are one choice of several: screen readers
 * hear a named radio group of radio buttons, the chosen one checked. */
static void
test_choices_are_radio_groups (void)
{
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GListModel) engines = osais_engines_load (&warnings);
  g_autoptr(GPtrArray) toggles = g_ptr_array_new ();
  OsaisRequestForm *form = g_object_ref_sink (OSAIS_REQUEST_FORM (osais_request_form_new ()));
  GtkWidget *group;
  GtkWidget *radio_group;
  GtkToggleButton *chosen = NULL;
  GtkToggleButton *other = NULL;
  char *failure;

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  group = osais_request_form_get_field (form, "width");
  g_assert_nonnull (group);
  collect_toggles (group, toggles);
  g_assert_cmpuint (toggles->len, ==, 6);

  radio_group = gtk_widget_get_parent (gtk_widget_get_parent (toggles->pdata[0]));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (radio_group)), ==,
                   GTK_ACCESSIBLE_ROLE_RADIO_GROUP);
  failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (radio_group),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                "Output Resolution");
  g_assert_null (failure);

  for (guint i = 0; i < toggles->len; i++)
    {
      GtkToggleButton *toggle = toggles->pdata[i];
      gboolean active = gtk_toggle_button_get_active (toggle);

      g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (toggle)), ==,
                       GTK_ACCESSIBLE_ROLE_RADIO);
      g_assert_true (gtk_widget_get_ancestor (GTK_WIDGET (toggle), GTK_TYPE_BOX) != NULL);
      failure = gtk_test_accessible_check_state (GTK_ACCESSIBLE (toggle),
                                                 GTK_ACCESSIBLE_STATE_CHECKED, active);
      g_assert_null (failure);
      if (active)
        chosen = toggle;
      else if (other == NULL)
        other = toggle;
    }
  g_assert_nonnull (chosen);
  g_assert_nonnull (other);

  /* Choosing another moves "checked" with it. */
  gtk_toggle_button_set_active (other, TRUE);
  failure = gtk_test_accessible_check_state (GTK_ACCESSIBLE (other),
                                             GTK_ACCESSIBLE_STATE_CHECKED, TRUE);
  g_assert_null (failure);
  failure = gtk_test_accessible_check_state (GTK_ACCESSIBLE (chosen),
                                             GTK_ACCESSIBLE_STATE_CHECKED, FALSE);
  g_assert_null (failure);

  g_assert_finalize_object (form);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/osais-test-bus", TRUE);
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/Accessible/every-control-named", test_every_control_named);
  g_test_add_func ("/Osais/Accessible/every-dialog-named", test_every_dialog_named);
  g_test_add_func ("/Osais/Accessible/retry-named-once", test_retry_named_once);
  g_test_add_func ("/Osais/Accessible/shortcuts-listed-no-ctrl-n", test_shortcuts_listed);
  g_test_add_func ("/Osais/Accessible/choices-are-radio-groups", test_choices_are_radio_groups);
  g_test_add_func ("/Osais/Accessible/focus-visible", test_focus_visible);
  g_test_add_func ("/Osais/Accessible/actions-reachable", test_actions_reachable);

  return g_test_run ();
}
