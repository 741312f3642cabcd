/* osais-param-format.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisParamFormat"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "osais-param-format.h"

const char *
osais_param_format_title (const OsaisEngineParam *param)
{
  const char *title;

  g_return_val_if_fail (param != NULL, NULL);

  title = osais_engine_param_get_title (param);

  return title != NULL && *title != '\0' ? title : param->name;
}

static gboolean
scalars_equal (JsonNode *a,
               JsonNode *b)
{
  GType type_a = json_node_get_value_type (a);
  GType type_b = json_node_get_value_type (b);

  /* 512 and 512.0 are one choice. */
  if ((type_a == G_TYPE_INT64 || type_a == G_TYPE_DOUBLE) &&
      (type_b == G_TYPE_INT64 || type_b == G_TYPE_DOUBLE))
    return json_node_get_double (a) == json_node_get_double (b);

  return json_node_equal (a, b);
}

/* A number with at most two decimals (what a slider sets), without trailing
 * zeros, as the form's slider label writes it. */
static char *
format_number (const OsaisEngineParam *param,
               double                  value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (param->type == OSAIS_PARAM_TYPE_INT)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) round (value));

  g_ascii_formatd (buf, sizeof buf, "%.2f", value);
  if (strchr (buf, '.') != NULL)
    {
      char *end = buf + strlen (buf) - 1;

      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }

  return g_strdup (buf);
}

char *
osais_param_format_value (const OsaisEngineParam *param,
                          JsonNode               *value)
{
  const char *unit;
  g_autofree char *text = NULL;
  GType type;

  g_return_val_if_fail (param != NULL, NULL);

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;

  type = json_node_get_value_type (value);
  unit = osais_engine_param_get_unit (param);

  for (guint i = 0; param->accept_values != NULL && i < param->accept_values->len; i++)
    {
      JsonNode *choice = g_ptr_array_index (param->accept_values, i);
      const char *label = osais_engine_param_get_choice_label (param, i);

      if (label != NULL && JSON_NODE_HOLDS_VALUE (choice) && scalars_equal (choice, value))
        return g_strdup (label);
    }

  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    {
      double number = json_node_get_double (value);

      if (param->display_as_percent && param->has_range && param->max > param->min)
        /* TRANSLATORS: a slider's value as a percentage of its range */
        return g_strdup_printf (_("%.0f %%"), (number - param->min) * 100
                                              / (param->max - param->min));

      text = format_number (param, number);
    }
  else if (type == G_TYPE_BOOLEAN)
    text = g_strdup (json_node_get_boolean (value) ? _("Yes") : _("No"));
  else if (type == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (value));
  else
    return NULL;

  if (unit != NULL && *unit != '\0')
    return g_strdup_printf ("%s %s", text, unit);

  return g_steal_pointer (&text);
}
