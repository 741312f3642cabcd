/* test-image-check.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestImageCheck"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "osais-image-check.h"

/* Encodes a real image of @width×@height with gdk-pixbuf. */
static GBytes *
encode_image (const char *format,
              int         width,
              int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize size = 0;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

static void
put_le32 (guint8  *p,
          guint32  value)
{
  p[0] = value & 0xff;
  p[1] = (value >> 8) & 0xff;
  p[2] = (value >> 16) & 0xff;
  p[3] = (value >> 24) & 0xff;
}

static void
put_le24 (guint8  *p,
          guint32  value)
{
  p[0] = value & 0xff;
  p[1] = (value >> 8) & 0xff;
  p[2] = (value >> 16) & 0xff;
}

static void
put_be32 (guint8  *p,
          guint32  value)
{
  p[0] = (value >> 24) & 0xff;
  p[1] = (value >> 16) & 0xff;
  p[2] = (value >> 8) & 0xff;
  p[3] = value & 0xff;
}

/* A minimal lossless WebP: RIFF, WEBP, and a VP8L chunk with its header. */
static GBytes *
webp_vp8l_new (guint width,
               guint height)
{
  guint8 data[26] = { 0 };

  memcpy (data, "RIFF", 4);
  put_le32 (data + 4, sizeof data - 8);
  memcpy (data + 8, "WEBPVP8L", 8);
  put_le32 (data + 16, 6);
  data[20] = 0x2f;
  put_le32 (data + 21, ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14));

  return g_bytes_new (data, sizeof data);
}

/* A minimal extended WebP: a VP8X chunk with the canvas size. */
static GBytes *
webp_vp8x_new (guint width,
               guint height)
{
  guint8 data[30] = { 0 };

  memcpy (data, "RIFF", 4);
  put_le32 (data + 4, sizeof data - 8);
  memcpy (data + 8, "WEBPVP8X", 8);
  put_le32 (data + 16, 10);
  put_le24 (data + 24, width - 1);
  put_le24 (data + 27, height - 1);

  return g_bytes_new (data, sizeof data);
}

/* A lossy WebP: a VP8 key frame header, with scale bits set that are not size. */
static GBytes *
webp_vp8_new (guint width,
              guint height)
{
  guint8 data[30] = { 0 };

  memcpy (data, "RIFF", 4);
  put_le32 (data + 4, sizeof data - 8);
  memcpy (data + 8, "WEBPVP8 ", 8);
  put_le32 (data + 16, 10);
  data[20] = 0x10; /* key frame (bit 0 clear), version 0, shown */
  memcpy (data + 23, "\x9d\x01\x2a", 3);
  data[26] = width & 0xff;
  data[27] = ((width >> 8) & 0x3f) | 0x40;
  data[28] = height & 0xff;
  data[29] = ((height >> 8) & 0x3f) | 0x80;

  return g_bytes_new (data, sizeof data);
}

/* Just a PNG signature and an IHDR chunk declaring @width×@height. */
static GBytes *
png_header_new (guint32 width,
                guint32 height)
{
  guint8 data[33] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  put_be32 (data + 8, 13);
  memcpy (data + 12, "IHDR", 4);
  put_be32 (data + 16, width);
  put_be32 (data + 20, height);
  data[24] = 8;
  data[25] = 2;

  return g_bytes_new (data, sizeof data);
}

static void
assert_image (GBytes     *bytes,
              const char *expected_type,
              guint       expected_width,
              guint       expected_height)
{
  g_autoptr(GError) error = NULL;
  const char *content_type = NULL;
  guint width = 0;
  guint height = 0;

  g_assert_true (osais_image_check (bytes, &content_type, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (content_type, ==, expected_type);
  g_assert_cmpuint (width, ==, expected_width);
  g_assert_cmpuint (height, ==, expected_height);
}

static void
assert_refused (GBytes *bytes,
                int     code)
{
  g_autoptr(GError) error = NULL;
  const char *content_type = "untouched";
  guint width = 7;
  guint height = 7;

  g_assert_false (osais_image_check (bytes, &content_type, &width, &height, &error));
  g_assert_error (error, OSAIS_IMAGE_CHECK_ERROR, code);
  g_assert_cmpstr (content_type, ==, "untouched");
  g_assert_cmpuint (width, ==, 7);
  g_assert_cmpuint (height, ==, 7);
}

static void
assert_refused_data (const void *data,
                     gsize       length,
                     int         code)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);

  assert_refused (bytes, code);
}

/* Every prefix of @bytes is refused as TRUNCATED until the header is
 * complete, and accepted from then on: never anything else. */
static void
assert_prefixes (GBytes     *bytes,
                 const char *expected_type,
                 guint       expected_width,
                 guint       expected_height)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  gboolean accepted = FALSE;

  for (gsize cut = 0; cut <= length; cut++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (data, cut);
      g_autoptr(GError) error = NULL;
      const char *content_type = NULL;
      guint width = 0;
      guint height = 0;

      if (osais_image_check (prefix, &content_type, &width, &height, &error))
        {
          g_assert_cmpstr (content_type, ==, expected_type);
          g_assert_cmpuint (width, ==, expected_width);
          g_assert_cmpuint (height, ==, expected_height);
          accepted = TRUE;
        }
      else
        {
          g_assert_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
          g_assert_false (accepted);
        }
    }

  g_assert_true (accepted);
}

static void
test_png (void)
{
  g_autoptr(GBytes) png = encode_image ("png", 37, 23);

  assert_image (png, "image/png", 37, 23);
  assert_prefixes (png, "image/png", 37, 23);
}

static void
test_jpeg (void)
{
  g_autoptr(GBytes) jpeg = encode_image ("jpeg", 61, 17);

  /* gdk-pixbuf writes APP0 and quantisation tables before the frame header. */
  assert_image (jpeg, "image/jpeg", 61, 17);
  assert_prefixes (jpeg, "image/jpeg", 61, 17);
}

static void
test_jpeg_markers (void)
{
  /* A comment, a Huffman table (C4: not a frame), fill bytes, a restart
   * marker without a length, then a progressive frame header (C2). */
  static const guint8 progressive[] = {
    0xff, 0xd8,
    0xff, 0xfe, 0x00, 0x04, 'h', 'i',
    0xff, 0xc4, 0x00, 0x04, 0x01, 0x02,
    0xff, 0xd0,
    0xff, 0xff, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x00, 0x2a, 0x00, 0x40, 0x03,
  };
  static const guint8 zero_height[] = {
    0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x00, 0x00, 0x40, 0x03,
  };
  static const guint8 scan_first[] = {
    0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
  };
  static const guint8 junk_between[] = {
    0xff, 0xd8, 0xff, 0xfe, 0x00, 0x02, 0x12, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10,
    0x00, 0x10, 0x03,
  };
  static const guint8 bad_length[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10,
  };
  static const guint8 long_segment[] = {
    0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x00, 0x00,
  };
  static const guint8 end_first[] = { 0xff, 0xd8, 0xff, 0xd9 };
  static const guint8 fill_only[] = { 0xff, 0xd8, 0xff, 0xff, 0xff, 0xff };
  static const guint8 huge[] = {
    0xff, 0xd8, 0xff, 0xc1, 0x00, 0x11, 0x08, 0xff, 0xff, 0xff, 0xff, 0x03,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (progressive, sizeof progressive);

  assert_image (bytes, "image/jpeg", 64, 42);
  assert_refused_data (zero_height, sizeof zero_height, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (scan_first, sizeof scan_first, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (junk_between, sizeof junk_between, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (bad_length, sizeof bad_length, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (long_segment, sizeof long_segment, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (end_first, sizeof end_first, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (fill_only, sizeof fill_only, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (huge, sizeof huge, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
}

static void
test_webp (void)
{
  g_autoptr(GBytes) lossless = webp_vp8l_new (100, 50);
  g_autoptr(GBytes) lossless_max = webp_vp8l_new (16384, 1);
  g_autoptr(GBytes) extended = webp_vp8x_new (640, 480);
  g_autoptr(GBytes) lossy = webp_vp8_new (320, 200);

  assert_image (lossless, "image/webp", 100, 50);
  assert_prefixes (lossless, "image/webp", 100, 50);
  assert_image (lossless_max, "image/webp", 16384, 1);
  assert_image (extended, "image/webp", 640, 480);
  assert_prefixes (extended, "image/webp", 640, 480);
  assert_image (lossy, "image/webp", 320, 200);
  assert_prefixes (lossy, "image/webp", 320, 200);
}

static void
test_webp_bad (void)
{
  g_autoptr(GBytes) vp8l = webp_vp8l_new (10, 10);
  g_autoptr(GBytes) vp8 = webp_vp8_new (10, 10);
  g_autoptr(GByteArray) array = NULL;
  g_autoptr(GBytes) bad = NULL;
  g_autoptr(GBytes) no_signature = NULL;
  g_autoptr(GBytes) inter_frame = NULL;
  g_autoptr(GBytes) zero_lossy = webp_vp8_new (0, 10);

  /* An unknown first chunk. */
  array = g_byte_array_new ();
  g_byte_array_append (array, g_bytes_get_data (vp8l, NULL), g_bytes_get_size (vp8l));
  memcpy (array->data + 12, "ALPH", 4);
  bad = g_bytes_new (array->data, array->len);
  assert_refused (bad, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);

  /* A VP8L chunk without its 0x2F signature. */
  memcpy (array->data + 12, "VP8L", 4);
  array->data[20] = 0x00;
  no_signature = g_bytes_new (array->data, array->len);
  assert_refused (no_signature, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);

  /* A VP8 chunk that is not a key frame has no size to read. */
  g_byte_array_set_size (array, 0);
  g_byte_array_append (array, g_bytes_get_data (vp8, NULL), g_bytes_get_size (vp8));
  array->data[20] |= 0x01;
  inter_frame = g_bytes_new (array->data, array->len);
  assert_refused (inter_frame, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);

  assert_refused (zero_lossy, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
}

static void
test_too_large (void)
{
  g_autoptr(GBytes) huge = png_header_new (100000, 100000);
  g_autoptr(GBytes) wide = png_header_new (OSAIS_IMAGE_MAX_DIMENSION + 1, 1);
  g_autoptr(GBytes) square = png_header_new (OSAIS_IMAGE_MAX_DIMENSION, OSAIS_IMAGE_MAX_DIMENSION);
  g_autoptr(GBytes) at_limit = png_header_new (8192, 8192);
  g_autoptr(GBytes) max_png = png_header_new (G_MAXUINT32, G_MAXUINT32);
  g_autoptr(GBytes) webp = webp_vp8x_new (20000, 20000);
  g_autoptr(GBytes) webp_pixels = webp_vp8x_new (16384, 4097);

  assert_refused (huge, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  assert_refused (wide, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  /* Within the dimension limit on each side, over the pixel limit in all. */
  assert_refused (square, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  assert_refused (max_png, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  assert_refused (webp, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  assert_refused (webp_pixels, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE);
  /* 8192×8192 is exactly OSAIS_IMAGE_MAX_PIXELS. */
  assert_image (at_limit, "image/png", 8192, 8192);
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) zero_width = png_header_new (0, 10);
  static const guint8 not_ihdr[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'D', 'A', 'T',
    0, 0, 0, 10, 0, 0, 0, 10,
  };

  assert_refused_data ("", 0, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("\x89", 1, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("\x89PNG\r\n\x1a\n", 8, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("\xff", 1, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("\xff\xd8", 2, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("RIF", 3, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("RIFF\0\0\0\0WE", 10, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data ("RIFF\0\0\0\0WEBPVP8L", 16, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused_data (not_ihdr, sizeof not_ihdr, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
  assert_refused (zero_width, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED);
}

static void
test_unsupported (void)
{
  static const guint8 gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00,
    0x3b,
  };
  const char *wave = "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0";

  assert_refused_data (gif, sizeof gif, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  assert_refused_data (wave, 24, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  assert_refused_data ("BM\x3a\0\0\0", 6, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  assert_refused_data ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 41,
                       OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  assert_refused_data ("\x89PNX\r\n\x1a\n", 8, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  assert_refused_data ("\xff\xd9", 2, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
}

/* Random bytes behind each magic: any answer but a crash or an over-read
 * (run it under valgrind or ASan to see the latter). */
static void
test_random (void)
{
  static const char * const magics[] = { "\x89PNG\r\n\x1a\n", "\xff\xd8", "RIFF\0\0\0\0WEBP" };
  static const gsize magic_lengths[] = { 8, 2, 12 };

  for (guint round = 0; round < 20000; round++)
    {
      guint which = round % G_N_ELEMENTS (magics);
      gsize length = magic_lengths[which] + g_test_rand_int_range (0, 40);
      g_autofree guint8 *data = g_malloc (length);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      guint width = 0;
      guint height = 0;

      memcpy (data, magics[which], magic_lengths[which]);
      for (gsize i = magic_lengths[which]; i < length; i++)
        data[i] = g_test_rand_int_range (0, 256);
      /* Make the WebP chunk names mostly meaningful. */
      if (which == 2 && length >= 16)
        memcpy (data + 12, (const char *[]) { "VP8 ", "VP8L", "VP8X" }[round % 3], 4);

      bytes = g_bytes_new_take (g_steal_pointer (&data), length);
      if (osais_image_check (bytes, NULL, &width, &height, &error))
        {
          g_assert_cmpuint (width, >=, 1);
          g_assert_cmpuint (width, <=, OSAIS_IMAGE_MAX_DIMENSION);
          g_assert_cmpuint (height, >=, 1);
          g_assert_cmpuint (height, <=, OSAIS_IMAGE_MAX_DIMENSION);
        }
      else
        {
          g_assert_true (error->domain == OSAIS_IMAGE_CHECK_ERROR);
          g_assert_true (error->code != OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
        }
    }
}

static void
test_extension (void)
{
  g_assert_cmpstr (osais_image_extension_for_content_type ("image/png"), ==, "png");
  g_assert_cmpstr (osais_image_extension_for_content_type ("image/jpeg"), ==, "jpg");
  g_assert_cmpstr (osais_image_extension_for_content_type ("image/webp"), ==, "webp");
  g_assert_cmpstr (osais_image_extension_for_content_type ("IMAGE/PNG"), ==, "png");
  g_assert_null (osais_image_extension_for_content_type ("image/gif"));
  g_assert_null (osais_image_extension_for_content_type ("image/png; x=y"));
  g_assert_null (osais_image_extension_for_content_type (""));
  g_assert_null (osais_image_extension_for_content_type (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/ImageCheck/png", test_png);
  g_test_add_func ("/Osais/ImageCheck/jpeg", test_jpeg);
  g_test_add_func ("/Osais/ImageCheck/jpeg-markers", test_jpeg_markers);
  g_test_add_func ("/Osais/ImageCheck/webp", test_webp);
  g_test_add_func ("/Osais/ImageCheck/webp-bad", test_webp_bad);
  g_test_add_func ("/Osais/ImageCheck/too-large", test_too_large);
  g_test_add_func ("/Osais/ImageCheck/truncated", test_truncated);
  g_test_add_func ("/Osais/ImageCheck/unsupported", test_unsupported);
  g_test_add_func ("/Osais/ImageCheck/random", test_random);
  g_test_add_func ("/Osais/ImageCheck/extension", test_extension);

  return g_test_run ();
}
