/* osais-request-form.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisRequestForm"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "osais-cost.h"
#include "osais-input-well.h"
#include "osais-param-format.h"
#include "osais-prompt-history.h"
#include "osais-request-form-private.h"
#include "osais-style-popover.h"

G_DEFINE_FINAL_TYPE (OsaisRequestForm, osais_request_form, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_VALID,
  PROP_INVALID_REASON,
  PROP_INVALID_HINT,
  PROP_HAS_INPUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_form (OsaisRequestForm *self);

GtkWidget *
osais_request_form_new (void)
{
  return g_object_new (OSAIS_TYPE_REQUEST_FORM, NULL);
}

static void
field_free (Field *field)
{
  g_clear_pointer (&field->toggles, g_ptr_array_unref);
  g_free (field);
}

gboolean
_osais_request_form_param_is_seed (const OsaisEngineParam *param)
{
  return param->type == OSAIS_PARAM_TYPE_FUNCTION && param->sent;
}

/* A JSON scalar as the text a person would type. */
char *
_osais_request_form_scalar_to_text (JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", json_node_get_double (node)));

    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");

    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));

    default:
      return NULL;
    }
}

static double
scalar_to_double (JsonNode *node,
                  double    fallback)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return json_node_get_double (node);

    case G_TYPE_STRING:
      return g_ascii_strtod (json_node_get_string (node), NULL);

    default:
      return fallback;
    }
}

static char *
slider_text (const Field *field)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double value = gtk_range_get_value (field->scale);

  if (field->param->type == OSAIS_PARAM_TYPE_INT)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) round (value));

  /* Two decimals are what a slider can set; drop the trailing zeros. */
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

/* The field's value as text, or NULL when empty (not given). */
static char *
field_dup_text (OsaisRequestForm *self,
                const Field      *field)
{
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;

  switch (field->kind)
    {
    case FIELD_PROMPT:
      {
        GtkTextIter start, end;

        gtk_text_buffer_get_bounds (self->prompt_buffer, &start, &end);
        text = gtk_text_buffer_get_text (self->prompt_buffer, &start, &end, FALSE);
      }
      break;

    case FIELD_ENTRY:
    case FIELD_SEED:
      text = g_strdup (gtk_editable_get_text (field->editable));
      break;

    case FIELD_SLIDER:
      text = slider_text (field);
      break;

    case FIELD_TOGGLES:
      for (guint i = 0; i < field->toggles->len; i++)
        {
          if (gtk_toggle_button_get_active (g_ptr_array_index (field->toggles, i)))
            text = _osais_request_form_scalar_to_text (
              g_ptr_array_index (field->param->accept_values, i));
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (text == NULL)
    return NULL;

  /* Blank counts as not given, as in the engine; the value keeps its spaces. */
  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0')
    return NULL;

  return g_steal_pointer (&text);
}

static void
field_set_text (OsaisRequestForm *self,
                Field            *field,
                const char       *text)
{
  switch (field->kind)
    {
    case FIELD_PROMPT:
      gtk_text_buffer_set_text (self->prompt_buffer, text != NULL ? text : "", -1);
      break;

    case FIELD_ENTRY:
    case FIELD_SEED:
      gtk_editable_set_text (field->editable, text != NULL ? text : "");
      break;

    case FIELD_SLIDER:
      if (text != NULL)
        gtk_range_set_value (field->scale, g_ascii_strtod (text, NULL));
      break;

    case FIELD_TOGGLES:
      if (text == NULL)
        break;
      for (guint i = 0; i < field->toggles->len; i++)
        {
          JsonNode *accepted = g_ptr_array_index (field->param->accept_values, i);
          g_autofree char *value = _osais_request_form_scalar_to_text (accepted);
          gboolean same = g_strcmp0 (value, text) == 0
                          || (field->param->type != OSAIS_PARAM_TYPE_STRING
                              && value != NULL
                              && g_ascii_strtod (value, NULL) == g_ascii_strtod (text, NULL));

          if (same)
            gtk_toggle_button_set_active (g_ptr_array_index (field->toggles, i), TRUE);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

void
_osais_request_form_field_reset (OsaisRequestForm *self,
                                 Field            *field)
{
  g_autofree char *text = NULL;

  if (field->kind != FIELD_SEED)
    text = _osais_request_form_scalar_to_text (field->param->default_value);

  if (field->kind == FIELD_SLIDER && text == NULL)
    gtk_range_set_value (field->scale, field->param->min);
  else
    field_set_text (self, field, text);
}

static Field *
find_field (OsaisRequestForm *self,
            const char       *name)
{
  if (self->fields == NULL)
    return NULL;

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (g_str_equal (field->param->name, name))
        return field;
    }

  return NULL;
}

/* Values ------------------------------------------------------------------ */

/* The fields' values by name, with autofill copied to the params that
 * have no field of their own. The seed stays out when random. */
static GHashTable *
collect_values (OsaisRequestForm *self)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (self->fields == NULL)
    return values;

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      char *text = field_dup_text (self, field);

      if (text != NULL)
        g_hash_table_insert (values, g_strdup (field->param->name), text);
    }

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      const char *text = g_hash_table_lookup (values, field->param->name);

      if (field->param->autofill == NULL || text == NULL)
        continue;

      for (guint j = 0; field->param->autofill[j] != NULL; j++)
        {
          const char *target = field->param->autofill[j];

          if (find_field (self, target) == NULL
              && osais_engine_find_param (self->engine, target) != NULL)
            g_hash_table_insert (values, g_strdup (target), g_strdup (text));
        }
    }

  return values;
}

GHashTable *
osais_request_form_dup_values (OsaisRequestForm *self)
{
  GHashTable *values;
  Field *seed = NULL;

  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);

  values = collect_values (self);

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (field->kind == FIELD_SEED)
        seed = field;
    }

  /* A random seed is drawn here rather than by the engine, so that
   * Reuse Last can give it back. */
  if (seed != NULL && !g_hash_table_contains (values, seed->param->name))
    {
      g_free (self->last_seed);
      self->last_seed = g_strdup_printf ("%d", g_random_int_range (1, G_MAXINT32));
      g_hash_table_insert (values, g_strdup (seed->param->name), g_strdup (self->last_seed));
    }
  else if (seed != NULL)
    {
      g_free (self->last_seed);
      self->last_seed = g_strdup (g_hash_table_lookup (values, seed->param->name));
    }

  if (seed != NULL)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.reuse-seed", TRUE);

  return values;
}

/* Validation -------------------------------------------------------------- */

char *
osais_request_form_dup_values_json (OsaisRequestForm *self)
{
  g_autoptr(GHashTable) values = osais_request_form_dup_values (self);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer name, value;

  g_hash_table_iter_init (&iter, values);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (value != NULL)
      json_object_set_string_member (object, name, value);
  root = json_node_init_object (json_node_alloc (), object);

  return json_to_string (root, FALSE);
}

static void
field_mark (OsaisRequestForm *self,
            Field            *field,
            const char       *reason)
{
  GtkWidget *widget = field->kind == FIELD_PROMPT ? self->prompt_frame : field->row;

  if (reason != NULL)
    gtk_widget_add_css_class (widget, "error");
  else
    gtk_widget_remove_css_class (widget, "error");
  gtk_widget_set_tooltip_text (widget, reason);

  if (field->kind == FIELD_PROMPT)
    {
      gtk_label_set_label (self->prompt_error, reason != NULL ? reason : "");
      gtk_widget_set_visible (GTK_WIDGET (self->prompt_error), reason != NULL);
    }
}

/* The field an engine error is about: the param the engine names (never
 * its words, which are translated); a param without a field of its own is
 * reported on the field that autofills it. */
/* The field's name as the form shows it, for what to do about it. */
static const char *
field_title (Field *field)
{
  /* The seed's row also says what an empty seed does: too long for the
   * few words beside Run. */
  if (field->kind == FIELD_SEED)
    return _("Seed");

  return osais_param_format_title (field->param);
}

static Field *
field_for_param (OsaisRequestForm       *self,
                 const OsaisEngineParam *param)
{
  if (param == NULL)
    return NULL;

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (field->param == param)
        return field;
    }

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (field->param->autofill != NULL &&
          g_strv_contains ((const char * const *) field->param->autofill, param->name))
        return field;
    }

  return NULL;
}

static void
set_validity (OsaisRequestForm *self,
              gboolean          valid,
              const char       *reason,
              const char       *hint)
{
  gboolean changed_valid = self->valid != valid;
  gboolean changed_reason = g_strcmp0 (self->invalid_reason, reason) != 0;
  gboolean changed_hint = g_strcmp0 (self->invalid_hint, hint) != 0;

  self->valid = valid;
  if (changed_reason)
    {
      g_free (self->invalid_reason);
      self->invalid_reason = g_strdup (reason);
    }
  if (changed_hint)
    {
      g_free (self->invalid_hint);
      self->invalid_hint = g_strdup (hint);
    }

  gtk_label_set_label (self->reason_label, reason != NULL ? reason : "");
  /* The well says its own refusal beside itself: not twice in the form. */
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label),
                          reason != NULL
                          && g_strcmp0 (reason,
                                        osais_input_well_get_error (self->input_well)) != 0);

  if (changed_reason)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVALID_REASON]);
  if (changed_hint)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVALID_HINT]);
  if (changed_valid)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

void
_osais_request_form_validate (OsaisRequestForm *self)
{
  g_autoptr(GHashTable) values = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *hint = NULL;
  const OsaisEngineParam *input_param;
  const OsaisEngineParam *failed = NULL;
  Field *marked = NULL;
  gboolean missing = FALSE;

  if (self->engine == NULL)
    {
      set_validity (self, FALSE, _("No engine is selected"), _("Choose an engine"));
      return;
    }

  input_param = osais_engine_get_input_param (self->engine);
  values = collect_values (self);

  if (osais_input_well_get_has_input (self->input_well) && input_param != NULL)
    g_hash_table_insert (values, g_strdup (input_param->name),
                         g_strdup (OSAIS_SESSION_INPUT_URL_PLACEHOLDER));

  /* Each reason comes with its hint: what to do, in the few words that fit
   * beside Run (the whole reason is Run's tooltip and the form's caption). */
  if (osais_input_well_get_loading (self->input_well))
    {
      reason = g_strdup (_("Loading the input image…"));
      hint = g_strdup (reason);
    }
  else if (osais_input_well_get_error (self->input_well) != NULL)
    {
      reason = g_strdup (osais_input_well_get_error (self->input_well));
      hint = g_strdup (_("Choose another input image"));
    }
  else if (input_param != NULL && input_param->mandatory
           && !osais_input_well_get_has_input (self->input_well))
    {
      reason = g_strdup (_("Add an input image: drop one here or choose a file"));
      hint = g_strdup (_("Add an input image"));
    }
  else if ((request = osais_engine_build_request_full (self->engine, values, &failed,
                                                         &error)) == NULL)
    {
      const char *message = error != NULL ? error->message : "";
      const char *title;

      marked = field_for_param (self, failed);
      missing = g_error_matches (error, OSAIS_ENGINE_ERROR,
                                 OSAIS_ENGINE_ERROR_MISSING_PARAMETER);
      title = marked != NULL ? field_title (marked) : NULL;
      if (marked == NULL)
        {
          reason = g_strdup (message);
          hint = g_strdup (_("Check the form"));
        }
      else if (missing)
        {
          /* TRANSLATORS: what to do first; %s is a field's title */
          reason = g_strdup_printf (_("Fill in “%s”"), title);
          /* The engines take their prompt in “word”, whatever its title. */
          hint = g_str_equal (marked->param->name, "word") ? g_strdup (_("Write a prompt"))
                                                           : g_strdup (reason);
        }
      else
        {
          reason = g_strdup_printf ("%s: %s", title, message);
          /* TRANSLATORS: beside Run, where only a few words fit; %s is a
           * field's title */
          hint = g_strdup_printf (_("Check “%s”"), title);
        }
    }

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      /* An empty field is not marked red: nothing is wrong yet. */
      field_mark (self, field, field == marked && !missing ? reason : NULL);
    }

  if (reason != NULL)
    g_debug ("Invalid: %s", reason);

  set_validity (self, reason == NULL, reason, hint);
}

/* Live updates: conditional, autofill, placeholder ------------------------ */

static gboolean
param_is_set (OsaisRequestForm *self,
              const char       *name)
{
  const OsaisEngineParam *input_param = osais_engine_get_input_param (self->engine);
  Field *field;
  g_autofree char *text = NULL;

  if (input_param != NULL && g_str_equal (input_param->name, name))
    return osais_input_well_get_has_input (self->input_well);

  field = find_field (self, name);
  if (field == NULL)
    return FALSE;

  text = field_dup_text (self, field);

  return text != NULL;
}

static void
update_conditionals (OsaisRequestForm *self)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      gboolean visible = TRUE;

      if (field->param->conditional_null != NULL)
        visible = visible && !param_is_set (self, field->param->conditional_null);
      if (field->param->conditional_exist != NULL)
        visible = visible && param_is_set (self, field->param->conditional_exist);

      gtk_widget_set_visible (field->row, visible);
    }
}

static void
update_autofill (OsaisRequestForm *self,
                 Field            *source)
{
  g_autofree char *text = NULL;

  if (source->param->autofill == NULL)
    return;

  text = field_dup_text (self, source);
  for (guint i = 0; source->param->autofill[i] != NULL; i++)
    {
      Field *target = find_field (self, source->param->autofill[i]);

      if (target != NULL && target != source)
        field_set_text (self, target, text);
    }
}

static void
update_form (OsaisRequestForm *self)
{
  if (self->updating || self->fields == NULL)
    return;

  update_conditionals (self);
  _osais_request_form_validate (self);
}

void
_osais_request_form_field_changed (OsaisRequestForm *self,
                                   Field            *field)
{
  if (self->updating)
    return;

  /* Autofill fills the other fields first, so that validation sees them. */
  self->updating = TRUE;
  update_autofill (self, field);
  self->updating = FALSE;

  update_form (self);
}

void
_osais_request_form_prompt_changed (OsaisRequestForm *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->prompt_placeholder),
                          gtk_text_buffer_get_char_count (self->prompt_buffer) == 0);

  if (self->prompt_param != NULL)
    _osais_request_form_field_changed (self, find_field (self, self->prompt_param->name));
}

void
_osais_request_form_input_changed (OsaisRequestForm *self)
{
  const OsaisEngineParam *input_param = NULL;

  if (self->engine != NULL)
    input_param = osais_engine_get_input_param (self->engine);

  /* An image dropped on an engine that takes none stays visible, with
   * the reason, so that it can be removed. */
  gtk_widget_set_visible (GTK_WIDGET (self->input_group),
                          self->engine != NULL
                          && (input_param != NULL
                              || osais_input_well_get_has_input (self->input_well)
                              || osais_input_well_get_error (self->input_well) != NULL));

  update_form (self);
}

static void
has_input_changed_cb (OsaisRequestForm *self)
{
  _osais_request_form_input_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_INPUT]);
}

/* Public API -------------------------------------------------------------- */

OsaisEngine *
osais_request_form_get_engine (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);

  return self->engine;
}

void
osais_request_form_set_engine (OsaisRequestForm *self,
                               OsaisEngine      *engine)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));
  g_return_if_fail (engine == NULL || OSAIS_IS_ENGINE (engine));

  if (self->engine == engine)
    return;

  /* The fields point into the old engine's params: drop them first. */
  _osais_request_form_clear_fields (self);
  g_set_object (&self->engine, engine);
  _osais_request_form_build_fields (self);
  osais_style_popover_set_engine (self->style_popover, engine);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

gboolean
osais_request_form_get_valid (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), FALSE);

  return self->valid;
}

const char *
osais_request_form_get_invalid_reason (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);

  return self->invalid_reason;
}

const char *
osais_request_form_get_invalid_hint (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);

  return self->invalid_hint;
}

void
osais_request_form_set_values_from_json (OsaisRequestForm *self,
                                         const char       *parameters)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonNode *root;

  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));

  if (parameters == NULL || self->fields == NULL)
    return;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, parameters, -1, &error))
    {
      g_debug ("Cannot reuse parameters: %s", error->message);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);

  /* Fill everything first, then update once: autofill must not overwrite
   * a value the job had (a height given apart from the width). */
  self->updating = TRUE;
  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);
      JsonNode *node = json_object_get_member (object, field->param->name);
      g_autofree char *text = NULL;

      if (node == NULL)
        continue;

      if (field->kind == FIELD_SLIDER)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          text = g_strdup (g_ascii_dtostr (buf, sizeof buf,
                                           scalar_to_double (node, field->param->min)));
        }
      else
        text = _osais_request_form_scalar_to_text (node);

      field_set_text (self, field, text);
    }
  _osais_request_form_prompt_changed (self);
  self->updating = FALSE;

  update_form (self);
}

GBytes *
osais_request_form_dup_input (OsaisRequestForm  *self,
                              const char       **content_type)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);

  return osais_input_well_dup_bytes (self->input_well, content_type);
}

void
osais_request_form_set_input_file (OsaisRequestForm *self,
                                   GFile            *file)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));
  g_return_if_fail (G_IS_FILE (file));

  osais_input_well_set_file (self->input_well, file);
  _osais_request_form_input_changed (self);
}

void
osais_request_form_set_input_bytes (OsaisRequestForm *self,
                                    GBytes           *bytes)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));
  g_return_if_fail (bytes != NULL);

  osais_input_well_set_bytes (self->input_well, bytes);
  _osais_request_form_input_changed (self);
}

gboolean
osais_request_form_get_has_input (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), FALSE);

  return osais_input_well_get_has_input (self->input_well);
}

void
osais_request_form_reset (OsaisRequestForm *self)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));

  self->updating = TRUE;
  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    _osais_request_form_field_reset (self, g_ptr_array_index (self->fields, i));
  _osais_request_form_prompt_changed (self);
  self->updating = FALSE;

  osais_input_well_clear (self->input_well);
  _osais_request_form_input_changed (self);
}

gboolean
osais_request_form_focus_prompt (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), FALSE);

  if (self->prompt_param != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));

  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (gtk_widget_get_visible (field->row) && gtk_widget_child_focus (field->row,
                                                                         GTK_DIR_TAB_FORWARD))
        return TRUE;
    }

  return FALSE;
}

void
osais_request_form_set_jobs (OsaisRequestForm *self,
                             GListModel       *jobs)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));

  osais_prompt_history_set_jobs (self->prompt_history, jobs);
}

void
osais_request_form_set_engines (OsaisRequestForm *self,
                                GListModel       *engines)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));

  osais_style_popover_set_engines (self->style_popover, engines);
}

void
osais_request_form_set_styles_file (OsaisRequestForm *self,
                                    GFile            *file)
{
  g_return_if_fail (OSAIS_IS_REQUEST_FORM (self));

  osais_style_popover_set_file (self->style_popover, file);
}

GtkWidget *
osais_request_form_get_field (OsaisRequestForm *self,
                              const char       *name)
{
  Field *field;

  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  field = find_field (self, name);
  if (field != NULL)
    return field->kind == FIELD_PROMPT ? GTK_WIDGET (self->prompt_view) : field->row;

  if (self->engine != NULL && osais_engine_get_input_param (self->engine) != NULL
      && g_str_equal (osais_engine_get_input_param (self->engine)->name, name))
    return GTK_WIDGET (self->input_well);

  return NULL;
}

guint
osais_request_form_get_n_fields (OsaisRequestForm *self)
{
  g_return_val_if_fail (OSAIS_IS_REQUEST_FORM (self), 0);

  return self->fields != NULL ? self->fields->len : 0;
}

/* Actions ----------------------------------------------------------------- */

static char *
style_collect_values_cb (OsaisRequestForm *self)
{
  return osais_request_form_dup_values_json (self);
}

static void
style_apply_values_cb (OsaisRequestForm *self,
                       const char       *values)
{
  osais_request_form_set_values_from_json (self, values);
}

static void
reuse_seed_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  OsaisRequestForm *self = OSAIS_REQUEST_FORM (widget);

  for (guint i = 0; self->last_seed != NULL && i < self->fields->len; i++)
    {
      Field *field = g_ptr_array_index (self->fields, i);

      if (field->kind == FIELD_SEED)
        gtk_editable_set_text (field->editable, self->last_seed);
    }
}

/* GObject ----------------------------------------------------------------- */

static void
osais_request_form_dispose (GObject *object)
{
  OsaisRequestForm *self = OSAIS_REQUEST_FORM (object);

  /* The widgets go first: their handlers point at the fields. */
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_REQUEST_FORM);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (osais_request_form_parent_class)->dispose (object);
}

static void
osais_request_form_finalize (GObject *object)
{
  OsaisRequestForm *self = OSAIS_REQUEST_FORM (object);

  g_free (self->invalid_reason);
  g_free (self->invalid_hint);
  g_free (self->last_seed);

  G_OBJECT_CLASS (osais_request_form_parent_class)->finalize (object);
}

static void
osais_request_form_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  OsaisRequestForm *self = OSAIS_REQUEST_FORM (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;

    case PROP_INVALID_REASON:
      g_value_set_string (value, self->invalid_reason);
      break;

    case PROP_INVALID_HINT:
      g_value_set_string (value, self->invalid_hint);
      break;

    case PROP_HAS_INPUT:
      g_value_set_boolean (value, osais_request_form_get_has_input (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_request_form_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  OsaisRequestForm *self = OSAIS_REQUEST_FORM (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      osais_request_form_set_engine (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_request_form_class_init (OsaisRequestFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_request_form_dispose;
  object_class->finalize = osais_request_form_finalize;
  object_class->get_property = osais_request_form_get_property;
  object_class->set_property = osais_request_form_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         OSAIS_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INVALID_REASON] =
    g_param_spec_string ("invalid-reason", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INVALID_HINT] =
    g_param_spec_string ("invalid-hint", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_INPUT] =
    g_param_spec_boolean ("has-input", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OSAIS_TYPE_INPUT_WELL);
  g_type_ensure (OSAIS_TYPE_PROMPT_HISTORY);
  g_type_ensure (OSAIS_TYPE_STYLE_POPOVER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-request-form.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, empty_page);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_box);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_title);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_frame);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_placeholder);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_error);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, input_group);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, input_well);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, params_box);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, reason_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_history);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, style_popover);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, cost_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisRequestForm, prompt_buffer);
  gtk_widget_class_bind_template_callback_full (widget_class, "prompt_changed_cb",
                                                G_CALLBACK (_osais_request_form_prompt_changed));
  gtk_widget_class_bind_template_callback_full (widget_class, "input_changed_cb",
                                                G_CALLBACK (_osais_request_form_input_changed));
  gtk_widget_class_bind_template_callback (widget_class, has_input_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, style_collect_values_cb);
  gtk_widget_class_bind_template_callback (widget_class, style_apply_values_cb);

  gtk_widget_class_install_action (widget_class, "form.reuse-seed", NULL, reuse_seed_action);
}

static void
osais_request_form_init (OsaisRequestForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  self->groups = g_ptr_array_new ();
  osais_prompt_history_set_view (self->prompt_history, self->prompt_view);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.reuse-seed", FALSE);
  _osais_request_form_build_fields (self);
}
