/* osais-tunnel-search.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTunnel"

#include "osais-tunnel-search.h"

struct _OsaisTunnelSearch
{
  GObject          parent_instance;

  GCancellable    *cancellable;  /* the search under way */
  guint            port;
  char            *tunnel_url;
  OsaisTunnelKind  tunnel_kind;
  guint            tunnel_port;
  char            *problem;
};

G_DEFINE_FINAL_TYPE (OsaisTunnelSearch, osais_tunnel_search, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_TUNNEL_URL,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Forgets what was found, notifying what changes. */
static void
forget (OsaisTunnelSearch *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->tunnel_url != NULL)
    {
      g_clear_pointer (&self->tunnel_url, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TUNNEL_URL]);
    }
  if (self->problem != NULL)
    {
      g_clear_pointer (&self->problem, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
}

static void
tunnels_found_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OsaisTunnelSearch *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tunnels = osais_tunnel_find_finish (result, &error);
  g_autofree char *problem = NULL;
  OsaisTunnel *tunnel;

  /* Cancelled by another port or in dispose: @self may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (tunnels == NULL)
    {
      g_debug ("No tunnel could be looked for: %s", error->message);
      return;
    }

  tunnel = osais_tunnel_pick (tunnels, self->port, &problem);
  if (tunnel != NULL)
    {
      self->tunnel_kind = tunnel->kind;
      self->tunnel_port = tunnel->port;
      self->tunnel_url = g_strdup (tunnel->public_url);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TUNNEL_URL]);
    }
  else if (tunnels->len > 0)
    {
      /* Nothing running is the common case, and says nothing wrong. */
      self->problem = g_steal_pointer (&problem);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }
}

void
osais_tunnel_search_set_port (OsaisTunnelSearch *self,
                              guint              port)
{
  g_return_if_fail (OSAIS_IS_TUNNEL_SEARCH (self));

  if (port == self->port)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  forget (self);
  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_thaw_notify (G_OBJECT (self));
  if (port == 0)
    return;

  self->cancellable = g_cancellable_new ();
  /* No reference: a search outliving its owner is cancelled in dispose, and
   * a cancelled task finishes as cancelled even when its thread was done. */
  osais_tunnel_find_async (self->cancellable, tunnels_found_cb, self);
}

guint
osais_tunnel_search_get_port (OsaisTunnelSearch *self)
{
  g_return_val_if_fail (OSAIS_IS_TUNNEL_SEARCH (self), 0);
  return self->port;
}

const char *
osais_tunnel_search_get_tunnel_url (OsaisTunnelSearch *self)
{
  g_return_val_if_fail (OSAIS_IS_TUNNEL_SEARCH (self), NULL);
  return self->tunnel_url;
}

OsaisTunnelKind
osais_tunnel_search_get_tunnel_kind (OsaisTunnelSearch *self)
{
  g_return_val_if_fail (OSAIS_IS_TUNNEL_SEARCH (self), 0);
  return self->tunnel_kind;
}

guint
osais_tunnel_search_get_tunnel_port (OsaisTunnelSearch *self)
{
  g_return_val_if_fail (OSAIS_IS_TUNNEL_SEARCH (self), 0);
  return self->tunnel_port;
}

const char *
osais_tunnel_search_get_problem (OsaisTunnelSearch *self)
{
  g_return_val_if_fail (OSAIS_IS_TUNNEL_SEARCH (self), NULL);
  return self->problem;
}

OsaisTunnelSearch *
osais_tunnel_search_new (void)
{
  return g_object_new (OSAIS_TYPE_TUNNEL_SEARCH, NULL);
}

static void
osais_tunnel_search_dispose (GObject *object)
{
  OsaisTunnelSearch *self = OSAIS_TUNNEL_SEARCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (osais_tunnel_search_parent_class)->dispose (object);
}

static void
osais_tunnel_search_finalize (GObject *object)
{
  OsaisTunnelSearch *self = OSAIS_TUNNEL_SEARCH (object);

  g_free (self->tunnel_url);
  g_free (self->problem);

  G_OBJECT_CLASS (osais_tunnel_search_parent_class)->finalize (object);
}

static void
osais_tunnel_search_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OsaisTunnelSearch *self = OSAIS_TUNNEL_SEARCH (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_TUNNEL_URL:
      g_value_set_string (value, self->tunnel_url);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_tunnel_search_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OsaisTunnelSearch *self = OSAIS_TUNNEL_SEARCH (object);

  switch (prop_id)
    {
    case PROP_PORT:
      osais_tunnel_search_set_port (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_tunnel_search_class_init (OsaisTunnelSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osais_tunnel_search_dispose;
  object_class->finalize = osais_tunnel_search_finalize;
  object_class->get_property = osais_tunnel_search_get_property;
  object_class->set_property = osais_tunnel_search_set_property;

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TUNNEL_URL] =
    g_param_spec_string ("tunnel-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_tunnel_search_init (OsaisTunnelSearch *self)
{
}
