/* osais-receiver.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisReceiver"

#include <stdlib.h>
#include <string.h>

#include "osais-engine.h"
#include "osais-image.h"
#include "osais-job.h"
#include "osais-receiver.h"
#include "osais-session.h"
#include "osais-sha256.h"
#include "osais-store.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" OSAIS_RECEIVER_INTERFACE "'>"
  "    <property name='DataDir' type='s' access='read'/>"
  "    <property name='AccountLabel' type='s' access='read'/>"
  "    <method name='Submit'>"
  "      <arg name='engine' type='s' direction='in'/>"
  "      <arg name='values' type='a{ss}' direction='in'/>"
  "      <arg name='input' type='ay' direction='in'/>"
  "      <arg name='input_type' type='s' direction='in'/>"
  "      <arg name='uid' type='x' direction='out'/>"
  "    </method>"
  "    <method name='GetJob'>"
  "      <arg name='uid' type='x' direction='in'/>"
  "      <arg name='stage' type='i' direction='out'/>"
  "      <arg name='description' type='s' direction='out'/>"
  "      <arg name='error_message' type='s' direction='out'/>"
  "      <arg name='announced_images' type='u' direction='out'/>"
  "      <arg name='image_paths' type='as' direction='out'/>"
  "      <arg name='complete' type='b' direction='out'/>"
  "    </method>"
  "    <signal name='JobChanged'>"
  "      <arg name='uid' type='x'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

struct _OsaisReceiver
{
  GObject          parent_instance;

  OsaisSession    *session;
  GDBusNodeInfo   *node_info;
  GDBusConnection *connection;
  guint            owner_id;
  guint            registration_id;
  gboolean         owner;
  gboolean         taken;
  GPtrArray       *jobs;  /* OsaisJob sent through Submit, watched for JobChanged */
};

G_DEFINE_FINAL_TYPE (OsaisReceiver, osais_receiver, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OWNER,
  PROP_TAKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
osais_receiver_dup_bus_name (const char *data_dir)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *hash = NULL;
  char *real;

  g_return_val_if_fail (data_dir != NULL, NULL);

  /* The same folder by any path, a link or a relative one, is one name. */
  real = realpath (data_dir, NULL);
  path = real != NULL ? g_strdup (real) : g_canonicalize_filename (data_dir, NULL);
  free (real);
  bytes = g_bytes_new (path, strlen (path));
  hash = osais_sha256_hex (bytes);

  return g_strdup_printf ("%s%.32s", OSAIS_RECEIVER_BUS_NAME_PREFIX, hash);
}

/* Submit ------------------------------------------------------------------ */

typedef struct
{
  OsaisReceiver         *self;
  GDBusMethodInvocation *invocation;
} SubmitCall;

static void
emit_job_changed (OsaisReceiver *self,
                  OsaisJob      *job)
{
  g_autoptr(GError) error = NULL;

  if (self->connection == NULL || self->registration_id == 0)
    return;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, OSAIS_RECEIVER_OBJECT_PATH,
                                      OSAIS_RECEIVER_INTERFACE, "JobChanged",
                                      g_variant_new ("(x)", osais_job_get_uid (job)), &error))
    g_debug ("Cannot signal a change of job %" G_GINT64_FORMAT ": %s",
             osais_job_get_uid (job), error->message);
}

static void
job_notify_cb (OsaisJob      *job,
               GParamSpec    *pspec,
               OsaisReceiver *self)
{
  emit_job_changed (self, job);
}

static void
job_images_changed_cb (GListModel    *images,
                       guint          position,
                       guint          removed,
                       guint          added,
                       OsaisJob      *job)
{
  OsaisReceiver *self = g_object_get_data (G_OBJECT (job), "osais-receiver");

  if (self != NULL)
    emit_job_changed (self, job);
}

static void
watch_job (OsaisReceiver *self,
           OsaisJob      *job)
{
  g_ptr_array_add (self->jobs, g_object_ref (job));
  g_object_set_data (G_OBJECT (job), "osais-receiver", self);
  g_signal_connect_object (job, "notify", G_CALLBACK (job_notify_cb), self, 0);
  g_signal_connect_object (osais_job_get_images (job), "items-changed",
                           G_CALLBACK (job_images_changed_cb), job, 0);
}

static void
unwatch_job (OsaisReceiver *self,
             OsaisJob      *job)
{
  g_signal_handlers_disconnect_by_func (job, job_notify_cb, self);
  g_signal_handlers_disconnect_by_func (osais_job_get_images (job), job_images_changed_cb, job);
  g_object_set_data (G_OBJECT (job), "osais-receiver", NULL);
}

static void
submitted_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SubmitCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJob) job = NULL;

  job = osais_session_submit_finish (OSAIS_SESSION (object), result, &error);
  if (job == NULL)
    {
      gboolean invalid = error->domain == OSAIS_ENGINE_ERROR
                         || g_error_matches (error, OSAIS_SESSION_ERROR,
                                             OSAIS_SESSION_ERROR_INVALID_INPUT);

      g_debug ("A request sent through the bus failed: %s", error->message);
      g_dbus_method_invocation_return_dbus_error (call->invocation,
                                                  invalid ? OSAIS_RECEIVER_ERROR_INVALID
                                                          : OSAIS_RECEIVER_ERROR_FAILED,
                                                  error->message);
    }
  else
    {
      g_debug ("Job %" G_GINT64_FORMAT " sent through the bus", osais_job_get_uid (job));
      watch_job (call->self, job);
      g_dbus_method_invocation_return_value (call->invocation,
                                             g_variant_new ("(x)", osais_job_get_uid (job)));
    }

  g_object_unref (call->self);
  g_free (call);
}

static void
handle_submit (OsaisReceiver         *self,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation)
{
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GVariantIter) iter = NULL;
  g_autoptr(GVariant) input_variant = NULL;
  g_autoptr(GBytes) input = NULL;
  const char *engine;
  const char *input_type;
  char *name;
  char *value;
  SubmitCall *call;

  g_variant_get (parameters, "(&sa{ss}@ay&s)", &engine, &iter, &input_variant, &input_type);
  while (g_variant_iter_next (iter, "{ss}", &name, &value))
    g_hash_table_insert (values, name, value);
  if (g_variant_get_size (input_variant) > 0)
    input = g_variant_get_data_as_bytes (input_variant);

  call = g_new0 (SubmitCall, 1);
  call->self = g_object_ref (self);
  call->invocation = invocation;
  osais_session_submit_async (self->session, engine, values, input,
                              *input_type != '\0' ? input_type : NULL, NULL,
                              submitted_cb, call);
}

static void
handle_get_job (OsaisReceiver         *self,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation)
{
  OsaisStore *store = osais_session_get_store (self->session);
  g_auto(GVariantBuilder) paths = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("as"));
  GListModel *images;
  OsaisJob *job = NULL;
  gint64 uid;

  g_variant_get (parameters, "(x)", &uid);
  if (store != NULL)
    job = osais_store_lookup (store, uid);
  if (job == NULL)
    {
      g_dbus_method_invocation_return_dbus_error (invocation, OSAIS_RECEIVER_ERROR_FAILED,
                                                  "No such job in this history");
      return;
    }

  images = osais_job_get_images (job);
  for (guint i = 0; i < g_list_model_get_n_items (images); i++)
    {
      g_autoptr(OsaisImage) image = g_list_model_get_item (images, i);
      g_autofree char *path = g_file_get_path (osais_image_get_file (image));

      g_variant_builder_add (&paths, "s", path);
    }

  g_dbus_method_invocation_return_value (invocation,
    g_variant_new ("(issuasb)",
                   (gint32) osais_job_get_stage (job),
                   osais_job_get_description (job) != NULL ? osais_job_get_description (job) : "",
                   osais_job_get_error_message (job) != NULL
                     ? osais_job_get_error_message (job) : "",
                   osais_job_get_announced_images (job),
                   &paths,
                   osais_job_is_complete (job)));
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  OsaisReceiver *self = user_data;

  if (g_strcmp0 (method_name, "Submit") == 0)
    handle_submit (self, parameters, invocation);
  else if (g_strcmp0 (method_name, "GetJob") == 0)
    handle_get_job (self, parameters, invocation);
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                           G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static GVariant *
get_property_cb (GDBusConnection  *connection,
                 const char       *sender,
                 const char       *object_path,
                 const char       *interface_name,
                 const char       *property_name,
                 GError          **error,
                 gpointer          user_data)
{
  OsaisReceiver *self = user_data;
  const char *value = NULL;

  if (g_strcmp0 (property_name, "DataDir") == 0)
    value = osais_session_get_data_dir (self->session);
  else if (g_strcmp0 (property_name, "AccountLabel") == 0)
    value = osais_session_get_account_label (self->session);

  return g_variant_new_string (value != NULL ? value : "");
}

static const GDBusInterfaceVTable interface_vtable = {
  method_call_cb,
  get_property_cb,
  NULL,
  { 0 }
};

/* Name ownership ---------------------------------------------------------- */

static void
set_owner (OsaisReceiver *self,
           gboolean       owner)
{
  if (self->owner == owner)
    return;
  self->owner = owner;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWNER]);
}

static void
bus_acquired_cb (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  OsaisReceiver *self = user_data;
  g_autoptr(GError) error = NULL;

  g_set_object (&self->connection, connection);
  self->registration_id =
    g_dbus_connection_register_object (connection, OSAIS_RECEIVER_OBJECT_PATH,
                                       self->node_info->interfaces[0], &interface_vtable,
                                       self, NULL, &error);
  if (self->registration_id == 0)
    g_debug ("Cannot serve %s: %s", OSAIS_RECEIVER_OBJECT_PATH, error->message);
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  g_debug ("Receiving for %s as %s",
           osais_session_get_data_dir (OSAIS_RECEIVER (user_data)->session), name);
  set_owner (OSAIS_RECEIVER (user_data), TRUE);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  OsaisReceiver *self = user_data;

  if (connection == NULL)
    g_debug ("No session bus: not announcing the receiver of %s",
             osais_session_get_data_dir (self->session));
  else
    g_debug ("%s is taken: another process receives for %s", name,
             osais_session_get_data_dir (self->session));
  set_owner (self, FALSE);
  if (connection != NULL && !self->taken)
    {
      self->taken = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAKEN]);
    }
}

/* Finding a receiver ------------------------------------------------------ */

GDBusProxy *
osais_receiver_find (const char    *data_dir,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean has_owner = FALSE;

  g_return_val_if_fail (data_dir != NULL, NULL);

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &local_error);
  if (connection == NULL)
    {
      g_debug ("No session bus, so no running receiver: %s", local_error->message);
      return NULL;
    }

  name = osais_receiver_dup_bus_name (data_dir);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, cancellable, &local_error);
  if (reply == NULL)
    {
      g_debug ("Cannot ask the bus about %s: %s", name, local_error->message);
      return NULL;
    }
  g_variant_get (reply, "(b)", &has_owner);
  if (!has_owner)
    return NULL;

  return g_dbus_proxy_new_sync (connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                                name, OSAIS_RECEIVER_OBJECT_PATH, OSAIS_RECEIVER_INTERFACE,
                                cancellable, error);
}

/* GObject ----------------------------------------------------------------- */

OsaisReceiver *
osais_receiver_new (OsaisSession *session)
{
  OsaisReceiver *self;
  g_autofree char *name = NULL;

  g_return_val_if_fail (OSAIS_IS_SESSION (session), NULL);

  self = g_object_new (OSAIS_TYPE_RECEIVER, NULL);
  /* Unowned: whoever runs the session owns the receiver and drops it first. */
  self->session = session;
  name = osais_receiver_dup_bus_name (osais_session_get_data_dir (session));
  self->owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, name,
                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                   bus_acquired_cb, name_acquired_cb, name_lost_cb,
                                   self, NULL);
  return self;
}

gboolean
osais_receiver_get_owner (OsaisReceiver *self)
{
  g_return_val_if_fail (OSAIS_IS_RECEIVER (self), FALSE);

  return self->owner;
}

gboolean
osais_receiver_get_taken (OsaisReceiver *self)
{
  g_return_val_if_fail (OSAIS_IS_RECEIVER (self), FALSE);

  return self->taken;
}

static void
osais_receiver_dispose (GObject *object)
{
  OsaisReceiver *self = OSAIS_RECEIVER (object);

  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  g_clear_object (&self->connection);
  for (guint i = 0; self->jobs != NULL && i < self->jobs->len; i++)
    unwatch_job (self, g_ptr_array_index (self->jobs, i));
  g_clear_pointer (&self->jobs, g_ptr_array_unref);

  G_OBJECT_CLASS (osais_receiver_parent_class)->dispose (object);
}

static void
osais_receiver_finalize (GObject *object)
{
  OsaisReceiver *self = OSAIS_RECEIVER (object);

  g_clear_pointer (&self->node_info, g_dbus_node_info_unref);

  G_OBJECT_CLASS (osais_receiver_parent_class)->finalize (object);
}

static void
osais_receiver_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OsaisReceiver *self = OSAIS_RECEIVER (object);

  switch (prop_id)
    {
    case PROP_OWNER:
      g_value_set_boolean (value, self->owner);
      break;

    case PROP_TAKEN:
      g_value_set_boolean (value, self->taken);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_receiver_class_init (OsaisReceiverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_receiver_dispose;
  object_class->finalize = osais_receiver_finalize;
  object_class->get_property = osais_receiver_get_property;

  properties[PROP_OWNER] =
    g_param_spec_boolean ("owner", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TAKEN] =
    g_param_spec_boolean ("taken", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_receiver_init (OsaisReceiver *self)
{
  self->node_info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (self->node_info != NULL);
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
}
