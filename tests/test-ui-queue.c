/* test-ui-queue.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The jobs in flight and the search's filters, in the main window: the
 * running jobs listed together, Stop Waiting on a slow simulator job (it
 * leaves the gallery, what the AI sends later is still stored), and each
 * filter of the search bar against a brute force over a generated history.
 */

#define G_LOG_DOMAIN "OsaisTestUiQueue"

#include "config.h"

#include <sqlite3.h>

#include "osais-application.h"
#include "osais-gallery-model.h"
#include "osais-gallery-private.h"
#include "osais-request-form.h"
#include "osais-running-popover-private.h"
#include "osais-search-options.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window-private.h"
#include "osais-window.h"

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
history_loaded (gpointer data)
{
  return osais_store_get_history_loaded (store ());
}

/* The generated history ---------------------------------------------------
 *
 * Written before the application starts, as if made over a year: engines,
 * days, favourites, failed, running and dismissed jobs, so that each filter
 * keeps some and leaves some. */

#define N_GENERATED   60
#define FIRST_UID     5000
#define DAY           (G_USEC_PER_SEC * (gint64) 24 * 3600)

static const char * const engines[] = { "diffusion", "gfpgan", "rembg" };
/* Days ago: today, this week, this month, this year, older. */
static const int days_ago[] = { 0, 3, 20, 200, 500 };

typedef struct
{
  gint64      uid;
  const char *engine;
  gint64      created;
  OsaisStage  stage;
  gboolean    dismissed;
  guint       n_images;
  GArray     *favourites;  /* guint: which of its images are starred */
} Generated;

static Generated generated[N_GENERATED];

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
generate_history (void)
{
  g_autofree char *dir = osais_store_default_data_dir ();
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1415);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 now_usec = g_date_time_to_unix (now) * G_USEC_PER_SEC;
  OsaisStore *history;
  sqlite3 *db = NULL;

  history = osais_store_open (dir, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N_GENERATED; i++)
    {
      Generated *g = &generated[i];
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(OsaisJob) job = NULL;
      guint kind = g_rand_int_range (rand, 0, 6);

      g->uid = FIRST_UID + i;
      g->engine = engines[g_rand_int_range (rand, 0, G_N_ELEMENTS (engines))];
      /* An hour into the day counted back: "today" holds whatever the
       * time now, and none is in the future. */
      g->created = now_usec - days_ago[g_rand_int_range (rand, 0, G_N_ELEMENTS (days_ago))] * DAY
                   - g_rand_int_range (rand, 0, 60) * G_USEC_PER_SEC;
      g->stage = kind == 0 ? OSAIS_STAGE_ERROR :
                 kind == 1 ? OSAIS_STAGE_STARTED :
                 kind == 2 ? OSAIS_STAGE_REQUEST_SENT : OSAIS_STAGE_FINISHED;
      g->dismissed = g_rand_int_range (rand, 0, 8) == 0;
      g->n_images = g->stage == OSAIS_STAGE_FINISHED ? g_rand_int_range (rand, 1, 3) : 0;
      g->favourites = g_array_new (FALSE, FALSE, sizeof (guint));

      osais_store_create_job_async (history, 0, g->uid, "t", g->engine, "{\"word\":\"generated\"}",
                                    NULL, osais_test_store_result_cb, &result);
      osais_test_wait_until (result_set, &result, "a job");
      job = osais_store_create_job_finish (history, result, &error);
      g_assert_no_error (error);
      for (guint k = 0; k < g->n_images; k++)
        {
          g_autoptr(OsaisImage) image = osais_test_store_add_image (history, g->uid, k, 8, 8);

          if (g_rand_int_range (rand, 0, 3) == 0)
            {
              g_autoptr(GAsyncResult) starred = NULL;

              osais_store_set_favourite_async (history, image, TRUE, NULL,
                                               osais_test_store_result_cb, &starred);
              osais_test_wait_until (result_set, &starred, "a star");
              g_assert_true (osais_store_set_favourite_finish (history, starred, &error));
              g_array_append_val (g->favourites, k);
            }
        }
      if (g->stage != OSAIS_STAGE_REQUEST_SENT)
        osais_test_store_notify (history, g->uid, g->stage, 0, NULL);
      if (g->dismissed)
        {
          g_autoptr(GAsyncResult) dismissed = NULL;

          osais_store_set_dismissed_async (history, job, TRUE, NULL, osais_test_store_result_cb,
                                           &dismissed);
          osais_test_wait_until (result_set, &dismissed, "a dismissal");
          g_assert_true (osais_store_set_dismissed_finish (history, dismissed, &error));
        }
    }
  osais_store_close (history);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (history);

  /* The days they were made on. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint i = 0; i < N_GENERATED; i++)
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE jobs SET created = %" G_GINT64_FORMAT
                                              " WHERE uid = %" G_GINT64_FORMAT,
                                              generated[i].created, generated[i].uid);

      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    }
  sqlite3_close (db);
}

/* The search's filters ---------------------------------------------------- */

typedef struct
{
  const char        *engine;
  OsaisSearchPeriod  period;
  OsaisSearchJobs    jobs;
  gboolean           favourites;
  /* OSAIS_SEARCH_PERIOD_CUSTOM: the range's days, counted back from today. */
  int                from_days_ago;
  int                to_days_ago;
} Filters;

/* What the gallery must show for @filters, by brute force: every job kept,
 * newest first, as a card (running or failed, or with no image to show) and
 * its images (only the starred ones, with favourites). */
static GPtrArray *
expected_items (const Filters *filters,
                gint64         since,
                gint64         until)
{
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < N_GENERATED; i++)
    g_array_append_val (order, i);
  /* Newest first: created, then uid, both descending. */
  for (guint a = 0; a < order->len; a++)
    for (guint b = a + 1; b < order->len; b++)
      {
        Generated *x = &generated[g_array_index (order, guint, a)];
        Generated *y = &generated[g_array_index (order, guint, b)];

        if (y->created > x->created || (y->created == x->created && y->uid > x->uid))
          {
            guint swap = g_array_index (order, guint, a);

            g_array_index (order, guint, a) = g_array_index (order, guint, b);
            g_array_index (order, guint, b) = swap;
          }
      }

  for (guint o = 0; o < order->len; o++)
    {
      Generated *g = &generated[g_array_index (order, guint, o)];
      gboolean running = g->stage >= OSAIS_STAGE_REQUEST_SENT && g->stage < OSAIS_STAGE_FINISHED;

      if (g->dismissed ||
          (filters->engine != NULL && !g_str_equal (filters->engine, g->engine)) ||
          (since != 0 && g->created < since) ||
          (until != 0 && g->created >= until) ||
          (filters->jobs == OSAIS_SEARCH_JOBS_RUNNING && !running) ||
          (filters->jobs == OSAIS_SEARCH_JOBS_FAILED && g->stage != OSAIS_STAGE_ERROR) ||
          (filters->favourites && g->favourites->len == 0))
        continue;

      if (g->stage != OSAIS_STAGE_FINISHED || g->n_images == 0)
        g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT " card", g->uid));
      for (guint k = 0; k < g->n_images; k++)
        {
          gboolean starred = FALSE;

          for (guint f = 0; f < g->favourites->len; f++)
            starred |= g_array_index (g->favourites, guint, f) == k;
          if (!filters->favourites || starred)
            g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT " image %u", g->uid, k));
        }
    }

  return items;
}

/* The gallery's items of the generated jobs, in the same words. */
static GPtrArray *
shown_items (GListModel *shown)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, i);
      OsaisJob *job = osais_gallery_item_get_job (item);
      OsaisImage *image = osais_gallery_item_get_image (item);

      if (job == NULL || osais_job_get_uid (job) < FIRST_UID ||
          osais_job_get_uid (job) >= FIRST_UID + N_GENERATED)
        continue;
      if (image == NULL)
        g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT " card",
                                                 osais_job_get_uid (job)));
      else
        g_ptr_array_add (items, g_strdup_printf ("%" G_GINT64_FORMAT " image %d",
                                                 osais_job_get_uid (job),
                                                 osais_image_get_cycle (image)));
    }

  return items;
}

static char *
join_items (GPtrArray *items)
{
  g_ptr_array_add (items, NULL);
  return g_strjoinv (", ", (char **) items->pdata);
}

typedef struct
{
  GListModel *shown;
  const char *want;
  char       *last;
} ShownWanted;

static gboolean
shows_wanted (gpointer data)
{
  ShownWanted *check = data;
  g_autoptr(GPtrArray) items = shown_items (check->shown);

  g_free (check->last);
  check->last = join_items (items);
  return g_str_equal (check->last, check->want);
}

static gboolean
label_shown (gpointer data)
{
  return osais_ui_test_find_label (GTK_WIDGET (window), data) != NULL;
}

static void
test_search_filters (void)
{
  static const Filters cases[] = {
    { "gfpgan", OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { "rembg", OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_TODAY, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_WEEK, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_MONTH, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_YEAR, OSAIS_SEARCH_JOBS_ALL, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_RUNNING, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_FAILED, FALSE },
    { NULL, OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_ALL, TRUE },
    { "diffusion", OSAIS_SEARCH_PERIOD_MONTH, OSAIS_SEARCH_JOBS_ALL, TRUE },
    { "diffusion", OSAIS_SEARCH_PERIOD_YEAR, OSAIS_SEARCH_JOBS_RUNNING, FALSE },
    { "gfpgan", OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_FAILED, FALSE },
    /* Custom ranges: the jobs of 3 and 20 days ago; of the day 3 days ago
     * alone; of the last 200 to 500 days, with an engine. */
    { NULL, OSAIS_SEARCH_PERIOD_CUSTOM, OSAIS_SEARCH_JOBS_ALL, FALSE, 25, 2 },
    { NULL, OSAIS_SEARCH_PERIOD_CUSTOM, OSAIS_SEARCH_JOBS_ALL, FALSE, 3, 3 },
    { "diffusion", OSAIS_SEARCH_PERIOD_CUSTOM, OSAIS_SEARCH_JOBS_ALL, FALSE, 600, 100 },
  };
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gallery)));
  GtkWidget *bar = osais_ui_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_SEARCH_BAR);
  GtkWidget *star = osais_ui_test_find_descendant (bar, GTK_TYPE_TOGGLE_BUTTON);
  OsaisSearchOptions *options = NULL;
  g_autoptr(GPtrArray) everything = shown_items (shown);
  guint narrowed = 0;

  /* The filters are made when their button first opens (the window's first
   * frame does not show them). */
  g_assert_null (osais_ui_test_find_descendant (GTK_WIDGET (window), OSAIS_TYPE_SEARCH_OPTIONS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  {
    GtkWidget *button = osais_ui_test_find_descendant (bar, GTK_TYPE_MENU_BUTTON);

    g_assert_nonnull (button);
    gtk_menu_button_popup (GTK_MENU_BUTTON (button));
    options = OSAIS_SEARCH_OPTIONS (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
    g_assert_true (OSAIS_IS_SEARCH_OPTIONS (options));
    g_assert_true (options == _osais_window_get_search_options (window));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
  }
  g_assert_nonnull (star);
  /* Dismissed jobs are hidden, searched or not. */
  {
    static const Filters none = { NULL, OSAIS_SEARCH_PERIOD_ANY, OSAIS_SEARCH_JOBS_ALL, FALSE };
    g_autoptr(GPtrArray) want = expected_items (&none, 0, 0);
    g_autofree char *want_text = join_items (want);
    g_autofree char *shown_text = join_items (everything);

    g_assert_cmpstr (shown_text, ==, want_text);
    everything = shown_items (shown);
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const Filters *filters = &cases[c];
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      OsaisSearchQuery query = { 0 };
      g_autoptr(GPtrArray) want = NULL;
      g_autofree char *want_text = NULL;
      g_autofree char *count = NULL;
      ShownWanted check = { shown, NULL, NULL };
      guint n_images = 0;

      osais_search_options_set_engine (options, filters->engine);
      osais_search_options_set_period (options, filters->period);
      if (filters->period == OSAIS_SEARCH_PERIOD_CUSTOM)
        {
          g_autoptr(GDateTime) from = g_date_time_add_days (now, -filters->from_days_ago);
          g_autoptr(GDateTime) to = g_date_time_add_days (now, -filters->to_days_ago);

          osais_search_options_set_range (options, from, to);
        }
      osais_search_options_set_jobs (options, filters->jobs);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (star), filters->favourites);

      /* The dates as the window counts them. */
      osais_search_options_fill_query (options, &query, now);
      g_assert_cmpstr (query.engine, ==, filters->engine);
      if (filters->period == OSAIS_SEARCH_PERIOD_CUSTOM)
        {
          /* The whole days: from a midnight to a later one. */
          g_autoptr(GDateTime) since =
            g_date_time_new_from_unix_local (query.since / G_USEC_PER_SEC);

          g_assert_cmpint (g_date_time_get_hour (since), ==, 0);
          g_assert_cmpint (g_date_time_get_minute (since), ==, 0);
          g_assert_cmpint (query.until, >, query.since);
        }
      else
        g_assert_cmpint (query.until, ==, 0);
      want = expected_items (filters, query.since, query.until);
      for (guint i = 0; i < want->len; i++)
        n_images += strstr (g_ptr_array_index (want, i), "image") != NULL;
      narrowed += want->len > 0 && want->len < everything->len;
      want_text = join_items (want);
      check.want = want_text;
      g_test_message ("case %u: %s", c, want_text);
      osais_ui_test_wait_until (shows_wanted, &check, "the gallery to show the matches");
      g_free (check.last);

      if (n_images > 0)
        {
          count = g_strdup_printf (n_images == 1 ? "%u image" : "%u images", n_images);
          osais_ui_test_wait_until (label_shown, count, "the count");
        }
      if (c == G_N_ELEMENTS (cases) - 3)
        {
          osais_ui_test_settle (200);
          gtk_popover_popup (GTK_POPOVER (options));
          osais_ui_test_settle (200);
          osais_ui_test_save_screenshot (GTK_WIDGET (options), "queue-search-custom-range.png");
          gtk_popover_popdown (GTK_POPOVER (options));
        }
      if (c == 9)
        {
          osais_ui_test_settle (200);
          osais_ui_test_save_screenshot (GTK_WIDGET (window), "queue-search-filters.png");
          gtk_popover_popup (GTK_POPOVER (options));
          osais_ui_test_save_screenshot (GTK_WIDGET (options), "queue-search-options.png");
          gtk_popover_popdown (GTK_POPOVER (options));
        }
    }
  /* Each case is a test: most keep some and leave some. */
  g_assert_cmpuint (narrowed, >=, G_N_ELEMENTS (cases) - 2);

  /* The range's calendars are made when their button first opens (the
   * window builds the filters before its first frame), showing the day
   * set; a day chosen there is the range's. */
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autoptr(GDateTime) chosen = g_date_time_add_days (now, -10);
    g_autoptr(GDateTime) shown_day = NULL;
    g_autoptr(GDateTime) since = NULL;
    OsaisSearchQuery query = { 0 };
    g_autoptr(GPtrArray) want = NULL;
    g_autofree char *want_text = NULL;
    ShownWanted check = { shown, NULL, NULL };
    GtkWidget *from_button;
    GtkWidget *calendar;

    g_assert_null (osais_ui_test_find_descendant (GTK_WIDGET (options), GTK_TYPE_CALENDAR));
    gtk_popover_popup (GTK_POPOVER (options));
    osais_ui_test_settle (100);
    from_button = osais_ui_test_find_descendant (GTK_WIDGET (options), GTK_TYPE_MENU_BUTTON);
    g_assert_nonnull (from_button);
    gtk_menu_button_popup (GTK_MENU_BUTTON (from_button));
    calendar = osais_ui_test_find_descendant (GTK_WIDGET (options), GTK_TYPE_CALENDAR);
    g_assert_nonnull (calendar);
    osais_search_options_fill_query (options, &query, now);
    shown_day = gtk_calendar_get_date (GTK_CALENDAR (calendar));
    g_assert_cmpint (g_date_time_to_unix (shown_day) * G_USEC_PER_SEC, ==, query.since);

    gtk_calendar_select_day (GTK_CALENDAR (calendar), chosen);
    osais_search_options_fill_query (options, &query, now);
    since = g_date_time_new_from_unix_local (query.since / G_USEC_PER_SEC);
    g_assert_cmpint (g_date_time_get_day_of_year (since), ==, g_date_time_get_day_of_year (chosen));
    g_assert_cmpint (g_date_time_get_hour (since), ==, 0);
    gtk_menu_button_popdown (GTK_MENU_BUTTON (from_button));
    gtk_popover_popdown (GTK_POPOVER (options));

    /* The search it made: the last case's filters from the day chosen. */
    want = expected_items (&cases[G_N_ELEMENTS (cases) - 1], query.since, query.until);
    want_text = join_items (want);
    check.want = want_text;
    osais_ui_test_wait_until (shows_wanted, &check, "the gallery to show the matches");
    g_free (check.last);
  }

  /* Closed: everything again. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (star), FALSE);
  osais_search_options_set_engine (options, NULL);
  osais_search_options_set_period (options, OSAIS_SEARCH_PERIOD_ANY);
  osais_search_options_set_jobs (options, OSAIS_SEARCH_JOBS_ALL);
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (bar), FALSE);
  {
    g_autofree char *all = join_items (g_steal_pointer (&everything));
    ShownWanted check = { shown, all, NULL };

    osais_ui_test_wait_until (shows_wanted, &check, "the whole gallery");
    g_free (check.last);
  }
}

/* Stop Waiting -------------------------------------------------------------- */

typedef struct
{
  guint     n_jobs;
  OsaisJob *job;
} RunState;

static gboolean
new_job_appeared (gpointer data)
{
  RunState *state = data;
  GListModel *jobs = G_LIST_MODEL (store ());

  if (g_list_model_get_n_items (jobs) <= state->n_jobs)
    return FALSE;
  state->job = g_list_model_get_item (jobs, 0);
  return TRUE;
}

static gboolean
job_listed (gpointer data)
{
  OsaisRunningPopover *popover =
    OSAIS_RUNNING_POPOVER (osais_ui_test_find_descendant (GTK_WIDGET (window),
                                                          OSAIS_TYPE_RUNNING_POPOVER));
  GListModel *jobs = osais_running_popover_get_jobs (popover);

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (jobs, i);

      if (job == data)
        return TRUE;
    }
  return FALSE;
}

static gboolean
job_not_listed (gpointer data)
{
  return !job_listed (data);
}

static gboolean
job_started_with_images_to_come (gpointer data)
{
  OsaisJob *job = data;

  return osais_job_get_stage (job) >= OSAIS_STAGE_RECEIVED &&
         g_list_model_get_n_items (osais_job_get_images (job)) == 0;
}

static gboolean
job_complete (gpointer data)
{
  return osais_job_is_complete (data);
}

static gboolean
gallery_shows_job (GListModel *shown,
                   OsaisJob   *job)
{
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(OsaisGalleryItem) item = g_list_model_get_item (shown, i);

      if (osais_gallery_item_get_job (item) == job)
        return TRUE;
    }
  return FALSE;
}

static gboolean
dismissed (gpointer data)
{
  return osais_job_get_dismissed (data);
}

static void
test_stop_waiting (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gallery)));
  OsaisSimulator *simulator = osais_session_get_simulator (session ());
  GtkWidget *running_button = NULL;
  OsaisRunningPopover *popover;
  RunState state = { g_list_model_get_n_items (G_LIST_MODEL (store ())), NULL };
  g_autoptr(OsaisJob) job = NULL;
  g_autofree char *path = NULL;
  guint n_before;
  guint step_delay = 0;

  popover = OSAIS_RUNNING_POPOVER (osais_ui_test_find_descendant (GTK_WIDGET (window),
                                                                  OSAIS_TYPE_RUNNING_POPOVER));
  g_assert_nonnull (popover);
  running_button = gtk_widget_get_parent (GTK_WIDGET (popover));
  g_assert_true (GTK_IS_MENU_BUTTON (running_button));
  /* The generated history's running jobs, less the dismissed ones. */
  n_before = osais_running_popover_get_n_running (popover);
  g_assert_cmpuint (n_before, >, 0);
  g_assert_true (gtk_widget_get_visible (running_button));

  /* A slow job: the step delay (OSAIS_SIMULATOR_STEP_DELAY, set in main()). */
  g_object_get (simulator, "step-delay", &step_delay, NULL);
  g_assert_cmpuint (step_delay, ==, 1000);
  osais_ui_test_select_engine (window, "diffusion");
  osais_ui_test_set_prompt (window, "a lighthouse we stop waiting for");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL));
  osais_ui_test_wait_until (new_job_appeared, &state, "the job to be created");
  job = state.job;
  osais_ui_test_wait_until (job_listed, job, "the job in the running list");
  g_assert_cmpuint (osais_running_popover_get_n_running (popover), ==, n_before + 1);
  g_assert_true (gallery_shows_job (shown, job));

  gtk_menu_button_popup (GTK_MENU_BUTTON (running_button));
  osais_ui_test_wait_until (job_started_with_images_to_come, job, "the job to start");
  osais_ui_test_settle (300);
  g_assert_nonnull (osais_ui_test_find_label (GTK_WIDGET (popover),
                                              "OSAIS cannot cancel a job. After Stop Waiting, "
                                              "the AI may still finish it: what it sends is "
                                              "kept, hidden with the job."));
  osais_ui_test_save_screenshot (GTK_WIDGET (window), "queue-running.png");
  osais_ui_test_save_screenshot (GTK_WIDGET (popover), "queue-running-popover.png");

  /* Stop Waiting, through the row's button. */
  {
    /* The newest first. */
    GtkWidget *button = osais_ui_test_find_actionable (GTK_WIDGET (popover), "win.stop-waiting");

    g_assert_nonnull (button);
    g_assert_cmpint (g_variant_get_int64 (gtk_actionable_get_action_target_value (
                       GTK_ACTIONABLE (button))), ==, osais_job_get_uid (job));
    g_signal_emit_by_name (button, "clicked");
  }
  osais_ui_test_wait_until (dismissed, job, "the job dismissed");
  g_assert_false (gallery_shows_job (shown, job));
  osais_ui_test_wait_until (job_not_listed, job, "the job out of the running list");
  g_assert_false (osais_job_get_finished (job));
  osais_ui_test_wait_until (label_shown, (gpointer) "Stopped waiting: the job is hidden",
                            "the toast");

  /* The AI goes on: its images are acknowledged and kept, hidden. */
  osais_ui_test_wait_until (job_complete, job, "the dismissed job to finish");
  osais_test_wait_for_simulator (simulator);
  g_assert_cmpuint (osais_simulator_get_acks_bad (simulator), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (job)), >, 0);
  {
    g_autoptr(OsaisImage) image = g_list_model_get_item (osais_job_get_images (job), 0);

    path = g_file_get_path (osais_image_get_file (image));
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_true (osais_job_get_dismissed (job));
  g_assert_false (gallery_shows_job (shown, job));

  /* Undo brings it back, images and all. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.wait-again", "x",
                                             osais_job_get_uid (job)));
  osais_ui_test_wait_until (job_not_listed, job, "a finished job is not running");
  while (osais_job_get_dismissed (job))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gallery_shows_job (shown, job));
}

/* The first job the running list shows (the generated history has some). */
static OsaisJob *
first_running_job (void)
{
  OsaisRunningPopover *popover =
    OSAIS_RUNNING_POPOVER (osais_ui_test_find_descendant (GTK_WIDGET (window),
                                                          OSAIS_TYPE_RUNNING_POPOVER));
  GListModel *jobs = osais_running_popover_get_jobs (popover);

  g_assert_cmpuint (g_list_model_get_n_items (jobs), >, 0);
  return g_list_model_get_item (jobs, 0);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Dismissal;

static void
dismissal_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Dismissal *dismissal = user_data;

  dismissal->ok = osais_store_set_dismissed_finish (OSAIS_STORE (object), result,
                                                    &dismissal->error);
  dismissal->done = TRUE;
}

static gboolean
dismissal_done (gpointer data)
{
  return ((Dismissal *) data)->done;
}

/* Stop Waiting cancelled before the writer answers: either it was
 * cancelled, and the job is still running, listed and shown, or it was
 * done, and the job is hidden; never a job half dismissed. Cancelled before
 * the call, it is always the first. */
static void
test_stop_waiting_cancelled (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gallery)));
  g_autoptr(OsaisJob) job = first_running_job ();

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Dismissal dismissal = { 0 };

      if (round == 0)
        g_cancellable_cancel (cancellable);
      osais_store_set_dismissed_async (store (), job, TRUE, cancellable, dismissal_done_cb,
                                       &dismissal);
      /* Before the main context runs the answer. */
      g_cancellable_cancel (cancellable);
      osais_ui_test_wait_until (dismissal_done, &dismissal, "the store's answer");
      g_test_message ("round %u: %s", round, dismissal.ok ? "done" : dismissal.error->message);
      if (round == 0)
        g_assert_error (dismissal.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      if (dismissal.ok)
        {
          g_assert_true (osais_job_get_dismissed (job));
          osais_ui_test_wait_until (job_not_listed, job, "the dismissed job out of the list");
          g_assert_false (gallery_shows_job (shown, job));
        }
      else
        {
          g_assert_error (dismissal.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_false (osais_job_get_dismissed (job));
          g_assert_true (job_listed (job));
          g_assert_true (gallery_shows_job (shown, job));
          g_clear_error (&dismissal.error);
        }
    }

  /* As it was, for the tests after. */
  if (osais_job_get_dismissed (job))
    {
      Dismissal dismissal = { 0 };

      osais_store_set_dismissed_async (store (), job, FALSE, NULL, dismissal_done_cb, &dismissal);
      osais_ui_test_wait_until (dismissal_done, &dismissal, "the job back");
      g_assert_true (dismissal.ok);
    }
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *n)
{
  (*n)++;
}

static gboolean
count_reached_two (gpointer data)
{
  return *(guint *) data >= 2;
}

/* Stop Waiting, then Undo before the writer answered the first: the store
 * takes them in order, and the job ends running, listed and shown. */
static void
test_stop_waiting_undone_at_once (void)
{
  OsaisGallery *gallery = osais_window_get_gallery (window);
  GListModel *shown = G_LIST_MODEL (gtk_grid_view_get_model (osais_gallery_get_grid_view (gallery)));
  g_autoptr(OsaisJob) job = first_running_job ();
  guint n_notified = 0;

  g_signal_connect (job, "notify::dismissed", G_CALLBACK (count_notify_cb), &n_notified);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-waiting", "x",
                                             osais_job_get_uid (job)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.wait-again", "x",
                                             osais_job_get_uid (job)));
  g_assert_false (osais_job_get_dismissed (job));
  /* Dismissed, then not. */
  osais_ui_test_wait_until (count_reached_two, &n_notified, "both answers");
  g_signal_handlers_disconnect_by_data (job, &n_notified);
  g_assert_false (osais_job_get_dismissed (job));
  osais_ui_test_wait_until (job_listed, job, "the job listed again");
  g_assert_true (gallery_shows_job (shown, job));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  osais_ui_test_init (&argc, &argv);
  generate_history ();

  /* Slow enough to stop waiting for a job while it runs. */
  g_setenv ("OSAIS_SIMULATOR_STEP_DELAY", "1000", TRUE);
  window = osais_ui_test_open_offline_window (&app);
  osais_ui_test_wait_until (history_loaded, NULL, "the history");

  g_test_add_func ("/Osais/Ui/Queue/search-filters", test_search_filters);
  g_test_add_func ("/Osais/Ui/Queue/stop-waiting", test_stop_waiting);
  g_test_add_func ("/Osais/Ui/Queue/stop-waiting-cancelled", test_stop_waiting_cancelled);
  g_test_add_func ("/Osais/Ui/Queue/stop-waiting-undone-at-once",
                   test_stop_waiting_undone_at_once);

  status = g_test_run ();

  osais_ui_test_close_offline_window (window, &app);

  return status;
}
