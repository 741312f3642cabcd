/* osais-search-options.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSearchOptions"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-search-options.h"

struct _OsaisSearchOptions
{
  GtkPopover     parent_instance;

  AdwComboRow   *engine_row;
  GtkStringList *engine_names;  /* "Any", then the engines' names */
  AdwComboRow   *period_row;
  AdwComboRow   *jobs_row;
  GtkButton     *reset_button;

  /* Changes made together (a reset, a new list of engines) say so once. */
  guint          freeze;
};

G_DEFINE_FINAL_TYPE (OsaisSearchOptions, osais_search_options, GTK_TYPE_POPOVER)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
any_chosen (OsaisSearchOptions *self)
{
  return adw_combo_row_get_selected (self->engine_row) > 0 ||
         adw_combo_row_get_selected (self->period_row) > 0 ||
         adw_combo_row_get_selected (self->jobs_row) > 0;
}

static void
changed_cb (OsaisSearchOptions *self)
{
  gboolean chosen = any_chosen (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), chosen);
  /* The button that opens the filters shows that some are on. */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    {
      GtkWidget *button = gtk_widget_get_parent (GTK_WIDGET (self));

      if (chosen)
        gtk_widget_add_css_class (button, "accent");
      else
        gtk_widget_remove_css_class (button, "accent");
    }

  if (self->freeze == 0)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
reset_cb (OsaisSearchOptions *self)
{
  self->freeze++;
  adw_combo_row_set_selected (self->engine_row, 0);
  adw_combo_row_set_selected (self->period_row, OSAIS_SEARCH_PERIOD_ANY);
  adw_combo_row_set_selected (self->jobs_row, OSAIS_SEARCH_JOBS_ALL);
  self->freeze--;
  changed_cb (self);
}

static void
osais_search_options_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OSAIS_TYPE_SEARCH_OPTIONS);

  G_OBJECT_CLASS (osais_search_options_parent_class)->dispose (object);
}

static void
osais_search_options_class_init (OsaisSearchOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_search_options_dispose;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-search-options.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, engine_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, engine_names);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, period_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, jobs_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, reset_button);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_cb);
}

static void
osais_search_options_init (OsaisSearchOptions *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), FALSE);
}

/* The position of @engine in the list, or 0 (any) when it is not there. */
static guint
engine_position (OsaisSearchOptions *self,
                 const char         *engine)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->engine_names));

  for (guint i = 1; engine != NULL && i < n; i++)
    if (g_str_equal (gtk_string_list_get_string (self->engine_names, i), engine))
      return i;

  return 0;
}

void
osais_search_options_set_engines (OsaisSearchOptions *self,
                                  GListModel         *engines)
{
  guint selected;
  g_autofree char *chosen = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  guint n_old;

  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));
  g_return_if_fail (engines == NULL || G_IS_LIST_MODEL (engines));

  selected = adw_combo_row_get_selected (self->engine_row);
  if (selected > 0 && selected != GTK_INVALID_LIST_POSITION)
    chosen = g_strdup (gtk_string_list_get_string (self->engine_names, selected));

  for (guint i = 0; engines != NULL && i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      g_strv_builder_add (names, osais_engine_get_name (engine));
    }
  strv = g_strv_builder_end (names);

  self->freeze++;
  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->engine_names));
  gtk_string_list_splice (self->engine_names, 1, n_old - 1, (const char * const *) strv);
  adw_combo_row_set_selected (self->engine_row, engine_position (self, chosen));
  self->freeze--;

  /* The engine chosen is gone: the search had it, and has it no more. */
  if (chosen != NULL && engine_position (self, chosen) == 0)
    changed_cb (self);
}

void
osais_search_options_set_engine (OsaisSearchOptions *self,
                                 const char         *engine)
{
  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));

  adw_combo_row_set_selected (self->engine_row, engine_position (self, engine));
}

void
osais_search_options_set_period (OsaisSearchOptions *self,
                                 OsaisSearchPeriod   period)
{
  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));
  g_return_if_fail (period <= OSAIS_SEARCH_PERIOD_YEAR);

  adw_combo_row_set_selected (self->period_row, period);
}

void
osais_search_options_set_jobs (OsaisSearchOptions *self,
                               OsaisSearchJobs     jobs)
{
  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));
  g_return_if_fail (jobs <= OSAIS_SEARCH_JOBS_FAILED);

  adw_combo_row_set_selected (self->jobs_row, jobs);
}

/* The start of the period, in the local time zone: "today" starts at
 * midnight, the others a number of days back from now. */
static gint64
period_start (OsaisSearchPeriod  period,
              GDateTime         *now)
{
  g_autoptr(GDateTime) start = NULL;

  switch (period)
    {
    case OSAIS_SEARCH_PERIOD_TODAY:
      start = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                     g_date_time_get_day_of_month (now), 0, 0, 0);
      break;
    case OSAIS_SEARCH_PERIOD_WEEK:
      start = g_date_time_add_days (now, -7);
      break;
    case OSAIS_SEARCH_PERIOD_MONTH:
      start = g_date_time_add_days (now, -30);
      break;
    case OSAIS_SEARCH_PERIOD_YEAR:
      start = g_date_time_add_years (now, -1);
      break;
    case OSAIS_SEARCH_PERIOD_ANY:
    default:
      return 0;
    }

  return g_date_time_to_unix (start) * G_USEC_PER_SEC + g_date_time_get_microsecond (start);
}

gboolean
osais_search_options_fill_query (OsaisSearchOptions *self,
                                 OsaisSearchQuery   *query,
                                 GDateTime          *now)
{
  guint engine;
  guint jobs;

  g_return_val_if_fail (OSAIS_IS_SEARCH_OPTIONS (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (now != NULL, FALSE);

  engine = adw_combo_row_get_selected (self->engine_row);
  jobs = adw_combo_row_get_selected (self->jobs_row);
  query->engine = engine > 0 && engine != GTK_INVALID_LIST_POSITION
                  ? (char *) gtk_string_list_get_string (self->engine_names, engine) : NULL;
  query->since = period_start (adw_combo_row_get_selected (self->period_row), now);
  query->running_only = jobs == OSAIS_SEARCH_JOBS_RUNNING;
  query->failed_only = jobs == OSAIS_SEARCH_JOBS_FAILED;

  return any_chosen (self);
}
