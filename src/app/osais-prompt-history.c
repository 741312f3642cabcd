/* osais-prompt-history.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisPromptHistory"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "osais-core.h"
#include "osais-prompt-history.h"

/* How many prompts the popover and the keys walk: enough for a day's work,
 * few enough to list without a model. */
#define HISTORY_LIMIT 200

struct _OsaisPromptHistory
{
  GtkPopover     parent_instance;

  GListModel    *jobs;
  char          *key;
  GtkTextView   *view;
  GtkEventController *key_controller;
  /* The prompts of jobs, newest first, as last collected (NULL: never).
   * Collecting parses up to OSAIS_PROMPT_HISTORY_SCAN jobs' parameters: on
   * a thread (tests/bench: bench-prompt-history), after each change to the
   * jobs, the newest collection replacing the last. */
  GPtrArray     *prompts;
  GCancellable  *collect_cancellable;
  guint          refresh_id;
  /* Walking with Up and Down: the index shown (-1: not walking) and its
   * text, so that an edit ends the walk. */
  int            walk_index;

  /* Template widgets */
  GtkSearchEntry *search_entry;
  GtkListBox     *list_box;
  GtkWidget      *scrolled_window;
  GtkLabel       *empty_label;
};

G_DEFINE_FINAL_TYPE (OsaisPromptHistory, osais_prompt_history, GTK_TYPE_POPOVER)

enum {
  PROP_0,
  PROP_JOBS,
  PROP_KEY,
  PROP_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Collecting --------------------------------------------------------------- */

static char *
parameters_prompt (const char *parameters,
                   const char *key)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *node;
  const char *text;

  if (parameters == NULL || !json_parser_load_from_data (parser, parameters, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  node = json_object_get_member (json_node_get_object (root), key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  text = json_node_get_string (node);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return g_strdup (text);

  return NULL;
}

static gboolean
matches (const char *prompt,
         const char *folded_filter)
{
  g_autofree char *folded = NULL;

  if (folded_filter == NULL || folded_filter[0] == '\0')
    return TRUE;
  folded = g_utf8_casefold (prompt, -1);

  return strstr (folded, folded_filter) != NULL;
}

/* The parameters of the newest jobs: what collecting reads, copied on the
 * main context so that a thread can parse them (a job's parameters never
 * change, but the job may go meanwhile). */
static GPtrArray *
snapshot_parameters (GListModel *jobs)
{
  guint n_jobs = jobs != NULL ? MIN (g_list_model_get_n_items (jobs),
                                     OSAIS_PROMPT_HISTORY_SCAN) : 0;
  GPtrArray *parameters = g_ptr_array_new_full (n_jobs, g_free);

  for (guint i = 0; i < n_jobs; i++)
    {
      g_autoptr(OsaisJob) job = g_list_model_get_item (jobs, i);

      g_ptr_array_add (parameters, g_strdup (osais_job_get_parameters (job)));
    }

  return parameters;
}

/* Any thread. */
static char **
collect_from_parameters (GPtrArray  *parameters,
                         const char *key,
                         const char *filter,
                         guint       limit)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *folded_filter = filter != NULL ? g_utf8_casefold (filter, -1) : NULL;
  guint n = 0;

  for (guint i = 0; key != NULL && i < parameters->len && n < limit; i++)
    {
      const char *text = g_ptr_array_index (parameters, i);
      g_autofree char *prompt = text != NULL ? parameters_prompt (text, key) : NULL;

      if (prompt == NULL || g_hash_table_contains (seen, prompt))
        continue;
      if (matches (prompt, folded_filter))
        {
          g_strv_builder_add (builder, prompt);
          n++;
        }
      g_hash_table_add (seen, g_steal_pointer (&prompt));
    }

  return g_strv_builder_end (builder);
}

char **
osais_prompt_history_collect (GListModel *jobs,
                              const char *key,
                              const char *filter,
                              guint       limit)
{
  g_autoptr(GPtrArray) parameters = NULL;

  g_return_val_if_fail (jobs == NULL || G_IS_LIST_MODEL (jobs), NULL);

  parameters = snapshot_parameters (jobs);

  return collect_from_parameters (parameters, key, filter, limit);
}

typedef struct
{
  GPtrArray *parameters;
  char      *key;
} CollectData;

static void
collect_data_free (CollectData *data)
{
  g_ptr_array_unref (data->parameters);
  g_free (data->key);
  g_free (data);
}

static void
collect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CollectData *data = task_data;

  g_task_return_pointer (task,
                         collect_from_parameters (data->parameters, data->key, NULL,
                                                  HISTORY_LIMIT),
                         (GDestroyNotify) g_strfreev);
}

static void fill_list (OsaisPromptHistory *self);

static void
collected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (object);
  g_auto(GStrv) prompts = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Cancelled: a newer collection is under way, or the popover went. */
  if (prompts == NULL)
    return;

  g_clear_object (&self->collect_cancellable);
  g_clear_pointer (&self->prompts, g_ptr_array_unref);
  self->prompts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; prompts[i] != NULL; i++)
    g_ptr_array_add (self->prompts, g_steal_pointer (&prompts[i]));

  if (gtk_widget_get_visible (GTK_WIDGET (self)))
    fill_list (self);
}

static void
refresh_cb (gpointer user_data)
{
  OsaisPromptHistory *self = user_data;
  g_autoptr(GTask) task = NULL;
  CollectData *data;

  self->refresh_id = 0;
  g_cancellable_cancel (self->collect_cancellable);
  g_clear_object (&self->collect_cancellable);

  self->collect_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->collect_cancellable, collected_cb, NULL);
  g_task_set_source_tag (task, refresh_cb);
  g_task_set_name (task, "[osais-prompt-history] collect");
  data = g_new0 (CollectData, 1);
  data->parameters = snapshot_parameters (self->key != NULL ? self->jobs : NULL);
  data->key = g_strdup (self->key);
  g_task_set_task_data (task, data, (GDestroyNotify) collect_data_free);
  g_task_run_in_thread (task, collect_thread);
}

/* The jobs changed: collected again once the changes made together are in
 * (a history loads a page at a time), the last prompts kept meanwhile. */
static void
invalidate (OsaisPromptHistory *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_once (refresh_cb, self);
}

/* Only the newest jobs are read: a change past them changes nothing. */
static void
jobs_changed_cb (OsaisPromptHistory *self,
                 guint               position)
{
  if (position < OSAIS_PROMPT_HISTORY_SCAN)
    invalidate (self);
}

static GPtrArray *
ensure_prompts (OsaisPromptHistory *self)
{
  /* Not collected yet: nothing to offer for these few milliseconds. */
  if (self->prompts == NULL)
    self->prompts = g_ptr_array_new_with_free_func (g_free);

  return self->prompts;
}

char **
osais_prompt_history_dup_prompts (OsaisPromptHistory *self,
                                  const char         *filter)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *folded_filter = filter != NULL ? g_utf8_casefold (filter, -1) : NULL;
  GPtrArray *prompts;

  g_return_val_if_fail (OSAIS_IS_PROMPT_HISTORY (self), NULL);

  prompts = ensure_prompts (self);
  for (guint i = 0; i < prompts->len; i++)
    if (matches (g_ptr_array_index (prompts, i), folded_filter))
      g_strv_builder_add (builder, g_ptr_array_index (prompts, i));

  return g_strv_builder_end (builder);
}

/* The popover ------------------------------------------------------------- */

static void
set_view_text (OsaisPromptHistory *self,
               const char         *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  GtkTextIter start, end;

  /* One user action, so that Ctrl+Z gives back what was there. */
  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_delete (buffer, &start, &end);
  gtk_text_buffer_insert (buffer, &start, text, -1);
  gtk_text_buffer_end_user_action (buffer);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);
}

static void
fill_list (OsaisPromptHistory *self)
{
  const char *filter = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_auto(GStrv) prompts = osais_prompt_history_dup_prompts (self, filter);
  GtkWidget *child;
  gboolean any = prompts[0] != NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  for (guint i = 0; prompts[i] != NULL; i++)
    {
      GtkWidget *label = gtk_label_new (prompts[i]);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (label), 2);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_end (label, 6);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_widget_set_tooltip_text (row, prompts[i]);
      g_object_set_data_full (G_OBJECT (row), "prompt", g_strdup (prompts[i]), g_free);
      gtk_list_box_append (self->list_box, row);
    }

  gtk_widget_set_visible (self->scrolled_window, any);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), !any);
  gtk_label_set_label (self->empty_label,
                       filter[0] != '\0' ? _("No Matching Prompts") : _("No Recent Prompts"));
}

static void
search_changed_cb (OsaisPromptHistory *self)
{
  fill_list (self);
}

static void
search_activate_cb (OsaisPromptHistory *self)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list_box, 0);

  if (row != NULL)
    g_signal_emit_by_name (self->list_box, "row-activated", row);
}

/* ↓ in the search goes to the prompts, as in GNOME's other searches. */
static gboolean
search_key_pressed_cb (OsaisPromptHistory    *self,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEventControllerKey *controller)
{
  GtkListBoxRow *row;

  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return FALSE;
  row = gtk_list_box_get_row_at_index (self->list_box, 0);
  if (row == NULL)
    return FALSE;

  return gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
stop_search_cb (OsaisPromptHistory *self)
{
  gtk_popover_popdown (GTK_POPOVER (self));
}

static void
row_activated_cb (OsaisPromptHistory *self,
                  GtkListBoxRow      *row)
{
  const char *prompt = g_object_get_data (G_OBJECT (row), "prompt");

  gtk_popover_popdown (GTK_POPOVER (self));
  if (self->view == NULL || prompt == NULL)
    return;

  set_view_text (self, prompt);
  self->walk_index = -1;
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
}

static void
osais_prompt_history_show (GtkWidget *widget)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  fill_list (self);

  GTK_WIDGET_CLASS (osais_prompt_history_parent_class)->show (widget);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Up and Down ------------------------------------------------------------- */

static char *
view_text (OsaisPromptHistory *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
cursor_on_line (OsaisPromptHistory *self,
                gboolean            first)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  GtkTextIter cursor;

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));

  /* Display lines, as Up and Down move: a wrapped prompt has several. */
  if (first)
    {
      GtkTextIter probe = cursor;

      return !gtk_text_view_backward_display_line (self->view, &probe);
    }
  else
    {
      GtkTextIter probe = cursor;

      return !gtk_text_view_forward_display_line (self->view, &probe) ||
             gtk_text_iter_is_end (&probe);
    }
}

static gboolean
key_pressed_cb (OsaisPromptHistory    *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  g_autofree char *text = NULL;
  GPtrArray *prompts;
  gboolean walking;

  if ((state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  if (keyval != GDK_KEY_Up && keyval != GDK_KEY_KP_Up &&
      keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return FALSE;

  text = view_text (self);
  prompts = ensure_prompts (self);
  /* Still walking only while the prompt is the one the walk put there. */
  walking = self->walk_index >= 0 && (guint) self->walk_index < prompts->len &&
            g_strcmp0 (text, g_ptr_array_index (prompts, self->walk_index)) == 0;
  if (!walking)
    self->walk_index = -1;

  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    {
      if (!(text[0] == '\0' || (walking && cursor_on_line (self, TRUE))))
        return FALSE;
      if ((guint) (self->walk_index + 1) >= prompts->len)
        {
          gtk_widget_error_bell (GTK_WIDGET (self->view));
          return text[0] == '\0';
        }
      self->walk_index++;
      set_view_text (self, g_ptr_array_index (prompts, self->walk_index));
      return TRUE;
    }

  if (!walking || !cursor_on_line (self, FALSE))
    return FALSE;
  self->walk_index--;
  set_view_text (self, self->walk_index >= 0 ? g_ptr_array_index (prompts, self->walk_index)
                                            : "");
  return TRUE;
}

/* Public ------------------------------------------------------------------ */

GtkWidget *
osais_prompt_history_new (void)
{
  return g_object_new (OSAIS_TYPE_PROMPT_HISTORY, NULL);
}

gboolean
osais_prompt_history_get_busy (OsaisPromptHistory *self)
{
  g_return_val_if_fail (OSAIS_IS_PROMPT_HISTORY (self), FALSE);

  return self->refresh_id != 0 || self->collect_cancellable != NULL;
}

void
osais_prompt_history_set_jobs (OsaisPromptHistory *self,
                               GListModel         *jobs)
{
  g_return_if_fail (OSAIS_IS_PROMPT_HISTORY (self));
  g_return_if_fail (jobs == NULL || G_IS_LIST_MODEL (jobs));

  if (self->jobs == jobs)
    return;

  if (self->jobs != NULL)
    g_signal_handlers_disconnect_by_func (self->jobs, jobs_changed_cb, self);
  g_set_object (&self->jobs, jobs);
  if (jobs != NULL)
    g_signal_connect_swapped (jobs, "items-changed", G_CALLBACK (jobs_changed_cb), self);
  invalidate (self);
  self->walk_index = -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOBS]);
}

void
osais_prompt_history_set_key (OsaisPromptHistory *self,
                              const char         *key)
{
  g_return_if_fail (OSAIS_IS_PROMPT_HISTORY (self));

  if (g_strcmp0 (self->key, key) == 0)
    return;

  g_free (self->key);
  self->key = g_strdup (key);
  invalidate (self);
  self->walk_index = -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY]);
}

void
osais_prompt_history_set_view (OsaisPromptHistory *self,
                               GtkTextView        *view)
{
  g_return_if_fail (OSAIS_IS_PROMPT_HISTORY (self));
  g_return_if_fail (view == NULL || GTK_IS_TEXT_VIEW (view));

  if (self->view == view)
    return;

  if (self->view != NULL)
    {
      gtk_widget_remove_controller (GTK_WIDGET (self->view), self->key_controller);
      self->key_controller = NULL;
      g_object_remove_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);
    }
  self->view = view;
  if (view != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &self->view);
      /* Before the view's own bindings, which move the cursor. */
      self->key_controller = gtk_event_controller_key_new ();
      gtk_event_controller_set_propagation_phase (self->key_controller, GTK_PHASE_CAPTURE);
      g_signal_connect_object (self->key_controller, "key-pressed",
                               G_CALLBACK (key_pressed_cb), self, G_CONNECT_SWAPPED);
      gtk_widget_add_controller (GTK_WIDGET (view), self->key_controller);
    }
  self->walk_index = -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW]);
}

/* GObject ----------------------------------------------------------------- */

static void
osais_prompt_history_dispose (GObject *object)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (object);

  osais_prompt_history_set_view (self, NULL);
  if (self->jobs != NULL)
    g_signal_handlers_disconnect_by_func (self->jobs, jobs_changed_cb, self);
  g_clear_object (&self->jobs);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_cancellable_cancel (self->collect_cancellable);
  g_clear_object (&self->collect_cancellable);
  g_clear_pointer (&self->prompts, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSAIS_TYPE_PROMPT_HISTORY);

  G_OBJECT_CLASS (osais_prompt_history_parent_class)->dispose (object);
}

static void
osais_prompt_history_finalize (GObject *object)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (object);

  g_free (self->key);

  G_OBJECT_CLASS (osais_prompt_history_parent_class)->finalize (object);
}

static void
osais_prompt_history_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (object);

  switch (prop_id)
    {
    case PROP_JOBS:
      g_value_set_object (value, self->jobs);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_VIEW:
      g_value_set_object (value, self->view);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_prompt_history_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  OsaisPromptHistory *self = OSAIS_PROMPT_HISTORY (object);

  switch (prop_id)
    {
    case PROP_JOBS:
      osais_prompt_history_set_jobs (self, g_value_get_object (value));
      break;
    case PROP_KEY:
      osais_prompt_history_set_key (self, g_value_get_string (value));
      break;
    case PROP_VIEW:
      osais_prompt_history_set_view (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osais_prompt_history_class_init (OsaisPromptHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osais_prompt_history_dispose;
  object_class->finalize = osais_prompt_history_finalize;
  object_class->get_property = osais_prompt_history_get_property;
  object_class->set_property = osais_prompt_history_set_property;
  widget_class->show = osais_prompt_history_show;

  properties[PROP_JOBS] =
    g_param_spec_object ("jobs", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIEW] =
    g_param_spec_object ("view", NULL, NULL,
                         GTK_TYPE_TEXT_VIEW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/opensourceais/Studio/osais-prompt-history.ui");
  gtk_widget_class_bind_template_child (widget_class, OsaisPromptHistory, search_entry);
  gtk_widget_class_bind_template_child (widget_class, OsaisPromptHistory, list_box);
  gtk_widget_class_bind_template_child (widget_class, OsaisPromptHistory, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, OsaisPromptHistory, empty_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
}

static void
osais_prompt_history_init (OsaisPromptHistory *self)
{
  GtkEventController *keys;

  self->walk_index = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  keys = gtk_event_controller_key_new ();
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);
}
