/* test-ui-window.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window as a person uses it, against the in-process simulator:
 * fill the form, run, watch the gallery fill in; drop an image; see a
 * failure; see a wrong value disable Run.
 */

#define G_LOG_DOMAIN "OsaisTestUiWindow"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "osais-application.h"
#include "osais-gallery.h"
#include "osais-gallery-model.h"
#include "osais-input-well.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-gallery-cell-private.h"
#include "osais-gallery-private.h"
#include "osais-image-viewer.h"
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

static GtkWidget *
run_button (void)
{
  GtkWidget *button = osais_ui_test_find_actionable (GTK_WIDGET (window), "win.run");

  g_assert_nonnull (button);
  return button;
}

/* The header bar's slots show words, or where these have no room an icon
 * or nothing (AdwSqueezers): what is shown is what is mapped. Run's words,
 * its icon, and what it says ("_Run", "Sending…"): */
static GtkWidget *
run_words (GtkWidget *run)
{
  return osais_ui_test_find_descendant (run, GTK_TYPE_LABEL);
}

static GtkWidget *
run_icon (GtkWidget *run)
{
  return osais_ui_test_find_descendant (run, GTK_TYPE_IMAGE);
}

static const char *
run_says (GtkWidget *run)
{
  return gtk_label_get_label (GTK_LABEL (run_words (run)));
}

static gboolean
run_in_words (gpointer data)
{
  return gtk_widget_get_mapped (run_words (data)) && !gtk_widget_get_mapped (run_icon (data));
}

static gboolean
run_as_icon (gpointer data)
{
  return gtk_widget_get_mapped (run_icon (data)) && !gtk_widget_get_mapped (run_words (data))
         && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (run_icon (data))),
                       "media-playback-start-symbolic") == 0;
}

/* Screen readers call Run "Run", in words and as an icon: its own name,
 * not its label's, which would be said twice. */
static void
assert_run_named (GtkWidget *run)
{
  g_autofree char *failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (run),
                                                                 GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                                 "Run");

  g_assert_null (failure);
  g_assert_false (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (run),
                                                    GTK_ACCESSIBLE_RELATION_LABELLED_BY));
}

/* The status in the header bar: the title (the app's name over the
 * connection's state), or an icon. */
static gboolean
status_as_title (GtkWidget *header)
{
  GtkWidget *status = adw_header_bar_get_title_widget (ADW_HEADER_BAR (header));

  return gtk_widget_get_mapped (osais_ui_test_find_descendant (status, ADW_TYPE_WINDOW_TITLE))
         && !gtk_widget_get_mapped (osais_ui_test_find_descendant (status, GTK_TYPE_IMAGE));
}

static gboolean
status_as_icon (GtkWidget *header)
{
  GtkWidget *status = adw_header_bar_get_title_widget (ADW_HEADER_BAR (header));

  return gtk_widget_get_mapped (osais_ui_test_find_descendant (status, GTK_TYPE_IMAGE))
         && !gtk_widget_get_mapped (osais_ui_test_find_descendant (status,
                                                                   ADW_TYPE_WINDOW_TITLE));
}

/* The job the last run created: the newest in the store. */
static OsaisJob *
newest_job (void)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (store ())) == 0)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (store ()), 0);
}

typedef struct
{
  guint     jobs_before;
  OsaisJob *job;
} RunState;

static gboolean
new_job_appeared (gpointer data)
{
  RunState *state = data;

  if (g_list_model_get_n_items (G_LIST_MODEL (store ())) <= state->jobs_before)
    return FALSE;
  g_clear_object (&state->job);
  state->job = newest_job ();
  return TRUE;
}

static gboolean
job_complete (gpointer data)
{
  return osais_job_is_complete (OSAIS_JOB (data));
}

/* Presses Run and waits until the job exists. */
static OsaisJob *
press_run (void)
{
  RunState state = { g_list_model_get_n_items (G_LIST_MODEL (store ())), NULL };

  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  osais_ui_test_wait_until (new_job_appeared, &state, "the job to be created");
  return state.job;
}

/* Typing a prompt and pressing Ctrl+Return is a complete request. */
/* The message dialog on screen, if any. */
static GtkWidget *
visible_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (toplevel))
        return toplevel;
    }
  return NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return visible_message_dialog () != NULL;
}

static gboolean
no_message_dialog (gpointer data)
{
  return visible_message_dialog () == NULL;
}

static gboolean
job_deleted (gpointer data)
{
  return osais_store_lookup (store (), *(gint64 *) data) == NULL;
}

/* The viewer deletes a whole job, after asking: its images and their files
 * go with it; Cancel changes nothing. */
static void
test_delete_whole_job (void)
{
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autofree char *path = NULL;
  GtkWidget *viewer;
  GtkWidget *dialog;
  gint64 uid;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "soon deleted");
  job = press_run ();
  osais_ui_test_wait_until (job_complete, job, "the job to finish");
  uid = osais_job_get_uid (job);
  image = g_list_model_get_item (osais_job_get_images (job), 0);
  path = g_file_get_path (osais_image_get_file (image));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Made when first needed, not with the window. */
  g_assert_null (osais_ui_test_find_descendant (GTK_WIDGET (window), OSAIS_TYPE_IMAGE_VIEWER));
  viewer = GTK_WIDGET (_osais_window_get_viewer (OSAIS_WINDOW (window)));
  g_assert_true (osais_ui_test_find_descendant (GTK_WIDGET (window), OSAIS_TYPE_IMAGE_VIEWER)
                 == viewer);
  osais_image_viewer_set_image (OSAIS_IMAGE_VIEWER (viewer), image, job);

  /* Cancel: nothing happens. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.delete-job", NULL));
  osais_ui_test_wait_until (has_message_dialog, NULL, "the question");
  dialog = visible_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  /* Answered from code, the dialog stays: a click would close it. */
  gtk_window_destroy (GTK_WINDOW (dialog));
  osais_ui_test_wait_until (no_message_dialog, NULL, "the question to go");
  g_assert_nonnull (osais_store_lookup (store (), uid));

  /* Delete: the job and its files go. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.delete-job", NULL));
  osais_ui_test_wait_until (has_message_dialog, NULL, "the question again");
  dialog = visible_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  /* Answered from code, the dialog stays: a click would close it. */
  gtk_window_destroy (GTK_WINDOW (dialog));
  osais_ui_test_wait_until (job_deleted, &uid, "the job to be deleted");
  osais_ui_test_wait_until (no_message_dialog, NULL, "the question to go again");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static gboolean
offer_shown (gpointer data)
{
  return osais_ui_test_find_label (GTK_WIDGET (window),
                                   "This image keeps the parameters it was made with") != NULL;
}

static gboolean
offer_gone (gpointer data)
{
  return !offer_shown (data);
}

/* Opens @png as a file handed to the app, with the ping engine (which
 * takes it as input), then takes the parameters the toast offers. */
static void
open_and_use_parameters (GBytes     *png,
                         const char *name)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  osais_ui_test_wait_until (offer_gone, NULL, "an earlier offer to go");
  osais_ui_test_select_engine (window, "ping");
  osais_window_open_files (window, &file, 1);
  osais_ui_test_wait_until (offer_shown, NULL, "the offer of the image's parameters");
  g_assert_true (osais_request_form_get_has_input (osais_window_get_form (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.use-image-parameters",
                                             NULL));
  g_unlink (path);
}

/* A PNG that keeps how it was made (ours, or AUTOMATIC1111's) offers its
 * parameters besides being the input; taken, they fill the form. */
static void
test_use_image_parameters (void)
{
  g_autoptr(GBytes) png = osais_test_make_png (16, 16, 9);
  g_autoptr(GBytes) ours = NULL;
  g_autoptr(GBytes) theirs = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GError) error = NULL;

  ours = osais_png_text_embed_parameters (png, "diffusion", NULL,
                                          "{\"word\":\"kept in the file\",\"steps\":33}",
                                          &error);
  g_assert_no_error (error);
  open_and_use_parameters (ours, "osais-ours.png");
  g_assert_cmpstr (osais_engine_get_name (osais_request_form_get_engine (
                     osais_window_get_form (window))), ==, "diffusion");
  values = osais_request_form_dup_values (osais_window_get_form (window));
  g_assert_cmpstr (g_hash_table_lookup (values, "word"), ==, "kept in the file");
  g_assert_cmpstr (g_hash_table_lookup (values, "steps"), ==, "33");
  g_clear_pointer (&values, g_hash_table_unref);

  theirs = osais_png_text_set (png, "parameters",
                               "a cat in a hat\nNegative prompt: blurry\n"
                               "Steps: 12, Sampler: Euler a, CFG scale: 6, Seed: 42, "
                               "Size: 512x512", &error);
  g_assert_no_error (error);
  open_and_use_parameters (theirs, "a1111.png");
  values = osais_request_form_dup_values (osais_window_get_form (window));
  g_assert_cmpstr (g_hash_table_lookup (values, "word"), ==, "a cat in a hat");
  g_assert_cmpstr (g_hash_table_lookup (values, "steps"), ==, "12");
  g_assert_cmpstr (g_hash_table_lookup (values, "seed"), ==, "42");
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

static gboolean
not_sending (gpointer data)
{
  return !osais_window_get_sending (OSAIS_WINDOW (data));
}

/* Two clicks and Ctrl+Return in a row send one request: Run waits for
 * OSAIS's answer, saying so; pressed again after it, Run sends again. */
static void
test_one_press_one_request (void)
{
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  guint requests = osais_simulator_get_requests (simulator);
  GtkWidget *button = run_button ();

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "pressed three times");
  g_assert_true (osais_request_form_get_valid (osais_window_get_form (window)));
  g_assert_true (gtk_widget_is_sensitive (button));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  g_assert_true (osais_window_get_sending (window));
  /* A card for it at once, before OSAIS answers: there is no job yet. */
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 1);
  {
    GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (
                          osais_gallery_get_grid_view (osais_window_get_gallery (window))));
    g_autoptr(OsaisGalleryItem) first = g_list_model_get_item (shown, 0);
    g_autoptr(GtkWidget) cell = g_object_ref_sink (g_object_new (OSAIS_TYPE_GALLERY_CELL, NULL));

    g_assert_cmpint (osais_gallery_item_get_kind (first), ==, OSAIS_GALLERY_ITEM_CARD);
    g_assert_cmpint (osais_job_get_uid (osais_gallery_item_get_job (first)), ==, 0);
    osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), first);
    g_assert_cmpstr (osais_gallery_cell_get_stage_text (OSAIS_GALLERY_CELL (cell)), ==,
                     "Sending…");
    osais_gallery_cell_set_item (OSAIS_GALLERY_CELL (cell), NULL);
  }
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (run_says (button), ==, "Sending…");
  g_signal_emit_by_name (button, "clicked");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);

  osais_ui_test_wait_until (not_sending, window, "OSAIS to answer the request");
  osais_ui_test_settle (300);
  g_assert_cmpuint (osais_gallery_get_n_sending (osais_window_get_gallery (window)), ==, 0);
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, requests + 1);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (run_says (button), ==, "_Run");

  /* A deliberate second press is a second request. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  osais_ui_test_wait_until (not_sending, window, "OSAIS to answer the second request");
  g_assert_cmpuint (osais_simulator_get_requests (simulator), ==, requests + 2);

  /* Nothing left running for the tests after this one. */
  osais_ui_test_wait_until (no_job_running, NULL, "both jobs to complete");
}

static void
test_focus_in_prompt (void)
{
  GtkWidget *prompt = osais_request_form_get_field (osais_window_get_form (window), "word");
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                 "win.run");

  g_assert_nonnull (focus);
  g_assert_true (focus == prompt || gtk_widget_is_ancestor (focus, prompt));
  g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>Return"));
}

static void
test_diffusion_three_images (void)
{
  OsaisRequestForm *form = osais_window_get_form (window);
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *model = osais_gallery_get_model (gallery);
  GtkGridView *grid = osais_gallery_get_grid_view (gallery);
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisGalleryItem) card = NULL;
  GtkProgressBar *progress;
  GtkWidget *three;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "a lighthouse at dawn, oil painting");
  three = osais_ui_test_find_toggle_button (osais_request_form_get_field (form, "cimg"), "3");
  g_assert_nonnull (three);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (three), TRUE);
  g_assert_true (osais_request_form_get_valid (form));

  /* Slow enough to see the job in progress. */
  g_object_set (simulator, "step-delay", 150, NULL);
  job = press_run ();
  g_assert_cmpstr (osais_job_get_engine (job), ==, "diffusion");

  /* While it runs, the job is a card at the top with its stage in words
   * and a progress bar. */
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, 1);
  card = g_list_model_get_item (model, 0);
  g_assert_cmpint (osais_gallery_item_get_kind (card), ==, OSAIS_GALLERY_ITEM_CARD);
  g_assert_true (osais_gallery_item_get_job (card) == job);
  osais_ui_test_settle (400);
  g_assert_false (osais_job_get_finished (job));
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (grid),
                                              osais_stage_to_string (osais_job_get_stage (job))));
  progress = GTK_PROGRESS_BAR (osais_ui_test_find_descendant (GTK_WIDGET (grid),
                                                              GTK_TYPE_PROGRESS_BAR));
  g_assert_nonnull (progress);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (progress), >, 0.0);
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (progress), <, 1.0);

  osais_ui_test_wait_until (job_complete, job, "the diffusion job to finish");
  g_object_set (simulator, "step-delay", 0, NULL);
  osais_ui_test_settle (500);

  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 3);
  /* Done: the card gave way to the three images, newest job first. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (model, i);

      g_assert_cmpint (osais_gallery_item_get_kind (item), ==, OSAIS_GALLERY_ITEM_IMAGE);
      g_assert_true (osais_gallery_item_get_job (item) == job);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (grid))), ==,
                    g_list_model_get_n_items (model));
  g_assert_cmpuint (osais_simulator_get_acks_bad (simulator), ==, 0);

  /* Wide: the full header, with the app's name and Run in words. */
  g_assert_true (run_in_words (run_button ()));
  g_assert_cmpstr (run_says (run_button ()), ==, "_Run");
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (window), "OSAIS Studio"));

  osais_ui_test_save_screenshot (GTK_WIDGET (window), "window-finished-job.png");
}

static gboolean
form_has_input (gpointer data)
{
  OsaisRequestForm *form = data;

  return osais_request_form_get_has_input (form);
}

static void
test_drop_png_ping (void)
{
  OsaisRequestForm *form = osais_window_get_form (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = osais_simulator_render_png ("dropped", 5, 300, 200, &error);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "dropped.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;
  g_autoptr(GBytes) result = NULL;

  g_assert_no_error (error);
  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);

  osais_ui_test_select_engine (window, "ping");

  /* The window's own drop target, given what a file manager drops. */
  g_assert_true (osais_ui_test_drop_file (GTK_WIDGET (window), file, 100.0, 100.0));

  osais_ui_test_wait_until (form_has_input, form, "the dropped image in the well");
  {
    OsaisInputWell *well = OSAIS_INPUT_WELL (osais_request_form_get_field (form, "url_upload"));

    g_assert_nonnull (well);
    g_assert_true (osais_input_well_get_has_input (well));
    g_assert_nonnull (osais_input_well_get_preview (well));
  }
  g_assert_true (osais_request_form_get_valid (form));

  job = press_run ();
  osais_ui_test_wait_until (job_complete, job, "the ping job to finish");
  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), ==, 1);
  image = g_list_model_get_item (osais_job_get_images (job), 0);
  result = g_file_load_bytes (osais_image_get_file (image), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (result, png));
}

static gboolean
job_finished (gpointer data)
{
  return osais_job_get_finished (OSAIS_JOB (data));
}

static void
test_failed_job (void)
{
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *model = osais_gallery_get_model (gallery);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisGalleryItem) card = NULL;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "this one fails");
  g_object_set (simulator, "fail-engine", "diffusion", NULL);
  job = press_run ();
  osais_ui_test_wait_until (job_finished, job, "the failing job to end");
  g_object_set (simulator, "fail-engine", NULL, NULL);
  osais_ui_test_settle (300);

  g_assert_cmpint (osais_job_get_stage (job), ==, OSAIS_STAGE_ERROR);
  card = g_list_model_get_item (model, 0);
  g_assert_cmpint (osais_gallery_item_get_kind (card), ==, OSAIS_GALLERY_ITEM_CARD);
  g_assert_true (osais_gallery_item_get_job (card) == job);

  /* The card shows the reason, and so does a toast. */
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (osais_gallery_get_grid_view (gallery)),
                                              osais_job_get_error_message (job)));
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (window), "job failed"));
}

static void
test_wrong_value_disables_run (void)
{
  OsaisRequestForm *form = osais_window_get_form (window);
  GtkWidget *seed;
  GtkEditable *editable;

  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "a valid prompt");
  g_assert_true (osais_request_form_get_valid (form));
  g_assert_true (gtk_widget_is_sensitive (run_button ()));

  seed = osais_request_form_get_field (form, "seed");
  g_assert_nonnull (seed);
  editable = GTK_EDITABLE (GTK_IS_EDITABLE (seed) ? seed
                           : osais_ui_test_find_descendant (seed, GTK_TYPE_EDITABLE));
  gtk_editable_set_text (editable, "abc");

  g_assert_false (osais_request_form_get_valid (form));
  g_assert_nonnull (strstr (osais_request_form_get_invalid_reason (form), "eed"));
  g_assert_false (gtk_widget_is_sensitive (run_button ()));
  g_assert_true (gtk_widget_has_css_class (seed, "error")
                 || gtk_widget_has_css_class (GTK_WIDGET (editable), "error"));

  gtk_editable_set_text (editable, "");
  g_assert_true (osais_request_form_get_valid (form));
  g_assert_true (gtk_widget_is_sensitive (run_button ()));
}

typedef struct
{
  GtkWidget *widget;
  int        width;
} WidthWait;

static gboolean
width_at_most (gpointer data)
{
  WidthWait *wait = data;

  return gtk_widget_get_width (wait->widget) <= wait->width;
}

static gboolean
width_at_least (gpointer data)
{
  WidthWait *wait = data;

  return gtk_widget_get_width (wait->widget) >= wait->width;
}

static gboolean
insensitive (gpointer data)
{
  return !gtk_widget_is_sensitive (data);
}

static gboolean
is_select_button (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), "selection-mode-symbolic") == 0;
}

/* Why Run is disabled is said beside it, in the header bar, as what to do
 * in a few words ("Write a prompt", not the field's whole title), and whole
 * as its tooltip: the form's own caption may be below the fold. In a window as
 * wide as the screen every slot of the header bar shows in full: the
 * reason, Run in words, the status as the title, and Select. */
static void
test_run_reason_beside_run (void)
{
  OsaisRequestForm *form = osais_window_get_form (window);
  GtkWidget *header;
  GtkLabel *caption;
  const char *reason;

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 720);
  osais_ui_test_wait_until (width_at_least, &(WidthWait) { GTK_WIDGET (window), 1300 },
                            "the window as wide as the screen");
  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "");
  osais_ui_test_wait_until (insensitive, run_button (), "Run disabled");
  reason = osais_request_form_get_invalid_reason (form);
  g_assert_nonnull (reason);
  /* Allocated anew: a squeezer maps a child that turns visible at once,
   * and only its allocation says whether it has room. */
  osais_ui_test_wait_painted (GTK_WIDGET (window), 2);

  header = gtk_widget_get_ancestor (run_button (), ADW_TYPE_HEADER_BAR);
  g_assert_nonnull (header);
  g_assert_cmpstr (osais_request_form_get_invalid_hint (form), ==, "Write a prompt");
  g_assert_null (osais_ui_test_find_label (header, reason));
  caption = osais_ui_test_find_label (header, "Write a prompt");
  g_assert_nonnull (caption);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (caption)), >, 0);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (caption)), ==, reason);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run_button ()), ==, reason);
  g_assert_true (run_in_words (run_button ()));
  assert_run_named (run_button ());
  g_assert_true (status_as_title (header));
  g_assert_true (gtk_widget_get_mapped (osais_ui_test_find_widget (header, is_select_button,
                                                                    NULL)));
  osais_ui_test_save_screenshot (GTK_WIDGET (window), "window-run-reason.png");

  osais_ui_test_set_prompt (window, "a lighthouse");
  osais_ui_test_settle (100);
  g_assert_true (gtk_widget_is_sensitive (run_button ()));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (caption)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (run_button ()), "Ctrl+Return"));

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  osais_ui_test_wait_until (width_at_most, &(WidthWait) { GTK_WIDGET (window), 1100 },
                            "the window back at its width");
}

/* A window 1200 px wide, its sidebar unfolded, with GNOME's buttons. */
static OsaisWindow *
new_wide_window (void)
{
  OsaisWindow *wide;

  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", ":close", NULL);
  wide = osais_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (wide), 1200, 720);
  gtk_window_present (GTK_WINDOW (wide));
  osais_ui_test_settle (1000);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (wide)), >=, 1000);
  return wide;
}

/* The four widgets libadwaita's shadow helper parents to the flap, by their
 * CSS names (see osais-flap-shadow.h). */
static GPtrArray *
flap_shadow_widgets (AdwFlap *flap)
{
  static const char * const names[] = { "dimming", "shadow", "border", "outline", NULL };
  GPtrArray *widgets = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (flap)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strv_contains (names, gtk_widget_get_css_name (child)))
      g_ptr_array_add (widgets, child);

  return widgets;
}

static gboolean
flap_shadow_shown (gpointer data)
{
  g_autoptr(GPtrArray) widgets = flap_shadow_widgets (data);

  for (guint i = 0; i < widgets->len; i++)
    if (!gtk_widget_get_visible (widgets->pdata[i]))
      return FALSE;

  return widgets->len > 0;
}

static gboolean
flap_shadow_hidden (gpointer data)
{
  g_autoptr(GPtrArray) widgets = flap_shadow_widgets (data);

  for (guint i = 0; i < widgets->len; i++)
    if (gtk_widget_get_visible (widgets->pdata[i]))
      return FALSE;

  return TRUE;
}

static gboolean
flap_folded (gpointer data)
{
  return adw_flap_get_folded (data);
}

static gboolean
flap_unfolded (gpointer data)
{
  return !adw_flap_get_folded (data);
}

static void
record_layout_frame_cb (GdkFrameClock *clock,
                        GHashTable    *frames)
{
  g_hash_table_add (frames, GINT_TO_POINTER (gdk_frame_clock_get_frame_counter (clock)));
}

/* The gallery lies inside the sidebar's flap, whose shadow widgets
 * libadwaita 1.2 restyles at each of its allocations, which in GTK 4.8
 * makes the next frame lay the whole window out again. Unfolded, they are
 * hidden: the gallery laid out again (as at each new image) is one frame's
 * layout, not that frame's and the next's. Folded, they are shown, for the
 * overlay's dimming and shadow, and hidden again once unfolded. */
static void
test_flap_shadow_hidden_while_unfolded (void)
{
  g_autoptr(GHashTable) layout_frames = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) shadow = NULL;
  OsaisWindow *wide;
  AdwFlap *flap;
  GdkFrameClock *clock;
  GtkWidget *gallery;
  guint fewest_layouts = G_MAXUINT;
  gulong id;

  wide = new_wide_window ();
  flap = ADW_FLAP (osais_ui_test_find_descendant (GTK_WIDGET (wide), ADW_TYPE_FLAP));
  shadow = flap_shadow_widgets (flap);
  g_assert_cmpuint (shadow->len, ==, 4);
  g_assert_false (adw_flap_get_folded (flap));
  g_assert_true (flap_shadow_hidden (flap));

  gallery = GTK_WIDGET (osais_window_get_gallery (wide));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (wide));
  osais_ui_test_wait_painted (GTK_WIDGET (wide), 2);
  id = g_signal_connect_after (clock, "layout", G_CALLBACK (record_layout_frame_cb), layout_frames);
  /* The fewest frames laid out in three tries: anything else that lays
   * the window out meanwhile (a status change on a loaded machine) adds to
   * one try, not to all three. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_hash_table_remove_all (layout_frames);
      /* As the gallery's grid does when its items change (the history is
       * empty here: the grid is not shown, the gallery's empty page is). */
      gtk_widget_queue_resize (gallery);
      osais_ui_test_wait_painted (GTK_WIDGET (wide), 5);
      fewest_layouts = MIN (fewest_layouts, g_hash_table_size (layout_frames));
    }
  g_signal_handler_disconnect (clock, id);
  g_assert_cmpuint (fewest_layouts, ==, 1);

  gtk_window_set_default_size (GTK_WINDOW (wide), 370, 640);
  osais_ui_test_wait_until (flap_folded, flap, "the sidebar folded");
  g_assert_true (flap_shadow_shown (flap));
  adw_flap_set_reveal_flap (flap, TRUE);
  osais_ui_test_wait_painted (GTK_WIDGET (wide), 2);
  g_assert_true (gtk_widget_get_child_visible (shadow->pdata[0]));
  osais_ui_test_save_screenshot (GTK_WIDGET (wide), "window-folded-sidebar.png");

  gtk_window_set_default_size (GTK_WINDOW (wide), 1200, 720);
  osais_ui_test_wait_until (flap_unfolded, flap, "the sidebar unfolded");
  osais_ui_test_wait_until (flap_shadow_hidden, flap, "the shadow hidden");

  /* Folded again while the hide after unfolding is pending: the hide does
   * not come after the fold. */
  gtk_window_set_default_size (GTK_WINDOW (wide), 370, 640);
  osais_ui_test_wait_until (flap_folded, flap, "the sidebar folded again");
  gtk_window_set_default_size (GTK_WINDOW (wide), 1200, 720);
  osais_ui_test_wait_until (flap_unfolded, flap, "the sidebar unfolded again");
  gtk_window_set_default_size (GTK_WINDOW (wide), 370, 640);
  osais_ui_test_wait_until (flap_folded, flap, "the sidebar folded at once");
  osais_ui_test_settle (2 * adw_flap_get_fold_duration (flap));
  g_assert_true (flap_shadow_shown (flap));

  osais_ui_test_destroy_window (wide);
}

/* A window that starts wide (its sidebar unfolded) and is narrowed in one
 * jump (a restored size, a tiling request) reaches 360 px: the header bar's
 * wide slots give way within that one allocation, so that they do not
 * hold the window wider. */
static void
test_narrow_from_wide_at_once (void)
{
  OsaisWindow *wide;
  GtkWidget *header;
  GtkWidget *run;

  wide = new_wide_window ();
  run = osais_ui_test_find_actionable (GTK_WIDGET (wide), "win.run");
  header = gtk_widget_get_ancestor (run, ADW_TYPE_HEADER_BAR);
  g_assert_true (run_in_words (run));
  g_assert_true (status_as_title (header));

  /* Without a compositor GTK frames the window with 5 px a side. */
  gtk_window_set_default_size (GTK_WINDOW (wide), 370, 640);
  osais_ui_test_wait_until (width_at_most, &(WidthWait) { GTK_WIDGET (wide), 360 },
                            "the window at 360 px");
  osais_ui_test_wait_painted (GTK_WIDGET (wide), 1);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (wide)), ==, 360);
  g_assert_true (run_as_icon (run));
  g_assert_true (status_as_icon (header));

  /* And back: the sidebar unfolds and the header's slots are wide again. */
  gtk_window_set_default_size (GTK_WINDOW (wide), 1200, 720);
  osais_ui_test_wait_until (width_at_least, &(WidthWait) { GTK_WIDGET (wide), 1000 },
                            "the window wide again");
  osais_ui_test_wait_until (run_in_words, run, "Run in words again");
  g_assert_true (status_as_title (header));

  osais_ui_test_destroy_window (wide);
}

/* A window that starts wide (its sidebar unfolded) can be narrowed to
 * 360 px as a person drags its edge: each step reaches its width (the
 * sidebar folds on the way, and the header bar's slots give way one by
 * one), and it ends at 360 px with Run as an icon. */
static void
test_narrow_from_wide (void)
{
  static const int widths[] = { 900, 700, 560, 480, 440, 400, 370 };
  OsaisWindow *wide;
  GtkWidget *run;

  wide = new_wide_window ();

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      gtk_window_set_default_size (GTK_WINDOW (wide), widths[i], 640);
      /* Each step waits for the window to reach its width (a loaded
       * machine can delay it past a fixed settle), and fails if it never
       * does. */
      osais_ui_test_wait_until (width_at_most, &(WidthWait) { GTK_WIDGET (wide), widths[i] },
                                "the window at its asked width");
      g_test_message ("Asked for %d px, got %d px", widths[i],
                      gtk_widget_get_width (GTK_WIDGET (wide)));
      g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (wide)), <=, widths[i]);
    }

  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (wide)), ==, 360);
  run = osais_ui_test_find_actionable (GTK_WIDGET (wide), "win.run");
  osais_ui_test_wait_painted (GTK_WIDGET (wide), 1);
  g_assert_true (run_as_icon (run));
  osais_ui_test_save_screenshot (GTK_WIDGET (wide), "window-narrowed-from-wide.png");

  osais_ui_test_destroy_window (wide);
}

/* At 360 px (a phone) the sidebar folds and the header bar still fits
 * (GTK warns of anything drawn without room, and warnings are fatal
 * here): Run is an icon that screen readers still call "Run", the status
 * an icon, the engine's name whole; Select and why Run is disabled give
 * way, the reason staying in Run's tooltip. */
static void
test_narrow (void)
{
  OsaisWindow *narrow;
  GtkWidget *header;
  GtkWidget *run;
  GtkLabel *engine;
  GtkWidget *status_icon;
  GtkWidget *seed;
  g_autofree char *reason = NULL;
  int header_min = 0;

  /* GNOME's own layout: no minimize and maximize buttons. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", ":close", NULL);
  narrow = osais_window_new (app);
  /* Without a compositor GTK frames the window with 5 px a side: a 370 px
   * window leaves 360 px to the app. */
  gtk_window_set_default_size (GTK_WINDOW (narrow), 370, 640);
  gtk_window_present (GTK_WINDOW (narrow));
  /* A prompt (the last form restored fills only an empty one) and a seed
   * that is not one disable Run. */
  osais_ui_test_select_engine (narrow, "diffusion");
  osais_ui_test_set_prompt (narrow, "a narrow window");
  seed = osais_request_form_get_field (osais_window_get_form (narrow), "seed");
  gtk_editable_set_text (GTK_EDITABLE (GTK_IS_EDITABLE (seed) ? seed
                                       : osais_ui_test_find_descendant (seed, GTK_TYPE_EDITABLE)),
                         "abc");
  run = osais_ui_test_find_actionable (GTK_WIDGET (narrow), "win.run");
  osais_ui_test_wait_until (insensitive, run, "Run disabled");
  reason = g_strdup (osais_request_form_get_invalid_reason (osais_window_get_form (narrow)));
  g_assert_nonnull (strstr (reason, "eed"));
  osais_ui_test_wait_until (run_as_icon, run, "Run as an icon");
  /* Allocated anew since the reason turned visible (see
   * test_run_reason_beside_run()). */
  osais_ui_test_wait_painted (GTK_WIDGET (narrow), 2);

  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (narrow)), <=, 360);
  header = gtk_widget_get_ancestor (run, ADW_TYPE_HEADER_BAR);
  gtk_widget_measure (header, GTK_ORIENTATION_HORIZONTAL, -1, &header_min, NULL, NULL, NULL);
  g_assert_cmpint (header_min, <=, gtk_widget_get_width (header));
  assert_run_named (run);
  /* The status is an icon, and the engine's name is whole. */
  engine = osais_ui_test_find_label (header, "diffusion");
  g_assert_nonnull (engine);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (engine)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (engine)));
  g_assert_true (status_as_icon (header));
  status_icon = osais_ui_test_find_descendant (
    adw_header_bar_get_title_widget (ADW_HEADER_BAR (header)), GTK_TYPE_IMAGE);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (status_icon)), ==,
                   "network-transmit-receive-symbolic");
  /* Select is in the main menu; the reason is Run's tooltip. */
  g_assert_false (gtk_widget_get_mapped (osais_ui_test_find_widget (header, is_select_button,
                                                                     NULL)));
  g_assert_null (osais_ui_test_find_label (header, reason));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run), ==, reason);
  osais_ui_test_save_screenshot (GTK_WIDGET (narrow), "window-narrow.png");

  osais_ui_test_destroy_window (narrow);
}

/* Shortcuts window -------------------------------------------------------- */

static gboolean
has_help_overlay (gpointer data)
{
  return gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (data)) != NULL;
}

/* The shortcuts window (Ctrl+?) is built once the window has drawn its
 * first frame, not with the window, as GTK does for a gtk/help-overlay.ui. */
static void
test_shortcuts_after_first_frame (void)
{
  OsaisWindow *shown = osais_window_new (app);
  GtkShortcutsWindow *overlay;

  g_assert_null (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (shown)));
  g_assert_false (g_action_group_has_action (G_ACTION_GROUP (shown), "show-help-overlay"));
  gtk_window_set_default_size (GTK_WINDOW (shown), 1200, 720);
  gtk_window_present (GTK_WINDOW (shown));
  osais_ui_test_wait_until (has_help_overlay, shown, "the shortcuts window");

  /* Ctrl+? and the main menu's item have their action. */
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (shown));
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (shown), "show-help-overlay"));

  osais_ui_test_destroy_window (shown);
}

/* Sign Out ---------------------------------------------------------------- */

static AdwMessageDialog *
find_message_dialog (void)
{
  GtkWidget *dialog = visible_message_dialog ();

  if (dialog == NULL)
    g_error ("No message dialog is open");
  return ADW_MESSAGE_DIALOG (dialog);
}

static gboolean
is_main_stack (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "welcome");
}

/* Whether @model, or a section of it, has an item for @action hidden while
 * the action is disabled. */
static gboolean
menu_hides_disabled (GMenuModel *model,
                     const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      g_autofree char *name = NULL;
      g_autofree char *hidden_when = NULL;

      if (section != NULL && menu_hides_disabled (section, action))
        return TRUE;
      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &name)
          && g_str_equal (name, action)
          && g_menu_model_get_item_attribute (model, i, "hidden-when", "s", &hidden_when)
          && g_str_equal (hidden_when, "action-disabled"))
        return TRUE;
    }

  return FALSE;
}

/* The main menu offers Sign Out only when signed in with a client app; it
 * asks, then shows the welcome page. Last: it leaves the window signed out. */
static void
test_sign_out_in_main_menu (void)
{
  GtkWidget *probe = gtk_button_new ();
  GtkWidget *main_stack = osais_ui_test_find_widget (GTK_WIDGET (window), is_main_stack, NULL);
  GtkWidget *menu_button = osais_ui_test_find_descendant (GTK_WIDGET (window),
                                                          GTK_TYPE_MENU_BUTTON);
  GtkWidget *box = osais_ui_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_BOX);
  GMenuModel *menu;

  g_assert_nonnull (main_stack);
  g_assert_nonnull (menu_button);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  g_assert_true (menu_hides_disabled (menu, "win.sign-out"));

  /* A button on the action shows whether the menu would: it is insensitive
   * while the action is disabled. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (probe), "win.sign-out");
  gtk_box_append (GTK_BOX (box), probe);
  g_assert_cmpint (osais_session_get_account_mode (session ()), ==, OSAIS_ACCOUNT_MODE_OFFLINE);
  g_assert_false (gtk_widget_get_sensitive (probe));

  g_object_set (session (), "account-mode", OSAIS_ACCOUNT_MODE_ACCOUNT, NULL);
  g_assert_true (gtk_widget_get_sensitive (probe));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.sign-out", NULL));
  adw_message_dialog_response (find_message_dialog (), "sign-out");
  g_assert_cmpint (osais_session_get_account_mode (session ()), ==, OSAIS_ACCOUNT_MODE_NONE);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (main_stack)), ==, "welcome");
  g_assert_false (gtk_widget_get_sensitive (probe));

  gtk_box_remove (GTK_BOX (box), probe);
  osais_ui_test_settle (100);
}

/* Ctrl+F: the search bar filters the gallery to the jobs whose prompt has
 * the words typed, with the count; closed, the gallery shows everything.
 * The viewer's star goes through the window to the store. */
typedef struct
{
  GListModel *shown;
  guint       n;
} ShownCount;

static gboolean
shown_count_is (gpointer data)
{
  ShownCount *count = data;

  return g_list_model_get_n_items (count->shown) == count->n;
}

static gboolean
label_shown (gpointer data)
{
  return osais_ui_test_find_label (GTK_WIDGET (window), data) != NULL;
}

static gboolean
image_starred (gpointer data)
{
  return osais_image_get_favourite (data);
}

static gboolean
search_prepared (gpointer data)
{
  return osais_gallery_get_search_prepared (data);
}

static void
test_search_filters_gallery (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GtkGridView *grid = osais_gallery_get_grid_view (gallery);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (grid));
  g_autoptr(OsaisJob) quokka = NULL;
  g_autoptr(OsaisJob) other = NULL;
  g_autoptr(OsaisImage) first = NULL;
  g_autoptr(OsaisImage) second = NULL;
  g_autoptr(OsaisImage) third = NULL;
  OsaisImageViewer *viewer;
  GtkWidget *entry;
  GtkWidget *bar;
  GtkWidget *star;
  ShownCount count = { shown, 0 };
  guint all;

  quokka = osais_test_store_create_job (store (), 914001, "{\"word\":\"a zebra quokka\"}");
  first = osais_test_store_add_image (store (), 914001, 1, 32, 32);
  second = osais_test_store_add_image (store (), 914001, 2, 32, 32);
  osais_test_store_notify (store (), 914001, OSAIS_STAGE_FINISHED, 2, NULL);
  other = osais_test_store_create_job (store (), 914002, "{\"word\":\"a zebra crossing\"}");
  third = osais_test_store_add_image (store (), 914002, 1, 32, 32);
  osais_test_store_notify (store (), 914002, OSAIS_STAGE_FINISHED, 1, NULL);
  osais_ui_test_settle (100);
  all = g_list_model_get_n_items (shown);
  g_assert_cmpuint (all, >=, 3);

  bar = osais_ui_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_SEARCH_BAR);
  /* The bar's own: the engine drop-down has one too. */
  entry = osais_ui_test_find_descendant (bar, GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (bar);
  g_assert_nonnull (entry);
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  /* Opened: the first search is prepared before the first letter, off
   * the keystroke. */
  g_assert_false (osais_gallery_get_search_prepared (gallery));
  osais_ui_test_wait_until (search_prepared, gallery, "the search prepared");

  /* As typed: the last word is a prefix. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "zebra quo");
  count.n = 2;
  osais_ui_test_wait_until (shown_count_is, &count, "the quokka's two images");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, i);

      g_assert_true (osais_gallery_item_get_job (item) == quokka);
    }
  osais_ui_test_wait_until (label_shown, (gpointer) "2 images", "the count");

  gtk_editable_set_text (GTK_EDITABLE (entry), "zebra");
  count.n = 3;
  osais_ui_test_wait_until (shown_count_is, &count, "both zebras' three images");
  osais_ui_test_wait_until (label_shown, (gpointer) "3 images", "the count");
  osais_ui_test_settle (200);
  osais_ui_test_save_screenshot (GTK_WIDGET (window), "window-search.png");

  gtk_editable_set_text (GTK_EDITABLE (entry), "\"NEAR( zebra*");
  count.n = 0;
  osais_ui_test_wait_until (shown_count_is, &count, "no match");
  osais_ui_test_wait_until (label_shown, (gpointer) "No matches", "no match said");
  osais_ui_test_wait_until (label_shown, (gpointer) "No Results Found", "the empty page");

  /* The viewer's star, through the window, to the store. */
  viewer = _osais_window_get_viewer (OSAIS_WINDOW (window));
  osais_image_viewer_set_image (viewer, third, other);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.toggle-favourite",
                                             NULL));
  osais_ui_test_wait_until (image_starred, third, "the image starred");
  osais_image_viewer_set_image (viewer, NULL, NULL);

  /* Favourites only: with no text, the one starred image; with "quokka",
   * none. */
  star = osais_ui_test_find_descendant (bar, GTK_TYPE_TOGGLE_BUTTON);
  g_assert_nonnull (star);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (star), TRUE);
  count.n = 1;
  osais_ui_test_wait_until (shown_count_is, &count, "the favourite");
  {
    g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, 0);

    g_assert_true (osais_gallery_item_get_image (item) == third);
  }
  osais_ui_test_wait_until (label_shown, (gpointer) "1 image", "the count");
  gtk_editable_set_text (GTK_EDITABLE (entry), "quokka");
  count.n = 0;
  osais_ui_test_wait_until (shown_count_is, &count, "no starred quokka");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (star), FALSE);
  count.n = 2;
  osais_ui_test_wait_until (shown_count_is, &count, "the quokka's images again");

  /* Closed: everything again. */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (bar), FALSE);
  count.n = all;
  osais_ui_test_wait_until (shown_count_is, &count, "the whole gallery");
}

/* Whether the keyboard focus is in a tile of @data (an OsaisJob). */
static gboolean
focus_in_job (gpointer data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *cell = NULL;
  OsaisGalleryItem *item;

  if (focus != NULL)
    cell = OSAIS_IS_GALLERY_CELL (focus) ? focus
                                         : gtk_widget_get_ancestor (focus, OSAIS_TYPE_GALLERY_CELL);
  if (cell == NULL && focus != NULL)
    cell = osais_ui_test_find_descendant (focus, OSAIS_TYPE_GALLERY_CELL);
  if (cell == NULL)
    return FALSE;
  item = osais_gallery_cell_get_item (OSAIS_GALLERY_CELL (cell));
  return item != NULL && osais_gallery_item_get_job (item) == data;
}

/* A notification's job that the search shown leaves out: the search is
 * closed (the user asked for that job), and its tile takes the focus. */
static void
test_show_job_filtered_out (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gallery)));
  GtkWidget *bar = osais_ui_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_SEARCH_BAR);
  GtkWidget *entry = osais_ui_test_find_descendant (bar, GTK_TYPE_SEARCH_ENTRY);
  g_autoptr(OsaisJob) pony = NULL;
  g_autoptr(OsaisJob) walrus = NULL;
  g_autoptr(OsaisImage) pony_image = NULL;
  g_autoptr(OsaisImage) walrus_image = NULL;
  ShownCount count = { shown, 1 };

  pony = osais_test_store_create_job (store (), 916001, "{\"word\":\"a zebra pony\"}");
  pony_image = osais_test_store_add_image (store (), 916001, 1, 32, 32);
  osais_test_store_notify (store (), 916001, OSAIS_STAGE_FINISHED, 1, NULL);
  walrus = osais_test_store_create_job (store (), 916002, "{\"word\":\"a walrus\"}");
  walrus_image = osais_test_store_add_image (store (), 916002, 1, 32, 32);
  osais_test_store_notify (store (), 916002, OSAIS_STAGE_FINISHED, 1, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), "zebra pony");
  osais_ui_test_wait_until (shown_count_is, &count, "the pony alone");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-job", "x",
                                             (gint64) 916002));
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >=, 2);
  osais_ui_test_wait_until (focus_in_job, walrus, "the walrus's tile focused");

  /* Shown by the search: the search stays. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), "zebra pony");
  osais_ui_test_wait_until (shown_count_is, &count, "the pony alone again");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-job", "x",
                                             (gint64) 916001));
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  osais_ui_test_wait_until (focus_in_job, pony, "the pony's tile focused");
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (bar), FALSE);
}

static gboolean
gallery_selecting (gpointer data)
{
  return osais_gallery_get_selection_mode (data);
}

/* The header's Select button and the gallery's selection mode go together:
 * pressed, the mode is on with nothing selected; left with Escape's action,
 * the button is released. */
static void
test_select_button (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GtkWidget *button = osais_ui_test_find_widget (GTK_WIDGET (window), is_select_button, NULL);

  g_assert_nonnull (button);
  g_assert_false (osais_gallery_get_selection_mode (gallery));
  /* As Space on the focused button does: pressed, then clicked. */
  gtk_widget_activate (button);
  osais_ui_test_wait_until (gallery_selecting, gallery, "selection mode");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  osais_ui_test_settle (200);
  osais_ui_test_save_screenshot (GTK_WIDGET (window), "window-select-button.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gallery), "gallery.leave-selection",
                                             NULL));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_false (osais_gallery_get_selection_mode (gallery));
}

static gboolean
gallery_empty (gpointer data)
{
  return osais_gallery_get_empty (data);
}

static gboolean
gallery_not_empty (gpointer data)
{
  return !osais_gallery_get_empty (data);
}

/* Nothing shown, nothing to select: a search that finds nothing leaves
 * selection mode and makes Select (the button, the menu's item) insensitive,
 * until there are tiles again. */
static void
test_select_button_empty (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GtkWidget *button = osais_ui_test_find_widget (GTK_WIDGET (window), is_select_button, NULL);
  GtkWidget *bar = osais_ui_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_SEARCH_BAR);
  GtkWidget *entry = osais_ui_test_find_descendant (bar, GTK_TYPE_SEARCH_ENTRY);
  g_autoptr(OsaisJob) job = NULL;
  g_autoptr(OsaisImage) image = NULL;

  job = osais_test_store_create_job (store (), 917001, "{\"word\":\"a heron\"}");
  image = osais_test_store_add_image (store (), 917001, 1, 32, 32);
  osais_test_store_notify (store (), 917001, OSAIS_STAGE_FINISHED, 1, NULL);
  osais_ui_test_wait_until (gallery_not_empty, gallery, "a tile");
  g_assert_true (gtk_widget_get_sensitive (button));
  gtk_widget_activate (button);
  osais_ui_test_wait_until (gallery_selecting, gallery, "selection mode");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), "xyzzy nowhere");
  osais_ui_test_wait_until (gallery_empty, gallery, "no results");
  g_assert_false (gtk_widget_get_sensitive (button));
  g_assert_false (osais_gallery_get_selection_mode (gallery));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  /* The main menu's way in (for a header bar without room for Select) is
   * off too. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.select-images", NULL);
  g_assert_false (osais_gallery_get_selection_mode (gallery));

  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (bar), FALSE);
  osais_ui_test_wait_until (gallery_not_empty, gallery, "the tiles again");
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.select-images", NULL));
  g_assert_true (osais_gallery_get_selection_mode (gallery));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gallery), "gallery.leave-selection",
                                             NULL));
}

/* Header capitalization ------------------------------------------------- */

/* @text as a title to check: mnemonics and a trailing ellipsis off. */
static void
check_title (const char *text,
             const char *where,
             GPtrArray  *wrong)
{
  g_autofree char *title = NULL;
  GString *plain;

  if (text == NULL || *text == '\0')
    return;
  plain = g_string_new (text);
  g_string_replace (plain, "_", "", 0);
  if (g_str_has_suffix (plain->str, "…"))
    g_string_truncate (plain, plain->len - strlen ("…"));
  title = g_string_free (plain, FALSE);
  if (!osais_test_is_header_capitalized (title))
    g_ptr_array_add (wrong, g_strdup_printf ("%s “%s”", where, title));
}

static void
check_menu_titles (GMenuModel *menu,
                   GPtrArray  *wrong)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        check_title (label, "menu item", wrong);
      while (g_menu_link_iter_next (links))
        {
          g_autoptr(GMenuModel) link = g_menu_link_iter_get_value (links);

          check_menu_titles (link, wrong);
        }
    }
}

static gboolean
is_heading (GtkWidget *widget)
{
  static const char * const classes[] = { "heading", "title-1", "title-2", "title-3",
                                          "title-4", NULL };

  for (guint i = 0; classes[i] != NULL; i++)
    if (gtk_widget_has_css_class (widget, classes[i]))
      return TRUE;
  return FALSE;
}

/* A choice's buttons show its values ("x2"), not titles. */
static gboolean
is_choice_value (GtkWidget *widget)
{
  return GTK_IS_TOGGLE_BUTTON (widget)
         && gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget))
            == GTK_ACCESSIBLE_ROLE_RADIO;
}

/* The titles a person reads as such: buttons, menu items, groups and rows,
 * headings, status pages. The gallery's cards and tiles are left out: they
 * show the person's own prompts and the engines' names; and toasts. */
static void
collect_wrong_titles (GtkWidget *widget,
                      GPtrArray *wrong)
{
  /* A toast says a passing event in a sentence. */
  if (OSAIS_IS_GALLERY (widget) || g_str_equal (gtk_widget_get_css_name (widget), "toast"))
    return;

  if (GTK_IS_BUTTON (widget) && !GTK_IS_MENU_BUTTON (widget) && !is_choice_value (widget))
    check_title (gtk_button_get_label (GTK_BUTTON (widget)), "button", wrong);
  else if (GTK_IS_MENU_BUTTON (widget))
    {
      GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget));

      check_title (gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)), "menu button", wrong);
      if (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL)
        check_menu_titles (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)), wrong);
      else if (popover != NULL)
        collect_wrong_titles (GTK_WIDGET (popover), wrong);
    }
  else if (ADW_IS_PREFERENCES_GROUP (widget))
    check_title (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), "group",
                 wrong);
  else if (ADW_IS_PREFERENCES_ROW (widget))
    check_title (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "row", wrong);
  else if (ADW_IS_STATUS_PAGE (widget))
    check_title (adw_status_page_get_title (ADW_STATUS_PAGE (widget)), "status page", wrong);
  else if (ADW_IS_WINDOW_TITLE (widget))
    check_title (adw_window_title_get_title (ADW_WINDOW_TITLE (widget)), "window title", wrong);
  else if (GTK_IS_LABEL (widget) && is_heading (widget))
    check_title (gtk_label_get_text (GTK_LABEL (widget)), "heading", wrong);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_wrong_titles (child, wrong);
}

static gboolean
has_preferences (gpointer data)
{
  GtkWidget **preferences = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  *preferences = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_PREFERENCES_WINDOW (toplevel) && gtk_widget_get_mapped (toplevel))
        *preferences = toplevel;
    }
  return *preferences != NULL;
}

/* The HIG's header capitalization on every title of the window (each
 * engine's form in turn) and of the preferences. */
static void
test_header_capitalization (void)
{
  g_autoptr(GPtrArray) wrong = g_ptr_array_new_with_free_func (g_free);
  GtkDropDown *dropdown = osais_window_get_engine_dropdown (window);
  GListModel *engines = gtk_drop_down_get_model (dropdown);
  guint selected = gtk_drop_down_get_selected (dropdown);
  GtkWidget *preferences = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      gtk_drop_down_set_selected (dropdown, i);
      osais_ui_test_settle (50);
      collect_wrong_titles (GTK_WIDGET (window), wrong);
    }
  gtk_drop_down_set_selected (dropdown, selected);

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  osais_ui_test_wait_until (has_preferences, &preferences, "the preferences");
  collect_wrong_titles (preferences, wrong);
  gtk_window_close (GTK_WINDOW (preferences));

  for (guint i = 0; i < wrong->len; i++)
    g_test_message ("Not in header capitalization: %s", (char *) g_ptr_array_index (wrong, i));
  g_assert_cmpuint (wrong->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  osais_ui_test_init (&argc, &argv);

  window = osais_ui_test_open_offline_window (&app);

  g_test_add_func ("/Osais/Ui/Window/focus-in-prompt", test_focus_in_prompt);
  g_test_add_func ("/Osais/Ui/Window/diffusion-three-images", test_diffusion_three_images);
  g_test_add_func ("/Osais/Ui/Window/drop-png-ping", test_drop_png_ping);
  g_test_add_func ("/Osais/Ui/Window/failed-job", test_failed_job);
  g_test_add_func ("/Osais/Ui/Window/wrong-value-disables-run", test_wrong_value_disables_run);
  g_test_add_func ("/Osais/Ui/Window/one-press-one-request", test_one_press_one_request);
  g_test_add_func ("/Osais/Ui/Window/use-image-parameters", test_use_image_parameters);
  g_test_add_func ("/Osais/Ui/Window/delete-whole-job", test_delete_whole_job);
  g_test_add_func ("/Osais/Ui/Window/search-filters-gallery", test_search_filters_gallery);
  g_test_add_func ("/Osais/Ui/Window/select-button", test_select_button);
  g_test_add_func ("/Osais/Ui/Window/select-button-empty", test_select_button_empty);
  g_test_add_func ("/Osais/Ui/Window/show-job-filtered-out", test_show_job_filtered_out);

  g_test_add_func ("/Osais/Ui/Window/run-reason-beside-run", test_run_reason_beside_run);
  g_test_add_func ("/Osais/Ui/Window/narrow", test_narrow);
  g_test_add_func ("/Osais/Ui/Window/narrow-from-wide", test_narrow_from_wide);
  g_test_add_func ("/Osais/Ui/Window/narrow-from-wide-at-once", test_narrow_from_wide_at_once);
  g_test_add_func ("/Osais/Ui/Window/flap-shadow-hidden-while-unfolded",
                   test_flap_shadow_hidden_while_unfolded);
  g_test_add_func ("/Osais/Ui/Window/sign-out-in-main-menu", test_sign_out_in_main_menu);
  g_test_add_func ("/Osais/Ui/Window/header-capitalization", test_header_capitalization);
  g_test_add_func ("/Osais/Ui/Window/shortcuts-after-first-frame",
                   test_shortcuts_after_first_frame);

  status = g_test_run ();

  osais_ui_test_close_offline_window (window, &app);
  return status;
}
