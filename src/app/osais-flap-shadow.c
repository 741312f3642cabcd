/* osais-flap-shadow.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisFlapShadow"

#include "config.h"

#include "osais-flap-shadow.h"

#define FLAP_SHADOW_KEY "osais-flap-shadow"

/* The CSS names libadwaita's shadow helper gives its widgets, which it
 * parents to the flap itself. */
static const char * const shadow_css_names[] = { "dimming", "shadow", "border", "outline", NULL };

typedef struct
{
  /* Referenced: the flap unparents them when disposed, and a pending
   * hide may run after that. */
  GPtrArray *widgets;
  guint      hide_id;
} FlapShadow;

static void
flap_shadow_free (gpointer data)
{
  FlapShadow *shadow = data;

  g_clear_handle_id (&shadow->hide_id, g_source_remove);
  g_ptr_array_unref (shadow->widgets);
  g_free (shadow);
}

static void
set_shown (FlapShadow *shadow,
           gboolean    shown)
{
  for (guint i = 0; i < shadow->widgets->len; i++)
    gtk_widget_set_visible (g_ptr_array_index (shadow->widgets, i), shown);
}

static gboolean
hide_cb (gpointer user_data)
{
  FlapShadow *shadow = user_data;

  shadow->hide_id = 0;
  set_shown (shadow, FALSE);

  return G_SOURCE_REMOVE;
}

static void
folded_cb (AdwFlap    *flap,
           GParamSpec *pspec,
           FlapShadow *shadow)
{
  g_clear_handle_id (&shadow->hide_id, g_source_remove);

  if (adw_flap_get_folded (flap))
    set_shown (shadow, TRUE);
  else
    shadow->hide_id = g_timeout_add (adw_flap_get_fold_duration (flap), hide_cb, shadow);
}

void
osais_flap_shadow_hide_when_unfolded (AdwFlap *flap)
{
  FlapShadow *shadow;

  g_return_if_fail (ADW_IS_FLAP (flap));
  g_return_if_fail (adw_flap_get_transition_type (flap) == ADW_FLAP_TRANSITION_TYPE_OVER);
  g_return_if_fail (g_object_get_data (G_OBJECT (flap), FLAP_SHADOW_KEY) == NULL);

  shadow = g_new0 (FlapShadow, 1);
  shadow->widgets = g_ptr_array_new_with_free_func (g_object_unref);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (flap)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strv_contains (shadow_css_names, gtk_widget_get_css_name (child)))
      g_ptr_array_add (shadow->widgets, g_object_ref (child));

  g_object_set_data_full (G_OBJECT (flap), FLAP_SHADOW_KEY, shadow, flap_shadow_free);
  g_signal_connect (flap, "notify::folded", G_CALLBACK (folded_cb), shadow);
  set_shown (shadow, adw_flap_get_folded (flap));
}
