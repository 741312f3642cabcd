/* test-ui-prompt-history.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestPromptHistory"

#include <adwaita.h>

#include "osais-prompt-history.h"
#include "osais-request-form.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"

/* Helpers ----------------------------------------------------------------- */

/* A history as the store gives it: newest first. */
static GListModel *
new_jobs (const char * const *parameters)
{
  GListStore *jobs = g_list_store_new (OSAIS_TYPE_JOB);

  for (guint i = 0; parameters[i] != NULL; i++)
    {
      g_autoptr(OsaisJob) job = g_object_new (OSAIS_TYPE_JOB, "uid", (gint64) (100 - i),
                                                 "token", "t", "engine", "diffusion",
                                                 "parameters", parameters[i], NULL);

      g_list_store_append (jobs, job);
    }

  return G_LIST_MODEL (jobs);
}

static const char * const history[] = {
  "{\"word\":\"a red fox\",\"seed\":\"1\"}",
  "{\"word\":\"A lighthouse at dusk\"}",
  "{\"word\":\"a red fox\",\"seed\":\"2\"}",     /* the same prompt, older */
  "{\"word\":\"   \"}",                          /* blank: not a prompt */
  "{\"word\":42}",                               /* not text */
  "{\"image\":\"x.png\"}",                       /* no prompt (rembg) */
  "not json",
  "{\"word\":\"Foxes in the snow\"}",
  NULL
};

static char *
form_prompt (OsaisRequestForm *form)
{
  GtkTextBuffer *buffer =
    gtk_text_view_get_buffer (GTK_TEXT_VIEW (osais_request_form_get_field (form, "word")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_form_prompt (OsaisRequestForm *form,
                 const char       *text)
{
  GtkTextBuffer *buffer =
    gtk_text_view_get_buffer (GTK_TEXT_VIEW (osais_request_form_get_field (form, "word")));

  gtk_text_buffer_set_text (buffer, text, -1);
}

/* Presses @keyval in the prompt as its key controllers see it; returns
 * whether one took it. */
static gboolean
press_in_prompt (OsaisRequestForm *form,
                 guint             keyval)
{
  GtkWidget *view = osais_request_form_get_field (form, "word");
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (view);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      gboolean handled = FALSE;

      if (!GTK_IS_EVENT_CONTROLLER_KEY (controller))
        continue;
      g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
      if (handled)
        return TRUE;
    }

  return FALSE;
}

static OsaisPromptHistory *
find_prompt_history (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) &&
      OSAIS_IS_PROMPT_HISTORY (gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget))))
    return OSAIS_PROMPT_HISTORY (gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      OsaisPromptHistory *found = find_prompt_history (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
prompts_collected (gpointer data)
{
  return !osais_prompt_history_get_busy (data);
}

/* The prompts are collected on a thread after each change to the jobs. */
static void
wait_collected (OsaisRequestForm *form)
{
  OsaisPromptHistory *popover = find_prompt_history (GTK_WIDGET (form));

  g_assert_nonnull (popover);
  osais_ui_test_wait_until (prompts_collected, popover, "the prompts collected");
}

static OsaisRequestForm *
new_diffusion_form (GListModel **out_engines)
{
  g_autoptr(GPtrArray) warnings = NULL;
  GListModel *engines = osais_engines_load (&warnings);
  OsaisRequestForm *form = g_object_ref_sink (OSAIS_REQUEST_FORM (osais_request_form_new ()));

  osais_request_form_set_engine (form, osais_engines_lookup (engines, "diffusion"));
  g_assert_nonnull (osais_request_form_get_field (form, "word"));
  *out_engines = engines;

  return form;
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Tests ------------------------------------------------------------------- */

/* Newest first, each prompt once, blanks and non-text left out; a search
 * ignores case; the limit holds. */
static void
test_collect (void)
{
  g_autoptr(GListModel) jobs = new_jobs (history);
  g_auto(GStrv) all = osais_prompt_history_collect (jobs, "word", NULL, 10);
  g_auto(GStrv) foxes = osais_prompt_history_collect (jobs, "word", "FOX", 10);
  g_auto(GStrv) one = osais_prompt_history_collect (jobs, "word", NULL, 1);
  g_auto(GStrv) none = osais_prompt_history_collect (NULL, "word", NULL, 10);
  const char * const expected[] = { "a red fox", "A lighthouse at dusk", "Foxes in the snow",
                                    NULL };
  const char * const expected_foxes[] = { "a red fox", "Foxes in the snow", NULL };

  g_assert_cmpstrv (all, expected);
  g_assert_cmpstrv (foxes, expected_foxes);
  g_assert_cmpuint (g_strv_length (one), ==, 1);
  g_assert_cmpstr (one[0], ==, "a red fox");
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

/* Up at the start of an empty prompt walks back through the history, Down
 * walks forward and back to the empty prompt; a prompt being written is
 * left alone, and an edit ends the walk. */
static void
test_up_and_down_walk (void)
{
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GListModel) jobs = new_jobs (history);
  g_autoptr(GListStore) later = g_list_store_new (OSAIS_TYPE_JOB);
  g_autoptr(OsaisJob) newest = g_object_new (OSAIS_TYPE_JOB, "uid", (gint64) 200,
                                             "token", "t", "engine", "diffusion",
                                             "parameters", "{\"word\":\"a brand new prompt\"}",
                                             NULL);
  OsaisRequestForm *form = new_diffusion_form (&engines);
  g_autofree char *text = NULL;

  osais_request_form_set_jobs (form, jobs);
  wait_collected (form);

  g_assert_true (press_in_prompt (form, GDK_KEY_Up));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "a red fox");
  g_clear_pointer (&text, g_free);
  g_assert_true (press_in_prompt (form, GDK_KEY_Up));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "A lighthouse at dusk");
  g_clear_pointer (&text, g_free);
  g_assert_true (press_in_prompt (form, GDK_KEY_Up));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "Foxes in the snow");
  g_clear_pointer (&text, g_free);
  /* The oldest: Up stays. */
  press_in_prompt (form, GDK_KEY_Up);
  g_assert_cmpstr ((text = form_prompt (form)), ==, "Foxes in the snow");
  g_clear_pointer (&text, g_free);

  g_assert_true (press_in_prompt (form, GDK_KEY_Down));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "A lighthouse at dusk");
  g_clear_pointer (&text, g_free);
  g_assert_true (press_in_prompt (form, GDK_KEY_Down));
  g_assert_true (press_in_prompt (form, GDK_KEY_Down));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "");
  g_clear_pointer (&text, g_free);
  /* Back at the empty prompt, Down is the view's own. */
  g_assert_false (press_in_prompt (form, GDK_KEY_Down));

  /* Written by hand: Up moves the cursor, as in any text. */
  set_form_prompt (form, "my own words");
  g_assert_false (press_in_prompt (form, GDK_KEY_Up));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "my own words");
  g_clear_pointer (&text, g_free);

  /* Walked to, then edited: the walk is over. */
  set_form_prompt (form, "");
  g_assert_true (press_in_prompt (form, GDK_KEY_Up));
  set_form_prompt (form, "a red fox, edited");
  g_assert_false (press_in_prompt (form, GDK_KEY_Up));
  g_assert_false (press_in_prompt (form, GDK_KEY_Down));

  /* A new job is in the history as soon as it is collected. */
  g_list_store_append (later, newest);
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (jobs, i);

      g_list_store_append (later, job);
    }
  osais_request_form_set_jobs (form, G_LIST_MODEL (later));
  wait_collected (form);
  set_form_prompt (form, "");
  g_assert_true (press_in_prompt (form, GDK_KEY_Up));
  g_assert_cmpstr ((text = form_prompt (form)), ==, "a brand new prompt");
  g_clear_pointer (&text, g_free);

  g_assert_finalize_object (form);
}

static gboolean
popover_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
popover_hidden (gpointer data)
{
  return !gtk_widget_get_visible (data);
}

/* The popover of the prompt lists the recent prompts; searching narrows
 * them; choosing one puts it in the prompt. */
static void
test_popover_search_and_choose (void)
{
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GListModel) jobs = new_jobs (history);
  OsaisRequestForm *form = new_diffusion_form (&engines);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *button;
  GtkWidget *popover;
  GtkWidget *list_box;
  GtkWidget *entry;
  GtkListBoxRow *row;
  g_autofree char *text = NULL;

  osais_request_form_set_jobs (form, jobs);
  wait_collected (form);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (form));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 700);
  gtk_window_present (GTK_WINDOW (window));
  osais_ui_test_wait_painted (window, 2);

  /* The prompt's menu buttons: styles, then recent prompts. */
  for (button = find_widget (GTK_WIDGET (form), GTK_TYPE_MENU_BUTTON);
       button != NULL;
       button = gtk_widget_get_next_sibling (button))
    if (GTK_IS_MENU_BUTTON (button) &&
        OSAIS_IS_PROMPT_HISTORY (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button))))
      break;
  g_assert_nonnull (button);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  osais_ui_test_wait_until (popover_mapped, popover, "the popover");
  osais_ui_test_save_screenshot (window, "prompt-history.png");

  list_box = find_widget (popover, GTK_TYPE_LIST_BOX);
  entry = find_widget (popover, GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 2));
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 3));

  /* ↓ from the search goes to the first prompt. */
  {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (entry);
    gboolean handled = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
      {
        g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
          g_signal_emit_by_name (controller, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
      }
    g_assert_true (handled);
    g_assert_true (gtk_widget_has_focus (GTK_WIDGET (
                     gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 0))));
  }

  gtk_editable_set_text (GTK_EDITABLE (entry), "lighthouse");
  g_signal_emit_by_name (entry, "search-changed");
  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 0);
  g_assert_nonnull (row);
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 1));

  g_signal_emit_by_name (entry, "activate");
  osais_ui_test_wait_until (popover_hidden, popover, "the popover to close");
  g_assert_cmpstr ((text = form_prompt (form)), ==, "A lighthouse at dusk");

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (form);
}

int
main (int   argc,
      char *argv[])
{
  osais_ui_test_init (&argc, &argv);

  g_test_add_func ("/Osais/PromptHistory/collect", test_collect);
  g_test_add_func ("/Osais/PromptHistory/up-and-down-walk", test_up_and_down_walk);
  g_test_add_func ("/Osais/PromptHistory/popover-search-and-choose",
                   test_popover_search_and_choose);

  return g_test_run ();
}
