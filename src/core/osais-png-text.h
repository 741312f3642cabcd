/* osais-png-text.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The parameters of an image, kept inside the PNG as other AI image tools
 * do: a tEXt (or, beyond Latin-1, iTXt) chunk "parameters" in the format
 * AUTOMATIC1111 writes, which most tools read, and our own complete JSON in
 * an iTXt chunk "osais-studio":
 *   {"engine": NAME, "version": VERSION, "parameters": {the body sent}} */
#define OSAIS_PNG_TEXT_A1111_KEYWORD  "parameters"
#define OSAIS_PNG_TEXT_OSAIS_KEYWORD  "osais-studio"

/* Limits on what is read from a file that may come from anywhere. */
#define OSAIS_PNG_TEXT_MAX_CHUNK      (1024 * 1024)
#define OSAIS_PNG_TEXT_MAX_TOTAL      (4 * 1024 * 1024)

#define OSAIS_PNG_TEXT_ERROR (osais_png_text_error_quark ())

typedef enum
{
  OSAIS_PNG_TEXT_ERROR_NOT_PNG,     /* no PNG signature, or not a chunk structure */
  OSAIS_PNG_TEXT_ERROR_TRUNCATED,   /* a chunk runs past the end, or no IEND */
  OSAIS_PNG_TEXT_ERROR_TOO_LARGE,   /* text beyond the limits above */
  OSAIS_PNG_TEXT_ERROR_INVALID,     /* a keyword or text that cannot be written */
} OsaisPngTextError;

GQuark      osais_png_text_error_quark        (void);

/* Every text chunk (tEXt, zTXt, iTXt) of @png, keyword → UTF-8 text; the
 * first of a keyword wins. */
GHashTable *osais_png_text_read               (GBytes       *png,
                                               GError      **error);

/* @png with a text chunk @keyword = @text (UTF-8) right after IHDR, in
 * place of any text chunk with that keyword; tEXt when @text is Latin-1,
 * else iTXt. */
GBytes     *osais_png_text_set                (GBytes       *png,
                                               const char   *keyword,
                                               const char   *text,
                                               GError      **error);

/* The AUTOMATIC1111 "parameters" text for the body of a request: its prompt
 * (`word`), then "Steps: …, CFG scale: …, Seed: …, Size: WxH, …"; NULL when
 * the request has no prompt. */
char       *osais_png_text_format_a1111       (const char   *engine,
                                               JsonObject   *parameters);

/* The values an AUTOMATIC1111 "parameters" text gives, named as our
 * diffusion engine names them (word, steps, guidance, seed, width,
 * height), as text. */
GHashTable *osais_png_text_parse_a1111        (const char   *text);

/* The request a PNG's @texts (from osais_png_text_read()) describe: ours
 * when present, else AUTOMATIC1111's, for our diffusion engine, with its
 * values as text. @source is "osais-studio" or "a1111". FALSE when the
 * texts hold neither, or ours cannot be read. */
gboolean    osais_png_text_extract_parameters (GHashTable   *texts,
                                               char        **engine,
                                               JsonObject  **parameters,
                                               const char  **source);

/* @png with both chunks for a request of @engine (@version may be NULL)
 * whose body was @parameters_json. */
GBytes     *osais_png_text_embed_parameters   (GBytes       *png,
                                               const char   *engine,
                                               const char   *version,
                                               const char   *parameters_json,
                                               GError      **error);

G_END_DECLS
