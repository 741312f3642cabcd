/* osais-compare-view.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisCompareView"

#include "config.h"

#include <float.h>

#include <glib/gi18n.h>

#include "osais-compare-view.h"

/* How far Left and Right move the divider. */
#define KEY_STEP      0.05
#define HANDLE_RADIUS 14.0

struct _OsaisCompareView
{
  GtkWidget     parent_instance;

  GdkPaintable *before;
  GdkPaintable *after;
  double        fraction;
  /* Where the divider was when the drag began, in widget coordinates. */
  double        drag_start_x;
};

G_DEFINE_FINAL_TYPE (OsaisCompareView, osais_compare_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BEFORE,
  PROP_AFTER,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Where the images are drawn: the result's shape, fitted and centred. */
static void
image_bounds (OsaisCompareView *self,
              graphene_rect_t  *bounds)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  GdkPaintable *shape = self->after != NULL ? self->after : self->before;
  double ratio = shape != NULL ? gdk_paintable_get_intrinsic_aspect_ratio (shape) : 0;
  double fitted_width = width, fitted_height = height;

  if (ratio > 0 && width > 0 && height > 0)
    {
      if (width / height > ratio)
        fitted_width = height * ratio;
      else
        fitted_height = width / ratio;
    }

  graphene_rect_init (bounds, (width - fitted_width) / 2, (height - fitted_height) / 2,
                      fitted_width, fitted_height);
}

static void
draw_paintable (GtkSnapshot           *snapshot,
                GdkPaintable          *paintable,
                const graphene_rect_t *bounds)
{
  if (paintable == NULL)
    return;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &bounds->origin);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), bounds->size.width,
                          bounds->size.height);
  gtk_snapshot_restore (snapshot);
}

static void
osais_compare_view_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (widget);
  static const GdkRGBA line = { 1, 1, 1, 0.9 };
  static const GdkRGBA shade = { 0, 0, 0, 0.5 };
  graphene_rect_t bounds;
  graphene_rect_t left;
  GskRoundedRect handle;
  double x;

  image_bounds (self, &bounds);
  x = bounds.origin.x + self->fraction * bounds.size.width;

  draw_paintable (snapshot, self->after, &bounds);
  graphene_rect_init (&left, bounds.origin.x, bounds.origin.y, x - bounds.origin.x,
                      bounds.size.height);
  gtk_snapshot_push_clip (snapshot, &left);
  draw_paintable (snapshot, self->before, &bounds);
  gtk_snapshot_pop (snapshot);

  /* The divider, with a handle that says it can be dragged. */
  gtk_snapshot_append_color (snapshot, &shade,
                             &GRAPHENE_RECT_INIT (x - 2, bounds.origin.y, 4, bounds.size.height));
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (x - 1, bounds.origin.y, 2, bounds.size.height));
  gsk_rounded_rect_init_from_rect (&handle,
                                   &GRAPHENE_RECT_INIT (x - HANDLE_RADIUS,
                                                        bounds.origin.y + bounds.size.height / 2
                                                        - HANDLE_RADIUS,
                                                        2 * HANDLE_RADIUS, 2 * HANDLE_RADIUS),
                                   HANDLE_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &handle);
  gtk_snapshot_append_color (snapshot, &shade, &handle.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &handle, (float[]) { 2, 2, 2, 2 },
                              (GdkRGBA[]) { line, line, line, line });
}

static void
osais_compare_view_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (widget);
  GdkPaintable *shape = self->after != NULL ? self->after : self->before;

  *minimum = 0;
  *natural = shape == NULL ? 0 :
             orientation == GTK_ORIENTATION_HORIZONTAL ? gdk_paintable_get_intrinsic_width (shape)
                                                       : gdk_paintable_get_intrinsic_height (shape);
}

/* The divider follows the pointer from wherever the drag began. */
static void
drag_begin_cb (GtkGestureDrag   *gesture,
               double            x,
               double            y,
               OsaisCompareView *self)
{
  graphene_rect_t bounds;

  image_bounds (self, &bounds);
  self->drag_start_x = x;
  if (bounds.size.width > 0)
    osais_compare_view_set_fraction (self, (x - bounds.origin.x) / bounds.size.width);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
drag_update_cb (GtkGestureDrag   *gesture,
                double            offset_x,
                double            offset_y,
                OsaisCompareView *self)
{
  graphene_rect_t bounds;

  image_bounds (self, &bounds);
  if (bounds.size.width > 0)
    osais_compare_view_set_fraction (self, (self->drag_start_x + offset_x - bounds.origin.x) /
                                           bounds.size.width);
}

static gboolean
move_cb (GtkWidget *widget,
         GVariant  *args,
         gpointer   user_data)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (widget);
  double step = g_variant_get_double (args);

  osais_compare_view_set_fraction (self, self->fraction + step);
  return TRUE;
}

static void
paintable_changed_cb (OsaisCompareView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_paintable (OsaisCompareView  *self,
               GdkPaintable     **slot,
               GdkPaintable      *paintable,
               GParamSpec        *pspec)
{
  if (*slot == paintable)
    return;

  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, self);
  g_set_object (slot, paintable);
  if (paintable != NULL)
    {
      g_signal_connect_swapped (paintable, "invalidate-contents",
                                G_CALLBACK (paintable_changed_cb), self);
      g_signal_connect_swapped (paintable, "invalidate-size",
                                G_CALLBACK (gtk_widget_queue_resize), self);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

GtkWidget *
osais_compare_view_new (void)
{
  return g_object_new (OSAIS_TYPE_COMPARE_VIEW, NULL);
}

GdkPaintable *
osais_compare_view_get_before (OsaisCompareView *self)
{
  g_return_val_if_fail (OSAIS_IS_COMPARE_VIEW (self), NULL);

  return self->before;
}

void
osais_compare_view_set_before (OsaisCompareView *self,
                               GdkPaintable     *before)
{
  g_return_if_fail (OSAIS_IS_COMPARE_VIEW (self));
  g_return_if_fail (before == NULL || GDK_IS_PAINTABLE (before));

  set_paintable (self, &self->before, before, properties[PROP_BEFORE]);
}

GdkPaintable *
osais_compare_view_get_after (OsaisCompareView *self)
{
  g_return_val_if_fail (OSAIS_IS_COMPARE_VIEW (self), NULL);

  return self->after;
}

void
osais_compare_view_set_after (OsaisCompareView *self,
                              GdkPaintable     *after)
{
  g_return_if_fail (OSAIS_IS_COMPARE_VIEW (self));
  g_return_if_fail (after == NULL || GDK_IS_PAINTABLE (after));

  set_paintable (self, &self->after, after, properties[PROP_AFTER]);
}

double
osais_compare_view_get_fraction (OsaisCompareView *self)
{
  g_return_val_if_fail (OSAIS_IS_COMPARE_VIEW (self), 0.5);

  return self->fraction;
}

void
osais_compare_view_set_fraction (OsaisCompareView *self,
                                 double            fraction)
{
  g_return_if_fail (OSAIS_IS_COMPARE_VIEW (self));

  fraction = CLAMP (fraction, 0.0, 1.0);
  if (G_APPROX_VALUE (self->fraction, fraction, DBL_EPSILON))
    return;

  self->fraction = fraction;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, fraction * 100, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

static void
osais_compare_view_dispose (GObject *object)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (object);

  set_paintable (self, &self->before, NULL, properties[PROP_BEFORE]);
  set_paintable (self, &self->after, NULL, properties[PROP_AFTER]);

  G_OBJECT_CLASS (osais_compare_view_parent_class)->dispose (object);
}

static void
osais_compare_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_BEFORE:
      g_value_set_object (value, self->before);
      break;

    case PROP_AFTER:
      g_value_set_object (value, self->after);
      break;

    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_compare_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OsaisCompareView *self = OSAIS_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_BEFORE:
      osais_compare_view_set_before (self, g_value_get_object (value));
      break;

    case PROP_AFTER:
      osais_compare_view_set_after (self, g_value_get_object (value));
      break;

    case PROP_FRACTION:
      osais_compare_view_set_fraction (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_compare_view_class_init (OsaisCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_compare_view_dispose;
  object_class->get_property = osais_compare_view_get_property;
  object_class->set_property = osais_compare_view_set_property;
  widget_class->snapshot = osais_compare_view_snapshot;
  widget_class->measure = osais_compare_view_measure;

  properties[PROP_BEFORE] =
    g_param_spec_object ("before", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AFTER] =
    g_param_spec_object ("after", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, 0, move_cb, "d", -KEY_STEP);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Right, 0, move_cb, "d", KEY_STEP);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Home, 0, move_cb, "d", -1.0);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_End, 0, move_cb, "d", 1.0);

  gtk_widget_class_set_css_name (widget_class, "compare-view");
  /* A slider: what the divider is to a screen reader, in per cent. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
osais_compare_view_init (OsaisCompareView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->fraction = 0.5;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Divider between the input and the result"),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, 50.0,
                                  -1);
}
