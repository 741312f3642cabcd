/* osais-gallery-thumbnail.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGalleryThumbnail"

#include "config.h"

#include "osais-gallery-thumbnail.h"

struct _OsaisGalleryThumbnail
{
  GtkWidget        parent_instance;

  GdkTexture      *texture;
  /* For the cairo renderer: the texture as drawn, scaled to cover the
   * widget's pixels once (see draw_with_cairo()); NULL until drawn. */
  cairo_surface_t *drawn;
  int              drawn_width;
  int              drawn_height;
  int              drawn_scale;
};

G_DEFINE_FINAL_TYPE (OsaisGalleryThumbnail, osais_gallery_thumbnail, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkSizeRequestMode
osais_gallery_thumbnail_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* Square, texture or not: a tile keeps its size when its thumbnail comes,
 * so that the grid's rows do not grow under a scroll. Its width is the
 * grid's column. */
static void
osais_gallery_thumbnail_measure (GtkWidget      *widget,
                                 GtkOrientation  orientation,
                                 int             for_size,
                                 int            *minimum,
                                 int            *natural,
                                 int            *minimum_baseline,
                                 int            *natural_baseline)
{
  int size = orientation == GTK_ORIENTATION_VERTICAL ? MAX (for_size, 0) : 0;

  *minimum = size;
  *natural = size;
}

static gboolean
renders_with_cairo (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer);
}

static void
clear_drawn (OsaisGalleryThumbnail *self)
{
  g_clear_pointer (&self->drawn, cairo_surface_destroy);
}

/* GTK 4.8's cairo renderer draws a texture node by copying the texture
 * into a new surface, converting every pixel, and scaling it with a good
 * filter, in every frame: most of a frame's rendering with a screen of
 * tiles. Here that is done once per texture and size, and each frame
 * composites the result as it is. (The GL renderers keep the texture on
 * the GPU and scale it there: they get the texture node.) */
static void
draw_with_cairo (OsaisGalleryThumbnail *self,
                 GtkSnapshot           *snapshot,
                 int                    width,
                 int                    height)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  cairo_t *cr;

  if (self->drawn == NULL || self->drawn_width != width || self->drawn_height != height ||
      self->drawn_scale != scale)
    {
      int texture_width = gdk_texture_get_width (self->texture);
      int texture_height = gdk_texture_get_height (self->texture);
      double cover = MAX ((double) width / texture_width, (double) height / texture_height);
      cairo_surface_t *pixels;

      clear_drawn (self);
      pixels = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, texture_width, texture_height);
      gdk_texture_download (self->texture, cairo_image_surface_get_data (pixels),
                            cairo_image_surface_get_stride (pixels));
      cairo_surface_mark_dirty (pixels);

      self->drawn = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale,
                                                height * scale);
      cairo_surface_set_device_scale (self->drawn, scale, scale);
      self->drawn_width = width;
      self->drawn_height = height;
      self->drawn_scale = scale;

      /* Cover: the shorter side fills the widget, the longer one is cut. */
      cr = cairo_create (self->drawn);
      cairo_translate (cr, (width - texture_width * cover) / 2,
                       (height - texture_height * cover) / 2);
      cairo_scale (cr, cover, cover);
      cairo_set_source_surface (cr, pixels, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_paint (cr);
      cairo_destroy (cr);
      cairo_surface_destroy (pixels);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_surface (cr, self->drawn, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static void
osais_gallery_thumbnail_snapshot (GtkWidget   *widget,
                                  GtkSnapshot *snapshot)
{
  OsaisGalleryThumbnail *self = OSAIS_GALLERY_THUMBNAIL (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double texture_width, texture_height, scale, drawn_width, drawn_height;
  gboolean clip;

  if (self->texture == NULL || width <= 0 || height <= 0)
    return;

  if (renders_with_cairo (widget))
    {
      draw_with_cairo (self, snapshot, width, height);
      return;
    }

  /* Cover: the shorter side fills the widget, the longer one is cut. */
  texture_width = gdk_texture_get_width (self->texture);
  texture_height = gdk_texture_get_height (self->texture);
  scale = MAX (width / texture_width, height / texture_height);
  drawn_width = texture_width * scale;
  drawn_height = texture_height * scale;
  /* A square texture in a square tile needs no clip node: the renderer
   * then draws the texture alone. */
  clip = drawn_width > width + 0.5 || drawn_height > height + 0.5;

  if (clip)
    gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT ((width - drawn_width) / 2,
                                                    (height - drawn_height) / 2,
                                                    drawn_width, drawn_height));
  if (clip)
    gtk_snapshot_pop (snapshot);
}

/* Out of sight, the drawn copy goes: a grid keeps far more tiles than it
 * shows. */
static void
osais_gallery_thumbnail_unmap (GtkWidget *widget)
{
  clear_drawn (OSAIS_GALLERY_THUMBNAIL (widget));

  GTK_WIDGET_CLASS (osais_gallery_thumbnail_parent_class)->unmap (widget);
}

static void
osais_gallery_thumbnail_dispose (GObject *object)
{
  OsaisGalleryThumbnail *self = OSAIS_GALLERY_THUMBNAIL (object);

  g_clear_object (&self->texture);
  clear_drawn (self);

  G_OBJECT_CLASS (osais_gallery_thumbnail_parent_class)->dispose (object);
}

static void
osais_gallery_thumbnail_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  OsaisGalleryThumbnail *self = OSAIS_GALLERY_THUMBNAIL (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_thumbnail_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  OsaisGalleryThumbnail *self = OSAIS_GALLERY_THUMBNAIL (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      osais_gallery_thumbnail_set_texture (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_gallery_thumbnail_class_init (OsaisGalleryThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_gallery_thumbnail_dispose;
  object_class->get_property = osais_gallery_thumbnail_get_property;
  object_class->set_property = osais_gallery_thumbnail_set_property;

  widget_class->get_request_mode = osais_gallery_thumbnail_get_request_mode;
  widget_class->measure = osais_gallery_thumbnail_measure;
  widget_class->snapshot = osais_gallery_thumbnail_snapshot;
  widget_class->unmap = osais_gallery_thumbnail_unmap;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "thumbnail");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
osais_gallery_thumbnail_init (OsaisGalleryThumbnail *self)
{
}

GtkWidget *
osais_gallery_thumbnail_new (void)
{
  return g_object_new (OSAIS_TYPE_GALLERY_THUMBNAIL, NULL);
}

GdkTexture *
osais_gallery_thumbnail_get_texture (OsaisGalleryThumbnail *self)
{
  g_return_val_if_fail (OSAIS_IS_GALLERY_THUMBNAIL (self), NULL);

  return self->texture;
}

void
osais_gallery_thumbnail_set_texture (OsaisGalleryThumbnail *self,
                                     GdkTexture            *texture)
{
  g_return_if_fail (OSAIS_IS_GALLERY_THUMBNAIL (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (!g_set_object (&self->texture, texture))
    return;
  clear_drawn (self);

  /* A redraw only: the size does not follow the texture. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}
