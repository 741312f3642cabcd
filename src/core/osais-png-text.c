/* osais-png-text.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisPngText"

#include <string.h>

#include "osais-png-text.h"
#include "osais-protocol.h"

G_DEFINE_QUARK (osais-png-text-error-quark, osais_png_text_error)

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* PNG keywords: 1 to 79 printable Latin-1 characters (PNG 11.3.4.3). */
#define MAX_KEYWORD 79

static guint32
read_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
append_u32 (GByteArray *array,
            guint32     value)
{
  guint8 bytes[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, bytes, 4);
}

/* The CRC-32 of ISO 3309 that PNG uses, over the chunk's type and data. */
static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         length)
{
  static guint32 table[256];
  static gsize table_ready = 0;

  if (g_once_init_enter (&table_ready))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[n] = c;
        }
      g_once_init_leave (&table_ready, 1);
    }

  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);

  return crc;
}

static void
append_chunk (GByteArray   *array,
              const char   *type,
              const guint8 *data,
              gsize         length)
{
  guint32 crc = 0xffffffffu;

  append_u32 (array, length);
  g_byte_array_append (array, (const guint8 *) type, 4);
  g_byte_array_append (array, data, length);
  crc = crc32_update (crc, (const guint8 *) type, 4);
  crc = crc32_update (crc, data, length);
  append_u32 (array, crc ^ 0xffffffffu);
}

typedef struct
{
  const guint8 *data;
  gsize         length;
  gsize         offset;   /* of the next chunk */
} ChunkReader;

/* The next chunk: its type (4 bytes), data and length; FALSE at the end of
 * the data, with @error set when it ended inside a chunk. */
static gboolean
next_chunk (ChunkReader   *reader,
            const char   **type,
            const guint8 **data,
            gsize         *length,
            gsize         *start,
            GError       **error)
{
  guint32 chunk_length;

  if (reader->offset == reader->length)
    return FALSE;

  if (reader->length - reader->offset < 12)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED,
                           "The PNG ends inside a chunk");
      return FALSE;
    }

  chunk_length = read_u32 (reader->data + reader->offset);
  if (chunk_length > G_MAXINT32 || chunk_length > reader->length - reader->offset - 12)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED,
                           "A PNG chunk runs past the end of the file");
      return FALSE;
    }

  *start = reader->offset;
  *type = (const char *) reader->data + reader->offset + 4;
  *data = reader->data + reader->offset + 8;
  *length = chunk_length;
  reader->offset += 12 + (gsize) chunk_length;

  return TRUE;
}

static gboolean
check_signature (GBytes        *png,
                 ChunkReader   *reader,
                 GError       **error)
{
  reader->data = g_bytes_get_data (png, &reader->length);

  if (reader->length < sizeof png_signature
      || memcmp (reader->data, png_signature, sizeof png_signature) != 0)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_NOT_PNG,
                           "Not a PNG image");
      return FALSE;
    }

  reader->offset = sizeof png_signature;
  return TRUE;
}

static char *
inflate_text (const guint8  *data,
              gsize          length,
              gsize          limit,
              GError       **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buffer[16 * 1024];
  gsize consumed = 0;

  for (;;)
    {
      gsize read = 0;
      gsize written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor), data + consumed,
                                    length - consumed, buffer, sizeof buffer,
                                    G_CONVERTER_INPUT_AT_END, &read, &written, error);
      if (result == G_CONVERTER_ERROR)
        return NULL;

      consumed += read;
      if (out->len + written > limit)
        {
          g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TOO_LARGE,
                               "A compressed PNG text is too large");
          return NULL;
        }
      g_byte_array_append (out, buffer, written);

      if (result == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        {
          g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED,
                               "A compressed PNG text is cut short");
          return NULL;
        }
    }

  g_byte_array_append (out, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&out), FALSE);
}

static char *
latin1_to_utf8 (const guint8 *data,
                gsize         length)
{
  GString *text = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    g_string_append_unichar (text, data[i]);

  return g_string_free (text, FALSE);
}

/* One text chunk's keyword and UTF-8 text; FALSE (no error) for one that
 * is malformed or not UTF-8: skipped, as readers of PNG text do. */
static gboolean
decode_text_chunk (const char    *type,
                   const guint8  *data,
                   gsize          length,
                   gsize          budget,
                   char         **keyword,
                   char         **text,
                   GError       **error)
{
  const guint8 *nul = memchr (data, '\0', MIN (length, MAX_KEYWORD + 1));
  const guint8 *rest;
  gsize keyword_length;
  gsize rest_length;

  if (nul == NULL || nul == data)
    return FALSE;
  keyword_length = nul - data;
  rest = nul + 1;
  rest_length = length - keyword_length - 1;

  if (memcmp (type, "tEXt", 4) == 0)
    {
      *text = latin1_to_utf8 (rest, rest_length);
    }
  else if (memcmp (type, "zTXt", 4) == 0)
    {
      if (rest_length < 1 || rest[0] != 0)
        return FALSE;
      *text = inflate_text (rest + 1, rest_length - 1, budget, error);
      if (*text == NULL)
        return FALSE;
      if (!g_utf8_validate (*text, -1, NULL))
        {
          g_autofree char *latin1 = g_steal_pointer (text);

          *text = latin1_to_utf8 ((const guint8 *) latin1, strlen (latin1));
        }
    }
  else
    {
      /* iTXt: compression flag and method, language tag, translated keyword. */
      const guint8 *language;
      const guint8 *translated;
      const guint8 *end = rest + rest_length;
      gboolean compressed;

      if (rest_length < 2)
        return FALSE;
      compressed = rest[0] != 0;
      language = rest + 2;
      if ((translated = memchr (language, '\0', end - language)) == NULL)
        return FALSE;
      translated++;
      if ((rest = memchr (translated, '\0', end - translated)) == NULL)
        return FALSE;
      rest++;
      rest_length = end - rest;

      if (compressed)
        *text = inflate_text (rest, rest_length, budget, error);
      else
        *text = g_strndup ((const char *) rest, rest_length);
      if (*text == NULL)
        return FALSE;
      if (!g_utf8_validate (*text, -1, NULL))
        {
          g_clear_pointer (text, g_free);
          return FALSE;
        }
    }

  *keyword = latin1_to_utf8 (data, keyword_length);
  return TRUE;
}

GHashTable *
osais_png_text_read (GBytes  *png,
                     GError **error)
{
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ChunkReader reader;
  const char *type;
  const guint8 *data;
  gsize length;
  gsize start;
  gsize total = 0;
  gboolean ended = FALSE;

  g_return_val_if_fail (png != NULL, NULL);

  if (!check_signature (png, &reader, error))
    return NULL;

  while (!ended && next_chunk (&reader, &type, &data, &length, &start, error))
    {
      g_autoptr(GError) chunk_error = NULL;
      char *keyword = NULL;
      char *text = NULL;

      if (memcmp (type, "IEND", 4) == 0)
        {
          ended = TRUE;
          continue;
        }
      if (memcmp (type, "tEXt", 4) != 0 && memcmp (type, "zTXt", 4) != 0
          && memcmp (type, "iTXt", 4) != 0)
        continue;

      if (length > OSAIS_PNG_TEXT_MAX_CHUNK || total + length > OSAIS_PNG_TEXT_MAX_TOTAL)
        {
          g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TOO_LARGE,
                               "The PNG's text is too large");
          return NULL;
        }

      if (decode_text_chunk (type, data, length, OSAIS_PNG_TEXT_MAX_TOTAL - total,
                             &keyword, &text, &chunk_error))
        {
          total += strlen (text);
          if (!g_hash_table_contains (texts, keyword))
            g_hash_table_insert (texts, keyword, text);
          else
            {
              g_free (keyword);
              g_free (text);
            }
        }
      else if (g_error_matches (chunk_error, OSAIS_PNG_TEXT_ERROR,
                                OSAIS_PNG_TEXT_ERROR_TOO_LARGE))
        {
          g_propagate_error (error, g_steal_pointer (&chunk_error));
          return NULL;
        }
      else if (chunk_error != NULL)
        g_debug ("Skipping a text chunk: %s", chunk_error->message);
    }

  if (error != NULL && *error != NULL)
    return NULL;
  if (!ended)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED,
                           "The PNG has no end (IEND)");
      return NULL;
    }

  return g_steal_pointer (&texts);
}

static gboolean
is_latin1 (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) > 0xff)
      return FALSE;
  return TRUE;
}

/* Whether @type/@data is a text chunk whose keyword is @keyword. */
static gboolean
is_text_chunk_for (const char   *type,
                   const guint8 *data,
                   gsize         length,
                   const char   *keyword)
{
  gsize keyword_length = strlen (keyword);

  if (memcmp (type, "tEXt", 4) != 0 && memcmp (type, "zTXt", 4) != 0
      && memcmp (type, "iTXt", 4) != 0)
    return FALSE;

  return length > keyword_length && memcmp (data, keyword, keyword_length) == 0
         && data[keyword_length] == '\0';
}

GBytes *
osais_png_text_set (GBytes      *png,
                    const char  *keyword,
                    const char  *text,
                    GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GByteArray) chunk = NULL;
  ChunkReader reader;
  const char *type;
  const guint8 *data;
  gsize length;
  gsize start;
  gboolean ended = FALSE;
  gboolean inserted = FALSE;
  gsize keyword_length;

  g_return_val_if_fail (png != NULL, NULL);
  g_return_val_if_fail (keyword != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  keyword_length = strlen (keyword);
  if (keyword_length == 0 || keyword_length > MAX_KEYWORD || !g_str_is_ascii (keyword)
      || !g_utf8_validate (text, -1, NULL) || strlen (text) > OSAIS_PNG_TEXT_MAX_CHUNK)
    {
      g_set_error (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_INVALID,
                   "Cannot write the PNG text “%s”", keyword);
      return NULL;
    }

  if (!check_signature (png, &reader, error))
    return NULL;

  chunk = g_byte_array_new ();
  g_byte_array_append (chunk, (const guint8 *) keyword, keyword_length + 1);
  if (is_latin1 (text))
    {
      g_autofree char *latin1 = g_convert (text, -1, "ISO-8859-1", "UTF-8", NULL, NULL, NULL);

      g_byte_array_append (chunk, (const guint8 *) latin1, strlen (latin1));
    }
  else
    {
      /* Not compressed, no language tag, no translated keyword. */
      static const guint8 header[4] = { 0, 0, 0, 0 };

      g_byte_array_append (chunk, header, sizeof header);
      g_byte_array_append (chunk, (const guint8 *) text, strlen (text));
    }

  out = g_byte_array_sized_new (reader.length + chunk->len + 12);
  g_byte_array_append (out, png_signature, sizeof png_signature);

  while (!ended && next_chunk (&reader, &type, &data, &length, &start, error))
    {
      gboolean header = memcmp (type, "IHDR", 4) == 0 && !inserted;

      ended = memcmp (type, "IEND", 4) == 0;
      if (is_text_chunk_for (type, data, length, keyword))
        continue;
      g_byte_array_append (out, reader.data + start, 12 + length);
      if (header)
        {
          append_chunk (out, is_latin1 (text) ? "tEXt" : "iTXt", chunk->data, chunk->len);
          inserted = TRUE;
        }
    }

  if (error != NULL && *error != NULL)
    return NULL;
  if (!inserted)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_NOT_PNG,
                           "The PNG has no header (IHDR)");
      return NULL;
    }
  if (!ended)
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_TRUNCATED,
                           "The PNG has no end (IEND)");
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* AUTOMATIC1111's "parameters" ---------------------------------------------- */

/* Our diffusion parameter, and AUTOMATIC1111's name for it. */
static const struct
{
  const char *ours;
  const char *theirs;
} a1111_names[] = {
  { "steps", "Steps" },
  { "guidance", "CFG scale" },
  { "seed", "Seed" },
  { "strength", "Denoising strength" },
};

/* A value as AUTOMATIC1111 quotes it when it holds its separators. */
static void
append_value (GString    *line,
              const char *value)
{
  if (strpbrk (value, ",:\"\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (line, '\\');
      g_string_append_c (line, *p == '\n' ? ' ' : *p);
    }
  g_string_append_c (line, '"');
}

char *
osais_png_text_format_a1111 (const char *engine,
                             JsonObject *parameters)
{
  g_autofree char *prompt = NULL;
  g_autofree char *width = NULL;
  g_autofree char *height = NULL;
  g_autofree char *model = NULL;
  g_autoptr(GString) line = g_string_new (NULL);

  g_return_val_if_fail (parameters != NULL, NULL);

  prompt = osais_json_member_dup_text (parameters, "word");
  if (prompt == NULL || *prompt == '\0')
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (a1111_names); i++)
    {
      g_autofree char *value = osais_json_member_dup_text (parameters, a1111_names[i].ours);

      if (value == NULL)
        continue;
      g_string_append_printf (line, "%s%s: ", line->len > 0 ? ", " : "", a1111_names[i].theirs);
      append_value (line, value);
    }

  width = osais_json_member_dup_text (parameters, "width");
  height = osais_json_member_dup_text (parameters, "height");
  if (width != NULL && height != NULL)
    g_string_append_printf (line, "%sSize: %sx%s", line->len > 0 ? ", " : "", width, height);

  model = osais_json_member_dup_text (parameters, "model");
  if (model != NULL)
    {
      g_autofree char *base = g_path_get_basename (model);
      char *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      g_string_append_printf (line, "%sModel: ", line->len > 0 ? ", " : "");
      append_value (line, base);
    }

  if (engine != NULL)
    {
      g_string_append_printf (line, "%sEngine: ", line->len > 0 ? ", " : "");
      append_value (line, engine);
    }

  return g_strdup_printf ("%s\n%s", prompt, line->str);
}

/* Splits "Key: value, Key: "quoted, value", …" into @pairs. */
static void
parse_a1111_settings (const char *line,
                      GHashTable *pairs)
{
  const char *p = line;

  while (*p != '\0')
    {
      g_autoptr(GString) key = g_string_new (NULL);
      g_autoptr(GString) value = g_string_new (NULL);

      while (*p == ' ' || *p == ',')
        p++;
      while (*p != '\0' && *p != ':' && *p != ',')
        g_string_append_c (key, *p++);
      if (*p != ':')
        continue;
      p++;
      while (*p == ' ')
        p++;
      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          if (*p == '"')
            p++;
        }
      else
        {
          while (*p != '\0' && *p != ',')
            g_string_append_c (value, *p++);
        }
      g_strstrip (key->str);
      g_strstrip (value->str);
      if (*key->str != '\0')
        g_hash_table_replace (pairs, g_strdup (key->str), g_strdup (value->str));
    }
}

GHashTable *
osais_png_text_parse_a1111 (const char *text)
{
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) prompt = g_string_new (NULL);
  const char *size;
  guint n;
  gboolean in_negative = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  /* The prompt, maybe over several lines; then "Negative prompt: …";
   * the settings are the last line, the one that starts with "Steps: ". */
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  if (n > 0 && g_str_has_prefix (lines[n - 1], "Steps: "))
    parse_a1111_settings (lines[--n], settings);

  for (guint i = 0; i < n; i++)
    {
      if (g_str_has_prefix (lines[i], "Negative prompt:"))
        in_negative = TRUE;
      if (in_negative)
        continue;
      g_string_append_printf (prompt, "%s%s", prompt->len > 0 ? "\n" : "", lines[i]);
    }
  g_strstrip (prompt->str);
  if (*prompt->str != '\0')
    g_hash_table_insert (values, g_strdup ("word"), g_strdup (prompt->str));

  for (guint i = 0; i < G_N_ELEMENTS (a1111_names); i++)
    {
      const char *value = g_hash_table_lookup (settings, a1111_names[i].theirs);

      if (value != NULL)
        g_hash_table_insert (values, g_strdup (a1111_names[i].ours), g_strdup (value));
    }

  size = g_hash_table_lookup (settings, "Size");
  if (size != NULL)
    {
      g_auto(GStrv) sides = g_strsplit (size, "x", 2);

      if (g_strv_length (sides) == 2)
        {
          g_hash_table_insert (values, g_strdup ("width"), g_strdup (sides[0]));
          g_hash_table_insert (values, g_strdup ("height"), g_strdup (sides[1]));
        }
    }

  return g_steal_pointer (&values);
}

gboolean
osais_png_text_extract_parameters (GHashTable  *texts,
                                   char       **engine,
                                   JsonObject **parameters,
                                   const char **source)
{
  const char *ours;
  const char *theirs;

  g_return_val_if_fail (texts != NULL, FALSE);
  g_return_val_if_fail (engine != NULL && parameters != NULL, FALSE);

  ours = g_hash_table_lookup (texts, OSAIS_PNG_TEXT_OSAIS_KEYWORD);
  theirs = g_hash_table_lookup (texts, OSAIS_PNG_TEXT_A1111_KEYWORD);

  if (ours != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;
      JsonObject *values;
      const char *name;

      if (!json_parser_load_from_data (parser, ours, -1, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        return FALSE;
      object = json_node_get_object (json_parser_get_root (parser));
      name = json_object_get_string_member_with_default (object, "engine", NULL);
      if (name == NULL || !json_object_has_member (object, "parameters")
          || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "parameters")))
        return FALSE;
      values = json_object_get_object_member (object, "parameters");
      *engine = g_strdup (name);
      *parameters = json_object_ref (values);
      if (source != NULL)
        *source = OSAIS_PNG_TEXT_OSAIS_KEYWORD;
      return TRUE;
    }

  if (theirs != NULL)
    {
      g_autoptr(GHashTable) values = osais_png_text_parse_a1111 (theirs);
      JsonObject *object = json_object_new ();
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, values);
      while (g_hash_table_iter_next (&iter, &name, &value))
        json_object_set_string_member (object, name, value);
      /* AUTOMATIC1111's are Stable Diffusion's: our diffusion engine. */
      *engine = g_strdup ("diffusion");
      *parameters = object;
      if (source != NULL)
        *source = "a1111";
      return TRUE;
    }

  return FALSE;
}

GBytes *
osais_png_text_embed_parameters (GBytes      *png,
                                 const char  *engine,
                                 const char  *version,
                                 const char  *parameters_json,
                                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) with_ours = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *a1111 = NULL;
  JsonNode *parameters;

  g_return_val_if_fail (png != NULL, NULL);
  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (parameters_json != NULL, NULL);

  if (!json_parser_load_from_data (parser, parameters_json, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, OSAIS_PNG_TEXT_ERROR, OSAIS_PNG_TEXT_ERROR_INVALID,
                           "The job's parameters are not a JSON object");
      return NULL;
    }
  parameters = json_parser_get_root (parser);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "engine");
  json_builder_add_string_value (builder, engine);
  if (version != NULL)
    {
      json_builder_set_member_name (builder, "version");
      json_builder_add_string_value (builder, version);
    }
  json_builder_set_member_name (builder, "parameters");
  json_builder_add_value (builder, json_node_copy (parameters));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  ours = json_to_string (root, FALSE);

  with_ours = osais_png_text_set (png, OSAIS_PNG_TEXT_OSAIS_KEYWORD, ours, error);
  if (with_ours == NULL)
    return NULL;

  a1111 = osais_png_text_format_a1111 (engine, json_node_get_object (parameters));
  if (a1111 == NULL)
    return g_steal_pointer (&with_ours);

  return osais_png_text_set (with_ours, OSAIS_PNG_TEXT_A1111_KEYWORD, a1111, error);
}
