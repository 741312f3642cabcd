/* osais-engine.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osais-types.h"

G_BEGIN_DECLS

#define OSAIS_ENGINE_ERROR (osais_engine_error_quark ())

typedef enum
{
  OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR, /* a descriptor we cannot read */
  OSAIS_ENGINE_ERROR_UNKNOWN_ENGINE,
  OSAIS_ENGINE_ERROR_UNKNOWN_PARAMETER,  /* a value for a parameter the engine lacks */
  OSAIS_ENGINE_ERROR_MISSING_PARAMETER,  /* a mandatory parameter without value */
  OSAIS_ENGINE_ERROR_INVALID_VALUE,      /* wrong type, not in accept.$in, out of min/max */
  OSAIS_ENGINE_ERROR_INVALID_INPUT,      /* an input image outside the engine's limits */
} OsaisEngineError;

GQuark osais_engine_error_quark (void);

typedef enum
{
  OSAIS_PARAM_TYPE_STRING,
  OSAIS_PARAM_TYPE_INT,
  OSAIS_PARAM_TYPE_FLOAT,
  OSAIS_PARAM_TYPE_BOOLEAN,
  OSAIS_PARAM_TYPE_FUNCTION,
} OsaisParamType;

typedef enum
{
  OSAIS_PARAM_WIDGET_NONE,
  OSAIS_PARAM_WIDGET_EDIT,           /* uiEdit */
  OSAIS_PARAM_WIDGET_RANGE_SLIDER,   /* uiRangeSlider */
  OSAIS_PARAM_WIDGET_MULTI_TOGGLE,   /* uiMultiToggle */
  OSAIS_PARAM_WIDGET_SELECT_PICTURE, /* uiSelectPicture */
} OsaisParamWidget;

/* One parameter of a descriptor, read-only, owned by its engine. */
typedef struct
{
  char             *name;            /* "in" */
  OsaisParamType    type;
  gboolean          mandatory;
  JsonNode         *default_value;   /* nullable; from "default" or "value.default" */
  gboolean          sent;            /* FALSE for AI-side params (output, idir, odir, model) */
  GPtrArray        *accept_values;   /* nullable; JsonNode* from accept.$in */
  GStrv             accept_labels;   /* nullable; accept.display */
  gboolean          has_accept_max;
  double            accept_max;      /* accept.$max */
  OsaisParamWidget  widget;
  char             *title;           /* nullable */
  char             *placeholder;     /* nullable */
  char             *tooltip;         /* nullable */
  char             *unit;            /* nullable */
  gboolean          has_range;
  double            min;
  double            max;
  gboolean          display_as_percent;
  int               column;
  char             *conditional_null;   /* nullable: shown while that param is empty */
  char             *conditional_exist;  /* nullable: shown while that param is set */
  GStrv             autofill;           /* nullable */
  GStrv             filter_ext;         /* nullable: uiSelectPicture */
  guint             min_width, max_width, min_height, max_height; /* 0 = none */
  guint             max_kb;                                        /* 0 = none */
  /* The catalogue of the display texts above (title, placeholder, tooltip,
   * unit, accept_labels): GETTEXT_PACKAGE for a bundled engine, NULL for
   * the others, which have no catalogue. Show those texts through
   * osais_engine_param_get_title() and its siblings, which look them up. */
  const char       *translation_domain;
} OsaisEngineParam;

#define OSAIS_TYPE_ENGINE (osais_engine_get_type ())

/* Read-only properties: name (the id sent in the URL: "engine", else "name"),
 * title (the display name), version, description, default-cost (int64 ms).
 * The title and the description are display texts: a bundled engine's come
 * from the translation catalogue (build-aux/engine-strings.py lists them for
 * xgettext); a user's descriptor is shown as written. */
G_DECLARE_FINAL_TYPE (OsaisEngine, osais_engine, OSAIS, ENGINE, GObject)

OsaisEngine            *osais_engine_new_from_json     (JsonNode     *descriptor,
                                                        GError      **error);
OsaisEngine            *osais_engine_new_from_bytes    (GBytes       *json,
                                                        GError      **error);
const char             *osais_engine_get_name          (OsaisEngine  *self);
const char             *osais_engine_get_title         (OsaisEngine  *self);
const char             *osais_engine_get_version       (OsaisEngine  *self);
const char             *osais_engine_get_description   (OsaisEngine  *self);
gint64                  osais_engine_get_default_cost  (OsaisEngine  *self);
guint                   osais_engine_get_n_params      (OsaisEngine  *self);
const OsaisEngineParam *osais_engine_get_param         (OsaisEngine  *self,
                                                        guint         index);
const OsaisEngineParam *osais_engine_find_param        (OsaisEngine  *self,
                                                        const char   *name);
/* The uiSelectPicture parameter, if the engine takes an input image; else a
 * sent string param named "url_upload" (ping's has no ui). */
const OsaisEngineParam *osais_engine_get_input_param   (OsaisEngine  *self);

/* The display texts of a param: the descriptor's, translated when its
 * engine is bundled; NULL when the descriptor has none. Only for showing:
 * names and values sent to OSAIS are never translated. */
const char             *osais_engine_param_get_title        (const OsaisEngineParam *param);
const char             *osais_engine_param_get_placeholder  (const OsaisEngineParam *param);
const char             *osais_engine_param_get_tooltip      (const OsaisEngineParam *param);
const char             *osais_engine_param_get_unit         (const OsaisEngineParam *param);
/* The label of the accept.$in value at @index (accept.display), or NULL. */
const char             *osais_engine_param_get_choice_label (const OsaisEngineParam *param,
                                                             guint                   index);

/* Checks @bytes as @self's input image: reads its type and size from its
 * header (osais_image_check(), OSAIS_IMAGE_CHECK_ERROR when it cannot), then
 * holds them against the input parameter's uiSelectPicture limits
 * (filterExt, maxKb, min/max width and height): INVALID_INPUT with a
 * translated sentence naming the limit, or when the engine takes no image.
 * @content_type (static), @width and @height are nullable and set whenever
 * the header could be read, even if a limit is not met. The one check both
 * the form (to mark the field) and the session (before serving) make. */
gboolean                osais_engine_check_input       (OsaisEngine  *self,
                                                        GBytes       *bytes,
                                                        const char  **content_type,
                                                        guint        *width,
                                                        guint        *height,
                                                        GError      **error);

/* What @param accepts, in words ("one of 320, 384", "an integer from 1 to
 * 200"): the text the request builder's errors use, for help and forms. */
char                   *osais_engine_param_describe_allowed (const OsaisEngineParam *param);

/* Builds the JSON body of a request from @values (param name → text as a
 * person typed it; nullable): fills defaults, turns $random into a seed,
 * converts types, validates mandatory, accept.$in, accept.$max and ui
 * min/max with an error naming the parameter, and keeps only what a client
 * sends. A param listed in another's ui.autofill takes that param's value
 * when not given itself. Empty or blank text counts as not given. A value for
 * a param the client does not send (output, idir, …) is UNKNOWN_PARAMETER. */
JsonObject             *osais_engine_build_request     (OsaisEngine  *self,
                                                        GHashTable   *values,
                                                        GError      **error);
/* The same, also saying which param a MISSING_PARAMETER or INVALID_VALUE
 * error is about (@failed_param, nullable; NULL for the other errors): the
 * param whose value is wrong or missing, or, when a value followed another
 * param's (ui.autofill), the param it followed, where it can be mended. The
 * message is translated: a form marks the field from @failed_param, never
 * from the words. */
JsonObject             *osais_engine_build_request_full (OsaisEngine             *self,
                                                         GHashTable              *values,
                                                         const OsaisEngineParam **failed_param,
                                                         GError                 **error);

/* The bundled engines (GResource) then the user's
 * ($XDG_CONFIG_HOME/osais-studio/engines/NAME.json, which override by name).
 * A user descriptor that cannot be read is skipped with a g_warning-free
 * message in @warnings (nullable). Returns a GListModel of OsaisEngine sorted by name.
 * @warnings: if *warnings is NULL it is set to a new array of char* (freed with
 * it, maybe empty); otherwise the messages are appended to it. */
GListModel             *osais_engines_load             (GPtrArray   **warnings);
/* Returns a borrowed engine (transfer none: @engines keeps it), or NULL. */
OsaisEngine            *osais_engines_lookup           (GListModel   *engines,
                                                        const char   *name);

G_END_DECLS
