/* osais-engine-request.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An engine's request: the values given (as text, by parameter name)
 * checked against the descriptor and turned into the body OSAIS takes,
 * autofill and defaults applied; and what a parameter allows, said for
 * error messages and help.
 */

#define G_LOG_DOMAIN "OsaisEngine"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "osais-engine-private.h"
#include "osais-protocol.h"

/* Describing what a param allows, for error messages and help text */

static void
append_number (GString *str,
               double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (str, g_ascii_formatd (buf, sizeof buf, "%g", d));
}

static void
append_scalar (GString  *str,
               JsonNode *node)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (str, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;

    case G_TYPE_DOUBLE:
      append_number (str, json_node_get_double (node));
      break;

    case G_TYPE_BOOLEAN:
      g_string_append (str, json_node_get_boolean (node) ? "true" : "false");
      break;

    case G_TYPE_STRING:
      g_string_append (str, json_node_get_string (node));
      break;

    default:
      g_string_append (str, "null");
    }
}

static gboolean
param_is_numeric (const OsaisEngineParam *param)
{
  return param->type == OSAIS_PARAM_TYPE_INT ||
         param->type == OSAIS_PARAM_TYPE_FLOAT ||
         _osais_engine_is_random_function (param);
}

/* The bounds a numeric value must respect: ui min/max and accept.$max. */
static gboolean
param_get_bounds (const OsaisEngineParam *param,
                  double                 *lower,
                  double                 *upper)
{
  *lower = -G_MAXDOUBLE;
  *upper = G_MAXDOUBLE;

  if (!param_is_numeric (param))
    return FALSE;

  if (param->has_range)
    {
      *lower = param->min;
      *upper = param->max;
    }

  if (param->has_accept_max)
    *upper = MIN (*upper, param->accept_max);

  return *lower > -G_MAXDOUBLE || *upper < G_MAXDOUBLE;
}

/**
 * osais_engine_param_describe_allowed:
 * @param: a param of an engine
 *
 * Says in words what @param accepts, such as “one of 320, 384, 512” or
 * “an integer from 1 to 200”: for error messages and help text.
 *
 * Returns: (transfer full): the description
 */
char *
osais_engine_param_describe_allowed (const OsaisEngineParam *param)
{
  g_autoptr(GString) low = g_string_new (NULL);
  g_autoptr(GString) high = g_string_new (NULL);
  const char *kind;
  double lower, upper;

  g_return_val_if_fail (param != NULL, NULL);

  /* Whole sentences go to the translators: the words do not come in
   * English's order in every language. */
  if (param->accept_values != NULL && param->accept_values->len > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint i = 0; i < param->accept_values->len; i++)
        {
          if (i > 0)
            g_string_append (list, ", ");
          append_scalar (list, g_ptr_array_index (param->accept_values, i));
        }

      /* TRANSLATORS: what a parameter accepts; %s is a list of values */
      return g_strdup_printf (_("one of %s"), list->str);
    }

  switch (param->type)
    {
    case OSAIS_PARAM_TYPE_INT:
      kind = _("an integer");
      break;

    case OSAIS_PARAM_TYPE_FLOAT:
      kind = _("a number");
      break;

    case OSAIS_PARAM_TYPE_BOOLEAN:
      /* TRANSLATORS: the words in parentheses are typed as they are */
      kind = _("true or false (or yes/no, 1/0)");
      break;

    case OSAIS_PARAM_TYPE_STRING:
      /* OSAIS downloads the input image from this URL (PROTOCOL.md §2). */
      if (param->widget == OSAIS_PARAM_WIDGET_SELECT_PICTURE ||
          g_str_equal (param->name, "url_upload"))
        kind = _("the URL of an input image");
      else
        kind = C_("what a parameter accepts", "text");
      break;

    case OSAIS_PARAM_TYPE_FUNCTION:
      kind = _("an integer seed (random when not given)");
      break;

    default:
      g_assert_not_reached ();
    }

  if (!param_get_bounds (param, &lower, &upper))
    return g_strdup (kind);

  append_number (low, lower);
  append_number (high, upper);
  if (lower > -G_MAXDOUBLE && upper < G_MAXDOUBLE)
    /* TRANSLATORS: “an integer from 1 to 50” */
    return g_strdup_printf (_("%s from %s to %s"), kind, low->str, high->str);
  if (lower > -G_MAXDOUBLE)
    /* TRANSLATORS: “an integer of at least 1” */
    return g_strdup_printf (_("%s of at least %s"), kind, low->str);
  /* TRANSLATORS: “a number of at most 2.5” */
  return g_strdup_printf (_("%s of at most %s"), kind, high->str);
}

/* Building a request */

static JsonNode *
value_from_text (const OsaisEngineParam  *param,
                 const char              *text,
                 GError                 **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *allowed = NULL;
  gint64 i;
  double d;
  char *end = NULL;

  switch (param->type)
    {
    case OSAIS_PARAM_TYPE_STRING:
      return json_node_init_string (json_node_alloc (), text);

    case OSAIS_PARAM_TYPE_INT:
    case OSAIS_PARAM_TYPE_FUNCTION:
      /* A function param is only ever sent when it is the $random seed. */
      if (g_ascii_string_to_signed (stripped, 10, G_MININT64, G_MAXINT64, &i, NULL))
        return json_node_init_int (json_node_alloc (), i);
      break;

    case OSAIS_PARAM_TYPE_FLOAT:
      errno = 0;
      d = g_ascii_strtod (stripped, &end);
      if (end != stripped && *end == '\0' && errno == 0 && isfinite (d))
        return json_node_init_double (json_node_alloc (), d);
      break;

    case OSAIS_PARAM_TYPE_BOOLEAN:
      if (g_ascii_strcasecmp (stripped, "true") == 0 ||
          g_ascii_strcasecmp (stripped, "yes") == 0 ||
          g_str_equal (stripped, "1"))
        return json_node_init_boolean (json_node_alloc (), TRUE);
      if (g_ascii_strcasecmp (stripped, "false") == 0 ||
          g_ascii_strcasecmp (stripped, "no") == 0 ||
          g_str_equal (stripped, "0"))
        return json_node_init_boolean (json_node_alloc (), FALSE);
      break;

    default:
      g_assert_not_reached ();
    }

  allowed = osais_engine_param_describe_allowed (param);
  g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE,
               _("“%s” is not a valid value for “%s”: expected %s"), text, param->name, allowed);

  return NULL;
}

static gboolean
scalars_equal (JsonNode *a,
               JsonNode *b)
{
  g_autoptr(GString) text_a = g_string_new (NULL);
  g_autoptr(GString) text_b = g_string_new (NULL);

  if (_osais_engine_node_is_number (a) && _osais_engine_node_is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);

  /* Published lists mix forms (a "1" among ints would still mean 1). */
  append_scalar (text_a, a);
  append_scalar (text_b, b);

  return g_string_equal (text_a, text_b);
}

static gboolean
check_value (const OsaisEngineParam  *param,
             JsonNode                *value,
             GError                 **error)
{
  g_autofree char *allowed = NULL;
  g_autoptr(GString) shown = g_string_new (NULL);
  double lower, upper;
  gboolean ok = TRUE;

  if (param->accept_values != NULL && param->accept_values->len > 0)
    {
      ok = FALSE;
      for (guint i = 0; i < param->accept_values->len && !ok; i++)
        ok = scalars_equal (g_ptr_array_index (param->accept_values, i), value);
    }

  if (ok && _osais_engine_node_is_number (value) && param_get_bounds (param, &lower, &upper))
    {
      double d = json_node_get_double (value);

      ok = d >= lower && d <= upper;
    }

  if (ok)
    return TRUE;

  allowed = osais_engine_param_describe_allowed (param);
  append_scalar (shown, value);
  g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE,
               _("%s is not a valid value for “%s”: expected %s"), shown->str, param->name,
               allowed);

  return FALSE;
}

static const char *
lookup_value (GHashTable *values,
              const char *name)
{
  const char *text;

  if (values == NULL)
    return NULL;

  text = g_hash_table_lookup (values, name);

  /* An empty field in a form means “not given”, not an empty value. */
  if (text == NULL)
    return NULL;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return text;
    }

  return NULL;
}

static gboolean
check_unknown_keys (OsaisEngine  *self,
                    GHashTable   *values,
                    GError      **error)
{
  g_autofree const char **keys = NULL;
  g_autoptr(GString) unknown = g_string_new (NULL);
  g_autoptr(GString) known = g_string_new (NULL);
  guint n_unknown = 0;
  guint n_keys;

  if (values == NULL)
    return TRUE;

  keys = (const char **)g_hash_table_get_keys_as_array (values, &n_keys);
  qsort (keys, n_keys, sizeof (char *), _osais_engine_compare_strings);

  for (guint i = 0; i < n_keys; i++)
    {
      const OsaisEngineParam *param = osais_engine_find_param (self, keys[i]);

      /* The AI-side params exist, but a client cannot set them. */
      if (param == NULL || !param->sent)
        g_string_append_printf (unknown, "%s“%s”", n_unknown++ > 0 ? ", " : "", keys[i]);
    }

  if (n_unknown == 0)
    return TRUE;

  for (guint i = 0; i < self->params->len; i++)
    {
      const OsaisEngineParam *param = g_ptr_array_index (self->params, i);

      if (param->sent)
        g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", param->name);
    }

  g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_PARAMETER,
               _("engine “%s” has no parameter %s that a client can set; its parameters are: %s"),
               self->name, unknown->str, known->str);

  return FALSE;
}

typedef struct
{
  OsaisEngine  *engine;
  GHashTable   *values;
  JsonNode    **resolved;  /* per param; NULL = omitted */
  guint8       *state;     /* per param: one of the RESOLVE_* below */
  const OsaisEngineParam *failed;  /* the param an error is about */
} BuildState;

enum {
  RESOLVE_PENDING,
  RESOLVE_BUSY,
  RESOLVE_DONE,
};

/* The param whose ui.autofill lists @index, if any. */
static gint
find_autofill_source (OsaisEngine *self,
                      guint        index)
{
  const OsaisEngineParam *target = g_ptr_array_index (self->params, index);

  for (guint i = 0; i < self->params->len; i++)
    {
      const OsaisEngineParam *param = g_ptr_array_index (self->params, i);

      if (i != index && param->sent && param->autofill != NULL &&
          g_strv_contains ((const char * const *)param->autofill, target->name))
        return (gint)i;
    }

  return -1;
}

static gboolean
resolve_param (BuildState  *state,
               guint        index,
               GError     **error)
{
  const OsaisEngineParam *param = g_ptr_array_index (state->engine->params, index);
  g_autoptr(JsonNode) value = NULL;
  const char *text;
  gint source;

  if (state->state[index] != RESOLVE_PENDING)
    return TRUE;

  state->state[index] = RESOLVE_BUSY;

  text = lookup_value (state->values, param->name);
  source = find_autofill_source (state->engine, index);

  if (text != NULL)
    {
      value = value_from_text (param, text, error);
      if (value == NULL)
        {
          state->failed = param;
          return FALSE;
        }
    }
  else if (source >= 0 && state->state[source] != RESOLVE_BUSY)
    {
      /* Not given itself: follow the param that autofills it (height
       * follows width), even when that one took its own default. */
      if (!resolve_param (state, (guint)source, error))
        return FALSE;

      if (state->resolved[source] != NULL)
        value = _osais_engine_default_to_type (param->type, state->resolved[source]);
    }

  if (value == NULL && text == NULL)
    {
      if (_osais_engine_is_random_function (param))
        value = json_node_init_int (json_node_alloc (), g_random_int_range (1, G_MAXINT32));
      else if (param->default_value != NULL)
        value = json_node_copy (param->default_value);
    }

  if (value == NULL)
    {
      if (param->mandatory)
        {
          g_autofree char *allowed = osais_engine_param_describe_allowed (param);

          state->failed = param;
          g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_MISSING_PARAMETER,
                       _("engine “%s” needs a value for “%s”: %s"),
                       state->engine->name, param->name, allowed);
          return FALSE;
        }
    }
  else if (!check_value (param, value, error))
    {
      state->failed = param;
      if (source >= 0 && text == NULL)
        {
          const OsaisEngineParam *followed = g_ptr_array_index (state->engine->params,
                                                                source);

          /* TRANSLATORS: “height” follows “width”: (the reason follows) */
          g_prefix_error (error, _("“%s” follows “%s”: "), param->name, followed->name);
          /* The value came from there: that is where it can be mended. */
          state->failed = followed;
        }
      return FALSE;
    }

  state->resolved[index] = g_steal_pointer (&value);
  state->state[index] = RESOLVE_DONE;

  return TRUE;
}

JsonObject *
osais_engine_build_request (OsaisEngine  *self,
                            GHashTable   *values,
                            GError      **error)
{
  return osais_engine_build_request_full (self, values, NULL, error);
}

JsonObject *
osais_engine_build_request_full (OsaisEngine             *self,
                                 GHashTable              *values,
                                 const OsaisEngineParam **failed_param,
                                 GError                 **error)
{
  g_autoptr(JsonObject) body = NULL;
  BuildState state = { 0 };
  gboolean ok = TRUE;
  guint n;

  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (failed_param != NULL)
    *failed_param = NULL;

  if (!check_unknown_keys (self, values, error))
    return NULL;

  n = self->params->len;
  state.engine = self;
  state.values = values;
  state.resolved = g_new0 (JsonNode *, n);
  state.state = g_new0 (guint8, n);

  for (guint i = 0; i < n && ok; i++)
    {
      const OsaisEngineParam *param = g_ptr_array_index (self->params, i);

      if (param->sent)
        ok = resolve_param (&state, i, error);
    }

  if (!ok && failed_param != NULL)
    *failed_param = state.failed;

  if (ok)
    {
      body = json_object_new ();
      for (guint i = 0; i < n; i++)
        {
          const OsaisEngineParam *param = g_ptr_array_index (self->params, i);

          if (state.resolved[i] != NULL)
            json_object_set_member (body, param->name, g_steal_pointer (&state.resolved[i]));
        }
    }

  for (guint i = 0; i < n; i++)
    g_clear_pointer (&state.resolved[i], json_node_unref);
  g_free (state.resolved);
  g_free (state.state);

  return g_steal_pointer (&body);
}
