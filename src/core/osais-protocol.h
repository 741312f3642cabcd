/* osais-protocol.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osais-protocol-error.h"
#include "osais-types.h"

G_BEGIN_DECLS

/* Longest value, in bytes, accepted for a known string field of a callback. */
#define OSAIS_PROTOCOL_MAX_FIELD_LENGTH 4096

/* Deepest JSON nesting accepted in a callback body: json-glib parses
 * recursively, so an unbounded depth could exhaust a thread's stack. */
#define OSAIS_PROTOCOL_MAX_JSON_DEPTH 32

/* Longest JSON text accepted from a peer: the largest body anyone may send
 * us, an upload with its image in base64 (OSAIS_CALLBACK_SERVER_UPLOAD_MAX_BODY). */
#define OSAIS_PROTOCOL_MAX_JSON_LENGTH (32 * 1024 * 1024)

/* Most strings, numbers, literals, arrays and objects accepted in one JSON
 * text: json-glib spends a node on each, so that "[0,0,…" costs 41 times its
 * length in memory (measured with json-glib 1.6: 1.3 GB for a 32 MiB body).
 * A callback has a dozen, an OSAIS reply a few hundred. */
#define OSAIS_PROTOCOL_MAX_JSON_VALUES 65536

/**
 * OsaisNotification:
 *
 * One `/notify` call, with the seed's defaults applied: a missing
 * stage is 0, token "0", cycle 0. @uid_text is the uid exactly as it was
 * received (the acknowledgement echoes it); @uid_is_number tells whether it
 * came as a JSON number, so that the acknowledgement echoes its type too.
 */
typedef struct
{
  gint64      uid;
  char       *uid_text;
  gboolean    uid_is_number;
  OsaisStage  stage;
  char       *token;
  int         cycle;
  char       *engine;     /* nullable */
  char       *username;   /* nullable */
  char       *filename;   /* nullable */
  char       *descr;      /* nullable */
  gint64      cost;       /* -1 when absent */
} OsaisNotification;

GType              osais_notification_get_type   (void) G_GNUC_CONST;
OsaisNotification *osais_notification_parse      (const char         *content_type,
                                                   GBytes             *body,
                                                   GError            **error);
OsaisNotification *osais_notification_copy       (const OsaisNotification *notification);
void               osais_notification_free       (OsaisNotification  *notification);

/* The one reader of JSON from a peer (a callback's body, an OSAIS reply, a
 * request to the simulator): bounds the length, the nesting, the number of
 * values and integer literals to 64 bits, refuses invalid UTF-8 and NUL,
 * raw or escaped, and wants an object as the root. Errors are
 * OSAIS_PROTOCOL_ERROR_MALFORMED. */
JsonObject        *osais_protocol_parse_json_object (const char      *data,
                                                      gsize            length,
                                                      GError         **error);

/* The member @name of untrusted JSON as text, for a field that may come as a
 * string or a number (OSAIS sends numbers as strings): integral numbers as
 * plain integers. Absent or null gives TRUE and a NULL @text; another type,
 * FALSE and OSAIS_PROTOCOL_ERROR_INVALID_FIELD. */
gboolean           osais_json_object_dup_field   (JsonObject         *object,
                                                   const char         *name,
                                                   char              **text,
                                                   gboolean           *is_number,
                                                   GError            **error);

/**
 * OsaisJsonUpload:
 *
 * An upload sent as JSON, `{"image": base64, "uid", "token", "cycle",
 * "engine"}`: the image decoded, the other fields as text as they came (a
 * number as its integer); the caller checks their values.
 */
typedef struct
{
  GBytes   *image;
  char     *uid_text;       /* nullable */
  gboolean  uid_is_number;
  char     *token;          /* nullable */
  char     *cycle;          /* nullable */
  char     *engine;         /* nullable */
} OsaisJsonUpload;

/* Reads @body through osais_protocol_parse_json_object(); an image that
 * would decode to more than @max_image_size bytes is refused. */
OsaisJsonUpload   *osais_json_upload_parse       (GBytes             *body,
                                                   gsize               max_image_size,
                                                   GError            **error);
void               osais_json_upload_free        (OsaisJsonUpload    *upload);

/* An upload in either encoding OSAIS uses, as the callback server reads
 * it: the same fields as a JSON upload. */
typedef OsaisJsonUpload OsaisUpload;

/* Reads an upload by its @content_type: multipart/form-data through our
 * bounded multipart parser (the file part is the image), or JSON through
 * osais_json_upload_parse(); another type gives
 * OSAIS_PROTOCOL_ERROR_UNSUPPORTED_TYPE. Free with osais_json_upload_free(). */
OsaisUpload       *osais_upload_parse            (const char         *content_type,
                                                   GBytes             *body,
                                                   gsize               max_image_size,
                                                   GError            **error);

/* The string member @name of untrusted JSON, or NULL when it is absent or
 * not a string (json-glib's own getters complain about another type). */
const char        *osais_json_object_get_string  (JsonObject         *object,
                                                   const char         *name);

/* Parses a uid or an integer that may come as a JSON number or a string. */
gboolean           osais_protocol_parse_int64    (const char         *text,
                                                   gint64             *value);
/* Parses a decimal of ASCII digits only, at most @max: no sign, no space,
 * nothing after (a Content-Length, a port). */
gboolean           osais_protocol_parse_digits   (const char         *text,
                                                   guint64             max,
                                                   guint64            *value);

const char        *osais_stage_to_string         (OsaisStage          stage);
gboolean           osais_stage_is_valid          (int                 value);

/* {"data":{"token":…,"uid":…}}: echoes the uid as a number when it came as one. */
char              *osais_ack_body_new            (const char         *token,
                                                   const char         *uid_text,
                                                   gboolean            uid_is_number);
/* {"error":{"status":…,"message":…}} */
char              *osais_error_body_new          (guint               status,
                                                   const char         *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisNotification, osais_notification_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisJsonUpload, osais_json_upload_free)

/* The scalar member @name of @object as text: a string as it is, numbers
 * as JSON writes them, booleans as true/false; NULL when absent or not a
 * scalar. OSAIS's library sends numbers as strings and takes either. */
char        *osais_json_member_dup_text        (JsonObject  *object,
                                                const char  *name);

G_END_DECLS
