/* test-ui-session.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app on a session bus, as a desktop runs it: one instance, which a
 * second start hands its files to, and a notification when a job ends
 * while nobody looks at the window. The bus is a dbus-daemon of the test's
 * own, never the developer's.
 */

#define G_LOG_DOMAIN "OsaisTestUiSession"

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "osais-application.h"
#include "osais-gallery-model.h"
#include "osais-test-utils.h"
#include "osais-ui-test-utils.h"
#include "osais-window.h"
#include "osais-window-private.h"
#include "osais-gallery-cell.h"

#define APP_PATH "/com/opensourceais/Studio"

/* How long a second start may take to hand its files over and exit, and
 * the first to quit when asked: seconds, not the minute of a stuck test. */
#define EXIT_SECONDS 10

/* A session bus that owns nothing and activates nothing: no service
 * folders, so no notification daemon or other service of the machine
 * starts on it (dbus-run-session's default configuration would). */
static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <listen>unix:dir=%s</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

static GSubprocess *bus_daemon;
static char *bus_address;
static char *bus_dir;

/* Child processes end with the test, even when it aborts. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Before GTK and libadwaita start: adw_init() already asks the session bus
 * for the settings portal, and GLib keeps the first session connection. */
static void
start_bus (void)
{
  g_autofree char *path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_arg = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(GError) error = NULL;

  bus_dir = g_dir_make_tmp ("osais-bus-XXXXXX", &error);
  if (bus_dir == NULL)
    g_error ("Cannot make a folder for the bus: %s", error->message);
  path = g_build_filename (bus_dir, "bus.conf", NULL);
  config = g_markup_printf_escaped (bus_config, bus_dir);
  config_arg = g_strconcat ("--config-file=", path, NULL);
  if (!g_file_set_contents (path, config, -1, &error))
    g_error ("Cannot write %s: %s", path, error->message);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  bus_daemon = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork",
                                            "--print-address=1", config_arg, NULL);
  if (bus_daemon == NULL)
    g_error ("Cannot start dbus-daemon: %s", error->message);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus_daemon));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (output), FALSE);
  bus_address = g_data_input_stream_read_line (output, NULL, NULL, &error);
  if (bus_address == NULL)
    g_error ("dbus-daemon gave no address: %s", error != NULL ? error->message : "end of output");

  /* For the app in this process and for the ones it starts. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus_address, TRUE);
  g_unsetenv ("DBUS_STARTER_ADDRESS");
  g_unsetenv ("DBUS_STARTER_BUS_TYPE");
}

static void
stop_bus (void)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (bus_daemon, SIGTERM);
  g_subprocess_wait (bus_daemon, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&bus_daemon);
  g_clear_pointer (&bus_address, g_free);
  osais_test_remove_tree (bus_dir);
  g_clear_pointer (&bus_dir, g_free);
}

/* A connection of its own, as another program on the bus has. */
static GDBusConnection *
bus_connect (void)
{
  GDBusConnectionFlags flags = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (bus_address, flags, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* A call whose reply is awaited while the main context runs: the app in
 * this process answers from it. */
static GVariant *
bus_call (GDBusConnection    *connection,
          const char         *destination,
          const char         *path,
          const char         *interface,
          const char         *method,
          GVariant           *parameters,
          const GVariantType *reply_type,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_connection_call (connection, destination, path, interface, method, parameters,
                          reply_type, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          osais_test_store_result_cb, &result);
  osais_test_wait_for_result (&result, method);
  return g_dbus_connection_call_finish (connection, result, error);
}

/* The unique name that owns @name, or NULL. */
static char *
get_name_owner (GDBusConnection *connection,
                const char      *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char *owner = NULL;

  reply = bus_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "GetNameOwner", g_variant_new ("(s)", name),
                    G_VARIANT_TYPE ("(s)"), &error);
  if (reply == NULL)
    {
      g_assert_true (g_dbus_error_is_remote_error (error));
      return NULL;
    }
  g_variant_get (reply, "(s)", &owner);
  return owner;
}

static guint32
get_owner_pid (GDBusConnection *connection,
               const char      *owner)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = bus_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                    g_variant_new ("(s)", owner), G_VARIANT_TYPE ("(u)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

/* Every owner the app's name has had while watched, in order: a unique
 * name when one took it, "" when it was let go. */
typedef struct
{
  GDBusConnection *connection;
  guint            subscription;
  GPtrArray       *owners;
  guint            wanted;
} OwnerLog;

static void
name_owner_changed_cb (GDBusConnection *connection,
                       const char      *sender,
                       const char      *path,
                       const char      *interface,
                       const char      *signal,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  OwnerLog *log = user_data;
  const char *new_owner = NULL;

  g_variant_get (parameters, "(&s&s&s)", NULL, NULL, &new_owner);
  g_ptr_array_add (log->owners, g_strdup (new_owner));
}

static void
owner_log_start (OwnerLog        *log,
                 GDBusConnection *connection)
{
  log->connection = g_object_ref (connection);
  log->owners = g_ptr_array_new_with_free_func (g_free);
  log->subscription = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                                          "org.freedesktop.DBus",
                                                          "NameOwnerChanged",
                                                          "/org/freedesktop/DBus",
                                                          APPLICATION_ID,
                                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                                          name_owner_changed_cb, log, NULL);
}

static void
owner_log_stop (OwnerLog *log)
{
  g_dbus_connection_signal_unsubscribe (log->connection, log->subscription);
  g_clear_pointer (&log->owners, g_ptr_array_unref);
  g_clear_object (&log->connection);
}

/* Waits until every change the bus signalled before now is in @log: the
 * bus sends its answer to a call after the signals it sent before, and the
 * connection hands both to the main context in that order. */
static void
owner_log_sync (OwnerLog *log)
{
  g_free (get_name_owner (log->connection, "org.freedesktop.DBus"));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
owner_log_has_wanted (gpointer data)
{
  OwnerLog *log = data;

  return log->owners->len >= log->wanted;
}

/* Waits until @log holds @n changes. */
static void
owner_log_wait (OwnerLog   *log,
                guint       n,
                const char *what)
{
  log->wanted = n;
  osais_ui_test_wait_until (owner_log_has_wanted, log, what);
}

/* A built osais-studio run as a desktop would, on the test's bus. */
typedef struct
{
  GSubprocess *process;
  gboolean     exited;
  gint64       started;
  gint64       ended;
} Studio;

static void
studio_exited_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Studio *studio = user_data;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL));
  studio->exited = TRUE;
  studio->ended = g_get_monotonic_time ();
}

static void
studio_spawn (Studio             *studio,
              const char * const *args)
{
  g_autofree char *binary = g_test_build_filename (G_TEST_BUILT, "..", "src", "app",
                                                   "osais-studio", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE));
  g_ptr_array_add (argv, binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* The test's environment: its bus, its display, the built schemas with
   * the memory backend, and the temporary folders osais_test_init() made,
   * so that no file of the person running the tests is read or written.
   * Its output goes to the test's log, never into the TAP stream. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  studio->process = g_subprocess_launcher_spawnv (launcher,
                                                  (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  studio->exited = FALSE;
  studio->started = g_get_monotonic_time ();
  g_subprocess_wait_async (studio->process, NULL, studio_exited_cb, studio);
}

static gboolean
studio_has_exited (gpointer data)
{
  return ((Studio *) data)->exited;
}

/* Waits at most @seconds from @since (a monotonic time) for @studio to
 * exit; asserts it exited with 0. */
static void
studio_wait_exit (Studio     *studio,
                  gint64      since,
                  guint       seconds,
                  const char *what)
{
  gint64 deadline = since + seconds * G_USEC_PER_SEC;

  while (!studio->exited && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  if (!studio->exited)
    g_error ("%s did not exit within %u s", what, seconds);

  g_test_message ("%s exited after %.2f s", what,
                  (studio->ended - since) / (double) G_USEC_PER_SEC);
  g_assert_true (g_subprocess_get_if_exited (studio->process));
  g_assert_cmpint (g_subprocess_get_exit_status (studio->process), ==, 0);
}

static void
studio_clear (Studio *studio)
{
  if (studio->process != NULL && !studio->exited)
    {
      g_subprocess_force_exit (studio->process);
      osais_ui_test_wait_until (studio_has_exited, studio, "a stopped osais-studio");
    }
  g_clear_object (&studio->process);
}

/* A small PNG, as a file manager would hand to the app. */
static char *
write_png (const char *name,
           GBytes    **contents)
{
  g_autoptr(GBytes) png = osais_test_make_png (24, 16, 7);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (osais_test_get_dir (), name, NULL);

  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  if (contents != NULL)
    *contents = g_steal_pointer (&png);
  return path;
}

static char *
make_data_dir (void)
{
  g_autofree char *template = g_build_filename (osais_test_get_dir (), "data-XXXXXX", NULL);
  char *path = g_mkdtemp (g_steal_pointer (&template));

  g_assert_nonnull (path);
  return path;
}

/* A bus monitor: sees the org.gtk.Application.Open calls that a second
 * start sends to the first, as `dbus-monitor` would. */
typedef struct
{
  GDBusConnection *connection;
  GMutex           lock;
  GPtrArray       *opens;
} OpenMonitor;

static GDBusMessage *
monitor_filter_cb (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  OpenMonitor *monitor = user_data;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;

  /* On the monitor's thread. A monitor may not send: the calls it sees are
   * copies addressed to others, and must not be answered. */
  if (g_strcmp0 (g_dbus_message_get_interface (message), "org.gtk.Application") == 0
      && g_strcmp0 (g_dbus_message_get_member (message), "Open") == 0)
    {
      g_mutex_lock (&monitor->lock);
      g_ptr_array_add (monitor->opens, g_object_ref (message));
      g_mutex_unlock (&monitor->lock);
    }
  g_object_unref (message);
  return NULL;
}

static void
open_monitor_start (OpenMonitor *monitor)
{
  const char *rules[] = {
    "type='method_call',interface='org.gtk.Application',member='Open'",
    NULL
  };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&monitor->lock);
  monitor->opens = g_ptr_array_new_with_free_func (g_object_unref);
  monitor->connection = bus_connect ();
  g_dbus_connection_add_filter (monitor->connection, monitor_filter_cb, monitor, NULL);
  reply = bus_call (monitor->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                    g_variant_new ("(^asu)", rules, 0), NULL, &error);
  g_assert_no_error (error);
}

static guint
open_monitor_count (OpenMonitor *monitor)
{
  guint n;

  g_mutex_lock (&monitor->lock);
  n = monitor->opens->len;
  g_mutex_unlock (&monitor->lock);
  return n;
}

/* The @index-th Open call seen. */
static GDBusMessage *
open_monitor_dup_open (OpenMonitor *monitor,
                       guint        index)
{
  GDBusMessage *message;

  g_mutex_lock (&monitor->lock);
  g_assert_cmpuint (monitor->opens->len, >, index);
  message = g_object_ref (g_ptr_array_index (monitor->opens, index));
  g_mutex_unlock (&monitor->lock);
  return message;
}

static gboolean
open_monitor_has_open (gpointer data)
{
  return open_monitor_count (data) > 0;
}

static void
open_monitor_stop (OpenMonitor *monitor)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_close_sync (monitor->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&monitor->connection);
  g_clear_pointer (&monitor->opens, g_ptr_array_unref);
  g_mutex_clear (&monitor->lock);
}

/* Single instance, with the built binaries ---------------------------------- */

static void
test_single_instance (void)
{
  g_autoptr(GDBusConnection) bus = bus_connect ();
  g_autofree char *data_dir = make_data_dir ();
  g_autofree char *png = write_png ("handed-over.png", NULL);
  g_autofree char *png_uri = g_filename_to_uri (png, NULL, NULL);
  g_autofree char *owner = NULL;
  g_autofree char *owner_after = NULL;
  g_autofree char *owner_pid = NULL;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) uris = NULL;
  g_autoptr(GError) error = NULL;
  const char * const first_args[] = {
    "--simulator", "--data-dir", data_dir, "--listen", "127.0.0.1:0", NULL
  };
  const char * const second_args[] = { png, NULL };
  OpenMonitor monitor = { 0 };
  OwnerLog log = { 0 };
  Studio first = { 0 };
  Studio second = { 0 };
  g_autoptr(GDBusMessage) open = NULL;
  gint64 quit_time;

  owner_log_start (&log, bus);
  g_assert_null (get_name_owner (bus, APPLICATION_ID));

  /* The first start takes the name; its process is the owner. */
  studio_spawn (&first, first_args);
  owner_log_wait (&log, 1, "the first osais-studio to own its name");
  owner = g_strdup (g_ptr_array_index (log.owners, 0));
  g_assert_cmpstr (owner, !=, "");
  owner_pid = g_strdup_printf ("%u", get_owner_pid (bus, owner));
  g_assert_cmpstr (owner_pid, ==, g_subprocess_get_identifier (first.process));
  /* It answers on its object once its main loop runs. */
  actions = bus_call (bus, owner, APP_PATH, "org.gtk.Actions", "List", NULL,
                      G_VARIANT_TYPE ("(as)"), &error);
  g_assert_no_error (error);

  /* A second start, with a file: it hands the file over and exits at once. */
  open_monitor_start (&monitor);
  studio_spawn (&second, second_args);
  studio_wait_exit (&second, second.started, EXIT_SECONDS, "the second osais-studio");
  g_assert_false (first.exited);

  /* It sent the file to the first, on the app's name and object. */
  osais_ui_test_wait_until (open_monitor_has_open, &monitor, "the Open call on the bus");
  g_assert_cmpuint (open_monitor_count (&monitor), ==, 1);
  open = open_monitor_dup_open (&monitor, 0);
  g_assert_cmpstr (g_dbus_message_get_destination (open), ==, APPLICATION_ID);
  g_assert_cmpstr (g_dbus_message_get_path (open), ==, APP_PATH);
  g_assert_true (g_variant_is_of_type (g_dbus_message_get_body (open),
                                       G_VARIANT_TYPE ("(assa{sv})")));
  uris = g_variant_get_child_value (g_dbus_message_get_body (open), 0);
  g_assert_cmpuint (g_variant_n_children (uris), ==, 1);
  {
    g_autoptr(GVariant) uri = g_variant_get_child_value (uris, 0);

    g_assert_cmpstr (g_variant_get_string (uri, NULL), ==, png_uri);
  }

  /* The first took it: it handles calls in order on its main loop, so its
   * answer to this one comes after it ran its open handler, and it is
   * still the one owner of the name. */
  g_clear_pointer (&actions, g_variant_unref);
  actions = bus_call (bus, APPLICATION_ID, APP_PATH, "org.gtk.Actions", "List", NULL,
                      G_VARIANT_TYPE ("(as)"), &error);
  g_assert_no_error (error);
  {
    g_autofree const char **names = NULL;

    g_variant_get (actions, "(^a&s)", &names);
    g_assert_true (g_strv_contains (names, "show-job"));
    g_assert_true (g_strv_contains (names, "quit"));
  }
  g_assert_false (first.exited);
  owner_after = get_name_owner (bus, APPLICATION_ID);
  g_assert_cmpstr (owner_after, ==, owner);
  owner_log_sync (&log);
  g_assert_cmpuint (log.owners->len, ==, 1);

  /* Quit as the desktop would, over D-Bus; the name is let go. */
  quit_time = g_get_monotonic_time ();
  reply = bus_call (bus, APPLICATION_ID, APP_PATH, "org.gtk.Actions", "Activate",
                    g_variant_new ("(sava{sv})", "quit", NULL, NULL), NULL, &error);
  g_assert_no_error (error);
  studio_wait_exit (&first, quit_time, EXIT_SECONDS, "the first osais-studio, asked to quit,");
  owner_log_wait (&log, 2, "the name to be let go");
  g_assert_cmpstr (g_ptr_array_index (log.owners, 1), ==, "");
  g_assert_cmpuint (log.owners->len, ==, 2);

  open_monitor_stop (&monitor);
  studio_clear (&second);
  studio_clear (&first);
  owner_log_stop (&log);
  osais_test_remove_tree (data_dir);
}

typedef struct
{
  GDBusConnection *bus;
  const char      *name;
} NameWait;

static gboolean
name_is_owned (gpointer data)
{
  NameWait *wait = data;
  g_autofree char *owner = get_name_owner (wait->bus, wait->name);

  return owner != NULL && *owner != '\0';
}

/* One receiver per data folder: a start with another --data-dir than the
 * running instance's opens that folder in an instance of its own, which
 * receives for it, instead of showing the first one's folder. */
static void
test_other_data_dir (void)
{
  g_autoptr(GDBusConnection) bus = bus_connect ();
  g_autofree char *first_dir = make_data_dir ();
  g_autofree char *second_dir = make_data_dir ();
  g_autofree char *first_receiver = osais_receiver_dup_bus_name (first_dir);
  g_autofree char *second_receiver = osais_receiver_dup_bus_name (second_dir);
  g_autofree char *app_owner = NULL;
  g_autofree char *second_owner = NULL;
  const char * const first_args[] = {
    "--simulator", "--data-dir", first_dir, "--listen", "127.0.0.1:0", NULL
  };
  const char * const second_args[] = {
    "--simulator", "--data-dir", second_dir, "--listen", "127.0.0.1:0", NULL
  };
  NameWait first_wait = { bus, first_receiver };
  NameWait second_wait = { bus, second_receiver };
  Studio first = { 0 };
  Studio second = { 0 };

  g_assert_cmpstr (first_receiver, !=, second_receiver);
  studio_spawn (&first, first_args);
  osais_ui_test_wait_until (name_is_owned, &first_wait, "the first folder's receiver");
  app_owner = get_name_owner (bus, APPLICATION_ID);

  studio_spawn (&second, second_args);
  osais_ui_test_wait_until (name_is_owned, &second_wait, "the second folder's receiver");
  second_owner = get_name_owner (bus, second_receiver);
  /* Another process, still running; the first still owns the app's name. */
  g_assert_cmpstr (second_owner, !=, app_owner);
  g_assert_false (second.exited);
  g_assert_false (first.exited);
  g_assert_cmpuint (get_owner_pid (bus, second_owner), ==,
                    (guint32) atoi (g_subprocess_get_identifier (second.process)));

  studio_clear (&second);
  studio_clear (&first);
  osais_test_remove_tree (first_dir);
  osais_test_remove_tree (second_dir);
}

/* The app in this process, unique on the test's bus --------------------------- */

typedef struct
{
  OsaisApplication *app;
  OsaisWindow      *window;
  GDBusConnection  *bus;
  char             *data_dir;
} Run;

static OsaisSession *
run_session (Run *run)
{
  return osais_application_get_session (run->app);
}

static gboolean
has_window (gpointer data)
{
  Run *run = data;
  GtkWidget *window = osais_ui_test_get_mapped_window (GTK_APPLICATION (run->app));

  if (window == NULL)
    return FALSE;
  run->window = OSAIS_WINDOW (window);
  return TRUE;
}

static gboolean
session_ready (gpointer data)
{
  Run *run = data;
  OsaisSession *session = run_session (run);

  return osais_session_get_store (session) != NULL
         && osais_session_get_server_listening (session)
         && osais_session_get_login_state (session) == OSAIS_LOGIN_STATE_LOGGED_IN
         && osais_session_get_engines (session) != NULL;
}

/* Runs the app here as `osais-studio --simulator`, not NON_UNIQUE as the
 * other ui tests do, and calls @check once it runs; @check quits it. */
static void
run_here (Run  *run,
          void (*check) (Run *run))
{
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  const char *argv[] = {
    "osais-studio", "--simulator", "--data-dir", NULL, "--listen", "127.0.0.1:0", NULL
  };
  int status;

  osais_ui_test_reset_settings (settings);
  run->data_dir = make_data_dir ();
  argv[3] = run->data_dir;
  run->bus = bus_connect ();
  run->app = osais_application_new ();
  g_assert_false (g_application_get_flags (G_APPLICATION (run->app))
                  & G_APPLICATION_NON_UNIQUE);

  g_idle_add_once ((GSourceOnceFunc) check, run);
  status = g_application_run (G_APPLICATION (run->app), G_N_ELEMENTS (argv) - 1, (char **) argv);
  g_assert_cmpint (status, ==, 0);

  g_clear_object (&run->app);
  g_clear_object (&run->bus);
  run->window = NULL;
  osais_test_remove_tree (run->data_dir);
  g_clear_pointer (&run->data_dir, g_free);
}

/* Waits for the window and the offline session; asserts the app is the
 * primary instance and owns its name on the bus. */
static void
wait_started (Run *run)
{
  GDBusConnection *own = g_application_get_dbus_connection (G_APPLICATION (run->app));
  g_autofree char *owner = NULL;

  osais_ui_test_wait_until (has_window, run, "the window");
  osais_ui_test_wait_until (session_ready, run, "the offline session");
  g_assert_false (g_application_get_is_remote (G_APPLICATION (run->app)));
  g_assert_nonnull (own);
  owner = get_name_owner (run->bus, APPLICATION_ID);
  g_assert_cmpstr (owner, ==, g_dbus_connection_get_unique_name (own));
}

static void
quit (Run *run)
{
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
}

static void
select_engine (Run        *run,
               const char *name)
{
  GtkDropDown *dropdown = osais_window_get_engine_dropdown (run->window);
  GListModel *engines = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      if (g_str_equal (osais_engine_get_name (engine), name))
        {
          gtk_drop_down_set_selected (dropdown, i);
          g_assert_true (osais_request_form_get_engine (osais_window_get_form (run->window))
                         == engine);
          return;
        }
    }
  g_assert_not_reached ();
}

static gboolean
form_has_input (gpointer data)
{
  Run *run = data;

  return osais_request_form_get_has_input (osais_window_get_form (run->window));
}

static void
check_open_handed_over (Run *run)
{
  g_autoptr(GBytes) png_bytes = NULL;
  g_autofree char *png = write_png ("opened.png", &png_bytes);
  g_autofree char *owner = NULL;
  g_autoptr(GBytes) input = NULL;
  const char * const second_args[] = { png, NULL };
  const char *content_type = NULL;
  Studio second = { 0 };

  wait_started (run);
  owner = get_name_owner (run->bus, APPLICATION_ID);
  /* An engine that takes an input image. */
  select_engine (run, "ping");
  g_assert_false (osais_request_form_get_has_input (osais_window_get_form (run->window)));

  studio_spawn (&second, second_args);
  studio_wait_exit (&second, second.started, EXIT_SECONDS, "the second osais-studio");

  /* The file is this instance's input image now. */
  osais_ui_test_wait_until (form_has_input, run, "the handed-over image in the form");
  input = osais_request_form_dup_input (osais_window_get_form (run->window), &content_type);
  g_assert_cmpstr (content_type, ==, "image/png");
  g_assert_true (g_bytes_equal (input, png_bytes));
  {
    g_autofree char *owner_after = get_name_owner (run->bus, APPLICATION_ID);

    g_assert_cmpstr (owner_after, ==, owner);
  }

  studio_clear (&second);
  quit (run);
}

static void
test_open_handed_over (void)
{
  Run run = { 0 };

  run_here (&run, check_open_handed_over);
}

/* Notifications ---------------------------------------------------------------- */

/* What GLib's "gtk" notification backend calls: the interface of GNOME
 * Shell's org.gtk.Notifications, which this test serves itself. */
static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='s' name='id' direction='in'/>"
  "      <arg type='a{sv}' name='notification' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='s' name='id' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection *connection;
  guint            registration;
  /* The parameters of each call, in order: (ssa{sv}) or (ss). */
  GPtrArray       *added;
  GPtrArray       *removed;
} NotificationServer;

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *path,
                         const char            *interface,
                         const char            *method,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  NotificationServer *server = user_data;

  if (g_str_equal (method, "AddNotification"))
    g_ptr_array_add (server->added, g_variant_ref (parameters));
  else
    g_ptr_array_add (server->removed, g_variant_ref (parameters));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_method_cb, NULL, NULL };

static void
notification_server_start (NotificationServer *server)
{
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 result = 0;

  g_assert_nonnull (node);
  server->added = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  server->removed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  server->connection = bus_connect ();
  server->registration = g_dbus_connection_register_object (server->connection,
                                                            "/org/gtk/Notifications",
                                                            node->interfaces[0],
                                                            &notifications_vtable, server,
                                                            NULL, &error);
  g_assert_no_error (error);
  reply = bus_call (server->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "RequestName",
                    g_variant_new ("(su)", "org.gtk.Notifications",
                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE),
                    G_VARIANT_TYPE ("(u)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */);
}

static void
notification_server_stop (NotificationServer *server)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_unregister_object (server->connection, server->registration);
  g_dbus_connection_close_sync (server->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->connection);
  g_clear_pointer (&server->added, g_ptr_array_unref);
  g_clear_pointer (&server->removed, g_ptr_array_unref);
}

static gboolean
removed_barrier (gpointer data)
{
  NotificationServer *server = data;

  for (guint i = 0; i < server->removed->len; i++)
    {
      const char *id = NULL;

      g_variant_get (g_ptr_array_index (server->removed, i), "(&s&s)", NULL, &id);
      if (g_str_equal (id, "barrier"))
        return TRUE;
    }
  return FALSE;
}

/* Waits until the server has had every notification the app sent so far:
 * the app withdraws one that does not exist, on the same connection after
 * them, and the server takes calls in order. */
static void
notification_server_sync (NotificationServer *server,
                          Run                *run)
{
  g_ptr_array_set_size (server->removed, 0);
  g_application_withdraw_notification (G_APPLICATION (run->app), "barrier");
  osais_ui_test_wait_until (removed_barrier, server, "the notification server to catch up");
}

typedef struct
{
  NotificationServer *server;
  guint               n;
} AddedCount;

static gboolean
has_added (gpointer data)
{
  AddedCount *count = data;

  return count->server->added->len >= count->n;
}

/* The fields of the @index-th AddNotification; asserts what every job
 * notification has. */
static GVariantDict *
get_added (NotificationServer *server,
           guint               index,
           OsaisJob           *job)
{
  g_autoptr(GVariant) fields = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autofree char *expected_id = g_strdup_printf ("job-%" G_GINT64_FORMAT,
                                                  osais_job_get_uid (job));
  const char *app_id = NULL;
  const char *id = NULL;
  const char *action = NULL;
  GVariantDict *dict;

  g_assert_cmpuint (server->added->len, >, index);
  g_variant_get (g_ptr_array_index (server->added, index), "(&s&s@a{sv})",
                 &app_id, &id, &fields);
  g_assert_cmpstr (app_id, ==, APPLICATION_ID);
  g_assert_cmpstr (id, ==, expected_id);
  dict = g_variant_dict_new (fields);

  /* Clicking it shows the job: app.show-job with the job's uid. */
  g_assert_true (g_variant_dict_lookup (dict, "default-action", "&s", &action));
  g_assert_cmpstr (action, ==, "app.show-job");
  target = g_variant_dict_lookup_value (dict, "default-action-target", G_VARIANT_TYPE_INT64);
  g_assert_nonnull (target);
  g_assert_cmpint (g_variant_get_int64 (target), ==, osais_job_get_uid (job));

  return dict;
}

static OsaisStore *
run_store (Run *run)
{
  return osais_session_get_store (run_session (run));
}

static void
set_prompt (Run        *run,
            const char *text)
{
  GtkWidget *view = osais_request_form_get_field (osais_window_get_form (run->window), "word");

  g_assert_true (GTK_IS_TEXT_VIEW (view));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
}

typedef struct
{
  Run      *run;
  guint     jobs_before;
  OsaisJob *job;
} Submission;

static gboolean
new_job_appeared (gpointer data)
{
  Submission *submission = data;
  GListModel *jobs = G_LIST_MODEL (run_store (submission->run));

  if (g_list_model_get_n_items (jobs) <= submission->jobs_before)
    return FALSE;
  submission->job = g_list_model_get_item (jobs, 0);
  return TRUE;
}

static gboolean
job_finished (gpointer data)
{
  return osais_job_get_finished (OSAIS_JOB (data));
}

/* Presses Run and waits until the job has ended. */
static OsaisJob *
run_job (Run *run)
{
  Submission submission = {
    run, g_list_model_get_n_items (G_LIST_MODEL (run_store (run))), NULL
  };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.run", NULL));
  osais_ui_test_wait_until (new_job_appeared, &submission, "the job to be created");
  osais_ui_test_wait_until (job_finished, submission.job, "the job to end");
  return submission.job;
}

static gboolean
window_active (gpointer data)
{
  Run *run = data;

  return gtk_window_is_active (GTK_WINDOW (run->window));
}

typedef struct
{
  Run       *run;
  GtkWindow *other;
} Focus;

static gboolean
other_window_active (gpointer data)
{
  Focus *focus = data;

  return gtk_window_is_active (focus->other)
         && !gtk_window_is_active (GTK_WINDOW (focus->run->window));
}

/* The job whose tile has the keyboard focus: where the gallery shows a job
 * (selecting it would start selection mode). */
static OsaisJob *
get_focused_job (Run *run)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (run->window));
  GtkWidget *cell = NULL;
  OsaisGalleryItem *item;

  for (GtkWidget *w = focus; w != NULL && cell == NULL; w = gtk_widget_get_parent (w))
    if (OSAIS_IS_GALLERY_CELL (w))
      cell = w;
  /* The list item widget holding the cell has the focus. */
  if (cell == NULL && focus != NULL && OSAIS_IS_GALLERY_CELL (gtk_widget_get_first_child (focus)))
    cell = gtk_widget_get_first_child (focus);
  if (cell == NULL)
    return NULL;
  item = osais_gallery_cell_get_item (OSAIS_GALLERY_CELL (cell));
  return item != NULL ? osais_gallery_item_get_job (item) : NULL;
}

typedef struct
{
  Run      *run;
  OsaisJob *job;
} Shown;

/* The tile takes the focus once laid out in view, after the window is back. */
static gboolean
focus_on_unseen (gpointer data)
{
  Shown *shown = data;

  return get_focused_job (shown->run) == shown->job;
}

static const char *
diffusion_title (Run *run)
{
  GListModel *engines = osais_session_get_engines (run_session (run));

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      if (g_str_equal (osais_engine_get_name (engine), "diffusion"))
        return osais_engine_get_title (engine);
    }
  g_assert_not_reached ();
  return NULL;
}

static void
check_notifications (Run *run)
{
  OsaisSimulator *simulator = NULL;
  NotificationServer server = { 0 };
  g_autoptr(GVariantDict) ready = NULL;
  g_autoptr(GVariantDict) failed = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) seen = NULL;
  g_autoptr(OsaisJob) unseen = NULL;
  Shown shown = { NULL, NULL };
  g_autoptr(OsaisJob) failing = NULL;
  const char *title = NULL;
  const char *body = NULL;
  const char *action = NULL;
  g_autofree char *expected = NULL;
  AddedCount count = { &server, 0 };
  Focus focus = { run, NULL };
  GVariantBuilder parameter;

  /* A notification server on the bus before the app's first notification:
   * GLib then picks its "gtk" backend, as under GNOME Shell. */
  notification_server_start (&server);
  wait_started (run);
  simulator = osais_session_get_simulator (run_session (run));
  select_engine (run, "diffusion");

  /* Someone looking at the window sees the job end there: no notification. */
  osais_ui_test_wait_until (window_active, run, "the window to be active");
  set_prompt (run, "a job ending in plain sight");
  seen = run_job (run);
  g_assert_true (gtk_window_is_active (GTK_WINDOW (run->window)));
  notification_server_sync (&server, run);
  g_assert_cmpuint (server.added->len, ==, 0);

  /* Another window takes the focus, as another app's would. */
  focus.other = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (focus.other, "Another application");
  gtk_window_set_default_size (focus.other, 320, 200);
  gtk_window_present (focus.other);
  osais_ui_test_wait_until (other_window_active, &focus, "the other window to take the focus");

  /* A job that ends unseen: "Images are ready", naming the engine and the prompt. */
  set_prompt (run, "a lighthouse at dawn, oil painting");
  unseen = run_job (run);
  g_assert_cmpint (osais_job_get_stage (unseen), ==, OSAIS_STAGE_FINISHED);
  count.n = 1;
  osais_ui_test_wait_until (has_added, &count, "the notification of the finished job");
  ready = get_added (&server, 0, unseen);
  g_assert_true (g_variant_dict_lookup (ready, "title", "&s", &title));
  g_assert_cmpstr (title, ==, "Images are ready");
  g_assert_true (g_variant_dict_lookup (ready, "body", "&s", &body));
  g_test_message ("notified: %s / %s", title, body);
  expected = g_strdup_printf ("%s: a lighthouse at dawn, oil painting", diffusion_title (run));
  g_assert_cmpstr (body, ==, expected);

  /* A job that fails unseen: "A request failed", with the reason. */
  g_object_set (simulator, "fail-engine", "diffusion", NULL);
  set_prompt (run, "this one fails");
  failing = run_job (run);
  g_object_set (simulator, "fail-engine", NULL, NULL);
  g_assert_cmpint (osais_job_get_stage (failing), ==, OSAIS_STAGE_ERROR);
  g_assert_nonnull (osais_job_get_error_message (failing));
  count.n = 2;
  osais_ui_test_wait_until (has_added, &count, "the notification of the failed job");
  failed = get_added (&server, 1, failing);
  g_assert_true (g_variant_dict_lookup (failed, "title", "&s", &title));
  g_assert_cmpstr (title, ==, "A request failed");
  g_assert_true (g_variant_dict_lookup (failed, "body", "&s", &body));
  g_test_message ("notified: %s / %s", title, body);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s: this one fails\n%s", diffusion_title (run),
                              osais_job_get_error_message (failing));
  g_assert_cmpstr (body, ==, expected);

  /* Clicking the first: the server activates its default action with its
   * target over D-Bus, as GNOME Shell does; the window comes back showing
   * that job. */
  g_assert_true (get_focused_job (run) != unseen);
  g_assert_true (g_variant_dict_lookup (ready, "default-action", "&s", &action));
  g_assert_true (g_str_has_prefix (action, "app."));
  target = g_variant_dict_lookup_value (ready, "default-action-target", NULL);
  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&parameter, "v", target);
  reply = bus_call (server.connection, APPLICATION_ID, APP_PATH,
                    "org.freedesktop.Application", "ActivateAction",
                    g_variant_new ("(sava{sv})", action + strlen ("app."), &parameter, NULL),
                    NULL, &error);
  g_assert_no_error (error);
  osais_ui_test_wait_until (window_active, run, "the window to come back");
  shown.run = run;
  shown.job = unseen;
  osais_ui_test_wait_until (focus_on_unseen, &shown, "the job's tile to take the focus");

  /* Nothing else was sent. */
  notification_server_sync (&server, run);
  g_assert_cmpuint (server.added->len, ==, 2);

  gtk_window_destroy (focus.other);
  notification_server_stop (&server);
  quit (run);
}

static void
test_notifications (void)
{
  Run run = { 0 };

  run_here (&run, check_notifications);
}

static void
test_no_daemon (void)
{
  g_test_skip ("dbus-daemon is missing: build-aux/dev deps installs it");
}

/* The Background portal ------------------------------------------------------ */

static const char background_portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* xdg-desktop-portal's Background, as far as the app uses it: it answers
 * each request at once, allowing it or not, or, deferred, when the test
 * says (as when the user takes time to answer the portal's dialog). */
typedef struct
{
  GDBusConnection *connection;
  guint            registration;
  guint            owner_id;
  gboolean         allow;
  gboolean         deferred;
  GPtrArray       *requests;  /* deferred: (sender, handle) pairs, flattened */
  GVariant        *options;   /* of the last request */
} BackgroundPortal;

static void
background_portal_answer (BackgroundPortal *portal,
                          const char       *sender,
                          const char       *handle,
                          gboolean          allow)
{
  GVariantBuilder results;

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (allow));
  g_dbus_connection_emit_signal (portal->connection, sender, handle,
                                 "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(ua{sv})", allow ? 0 : 1, &results), NULL);
}

static void
background_method_cb (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *path,
                      const char            *interface,
                      const char            *method,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  BackgroundPortal *portal = user_data;
  g_autofree char *caller = g_strdup (sender + 1);
  g_autofree char *handle = NULL;
  const char *token = NULL;

  g_clear_pointer (&portal->options, g_variant_unref);
  portal->options = g_variant_get_child_value (parameters, 1);
  g_assert_true (g_variant_lookup (portal->options, "handle_token", "&s", &token));
  g_strdelimit (caller, ".", '_');
  handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", caller, token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));

  if (portal->deferred)
    {
      g_ptr_array_add (portal->requests, g_strdup (sender));
      g_ptr_array_add (portal->requests, g_steal_pointer (&handle));
      return;
    }
  background_portal_answer (portal, sender, handle, portal->allow);
}

static const GDBusInterfaceVTable background_vtable = { background_method_cb, NULL, NULL };

static void
background_portal_start (BackgroundPortal *portal,
                         gboolean          allow)
{
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (background_portal_xml, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 result = 0;

  portal->allow = allow;
  portal->requests = g_ptr_array_new_with_free_func (g_free);
  portal->connection = bus_connect ();
  portal->registration = g_dbus_connection_register_object (portal->connection,
                                                            "/org/freedesktop/portal/desktop",
                                                            node->interfaces[0],
                                                            &background_vtable, portal,
                                                            NULL, &error);
  g_assert_no_error (error);
  reply = bus_call (portal->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus", "RequestName",
                    g_variant_new ("(su)", "org.freedesktop.portal.Desktop", 4),
                    G_VARIANT_TYPE ("(u)"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);
}

static void
background_portal_stop (BackgroundPortal *portal)
{
  g_dbus_connection_unregister_object (portal->connection, portal->registration);
  g_clear_pointer (&portal->options, g_variant_unref);
  g_clear_pointer (&portal->requests, g_ptr_array_unref);
  g_dbus_connection_close_sync (portal->connection, NULL, NULL);
  g_clear_object (&portal->connection);
}

typedef struct
{
  Run              *run;
  BackgroundPortal *portal;
  OsaisJob         *job;
} BackgroundCheck;

static gboolean
portal_asked (gpointer data)
{
  return ((BackgroundPortal *) data)->options != NULL;
}

static gboolean
background_job_running (gpointer data)
{
  BackgroundCheck *check = data;

  return check->job != NULL && osais_job_get_stage (check->job) >= OSAIS_STAGE_STARTED;
}

static gboolean
background_job_complete (gpointer data)
{
  return osais_job_is_complete (((BackgroundCheck *) data)->job);
}

static gboolean
not_receiving_in_background (gpointer data)
{
  return !osais_application_get_receiving_in_background (((Run *) data)->app);
}

static void
background_submitted_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  BackgroundCheck *check = user_data;
  g_autoptr(GError) error = NULL;

  check->job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  g_assert_no_error (error);
}

/* Closes the window while a slow job runs, with the fake portal answering;
 * returns once the app no longer holds itself (it then quits). */
static void
close_with_job_running (Run              *run,
                        BackgroundPortal *portal)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  BackgroundCheck check = { run, portal, NULL };
  const char *reason = NULL;
  gboolean autostart = TRUE;

  wait_started (run);
  g_object_set (osais_session_get_simulator (run_session (run)), "step-delay", 300, NULL);
  g_hash_table_insert (values, (char *) "word", (char *) "in the background");
  g_hash_table_insert (values, (char *) "cimg", (char *) "2");
  osais_session_submit_async (run_session (run), "diffusion", values, NULL, NULL, NULL,
                              background_submitted_cb, &check);
  osais_ui_test_wait_until (background_job_running, &check, "the job to run");

  gtk_window_close (GTK_WINDOW (run->window));
  osais_ui_test_wait_until (portal_asked, portal, "the request to the Background portal");
  g_assert_true (g_variant_lookup (portal->options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");
  g_assert_true (g_variant_lookup (portal->options, "autostart", "b", &autostart));
  g_assert_false (autostart);

  if (portal->allow)
    {
      /* Allowed: it receives the rest, then lets itself quit. */
      osais_ui_test_settle (200);
      g_assert_true (osais_application_get_receiving_in_background (run->app));
      osais_ui_test_wait_until (background_job_complete, &check, "the job, in the background");
      g_assert_cmpuint (g_list_model_get_n_items (osais_job_get_images (check.job)), ==, 2);
    }
  else
    {
      /* Refused: it stops holding itself at once, before the job is done. */
      osais_ui_test_wait_until (not_receiving_in_background, run, "the refusal to be heeded");
      g_assert_false (osais_job_is_complete (check.job));
    }
  osais_ui_test_wait_until (not_receiving_in_background, run, "the app to let itself quit");
  g_clear_object (&check.job);
}

static void
check_background_allowed (Run *run)
{
  BackgroundPortal portal = { 0 };

  background_portal_start (&portal, TRUE);
  close_with_job_running (run, &portal);
  background_portal_stop (&portal);
}

static void
check_background_refused (Run *run)
{
  BackgroundPortal portal = { 0 };

  background_portal_start (&portal, FALSE);
  close_with_job_running (run, &portal);
  background_portal_stop (&portal);
}

static gboolean
portal_has_two_requests (gpointer data)
{
  return ((BackgroundPortal *) data)->requests->len == 2 * 2;
}

static gboolean
receiving_in_background (gpointer data)
{
  return osais_application_get_receiving_in_background (((Run *) data)->app);
}

/* The user answers the portal late: the window came back and went again
 * meanwhile, so the answer is to a request that no longer stands, and a
 * refusal of it must not end the background receiving that the second
 * request asked for. */
static void
check_background_late_answer (Run *run)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  BackgroundPortal portal = { 0 };
  BackgroundCheck check = { run, &portal, NULL };

  background_portal_start (&portal, TRUE);
  portal.deferred = TRUE;
  wait_started (run);
  /* Slow enough to run through the whole check. */
  g_object_set (osais_session_get_simulator (run_session (run)), "step-delay", 5000, NULL);
  g_hash_table_insert (values, (char *) "word", (char *) "answered late");
  osais_session_submit_async (run_session (run), "diffusion", values, NULL, NULL, NULL,
                              background_submitted_cb, &check);
  osais_ui_test_wait_until (background_job_running, &check, "the job to run");

  gtk_window_close (GTK_WINDOW (run->window));
  osais_ui_test_wait_until (portal_asked, &portal, "the first request to the portal");
  g_assert_true (osais_application_get_receiving_in_background (run->app));

  g_action_group_activate_action (G_ACTION_GROUP (run->app), "show-window", NULL);
  osais_ui_test_wait_until (has_window, run, "the window, back");
  g_assert_false (osais_application_get_receiving_in_background (run->app));

  gtk_window_close (GTK_WINDOW (run->window));
  osais_ui_test_wait_until (portal_has_two_requests, &portal, "the second request");
  osais_ui_test_wait_until (receiving_in_background, run, "receiving in the background again");

  /* The first request refused, late: it no longer stands. */
  background_portal_answer (&portal, g_ptr_array_index (portal.requests, 0),
                            g_ptr_array_index (portal.requests, 1), FALSE);
  osais_ui_test_settle (300);
  g_assert_true (osais_application_get_receiving_in_background (run->app));
  g_assert_false (osais_job_is_complete (check.job));

  /* The second one allowed: still receiving. */
  background_portal_answer (&portal, g_ptr_array_index (portal.requests, 2),
                            g_ptr_array_index (portal.requests, 3), TRUE);
  osais_ui_test_settle (300);
  g_assert_true (osais_application_get_receiving_in_background (run->app));

  g_clear_object (&check.job);
  background_portal_stop (&portal);
  quit (run);
}

static void
test_background_portal (void)
{
  Run allowed = { 0 };
  Run refused = { 0 };
  Run late = { 0 };

  g_setenv ("OSAIS_BACKGROUND_PORTAL", "1", TRUE);
  run_here (&allowed, check_background_allowed);
  run_here (&refused, check_background_refused);
  run_here (&late, check_background_late_answer);
  g_unsetenv ("OSAIS_BACKGROUND_PORTAL");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GDBusConnection) session_bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *daemon = g_find_program_in_path ("dbus-daemon");
  int status;

  if (daemon == NULL)
    {
      osais_ui_test_init (&argc, &argv);
      g_test_add_func ("/Osais/Session/no-dbus-daemon", test_no_daemon);
      return g_test_run ();
    }

  start_bus ();
  osais_ui_test_init (&argc, &argv);

  /* The app in this process takes the shared session connection; the test
   * closes it before it stops the bus, which must not end the process. */
  session_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (session_bus, FALSE);

  g_test_add_func ("/Osais/Session/single-instance", test_single_instance);
  g_test_add_func ("/Osais/Session/other-data-dir", test_other_data_dir);
  g_test_add_func ("/Osais/Session/open-handed-over", test_open_handed_over);
  g_test_add_func ("/Osais/Session/notifications", test_notifications);
  g_test_add_func ("/Osais/Session/background-portal", test_background_portal);

  status = g_test_run ();

  g_dbus_connection_close_sync (session_bus, NULL, NULL);
  g_clear_object (&session_bus);
  stop_bus ();
  return status;
}
