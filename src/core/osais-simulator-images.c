/* osais-simulator-images.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSimulator"

/* The simulator's pictures: what its engines make, apart from the wire. A
 * prompt renders to a deterministic picture; gfpgan and rembg transform the
 * input they fetched. Inputs come from wherever the request pointed, so
 * they are checked like uploads before anything decodes them. */

#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "osais-image-check.h"
#include "osais-simulator-images.h"

G_DEFINE_QUARK (osais-simulator-error-quark, osais_simulator_error)

static GdkPixbuf *
decode_image (GBytes  *bytes,
              GError **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) check_error = NULL;
  const char *content_type = NULL;
  guint width = 0, height = 0;
  GdkPixbuf *pixbuf;

  /* The header says what the image is and how large it claims to be, so a
   * decompression bomb never reaches the decoder. Naming the type also
   * spares gdk-pixbuf its sniffing through shared-mime-info, which
   * sandboxes and isolated test folders may not have. */
  if (!osais_image_check (bytes, &content_type, &width, &height, &check_error))
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_IMAGE,
                   "The input is not an image: %s", check_error->message);
      return NULL;
    }
  if (width > OSAIS_SIMULATOR_MAX_IMAGE_SIDE || height > OSAIS_SIMULATOR_MAX_IMAGE_SIDE)
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE,
                   "The input image is larger than %u pixels", OSAIS_SIMULATOR_MAX_IMAGE_SIDE);
      return NULL;
    }

  loader = gdk_pixbuf_loader_new_with_mime_type (content_type, error);
  if (loader == NULL)
    return NULL;

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }

  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_IMAGE,
                           "The input is not an image");
      return NULL;
    }

  return g_object_ref (pixbuf);
}

static GBytes *
encode_png (GdkPixbuf  *pixbuf,
            GError    **error)
{
  char *buffer = NULL;
  gsize size = 0;

  /* zlib dominates the cost of a noisy picture: its fastest level is plenty here. */
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", error,
                                  "compression", "1", NULL))
    return NULL;

  return g_bytes_new_take (buffer, size);
}

static inline guint8
clamp_channel (double value)
{
  return (guint8) CLAMP (value + 0.5, 0.0, 255.0);
}

GBytes *
osais_simulator_render_png (const char  *prompt,
                            gint64       seed,
                            guint        width,
                            guint        height,
                            GError     **error)
{
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *seed_text = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint32 seeds[8];
  double from[3], to[3], circle_color[8][3];
  double circle_x[8], circle_y[8], circle_r[8];
  double angle, frequency, phase, diagonal, dx, dy;
  guint n_circles;
  guint8 *pixels;
  int rowstride;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (width == 0 || height == 0 || width > OSAIS_SIMULATOR_MAX_IMAGE_SIDE || height > OSAIS_SIMULATOR_MAX_IMAGE_SIDE)
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE,
                   "Cannot render %u×%u pixels: each side must be 1 to %u",
                   width, height, OSAIS_SIMULATOR_MAX_IMAGE_SIDE);
      return NULL;
    }

  /* A digest, not g_str_hash, so that every bit of prompt and seed moves the picture. */
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  seed_text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", seed);
  g_checksum_update (checksum, (const guchar *) seed_text, -1);
  g_checksum_update (checksum, (const guchar *) (prompt != NULL ? prompt : ""), -1);
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    seeds[i] = ((guint32) digest[4 * i] << 24) | ((guint32) digest[4 * i + 1] << 16)
               | ((guint32) digest[4 * i + 2] << 8) | digest[4 * i + 3];
  rand = g_rand_new_with_seed_array (seeds, G_N_ELEMENTS (seeds));

  for (guint c = 0; c < 3; c++)
    {
      from[c] = g_rand_double_range (rand, 0, 255);
      to[c] = g_rand_double_range (rand, 0, 255);
    }
  angle = g_rand_double_range (rand, 0, 2 * G_PI);
  frequency = g_rand_double_range (rand, 2, 9);
  phase = g_rand_double_range (rand, 0, 2 * G_PI);
  n_circles = g_rand_int_range (rand, 3, G_N_ELEMENTS (circle_x) + 1);
  for (guint k = 0; k < n_circles; k++)
    {
      circle_x[k] = g_rand_double_range (rand, 0, width);
      circle_y[k] = g_rand_double_range (rand, 0, height);
      circle_r[k] = g_rand_double_range (rand, 0.08, 0.35) * MIN (width, height) + 1;
      for (guint c = 0; c < 3; c++)
        circle_color[k][c] = g_rand_double_range (rand, 0, 255);
    }

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (pixbuf == NULL)
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE,
                   "Cannot allocate %u×%u pixels", width, height);
      return NULL;
    }

  pixels = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  diagonal = hypot (width, height);
  dx = cos (angle) / diagonal;
  dy = sin (angle) / diagonal;

  for (guint y = 0; y < height; y++)
    {
      guint8 *row = pixels + (gsize) y * rowstride;

      for (guint x = 0; x < width; x++)
        {
          double t = fabs (x * dx + y * dy);
          double band = 0.8 + 0.2 * sin (t * frequency * 2 * G_PI + phase);
          double noise = g_rand_int_range (rand, -6, 7);
          double rgb[3];

          for (guint c = 0; c < 3; c++)
            rgb[c] = (from[c] + (to[c] - from[c]) * t) * band;

          for (guint k = 0; k < n_circles; k++)
            {
              double d, cover;

              /* Most pixels are outside most circles: skip the square root there. */
              if (fabs (x - circle_x[k]) > circle_r[k] || fabs (y - circle_y[k]) > circle_r[k])
                continue;

              d = hypot (x - circle_x[k], y - circle_y[k]);
              /* A soft edge, so that circles blend into the bands. */
              cover = CLAMP ((circle_r[k] - d) / 3.0, 0.0, 1.0) * 0.85;

              for (guint c = 0; c < 3; c++)
                rgb[c] = rgb[c] * (1 - cover) + circle_color[k][c] * cover;
            }

          for (guint c = 0; c < 3; c++)
            row[3 * x + c] = clamp_channel (rgb[c] + noise);
        }
    }

  return encode_png (pixbuf, error);
}

/* gfpgan: scale by @res, sharpen, then stretch the contrast. */
GBytes *
osais_simulator_enhance_png (GBytes  *input,
                             guint    res,
                             GError **error)
{
  g_autoptr(GdkPixbuf) source = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  const guint8 *src;
  guint8 *dst;
  int width, height, n_channels, src_stride, dst_stride;

  if (!(source = decode_image (input, error)))
    return NULL;

  width = gdk_pixbuf_get_width (source) * res;
  height = gdk_pixbuf_get_height (source) * res;
  if (width > OSAIS_SIMULATOR_MAX_IMAGE_SIDE || height > OSAIS_SIMULATOR_MAX_IMAGE_SIDE)
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE,
                   "The output would be larger than %u pixels", OSAIS_SIMULATOR_MAX_IMAGE_SIDE);
      return NULL;
    }

  scaled = gdk_pixbuf_scale_simple (source, width, height, GDK_INTERP_BILINEAR);
  result = gdk_pixbuf_copy (scaled);
  if (scaled == NULL || result == NULL)
    {
      g_set_error (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_SIZE,
                   "Cannot allocate %d×%d pixels", width, height);
      return NULL;
    }

  n_channels = gdk_pixbuf_get_n_channels (scaled);
  src = gdk_pixbuf_read_pixels (scaled);
  src_stride = gdk_pixbuf_get_rowstride (scaled);
  dst = gdk_pixbuf_get_pixels (result);
  dst_stride = gdk_pixbuf_get_rowstride (result);

  for (int y = 0; y < height; y++)
    {
      for (int x = 0; x < width; x++)
        {
          const guint8 *p = src + (gsize) y * src_stride + (gsize) x * n_channels;
          const guint8 *up = y > 0 ? p - src_stride : p;
          const guint8 *down = y + 1 < height ? p + src_stride : p;
          const guint8 *left = x > 0 ? p - n_channels : p;
          const guint8 *right = x + 1 < width ? p + n_channels : p;
          guint8 *q = dst + (gsize) y * dst_stride + (gsize) x * n_channels;

          /* Colour channels only: alpha, if any, stays as gdk_pixbuf_copy left it. */
          for (int c = 0; c < 3; c++)
            {
              double sharp = 5.0 * p[c] - up[c] - down[c] - left[c] - right[c];

              q[c] = clamp_channel ((sharp - 128.0) * 1.3 + 128.0);
            }
        }
    }

  return encode_png (result, error);
}

/* rembg: pixels close to the top-left corner's colour become transparent. */
GBytes *
osais_simulator_remove_background (GBytes  *input,
                                   GError **error)
{
  g_autoptr(GdkPixbuf) source = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  guint8 corner[3];
  guint8 *pixels;
  int width, height, stride;

  if (!(source = decode_image (input, error)))
    return NULL;

  result = gdk_pixbuf_add_alpha (source, FALSE, 0, 0, 0);
  if (result == NULL)
    {
      g_set_error_literal (error, OSAIS_SIMULATOR_ERROR, OSAIS_SIMULATOR_ERROR_INVALID_IMAGE,
                           "Cannot add an alpha channel");
      return NULL;
    }

  width = gdk_pixbuf_get_width (result);
  height = gdk_pixbuf_get_height (result);
  stride = gdk_pixbuf_get_rowstride (result);
  pixels = gdk_pixbuf_get_pixels (result);
  memcpy (corner, pixels, sizeof corner);

  for (int y = 0; y < height; y++)
    {
      for (int x = 0; x < width; x++)
        {
          guint8 *p = pixels + (gsize) y * stride + (gsize) x * 4;
          int distance = ABS (p[0] - corner[0]) + ABS (p[1] - corner[1])
                         + ABS (p[2] - corner[2]);

          if (distance <= 48)
            p[3] = 0;
        }
    }

  return encode_png (result, error);
}
