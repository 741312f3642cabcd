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
  /* The custom range's first and last days, shown with it. */
  AdwActionRow  *from_row;
  AdwActionRow  *to_row;
  GtkMenuButton *from_button;
  GtkMenuButton *to_button;
  /* The range's days (local midnights), and their calendars once made:
   * two GtkCalendars are most of what the popover costs to build, and the
   * window builds it before its first frame. */
  GDateTime     *from_day;
  GDateTime     *to_day;
  GtkCalendar   *from_calendar;
  GtkCalendar   *to_calendar;
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

/* The local midnight that starts the day of @time. */
static GDateTime *
day_of (GDateTime *time)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (time);

  return g_date_time_new_local (g_date_time_get_year (local), g_date_time_get_month (local),
                                g_date_time_get_day_of_month (local), 0, 0, 0);
}

/* The range's days, on their buttons and on their calendars if made. */
static void
show_range (OsaisSearchOptions *self)
{
  /* Translators: a day of the search's custom range, for g_date_time_format(). */
  g_autofree char *from = g_date_time_format (self->from_day, _("%b %-d, %Y"));
  g_autofree char *to = g_date_time_format (self->to_day, _("%b %-d, %Y"));

  gtk_menu_button_set_label (self->from_button, from);
  gtk_menu_button_set_label (self->to_button, to);

  self->freeze++;
  if (self->from_calendar != NULL)
    gtk_calendar_select_day (self->from_calendar, self->from_day);
  if (self->to_calendar != NULL)
    gtk_calendar_select_day (self->to_calendar, self->to_day);
  self->freeze--;
}

/* Sets the range's days (any time of day); one that ends before it starts
 * is the last day alone. */
static void
set_days (OsaisSearchOptions *self,
          GDateTime          *from,
          GDateTime          *to)
{
  GDateTime *to_day = day_of (to);
  GDateTime *from_day = g_date_time_compare (from, to) > 0 ? g_date_time_ref (to_day)
                                                           : day_of (from);

  g_clear_pointer (&self->from_day, g_date_time_unref);
  g_clear_pointer (&self->to_day, g_date_time_unref);
  self->from_day = from_day;
  self->to_day = to_day;
  show_range (self);
}

static void
period_changed_cb (OsaisSearchOptions *self)
{
  gboolean custom = adw_combo_row_get_selected (self->period_row) == OSAIS_SEARCH_PERIOD_CUSTOM;

  gtk_widget_set_visible (GTK_WIDGET (self->from_row), custom);
  gtk_widget_set_visible (GTK_WIDGET (self->to_row), custom);
  changed_cb (self);
}

/* A day chosen on either calendar: the range stays in order, the other end
 * following the one just chosen. */
static void
day_selected_cb (OsaisSearchOptions *self,
                 GtkCalendar        *calendar)
{
  g_autoptr(GDateTime) day = NULL;
  gboolean from = calendar == self->from_calendar;

  /* Our own selection, in show_range(). */
  if (self->freeze > 0)
    return;

  day = gtk_calendar_get_date (calendar);
  if (from)
    set_days (self, day, g_date_time_compare (day, self->to_day) > 0 ? day : self->to_day);
  else
    set_days (self, g_date_time_compare (day, self->from_day) < 0 ? day : self->from_day, day);

  gtk_menu_button_popdown (from ? self->from_button : self->to_button);
  if (adw_combo_row_get_selected (self->period_row) == OSAIS_SEARCH_PERIOD_CUSTOM)
    changed_cb (self);
}

/* A range's calendar, made when its button first opens. */
static void
create_calendar_cb (GtkMenuButton *button,
                    gpointer       user_data)
{
  OsaisSearchOptions *self = user_data;
  gboolean from = button == self->from_button;
  GtkWidget *calendar;
  GtkWidget *popover;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;

  calendar = gtk_calendar_new ();
  gtk_calendar_select_day (GTK_CALENDAR (calendar), from ? self->from_day : self->to_day);
  g_signal_connect_object (calendar, "day-selected", G_CALLBACK (day_selected_cb), self,
                           G_CONNECT_SWAPPED);
  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  gtk_menu_button_set_popover (button, popover);
  if (from)
    self->from_calendar = GTK_CALENDAR (calendar);
  else
    self->to_calendar = GTK_CALENDAR (calendar);
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
  OsaisSearchOptions *self = OSAIS_SEARCH_OPTIONS (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), OSAIS_TYPE_SEARCH_OPTIONS);
  self->from_calendar = NULL;
  self->to_calendar = NULL;

  G_OBJECT_CLASS (osais_search_options_parent_class)->dispose (object);
}

static void
osais_search_options_finalize (GObject *object)
{
  OsaisSearchOptions *self = OSAIS_SEARCH_OPTIONS (object);

  g_clear_pointer (&self->from_day, g_date_time_unref);
  g_clear_pointer (&self->to_day, g_date_time_unref);

  G_OBJECT_CLASS (osais_search_options_parent_class)->finalize (object);
}

static void
osais_search_options_class_init (OsaisSearchOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_search_options_dispose;
  object_class->finalize = osais_search_options_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-search-options.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, engine_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, engine_names);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, period_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, from_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, to_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, from_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, to_button);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, jobs_row);
  gtk_widget_class_bind_template_child (widget_class, OsaisSearchOptions, reset_button);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_cb);
  gtk_widget_class_bind_template_callback (widget_class, period_changed_cb);
}

static void
osais_search_options_init (OsaisSearchOptions *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), FALSE);
  /* Today, as a new calendar shows. */
  set_days (self, now, now);
  gtk_menu_button_set_create_popup_func (self->from_button, create_calendar_cb, self, NULL);
  gtk_menu_button_set_create_popup_func (self->to_button, create_calendar_cb, self, NULL);
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
  g_return_if_fail (period <= OSAIS_SEARCH_PERIOD_CUSTOM);

  adw_combo_row_set_selected (self->period_row, period);
}

void
osais_search_options_set_range (OsaisSearchOptions *self,
                                GDateTime          *from,
                                GDateTime          *to)
{
  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));
  g_return_if_fail (from != NULL && to != NULL);

  self->freeze++;
  set_days (self, from, to);
  adw_combo_row_set_selected (self->period_row, OSAIS_SEARCH_PERIOD_CUSTOM);
  self->freeze--;
  changed_cb (self);
}

void
osais_search_options_set_jobs (OsaisSearchOptions *self,
                               OsaisSearchJobs     jobs)
{
  g_return_if_fail (OSAIS_IS_SEARCH_OPTIONS (self));
  g_return_if_fail (jobs <= OSAIS_SEARCH_JOBS_FAILED);

  adw_combo_row_set_selected (self->jobs_row, jobs);
}

static gint64
to_usec (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* The local midnight @days after @day's. */
static gint64
day_start (GDateTime *day,
           int        days)
{
  g_autoptr(GDateTime) start = g_date_time_add_days (day, days);

  return to_usec (start);
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
    case OSAIS_SEARCH_PERIOD_CUSTOM:
    default:
      return 0;
    }

  return to_usec (start);
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
  if (adw_combo_row_get_selected (self->period_row) == OSAIS_SEARCH_PERIOD_CUSTOM)
    {
      query->since = day_start (self->from_day, 0);
      query->until = day_start (self->to_day, 1);
    }
  else
    {
      query->since = period_start (adw_combo_row_get_selected (self->period_row), now);
      query->until = 0;
    }
  query->running_only = jobs == OSAIS_SEARCH_JOBS_RUNNING;
  query->failed_only = jobs == OSAIS_SEARCH_JOBS_FAILED;

  return any_chosen (self);
}
