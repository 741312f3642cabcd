/* osais-running-popover.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisRunningPopover"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-running-popover-private.h"

/* The ages shown move on while the list is on screen. */
#define AGE_REFRESH_SECONDS 10

struct _OsaisRunningPopover
{
  GtkPopover  parent_instance;

  GtkListBox *list_box;

  OsaisStore *store;
  /* The running jobs, newest first. Kept up to date from the store's
   * changes and each listed job's own, never by walking the history again:
   * it may hold 100,000 jobs, of which a handful run. */
  GListStore *jobs;
  guint       age_timeout_id;
};

G_DEFINE_FINAL_TYPE (OsaisRunningPopover, osais_running_popover, GTK_TYPE_POPOVER)

enum {
  PROP_0,
  PROP_STORE,
  PROP_N_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
job_is_running (OsaisJob *job)
{
  return !osais_job_get_finished (job) && !osais_job_get_dismissed (job);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  int order = g_date_time_compare (osais_job_get_created ((OsaisJob *) b),
                                   osais_job_get_created ((OsaisJob *) a));

  if (order != 0)
    return order;

  return osais_job_get_uid ((OsaisJob *) b) < osais_job_get_uid ((OsaisJob *) a) ? -1 : 1;
}

static void
untrack_job (OsaisRunningPopover *self,
             OsaisJob            *job)
{
  guint position;

  g_signal_handlers_disconnect_by_data (job, self);
  if (g_list_store_find (self->jobs, job, &position))
    g_list_store_remove (self->jobs, position);
}

static void
list_job (OsaisRunningPopover *self,
          OsaisJob            *job)
{
  g_list_store_insert_sorted (self->jobs, job, compare_newest_first, NULL);
}

/* A watched job finished or failed: it runs no more. Dismissed, it leaves
 * the list but is still watched, as Undo (the store's dismissed back to
 * FALSE) lists it again while it runs. A job of another store (this one's
 * was replaced) or deleted is no longer watched. */
static void
job_changed_cb (OsaisJob            *job,
                GParamSpec          *pspec,
                OsaisRunningPopover *self)
{
  guint position;
  gboolean listed = g_list_store_find (self->jobs, job, &position);

  if (osais_job_get_finished (job) || self->store == NULL ||
      osais_store_lookup (self->store, osais_job_get_uid (job)) != job)
    untrack_job (self, job);
  else if (osais_job_get_dismissed (job) && listed)
    g_list_store_remove (self->jobs, position);
  else if (!osais_job_get_dismissed (job) && !listed)
    list_job (self, job);
}

static void
track_job (OsaisRunningPopover *self,
           OsaisJob            *job)
{
  if (osais_job_get_finished (job))
    return;

  g_signal_connect_object (job, "notify::finished", G_CALLBACK (job_changed_cb), self, 0);
  g_signal_connect_object (job, "notify::dismissed", G_CALLBACK (job_changed_cb), self, 0);
  if (job_is_running (job))
    list_job (self, job);
}

static void
untrack_all (OsaisRunningPopover *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);

      g_signal_handlers_disconnect_by_data (job, self);
    }
  g_list_store_remove_all (self->jobs);
}

static void
store_items_changed_cb (GListModel          *store,
                        guint                position,
                        guint                removed,
                        guint                added,
                        OsaisRunningPopover *self)
{
  /* Deleted jobs: the listed ones the store no longer has. */
  if (removed > 0)
    {
      for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->jobs)); i > 0; i--)
        {
          g_autoptr(OsaisJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i - 1);

          if (osais_store_lookup (self->store, osais_job_get_uid (job)) != job)
            untrack_job (self, job);
        }
    }

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (store, i);

      track_job (self, job);
    }
}

/* Rows */

static char *
age_text (GDateTime *created)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan age = created != NULL ? g_date_time_difference (now, created) : 0;
  guint minutes = MAX (0, age / G_TIME_SPAN_MINUTE);
  guint hours = minutes / 60;

  if (minutes == 0)
    return g_strdup (_("Just now"));
  if (hours == 0)
    return g_strdup_printf (ngettext ("%u minute ago", "%u minutes ago", minutes), minutes);
  if (hours < 48)
    return g_strdup_printf (ngettext ("%u hour ago", "%u hours ago", hours), hours);
  return g_strdup_printf (ngettext ("%u day ago", "%u days ago", hours / 24), hours / 24);
}

static void
update_row (AdwActionRow *row)
{
  OsaisJob *job = g_object_get_data (G_OBJECT (row), "osais-job");
  g_autofree char *age = age_text (osais_job_get_created (job));
  const char *stage = osais_stage_to_string (osais_job_get_stage (job));
  g_autofree char *stage_text = NULL;
  g_autofree char *subtitle = NULL;

  if (osais_job_get_stalled (job))
    stage_text = g_strdup_printf (_("%s · Stalled"), stage);
  /* Translators: a running job: its engine, its stage, how long ago it was asked. */
  subtitle = g_strdup_printf (_("%s · %s · %s"), osais_job_get_engine (job),
                              stage_text != NULL ? stage_text : stage, age);
  adw_action_row_set_subtitle (row, subtitle);
}

static void
job_stage_changed_cb (OsaisJob     *job,
                      GParamSpec   *pspec,
                      AdwActionRow *row)
{
  update_row (row);
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  OsaisJob *job = item;
  g_autofree char *prompt = osais_job_dup_prompt (job);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button;

  /* Prompts are whatever was typed: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 prompt != NULL && *prompt != '\0' ? prompt
                                                                   : osais_job_get_engine (job));
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  g_object_set_data_full (G_OBJECT (row), "osais-job", g_object_ref (job), g_object_unref);
  update_row (ADW_ACTION_ROW (row));
  g_signal_connect_object (job, "notify::stage", G_CALLBACK (job_stage_changed_cb), row, 0);
  g_signal_connect_object (job, "notify::stalled", G_CALLBACK (job_stage_changed_cb), row, 0);

  button = gtk_button_new_with_mnemonic (_("_Stop Waiting"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Hide the job: the AI may still finish it"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.stop-waiting");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button),
                                          g_variant_new_int64 (osais_job_get_uid (job)));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  return row;
}

static gboolean
refresh_ages_cb (gpointer user_data)
{
  OsaisRunningPopover *self = user_data;
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->list_box, i)) != NULL; i++)
    update_row (ADW_ACTION_ROW (row));

  return G_SOURCE_CONTINUE;
}

static void
jobs_changed_cb (OsaisRunningPopover *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
  /* Nothing left to show: the button goes, and its popover with it. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->jobs)) == 0)
    gtk_popover_popdown (GTK_POPOVER (self));
}

static void
osais_running_popover_map (GtkWidget *widget)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (widget);

  GTK_WIDGET_CLASS (osais_running_popover_parent_class)->map (widget);

  refresh_ages_cb (self);
  self->age_timeout_id = g_timeout_add_seconds (AGE_REFRESH_SECONDS, refresh_ages_cb, self);
}

static void
osais_running_popover_unmap (GtkWidget *widget)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (widget);

  g_clear_handle_id (&self->age_timeout_id, g_source_remove);

  GTK_WIDGET_CLASS (osais_running_popover_parent_class)->unmap (widget);
}

static void
osais_running_popover_dispose (GObject *object)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (object);

  g_signal_handlers_disconnect_by_data (self->jobs, self);
  osais_running_popover_set_store (self, NULL);
  g_clear_handle_id (&self->age_timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_RUNNING_POPOVER);

  G_OBJECT_CLASS (osais_running_popover_parent_class)->dispose (object);
}

static void
osais_running_popover_finalize (GObject *object)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (object);

  g_clear_object (&self->jobs);

  G_OBJECT_CLASS (osais_running_popover_parent_class)->finalize (object);
}

static void
osais_running_popover_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_N_RUNNING:
      g_value_set_uint (value, osais_running_popover_get_n_running (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_running_popover_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  OsaisRunningPopover *self = OSAIS_RUNNING_POPOVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      osais_running_popover_set_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_running_popover_class_init (OsaisRunningPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_running_popover_dispose;
  object_class->finalize = osais_running_popover_finalize;
  object_class->get_property = osais_running_popover_get_property;
  object_class->set_property = osais_running_popover_set_property;
  widget_class->map = osais_running_popover_map;
  widget_class->unmap = osais_running_popover_unmap;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OSAIS_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-running-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisRunningPopover, list_box);
}

static void
osais_running_popover_init (OsaisRunningPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->jobs = g_list_store_new (OSAIS_TYPE_JOB);
  g_signal_connect_swapped (self->jobs, "items-changed", G_CALLBACK (jobs_changed_cb), self);
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->jobs), create_row_cb, NULL, NULL);
}

GtkWidget *
osais_running_popover_new (void)
{
  return g_object_new (OSAIS_TYPE_RUNNING_POPOVER, NULL);
}

void
osais_running_popover_set_store (OsaisRunningPopover *self,
                                 OsaisStore          *store)
{
  g_return_if_fail (OSAIS_IS_RUNNING_POPOVER (self));
  g_return_if_fail (store == NULL || OSAIS_IS_STORE (store));

  if (self->store == store)
    return;

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  untrack_all (self);
  g_set_object (&self->store, store);
  if (store != NULL)
    {
      g_signal_connect_object (store, "items-changed", G_CALLBACK (store_items_changed_cb),
                               self, 0);
      store_items_changed_cb (G_LIST_MODEL (store), 0, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (store)), self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

guint
osais_running_popover_get_n_running (OsaisRunningPopover *self)
{
  g_return_val_if_fail (OSAIS_IS_RUNNING_POPOVER (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->jobs));
}

GListModel *
osais_running_popover_get_jobs (OsaisRunningPopover *self)
{
  g_return_val_if_fail (OSAIS_IS_RUNNING_POPOVER (self), NULL);

  return G_LIST_MODEL (self->jobs);
}
