/* osais-engine.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An engine read from its descriptor (the AI's parameters, their widgets,
 * limits and display texts), checking an input image against it, and the
 * bundled and user engines loaded. Turning a form's values into a request
 * body, and saying what a parameter allows, are in osais-engine-request.c.
 */

#define G_LOG_DOMAIN "OsaisEngine"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "osais-engine-private.h"
#include "osais-protocol.h"
#include "osais-image-check.h"

#define ENGINES_RESOURCE_PATH "/com/opensourceais/Studio/engines/"

G_DEFINE_FINAL_TYPE (OsaisEngine, osais_engine, G_TYPE_OBJECT)

G_DEFINE_QUARK (osais-engine-error-quark, osais_engine_error)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_VERSION,
  PROP_DESCRIPTION,
  PROP_DEFAULT_COST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Params that exist only for the AI side (its own paths and model file):
 * the published descriptors list them without a ui, and a client that sent
 * them would be telling the AI where to read and write on its own disk. */
static const char * const ai_side_params[] = { "output", "idir", "odir", "model", NULL };

static void
osais_engine_param_free (OsaisEngineParam *param)
{
  g_free (param->name);
  g_clear_pointer (&param->default_value, json_node_unref);
  g_clear_pointer (&param->accept_values, g_ptr_array_unref);
  g_strfreev (param->accept_labels);
  g_free (param->title);
  g_free (param->placeholder);
  g_free (param->tooltip);
  g_free (param->unit);
  g_free (param->conditional_null);
  g_free (param->conditional_exist);
  g_strfreev (param->autofill);
  g_strfreev (param->filter_ext);
  g_free (param);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisEngineParam, osais_engine_param_free)

static void
osais_engine_finalize (GObject *object)
{
  OsaisEngine *self = (OsaisEngine *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->version, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->params, g_ptr_array_unref);

  G_OBJECT_CLASS (osais_engine_parent_class)->finalize (object);
}

static void
osais_engine_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OsaisEngine *self = OSAIS_ENGINE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TITLE:
      g_value_set_string (value, osais_engine_get_title (self));
      break;

    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, osais_engine_get_description (self));
      break;

    case PROP_DEFAULT_COST:
      g_value_set_int64 (value, self->default_cost);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_engine_class_init (OsaisEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osais_engine_finalize;
  object_class->get_property = osais_engine_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DEFAULT_COST] =
    g_param_spec_int64 ("default-cost", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osais_engine_init (OsaisEngine *self)
{
  self->params = g_ptr_array_new_with_free_func ((GDestroyNotify)osais_engine_param_free);
}

/* Reading descriptors */

gboolean
_osais_engine_node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);

  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

/* A display text of a descriptor as it is shown: looked up in @domain,
 * the catalogue of a bundled engine, or as written without one. An empty
 * text is never looked up: gettext would answer with the catalogue's header. */
static const char *
display_text (const char *domain,
              const char *text)
{
  if (domain == NULL || text == NULL || *text == '\0')
    return text;

  return g_dgettext (domain, text);
}

/* An empty title or tooltip says nothing: the published diffusion.json has
 * `"tooltip": ""`, and a UI should not show an empty tooltip for it. */
static char *
member_dup_nonempty (JsonObject *object,
                     const char *name)
{
  const char *str = osais_json_object_get_string (object, name);

  return (str != NULL && *str != '\0') ? g_strdup (str) : NULL;
}

static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (!_osais_engine_node_is_number (node))
    return FALSE;

  *out = json_node_get_double (node);

  return TRUE;
}

static guint
member_uint (JsonObject *object,
             const char *name)
{
  double d;

  if (!member_number (object, name, &d) || d < 0 || d > G_MAXUINT)
    return 0;

  return (guint)d;
}

static gboolean
member_boolean (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

/* The string elements of an array member; NULL when absent or empty. */
static GStrv
member_strv (JsonObject *object,
             const char *name)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonNode *node = json_object_get_member (object, name);
  JsonArray *array;
  guint n;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
      else
        g_debug ("Ignoring a non-string element of “%s”", name);
    }

  return g_strv_builder_end (builder);
}

static gboolean
parse_type (const char     *str,
            OsaisParamType *type)
{
  static const struct {
    const char     *name;
    OsaisParamType  type;
  } types[] = {
    { "string", OSAIS_PARAM_TYPE_STRING },
    { "int", OSAIS_PARAM_TYPE_INT },
    { "float", OSAIS_PARAM_TYPE_FLOAT },
    { "boolean", OSAIS_PARAM_TYPE_BOOLEAN },
    { "function", OSAIS_PARAM_TYPE_FUNCTION },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (g_strcmp0 (str, types[i].name) == 0)
        {
          *type = types[i].type;
          return TRUE;
        }
    }

  return FALSE;
}

static OsaisParamWidget
parse_widget (const char *str)
{
  if (g_strcmp0 (str, "uiEdit") == 0)
    return OSAIS_PARAM_WIDGET_EDIT;
  if (g_strcmp0 (str, "uiRangeSlider") == 0)
    return OSAIS_PARAM_WIDGET_RANGE_SLIDER;
  if (g_strcmp0 (str, "uiMultiToggle") == 0)
    return OSAIS_PARAM_WIDGET_MULTI_TOGGLE;
  if (g_strcmp0 (str, "uiSelectPicture") == 0)
    return OSAIS_PARAM_WIDGET_SELECT_PICTURE;

  if (str != NULL)
    g_debug ("Unknown widget “%s”, the param gets none", str);

  return OSAIS_PARAM_WIDGET_NONE;
}

/* Brings a descriptor's default to the param's type, so that the request
 * builder can send it as is: a float param may be written with an integer
 * default, an int param with 512.0. NULL when it cannot be. */
JsonNode *
_osais_engine_default_to_type (OsaisParamType  type,
                               JsonNode       *node)
{
  double d;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (type)
    {
    case OSAIS_PARAM_TYPE_INT:
      if (!_osais_engine_node_is_number (node))
        return NULL;
      d = json_node_get_double (node);
      if (d != floor (d) || fabs (d) > 9007199254740992.0)
        return NULL;
      return json_node_init_int (json_node_alloc (), (gint64)d);

    case OSAIS_PARAM_TYPE_FLOAT:
      if (!_osais_engine_node_is_number (node))
        return NULL;
      return json_node_init_double (json_node_alloc (), json_node_get_double (node));

    case OSAIS_PARAM_TYPE_BOOLEAN:
      if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return NULL;
      return json_node_copy (node);

    case OSAIS_PARAM_TYPE_STRING:
    case OSAIS_PARAM_TYPE_FUNCTION:
      if (json_node_get_value_type (node) != G_TYPE_STRING)
        return NULL;
      return json_node_copy (node);

    default:
      g_assert_not_reached ();
    }
}

gboolean
_osais_engine_is_random_function (const OsaisEngineParam *param)
{
  return param->type == OSAIS_PARAM_TYPE_FUNCTION &&
         param->default_value != NULL &&
         g_strcmp0 (json_node_get_string (param->default_value), RANDOM_DEFAULT) == 0;
}

/* Whether the client sends this param (see PROTOCOL.md §5). */
static gboolean
param_is_sent (const OsaisEngineParam *param,
               gboolean                has_ui)
{
  /* A function other than $random ($output_uid.ext) is computed by the AI. */
  if (param->type == OSAIS_PARAM_TYPE_FUNCTION)
    return _osais_engine_is_random_function (param);

  if (has_ui || g_str_equal (param->name, "seed"))
    return TRUE;

  /* Without a ui, a param is still a plain value the AI reads from the
   * request (ping's width and height), unless it is one of the AI's own. */
  return !g_strv_contains (ai_side_params, param->name);
}

static gboolean
parse_accept (OsaisEngineParam  *param,
              JsonObject        *accept,
              GError           **error)
{
  JsonNode *in = json_object_get_member (accept, "$in");

  if (member_number (accept, "$max", &param->accept_max))
    param->has_accept_max = TRUE;

  if (in == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (in))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("accept.$in of param “%s” is not an array"), param->name);
      return FALSE;
    }

  param->accept_values = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (in)); i++)
    {
      JsonNode *value = json_array_get_element (json_node_get_array (in), i);

      if (!JSON_NODE_HOLDS_VALUE (value))
        {
          g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                       _("accept.$in of param “%s” holds a value that is not a scalar"),
                       param->name);
          return FALSE;
        }

      g_ptr_array_add (param->accept_values, json_node_copy (value));
    }

  param->accept_labels = member_strv (accept, "display");

  /* A form shows label i for value i: labels that do not pair up with the
   * values would put the wrong label on a choice, so none is better. */
  if (param->accept_labels != NULL &&
      g_strv_length (param->accept_labels) != param->accept_values->len)
    {
      g_debug ("Param “%s” has %u display labels for %u values; ignoring the labels",
               param->name, g_strv_length (param->accept_labels), param->accept_values->len);
      g_clear_pointer (&param->accept_labels, g_strfreev);
    }

  return TRUE;
}

static void
parse_ui (OsaisEngineParam *param,
          JsonObject       *ui)
{
  JsonNode *conditional = json_object_get_member (ui, "conditional");
  double min, max, column;
  gboolean has_min, has_max;

  param->widget = parse_widget (osais_json_object_get_string (ui, "widget"));
  param->title = member_dup_nonempty (ui, "title");
  param->placeholder = member_dup_nonempty (ui, "placeholder");
  param->tooltip = member_dup_nonempty (ui, "tooltip");
  param->unit = member_dup_nonempty (ui, "unit");
  param->display_as_percent = member_boolean (ui, "displayAs%");

  if (member_number (ui, "column", &column))
    param->column = (int)CLAMP (column, 0, G_MAXINT);

  has_min = member_number (ui, "min", &min);
  has_max = member_number (ui, "max", &max);
  if (has_min || has_max)
    {
      param->has_range = TRUE;
      param->min = has_min ? min : -G_MAXDOUBLE;
      param->max = has_max ? max : G_MAXDOUBLE;
    }

  if (conditional != NULL && JSON_NODE_HOLDS_OBJECT (conditional))
    {
      JsonObject *cond = json_node_get_object (conditional);

      param->conditional_null = member_dup_nonempty (cond, "$null");
      param->conditional_exist = member_dup_nonempty (cond, "$exist");
    }

  param->autofill = member_strv (ui, "autofill");
  param->filter_ext = member_strv (ui, "filterExt");
  param->min_width = member_uint (ui, "minWidth");
  param->max_width = member_uint (ui, "maxWidth");
  param->min_height = member_uint (ui, "minHeight");
  param->max_height = member_uint (ui, "maxHeight");
  param->max_kb = member_uint (ui, "maxKb");
}

static OsaisEngineParam *
parse_param (JsonNode  *node,
             guint      index,
             GError   **error)
{
  g_autoptr(OsaisEngineParam) param = g_new0 (OsaisEngineParam, 1);
  JsonObject *object;
  JsonNode *default_node;
  JsonNode *member;
  const char *name;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("param #%u is not an object"), index);
      return NULL;
    }

  object = json_node_get_object (node);

  name = osais_json_object_get_string (object, "in");
  if (name == NULL || *name == '\0')
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("param #%u has no “in” name"), index);
      return NULL;
    }
  param->name = g_strdup (name);

  type = osais_json_object_get_string (object, "type");
  if (!parse_type (type, &param->type))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("param “%s” has an unknown type “%s” "
                     "(expected string, int, float, boolean or function)"),
                   name, type != NULL ? type : "(none)");
      return NULL;
    }

  param->mandatory = member_boolean (object, "isMandatory");

  /* Both forms are published: ping and diffusion say "default", rembg
   * says "value": {"default": …}. */
  default_node = json_object_get_member (object, "default");
  if (default_node == NULL)
    {
      member = json_object_get_member (object, "value");
      if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
        default_node = json_object_get_member (json_node_get_object (member), "default");
    }

  if (default_node != NULL && !JSON_NODE_HOLDS_NULL (default_node))
    {
      param->default_value = _osais_engine_default_to_type (param->type, default_node);
      if (param->default_value == NULL)
        {
          g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                       _("the default of param “%s” does not fit its type “%s”"),
                       name, type);
          return NULL;
        }
    }

  member = json_object_get_member (object, "accept");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member) &&
      !parse_accept (param, json_node_get_object (member), error))
    return NULL;

  member = json_object_get_member (object, "ui");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    parse_ui (param, json_node_get_object (member));

  param->sent = param_is_sent (param, member != NULL && JSON_NODE_HOLDS_OBJECT (member));

  return g_steal_pointer (&param);
}

/* The engine name goes into the request URL (api/v1/private/client/ai/NAME)
 * and user descriptors are not trusted to keep it a single path segment. */
static gboolean
engine_name_is_valid (const char *name)
{
  if (*name == '\0' || g_str_equal (name, ".") || g_str_equal (name, ".."))
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

/**
 * osais_engine_new_from_json:
 * @descriptor: a published engine descriptor
 * @error: a location for a #GError
 *
 * Reads a descriptor (see PROTOCOL.md §5).
 *
 * Returns: (transfer full): the engine, or %NULL with
 *   %OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR naming what could not be read.
 */
OsaisEngine *
osais_engine_new_from_json (JsonNode  *descriptor,
                            GError   **error)
{
  g_autoptr(OsaisEngine) self = NULL;
  JsonObject *object;
  JsonNode *params;
  const char *name;
  const char *title;
  double cost;

  g_return_val_if_fail (descriptor != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (descriptor))
    {
      g_set_error_literal (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                           _("the descriptor is not a JSON object"));
      return NULL;
    }

  object = json_node_get_object (descriptor);

  /* gfpgan and rembg carry their id in "engine" and a display name in
   * "name"; ping and diffusion have only "name", which is then both. */
  title = osais_json_object_get_string (object, "name");
  name = osais_json_object_get_string (object, "engine");
  if (name == NULL)
    name = title;

  if (name == NULL)
    {
      g_set_error_literal (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                           _("the descriptor has neither “engine” nor “name”"));
      return NULL;
    }

  if (!engine_name_is_valid (name))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("the engine name “%s” may hold only letters, digits, “-”, “_” "
                     "and “.”"),
                   name);
      return NULL;
    }

  params = json_object_get_member (object, "params");
  if (params == NULL || !JSON_NODE_HOLDS_ARRAY (params))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("engine “%s” has no “params” array"), name);
      return NULL;
    }

  self = g_object_new (OSAIS_TYPE_ENGINE, NULL);
  self->name = g_strdup (name);
  self->title = g_strdup (title != NULL ? title : name);
  self->has_display_name = title != NULL && title != name;
  self->version = g_strdup (osais_json_object_get_string (object, "version"));
  self->description = g_strdup (osais_json_object_get_string (object, "description"));
  if (member_number (object, "default_cost", &cost) && cost > 0)
    self->default_cost = (gint64)MIN (cost, (double)G_MAXINT64);

  for (guint i = 0; i < json_array_get_length (json_node_get_array (params)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (params), i);
      OsaisEngineParam *param = parse_param (node, i, error);

      if (param == NULL)
        {
          g_prefix_error (error, "engine “%s”: ", name);
          return NULL;
        }

      /* Two values under one name cannot both be sent. */
      if (osais_engine_find_param (self, param->name) != NULL)
        {
          g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                       _("engine “%s”: param “%s” is declared twice"), name, param->name);
          osais_engine_param_free (param);
          return NULL;
        }

      g_ptr_array_add (self->params, param);
    }

  return g_steal_pointer (&self);
}

/**
 * osais_engine_new_from_bytes:
 * @json: the text of a descriptor
 * @error: a location for a #GError
 *
 * Like osais_engine_new_from_json(), from text; text that is not JSON is
 * an %OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR too.
 *
 * Returns: (transfer full): the engine, or %NULL
 */
OsaisEngine *
osais_engine_new_from_bytes (GBytes  *json,
                             GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize size;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (json, &size);
  if (size > G_MAXSSIZE)
    size = G_MAXSSIZE;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize)size,
                                   &local_error))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                   _("the descriptor is not valid JSON: %s"), local_error->message);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR,
                           _("the descriptor is empty"));
      return NULL;
    }

  return osais_engine_new_from_json (json_parser_get_root (parser), error);
}

const char *
osais_engine_get_name (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);

  return self->name;
}

const char *
osais_engine_get_title (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);

  return self->has_display_name ? display_text (self->translation_domain, self->title)
                                : self->title;
}

const char *
osais_engine_get_version (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);

  return self->version;
}

const char *
osais_engine_get_description (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);

  return display_text (self->translation_domain, self->description);
}

gint64
osais_engine_get_default_cost (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), 0);

  return self->default_cost;
}

guint
osais_engine_get_n_params (OsaisEngine *self)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), 0);

  return self->params->len;
}

const OsaisEngineParam *
osais_engine_get_param (OsaisEngine *self,
                        guint        index)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);
  g_return_val_if_fail (index < self->params->len, NULL);

  return g_ptr_array_index (self->params, index);
}

const OsaisEngineParam *
osais_engine_find_param (OsaisEngine *self,
                         const char  *name)
{
  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->params->len; i++)
    {
      const OsaisEngineParam *param = g_ptr_array_index (self->params, i);

      if (g_str_equal (param->name, name))
        return param;
    }

  return NULL;
}

const OsaisEngineParam *
osais_engine_get_input_param (OsaisEngine *self)
{
  const OsaisEngineParam *param;

  g_return_val_if_fail (OSAIS_IS_ENGINE (self), NULL);

  for (guint i = 0; i < self->params->len; i++)
    {
      param = g_ptr_array_index (self->params, i);

      if (param->widget == OSAIS_PARAM_WIDGET_SELECT_PICTURE)
        return param;
    }

  /* ping's published descriptor has no ui at all, yet its mandatory
   * url_upload is the input image (PROTOCOL.md §2: OSAIS downloads it). */
  param = osais_engine_find_param (self, "url_upload");
  if (param != NULL && param->type == OSAIS_PARAM_TYPE_STRING && param->sent)
    return param;

  return NULL;
}

/* The display texts of a param */

const char *
osais_engine_param_get_title (const OsaisEngineParam *param)
{
  g_return_val_if_fail (param != NULL, NULL);

  return display_text (param->translation_domain, param->title);
}

const char *
osais_engine_param_get_placeholder (const OsaisEngineParam *param)
{
  g_return_val_if_fail (param != NULL, NULL);

  return display_text (param->translation_domain, param->placeholder);
}

const char *
osais_engine_param_get_tooltip (const OsaisEngineParam *param)
{
  g_return_val_if_fail (param != NULL, NULL);

  return display_text (param->translation_domain, param->tooltip);
}

const char *
osais_engine_param_get_unit (const OsaisEngineParam *param)
{
  g_return_val_if_fail (param != NULL, NULL);

  return display_text (param->translation_domain, param->unit);
}

const char *
osais_engine_param_get_choice_label (const OsaisEngineParam *param,
                                     guint                   index)
{
  g_return_val_if_fail (param != NULL, NULL);

  /* parse_accept() keeps labels only when they pair up with the values. */
  if (param->accept_labels == NULL || index >= g_strv_length (param->accept_labels))
    return NULL;

  return display_text (param->translation_domain, param->accept_labels[index]);
}

/* Checking an input image against the engine's limits */

static gboolean
extension_accepted (const OsaisEngineParam *param,
                    const char             *extension)
{
  if (param->filter_ext == NULL || param->filter_ext[0] == NULL)
    return TRUE;

  for (guint i = 0; param->filter_ext[i] != NULL; i++)
    {
      const char *accepted = param->filter_ext[i];

      /* Descriptors write ".png" as often as "png", and "jpeg" for ".jpg". */
      if (*accepted == '.')
        accepted++;
      if (g_ascii_strcasecmp (accepted, extension) == 0
          || (g_str_equal (extension, "jpg") && g_ascii_strcasecmp (accepted, "jpeg") == 0))
        return TRUE;
    }
  return FALSE;
}

gboolean
osais_engine_check_input (OsaisEngine  *self,
                          GBytes       *bytes,
                          const char  **content_type,
                          guint        *width,
                          guint        *height,
                          GError      **error)
{
  const OsaisEngineParam *param;
  const char *title;
  const char *type = NULL;
  const char *extension;
  gsize size;
  guint w = 0;
  guint h = 0;

  g_return_val_if_fail (OSAIS_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  title = osais_engine_get_title (self);
  param = osais_engine_get_input_param (self);
  if (param == NULL)
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT,
                   _("%s takes no input image"), title);
      return FALSE;
    }

  if (!osais_image_check (bytes, &type, &w, &h, error))
    return FALSE;
  if (content_type != NULL)
    *content_type = type;
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;

  extension = osais_image_extension_for_content_type (type);
  if (!extension_accepted (param, extension))
    {
      g_autofree char *accepted = g_strjoinv (", ", param->filter_ext);

      /* Translators: the engine, the file types it takes, this image's type. */
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT,
                   _("%s takes %s images; this one is %s"), title, accepted, extension);
      return FALSE;
    }

  size = g_bytes_get_size (bytes);
  if (param->max_kb > 0 && size > (gsize) param->max_kb * 1024)
    {
      /* A %u of a guint: xgettext cannot extract a G_GSIZE_FORMAT string. */
      guint size_kb = (guint) MIN ((size + 1023) / 1024, G_MAXUINT);

      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT,
                   _("The image is %u KB; %s takes at most %u KB"),
                   size_kb, title, param->max_kb);
      return FALSE;
    }

  if ((param->min_width > 0 && w < param->min_width)
      || (param->min_height > 0 && h < param->min_height))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT,
                   _("The image is %u×%u pixels; %s needs at least %u×%u"),
                   w, h, title, param->min_width, param->min_height);
      return FALSE;
    }

  if ((param->max_width > 0 && w > param->max_width)
      || (param->max_height > 0 && h > param->max_height))
    {
      g_set_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT,
                   _("The image is %u×%u pixels; %s takes at most %u×%u"),
                   w, h, title,
                   param->max_width > 0 ? param->max_width : w,
                   param->max_height > 0 ? param->max_height : h);
      return FALSE;
    }

  return TRUE;
}

/* For sorting arrays of strings (the comparator gets pointers to them). */
int
_osais_engine_compare_strings (gconstpointer a,
                               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* Loading the bundled and the user's engines */

static void
add_engine (GHashTable  *engines,
            OsaisEngine *engine,
            const char  *origin)
{
  if (g_hash_table_contains (engines, engine->name))
    g_debug ("Engine “%s” from %s overrides an earlier one", engine->name, origin);

  g_hash_table_replace (engines, g_strdup (engine->name), g_object_ref (engine));
}

/* A bundled engine's display texts are in our catalogue (extracted by
 * build-aux/engine-strings.py); a user's or a server's have none. */
static void
mark_bundled (OsaisEngine *engine)
{
  engine->translation_domain = GETTEXT_PACKAGE;
  for (guint i = 0; i < engine->params->len; i++)
    {
      OsaisEngineParam *param = g_ptr_array_index (engine->params, i);

      param->translation_domain = GETTEXT_PACKAGE;
    }
}

static void
load_bundled (GHashTable *engines)
{
  g_auto(GStrv) children = NULL;
  g_autoptr(GError) error = NULL;

  children = g_resources_enumerate_children (ENGINES_RESOURCE_PATH,
                                             G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (children == NULL)
    {
      /* The resource is compiled into this library: its absence is a bug. */
      g_critical ("No bundled engines: %s", error->message);
      return;
    }

  for (guint i = 0; children[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (ENGINES_RESOURCE_PATH, children[i], NULL);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(OsaisEngine) engine = NULL;

      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (bytes != NULL)
        engine = osais_engine_new_from_bytes (bytes, &error);

      if (engine == NULL)
        {
          g_critical ("Bundled engine %s: %s", path, error->message);
          g_clear_error (&error);
          continue;
        }

      mark_bundled (engine);
      add_engine (engines, engine, path);
    }
}

static void
load_user (GHashTable *engines,
           GPtrArray  *warnings)
{
  g_autofree char *dirname = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  dirname = g_build_filename (g_get_user_config_dir (), "osais-studio", "engines", NULL);
  dir = g_dir_open (dirname, 0, &error);
  if (dir == NULL)
    {
      g_debug ("No user engines: %s", error->message);
      return;
    }

  files = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_suffix (entry, ".json"))
        g_ptr_array_add (files, g_strdup (entry));
    }

  /* A fixed order, so that two files naming one engine resolve the same
   * way on every start. */
  g_ptr_array_sort (files, _osais_engine_compare_strings);

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (dirname, g_ptr_array_index (files, i), NULL);
      g_autoptr(OsaisEngine) engine = NULL;
      g_autofree char *contents = NULL;
      gsize length;

      if (g_file_get_contents (path, &contents, &length, &error))
        {
          g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), length);

          engine = osais_engine_new_from_bytes (bytes, &error);
        }

      if (engine == NULL)
        {
          g_autofree char *basename = g_path_get_basename (path);

          /* TRANSLATORS: a file name, then why it cannot be used */
          g_ptr_array_add (warnings,
                           g_strdup_printf (_("Engine descriptor “%s” skipped: %s"),
                                            basename, error->message));
          g_clear_error (&error);
          continue;
        }

      add_engine (engines, engine, path);
    }
}

static int
compare_engines (gconstpointer a,
                 gconstpointer b)
{
  OsaisEngine *engine_a = *(OsaisEngine **)a;
  OsaisEngine *engine_b = *(OsaisEngine **)b;

  return strcmp (engine_a->name, engine_b->name);
}

GListModel *
osais_engines_load (GPtrArray **warnings)
{
  g_autoptr(GHashTable) engines = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  GListStore *store;
  GHashTableIter iter;
  gpointer value;

  engines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  messages = g_ptr_array_new_with_free_func (g_free);

  load_bundled (engines);
  load_user (engines, messages);

  sorted = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, engines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_engines);

  store = g_list_store_new (OSAIS_TYPE_ENGINE);
  g_list_store_splice (store, 0, 0, sorted->pdata, sorted->len);

  for (guint i = 0; i < messages->len; i++)
    g_debug ("%s", (const char *)g_ptr_array_index (messages, i));

  if (warnings != NULL)
    {
      if (*warnings == NULL)
        *warnings = g_steal_pointer (&messages);
      else
        for (guint i = 0; i < messages->len; i++)
          g_ptr_array_add (*warnings, g_strdup (g_ptr_array_index (messages, i)));
    }

  return G_LIST_MODEL (store);
}

OsaisEngine *
osais_engines_lookup (GListModel *engines,
                      const char *name)
{
  g_return_val_if_fail (G_IS_LIST_MODEL (engines), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      /* The model keeps its own reference: hand back a borrowed one. */
      if (g_strcmp0 (engine->name, name) == 0)
        return engine;
    }

  return NULL;
}
