/* osais-style-popover.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisStylePopover"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "osais-core.h"
#include "osais-style-popover-private.h"

struct _OsaisStylePopover
{
  GtkPopover        parent_instance;

  OsaisEngine      *engine;    /* the form's: "collect-values" gives its values */
  GListModel       *engines;   /* for the titles of the styles' engines */
  GFile            *file;
  GPtrArray        *styles;    /* OsaisStyle; NULL until loaded */
  GCancellable     *cancellable;
  gboolean          loading;
  gboolean          saving;
  /* The file could not be read: say so once, and keep it aside before
   * writing over it. */
  gboolean          broken;

  /* Template widgets */
  GtkWidget        *scrolled_window;
  GtkListBox       *list_box;
  GtkWidget        *empty_label;
  GtkEntry         *name_entry;
  GtkWidget        *save_button;
};

G_DEFINE_FINAL_TYPE (OsaisStylePopover, osais_style_popover, GTK_TYPE_POPOVER)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_ENGINES,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  COLLECT_VALUES,
  APPLY_VALUES,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_toast (OsaisStylePopover *self,
            const char        *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
  else
    g_debug ("%s", title);
}

static void
update_sensitivity (OsaisStylePopover *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  g_autofree char *name = g_strstrip (g_strdup (text));
  gboolean can_save = !self->saving && !self->loading && self->file != NULL &&
                      self->engine != NULL &&
                      name[0] != '\0';

  gtk_widget_set_sensitive (self->save_button, can_save);
}

/* The list ---------------------------------------------------------------- */

static void delete_clicked_cb (GtkButton *button, OsaisStylePopover *self);

static const char *
engine_title (OsaisStylePopover *self,
              const char        *name)
{
  OsaisEngine *engine = self->engines != NULL ? osais_engines_lookup (self->engines, name) : NULL;

  /* An engine no longer installed by its name. */
  return engine != NULL ? osais_engine_get_title (engine) : name;
}

/* What tells styles apart: the engine, then the prompt when there is one
 * (a row shows one line of it). */
static char *
describe_style (OsaisStylePopover *self,
                OsaisStyle        *style)
{
  g_autoptr(JsonNode) values = json_from_string (style->values, NULL);
  const char *engine = engine_title (self, style->engine);
  const char *prompt = NULL;

  if (values != NULL && JSON_NODE_HOLDS_OBJECT (values))
    prompt = json_object_get_string_member_with_default (json_node_get_object (values),
                                                         "word", NULL);
  if (prompt == NULL || prompt[0] == '\0')
    return g_strdup (engine);

  /* Translators: a style's description: its AI engine, then its prompt. */
  return g_strdup_printf (_("%s — %s"), engine, prompt);
}

static void
fill_list (OsaisStylePopover *self)
{
  GtkWidget *child;
  gboolean any = self->styles != NULL && self->styles->len > 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  for (guint i = 0; self->styles != NULL && i < self->styles->len; i++)
    {
      OsaisStyle *style = g_ptr_array_index (self->styles, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");
      g_autofree char *title = g_markup_escape_text (style->name != NULL ? style->name : "", -1);
      g_autofree char *description = describe_style (self, style);
      g_autofree char *subtitle = g_markup_escape_text (description, -1);
      g_autofree char *delete_label = g_strdup_printf (_("Delete Style “%s”"),
                                                       style->name != NULL ? style->name : "");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      gtk_widget_set_tooltip_text (row, description);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_valign (delete, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (delete, "flat");
      gtk_widget_set_tooltip_text (delete, delete_label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (delete),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, delete_label, -1);
      g_object_set_data_full (G_OBJECT (delete), "style", g_strdup (style->name), g_free);
      g_signal_connect (delete, "clicked", G_CALLBACK (delete_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), delete);
      g_object_set_data_full (G_OBJECT (row), "style", g_strdup (style->name), g_free);
      gtk_list_box_append (self->list_box, row);
    }

  gtk_widget_set_visible (self->scrolled_window, any);
  gtk_widget_set_visible (self->empty_label, !any);
  update_sensitivity (self);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(OsaisStylePopover) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) styles = osais_styles_load_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loading = FALSE;
  g_clear_pointer (&self->styles, g_ptr_array_unref);
  if (styles == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Your styles could not be read: %s"),
                                               error->message);

      self->broken = TRUE;
      self->styles = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);
      show_toast (self, text);
    }
  else
    {
      self->broken = FALSE;
      self->styles = g_steal_pointer (&styles);
    }
  fill_list (self);
}

static void
load (OsaisStylePopover *self)
{
  if (self->file == NULL || self->loading)
    return;

  self->loading = TRUE;
  update_sensitivity (self);
  osais_styles_load_async (self->file, self->cancellable, loaded_cb, g_object_ref (self));
}

/* Saving ------------------------------------------------------------------ */

typedef struct
{
  OsaisStylePopover *self;
  GPtrArray         *styles;
} Saving;

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Saving *saving = user_data;
  g_autoptr(OsaisStylePopover) self = saving->self;
  g_autoptr(GPtrArray) styles = saving->styles;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept_as = NULL;

  g_free (saving);
  if (!osais_styles_save_finish (result, &kept_as, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->saving = FALSE;
      text = g_strdup_printf (_("Your styles were not saved: %s"), error->message);
      show_toast (self, text);
      update_sensitivity (self);
      return;
    }

  self->saving = FALSE;
  self->broken = FALSE;
  g_clear_pointer (&self->styles, g_ptr_array_unref);
  self->styles = g_steal_pointer (&styles);
  if (kept_as != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Your old styles could not be read; they were "
                                                 "kept as %s"), kept_as);

      show_toast (self, text);
    }
  fill_list (self);
}

static void
save_styles (OsaisStylePopover *self,
             GPtrArray         *styles)
{
  Saving *saving = g_new0 (Saving, 1);

  self->saving = TRUE;
  update_sensitivity (self);
  saving->self = g_object_ref (self);
  saving->styles = g_ptr_array_ref (styles);
  osais_styles_save_async (self->file, styles, self->broken, self->cancellable,
                           saved_cb, saving);
}

static GPtrArray *
copy_styles (OsaisStylePopover *self,
             const char        *without)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) osais_style_free);

  for (guint i = 0; self->styles != NULL && i < self->styles->len; i++)
    {
      OsaisStyle *style = g_ptr_array_index (self->styles, i);

      if (g_strcmp0 (style->name, without) != 0)
        g_ptr_array_add (copy, osais_style_copy (style));
    }

  return copy;
}

void
osais_style_popover_save (OsaisStylePopover *self,
                          const char        *name)
{
  g_autoptr(GPtrArray) styles = NULL;
  g_autofree char *values = NULL;
  g_autofree char *stripped = NULL;

  g_return_if_fail (OSAIS_IS_STYLE_POPOVER (self));
  g_return_if_fail (name != NULL);

  stripped = g_strstrip (g_strdup (name));
  if (self->engine == NULL || self->file == NULL || self->saving || self->loading ||
      stripped[0] == '\0')
    return;
  g_signal_emit (self, signals[COLLECT_VALUES], 0, &values);
  if (values == NULL)
    return;

  /* The newest on top; a name given again replaces its style. */
  styles = copy_styles (self, stripped);
  g_ptr_array_insert (styles, 0, osais_style_new (stripped, osais_engine_get_name (self->engine),
                                                  values));
  save_styles (self, styles);
}

static void
delete_clicked_cb (GtkButton         *button,
                   OsaisStylePopover *self)
{
  g_autoptr(GPtrArray) styles = NULL;

  if (self->saving || self->loading || self->broken)
    return;

  styles = copy_styles (self, g_object_get_data (G_OBJECT (button), "style"));
  save_styles (self, styles);
}

static void
save_clicked_cb (OsaisStylePopover *self)
{
  if (!gtk_widget_get_sensitive (self->save_button))
    return;

  osais_style_popover_save (self, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), "");
}

static void
name_changed_cb (OsaisStylePopover *self)
{
  update_sensitivity (self);
}

/* Applying ---------------------------------------------------------------- */

gboolean
osais_style_popover_apply (OsaisStylePopover *self,
                           const char        *name)
{
  g_return_val_if_fail (OSAIS_IS_STYLE_POPOVER (self), FALSE);

  for (guint i = 0; self->styles != NULL && i < self->styles->len; i++)
    {
      OsaisStyle *style = g_ptr_array_index (self->styles, i);

      if (g_strcmp0 (style->name, name) != 0)
        continue;

      if (self->engine != NULL &&
          g_strcmp0 (osais_engine_get_name (self->engine), style->engine) == 0)
        g_signal_emit (self, signals[APPLY_VALUES], 0, style->values);
      else
        gtk_widget_activate_action (GTK_WIDGET (self), "win.apply-style", "(ss)",
                                    style->engine, style->values);
      return TRUE;
    }

  return FALSE;
}

static void
row_activated_cb (OsaisStylePopover *self,
                  GtkListBoxRow     *row)
{
  g_autofree char *name = g_strdup (g_object_get_data (G_OBJECT (row), "style"));

  gtk_popover_popdown (GTK_POPOVER (self));
  osais_style_popover_apply (self, name);
}

/* Public ------------------------------------------------------------------ */

void
osais_style_popover_set_engine (OsaisStylePopover *self,
                                OsaisEngine       *engine)
{
  g_return_if_fail (OSAIS_IS_STYLE_POPOVER (self));
  g_return_if_fail (engine == NULL || OSAIS_IS_ENGINE (engine));

  if (!g_set_object (&self->engine, engine))
    return;
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

void
osais_style_popover_set_engines (OsaisStylePopover *self,
                                 GListModel        *engines)
{
  g_return_if_fail (OSAIS_IS_STYLE_POPOVER (self));
  g_return_if_fail (engines == NULL || G_IS_LIST_MODEL (engines));

  if (!g_set_object (&self->engines, engines))
    return;
  fill_list (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINES]);
}

void
osais_style_popover_set_file (OsaisStylePopover *self,
                              GFile             *file)
{
  g_return_if_fail (OSAIS_IS_STYLE_POPOVER (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  if (self->file == file || (self->file != NULL && file != NULL && g_file_equal (self->file, file)))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = FALSE;
  self->saving = FALSE;
  self->broken = FALSE;
  g_clear_pointer (&self->styles, g_ptr_array_unref);
  g_set_object (&self->file, file);
  load (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

char **
osais_style_popover_dup_names (OsaisStylePopover *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (OSAIS_IS_STYLE_POPOVER (self), NULL);

  for (guint i = 0; self->styles != NULL && i < self->styles->len; i++)
    g_strv_builder_add (builder, ((OsaisStyle *) g_ptr_array_index (self->styles, i))->name);

  return g_strv_builder_end (builder);
}

gboolean
osais_style_popover_get_busy (OsaisStylePopover *self)
{
  g_return_val_if_fail (OSAIS_IS_STYLE_POPOVER (self), FALSE);

  return self->loading || self->saving;
}

/* GObject ----------------------------------------------------------------- */

static void
osais_style_popover_show (GtkWidget *widget)
{
  OsaisStylePopover *self = OSAIS_STYLE_POPOVER (widget);

  fill_list (self);
  GTK_WIDGET_CLASS (osais_style_popover_parent_class)->show (widget);
}

static void
osais_style_popover_dispose (GObject *object)
{
  OsaisStylePopover *self = OSAIS_STYLE_POPOVER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_pointer (&self->styles, g_ptr_array_unref);
  g_clear_object (&self->engine);
  g_clear_object (&self->engines);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_STYLE_POPOVER);

  G_OBJECT_CLASS (osais_style_popover_parent_class)->dispose (object);
}

static void
osais_style_popover_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  OsaisStylePopover *self = OSAIS_STYLE_POPOVER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_ENGINES:
      g_value_set_object (value, self->engines);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_style_popover_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  OsaisStylePopover *self = OSAIS_STYLE_POPOVER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      osais_style_popover_set_engine (self, g_value_get_object (value));
      break;
    case PROP_ENGINES:
      osais_style_popover_set_engines (self, g_value_get_object (value));
      break;
    case PROP_FILE:
      osais_style_popover_set_file (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_style_popover_class_init (OsaisStylePopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_style_popover_dispose;
  object_class->get_property = osais_style_popover_get_property;
  object_class->set_property = osais_style_popover_set_property;
  widget_class->show = osais_style_popover_show;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL,
                         OSAIS_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENGINES] =
    g_param_spec_object ("engines", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The form answers these (its template connects them), so that the
   * popover knows no form: it could sit beside any widget that has values. */
  signals[COLLECT_VALUES] =
    g_signal_new ("collect-values", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_first_wins, NULL, NULL,
                  G_TYPE_STRING, 0);
  signals[APPLY_VALUES] =
    g_signal_new ("apply-values", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-style-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisStylePopover, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, OsaisStylePopover, list_box);
  gtk_widget_class_bind_template_child (widget_class, OsaisStylePopover, empty_label);
  gtk_widget_class_bind_template_child (widget_class, OsaisStylePopover, name_entry);
  gtk_widget_class_bind_template_child (widget_class, OsaisStylePopover, save_button);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
}

static void
osais_style_popover_init (OsaisStylePopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_sensitivity (self);
}
