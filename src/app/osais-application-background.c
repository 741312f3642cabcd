/* osais-application-background.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Jobs watched until they end, a notification for each that ends while no
 * window shows it, and receiving in the background (the Background portal
 * asked) while jobs still run after the last window closed.
 */

#define G_LOG_DOMAIN "OsaisApplication"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-application-private.h"
#include "osais-window.h"

/* Notifications ----------------------------------------------------------- */

/* Receiving in the background -------------------------------------------
 *
 * Closing the window does not lose what OSAIS still sends: while a job is
 * running, the app keeps running, receiving and storing, like a download
 * manager, until every job is done, failed or stalled. */

/* Notifications go through the session bus; without one (a bare X session,
 * a test) GLib's backends fail loudly rather than do nothing. */
static void
send_notification (OsaisApplication *self,
                   const char       *id,
                   GNotification    *notification)
{
  if (g_application_get_dbus_connection (G_APPLICATION (self)) == NULL)
    {
      g_debug ("No session bus: notification %s not sent", id);
      return;
    }
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* Jobs that may still get callbacks: not finished, and not given up on. */
static guint
count_running_jobs (OsaisApplication *self)
{
  GHashTableIter iter;
  gpointer job;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->watched_jobs);
  while (g_hash_table_iter_next (&iter, &job, NULL))
    if (!osais_job_get_stalled (job))
      n++;
  return n;
}

void
_osais_application_stop_receiving_in_background (OsaisApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));

  if (connection != NULL && self->background_response_id != 0)
    g_dbus_connection_signal_unsubscribe (connection, self->background_response_id);
  self->background_response_id = 0;

  if (!self->receiving_in_background)
    return;

  g_debug ("No longer receiving in the background");
  self->receiving_in_background = FALSE;
  if (g_application_get_dbus_connection (G_APPLICATION (self)) != NULL)
    g_application_withdraw_notification (G_APPLICATION (self), BACKGROUND_NOTIFICATION_ID);
  g_application_release (G_APPLICATION (self));
  _osais_application_notify (self, PROP_RECEIVING_IN_BACKGROUND);
}

/* A sandbox (Flatpak) lets an app run without a window only with the
 * user's consent, asked through the Background portal; GNOME Shell then
 * lists the app among the background apps, whose Quit calls app.quit.
 * OSAIS_BACKGROUND_PORTAL=1 asks outside Flatpak too (another sandbox, the
 * tests). */
static gboolean
use_background_portal (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS)
         || g_strcmp0 (g_getenv ("OSAIS_BACKGROUND_PORTAL"), "1") == 0;
}

static void
background_response_cb (GDBusConnection *connection,
                        const char      *sender,
                        const char      *path,
                        const char      *interface,
                        const char      *signal,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  OsaisApplication *self = user_data;
  g_autoptr(GVariant) results = NULL;
  gboolean allowed = FALSE;
  guint32 response = 2;

  g_dbus_connection_signal_unsubscribe (connection, self->background_response_id);
  self->background_response_id = 0;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    {
      g_variant_get (parameters, "(u@a{sv})", &response, &results);
      g_variant_lookup (results, "background", "b", &allowed);
    }
  g_debug ("The Background portal answered %u, background %s", response,
           allowed ? "allowed" : "not allowed");

  if (response == 0 && allowed)
    return;

  /* Not allowed: the sandbox may stop us at any time, so say what is lost
   * rather than pretend; the window brings it back. */
  if (self->receiving_in_background)
    {
      g_autoptr(GNotification) notification =
        g_notification_new (_("Not allowed to run in the background"));

      g_notification_set_body (notification,
                               _("Results still on their way will be refused. Open OSAIS "
                                 "Studio to receive them, or allow it in Settings → Apps."));
      g_notification_set_default_action (notification, "app.show-window");
      _osais_application_stop_receiving_in_background (self);
      send_notification (self, BACKGROUND_NOTIFICATION_ID, notification);
    }
}

static void
background_requested_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(OsaisApplication) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      /* No portal (an older system): nothing to ask, nothing refused. */
      g_debug ("Cannot ask the Background portal: %s", error->message);
      if (self->background_response_id != 0)
        g_dbus_connection_signal_unsubscribe (G_DBUS_CONNECTION (object),
                                              self->background_response_id);
      self->background_response_id = 0;
    }
}

static void
request_background (OsaisApplication *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self));
  g_autofree char *sender = NULL;
  g_autofree char *token = NULL;
  g_autofree char *handle = NULL;
  GVariantBuilder options;

  if (connection == NULL || !use_background_portal ())
    return;

  /* The request's object path is known before the call, so that its
   * Response cannot come before we listen for it. */
  sender = g_strdup (g_dbus_connection_get_unique_name (connection) + 1);
  g_strdelimit (sender, ".", '_');
  token = g_strdup_printf ("osais%u", g_random_int ());
  handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender, token);
  self->background_response_id =
    g_dbus_connection_signal_subscribe (connection, "org.freedesktop.portal.Desktop",
                                        "org.freedesktop.portal.Request", "Response",
                                        handle, NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                        background_response_cb, self, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Receiving the results of running requests")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (connection, "org.freedesktop.portal.Desktop",
                          "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, background_requested_cb,
                          g_object_ref (self));
}

static void
start_receiving_in_background (OsaisApplication *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = NULL;
  guint n_running = count_running_jobs (self);

  if (self->receiving_in_background || self->quitting || n_running == 0
      || !g_settings_get_boolean (self->settings, "keep-receiving"))
    return;

  g_debug ("The window closed with %u job(s) running: receiving in the background", n_running);
  self->receiving_in_background = TRUE;
  g_application_hold (G_APPLICATION (self));

  notification = g_notification_new (_("Still receiving results"));
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u request is still running. Its images will be kept, "
                                       "and OSAIS Studio will quit when it is done.",
                                       "%u requests are still running. Their images will be "
                                       "kept, and OSAIS Studio will quit when they are done.",
                                       n_running),
                          n_running);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.show-window");
  g_notification_add_button (notification, _("Quit Now"), "app.quit");
  send_notification (self, BACKGROUND_NOTIFICATION_ID, notification);
  request_background (self);
  _osais_application_notify (self, PROP_RECEIVING_IN_BACKGROUND);
}

/* A job ended or stalled: when none is left running, a background app has
 * done its work. */
static void
running_jobs_changed (OsaisApplication *self)
{
  if (self->receiving_in_background && count_running_jobs (self) == 0)
    _osais_application_stop_receiving_in_background (self);
}

static void
job_stalled_cb (OsaisJob         *job,
                GParamSpec       *pspec,
                OsaisApplication *self)
{
  running_jobs_changed (self);
}

void
_osais_application_window_removed (OsaisApplication *self,
                                   GtkWindow        *window)
{
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL)
    start_receiving_in_background (self);
}

void
_osais_application_window_added (OsaisApplication *self,
                                 GtkWindow        *window)
{
  if (OSAIS_IS_WINDOW (window) && self->history_error != NULL)
    osais_window_set_history_error (OSAIS_WINDOW (window), self->history_error);

  /* The window keeps the app alive now. */
  _osais_application_stop_receiving_in_background (self);
}

static void job_finished_cb (OsaisJob         *job,
                             GParamSpec       *pspec,
                             OsaisApplication *self);

static void
unwatch_job (OsaisApplication *self,
             OsaisJob         *job)
{
  g_signal_handlers_disconnect_by_func (job, job_finished_cb, self);
  g_signal_handlers_disconnect_by_func (job, job_stalled_cb, self);
  g_hash_table_remove (self->watched_jobs, job);
  running_jobs_changed (self);
}

void
_osais_application_unwatch_all_jobs (OsaisApplication *self)
{
  GHashTableIter iter;
  gpointer job;

  g_hash_table_iter_init (&iter, self->watched_jobs);
  while (g_hash_table_iter_next (&iter, &job, NULL))
    {
      g_signal_handlers_disconnect_by_func (job, job_finished_cb, self);
      g_signal_handlers_disconnect_by_func (job, job_stalled_cb, self);
      g_hash_table_iter_remove (&iter);
    }
}

static void
watch_job (OsaisApplication *self,
           OsaisJob         *job)
{
  if (osais_job_get_finished (job) || g_hash_table_contains (self->watched_jobs, job))
    return;

  g_hash_table_add (self->watched_jobs, g_object_ref (job));
  g_signal_connect (job, "notify::finished", G_CALLBACK (job_finished_cb), self);
  g_signal_connect (job, "notify::stalled", G_CALLBACK (job_stalled_cb), self);
}

/* The engine, and the prompt when the request had one: what a person
 * recognises a job by. */
static char *
describe_job (OsaisApplication *self,
              OsaisJob         *job)
{
  GListModel *engines = osais_session_get_engines (self->session);
  const char *name = osais_job_get_engine (job);
  OsaisEngine *engine = engines != NULL ? osais_engines_lookup (engines, name) : NULL;
  const char *title = engine != NULL ? osais_engine_get_title (engine) : name;
  g_autofree char *prompt = osais_job_dup_prompt (job);

  if (prompt != NULL)
    return g_strdup_printf ("%s: %s", title, prompt);
  return g_strdup (title);
}

static void
send_job_notification (OsaisApplication *self,
                       OsaisJob         *job)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = g_strdup_printf ("job-%" G_GINT64_FORMAT, osais_job_get_uid (job));
  g_autofree char *description = describe_job (self, job);
  g_autofree char *body = NULL;
  gboolean failed = osais_job_get_stage (job) == OSAIS_STAGE_ERROR;

  if (failed)
    {
      const char *reason = osais_job_get_error_message (job);

      notification = g_notification_new (_("A request failed"));
      body = reason != NULL ? g_strdup_printf ("%s\n%s", description, reason)
                            : g_steal_pointer (&description);
    }
  else
    {
      notification = g_notification_new (_("Images are ready"));
      body = g_steal_pointer (&description);
    }

  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.show-job", "x",
                                                osais_job_get_uid (job));
  g_debug ("Notifying %s: %s", id, body);
  send_notification (self, id, notification);
}

static void
job_finished_cb (OsaisJob         *job,
                 GParamSpec       *pspec,
                 OsaisApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(OsaisJob) held = g_object_ref (job);

  if (!osais_job_get_finished (job))
    return;

  unwatch_job (self, job);

  /* A person looking at the window sees the job end there. */
  if (!g_settings_get_boolean (self->settings, "notifications")
      || (window != NULL && gtk_window_is_active (window)))
    return;

  send_job_notification (self, held);
}

void
_osais_application_store_items_changed (OsaisApplication *self,
                                        guint             position,
                                        guint             removed,
                                        guint             added,
                                        GListModel       *store)
{
  if (removed > 0)
    {
      GHashTableIter iter;
      gpointer job;

      /* Deleted jobs: only the watched (unfinished) ones matter. */
      g_hash_table_iter_init (&iter, self->watched_jobs);
      while (g_hash_table_iter_next (&iter, &job, NULL))
        if (osais_store_lookup (OSAIS_STORE (store), osais_job_get_uid (job)) != job)
          {
            g_signal_handlers_disconnect_by_func (job, job_finished_cb, self);
            g_signal_handlers_disconnect_by_func (job, job_stalled_cb, self);
            g_hash_table_iter_remove (&iter);
          }
      running_jobs_changed (self);
    }

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (store, i);

      watch_job (self, job);
    }
}

void
_osais_application_session_store_changed (OsaisApplication *self)
{
  OsaisStore *store = osais_session_get_store (self->session);

  _osais_application_unwatch_all_jobs (self);
  running_jobs_changed (self);
  g_signal_group_set_target (self->store_signals, store);
  if (store != NULL)
    _osais_application_store_items_changed (self, 0, 0,
                                            g_list_model_get_n_items (G_LIST_MODEL (store)),
                                            G_LIST_MODEL (store));
}

void
_osais_application_show_job_activated (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  OsaisApplication *self = user_data;
  OsaisWindow *window = _osais_application_get_or_create_window (self);

  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_activate_action_variant (GTK_WIDGET (window), "win.show-job", parameter);
}
