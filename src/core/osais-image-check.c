/* osais-image-check.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisImageCheck"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "osais-image-check.h"

/* An upload is checked before anything decodes it: by its magic bytes and
 * the size its header declares, so that a decompression bomb never reaches
 * a decoder. Every read is bounds-checked against the data's length. */

static const guint8 png_signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
static const guint8 jpeg_signature[] = { 0xff, 0xd8 };

G_DEFINE_QUARK (osais-image-check-error-quark, osais_image_check_error)

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint
read_be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

static guint
read_le16 (const guint8 *p)
{
  return p[0] | ((guint) p[1] << 8);
}

static guint32
read_le24 (const guint8 *p)
{
  return p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16);
}

static guint32
read_le32 (const guint8 *p)
{
  return read_le24 (p) | ((guint32) p[3] << 24);
}

/* Whether @data starts with @magic, or is a cut-short beginning of it. */
static gboolean
has_magic (const guint8 *data,
           gsize         length,
           const guint8 *magic,
           gsize         magic_length,
           gboolean     *cut_short)
{
  gsize n = MIN (length, magic_length);

  if (memcmp (data, magic, n) != 0)
    return FALSE;

  *cut_short = length < magic_length;
  return TRUE;
}

/* Whole sentences, so that they translate: @format names the image format
 * with its %s. */
static gboolean set_truncated (GError     **error,
                               const char  *format,
                               ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_truncated (GError     **error,
               const char  *format,
               ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (OSAIS_IMAGE_CHECK_ERROR,
                                                OSAIS_IMAGE_CHECK_ERROR_TRUNCATED, format, args));
  va_end (args);
  return FALSE;
}

/* PNG: the signature, then the IHDR chunk, which must come first. */
static gboolean
check_png (const guint8  *data,
           gsize          length,
           guint         *width,
           guint         *height,
           GError       **error)
{
  const guint8 *ihdr = data + sizeof png_signature;

  if (length < sizeof png_signature + 16)
    return set_truncated (error, _("%s header is cut short"), "PNG");

  if (read_be32 (ihdr) != 13 || memcmp (ihdr + 4, "IHDR", 4) != 0)
    return set_truncated (error, _("%s header does not start with IHDR"), "PNG");

  *width = read_be32 (ihdr + 8);
  *height = read_be32 (ihdr + 12);

  return TRUE;
}

/* JPEG: walks the marker segments from SOI to the first start-of-frame. */
static gboolean
check_jpeg (const guint8  *data,
            gsize          length,
            guint         *width,
            guint         *height,
            GError       **error)
{
  gsize pos = sizeof jpeg_signature;

  for (;;)
    {
      guint8 marker;
      guint segment_length;

      if (pos >= length)
        return set_truncated (error, _("%s header ends before its frame header"), "JPEG");

      if (data[pos] != 0xff)
        return set_truncated (error, _("%s header has bytes outside a marker segment"), "JPEG");

      /* Any number of 0xFF fill bytes may precede a marker. */
      while (pos < length && data[pos] == 0xff)
        pos++;
      if (pos >= length)
        return set_truncated (error, _("%s header ends before its frame header"), "JPEG");

      marker = data[pos++];

      /* Markers without a length: TEM, RSTn, and a repeated SOI. */
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8))
        continue;

      /* Stuffing, end of image or start of scan before any frame header:
       * there is no size to read. */
      if (marker == 0x00 || marker == 0xd9 || marker == 0xda)
        return set_truncated (error, _("%s header has no frame header before its data"), "JPEG");

      if (length - pos < 2)
        return set_truncated (error, _("%s header ends in a segment length"), "JPEG");
      segment_length = read_be16 (data + pos);
      if (segment_length < 2)
        return set_truncated (error, _("%s header has an invalid segment length"), "JPEG");

      /* SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC). */
      if (marker >= 0xc0 && marker <= 0xcf
          && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
        {
          /* length (2), precision (1), height (2), width (2). */
          if (segment_length < 8)
            return set_truncated (error, _("%s header has a short frame header"), "JPEG");
          if (length - pos < 7)
            return set_truncated (error, _("%s header ends in its frame header"), "JPEG");

          *height = read_be16 (data + pos + 3);
          *width = read_be16 (data + pos + 5);
          return TRUE;
        }

      if (length - pos < segment_length)
        return set_truncated (error, _("%s header ends in a segment"), "JPEG");
      pos += segment_length;
    }
}

/* WebP: RIFF, then the first chunk says which of the three layouts it is. */
static gboolean
check_webp (const guint8  *data,
            gsize          length,
            guint         *width,
            guint         *height,
            GError       **error)
{
  const guint8 *chunk = data + 12;
  const guint8 *payload = data + 20;
  guint32 chunk_size;

  if (length < 20)
    return set_truncated (error, _("%s header is cut short"), "WebP");

  chunk_size = read_le32 (chunk + 4);

  if (memcmp (chunk, "VP8 ", 4) == 0)
    {
      /* A key frame: 3 bytes of frame tag, the start code, then 14-bit sizes
       * (the top two bits are a scale, not part of the size). */
      if (length < 30 || chunk_size < 10)
        return set_truncated (error, _("%s header is cut short"), "WebP");
      if ((payload[0] & 0x01) != 0 || memcmp (payload + 3, "\x9d\x01\x2a", 3) != 0)
        return set_truncated (error, _("%s header has no VP8 key frame"), "WebP");

      *width = read_le16 (payload + 6) & 0x3fff;
      *height = read_le16 (payload + 8) & 0x3fff;
    }
  else if (memcmp (chunk, "VP8L", 4) == 0)
    {
      guint32 bits;

      /* The 0x2F signature, then width - 1 and height - 1 on 14 bits each. */
      if (length < 25 || chunk_size < 5)
        return set_truncated (error, _("%s header is cut short"), "WebP");
      if (payload[0] != 0x2f)
        return set_truncated (error, _("%s header has no VP8L signature"), "WebP");

      bits = read_le32 (payload + 1);
      *width = (bits & 0x3fff) + 1;
      *height = ((bits >> 14) & 0x3fff) + 1;
    }
  else if (memcmp (chunk, "VP8X", 4) == 0)
    {
      /* Flags (1), reserved (3), canvas width - 1 and height - 1 on 24 bits. */
      if (length < 30 || chunk_size < 10)
        return set_truncated (error, _("%s header is cut short"), "WebP");

      *width = read_le24 (payload + 4) + 1;
      *height = read_le24 (payload + 7) + 1;
    }
  else
    {
      return set_truncated (error, _("%s header has an unknown first chunk"), "WebP");
    }

  return TRUE;
}

gboolean
osais_image_check (GBytes      *data,
                   const char **content_type,
                   guint       *width,
                   guint       *height,
                   GError     **error)
{
  const guint8 *bytes;
  const char *type;
  gsize length = 0;
  gboolean cut_short = FALSE;
  gboolean ok;
  guint w = 0;
  guint h = 0;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = g_bytes_get_data (data, &length);

  /* Nothing at all is the shortest of cut-short headers. */
  if (length == 0)
    {
      g_set_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED, _("No data"));
      return FALSE;
    }

  if (has_magic (bytes, length, png_signature, sizeof png_signature, &cut_short))
    {
      type = "image/png";
      ok = !cut_short ? check_png (bytes, length, &w, &h, error)
                      : set_truncated (error, _("%s header is cut short"), "PNG");
    }
  else if (has_magic (bytes, length, jpeg_signature, sizeof jpeg_signature, &cut_short))
    {
      type = "image/jpeg";
      ok = !cut_short ? check_jpeg (bytes, length, &w, &h, error)
                      : set_truncated (error, _("%s header is cut short"), "JPEG");
    }
  else if (has_magic (bytes, length, (const guint8 *) "RIFF", 4, &cut_short)
           && (length <= 8
               || has_magic (bytes + 8, length - 8, (const guint8 *) "WEBP", 4, &cut_short)))
    {
      type = "image/webp";
      ok = length >= 12 ? check_webp (bytes, length, &w, &h, error)
                        : set_truncated (error, _("%s header is cut short"), "WebP");
    }
  else
    {
      g_set_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED,
                   _("Not a PNG, JPEG or WebP image"));
      return FALSE;
    }

  if (!ok)
    return FALSE;

  if (w == 0 || h == 0)
    {
      g_set_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_TRUNCATED,
                   _("Image declares a zero size (%u×%u)"), w, h);
      return FALSE;
    }

  if (w > OSAIS_IMAGE_MAX_DIMENSION || h > OSAIS_IMAGE_MAX_DIMENSION
      || (guint64) w * h > OSAIS_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_TOO_LARGE,
                   _("Image of %u×%u is larger than allowed"), w, h);
      return FALSE;
    }

  g_debug ("%s of %u×%u", type, w, h);

  if (content_type != NULL)
    *content_type = type;
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;

  return TRUE;
}

const char *
osais_image_extension_for_content_type (const char *content_type)
{
  if (content_type == NULL)
    return NULL;

  if (g_ascii_strcasecmp (content_type, "image/png") == 0)
    return "png";
  if (g_ascii_strcasecmp (content_type, "image/jpeg") == 0)
    return "jpg";
  if (g_ascii_strcasecmp (content_type, "image/webp") == 0)
    return "webp";

  return NULL;
}
