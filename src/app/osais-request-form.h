/* osais-request-form.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_REQUEST_FORM (osais_request_form_get_type ())

/* The request form, generated from an engine's descriptor.
 *
 * Properties: engine (OsaisEngine, nullable: no form), valid (boolean,
 * read-only: every field is acceptable, so Run may be enabled),
 * invalid-reason (string, read-only, nullable: which field is wrong and why),
 * invalid-hint (string, read-only, nullable: what to do about it, in a few words),
 * has-input (boolean, read-only: an input image is set). */
G_DECLARE_FINAL_TYPE (OsaisRequestForm, osais_request_form, OSAIS, REQUEST_FORM, AdwBin)

GtkWidget   *osais_request_form_new                (void);
OsaisEngine *osais_request_form_get_engine         (OsaisRequestForm *self);
void         osais_request_form_set_engine         (OsaisRequestForm *self,
                                                    OsaisEngine      *engine);
gboolean     osais_request_form_get_valid          (OsaisRequestForm *self);
const char  *osais_request_form_get_invalid_reason (OsaisRequestForm *self);
const char  *osais_request_form_get_invalid_hint   (OsaisRequestForm *self);
/* The values to send, as text by parameter name (for osais_session_submit_async). */
GHashTable  *osais_request_form_dup_values         (OsaisRequestForm *self);
/* The same as a JSON object text: what a style or the last form keeps. */
char        *osais_request_form_dup_values_json    (OsaisRequestForm *self);
/* Fills the fields from a job's parameters (a JSON object text): Reuse Parameters. */
void         osais_request_form_set_values_from_json (OsaisRequestForm *self,
                                                      const char       *parameters);
/* The input image (bytes and content type), or NULL. */
GBytes      *osais_request_form_dup_input          (OsaisRequestForm *self,
                                                    const char      **content_type);
/* Sets the input image from a file; errors (type, size limits) are shown on the
 * well and returned. Loading is asynchronous: the well shows it when ready. */
void         osais_request_form_set_input_file     (OsaisRequestForm *self,
                                                    GFile            *file);
void         osais_request_form_set_input_bytes    (OsaisRequestForm *self,
                                                    GBytes           *bytes);
gboolean     osais_request_form_get_has_input      (OsaisRequestForm *self);
/* Empties every field back to the descriptor's defaults (Ctrl+Shift+R). */
void         osais_request_form_reset              (OsaisRequestForm *self);
/* Puts the keyboard focus in the prompt (or the first field). */
gboolean     osais_request_form_focus_prompt       (OsaisRequestForm *self);
/* The jobs (newest first) whose prompts the prompt's history offers. */
void         osais_request_form_set_jobs           (OsaisRequestForm *self,
                                                    GListModel       *jobs);
/* The engines installed, for the titles the styles popover shows. */
void         osais_request_form_set_engines        (OsaisRequestForm *self,
                                                    GListModel       *engines);
/* The file the form's styles are kept in (see osais-styles.h), or NULL. */
void         osais_request_form_set_styles_file    (OsaisRequestForm *self,
                                                    GFile            *file);
/* The widget of a parameter (its row, the prompt's text view, the input
 * well), or NULL when the parameter has none: for tests and focus. */
GtkWidget   *osais_request_form_get_field          (OsaisRequestForm *self,
                                                    const char       *name);
/* How many parameters have a field (the input well not counted). */
guint        osais_request_form_get_n_fields       (OsaisRequestForm *self);

G_END_DECLS
