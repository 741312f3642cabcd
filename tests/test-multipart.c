/* test-multipart.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestMultipart"

#include <string.h>

#include "osais-multipart.h"
#include "osais-protocol.h"
#include "osais-test-utils.h"

#define TYPE "multipart/form-data; boundary=XyZ"

/* Binary file data with what a naive parser trips on: CRLF, "--", a line
 * that starts like the delimiter but is longer, and NUL bytes. */
static const char file_bytes[] =
  "\x89PNG\r\n\x1a\n\0\0\r\n--\r\n--XyZZ\r\n--XyZ!\r\n\r\n--\xff\xfe\0-";

static void
append_field (GString    *body,
              const char *boundary,
              const char *name,
              const char *value)
{
  g_string_append_printf (body, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                          boundary, name, value);
}

static OsaisMultipartForm *
parse_string (const char  *content_type,
              GString     *body,
              GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body->str, body->len);

  return osais_multipart_form_parse (content_type, bytes, error);
}

static void
assert_malformed (const char *content_type,
                  GString    *body,
                  const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OsaisMultipartForm) form = parse_string (content_type, body, &error);

  g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
  g_assert_null (form);
  if (message_part != NULL && strstr (error->message, message_part) == NULL)
    g_error ("Expected “%s” in “%s”", message_part, error->message);
}

static void
assert_malformed_text (const char *content_type,
                       const char *text,
                       const char *message_part)
{
  g_autoptr(GString) body = g_string_new (text);

  assert_malformed (content_type, body, message_part);
}

/* The upload OSAIS makes: four fields and one file. */
static GString *
upload_body_new (void)
{
  GString *body = g_string_new (NULL);

  append_field (body, "XyZ", "uid", "1234");
  append_field (body, "XyZ", "token", "tok");
  append_field (body, "XyZ", "cycle", "0");
  g_string_append (body, "--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"image\"; filename=\"out.png\"\r\n"
                         "Content-Type: image/png\r\n"
                         "\r\n");
  g_string_append_len (body, file_bytes, sizeof file_bytes - 1);
  g_string_append (body, "\r\n");
  append_field (body, "XyZ", "engine", "sdxl");
  g_string_append (body, "--XyZ--\r\n");

  return body;
}

static void
test_upload (void)
{
  g_autoptr(GString) body = upload_body_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (body->str, body->len);
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *start;
  const guint8 *file;
  gsize length;
  gsize file_length;

  form = osais_multipart_form_parse (TYPE, bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (form);

  g_assert_cmpuint (g_hash_table_size (form->fields), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "uid"), ==, "1234");
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "token"), ==, "tok");
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "cycle"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "engine"), ==, "sdxl");

  g_assert_cmpstr (form->file_field_name, ==, "image");
  g_assert_cmpstr (form->file_name, ==, "out.png");
  g_assert_cmpstr (form->file_content_type, ==, "image/png");

  file = g_bytes_get_data (form->file_data, &file_length);
  g_assert_cmpmem (file, file_length, file_bytes, sizeof file_bytes - 1);

  /* A slice of the body, not a copy. */
  start = g_bytes_get_data (bytes, &length);
  g_assert_true (file > start && file + file_length < start + length);
}

static void
test_quoted_boundary (void)
{
  const char *type = "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c?=d/(')\"";
  g_autoptr(GString) body = g_string_new ("This is the preamble.\r\nIt is ignored.\r\n");
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;

  append_field (body, "a b:c?=d/(')", "uid", "1");
  /* Transport padding after a delimiter, and lower-case header names. */
  g_string_append (body, "--a b:c?=d/(') \t\r\n"
                         "content-disposition: FORM-DATA;name=descr\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n"
                         "X-Ignored: yes\r\n"
                         "\r\n"
                         "été\r\n"
                         "--a b:c?=d/(')--\r\nThis is the epilogue.\r\n--a b:c?=d/(')\r\n");

  form = parse_string (type, body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form->fields), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "uid"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "descr"), ==, "été");
  g_assert_null (form->file_data);
  g_assert_null (form->file_name);
  g_assert_null (form->file_field_name);
}

static void
test_empty_form (void)
{
  g_autoptr(GString) body = g_string_new ("--XyZ--");
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;

  form = parse_string (TYPE, body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form->fields), ==, 0);
  g_assert_null (form->file_data);
}

static void
test_two_files (void)
{
  g_autoptr(GString) body = g_string_new (NULL);

  append_field (body, "XyZ", "uid", "1");
  g_string_append (body, "--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"a\"; filename=\"a.png\"\r\n"
                         "\r\nAAAA\r\n"
                         "--XyZ\r\n"
                         "Content-Disposition: form-data; name=\"b\"; filename=\"b.png\"\r\n"
                         "\r\nBBBB\r\n"
                         "--XyZ--\r\n");
  assert_malformed (TYPE, body, "file part");
}

static void
test_non_text_part (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) two = g_string_new (NULL);
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;

  /* No file name, but a binary type: that is the file part. */
  g_string_append (body, "--XyZ\r\nContent-Disposition: form-data; name=\"blob\"\r\n"
                         "Content-Type: application/octet-stream\r\n\r\n\xff\xd8\xff\r\n");
  append_field (body, "XyZ", "uid", "5");
  g_string_append (body, "--XyZ--");

  form = parse_string (TYPE, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (form->file_field_name, ==, "blob");
  g_assert_null (form->file_name);
  g_assert_cmpstr (form->file_content_type, ==, "application/octet-stream");
  g_assert_cmpuint (g_bytes_get_size (form->file_data), ==, 3);
  g_assert_cmpuint (g_hash_table_size (form->fields), ==, 1);

  /* Two of them are two files. */
  g_string_append (two, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                        "Content-Type: image/png\r\n\r\nA\r\n"
                        "--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"\"\r\n"
                        "\r\nB\r\n--XyZ--");
  assert_malformed (TYPE, two, "file part");
}

static void
test_too_many_parts (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < OSAIS_MULTIPART_MAX_PARTS; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%d", i);

      append_field (body, "XyZ", name, "v");
    }
  g_string_append (body, "--XyZ--");

  form = parse_string (TYPE, body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (form->fields), ==, OSAIS_MULTIPART_MAX_PARTS);

  g_string_truncate (body, body->len - strlen ("--XyZ--"));
  append_field (body, "XyZ", "one-more", "v");
  g_string_append (body, "--XyZ--");
  assert_malformed (TYPE, body, "parts");
}

static void
test_header_too_long (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) at_limit = g_string_new ("--XyZ\r\n");
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;
  const char *disposition = "Content-Disposition: form-data; name=\"uid\"\r\n";
  gsize filler;

  /* Exactly at the limit: the disposition line, then one X-Pad header. */
  g_string_append (at_limit, disposition);
  filler = OSAIS_MULTIPART_MAX_HEADER_LENGTH - strlen (disposition) - strlen ("X-Pad: ");
  g_string_append (at_limit, "X-Pad: ");
  for (gsize i = 0; i < filler; i++)
    g_string_append_c (at_limit, 'p');
  g_string_append (at_limit, "\r\n\r\n1\r\n--XyZ--");
  form = parse_string (TYPE, at_limit, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "uid"), ==, "1");

  /* One byte more is refused, as are endless headers. */
  g_string_append (body, "--XyZ\r\n");
  g_string_append (body, disposition);
  g_string_append (body, "X-Pad: ");
  for (gsize i = 0; i < filler + 1; i++)
    g_string_append_c (body, 'p');
  g_string_append (body, "\r\n\r\n1\r\n--XyZ--");
  assert_malformed (TYPE, body, "too long");

  g_string_assign (body, "--XyZ\r\n");
  for (int i = 0; i < 100000; i++)
    g_string_append (body, "X: y\r\n");
  assert_malformed (TYPE, body, "too long");
}

static void
test_boundary (void)
{
  g_autofree char *seventy = g_strnfill (OSAIS_MULTIPART_MAX_BOUNDARY_LENGTH, 'b');
  g_autofree char *seventy_one = g_strnfill (OSAIS_MULTIPART_MAX_BOUNDARY_LENGTH + 1, 'b');
  g_autofree char *ok_type = g_strdup_printf ("multipart/form-data; boundary=%s", seventy);
  g_autofree char *long_type = g_strdup_printf ("multipart/form-data; boundary=%s", seventy_one);
  g_autoptr(GString) ok_body = g_string_new (NULL);
  g_autoptr(GString) long_body = g_string_new (NULL);
  g_autoptr(GString) any = g_string_new ("--x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                                         "1\r\n--x--");
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;

  append_field (ok_body, seventy, "uid", "1");
  g_string_append_printf (ok_body, "--%s--", seventy);
  form = parse_string (ok_type, ok_body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (form->fields, "uid"), ==, "1");

  append_field (long_body, seventy_one, "uid", "1");
  g_string_append_printf (long_body, "--%s--", seventy_one);
  assert_malformed (long_type, long_body, "boundary");

  assert_malformed ("multipart/form-data; boundary=\"\"", any, "boundary");
  assert_malformed ("multipart/form-data; boundary=", any, NULL);
  assert_malformed ("multipart/form-data; boundary=\"x \"", any, "boundary");
  assert_malformed ("multipart/form-data; boundary=\"x\r\n\"", any, "boundary");
  assert_malformed ("multipart/form-data; boundary=\"x\\\"", any, "Unterminated");
  assert_malformed ("multipart/form-data; boundary=x; boundary=y", any, "repeated");
  assert_malformed ("multipart/form-data", any, "boundary");
  assert_malformed ("multipart/mixed; boundary=x", any, "form-data");
  assert_malformed ("application/json", any, NULL);
  assert_malformed (NULL, any, "Content-Type");
  assert_malformed ("multipart/form-data; boundary=y", any, "No boundary");
}

static void
test_missing_final_boundary (void)
{
  g_autoptr(GString) body = g_string_new (NULL);

  append_field (body, "XyZ", "uid", "1");
  append_field (body, "XyZ", "token", "t");
  assert_malformed (TYPE, body, NULL);

  /* A close delimiter that is only a prefix of one does not count. */
  g_string_append (body, "--XyZZ--\r\n");
  assert_malformed (TYPE, body, NULL);
}

/* Every prefix of a valid body must be refused cleanly, up to the close
 * delimiter; from there on what is cut is the epilogue. */
static void
test_truncated (void)
{
  g_autoptr(GString) body = upload_body_new ();
  gsize complete = body->len - strlen ("\r\n");

  for (gsize cut = 0; cut < body->len; cut++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body->str, cut);
      g_autoptr(OsaisMultipartForm) form = NULL;
      g_autoptr(GError) error = NULL;

      form = osais_multipart_form_parse (TYPE, bytes, &error);
      if (cut < complete)
        {
          g_assert_error (error, OSAIS_PROTOCOL_ERROR, OSAIS_PROTOCOL_ERROR_MALFORMED);
          g_assert_null (form);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_nonnull (form->file_data);
        }
    }
}

static void
test_bad_parts (void)
{
  static const char nul_in_value[] =
    "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\0w\r\n--XyZ--";
  static const char nul_in_header[] =
    "--XyZ\r\nContent-Disposition: form-data; name=a\0\r\n\r\nv\r\n--XyZ--";
  g_autofree char *long_value = g_strnfill (OSAIS_MULTIPART_MAX_FIELD_LENGTH + 1, 'v');
  g_autoptr(GString) body = g_string_new (NULL);

  assert_malformed_text (TYPE, "", "Empty");
  assert_malformed_text (TYPE, "\x01garbage\xff\xfe", "No boundary");
  assert_malformed_text (TYPE, "--XyZ\r\n\r\nvalue\r\n--XyZ--", "without headers");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",
                         "Content-Disposition");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n"
                               "v\r\n--XyZ--", "form-data");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
                         "name");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n"
                               "--XyZ--", "name");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n"
                               "v\r\n--XyZ--", "repeated");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=a; filename=\r\n"
                               "\r\nv\r\n--XyZ--", "empty value");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
                               "Content-Disposition: form-data; name=b\r\n\r\nv\r\n--XyZ--",
                         "two");
  assert_malformed_text (TYPE, "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--", "header");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n"
                               "--XyZ--", NULL);
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\n"
                               "v\r\n--XyZ--", NULL);
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=\"a\xff\"\r\n\r\n"
                               "v\r\n--XyZ--", "UTF-8");
  assert_malformed_text (TYPE, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                               "\xc3\x28\r\n--XyZ--", "UTF-8");
  assert_malformed_text (TYPE, "--XyZgarbage\r\n", NULL);
  assert_malformed_text (TYPE, "--XyZ", "ends");

  /* NUL bytes: in a value and in the headers. */
  g_string_append_len (body, nul_in_value, sizeof nul_in_value - 1);
  assert_malformed (TYPE, body, "UTF-8");
  g_string_truncate (body, 0);
  g_string_append_len (body, nul_in_header, sizeof nul_in_header - 1);
  assert_malformed (TYPE, body, "NUL");

  g_string_truncate (body, 0);
  append_field (body, "XyZ", "uid", "1");
  append_field (body, "XyZ", "uid", "2");
  g_string_append (body, "--XyZ--");
  assert_malformed (TYPE, body, "twice");

  g_string_truncate (body, 0);
  append_field (body, "XyZ", "descr", long_value);
  g_string_append (body, "--XyZ--");
  assert_malformed (TYPE, body, "longer");
}

static void
test_file_name (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) escaped = g_string_new (NULL);
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(OsaisMultipartForm) form2 = NULL;
  g_autoptr(GError) error = NULL;

  /* Parsed and reported as declared; it is up to no one to use it as a path. */
  g_string_append (body, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                         "filename=\"../../etc/passwd\"\r\n\r\nroot:x:0:0\r\n--XyZ--\r\n");
  form = parse_string (TYPE, body, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (form->file_name, ==, "../../etc/passwd");
  g_assert_null (form->file_content_type);
  g_assert_cmpuint (g_bytes_get_size (form->file_data), ==, strlen ("root:x:0:0"));

  g_string_append (escaped, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                            "filename=\"a\\\"b\\\\c; d.png\"\r\n\r\nx\r\n--XyZ--\r\n");
  form2 = parse_string (TYPE, escaped, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (form2->file_name, ==, "a\"b\\c; d.png");
}

/* A body full of near-delimiters must take time in proportion to its size. */
static void
test_linear (void)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(OsaisMultipartForm) form = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  double seconds;
  gsize length;

  /* ASan's memmem() checks the whole rest of the body on every call, which
   * makes this quadratic there: 16 MiB took 3 minutes. */
  if (osais_test_is_sanitized ())
    {
      g_test_skip ("A timing test: not under AddressSanitizer");
      return;
    }

  g_string_append (body, "--XyZ\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n");
  while (body->len < 16 * 1024 * 1024)
    g_string_append (body, "\r\n--XyZ!\r\n--Xy\r\n--");
  g_string_append (body, "\r\n--XyZ--\r\n");
  length = body->len;
  bytes = g_bytes_new_take (g_string_free (g_steal_pointer (&body), FALSE), length);

  start = g_get_monotonic_time ();
  form = osais_multipart_form_parse (TYPE, bytes, &error);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("16 MiB of near-delimiters parsed in %.3f s", seconds);

  g_assert_no_error (error);
  g_assert_nonnull (form->file_data);
  g_assert_cmpfloat (seconds, <, 2.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Osais/Multipart/upload", test_upload);
  g_test_add_func ("/Osais/Multipart/quoted-boundary", test_quoted_boundary);
  g_test_add_func ("/Osais/Multipart/empty-form", test_empty_form);
  g_test_add_func ("/Osais/Multipart/two-files", test_two_files);
  g_test_add_func ("/Osais/Multipart/non-text-part", test_non_text_part);
  g_test_add_func ("/Osais/Multipart/too-many-parts", test_too_many_parts);
  g_test_add_func ("/Osais/Multipart/header-too-long", test_header_too_long);
  g_test_add_func ("/Osais/Multipart/boundary", test_boundary);
  g_test_add_func ("/Osais/Multipart/missing-final-boundary", test_missing_final_boundary);
  g_test_add_func ("/Osais/Multipart/truncated", test_truncated);
  g_test_add_func ("/Osais/Multipart/bad-parts", test_bad_parts);
  g_test_add_func ("/Osais/Multipart/file-name", test_file_name);
  g_test_add_func ("/Osais/Multipart/linear", test_linear);

  return g_test_run ();
}
