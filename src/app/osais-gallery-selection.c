/* osais-gallery-selection.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisGallerySelection"

#include "config.h"

#include "osais-gallery-selection.h"

struct _OsaisGallerySelection
{
  GObject            parent_instance;

  GtkMultiSelection *selection;
};

static void osais_gallery_selection_list_model_init      (GListModelInterface        *iface);
static void osais_gallery_selection_selection_model_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OsaisGallerySelection, osais_gallery_selection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osais_gallery_selection_list_model_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL,
                                                      osais_gallery_selection_selection_model_init))

#define INNER(model) (G_LIST_MODEL (OSAIS_GALLERY_SELECTION (model)->selection))
#define INNER_SELECTION(model) \
  (GTK_SELECTION_MODEL (OSAIS_GALLERY_SELECTION (model)->selection))

static GType
get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (INNER (model));
}

static guint
get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (INNER (model));
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  return g_list_model_get_item (INNER (model), position);
}

static void
osais_gallery_selection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gboolean
is_selected (GtkSelectionModel *model,
             guint              position)
{
  return gtk_selection_model_is_selected (INNER_SELECTION (model), position);
}

static GtkBitset *
get_selection_in_range (GtkSelectionModel *model,
                        guint              position,
                        guint              n_items)
{
  return gtk_selection_model_get_selection_in_range (INNER_SELECTION (model), position, n_items);
}

/* The one request refused: hover and focus make it, the user never does. */
static gboolean
select_item (GtkSelectionModel *model,
             guint              position,
             gboolean           unselect_rest)
{
  return !unselect_rest &&
         gtk_selection_model_select_item (INNER_SELECTION (model), position, FALSE);
}

static gboolean
unselect_item (GtkSelectionModel *model,
               guint              position)
{
  return gtk_selection_model_unselect_item (INNER_SELECTION (model), position);
}

static gboolean
select_range (GtkSelectionModel *model,
              guint              position,
              guint              n_items,
              gboolean           unselect_rest)
{
  return gtk_selection_model_select_range (INNER_SELECTION (model), position, n_items,
                                           unselect_rest);
}

static gboolean
unselect_range (GtkSelectionModel *model,
                guint              position,
                guint              n_items)
{
  return gtk_selection_model_unselect_range (INNER_SELECTION (model), position, n_items);
}

static gboolean
select_all (GtkSelectionModel *model)
{
  return gtk_selection_model_select_all (INNER_SELECTION (model));
}

static gboolean
unselect_all (GtkSelectionModel *model)
{
  return gtk_selection_model_unselect_all (INNER_SELECTION (model));
}

static gboolean
set_selection (GtkSelectionModel *model,
               GtkBitset         *selected,
               GtkBitset         *mask)
{
  return gtk_selection_model_set_selection (INNER_SELECTION (model), selected, mask);
}

static void
osais_gallery_selection_selection_model_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->get_selection_in_range = get_selection_in_range;
  iface->select_item = select_item;
  iface->unselect_item = unselect_item;
  iface->select_range = select_range;
  iface->unselect_range = unselect_range;
  iface->select_all = select_all;
  iface->unselect_all = unselect_all;
  iface->set_selection = set_selection;
}

static void
items_changed_cb (OsaisGallerySelection *self,
                  guint                  position,
                  guint                  removed,
                  guint                  added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
selection_changed_cb (OsaisGallerySelection *self,
                      guint                  position,
                      guint                  n_items)
{
  gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, n_items);
}

OsaisGallerySelection *
osais_gallery_selection_new (GListModel *model)
{
  OsaisGallerySelection *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (OSAIS_TYPE_GALLERY_SELECTION, NULL);
  self->selection = gtk_multi_selection_new (g_object_ref (model));
  g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (items_changed_cb),
                            self);
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (selection_changed_cb), self);

  return self;
}

static void
osais_gallery_selection_dispose (GObject *object)
{
  OsaisGallerySelection *self = OSAIS_GALLERY_SELECTION (object);

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);

  G_OBJECT_CLASS (osais_gallery_selection_parent_class)->dispose (object);
}

static void
osais_gallery_selection_class_init (OsaisGallerySelectionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = osais_gallery_selection_dispose;
}

static void
osais_gallery_selection_init (OsaisGallerySelection *self)
{
}
