/* test-protocol.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestProtocol"

#include <string.h>

#include <json-glib/json-glib.h>

#include "osais-protocol.h"

#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"

static OsaisNotification *
parse_len (const char  *content_type,
           const char  *text,
           gsize        length,
           GError     **error)
{
  g_autoptr(GBytes) body = g_bytes_new (text, length);

  return osais_notification_parse (content_type, body, error);
}

static OsaisNotification *
parse (const char  *content_type,
       const char  *text,
       GError     **error)
{
  return parse_len (content_type, text, strlen (text), error);
}

/* Asserts that parsing fails with @code, and that the message names @field. */
static void
assert_parse_fails (const char *content_type,
                    const char *text,
                    int         code,
                    const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) notification = NULL;

  notification = parse (content_type, text, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, code);
  g_assert_null (notification);
  if (field != NULL)
    g_assert_nonnull (strstr (error->message, field));
}

static void
test_json_strings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;

  n = parse (JSON,
             "{\"uid\":\"12\",\"stage\":\"4\",\"token\":\"tok\",\"cycle\":\"2\","
             "\"engine\":\"diffusion\",\"username\":\"ann\",\"filename\":\"out.png\","
             "\"descr\":\"Image done\",\"cost\":\"1500\",\"extra\":{\"x\":[true]}}",
             &error);
  g_assert_no_error (error);
  g_assert_nonnull (n);
  g_assert_cmpint (n->uid, ==, 12);
  g_assert_cmpstr (n->uid_text, ==, "12");
  g_assert_false (n->uid_is_number);
  g_assert_cmpint (n->stage, ==, OSAIS_STAGE_IMAGE_DONE);
  g_assert_cmpstr (n->token, ==, "tok");
  g_assert_cmpint (n->cycle, ==, 2);
  g_assert_cmpstr (n->engine, ==, "diffusion");
  g_assert_cmpstr (n->username, ==, "ann");
  g_assert_cmpstr (n->filename, ==, "out.png");
  g_assert_cmpstr (n->descr, ==, "Image done");
  g_assert_cmpint (n->cost, ==, 1500);
}

static void
test_json_numbers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;
  g_autoptr(OsaisNotification) d = NULL;

  n = parse (JSON, "{\"uid\":9007199254740993,\"stage\":5,\"cycle\":1,\"cost\":42,"
                   "\"token\":7}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->uid, ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpstr (n->uid_text, ==, "9007199254740993");
  g_assert_true (n->uid_is_number);
  g_assert_cmpint (n->stage, ==, OSAIS_STAGE_FINISHED);
  g_assert_cmpint (n->cycle, ==, 1);
  g_assert_cmpint (n->cost, ==, 42);
  g_assert_cmpstr (n->token, ==, "7");

  /* A double with an integral value is an integer. */
  d = parse (JSON, "{\"uid\":12.0,\"stage\":-1.0}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->uid, ==, 12);
  g_assert_cmpstr (d->uid_text, ==, "12");
  g_assert_true (d->uid_is_number);
  g_assert_cmpint (d->stage, ==, OSAIS_STAGE_ERROR);
}

static void
test_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;
  g_autoptr(OsaisNotification) e = NULL;

  n = parse (JSON, "{\"uid\":\"3\",\"engine\":null}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->uid, ==, 3);
  g_assert_cmpint (n->stage, ==, OSAIS_STAGE_REQUEST_SENT);
  g_assert_cmpstr (n->token, ==, "0");
  g_assert_cmpint (n->cycle, ==, 0);
  g_assert_cmpint (n->cost, ==, -1);
  g_assert_null (n->engine);
  g_assert_null (n->username);
  g_assert_null (n->filename);
  g_assert_null (n->descr);

  /* OSAIS's AI side sends an unset optional number as an empty string. */
  e = parse (FORM, "uid=3&stage=&cycle=&cost=&token=", &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->stage, ==, OSAIS_STAGE_REQUEST_SENT);
  g_assert_cmpint (e->cycle, ==, 0);
  g_assert_cmpint (e->cost, ==, -1);
  g_assert_cmpstr (e->token, ==, "");
}

static void
test_missing_uid (void)
{
  assert_parse_fails (JSON, "{\"stage\":\"1\",\"token\":\"x\"}",
                      OSAIS_PROTOCOL_ERROR_MISSING_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":null}", OSAIS_PROTOCOL_ERROR_MISSING_FIELD, "uid");
  assert_parse_fails (FORM, "stage=1", OSAIS_PROTOCOL_ERROR_MISSING_FIELD, "uid");
}

static void
test_bad_types (void)
{
  assert_parse_fails (JSON, "{\"uid\":\"12abc\"}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":\" 12\"}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":\"\"}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":12.5}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":true}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":{\"v\":1}}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (JSON, "{\"uid\":1,\"stage\":[2]}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "stage");
  assert_parse_fails (JSON, "{\"uid\":1,\"cycle\":\"two\"}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "cycle");
  assert_parse_fails (JSON, "{\"uid\":1,\"cycle\":-1}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "cycle");
  assert_parse_fails (JSON, "{\"uid\":1,\"cycle\":4294967296}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "cycle");
  assert_parse_fails (JSON, "{\"uid\":1,\"cost\":\"1.5\"}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "cost");
  assert_parse_fails (JSON, "{\"uid\":1,\"engine\":false}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "engine");
  /* Out of 64 bits: json-glib would wrap it silently, so the body is refused. */
  assert_parse_fails (JSON, "{\"uid\":99999999999999999999}",
                      OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "{\"uid\":\"99999999999999999999\"}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
}

static void
test_stage_range (void)
{
  g_autoptr(GError) error = NULL;

  assert_parse_fails (JSON, "{\"uid\":1,\"stage\":7}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "stage");
  assert_parse_fails (JSON, "{\"uid\":1,\"stage\":\"6\"}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "stage");
  assert_parse_fails (JSON, "{\"uid\":1,\"stage\":-2}",
                      OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "stage");

  for (int stage = -1; stage <= 5; stage++)
    {
      g_autofree char *text = g_strdup_printf ("{\"uid\":1,\"stage\":\"%d\"}", stage);
      g_autoptr(OsaisNotification) n = parse (JSON, text, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n->stage, ==, stage);
    }
}

static void
test_malformed_json (void)
{
  assert_parse_fails (JSON, "[1,2]", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "12", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "\"uid\"", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "{\"uid\":1", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "{\"uid\":\"1", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (JSON, "uid=1", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
}

static void
test_deep_json (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"uid\":1,\"x\":");
  g_autoptr(GString) shallow = g_string_new ("{\"uid\":1,\"x\":");
  g_autoptr(OsaisNotification) n = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  assert_parse_fails (JSON, deep->str, OSAIS_PROTOCOL_ERROR_MALFORMED, "nested");

  /* Brackets inside strings do not count, nesting within the limit is fine. */
  for (int i = 0; i < OSAIS_PROTOCOL_MAX_JSON_DEPTH - 1; i++)
    g_string_append (shallow, "[\"[[[{{{\",");
  g_string_append (shallow, "0");
  for (int i = 0; i < OSAIS_PROTOCOL_MAX_JSON_DEPTH - 1; i++)
    g_string_append_c (shallow, ']');
  g_string_append_c (shallow, '}');
  n = parse (JSON, shallow->str, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->uid, ==, 1);
}

/* json-glib hands out C strings, so an escaped NUL would end a value early:
 * "tok\u0000junk" would read as "tok". */
static void
test_json_nul (void)
{
  assert_parse_fails (JSON, "{\"uid\":1,\"token\":\"tok\\u0000junk\"}",
                      OSAIS_PROTOCOL_ERROR_MALFORMED, "NUL");
  assert_parse_fails (JSON, "{\"uid\":1,\"token\":\"\\u0000\"}",
                      OSAIS_PROTOCOL_ERROR_MALFORMED, "NUL");
  /* In a member name, it would turn "uid\u0000x" into "uid". */
  assert_parse_fails (JSON, "{\"uid\\u0000x\":1}", OSAIS_PROTOCOL_ERROR_MALFORMED, "NUL");
  /* Raw, it is not UTF-8 JSON either. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OsaisNotification) n = NULL;

    n = parse_len (JSON, "{\"uid\":1,\"token\":\"tok\0junk\"}", 29, &error);
    g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
    g_assert_null (n);
  }
}

/* An escape that merely looks like NUL, or an escaped backslash before
 * "u0000", is ordinary text. */
static void
test_json_nul_lookalikes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;

  n = parse (JSON, "{\"uid\":1,\"token\":\"a\\\\u0000\\u0001\\u1000\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (n->token, ==, "a\\u0000\001\341\200\200");
}

static void
assert_reader_fails (const char *text,
                     gsize       length,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;

  object = osais_protocol_parse_json_object (text, length, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (object);
  g_assert_nonnull (strstr (error->message, message));
}

static void
test_json_reader (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"image\":");
  g_autoptr(GString) wide = g_string_new ("{\"x\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *huge = NULL;

  object = osais_protocol_parse_json_object ("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", 28, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "c"), ==, "d");

  /* What /upload used to hand json-glib unchecked: 100,000 '[' overflowed the stack. */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_reader_fails (deep->str, deep->len, "nested");

  assert_reader_fails ("", 0, "Empty");
  assert_reader_fails ("[{}]", 4, "not an object");
  assert_reader_fails ("{\"a\":1} x", 9, "Invalid JSON");
  assert_reader_fails ("{\"uid\":18446744073709552617}", 28, "out of range");
  assert_reader_fails ("{\"uid\":-9223372036854775809}", 28, "out of range");
  assert_reader_fails ("{\"a\":\"\\u0000\"}", 14, "NUL");

  /* Each value costs json-glib a node: "[0,0,…" is bounded by count, not only by length. */
  for (int i = 0; i < OSAIS_PROTOCOL_MAX_JSON_VALUES; i++)
    g_string_append (wide, "0,");
  g_string_append (wide, "0]}");
  assert_reader_fails (wide->str, wide->len, "values");

  huge = g_malloc (OSAIS_PROTOCOL_MAX_JSON_LENGTH + 1);
  memset (huge, ' ', OSAIS_PROTOCOL_MAX_JSON_LENGTH + 1);
  memcpy (huge, "{}", 2);
  assert_reader_fails (huge, OSAIS_PROTOCOL_MAX_JSON_LENGTH + 1, "longer");
}

/* The limits themselves are accepted: the extreme integers and the largest count of values. */
static void
test_json_reader_limits (void)
{
  g_autoptr(GString) wide = g_string_new ("{\"x\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) extremes = NULL;
  g_autoptr(JsonObject) widest = NULL;

  extremes = osais_protocol_parse_json_object ("{\"a\":9223372036854775807,"
                                               "\"b\":-9223372036854775808}", 50, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (extremes, "a"), ==, G_MAXINT64);
  g_assert_cmpint (json_object_get_int_member (extremes, "b"), ==, G_MININT64);

  /* The object, the name "x" and the array are three values. */
  for (int i = 0; i < OSAIS_PROTOCOL_MAX_JSON_VALUES - 4; i++)
    g_string_append (wide, "0,");
  g_string_append (wide, "0]}");
  widest = osais_protocol_parse_json_object (wide->str, wide->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (widest, "x")), ==,
                    OSAIS_PROTOCOL_MAX_JSON_VALUES - 3);
}

static void
test_json_dup_field (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *text = NULL;
  gboolean is_number = FALSE;

  object = osais_protocol_parse_json_object ("{\"i\":12,\"d\":12.0,\"f\":12.5,\"s\":\"12\","
                                             "\"n\":null,\"b\":true,\"o\":{}}", 60, &error);
  g_assert_no_error (error);

  g_assert_true (osais_json_object_dup_field (object, "i", &text, &is_number, &error));
  g_assert_cmpstr (text, ==, "12");
  g_assert_true (is_number);
  g_clear_pointer (&text, g_free);

  /* An integral double reads as the integer, as /notify always took it. */
  g_assert_true (osais_json_object_dup_field (object, "d", &text, &is_number, &error));
  g_assert_cmpstr (text, ==, "12");
  g_clear_pointer (&text, g_free);

  g_assert_true (osais_json_object_dup_field (object, "f", &text, &is_number, &error));
  g_assert_cmpstr (text, ==, "12.5");
  g_assert_false (osais_protocol_parse_int64 (text, NULL));
  g_clear_pointer (&text, g_free);

  g_assert_true (osais_json_object_dup_field (object, "s", &text, &is_number, &error));
  g_assert_cmpstr (text, ==, "12");
  g_assert_false (is_number);
  g_clear_pointer (&text, g_free);

  g_assert_true (osais_json_object_dup_field (object, "n", &text, &is_number, &error));
  g_assert_null (text);
  g_assert_true (osais_json_object_dup_field (object, "absent", &text, NULL, &error));
  g_assert_null (text);
  g_assert_no_error (error);

  g_assert_false (osais_json_object_dup_field (object, "b", &text, NULL, &error));
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD);
  g_assert_null (text);
  g_clear_error (&error);
  g_assert_false (osais_json_object_dup_field (object, "o", &text, NULL, &error));
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD);
}

static OsaisJsonUpload *
parse_upload (const char  *text,
              gsize        max_image_size,
              GError     **error)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  return osais_json_upload_parse (body, max_image_size, error);
}

static void
test_json_upload (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisJsonUpload) upload = NULL;
  g_autoptr(OsaisJsonUpload) bare = NULL;
  g_autoptr(OsaisJsonUpload) refused = NULL;

  /* "aGVsbG8=" is "hello"; the limit is checked on the length before decoding, 6 here. */
  upload = parse_upload ("{\"image\":\"aGVsbG8=\",\"uid\":1001.0,\"token\":\"t\",\"cycle\":\"2\","
                         "\"engine\":\"ping\",\"extra\":[1]}", 6, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (upload->image, NULL), g_bytes_get_size (upload->image),
                   "hello", 5);
  g_assert_cmpstr (upload->uid_text, ==, "1001");
  g_assert_true (upload->uid_is_number);
  g_assert_cmpstr (upload->token, ==, "t");
  g_assert_cmpstr (upload->cycle, ==, "2");
  g_assert_cmpstr (upload->engine, ==, "ping");

  /* Only the image is the reader's to require; the caller checks the uid. */
  bare = parse_upload ("{\"image\":\"aGVsbG8=\"}", 6, &error);
  g_assert_no_error (error);
  g_assert_null (bare->uid_text);
  g_assert_null (bare->token);

  refused = parse_upload ("{\"uid\":1}", 6, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD);
  g_assert_null (refused);
  g_clear_error (&error);
  refused = parse_upload ("{\"image\":[\"aGVsbG8=\"]}", 6, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  refused = parse_upload ("{\"image\":\"\"}", 6, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD);
  g_clear_error (&error);
  /* Twelve characters of base64 are up to nine bytes: more than the limit of 8. */
  refused = parse_upload ("{\"image\":\"aGVsbG8gd29y\"}", 8, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD);
  g_clear_error (&error);
  refused = parse_upload ("{\"image\":\"aGVsbG8=\",\"token\":false}", 6, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_INVALID_FIELD);
  g_clear_error (&error);
  refused = parse_upload ("{\"image\":\"aGVsbG8=\",\"uid\":18446744073709552617}", 6, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (refused);
}

static void
test_invalid_utf8 (void)
{
  /* A JSON body must be UTF-8 as a whole. */
  assert_parse_fails (JSON, "{\"uid\":1,\"engine\":\"a\xff\"}",
                      OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  /* A form value decodes to bytes: the field is then refused. */
  assert_parse_fails (FORM, "uid=1&engine=a%FFb", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "engine");
  assert_parse_fails (FORM, "uid=1&descr=%C3%28", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "descr");
  /* NUL bytes would cut a value short. */
  assert_parse_fails (FORM, "uid=1&token=ab%00cd", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
}

static void
test_field_length (void)
{
  g_autofree char *at_limit = g_strnfill (OSAIS_PROTOCOL_MAX_FIELD_LENGTH, 'a');
  g_autofree char *over = g_strnfill (OSAIS_PROTOCOL_MAX_FIELD_LENGTH + 1, 'a');
  g_autofree char *ok_body = g_strdup_printf ("{\"uid\":1,\"token\":\"%s\"}", at_limit);
  g_autofree char *bad_body = g_strdup_printf ("{\"uid\":1,\"token\":\"%s\"}", over);
  g_autofree char *bad_form = g_strdup_printf ("uid=1&descr=%s", over);
  g_autofree char *big_unknown = g_strdup_printf ("{\"uid\":1,\"image\":\"%s%s\"}", over, over);
  g_autoptr(OsaisNotification) n = NULL;
  g_autoptr(OsaisNotification) u = NULL;
  g_autoptr(GError) error = NULL;

  n = parse (JSON, ok_body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (n->token), ==, OSAIS_PROTOCOL_MAX_FIELD_LENGTH);

  assert_parse_fails (JSON, bad_body, OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "token");
  assert_parse_fails (FORM, bad_form, OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "descr");

  /* Fields we do not know are not ours to bound (the JSON upload carries an image). */
  u = parse (JSON, big_unknown, &error);
  g_assert_no_error (error);
  g_assert_cmpint (u->uid, ==, 1);
}

static void
test_content_type (void)
{
  const char *json_types[] = {
    "application/json", "Application/JSON; charset=UTF-8", "  application/json ;charset=utf-8",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (json_types); i++)
    {
      g_autoptr(OsaisNotification) n = parse (json_types[i], "{\"uid\":5}", &error);

      g_assert_no_error (error);
      g_assert_cmpint (n->uid, ==, 5);
      g_assert_true (n->uid_is_number);
    }

  assert_parse_fails ("text/plain", "{\"uid\":5}", OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE, NULL);
  assert_parse_fails ("image/png", "uid=5", OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE, NULL);
  /* JSON declared as a form is a form, and not a valid one. */
  assert_parse_fails (FORM, "{\"uid\":5}", OSAIS_PROTOCOL_ERROR_MISSING_FIELD, "uid");
}

static void
test_untyped (void)
{
  const char *types[] = { NULL, "", " ; charset=utf-8" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(OsaisNotification) j = parse (types[i], " {\"uid\":6,\"stage\":2} ", &error);
      g_autoptr(OsaisNotification) f = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (j->uid, ==, 6);
      g_assert_cmpint (j->stage, ==, 2);

      f = parse (types[i], "uid=7&stage=3", &error);
      g_assert_no_error (error);
      g_assert_cmpint (f->uid, ==, 7);
      g_assert_cmpint (f->stage, ==, 3);
      g_assert_false (f->uid_is_number);
    }

  /* JSON with a bad field stays a JSON error, not a form with no uid. */
  assert_parse_fails (NULL, "{\"uid\":true}", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "uid");
  assert_parse_fails (NULL, "", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails (NULL, "\x89PNG garbage", OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
}

static void
test_urlencoded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;

  n = parse (FORM, "uid=0012&stage=4&token=a%2Bb%26c&cycle=1&engine=sdxl"
                   "&filename=out+1.png&descr=%C3%A9t%C3%A9&unknown=%FF", &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->uid, ==, 12);
  g_assert_cmpstr (n->uid_text, ==, "0012");
  g_assert_false (n->uid_is_number);
  g_assert_cmpint (n->stage, ==, OSAIS_STAGE_IMAGE_DONE);
  g_assert_cmpstr (n->token, ==, "a+b&c");
  g_assert_cmpint (n->cycle, ==, 1);
  g_assert_cmpstr (n->engine, ==, "sdxl");
  g_assert_cmpstr (n->filename, ==, "out 1.png");
  g_assert_cmpstr (n->descr, ==, "été");

  assert_parse_fails (FORM, "", OSAIS_PROTOCOL_ERROR_MISSING_FIELD, "uid");
  assert_parse_fails (FORM, "uid=1&stage=9", OSAIS_PROTOCOL_ERROR_INVALID_FIELD, "stage");
}

static void
test_urlencoded_nul (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;

  n = parse_len (FORM, "uid=1&token=a\0b", 14, &error);
  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (n);
}

static void
test_multipart (void)
{
  const char *type = "multipart/form-data; boundary=XyZ";
  const char *body =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"uid\"\r\n\r\n"
    "77\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"stage\"\r\n\r\n"
    "3\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"token\"\r\n\r\n"
    "t0k\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\x89PNG\r\n--not-a-boundary\r\n"
    "\r\n"
    "--XyZ--\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;

  n = parse (type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->uid, ==, 77);
  g_assert_cmpstr (n->uid_text, ==, "77");
  g_assert_false (n->uid_is_number);
  g_assert_cmpint (n->stage, ==, OSAIS_STAGE_IMAGE_STARTED);
  g_assert_cmpstr (n->token, ==, "t0k");
  g_assert_null (n->filename);

  assert_parse_fails (type, "--XyZ\r\nContent-Disposition: form-data; name=\"uid\"\r\n\r\n1",
                      OSAIS_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_parse_fails ("multipart/form-data", body, OSAIS_PROTOCOL_ERROR_MALFORMED, "boundary");
  assert_parse_fails ("multipart/mixed; boundary=XyZ", body,
                      OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE, NULL);
}

static void
test_parse_int64 (void)
{
  gint64 value = 0;

  g_assert_true (osais_protocol_parse_int64 ("12", &value));
  g_assert_cmpint (value, ==, 12);
  g_assert_true (osais_protocol_parse_int64 ("-1", &value));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (osais_protocol_parse_int64 ("9223372036854775807", &value));
  g_assert_cmpint (value, ==, G_MAXINT64);
  g_assert_true (osais_protocol_parse_int64 ("5", NULL));

  value = 99;
  g_assert_false (osais_protocol_parse_int64 (NULL, &value));
  g_assert_false (osais_protocol_parse_int64 ("", &value));
  g_assert_false (osais_protocol_parse_int64 ("12abc", &value));
  g_assert_false (osais_protocol_parse_int64 ("1.5", &value));
  g_assert_false (osais_protocol_parse_int64 ("0x10", &value));
  g_assert_false (osais_protocol_parse_int64 ("12 ", &value));
  g_assert_false (osais_protocol_parse_int64 ("9223372036854775808", &value));
  g_assert_cmpint (value, ==, 99);
}

/* Parses @text as JSON and returns data.token and data.uid. */
static void
parse_ack (const char  *text,
           char       **token,
           JsonNode   **uid)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *data;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  data = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                        "data");
  g_assert_nonnull (data);
  g_assert_cmpuint (json_object_get_size (data), ==, 2);
  *token = g_strdup (json_object_get_string_member (data, "token"));
  *uid = json_node_copy (json_object_get_member (data, "uid"));
}

static void
test_ack_body (void)
{
  const char *tokens[] = { "0", "a\"b\\c", "line\nbreak\t\x01", "</script>é" };
  g_autofree char *as_string = osais_ack_body_new ("abc", "12", FALSE);
  g_autofree char *as_number = osais_ack_body_new ("abc", "12", TRUE);
  g_autofree char *escaped = osais_ack_body_new ("a\"b", "0012", FALSE);
  g_autofree char *not_a_number = osais_ack_body_new ("t", "x1", TRUE);

  g_assert_cmpstr (as_string, ==, "{\"data\":{\"token\":\"abc\",\"uid\":\"12\"}}");
  g_assert_cmpstr (as_number, ==, "{\"data\":{\"token\":\"abc\",\"uid\":12}}");
  g_assert_cmpstr (escaped, ==, "{\"data\":{\"token\":\"a\\\"b\",\"uid\":\"0012\"}}");
  g_assert_cmpstr (not_a_number, ==, "{\"data\":{\"token\":\"t\",\"uid\":\"x1\"}}");

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autofree char *body = osais_ack_body_new (tokens[i], "345", i % 2 == 0);
      g_autofree char *token = NULL;
      g_autoptr(JsonNode) uid = NULL;

      parse_ack (body, &token, &uid);
      g_assert_cmpstr (token, ==, tokens[i]);
      if (i % 2 == 0)
        g_assert_cmpint (json_node_get_int (uid), ==, 345);
      else
        g_assert_cmpstr (json_node_get_string (uid), ==, "345");
    }
}

static void
test_ack_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;
  g_autofree char *ack = NULL;

  /* What comes in is what goes back, type included. */
  n = parse (JSON, "{\"uid\":41,\"token\":\"q\\\"t\"}", &error);
  g_assert_no_error (error);
  ack = osais_ack_body_new (n->token, n->uid_text, n->uid_is_number);
  g_assert_cmpstr (ack, ==, "{\"data\":{\"token\":\"q\\\"t\",\"uid\":41}}");
}

static void
test_error_body (void)
{
  g_autofree char *body = osais_error_body_new (413, "Body \"too\" large");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_cmpstr (body, ==,
                   "{\"error\":{\"status\":413,\"message\":\"Body \\\"too\\\" large\"}}");
  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  object = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                          "error");
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 413);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "Body \"too\" large");
}

static void
test_stages (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpstr (osais_stage_to_string (OSAIS_STAGE_ERROR), ==, "Failed");
  g_assert_cmpstr (osais_stage_to_string (OSAIS_STAGE_FINISHED), ==, "Finished");
  g_assert_cmpstr (osais_stage_to_string (OSAIS_STAGE_IMAGE_STARTED), ==, "Processing image");

  for (int stage = -1; stage <= 5; stage++)
    {
      const char *text = osais_stage_to_string ((OsaisStage) stage);

      g_assert_true (osais_stage_is_valid (stage));
      g_assert_nonnull (text);
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, (gpointer) text);
    }

  g_assert_false (osais_stage_is_valid (-2));
  g_assert_false (osais_stage_is_valid (6));
  g_assert_false (osais_stage_is_valid (G_MININT));
}

static void
test_copy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisNotification) n = NULL;
  OsaisNotification *copy;

  g_assert_true (G_TYPE_IS_BOXED (osais_notification_get_type ()));

  n = parse (JSON, "{\"uid\":8,\"stage\":4,\"token\":\"k\",\"cycle\":3,\"engine\":\"e\","
                   "\"username\":\"u\",\"filename\":\"f\",\"descr\":\"d\",\"cost\":9}", &error);
  g_assert_no_error (error);

  copy = g_boxed_copy (osais_notification_get_type (), n);
  g_assert_true (copy != n);
  g_assert_cmpint (copy->uid, ==, 8);
  g_assert_cmpstr (copy->uid_text, ==, "8");
  g_assert_true (copy->uid_text != n->uid_text);
  g_assert_true (copy->uid_is_number);
  g_assert_cmpint (copy->stage, ==, 4);
  g_assert_cmpstr (copy->token, ==, "k");
  g_assert_cmpint (copy->cycle, ==, 3);
  g_assert_cmpstr (copy->engine, ==, "e");
  g_assert_cmpstr (copy->username, ==, "u");
  g_assert_cmpstr (copy->filename, ==, "f");
  g_assert_cmpstr (copy->descr, ==, "d");
  g_assert_cmpint (copy->cost, ==, 9);
  g_boxed_free (osais_notification_get_type (), copy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/Protocol/json-strings", test_json_strings);
  g_test_add_func ("/Osais/Protocol/json-numbers", test_json_numbers);
  g_test_add_func ("/Osais/Protocol/defaults", test_defaults);
  g_test_add_func ("/Osais/Protocol/missing-uid", test_missing_uid);
  g_test_add_func ("/Osais/Protocol/bad-types", test_bad_types);
  g_test_add_func ("/Osais/Protocol/stage-range", test_stage_range);
  g_test_add_func ("/Osais/Protocol/malformed-json", test_malformed_json);
  g_test_add_func ("/Osais/Protocol/deep-json", test_deep_json);
  g_test_add_func ("/Osais/Protocol/json-nul", test_json_nul);
  g_test_add_func ("/Osais/Protocol/json-nul-lookalikes", test_json_nul_lookalikes);
  g_test_add_func ("/Osais/Protocol/json-reader", test_json_reader);
  g_test_add_func ("/Osais/Protocol/json-reader-limits", test_json_reader_limits);
  g_test_add_func ("/Osais/Protocol/json-dup-field", test_json_dup_field);
  g_test_add_func ("/Osais/Protocol/json-upload", test_json_upload);
  g_test_add_func ("/Osais/Protocol/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/Osais/Protocol/field-length", test_field_length);
  g_test_add_func ("/Osais/Protocol/content-type", test_content_type);
  g_test_add_func ("/Osais/Protocol/untyped", test_untyped);
  g_test_add_func ("/Osais/Protocol/urlencoded", test_urlencoded);
  g_test_add_func ("/Osais/Protocol/urlencoded-nul", test_urlencoded_nul);
  g_test_add_func ("/Osais/Protocol/multipart", test_multipart);
  g_test_add_func ("/Osais/Protocol/parse-int64", test_parse_int64);
  g_test_add_func ("/Osais/Protocol/ack-body", test_ack_body);
  g_test_add_func ("/Osais/Protocol/ack-round-trip", test_ack_round_trip);
  g_test_add_func ("/Osais/Protocol/error-body", test_error_body);
  g_test_add_func ("/Osais/Protocol/stages", test_stages);
  g_test_add_func ("/Osais/Protocol/copy", test_copy);

  return g_test_run ();
}
