/* test-ui-batch.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run ×N and the cost shown before Run, in the main window against the
 * in-process simulator.
 */

#define G_LOG_DOMAIN "OsaisTestUiBatch"

#include "config.h"

#include <json-glib/json-glib.h>

#include "osais-application.h"
#include "osais-gallery.h"
#include "osais-prompt-history.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"

static OsaisApplication *app;
static OsaisWindow *window;

static OsaisSession *
session (void)
{
  return osais_application_get_session (app);
}

static OsaisStore *
store (void)
{
  return osais_session_get_store (session ());
}

static gboolean
not_sending (gpointer data)
{
  return !osais_window_get_sending (window);
}

static gboolean
no_job_running (gpointer data)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store ()));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (store ()), i);

      if (!osais_job_is_complete (job))
        return FALSE;
    }
  return TRUE;
}

static const char *
find_label_starting (GtkWidget  *widget,
                     const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
      g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix))
    return gtk_label_get_label (GTK_LABEL (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found = find_label_starting (child, prefix);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static char *
job_seed (guint position)
{
  g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (store ()), position);
  g_autoptr(JsonNode) root = json_from_string (osais_job_get_parameters (job), NULL);
  JsonNode *seed = json_object_get_member (json_node_get_object (root), "seed");

  return seed != NULL ? json_to_string (seed, FALSE) : NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return ADW_MESSAGE_DIALOG (toplevel);
    }

  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  AdwMessageDialog *dialog = find_dialog ();

  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog));
}

static gboolean
dialog_gone (gpointer data)
{
  return find_dialog () == NULL;
}

/* Tests ------------------------------------------------------------------- */

/* The form says what a request of its engine is likely to cost, from the
 * descriptor's default_cost (diffusion 2000 ms, rembg 3500 ms). */
static void
test_cost_before_run (void)
{
  GtkWidget *form = GTK_WIDGET (osais_window_get_form (window));

  osais_ui_test_select_engine (window, "diffusion");
  g_assert_cmpstr (find_label_starting (form, "Estimated cost"), ==,
                   "Estimated cost: about 2 seconds of AI processing per request");
  osais_ui_test_select_engine (window, "rembg");
  g_assert_cmpstr (find_label_starting (form, "Estimated cost"), ==,
                   "Estimated cost: about 4 seconds of AI processing per request");
}

/* Run ×3 sends three requests, one card each, each with its own seed, even
 * with a seed typed in the form; pressing again while they are on their way
 * sends nothing more. */
static void
test_batch_sends_exactly_n (void)
{
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  guint requests = osais_simulator_get_requests (simulator);
  guint jobs = g_list_model_get_n_items (G_LIST_MODEL (store ()));
  g_autofree char *seed0 = NULL;
  g_autofree char *seed1 = NULL;
  g_autofree char *seed2 = NULL;
  g_autoptr(GHashTable) values = NULL;

  GtkWidget *batch_button = osais_ui_test_find_actionable (GTK_WIDGET (window), "win.run");

  osais_ui_test_select_engine (window, "diffusion");
  /* Run ×N is there when Run is, and not otherwise: its arrow too. */
  osais_ui_test_set_prompt (window, "");
  batch_button = gtk_widget_get_next_sibling (batch_button);
  g_assert_true (GTK_IS_MENU_BUTTON (batch_button));
  g_assert_false (gtk_widget_get_sensitive (batch_button));
  osais_ui_test_set_prompt (window, "three foxes");
  g_assert_true (gtk_widget_get_sensitive (batch_button));
  osais_request_form_set_values_from_json (osais_window_get_form (window), "{\"seed\":\"7\"}");
  values = osais_request_form_dup_values (osais_window_get_form (window));
  g_assert_cmpstr (g_hash_table_lookup (values, "seed"), ==, "7");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-batch", "u", 3));
  g_assert_true (osais_window_get_sending (window));
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 3);
  g_assert_false (gtk_widget_get_sensitive (batch_button));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run-batch", "u", 3);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 3);

  osais_ui_test_wait_until (not_sending, NULL, "OSAIS to answer the three requests");
  osais_ui_test_settle (300);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, requests + 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store ())), ==, jobs + 3);
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 0);

  seed0 = job_seed (0);
  seed1 = job_seed (1);
  seed2 = job_seed (2);
  g_assert_nonnull (seed0);
  g_assert_cmpstr (seed0, !=, seed1);
  g_assert_cmpstr (seed1, !=, seed2);
  g_assert_cmpstr (seed0, !=, seed2);
  g_assert_cmpstr (seed0, !=, "7");

  osais_ui_test_wait_until (no_job_running, NULL, "the three jobs to complete");
}

/* Above four, Run ×N asks first, with the estimated cost; Cancel sends
 * nothing, Run sends them all. */
static void
test_large_batch_asks_first (void)
{
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  guint requests = osais_simulator_get_requests (simulator);
  AdwMessageDialog *dialog;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "eight lighthouses");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-batch", "u", 8));
  osais_ui_test_wait_until (dialog_shown, NULL, "the question");
  dialog = find_dialog ();
  g_assert_false (osais_window_get_sending (window));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Run 8 Requests?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "about 16 seconds of AI processing (about 2 seconds each)"));
  osais_ui_test_save_screenshot (GTK_WIDGET (dialog), "batch-question.png");

  /* As its button does: the response, then the dialog closes. */
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  osais_ui_test_wait_until (dialog_gone, NULL, "the question to close");
  osais_ui_test_settle (200);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, requests);
  g_assert_false (osais_window_get_sending (window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run-batch", "u", 8));
  osais_ui_test_wait_until (dialog_shown, NULL, "the question again");
  dialog = find_dialog ();
  adw_message_dialog_response (dialog, "run");
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (osais_window_get_sending (window));
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 8);
  osais_ui_test_wait_until (not_sending, NULL, "OSAIS to answer the eight requests");
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, requests + 8);

  osais_ui_test_wait_until (no_job_running, NULL, "the eight jobs to complete");
}

static gboolean
prompt_is (gpointer data)
{
  OsaisRequestForm *form = osais_window_get_form (data);
  g_autoptr(GHashTable) values = NULL;

  if (osais_request_form_get_engine (form) == NULL)
    return FALSE;
  values = osais_request_form_dup_values (form);
  return g_strcmp0 (g_hash_table_lookup (values, "word"), "a harbour at noon") == 0 &&
         g_strcmp0 (g_hash_table_lookup (values, "steps"), "44") == 0;
}

/* The prompt history has collected the jobs again, the one just sent
 * newest. */
static gboolean
history_starts_with_sent (gpointer data)
{
  g_auto(GStrv) prompts = NULL;

  if (osais_prompt_history_get_busy (data))
    return FALSE;
  prompts = osais_prompt_history_dup_prompts (data, NULL);
  return prompts[0] != NULL && g_str_equal (prompts[0], "a harbour at noon");
}

/* The form sent last is kept in the data folder and comes back in a new
 * window (as at the next start): engine, prompt and values. */
static void
test_last_form_in_new_window (void)
{
  OsaisWindow *second;
  g_autofree char *path = g_build_filename (osais_store_get_data_dir (store ()),
                                            "last-form.json", NULL);
  g_autofree char *contents = NULL;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "a harbour at noon");
  osais_request_form_set_values_from_json (osais_window_get_form (window), "{\"steps\":\"44\"}");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  osais_ui_test_wait_until (not_sending, NULL, "OSAIS to answer");
  osais_ui_test_settle (300);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "a harbour at noon"));

  /* The window gives its form the store's jobs: Up in the empty prompt
   * brings back the prompt just sent, once the history has it. */
  osais_ui_test_wait_until (history_starts_with_sent,
                            osais_ui_test_find_descendant (GTK_WIDGET (window),
                                                           OSAIS_TYPE_PROMPT_HISTORY),
                            "the prompt sent in the history");
  osais_ui_test_set_prompt (window, "");
  {
    GtkWidget *view = osais_request_form_get_field (osais_window_get_form (window), "word");
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (view);
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
    g_autofree char *text = NULL;
    gboolean handled = FALSE;
    GtkTextIter start, end;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
      {
        g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
          g_signal_emit_by_name (controller, "key-pressed", GDK_KEY_Up, 0, 0, &handled);
      }
    g_assert_true (handled);
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (text, ==, "a harbour at noon");
  }

  /* Another form in between, so that the new window cannot simply show
   * what this one does. */
  osais_ui_test_set_prompt (window, "something else");
  second = osais_window_new (app);
  gtk_window_present (GTK_WINDOW (second));
  osais_ui_test_wait_until (prompt_is, second, "the last form in the new window");
  g_assert_cmpstr (osais_engine_get_name (osais_request_form_get_engine (
                     osais_window_get_form (second))), ==, "diffusion");
  osais_ui_test_destroy_window (second);

  osais_ui_test_wait_until (no_job_running, NULL, "the job to complete");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  osais_ui_test_init (&argc, &argv);

  window = osais_ui_test_open_offline_window (&app);

  g_test_add_func ("/Osais/Ui/Batch/cost-before-run", test_cost_before_run);
  g_test_add_func ("/Osais/Ui/Batch/sends-exactly-n", test_batch_sends_exactly_n);
  g_test_add_func ("/Osais/Ui/Batch/large-batch-asks-first", test_large_batch_asks_first);
  g_test_add_func ("/Osais/Ui/Batch/last-form-in-new-window", test_last_form_in_new_window);

  status = g_test_run ();

  osais_ui_test_close_offline_window (window, &app);
  return status;
}
