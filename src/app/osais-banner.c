/* osais-banner.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBanner"

#include "config.h"

#include "osais-banner.h"

struct _OsaisBanner
{
  GtkWidget    parent_instance;

  /* Template widgets */
  GtkRevealer *revealer;
  GtkLabel    *title_label;
  GtkButton   *button;
};

G_DEFINE_FINAL_TYPE (OsaisBanner, osais_banner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_BUTTON_LABEL,
  PROP_ACTION_NAME,
  PROP_REVEALED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
osais_banner_new (const char *title)
{
  return g_object_new (OSAIS_TYPE_BANNER, "title", title, NULL);
}

const char *
osais_banner_get_title (OsaisBanner *self)
{
  g_return_val_if_fail (OSAIS_IS_BANNER (self), NULL);

  return gtk_label_get_label (self->title_label);
}

void
osais_banner_set_title (OsaisBanner *self,
                        const char  *title)
{
  g_return_if_fail (OSAIS_IS_BANNER (self));

  if (title == NULL)
    title = "";
  if (g_strcmp0 (gtk_label_get_label (self->title_label), title) == 0)
    return;

  gtk_label_set_label (self->title_label, title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
osais_banner_get_button_label (OsaisBanner *self)
{
  g_return_val_if_fail (OSAIS_IS_BANNER (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->button))
           ? gtk_button_get_label (self->button) : NULL;
}

void
osais_banner_set_button_label (OsaisBanner *self,
                               const char  *label)
{
  gboolean visible;

  g_return_if_fail (OSAIS_IS_BANNER (self));

  visible = label != NULL && *label != '\0';
  if (g_strcmp0 (osais_banner_get_button_label (self), visible ? label : NULL) == 0)
    return;

  gtk_button_set_label (self->button, visible ? label : "");
  gtk_widget_set_visible (GTK_WIDGET (self->button), visible);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUTTON_LABEL]);
}

const char *
osais_banner_get_action_name (OsaisBanner *self)
{
  g_return_val_if_fail (OSAIS_IS_BANNER (self), NULL);

  return gtk_actionable_get_action_name (GTK_ACTIONABLE (self->button));
}

void
osais_banner_set_action_name (OsaisBanner *self,
                              const char  *action_name)
{
  g_return_if_fail (OSAIS_IS_BANNER (self));

  if (g_strcmp0 (osais_banner_get_action_name (self), action_name) == 0)
    return;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), action_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTION_NAME]);
}

gboolean
osais_banner_get_revealed (OsaisBanner *self)
{
  g_return_val_if_fail (OSAIS_IS_BANNER (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

void
osais_banner_set_revealed (OsaisBanner *self,
                           gboolean     revealed)
{
  g_return_if_fail (OSAIS_IS_BANNER (self));

  revealed = !!revealed;
  if (gtk_revealer_get_reveal_child (self->revealer) == revealed)
    return;

  gtk_revealer_set_reveal_child (self->revealer, revealed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEALED]);
}

static void
osais_banner_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OSAIS_TYPE_BANNER);

  G_OBJECT_CLASS (osais_banner_parent_class)->dispose (object);
}

static void
osais_banner_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OsaisBanner *self = OSAIS_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, osais_banner_get_title (self));
      break;

    case PROP_BUTTON_LABEL:
      g_value_set_string (value, osais_banner_get_button_label (self));
      break;

    case PROP_ACTION_NAME:
      g_value_set_string (value, osais_banner_get_action_name (self));
      break;

    case PROP_REVEALED:
      g_value_set_boolean (value, osais_banner_get_revealed (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_banner_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OsaisBanner *self = OSAIS_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      osais_banner_set_title (self, g_value_get_string (value));
      break;

    case PROP_BUTTON_LABEL:
      osais_banner_set_button_label (self, g_value_get_string (value));
      break;

    case PROP_ACTION_NAME:
      osais_banner_set_action_name (self, g_value_get_string (value));
      break;

    case PROP_REVEALED:
      osais_banner_set_revealed (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_banner_class_init (OsaisBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = osais_banner_dispose;
  object_class->get_property = osais_banner_get_property;
  object_class->set_property = osais_banner_set_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, "", flags);
  properties[PROP_BUTTON_LABEL] = g_param_spec_string ("button-label", NULL, NULL, NULL, flags);
  properties[PROP_ACTION_NAME] = g_param_spec_string ("action-name", NULL, NULL, NULL, flags);
  properties[PROP_REVEALED] = g_param_spec_boolean ("revealed", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, OsaisBanner, title_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisBanner, button);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  /* Not "banner": a newer libadwaita (the Flatpak runtime's) styles that
   * name for AdwBanner's own structure. */
  gtk_widget_class_set_css_name (widget_class, "osais-banner");
  /* Its title and button belong together for a screen reader. (STATUS,
   * which would say it, is unused by GTK 4.8.) */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
osais_banner_init (OsaisBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
