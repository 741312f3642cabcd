/* osais-styles.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Forms kept by name ("styles"), and the last form sent, in a JSON file of
 * the data folder:
 *   {"styles": [{"name": NAME, "engine": ENGINE, "values": {NAME: TEXT…}}]}
 * Read and written in a thread; written atomically (a temporary file
 * renamed over the old one). */
#define OSAIS_STYLES_FILE     "styles.json"
#define OSAIS_LAST_FORM_FILE  "last-form.json"
#define OSAIS_STYLES_MAX_SIZE (1024 * 1024)

#define OSAIS_STYLES_ERROR (osais_styles_error_quark ())

typedef enum
{
  OSAIS_STYLES_ERROR_BROKEN,   /* the file is not a styles file we can read */
} OsaisStylesError;

GQuark osais_styles_error_quark (void);

typedef struct
{
  char *name;
  char *engine;
  char *values;   /* a JSON object text: the form's values as text, by name */
} OsaisStyle;

OsaisStyle *osais_style_new  (const char *name,
                              const char *engine,
                              const char *values);
OsaisStyle *osais_style_copy (const OsaisStyle *style);
void        osais_style_free (OsaisStyle *style);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisStyle, osais_style_free)

/* Parses a styles file's contents: a GPtrArray of OsaisStyle (a style with
 * no engine or values object is an error: the file is not ours). */
GPtrArray  *osais_styles_parse      (const char    *data,
                                     gsize          length,
                                     GError       **error);
char       *osais_styles_serialize  (GPtrArray     *styles);

/* The styles of @file; none when it does not exist; OSAIS_STYLES_ERROR_BROKEN
 * when it cannot be read as one. */
void        osais_styles_load_async  (GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GPtrArray  *osais_styles_load_finish (GAsyncResult        *result,
                                      GError             **error);

/* Writes @styles to @file. When @keep_broken, an existing file that is not
 * readable as styles is first renamed (to "NAME.broken", or
 * "NAME.broken-2"…), never overwritten: its path is given in @kept_as.
 * Without, such a file is left alone and the save fails with
 * OSAIS_STYLES_ERROR_BROKEN. */
void        osais_styles_save_async  (GFile               *file,
                                      GPtrArray           *styles,
                                      gboolean             keep_broken,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean    osais_styles_save_finish (GAsyncResult        *result,
                                      char               **kept_as,
                                      GError             **error);

G_END_DECLS
