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
  GtkWidget   parent_instance;

  GdkTexture *texture;
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

static void
osais_gallery_thumbnail_dispose (GObject *object)
{
  OsaisGalleryThumbnail *self = OSAIS_GALLERY_THUMBNAIL (object);

  g_clear_object (&self->texture);

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

  /* A redraw only: the size does not follow the texture. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}
