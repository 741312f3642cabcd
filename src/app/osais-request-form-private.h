/* osais-request-form-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The request form's insides, shared by osais-request-form.c (values,
 * validation, the public API) and osais-request-form-fields.c (building
 * the fields).
 */

#pragma once

#include "osais-input-well.h"
#include "osais-prompt-history.h"
#include "osais-request-form.h"
#include "osais-style-popover.h"

G_BEGIN_DECLS

/* Linked toggles per line: short labels fit six in the sidebar, longer
 * ones ("512x512") three. */
#define TOGGLES_PER_LINE_SHORT 6
#define TOGGLES_PER_LINE_LONG  3

typedef enum
{
  FIELD_PROMPT,
  FIELD_ENTRY,
  FIELD_SLIDER,
  FIELD_TOGGLES,
  FIELD_SEED,
} FieldKind;

/* One parameter's widgets. */
typedef struct
{
  OsaisRequestForm       *form;
  const OsaisEngineParam *param;
  FieldKind               kind;
  GtkWidget              *row;       /* shown or hidden by conditional, marked on error */
  GtkEditable            *editable;  /* ENTRY, SEED */
  GtkRange               *scale;     /* SLIDER */
  GtkLabel               *value_label;
  GPtrArray              *toggles;   /* TOGGLES: GtkToggleButton, one per accept value */
} Field;

struct _OsaisRequestForm
{
  AdwBin          parent_instance;

  OsaisEngine    *engine;
  GPtrArray      *fields;        /* Field */
  GPtrArray      *groups;        /* the generated groups, to remove */
  char           *invalid_reason;
  char           *invalid_hint;
  char           *last_seed;
  gboolean        valid;
  gboolean        updating;      /* filling fields: validate once at the end */
  const OsaisEngineParam *prompt_param;

  /* Template widgets */
  AdwStatusPage  *empty_page;
  GtkWidget      *prompt_box;
  GtkLabel       *prompt_title;
  GtkWidget      *prompt_frame;
  GtkTextView    *prompt_view;
  GtkTextBuffer  *prompt_buffer;
  GtkLabel       *prompt_placeholder;
  GtkLabel       *prompt_error;
  AdwPreferencesGroup *input_group;
  OsaisInputWell *input_well;
  GtkBox         *params_box;
  GtkLabel       *reason_label;
  OsaisPromptHistory *prompt_history;
  OsaisStylePopover *style_popover;
  GtkLabel       *cost_label;
};

void      _osais_request_form_build_fields   (OsaisRequestForm       *self);
void      _osais_request_form_clear_fields   (OsaisRequestForm       *self);
void      _osais_request_form_validate       (OsaisRequestForm       *self);
void      _osais_request_form_field_changed  (OsaisRequestForm       *self,
                                              Field                  *field);
void      _osais_request_form_field_reset    (OsaisRequestForm       *self,
                                              Field                  *field);
void      _osais_request_form_prompt_changed (OsaisRequestForm       *self);
void      _osais_request_form_input_changed  (OsaisRequestForm       *self);
/* A JSON scalar as the text a person would type. */
char     *_osais_request_form_scalar_to_text (JsonNode              *node);
gboolean  _osais_request_form_param_is_seed  (const OsaisEngineParam *param);

G_END_DECLS
