/* osais-protocol.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisProtocol"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "osais-multipart.h"
#include "osais-protocol.h"

/* A known field of a notification as received, before validation. */
typedef struct
{
  char     *text;
  gboolean  is_number;  /* came as a JSON number */
} Field;

/* The fields a notification may carry; anything else in a body is ignored. */
static const char * const known_fields[] = {
  "uid", "stage", "token", "cycle", "engine", "username", "filename", "descr", "cost",
};

G_DEFINE_QUARK (osais-protocol-error-quark, osais_protocol_error)

G_DEFINE_BOXED_TYPE (OsaisNotification, osais_notification,
                     osais_notification_copy, osais_notification_free)

static void
field_free (gpointer data)
{
  Field *field = data;

  g_free (field->text);
  g_free (field);
}

static void
fields_take (GHashTable *fields,
             const char *name,
             char       *text,
             gboolean    is_number)
{
  Field *field = g_new0 (Field, 1);

  field->text = text;
  field->is_number = is_number;
  g_hash_table_replace (fields, g_strdup (name), field);
}

static GHashTable *
fields_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, field_free);
}

static gboolean
is_known_field (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_fields); i++)
    {
      if (strcmp (name, known_fields[i]) == 0)
        return TRUE;
    }

  return FALSE;
}

const char *
osais_json_object_get_string (JsonObject *object,
                              const char *name)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

gboolean
osais_protocol_parse_int64 (const char *text,
                            gint64     *value)
{
  gint64 parsed = 0;

  if (text == NULL || text[0] == '\0')
    return FALSE;

  /* Strict: no whitespace, no trailing garbage, no overflow; "+12" and "012" are fine. */
  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &parsed, NULL))
    return FALSE;

  if (value != NULL)
    *value = parsed;

  return TRUE;
}

gboolean
osais_protocol_parse_digits (const char *text,
                             guint64     max,
                             guint64    *value)
{
  /* g_ascii_string_to_unsigned() alone would take a sign or a space. */
  if (text == NULL || text[0] == '\0')
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  return g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL);
}

/* Scans a JSON text once, before json-glib sees it, for what json-glib 1.6
 * handles badly: it recurses per nesting level (a deep body could exhaust
 * the stack); it silently wraps integer literals that overflow 64 bits
 * (99999999999999999999 becomes -1), which would turn into a wrong uid; it
 * decodes \u0000 into a NUL inside the C strings it hands out, so that
 * "<token>\u0000junk" would read as "<token>"; and each value costs a node
 * of some 80 bytes, forty times the two bytes of "0,". */
static gboolean
json_prescan (const char  *data,
              gsize        length,
              GError     **error)
{
  guint depth = 0;
  guint values = 0;
  gsize i = 0;

  while (i < length)
    {
      char c = data[i];

      /* Counts each string (member names too), number, literal and container once. */
      if (c == '"' || c == '[' || c == '{' || c == '-' || g_ascii_isalnum (c))
        {
          if (++values > OSAIS_PROTOCOL_MAX_JSON_VALUES)
            {
              g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                           "JSON with more than %d values", OSAIS_PROTOCOL_MAX_JSON_VALUES);
              return FALSE;
            }
        }

      if (c == '"')
        {
          /* Skip the string, escapes included; an unterminated one is json-glib's to report. */
          for (i++; i < length && data[i] != '"'; i++)
            {
              if (data[i] != '\\')
                continue;
              i++;
              if (i + 4 < length && data[i] == 'u' && memcmp (data + i + 1, "0000", 4) == 0)
                {
                  g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                               "JSON string contains a NUL character");
                  return FALSE;
                }
            }
          i++;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > OSAIS_PROTOCOL_MAX_JSON_DEPTH)
            {
              g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                           "JSON nested deeper than %d levels", OSAIS_PROTOCOL_MAX_JSON_DEPTH);
              return FALSE;
            }
          i++;
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
          i++;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gsize start = i;
          gboolean integral = TRUE;

          for (i++; i < length; i++)
            {
              c = data[i];
              if (c == '.' || c == 'e' || c == 'E')
                integral = FALSE;
              else if (!g_ascii_isdigit (c) && c != '+' && c != '-')
                break;
            }

          if (integral)
            {
              g_autofree char *literal = g_strndup (data + start, i - start);

              if (!g_ascii_string_to_signed (literal, 10, G_MININT64, G_MAXINT64, NULL, NULL))
                {
                  g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                               "JSON integer out of range");
                  return FALSE;
                }
            }
        }
      else if (g_ascii_isalpha (c))
        {
          /* true, false, null or garbage for json-glib to refuse: one value. */
          for (i++; i < length && g_ascii_isalpha (data[i]); i++)
            ;
        }
      else
        {
          i++;
        }
    }

  return TRUE;
}

JsonObject *
osais_protocol_parse_json_object (const char  *data,
                                  gsize        length,
                                  GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length == 0)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED, "Empty body");
      return NULL;
    }

  if (length > OSAIS_PROTOCOL_MAX_JSON_LENGTH)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "JSON text longer than %d bytes", OSAIS_PROTOCOL_MAX_JSON_LENGTH);
      return NULL;
    }

  /* RFC 8259 JSON is UTF-8; this also refuses NUL bytes, which json-glib would stop at. */
  if (!g_utf8_validate (data, length, NULL))
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "JSON body is not valid UTF-8");
      return NULL;
    }

  if (!json_prescan (data, length, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "Invalid JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "JSON body is not an object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* Converts a JSON number to the text a client would have sent: integral
 * values (12 or 12.0) as plain integers, anything else as a double. */
static char *
json_number_to_text (JsonNode *node)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double value;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  value = json_node_get_double (node);
  /* 2^63 is exact as a double; values in [-2^63, 2^63) convert without overflow. */
  if (isfinite (value) && value == floor (value)
      && value >= -9223372036854775808.0 && value < 9223372036854775808.0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value);

  return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, value));
}

gboolean
osais_json_object_dup_field (JsonObject  *object,
                             const char  *name,
                             char       **text,
                             gboolean    *is_number,
                             GError     **error)
{
  JsonNode *node;
  GType type;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *text = NULL;
  if (is_number != NULL)
    *is_number = FALSE;

  /* null is what a client serialises for "no value": treat it as absent. */
  node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_STRING)
    {
      *text = g_strdup (json_node_get_string (node));
      return TRUE;
    }
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    {
      *text = json_number_to_text (node);
      if (is_number != NULL)
        *is_number = TRUE;
      return TRUE;
    }

  g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
               "Field '%s' must be a number or a string", name);
  return FALSE;
}

OsaisJsonUpload *
osais_json_upload_parse (GBytes  *body,
                         gsize    max_image_size,
                         GError **error)
{
  g_autoptr(OsaisJsonUpload) upload = NULL;
  g_autoptr(JsonObject) object = NULL;
  const char *base64;
  gsize base64_length;
  gsize length = 0;
  guchar *decoded;
  gsize body_size = 0;
  const char *body_data;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The same bounded reader as /notify's: json-glib alone would overflow
   * the stack on a deep body, and wrap an out-of-range uid onto another. */
  body_data = g_bytes_get_data (body, &body_size);
  object = osais_protocol_parse_json_object (body_data, body_size, error);
  if (object == NULL)
    return NULL;

  base64 = osais_json_object_get_string (object, "image");
  if (base64 == NULL)
    {
      g_set_error_literal (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD,
                           "The upload has no image");
      return NULL;
    }

  /* The body is bounded, so the text is; check it anyway before decoding,
   * as the decoder's output is sized from it. */
  base64_length = strlen (base64);
  if (base64_length == 0 || base64_length / 4 * 3 > max_image_size)
    {
      g_set_error_literal (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                           "The image is empty or too large");
      return NULL;
    }

  upload = g_new0 (OsaisJsonUpload, 1);
  if (!osais_json_object_dup_field (object, "uid", &upload->uid_text, &upload->uid_is_number,
                                    error) ||
      !osais_json_object_dup_field (object, "token", &upload->token, NULL, error) ||
      !osais_json_object_dup_field (object, "cycle", &upload->cycle, NULL, error) ||
      !osais_json_object_dup_field (object, "engine", &upload->engine, NULL, error))
    return NULL;

  decoded = g_base64_decode (base64, &length);
  upload->image = g_bytes_new_take (decoded, length);
  return g_steal_pointer (&upload);
}

void
osais_json_upload_free (OsaisJsonUpload *upload)
{
  if (upload == NULL)
    return;

  g_clear_pointer (&upload->image, g_bytes_unref);
  g_free (upload->uid_text);
  g_free (upload->token);
  g_free (upload->cycle);
  g_free (upload->engine);
  g_free (upload);
}

static OsaisUpload *
multipart_upload_parse (const char  *content_type,
                        GBytes      *body,
                        GError     **error)
{
  g_autoptr(OsaisMultipartForm) form = NULL;
  OsaisUpload *upload;

  form = osais_multipart_form_parse (content_type, body, error);
  if (form == NULL)
    return NULL;
  if (form->file_data == NULL)
    {
      g_set_error_literal (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD,
                           "The upload has no file part");
      return NULL;
    }

  /* The client's file name is only logged: it never names anything. */
  g_debug ("Multipart upload in field “%s”, file name “%s”",
           form->file_field_name != NULL ? form->file_field_name : "",
           form->file_name != NULL ? form->file_name : "");
  upload = g_new0 (OsaisUpload, 1);
  upload->image = g_bytes_ref (form->file_data);
  upload->uid_text = g_strdup (g_hash_table_lookup (form->fields, "uid"));
  upload->token = g_strdup (g_hash_table_lookup (form->fields, "token"));
  upload->cycle = g_strdup (g_hash_table_lookup (form->fields, "cycle"));
  upload->engine = g_strdup (g_hash_table_lookup (form->fields, "engine"));
  return upload;
}

OsaisUpload *
osais_upload_parse (const char  *content_type,
                    GBytes      *body,
                    gsize        max_image_size,
                    GError     **error)
{
  g_autofree char *media_type = NULL;

  g_return_val_if_fail (body != NULL, NULL);

  if (content_type != NULL)
    media_type = g_ascii_strdown (content_type, strcspn (content_type, "; \t"));
  if (g_strcmp0 (media_type, "multipart/form-data") == 0)
    return multipart_upload_parse (content_type, body, error);
  if (g_strcmp0 (media_type, "application/json") == 0)
    return osais_json_upload_parse (body, max_image_size, error);

  g_set_error_literal (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                       "Uploads are multipart/form-data or application/json");
  return NULL;
}

static GHashTable *
fields_from_json (const char  *data,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GHashTable) fields = NULL;

  object = osais_protocol_parse_json_object (data, length, error);
  if (object == NULL)
    return NULL;

  fields = fields_new ();

  for (guint i = 0; i < G_N_ELEMENTS (known_fields); i++)
    {
      const char *name = known_fields[i];
      char *text = NULL;
      gboolean is_number = FALSE;

      if (!osais_json_object_dup_field (object, name, &text, &is_number, error))
        return NULL;
      if (text != NULL)
        fields_take (fields, name, text, is_number);
    }

  return g_steal_pointer (&fields);
}

static GHashTable *
fields_from_urlencoded (const char  *data,
                        gsize        length,
                        GError     **error)
{
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *text = NULL;
  GHashTable *fields;
  GHashTableIter iter;
  gpointer key, value;

  /* soup_form_decode works on a C string and would silently cut a value at a
   * NUL byte, raw or escaped as %00: refuse both rather than alter a token. */
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "Form body contains a NUL byte");
      return NULL;
    }

  text = g_strndup (data, length);
  if (strstr (text, "%00") != NULL)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                   "Form body contains an escaped NUL byte");
      return NULL;
    }

  form = soup_form_decode (text);
  fields = fields_new ();

  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (is_known_field (key))
        fields_take (fields, key, g_strdup (value), FALSE);
    }

  return fields;
}

static GHashTable *
fields_from_multipart (const char  *content_type,
                       GBytes      *body,
                       GError     **error)
{
  g_autoptr(OsaisMultipartForm) form = NULL;
  GHashTable *fields;
  GHashTableIter iter;
  gpointer key, value;

  form = osais_multipart_form_parse (content_type, body, error);
  if (form == NULL)
    return NULL;

  /* The file part, if any, is the upload handler's business, not a field. */
  fields = fields_new ();
  g_hash_table_iter_init (&iter, form->fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (is_known_field (key))
        fields_take (fields, key, g_strdup (value), FALSE);
    }

  return fields;
}

/* Parses an optional integer field; an empty string counts as absent,
 * because OSAIS's AI side sends every value, even a missing one, as a string. */
static gboolean
parse_optional_int (GHashTable  *fields,
                    const char  *name,
                    gint64       minimum,
                    gint64       maximum,
                    gint64       fallback,
                    gint64      *value,
                    GError     **error)
{
  Field *field = g_hash_table_lookup (fields, name);

  if (field == NULL || field->text[0] == '\0')
    {
      *value = fallback;
      return TRUE;
    }

  if (!osais_protocol_parse_int64 (field->text, value))
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                   "Field '%s' is not an integer", name);
      return FALSE;
    }

  if (*value < minimum || *value > maximum)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                   "Field '%s' is out of range", name);
      return FALSE;
    }

  return TRUE;
}

static char *
dup_optional_text (GHashTable *fields,
                   const char *name)
{
  Field *field = g_hash_table_lookup (fields, name);

  return field != NULL ? g_strdup (field->text) : NULL;
}

static OsaisNotification *
notification_from_fields (GHashTable  *fields,
                          GError     **error)
{
  g_autoptr(OsaisNotification) notification = NULL;
  Field *uid;
  Field *token;
  gint64 stage;
  gint64 cycle;

  for (guint i = 0; i < G_N_ELEMENTS (known_fields); i++)
    {
      Field *field = g_hash_table_lookup (fields, known_fields[i]);
      gsize length;

      if (field == NULL)
        continue;

      length = strlen (field->text);
      if (length > OSAIS_PROTOCOL_MAX_FIELD_LENGTH)
        {
          g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                       "Field '%s' is longer than %d bytes",
                       known_fields[i], OSAIS_PROTOCOL_MAX_FIELD_LENGTH);
          return NULL;
        }

      if (!g_utf8_validate (field->text, length, NULL))
        {
          g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                       "Field '%s' is not valid UTF-8", known_fields[i]);
          return NULL;
        }
    }

  notification = g_new0 (OsaisNotification, 1);

  uid = g_hash_table_lookup (fields, "uid");
  if (uid == NULL)
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD,
                   "Field 'uid' is missing");
      return NULL;
    }

  if (!osais_protocol_parse_int64 (uid->text, &notification->uid))
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD,
                   "Field 'uid' is not an integer");
      return NULL;
    }
  notification->uid_text = g_strdup (uid->text);
  notification->uid_is_number = uid->is_number;

  if (!parse_optional_int (fields, "stage", OSAIS_STAGE_ERROR, OSAIS_STAGE_FINISHED,
                           OSAIS_STAGE_REQUEST_SENT, &stage, error))
    return NULL;
  notification->stage = (OsaisStage) stage;

  if (!parse_optional_int (fields, "cycle", 0, G_MAXINT, 0, &cycle, error))
    return NULL;
  notification->cycle = (int) cycle;

  if (!parse_optional_int (fields, "cost", 0, G_MAXINT64, -1, &notification->cost, error))
    return NULL;

  token = g_hash_table_lookup (fields, "token");
  notification->token = g_strdup (token != NULL ? token->text : "0");
  notification->engine = dup_optional_text (fields, "engine");
  notification->username = dup_optional_text (fields, "username");
  notification->filename = dup_optional_text (fields, "filename");
  notification->descr = dup_optional_text (fields, "descr");

  return g_steal_pointer (&notification);
}

/* Returns the media type of a Content-Type value, lower-cased and without
 * parameters; "" when there is none. */
static char *
media_type_from_content_type (const char *content_type)
{
  const char *end;
  g_autofree char *media_type = NULL;

  if (content_type == NULL)
    return g_strdup ("");

  end = strchr (content_type, ';');
  media_type = end != NULL ? g_strndup (content_type, end - content_type)
                           : g_strdup (content_type);

  return g_ascii_strdown (g_strstrip (media_type), -1);
}

OsaisNotification *
osais_notification_parse (const char  *content_type,
                          GBytes      *body,
                          GError     **error)
{
  g_autoptr(GHashTable) fields = NULL;
  g_autofree char *media_type = NULL;
  const char *data;
  gsize length = 0;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (body, &length);
  if (data == NULL)
    data = "";

  media_type = media_type_from_content_type (content_type);

  if (strcmp (media_type, "application/json") == 0)
    {
      fields = fields_from_json (data, length, error);
    }
  else if (strcmp (media_type, "application/x-www-form-urlencoded") == 0)
    {
      fields = fields_from_urlencoded (data, length, error);
    }
  else if (strcmp (media_type, "multipart/form-data") == 0)
    {
      fields = fields_from_multipart (content_type, body, error);
    }
  else if (media_type[0] == '\0')
    {
      g_autoptr(GError) json_error = NULL;

      /* No type declared: a JSON object if it is one, else a form. */
      fields = fields_from_json (data, length, &json_error);
      if (fields == NULL
          && !g_error_matches (json_error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED))
        {
          /* A JSON object with a bad field is JSON all the same: report that. */
          g_propagate_error (error, g_steal_pointer (&json_error));
        }
      else if (fields == NULL)
        {
          g_debug ("Untyped body is not JSON (%s), trying a form", json_error->message);
          fields = fields_from_urlencoded (data, length, error);
          if (fields != NULL && g_hash_table_size (fields) == 0)
            {
              g_clear_pointer (&fields, g_hash_table_unref);
              g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED,
                           "Body is neither a JSON object nor a form");
            }
        }
    }
  else
    {
      g_set_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE,
                   "Unsupported content type '%s'", media_type);
    }

  if (fields == NULL)
    return NULL;

  return notification_from_fields (fields, error);
}

OsaisNotification *
osais_notification_copy (const OsaisNotification *notification)
{
  OsaisNotification *copy;

  g_return_val_if_fail (notification != NULL, NULL);

  copy = g_new0 (OsaisNotification, 1);
  copy->uid = notification->uid;
  copy->uid_text = g_strdup (notification->uid_text);
  copy->uid_is_number = notification->uid_is_number;
  copy->stage = notification->stage;
  copy->token = g_strdup (notification->token);
  copy->cycle = notification->cycle;
  copy->engine = g_strdup (notification->engine);
  copy->username = g_strdup (notification->username);
  copy->filename = g_strdup (notification->filename);
  copy->descr = g_strdup (notification->descr);
  copy->cost = notification->cost;

  return copy;
}

void
osais_notification_free (OsaisNotification *notification)
{
  if (notification == NULL)
    return;

  g_free (notification->uid_text);
  g_free (notification->token);
  g_free (notification->engine);
  g_free (notification->username);
  g_free (notification->filename);
  g_free (notification->descr);
  g_free (notification);
}

const char *
osais_stage_to_string (OsaisStage stage)
{
  switch (stage)
    {
    case OSAIS_STAGE_ERROR:
      return _("Failed");
    case OSAIS_STAGE_REQUEST_SENT:
      return _("Sent");
    case OSAIS_STAGE_RECEIVED:
      return _("Received");
    case OSAIS_STAGE_STARTED:
      return _("Started");
    case OSAIS_STAGE_IMAGE_STARTED:
      return _("Processing image");
    case OSAIS_STAGE_IMAGE_DONE:
      return _("Image done");
    case OSAIS_STAGE_FINISHED:
      return _("Finished");
    default:
      return _("Unknown");
    }
}

gboolean
osais_stage_is_valid (int value)
{
  return value >= OSAIS_STAGE_ERROR && value <= OSAIS_STAGE_FINISHED;
}

static char *
json_builder_to_text (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/* Appends @text as a JSON string, escaping what RFC 8259 requires (quote,
 * backslash and control characters) as json-glib does; other bytes pass. */
static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* Written by hand rather than through a JsonBuilder tree and generator: it
 * is made once per acknowledged callback, and the tree cost more than the
 * rest of the answer (measured under load in tests/bench). */
char *
osais_ack_body_new (const char *token,
                    const char *uid_text,
                    gboolean    uid_is_number)
{
  GString *out;
  gint64 uid;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (uid_text != NULL, NULL);

  out = g_string_sized_new (64);
  g_string_append (out, "{\"data\":{\"token\":");
  append_json_string (out, token);
  g_string_append (out, ",\"uid\":");
  /* Echo the uid's JSON type; text that is not an integer can only go back as a string. */
  if (uid_is_number && osais_protocol_parse_int64 (uid_text, &uid))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, uid);
  else
    append_json_string (out, uid_text);
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

char *
osais_error_body_new (guint       status,
                      const char *message)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_to_text (builder);
}

char *
osais_json_member_dup_text (JsonObject *object,
                            const char *name)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}
