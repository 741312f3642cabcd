/* osais-thumbnail-paintable.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisThumbnailPaintable"

#include "config.h"

#include "osais-thumbnail-paintable.h"

struct _OsaisThumbnailPaintable
{
  GObject     parent_instance;

  /* The loader's texture, shared with its memory cache. */
  GdkTexture *texture;
  /* @texture at the device pixel size last drawn: made again only when the
   * tile's size changes (a window resize), not per frame. */
  GdkTexture *scaled;
  int         scale_factor;
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisThumbnailPaintable, osais_thumbnail_paintable,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

/* @texture scaled to @width × @height device pixels, with cairo's good filter
 * (what the renderer would otherwise apply in every frame). */
static GdkTexture *
scale_texture (GdkTexture *texture,
               int         width,
               int         height)
{
  int src_width = gdk_texture_get_width (texture);
  int src_height = gdk_texture_get_height (texture);
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *source;
  cairo_surface_t *target;
  cairo_t *cr;
  guchar *data;
  int stride;

  source = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, src_width, src_height);
  gdk_texture_download (texture, cairo_image_surface_get_data (source),
                        cairo_image_surface_get_stride (source));
  cairo_surface_mark_dirty (source);

  /* Cairo's ARGB32 is GDK_MEMORY_DEFAULT: the bytes become the texture as is. */
  stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, width);
  data = g_malloc0 ((gsize) stride * height);
  target = cairo_image_surface_create_for_data (data, CAIRO_FORMAT_ARGB32, width, height, stride);
  cr = cairo_create (target);
  cairo_scale (cr, (double) width / src_width, (double) height / src_height);
  cairo_set_source_surface (cr, source, 0, 0);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (target);
  cairo_surface_destroy (source);

  bytes = g_bytes_new_take (data, (gsize) stride * height);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
}

static void
osais_thumbnail_paintable_snapshot (GdkPaintable *paintable,
                                    GdkSnapshot  *snapshot,
                                    double        width,
                                    double        height)
{
  OsaisThumbnailPaintable *self = OSAIS_THUMBNAIL_PAINTABLE (paintable);
  int pixel_width = (int) (width * self->scale_factor + 0.5);
  int pixel_height = (int) (height * self->scale_factor + 0.5);

  if (pixel_width < 1 || pixel_height < 1)
    return;

  if (pixel_width == gdk_texture_get_width (self->texture) &&
      pixel_height == gdk_texture_get_height (self->texture))
    {
      g_clear_object (&self->scaled);
      gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
      return;
    }

  if (self->scaled == NULL ||
      gdk_texture_get_width (self->scaled) != pixel_width ||
      gdk_texture_get_height (self->scaled) != pixel_height)
    {
      g_clear_object (&self->scaled);
      self->scaled = scale_texture (self->texture, pixel_width, pixel_height);
    }

  gdk_paintable_snapshot (GDK_PAINTABLE (self->scaled), snapshot, width, height);
}

static int
osais_thumbnail_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return gdk_texture_get_width (OSAIS_THUMBNAIL_PAINTABLE (paintable)->texture);
}

static int
osais_thumbnail_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return gdk_texture_get_height (OSAIS_THUMBNAIL_PAINTABLE (paintable)->texture);
}

static GdkPaintableFlags
osais_thumbnail_paintable_get_flags (GdkPaintable *paintable)
{
  return GDK_PAINTABLE_STATIC_SIZE | GDK_PAINTABLE_STATIC_CONTENTS;
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = osais_thumbnail_paintable_snapshot;
  iface->get_intrinsic_width = osais_thumbnail_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = osais_thumbnail_paintable_get_intrinsic_height;
  iface->get_flags = osais_thumbnail_paintable_get_flags;
}

static void
osais_thumbnail_paintable_dispose (GObject *object)
{
  OsaisThumbnailPaintable *self = OSAIS_THUMBNAIL_PAINTABLE (object);

  g_clear_object (&self->texture);
  g_clear_object (&self->scaled);

  G_OBJECT_CLASS (osais_thumbnail_paintable_parent_class)->dispose (object);
}

static void
osais_thumbnail_paintable_class_init (OsaisThumbnailPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = osais_thumbnail_paintable_dispose;
}

static void
osais_thumbnail_paintable_init (OsaisThumbnailPaintable *self)
{
  self->scale_factor = 1;
}

/* @scale_factor: the tile's (gtk_widget_get_scale_factor()), so that the
 * copy is made at the device pixels the renderer draws. */
GdkPaintable *
osais_thumbnail_paintable_new (GdkTexture *texture,
                               int         scale_factor)
{
  OsaisThumbnailPaintable *self;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);

  self = g_object_new (OSAIS_TYPE_THUMBNAIL_PAINTABLE, NULL);
  self->texture = g_object_ref (texture);
  self->scale_factor = MAX (1, scale_factor);

  return GDK_PAINTABLE (self);
}
