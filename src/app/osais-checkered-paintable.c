/* osais-checkered-paintable.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisCheckeredPaintable"

#include "config.h"

#include "osais-checkered-paintable.h"

/* The side of one square, in application pixels (GIMP and Loupe use 8 to 16). */
#define SQUARE 8

struct _OsaisCheckeredPaintable
{
  GObject     parent_instance;

  GdkTexture *texture;
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisCheckeredPaintable, osais_checkered_paintable,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

static void
osais_checkered_paintable_snapshot (GdkPaintable *paintable,
                                    GdkSnapshot  *snapshot,
                                    double        width,
                                    double        height)
{
  OsaisCheckeredPaintable *self = OSAIS_CHECKERED_PAINTABLE (paintable);
  /* Mid greys, light and dark, that read as "transparent" on the light and
   * the dark style alike and are not mistaken for part of the image. */
  static const GdkRGBA light = { 0.80, 0.80, 0.80, 1.0 };
  static const GdkRGBA dark = { 0.60, 0.60, 0.60, 1.0 };
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);

  /* One tile of four squares, repeated over the image's rectangle: a single
   * repeat node, however large the image is shown. */
  gtk_snapshot_push_repeat (snapshot, &bounds, NULL);
  gtk_snapshot_append_color (snapshot, &light, &GRAPHENE_RECT_INIT (0, 0, 2 * SQUARE, 2 * SQUARE));
  gtk_snapshot_append_color (snapshot, &dark, &GRAPHENE_RECT_INIT (SQUARE, 0, SQUARE, SQUARE));
  gtk_snapshot_append_color (snapshot, &dark, &GRAPHENE_RECT_INIT (0, SQUARE, SQUARE, SQUARE));
  gtk_snapshot_pop (snapshot);

  gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
}

static int
osais_checkered_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return gdk_texture_get_width (OSAIS_CHECKERED_PAINTABLE (paintable)->texture);
}

static int
osais_checkered_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return gdk_texture_get_height (OSAIS_CHECKERED_PAINTABLE (paintable)->texture);
}

static GdkPaintableFlags
osais_checkered_paintable_get_flags (GdkPaintable *paintable)
{
  return GDK_PAINTABLE_STATIC_SIZE | GDK_PAINTABLE_STATIC_CONTENTS;
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = osais_checkered_paintable_snapshot;
  iface->get_intrinsic_width = osais_checkered_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = osais_checkered_paintable_get_intrinsic_height;
  iface->get_flags = osais_checkered_paintable_get_flags;
}

static void
osais_checkered_paintable_dispose (GObject *object)
{
  OsaisCheckeredPaintable *self = OSAIS_CHECKERED_PAINTABLE (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (osais_checkered_paintable_parent_class)->dispose (object);
}

static void
osais_checkered_paintable_class_init (OsaisCheckeredPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = osais_checkered_paintable_dispose;
}

static void
osais_checkered_paintable_init (OsaisCheckeredPaintable *self)
{
}

GdkPaintable *
osais_checkered_paintable_new (GdkTexture *texture)
{
  OsaisCheckeredPaintable *self;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);

  self = g_object_new (OSAIS_TYPE_CHECKERED_PAINTABLE, NULL);
  self->texture = g_object_ref (texture);

  return GDK_PAINTABLE (self);
}

GdkTexture *
osais_checkered_paintable_get_texture (OsaisCheckeredPaintable *self)
{
  g_return_val_if_fail (OSAIS_IS_CHECKERED_PAINTABLE (self), NULL);

  return self->texture;
}
