/* osais-secret.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSecret"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "osais-secret.h"

G_DEFINE_QUARK (osais-secret-error-quark, osais_secret_error)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "com.opensourceais.Studio.Secret", SECRET_SCHEMA_NONE,
    {
      { "token", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

/* libsecret's errors come from D-Bus ("The name org.freedesktop.secrets was
 * not provided…"): say in words what failed, keeping its reason.
 * Cancellation passes through unchanged. */
static void
return_error (GTask      *task,
              const char *what,
              GError     *error)
{
  g_debug ("%s: %s", what, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    {
      g_task_return_new_error (task, OSAIS_SECRET_ERROR, OSAIS_SECRET_ERROR_UNAVAILABLE,
                               "%s: %s", what, error->message);
      g_error_free (error);
    }
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      return_error (task, _("The keyring could not be read"), g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, secret, (GDestroyNotify) osais_secret_free);
}

void
osais_secret_lookup_async (const char          *token,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_secret_lookup_async);
  g_task_set_name (task, "[osais] secret lookup");

  secret_password_lookup (get_schema (), cancellable, lookup_cb, g_steal_pointer (&task),
                          "token", token,
                          NULL);
}

char *
osais_secret_lookup_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_secret_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      return_error (task, _("The secret could not be saved in the keyring"),
                    g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
osais_secret_store_async (const char          *token,
                          const char          *secret,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (token != NULL);
  g_return_if_fail (secret != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_secret_store_async);
  g_task_set_name (task, "[osais] secret store");

  /* The label is what Seahorse (Passwords and Keys) shows. */
  label = g_strdup_printf (_("OSAIS client secret for %s"), token);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "token", token,
                         NULL);
}

gboolean
osais_secret_store_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_secret_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      return_error (task, _("The secret could not be removed from the keyring"),
                    g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
osais_secret_clear_async (const char          *token,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osais_secret_clear_async);
  g_task_set_name (task, "[osais] secret clear");

  secret_password_clear (get_schema (), cancellable, clear_cb, g_steal_pointer (&task),
                         "token", token,
                         NULL);
}

gboolean
osais_secret_clear_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == osais_secret_clear_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osais_secret_free (char *secret)
{
  secret_password_free (secret);
}
