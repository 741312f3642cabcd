/* osais-request-form-fields.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The request form's fields, built from the engine's parameters: a slider,
 * an entry, a seed with its dice, linked toggles, the prompt; and what each
 * widget says when it changes. osais-request-form.c keeps their values,
 * validation and the public API.
 */

#define G_LOG_DOMAIN "OsaisRequestForm"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "osais-cost.h"
#include "osais-param-format.h"
#include "osais-request-form-private.h"

static void
editable_changed_cb (GtkEditable *editable,
                     Field       *field)
{
  _osais_request_form_field_changed (field->form, field);
}

static void
slider_changed_cb (GtkRange *scale,
                   Field    *field)
{
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);
  g_autofree char *shown = NULL;

  /* Shown as the image details show the value sent. */
  if (field->param->type == OSAIS_PARAM_TYPE_INT)
    json_node_set_int (value, (gint64) round (gtk_range_get_value (scale)));
  else
    json_node_set_double (value, gtk_range_get_value (scale));
  shown = osais_param_format_value (field->param, value);

  gtk_label_set_label (field->value_label, shown);
  _osais_request_form_field_changed (field->form, field);
}

static void
toggle_changed_cb (GtkToggleButton *toggle,
                   Field           *field)
{
  /* A radio says "checked"; GtkToggleButton only keeps "pressed" up to date. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_STATE_CHECKED,
                               gtk_toggle_button_get_active (toggle), -1);

  /* The group emits twice (off, then on); only the new choice counts. */
  if (gtk_toggle_button_get_active (toggle))
    _osais_request_form_field_changed (field->form, field);
}

/* Building the form ------------------------------------------------------- */

static void
add_field (OsaisRequestForm       *self,
           const OsaisEngineParam *param,
           FieldKind               kind,
           GtkWidget              *row)
{
  Field *field = g_new0 (Field, 1);

  field->form = self;
  field->param = param;
  field->kind = kind;
  field->row = row;
  g_ptr_array_add (self->fields, field);
}

static GtkWidget *
add_group (OsaisRequestForm *self,
           const char       *title,
           const char       *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (self->params_box, group);
  g_ptr_array_add (self->groups, group);

  return group;
}

/* GtkRange takes every scroll over it, focused or not, so scrolling down the
 * form changed whichever slider passed under the pointer (Step Count went
 * from 20 to 1). This controller runs before the range's own, in the
 * capture phase: while the slider has the keyboard focus (the user clicked
 * or tabbed to it) the scroll is the slider's; otherwise it scrolls the form
 * instead, by the step GtkScrolledWindow uses, and never reaches the range.
 * Stopping the event in the capture phase keeps it from the scrolled window
 * too, hence the scrolling done here. */
static gboolean
slider_scroll_cb (GtkEventControllerScroll *controller,
                  double                    dx,
                  double                    dy,
                  GtkWidget                *scale)
{
  GtkWidget *scrolled;
  GtkAdjustment *adjustment;
  double step = 1;

  if (gtk_widget_has_focus (scale))
    return GDK_EVENT_PROPAGATE;

  scrolled = gtk_widget_get_ancestor (scale, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL)
    return GDK_EVENT_STOP;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* A wheel's notch moves by page^(2/3), as GtkScrolledWindow does; a
   * touchpad's deltas are already in pixels. */
  if (gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL)
    step = pow (gtk_adjustment_get_page_size (adjustment), 2.0 / 3.0);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + dy * step);

  return GDK_EVENT_STOP;
}

static void
build_slider (OsaisRequestForm       *self,
              const OsaisEngineParam *param,
              GtkWidget              *group)
{
  GtkWidget *row = adw_action_row_new ();
  const char *tooltip = osais_engine_param_get_tooltip (param);
  GtkWidget *scale;
  GtkWidget *label;
  GtkEventController *scroll;
  Field *field;
  double min = param->has_range ? param->min : 0;
  double max = param->has_range ? param->max : 100;
  double step = param->type == OSAIS_PARAM_TYPE_INT ? 1 : 0.01;

  if (param->has_accept_max && param->accept_max < max)
    max = param->accept_max;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), osais_param_format_title (param));
  if (tooltip != NULL && *tooltip != '\0')
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), tooltip);

  scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, min, max, step);
  gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
  gtk_range_set_round_digits (GTK_RANGE (scale), param->type == OSAIS_PARAM_TYPE_INT ? 0 : 2);
  gtk_widget_set_hexpand (scale, TRUE);
  gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (scale, 100, -1);
  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (slider_scroll_cb), scale);
  gtk_widget_add_controller (scale, scroll);
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, osais_param_format_title (param),
                                  -1);

  label = gtk_label_new (NULL);
  gtk_label_set_width_chars (GTK_LABEL (label), 6);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_add_css_class (label, "dim-label");

  adw_action_row_add_suffix (ADW_ACTION_ROW (row), scale);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_field (self, param, FIELD_SLIDER, row);
  field = g_ptr_array_index (self->fields, self->fields->len - 1);
  field->scale = GTK_RANGE (scale);
  field->value_label = GTK_LABEL (label);
  g_signal_connect (scale, "value-changed", G_CALLBACK (slider_changed_cb), field);
}

static void
build_entry (OsaisRequestForm       *self,
             const OsaisEngineParam *param,
             GtkWidget              *group)
{
  GtkWidget *row = adw_entry_row_new ();
  const char *tooltip = osais_engine_param_get_tooltip (param);
  Field *field;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), osais_param_format_title (param));
  if (tooltip != NULL && *tooltip != '\0')
    gtk_widget_set_tooltip_text (row, tooltip);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_field (self, param, FIELD_ENTRY, row);
  field = g_ptr_array_index (self->fields, self->fields->len - 1);
  field->editable = GTK_EDITABLE (row);
  g_signal_connect (row, "changed", G_CALLBACK (editable_changed_cb), field);
}

static void
random_seed_clicked_cb (GtkButton *button,
                        Field     *field)
{
  gtk_editable_set_text (field->editable, "");
}

static void
build_seed (OsaisRequestForm       *self,
            const OsaisEngineParam *param,
            GtkWidget              *group)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *random_button;
  GtkWidget *reuse_button;
  Field *field;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Seed (Random When Empty)"));
  gtk_editable_set_width_chars (GTK_EDITABLE (row), 10);

  random_button = gtk_button_new_from_icon_name ("media-playlist-shuffle-symbolic");
  gtk_widget_set_valign (random_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (random_button, _("Random Seed"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (random_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Random Seed"), -1);
  gtk_widget_add_css_class (random_button, "flat");

  reuse_button = gtk_button_new_from_icon_name ("edit-undo-symbolic");
  gtk_widget_set_valign (reuse_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (reuse_button, _("Reuse Last Seed"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (reuse_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reuse Last Seed"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (reuse_button), "form.reuse-seed");
  gtk_widget_add_css_class (reuse_button, "flat");

  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), random_button);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), reuse_button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_field (self, param, FIELD_SEED, row);
  field = g_ptr_array_index (self->fields, self->fields->len - 1);
  field->editable = GTK_EDITABLE (row);
  g_signal_connect (row, "changed", G_CALLBACK (editable_changed_cb), field);
  g_signal_connect (random_button, "clicked", G_CALLBACK (random_seed_clicked_cb), field);
}

static void
build_toggles (OsaisRequestForm       *self,
               const OsaisEngineParam *param)
{
  const char *tooltip = osais_engine_param_get_tooltip (param);
  const char *unit = osais_engine_param_get_unit (param);
  GtkWidget *group;
  GtkWidget *lines;
  GtkWidget *line = NULL;
  GtkToggleButton *first = NULL;
  Field *field;
  guint per_line = TOGGLES_PER_LINE_SHORT;
  guint n = param->accept_values->len;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *accepted = g_ptr_array_index (param->accept_values, i);
      g_autofree char *value = _osais_request_form_scalar_to_text (accepted);
      const char *label = osais_engine_param_get_choice_label (param, i);

      if (label == NULL)
        label = value;

      if (label != NULL && g_utf8_strlen (label, -1) > 3)
        per_line = TOGGLES_PER_LINE_LONG;
    }

  group = add_group (self, osais_param_format_title (param),
                     tooltip != NULL && *tooltip != '\0' ? tooltip : NULL);

  /* One choice of several, as radio buttons are: said so to screen readers
   * (a group of "radio button, checked / not checked"), drawn as the linked
   * toggles GNOME uses for a few short choices. */
  lines = g_object_new (GTK_TYPE_BOX,
                        "accessible-role", GTK_ACCESSIBLE_ROLE_RADIO_GROUP,
                        "orientation", GTK_ORIENTATION_VERTICAL,
                        "spacing", 6,
                        NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (lines),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, osais_param_format_title (param),
                                  -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), lines);

  add_field (self, param, FIELD_TOGGLES, group);
  field = g_ptr_array_index (self->fields, self->fields->len - 1);
  field->toggles = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    {
      JsonNode *accepted = g_ptr_array_index (param->accept_values, i);
      g_autofree char *value = _osais_request_form_scalar_to_text (accepted);
      g_autofree char *label = NULL;
      GtkWidget *toggle;

      if (osais_engine_param_get_choice_label (param, i) != NULL)
        label = g_strdup (osais_engine_param_get_choice_label (param, i));
      else if (unit != NULL && *unit != '\0')
        label = g_strdup_printf ("%s %s", value, unit);
      else
        label = g_strdup (value);

      if (i % per_line == 0)
        {
          line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
          gtk_box_set_homogeneous (GTK_BOX (line), TRUE);
          gtk_widget_add_css_class (line, "linked");
          gtk_box_append (GTK_BOX (lines), line);
        }

      toggle = g_object_new (GTK_TYPE_TOGGLE_BUTTON,
                             "accessible-role", GTK_ACCESSIBLE_ROLE_RADIO,
                             "label", label,
                             NULL);
      gtk_accessible_update_state (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_STATE_CHECKED, FALSE,
                                   -1);
      if (first == NULL)
        first = GTK_TOGGLE_BUTTON (toggle);
      else
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (toggle), first);
      gtk_box_append (GTK_BOX (line), toggle);
      g_ptr_array_add (field->toggles, toggle);
      g_signal_connect (toggle, "toggled", G_CALLBACK (toggle_changed_cb), field);
    }
}

void
_osais_request_form_clear_fields (OsaisRequestForm *self)
{
  if (self->groups != NULL)
    {
      for (guint i = 0; i < self->groups->len; i++)
        gtk_box_remove (self->params_box, g_ptr_array_index (self->groups, i));
      g_ptr_array_set_size (self->groups, 0);
    }
  if (self->fields != NULL)
    g_ptr_array_set_size (self->fields, 0);
  self->prompt_param = NULL;
  osais_prompt_history_set_key (self->prompt_history, NULL);
}

static void
show_cost (OsaisRequestForm *self)
{
  g_autofree char *cost = osais_cost_describe (self->engine);

  gtk_label_set_label (self->cost_label, cost != NULL ? cost : "");
  gtk_widget_set_visible (GTK_WIDGET (self->cost_label), cost != NULL);
}

static char *
describe_input_limits (const OsaisEngineParam *param)
{
  GString *str = g_string_new (NULL);

  if (param->filter_ext != NULL && param->filter_ext[0] != NULL)
    {
      gboolean png = FALSE, jpeg = FALSE, webp = FALSE;

      for (guint i = 0; param->filter_ext[i] != NULL; i++)
        {
          const char *ext = param->filter_ext[i] + (param->filter_ext[i][0] == '.');

          png |= g_ascii_strcasecmp (ext, "png") == 0;
          jpeg |= g_ascii_strcasecmp (ext, "jpg") == 0 || g_ascii_strcasecmp (ext, "jpeg") == 0;
          webp |= g_ascii_strcasecmp (ext, "webp") == 0;
        }

      /* TRANSLATORS: the image types an engine takes */
      if (png && jpeg && !webp)
        g_string_append (str, _("PNG or JPEG"));
      else if (png && !jpeg && !webp)
        g_string_append (str, _("PNG only"));
      else if (!png && jpeg && !webp)
        g_string_append (str, _("JPEG only"));
      else
        g_string_append (str, _("PNG, JPEG or WebP"));
    }
  else
    g_string_append (str, _("PNG, JPEG or WebP"));

  if (param->min_width > 0 || param->min_height > 0)
    g_string_append_printf (str, _(", at least %u×%u"), param->min_width, param->min_height);
  if (param->max_width > 0 || param->max_height > 0)
    g_string_append_printf (str, _(", at most %u×%u"), param->max_width, param->max_height);
  if (param->max_kb > 0)
    g_string_append_printf (str, _(", up to %u KB"), param->max_kb);

  return g_string_free (str, FALSE);
}

void
_osais_request_form_build_fields (OsaisRequestForm *self)
{
  const OsaisEngineParam *input_param;
  GtkWidget *settings = NULL;
  guint n_params;

  self->updating = TRUE;
  _osais_request_form_clear_fields (self);

  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), self->engine == NULL);
  gtk_widget_set_visible (self->prompt_box, FALSE);
  osais_input_well_set_engine (self->input_well, self->engine);
  show_cost (self);

  if (self->engine == NULL)
    {
      self->updating = FALSE;
      _osais_request_form_input_changed (self);
      _osais_request_form_validate (self);
      return;
    }

  input_param = osais_engine_get_input_param (self->engine);
  if (input_param != NULL)
    {
      gboolean limited = input_param->filter_ext != NULL || input_param->max_kb > 0
                         || input_param->min_width > 0 || input_param->min_height > 0
                         || input_param->max_width > 0 || input_param->max_height > 0;
      g_autofree char *limits = limited ? describe_input_limits (input_param) : NULL;
      const char *title = osais_engine_param_get_title (input_param);

      adw_preferences_group_set_title (self->input_group,
                                       title != NULL ? title : _("Input Image"));
      adw_preferences_group_set_description (self->input_group, limits);
    }

  n_params = osais_engine_get_n_params (self->engine);
  for (guint i = 0; i < n_params; i++)
    {
      const OsaisEngineParam *param = osais_engine_get_param (self->engine, i);

      if (!param->sent)
        continue;

      switch (param->widget)
        {
        case OSAIS_PARAM_WIDGET_EDIT:
          if (self->prompt_param == NULL && param->type == OSAIS_PARAM_TYPE_STRING)
            {
              const char *placeholder = osais_engine_param_get_placeholder (param);

              /* The first text field is the prompt: multi-line, on top. */
              self->prompt_param = param;
              osais_prompt_history_set_key (self->prompt_history, param->name);
              gtk_label_set_label (self->prompt_title, osais_param_format_title (param));
              gtk_label_set_label (self->prompt_placeholder,
                                   placeholder != NULL ? placeholder : "");
              gtk_accessible_update_property (GTK_ACCESSIBLE (self->prompt_view),
                                              GTK_ACCESSIBLE_PROPERTY_LABEL,
                                              osais_param_format_title (param),
                                              GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER,
                                              placeholder,
                                              -1);
              gtk_widget_set_visible (self->prompt_box, TRUE);
              add_field (self, param, FIELD_PROMPT, self->prompt_box);
            }
          else
            {
              if (settings == NULL)
                settings = add_group (self, _("Settings"), NULL);
              build_entry (self, param, settings);
            }
          break;

        case OSAIS_PARAM_WIDGET_RANGE_SLIDER:
          if (settings == NULL)
            settings = add_group (self, _("Settings"), NULL);
          build_slider (self, param, settings);
          break;

        case OSAIS_PARAM_WIDGET_MULTI_TOGGLE:
          if (param->accept_values != NULL && param->accept_values->len > 0)
            build_toggles (self, param);
          break;

        case OSAIS_PARAM_WIDGET_NONE:
          if (_osais_request_form_param_is_seed (param))
            {
              if (settings == NULL)
                settings = add_group (self, _("Settings"), NULL);
              build_seed (self, param, settings);
            }
          break;

        case OSAIS_PARAM_WIDGET_SELECT_PICTURE:
        default:
          break;
        }
    }

  for (guint i = 0; i < self->fields->len; i++)
    _osais_request_form_field_reset (self, g_ptr_array_index (self->fields, i));
  _osais_request_form_prompt_changed (self);

  self->updating = FALSE;
  _osais_request_form_input_changed (self);
}
