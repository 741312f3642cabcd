/* osais-multipart.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bounds of the multipart parser; a body that exceeds one is refused. */
#define OSAIS_MULTIPART_MAX_PARTS           32
#define OSAIS_MULTIPART_MAX_FILE_PARTS      1
#define OSAIS_MULTIPART_MAX_BOUNDARY_LENGTH 70   /* RFC 2046 */
#define OSAIS_MULTIPART_MAX_HEADER_LENGTH   8192 /* all headers of one part */
#define OSAIS_MULTIPART_MAX_FIELD_LENGTH    4096 /* value of a non-file part */

typedef struct
{
  GHashTable *fields;             /* field name → value (UTF-8 strings) */
  char       *file_field_name;    /* nullable: the file part's field name */
  char       *file_content_type;  /* nullable: as declared; never trusted */
  char       *file_name;          /* nullable: as declared; never used as a path */
  GBytes     *file_data;          /* nullable: the file part's bytes */
} OsaisMultipartForm;

/* Parses a multipart/form-data body. @content_type is the full header
 * value (with its boundary parameter). Errors are OSAIS_PROTOCOL_ERROR_MALFORMED. */
OsaisMultipartForm *osais_multipart_form_parse (const char          *content_type,
                                                GBytes              *body,
                                                GError             **error);
void                osais_multipart_form_free  (OsaisMultipartForm  *form);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisMultipartForm, osais_multipart_form_free)

G_END_DECLS
