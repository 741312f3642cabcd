/* test-png-text.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parameters kept inside PNG files: our writer, files as AUTOMATIC1111
 * writes them, and files that are not what they claim.
 */

#define G_LOG_DOMAIN "OsaisTestPngText"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "osais-core.h"
#include "osais-test-utils.h"

static const char diffusion_body[] =
  "{\"word\":\"a lighthouse at dawn, oil painting\",\"steps\":30,\"guidance\":7.5,"
  "\"width\":512,\"height\":768,\"seed\":1234567,\"cimg\":2,"
  "\"model\":\"models/ldm/stable-diffusion-v1/sd-v1-4.ckpt\"}";

/* The image still decodes, to the same pixels. */
static void
assert_same_pixels (GBytes *a,
                    GBytes *b)
{
  g_autoptr(GInputStream) sa = g_memory_input_stream_new_from_bytes (a);
  g_autoptr(GInputStream) sb = g_memory_input_stream_new_from_bytes (b);
  g_autoptr(GdkPixbuf) pa = gdk_pixbuf_new_from_stream (sa, NULL, NULL);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_stream (sb, NULL, NULL);
  g_autoptr(GBytes) da = NULL;
  g_autoptr(GBytes) db = NULL;

  g_assert_nonnull (pa);
  g_assert_nonnull (pb);
  g_assert_cmpint (gdk_pixbuf_get_width (pa), ==, gdk_pixbuf_get_width (pb));
  g_assert_cmpint (gdk_pixbuf_get_height (pa), ==, gdk_pixbuf_get_height (pb));
  da = gdk_pixbuf_read_pixel_bytes (pa);
  db = gdk_pixbuf_read_pixel_bytes (pb);
  g_assert_true (g_bytes_equal (da, db));
}

static void
test_round_trip (void)
{
  g_autoptr(GBytes) png = osais_test_make_png (32, 24, 3);
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(JsonNode) ours = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonObject *parameters;

  tagged = osais_png_text_embed_parameters (png, "diffusion", "1.0.3", diffusion_body, &error);
  g_assert_no_error (error);
  assert_same_pixels (png, tagged);

  texts = osais_png_text_read (tagged, &error);
  g_assert_no_error (error);

  /* Ours: the whole body, as sent. */
  ours = json_from_string (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_OSAIS_KEYWORD), &error);
  g_assert_no_error (error);
  object = json_node_get_object (ours);
  g_assert_cmpstr (json_object_get_string_member (object, "engine"), ==, "diffusion");
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, "1.0.3");
  parameters = json_object_get_object_member (object, "parameters");
  g_assert_cmpint (json_object_get_int_member (parameters, "seed"), ==, 1234567);
  g_assert_cmpint (json_object_get_int_member (parameters, "cimg"), ==, 2);

  /* AUTOMATIC1111's, exactly as it writes them. */
  g_assert_cmpstr (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_A1111_KEYWORD), ==,
                   "a lighthouse at dawn, oil painting\n"
                   "Steps: 30, CFG scale: 7.5, Seed: 1234567, Size: 512x768, "
                   "Model: sd-v1-4, Engine: diffusion");
  values = osais_png_text_parse_a1111 (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_A1111_KEYWORD));
  g_assert_cmpstr (g_hash_table_lookup (values, "word"), ==, "a lighthouse at dawn, oil painting");
  g_assert_cmpstr (g_hash_table_lookup (values, "steps"), ==, "30");
  g_assert_cmpstr (g_hash_table_lookup (values, "guidance"), ==, "7.5");
  g_assert_cmpstr (g_hash_table_lookup (values, "seed"), ==, "1234567");
  g_assert_cmpstr (g_hash_table_lookup (values, "width"), ==, "512");
  g_assert_cmpstr (g_hash_table_lookup (values, "height"), ==, "768");
}

/* Embedding again replaces, never duplicates; a prompt beyond Latin-1 goes
 * in an iTXt chunk, and survives. */
static void
test_replace_and_unicode (void)
{
  g_autoptr(GBytes) png = osais_test_make_png (8, 8, 1);
  g_autoptr(GBytes) once = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(GError) error = NULL;
  const char *body = "{\"word\":\"灯台 — un phare\",\"steps\":5}";
  const guint8 *data;
  gsize size;
  guint n_itxt = 0;

  once = osais_png_text_embed_parameters (png, "diffusion", NULL, diffusion_body, &error);
  g_assert_no_error (error);
  twice = osais_png_text_embed_parameters (once, "diffusion", NULL, body, &error);
  g_assert_no_error (error);

  texts = osais_png_text_read (twice, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (texts, "parameters"), ==,
                   "灯台 — un phare\nSteps: 5, Engine: diffusion");
  g_assert_cmpuint (g_hash_table_size (texts), ==, 2);

  data = g_bytes_get_data (twice, &size);
  for (gsize i = 0; i + 4 <= size; i++)
    if (memcmp (data + i, "iTXt", 4) == 0)
      n_itxt++;
  /* Ours, and the prompt that Latin-1 cannot hold. */
  g_assert_cmpuint (n_itxt, ==, 2);
  g_assert_cmpuint (size, <, g_bytes_get_size (once) + 200);
}

/* A file as AUTOMATIC1111 saves it: a multi-line prompt, a negative
 * prompt, and quoted values in the settings line. */
static void
test_a1111_text (void)
{
  const char *text =
    "masterpiece, a cat\nwearing a hat\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6, Seed: 42, Size: 640x448, "
    "Model hash: 6ce0161689, Model: v1-5, Lora hashes: \"a: 1, b: 2\", Version: v1.6.0";
  g_autoptr(GBytes) png = osais_test_make_png (8, 8, 2);
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(GError) error = NULL;

  tagged = osais_png_text_set (png, "parameters", text, &error);
  g_assert_no_error (error);
  texts = osais_png_text_read (tagged, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (texts, "parameters"), ==, text);
  g_assert_null (g_hash_table_lookup (texts, OSAIS_PNG_TEXT_OSAIS_KEYWORD));

  values = osais_png_text_parse_a1111 (text);
  g_assert_cmpstr (g_hash_table_lookup (values, "word"), ==, "masterpiece, a cat\nwearing a hat");
  g_assert_cmpstr (g_hash_table_lookup (values, "steps"), ==, "28");
  g_assert_cmpstr (g_hash_table_lookup (values, "guidance"), ==, "6");
  g_assert_cmpstr (g_hash_table_lookup (values, "seed"), ==, "42");
  g_assert_cmpstr (g_hash_table_lookup (values, "width"), ==, "640");
  g_assert_cmpstr (g_hash_table_lookup (values, "height"), ==, "448");
}

/* A zTXt chunk (compressed, as some tools write) is read as well. */
static void
test_ztxt (void)
{
  g_autoptr(GBytes) png = osais_test_make_png (8, 8, 4);
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GBytes) with_ztxt = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = "compressed prompt\nSteps: 9";
  guint8 compressed[256];
  gsize read = 0, written = 0;
  const guint8 *data;
  gsize size;
  guint8 header[8];
  guint32 crc = 0xffffffffu;

  g_converter_convert (G_CONVERTER (compressor), text, strlen (text), compressed,
                       sizeof compressed, G_CONVERTER_INPUT_AT_END, &read, &written, &error);
  g_assert_no_error (error);
  g_byte_array_append (chunk, (const guint8 *) "zTXt" "parameters", 14);
  g_byte_array_append (chunk, (const guint8 *) "\0\0", 2);
  g_byte_array_append (chunk, compressed, written);

  /* Signature and IHDR as they are, then the chunk, then the rest. */
  data = g_bytes_get_data (png, &size);
  g_byte_array_append (file, data, 8 + 25);
  header[0] = (chunk->len - 4) >> 24;
  header[1] = (chunk->len - 4) >> 16;
  header[2] = (chunk->len - 4) >> 8;
  header[3] = (chunk->len - 4);
  g_byte_array_append (file, header, 4);
  g_byte_array_append (file, chunk->data, chunk->len);
  for (guint i = 0; i < chunk->len; i++)
    {
      crc ^= chunk->data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
  crc ^= 0xffffffffu;
  header[0] = crc >> 24;
  header[1] = crc >> 16;
  header[2] = crc >> 8;
  header[3] = crc;
  g_byte_array_append (file, header, 4);
  g_byte_array_append (file, data + 8 + 25, size - 8 - 25);
  with_ztxt = g_byte_array_free_to_bytes (g_steal_pointer (&file));

  texts = osais_png_text_read (with_ztxt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (texts, "parameters"), ==, text);
}

/* What is not a whole PNG is refused with a clear error, never read past. */
static void
test_not_png (void)
{
  g_autoptr(GBytes) png = osais_test_make_png (8, 8, 5);
  g_autoptr(GBytes) jpeg = g_bytes_new_static ("\xff\xd8\xff\xe0 not a png", 14);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (png, 0, g_bytes_get_size (png) - 6);
  g_autoptr(GByteArray) huge = g_byte_array_new ();
  g_autoptr(GBytes) huge_bytes = NULL;
  g_autoptr(GHashTable) texts = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 lying_length[] = { 0x7f, 0xff, 0xff, 0xf0, 't', 'E', 'X', 't' };

  texts = osais_png_text_read (jpeg, &error);
  g_assert_null (texts);
  g_assert_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_NOT_PNG);
  g_clear_error (&error);

  texts = osais_png_text_read (truncated, &error);
  g_assert_null (texts);
  g_assert_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED);
  g_clear_error (&error);

  written = osais_png_text_set (truncated, "parameters", "x", &error);
  g_assert_null (written);
  g_assert_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED);
  g_clear_error (&error);

  /* A chunk that says it is 2 GiB long, in a file of a few bytes. */
  g_byte_array_append (huge, g_bytes_get_data (png, NULL), 8 + 25);
  g_byte_array_append (huge, lying_length, sizeof lying_length);
  g_byte_array_append (huge, (const guint8 *) "key\0value", 9);
  huge_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&huge));
  texts = osais_png_text_read (huge_bytes, &error);
  g_assert_null (texts);
  g_assert_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED);
  g_clear_error (&error);

  /* A keyword no PNG may hold. */
  written = osais_png_text_set (png, "", "x", &error);
  g_assert_null (written);
  g_assert_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  osais_test_init (&argc, &argv);

  g_test_add_func ("/Osais/PngText/round-trip", test_round_trip);
  g_test_add_func ("/Osais/PngText/replace-and-unicode", test_replace_and_unicode);
  g_test_add_func ("/Osais/PngText/a1111-text", test_a1111_text);
  g_test_add_func ("/Osais/PngText/ztxt", test_ztxt);
  g_test_add_func ("/Osais/PngText/not-png", test_not_png);

  return g_test_run ();
}
