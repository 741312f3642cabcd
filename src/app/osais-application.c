/* osais-application.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application: its session and settings, start-up and the command
 * line, the app actions. Receiving in the background with no window open,
 * and the notifications of jobs that end, are in
 * osais-application-background.c.
 */

#define G_LOG_DOMAIN "OsaisApplication"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-application-private.h"
#include "osais-bench-trace.h"
#include "osais-mnemonic-names.h"
#include "osais-secret.h"
#include "osais-window.h"

G_DEFINE_FINAL_TYPE (OsaisApplication, osais_application, ADW_TYPE_APPLICATION)

static GParamSpec *properties[N_PROPS];

void
_osais_application_notify (OsaisApplication *self,
                           guint             prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

OsaisApplication *
osais_application_new (void)
{
  return g_object_new (OSAIS_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/com/opensourceais/Studio",
                       NULL);
}

gboolean
osais_application_get_receiving_in_background (OsaisApplication *self)
{
  g_return_val_if_fail (OSAIS_IS_APPLICATION (self), FALSE);

  return self->receiving_in_background;
}

OsaisSession *
osais_application_get_session (OsaisApplication *self)
{
  g_return_val_if_fail (OSAIS_IS_APPLICATION (self), NULL);

  return self->session;
}

GSettings *
osais_application_get_settings (OsaisApplication *self)
{
  g_return_val_if_fail (OSAIS_IS_APPLICATION (self), NULL);

  return self->settings;
}

static void
replace_string (char       **target,
                const char  *value)
{
  if (g_strcmp0 (*target, value) == 0)
    return;
  g_free (*target);
  *target = g_strdup (value);
}

OsaisWindow *
_osais_application_get_or_create_window (OsaisApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (osais_window_new (self));
  return OSAIS_WINDOW (window);
}

static void
set_history_error (OsaisApplication *self,
                   const GError     *error)
{
  g_clear_error (&self->history_error);
  if (error != NULL)
    self->history_error = g_error_copy (error);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (OSAIS_IS_WINDOW (l->data))
      osais_window_set_history_error (OSAIS_WINDOW (l->data), self->history_error);
}

static void
session_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(OsaisApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  osais_bench_trace_event ("session-started");
  if (!osais_session_start_finish (OSAIS_SESSION (object), result, &error))
    {
      /* The history could not be opened: the windows say so, with what
       * fixes it, and stay usable. */
      g_debug ("The session did not start: %s", error->message);
      set_history_error (self, error);
    }
  else
    set_history_error (self, NULL);
}

/* Damage the history's check found after the session started with it:
 * said as for a history refused at opening, with Move Aside. */
static void
session_history_damage_cb (OsaisApplication *self)
{
  const GError *damage = osais_session_get_history_damage (self->session);

  if (damage != NULL)
    set_history_error (self, damage);
}

/* The account mode and server settings for this run: settings, then the
 * environment, then the command line. Returns the client token whose secret
 * the keyring must give before the login, or NULL. */
static char *
configure_session (OsaisApplication *self)
{
  g_autofree char *origin = g_settings_get_string (self->settings, "server-origin");
  g_autofree char *listen_address = g_settings_get_string (self->settings, "listen-address");
  g_autofree char *public_url = g_settings_get_string (self->settings, "public-url");
  OsaisAccountMode mode = g_settings_get_enum (self->settings, "account-mode");
  const char *env_server = g_getenv ("OSAIS_SERVER");
  const char *env_token = g_getenv ("OSAIS_TOKEN");
  const char *env_secret = g_getenv ("OSAIS_SECRET");
  guint listen_port = g_settings_get_uint (self->settings, "listen-port");
  g_autofree char *keyring_token = NULL;

  if (env_server != NULL && *env_server != '\0')
    replace_string (&origin, env_server);
  if (self->option_server != NULL)
    replace_string (&origin, self->option_server);

  if (env_token != NULL && *env_token != '\0' && env_secret != NULL && *env_secret != '\0')
    {
      osais_session_set_credentials (self->session, env_token, env_secret);
      mode = OSAIS_ACCOUNT_MODE_ACCOUNT;
    }
  else if (mode == OSAIS_ACCOUNT_MODE_ACCOUNT)
    {
      keyring_token = g_settings_get_string (self->settings, "client-token");
      if (*keyring_token == '\0')
        g_clear_pointer (&keyring_token, g_free);
    }
  if (self->option_simulator)
    {
      mode = OSAIS_ACCOUNT_MODE_OFFLINE;
      g_clear_pointer (&keyring_token, g_free);
    }

  /* Offline, nothing outside this process calls back: any free port, so
   * that a busy default port (another instance, the CLI) is no failure. */
  if (self->option_simulator && self->option_listen == NULL)
    listen_port = 0;

  if (self->option_listen != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *host = NULL;
      guint port = 0;

      if (osais_parse_listen_address (self->option_listen, &host, &port, &error))
        {
          replace_string (&listen_address, host);
          listen_port = port;
        }
      else
        g_printerr ("osais-studio: --listen: %s\n", error->message);
    }
  if (self->option_public_url != NULL)
    replace_string (&public_url, self->option_public_url);

  g_object_set (self->session,
                "server-origin", origin,
                "account-mode", mode,
                "listen-address", listen_address,
                "listen-port", listen_port,
                "public-url", *public_url != '\0' ? public_url : NULL,
                NULL);

  return g_steal_pointer (&keyring_token);
}

/* OSAIS_SIMULATOR_FAIL_ENGINE=NAME ends that engine's jobs in stage -1;
 * OSAIS_SIMULATOR_STEP_DELAY=MS waits between callbacks: the unhappy and the
 * slow paths, to show and to test. A value that cannot be used is said and
 * ignored. */
static void
read_simulator_environment (OsaisApplication *self)
{
  const char *fail_engine = g_getenv ("OSAIS_SIMULATOR_FAIL_ENGINE");
  const char *step_delay = g_getenv ("OSAIS_SIMULATOR_STEP_DELAY");

  if (fail_engine != NULL && *fail_engine != '\0')
    replace_string (&self->simulator_fail_engine, fail_engine);

  if (step_delay != NULL && *step_delay != '\0')
    {
      g_autoptr(GError) error = NULL;
      guint64 delay = 0;

      /* The simulator's step-delay property takes up to ten minutes. */
      if (g_ascii_string_to_unsigned (step_delay, 10, 0, 600000, &delay, &error))
        self->simulator_step_delay = (guint) delay;
      else
        g_printerr ("osais-studio: OSAIS_SIMULATOR_STEP_DELAY is ignored: %s "
                    "(milliseconds, 0 to 600000)\n", error->message);
    }
}

static void
session_simulator_changed_cb (OsaisApplication *self)
{
  OsaisSimulator *simulator = osais_session_get_simulator (self->session);

  if (simulator == NULL)
    return;
  g_object_set (simulator,
                "fail-engine", self->simulator_fail_engine,
                "step-delay", self->simulator_step_delay,
                NULL);
}

/* Shows @toast (taking it) in the main window, if there is one: errors
 * that come before it are also in the status popover. */
static void
show_toast (OsaisApplication *self,
            AdwToast         *toast)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (OSAIS_IS_WINDOW (l->data))
      {
        osais_window_show_toast (OSAIS_WINDOW (l->data), toast);
        return;
      }
  g_debug ("No window for the toast: %s", adw_toast_get_title (toast));
  g_object_unref (toast);
}

static void
show_error_toast (OsaisApplication *self,
                  const char       *text)
{
  AdwToast *toast = adw_toast_new (text);

  /* Every error here is fixed in the preferences. */
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_button_label (toast, _("_Preferences"));
  adw_toast_set_action_name (toast, "app.preferences");
  show_toast (self, toast);
}

/* Start ------------------------------------------------------------------- */

static void
start_session (OsaisApplication *self)
{
  /* Opening the history and starting the server are asynchronous: the
   * window appears at once and fills in. */
  osais_session_start_async (self->session, NULL, session_started_cb, g_object_ref (self));
}

static void
startup_secret_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(OsaisApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = g_settings_get_string (self->settings, "client-token");
  char *secret;

  secret = osais_secret_lookup_finish (result, &error);
  if (secret != NULL)
    {
      osais_session_set_credentials (self->session, token, secret);
      osais_secret_free (secret);
    }
  else if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("%s. Sign in again in the preferences."),
                                               error->message);
      show_error_toast (self, text);
    }
  else
    g_debug ("The keyring holds no secret for the client token");

  /* Without the secret, the login fails and says what is missing. */
  start_session (self);
}

static void
osais_application_activate (GApplication *app)
{
  OsaisApplication *self = OSAIS_APPLICATION (app);
  OsaisWindow *window;

  osais_bench_trace_event ("activate");
  window = _osais_application_get_or_create_window (self);
  osais_bench_trace_event ("window-made");
  gtk_window_present (GTK_WINDOW (window));
  osais_bench_trace_event ("window-presented");
}

static void
open_pending_files (OsaisApplication *self)
{
  g_autoptr(GPtrArray) files = g_steal_pointer (&self->pending_files);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (files == NULL || osais_session_get_engines (self->session) == NULL)
    {
      self->pending_files = g_steal_pointer (&files);
      return;
    }

  if (window != NULL)
    osais_window_open_files (OSAIS_WINDOW (window), (GFile **) files->pdata, files->len);
}

static void
osais_application_open (GApplication  *app,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  OsaisApplication *self = OSAIS_APPLICATION (app);
  OsaisWindow *window = _osais_application_get_or_create_window (self);

  if (self->pending_files == NULL)
    self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 0; i < n_files; i++)
    g_ptr_array_add (self->pending_files, g_object_ref (files[i]));

  open_pending_files (self);
  gtk_window_present (GTK_WINDOW (window));
}

static gboolean
name_has_owner (GDBusConnection *connection,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       2000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* --data-dir names a folder, an instance runs, and it is not the one
 * receiving for that folder. Without --data-dir, a start (the app grid, a
 * file opened with the app) goes to the running instance, whichever folder
 * it shows. */
static gboolean
running_instance_has_other_data_dir (OsaisApplication *self)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autofree char *receiver_name = NULL;

  if (self->option_data_dir == NULL
      || (g_application_get_flags (G_APPLICATION (self)) & G_APPLICATION_NON_UNIQUE) != 0)
    return FALSE;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (connection == NULL
      || !name_has_owner (connection, g_application_get_application_id (G_APPLICATION (self))))
    return FALSE;

  receiver_name = osais_receiver_dup_bus_name (self->option_data_dir);
  return !name_has_owner (connection, receiver_name);
}

static int
osais_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  OsaisApplication *self = OSAIS_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", "osais-studio", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "server", "s", &self->option_server);
  g_variant_dict_lookup (options, "listen", "s", &self->option_listen);
  g_variant_dict_lookup (options, "public-url", "s", &self->option_public_url);
  g_variant_dict_lookup (options, "data-dir", "^ay", &self->option_data_dir);
  self->option_simulator = g_variant_dict_contains (options, "simulator");

  if (self->option_server != NULL && self->option_simulator)
    {
      g_printerr ("osais-studio: --server and --simulator cannot be used together\n");
      return 2;
    }

  /* A running instance shows its own data folder: another one opens in an
   * instance of its own rather than silently showing the wrong one. */
  if (running_instance_has_other_data_dir (self))
    {
      g_debug ("The running instance has another data folder: starting one of our own");
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  return -1;
}

/* Another process (an `osais serve`, another instance on the same folder)
 * already receives for this data folder: OSAIS calls only one of them. */
static void
receiver_taken_cb (OsaisApplication *self)
{
  g_autofree char *text = NULL;

  if (!osais_receiver_get_taken (self->receiver))
    return;
  text = g_strdup_printf (_("Another program already receives results for %s: requests "
                            "sent from here may lose theirs. Close it, or choose another "
                            "data folder."),
                          osais_session_get_data_dir (self->session));
  show_error_toast (self, text);
}

static void
osais_application_startup (GApplication *app)
{
  OsaisApplication *self = OSAIS_APPLICATION (app);
  static const char *run_accels[] = { "<Control>Return", "<Control>KP_Enter", NULL };
  /* Not Ctrl+N, which GNOME keeps for New; not Ctrl+Shift+Delete or
   * BackSpace, which delete to the paragraph's ends in the prompt. */
  static const char *clear_accels[] = { "<Control><Shift>r", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };
  g_autofree char *keyring_token = NULL;

  osais_bench_trace_event ("startup");
  G_APPLICATION_CLASS (osais_application_parent_class)->startup (app);
  osais_bench_trace_event ("gtk-started");

  /* Buttons made later (a gallery card's Retry, a toast's) are named once too. */
  osais_mnemonic_names_watch ();

  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.run", run_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.clear", clear_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         shortcuts_accels);

  self->session = g_object_new (OSAIS_TYPE_SESSION,
                                "data-dir", self->option_data_dir,
                                NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  g_signal_group_set_target (self->session_signals, self->session);
  keyring_token = configure_session (self);
  self->receiver = osais_receiver_new (self->session);
  g_signal_connect_object (self->receiver, "notify::taken", G_CALLBACK (receiver_taken_cb),
                           self, G_CONNECT_SWAPPED);
  read_simulator_environment (self);

  /* The secret comes first, so that the first login uses it; the window
   * does not wait for either. */
  if (keyring_token != NULL)
    osais_secret_lookup_async (keyring_token, NULL, startup_secret_cb, g_object_ref (self));
  else
    start_session (self);
}

static void
osais_application_shutdown (GApplication *app)
{
  OsaisApplication *self = OSAIS_APPLICATION (app);

  _osais_application_unwatch_all_jobs (self);
  _osais_application_stop_receiving_in_background (self);
  g_signal_group_set_target (self->store_signals, NULL);
  g_signal_group_set_target (self->session_signals, NULL);
  g_clear_object (&self->receiver);
  if (self->session != NULL)
    osais_session_stop (self->session);

  G_APPLICATION_CLASS (osais_application_parent_class)->shutdown (app);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Quitting is quitting: not a window closed with jobs running. */
  OSAIS_APPLICATION (app)->quitting = TRUE;

  /* Close the windows so that they save their state, then quit. */
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;
      gtk_window_close (GTK_WINDOW (l->data));
      l = next;
    }
  g_application_quit (G_APPLICATION (app));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The OSAIS Studio authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("OSAIS Studio"),
                         "application-icon", APPLICATION_ID,
                         "developer-name", _("The OSAIS Studio authors"),
                         "version", PACKAGE_VERSION,
                         "website", "https://opensourceais.com/",
                         "comments", _("Use the AIs of OSAIS from your desktop"),
                         "developers", developers,
                         "copyright", "© 2026 The OSAIS Studio authors",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  OsaisApplication *self = user_data;
  OsaisWindow *window = _osais_application_get_or_create_window (self);

  osais_window_show_preferences (window);
}

/* A damaged history, moved aside (kept, renamed) so that a new one starts:
 * the disk work runs off the main thread. */
static void
move_aside_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  char *moved = osais_store_move_aside (task_data, &error);

  if (moved == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, moved, g_free);
}

static void
moved_aside_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  OsaisApplication *self = OSAIS_APPLICATION (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *text = NULL;

  if (moved == NULL)
    {
      text = g_strdup_printf (_("The history could not be moved aside: %s"), error->message);
      show_toast (self, adw_toast_new (text));
      return;
    }

  text = g_strdup_printf (_("The damaged history is kept as %s; a new one starts"), moved);
  show_toast (self, adw_toast_new (text));
  set_history_error (self, NULL);
  start_session (self);
}

static void
move_history_aside_activated (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  OsaisApplication *self = user_data;
  g_autoptr(GTask) task = NULL;

  if (self->history_error == NULL)
    return;

  task = g_task_new (self, NULL, moved_aside_cb, NULL);
  g_task_set_source_tag (task, move_history_aside_activated);
  g_task_set_name (task, "[osais] move the history aside");
  g_task_set_task_data (task, g_strdup (osais_session_get_data_dir (self->session)), g_free);
  g_task_run_in_thread (task, move_aside_thread);
}

/* The background notification's default action: back to the window. */
static void
show_window_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "show-window", show_window_activated },
  { "move-history-aside", move_history_aside_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "show-job", _osais_application_show_job_activated, "x" },
};

static void
osais_application_dispose (GObject *object)
{
  OsaisApplication *self = OSAIS_APPLICATION (object);

  if (self->watched_jobs != NULL)
    _osais_application_unwatch_all_jobs (self);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  g_clear_object (&self->store_signals);
  g_clear_object (&self->session_signals);
  g_clear_pointer (&self->watched_jobs, g_hash_table_unref);
  g_clear_error (&self->history_error);
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (osais_application_parent_class)->dispose (object);
}

static void
osais_application_finalize (GObject *object)
{
  OsaisApplication *self = OSAIS_APPLICATION (object);

  g_free (self->option_server);
  g_free (self->option_listen);
  g_free (self->option_public_url);
  g_free (self->option_data_dir);
  g_free (self->simulator_fail_engine);

  G_OBJECT_CLASS (osais_application_parent_class)->finalize (object);
}

static void
osais_application_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OsaisApplication *self = OSAIS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_RECEIVING_IN_BACKGROUND:
      g_value_set_boolean (value, self->receiving_in_background);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_application_class_init (OsaisApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = osais_application_dispose;
  object_class->finalize = osais_application_finalize;
  object_class->get_property = osais_application_get_property;

  app_class->activate = osais_application_activate;
  app_class->open = osais_application_open;
  app_class->startup = osais_application_startup;
  app_class->shutdown = osais_application_shutdown;
  app_class->handle_local_options = osais_application_handle_local_options;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         OSAIS_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECEIVING_IN_BACKGROUND] =
    g_param_spec_boolean ("receiving-in-background", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_application_init (OsaisApplication *self)
{
  const GOptionEntry options[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_("OSAIS origin (default $OSAIS_SERVER, else the production server)"), N_("URL") },
    { "simulator", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Use the built-in OSAIS simulator (offline)"), NULL },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, NULL,
      N_("Callback server address"), N_("HOST:PORT") },
    { "public-url", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("The callback server's URL as OSAIS sees it"), N_("URL") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Where jobs and images are kept"), N_("DIR") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version"), NULL },
    { NULL }
  };

  self->settings = g_settings_new (APPLICATION_ID);
  self->watched_jobs = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  self->session_signals = g_signal_group_new (OSAIS_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::store",
                                  G_CALLBACK (_osais_application_session_store_changed), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::simulator",
                                  G_CALLBACK (session_simulator_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::history-damage",
                                  G_CALLBACK (session_history_damage_cb), self);
  /* After the window's handler, which selects the engine. */
  g_signal_group_connect_data (self->session_signals, "notify::engines",
                               G_CALLBACK (open_pending_files), self, NULL,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->store_signals = g_signal_group_new (OSAIS_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "items-changed",
                                  G_CALLBACK (_osais_application_store_items_changed), self);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[FILE…]"));
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  g_signal_connect (self, "window-added", G_CALLBACK (_osais_application_window_added), NULL);
  g_signal_connect_after (self, "window-removed",
                          G_CALLBACK (_osais_application_window_removed), NULL);
}
