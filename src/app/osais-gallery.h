/* osais-gallery.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"
#include "osais-gallery-model.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_GALLERY (osais_gallery_get_type ())

/* The gallery: a GtkGridView over the store, newest first: a card per job in
 * progress or failed, then one cell per stored image, filled in as images
 * arrive. An empty store shows an AdwStatusPage.
 *
 * Properties: store (OsaisStore, nullable).
 * Signals: image-activated (OsaisImage *image, OsaisJob *job): the user opened
 * an image. A card's Retry activates win.retry-job itself. */
G_DECLARE_FINAL_TYPE (OsaisGallery, osais_gallery, OSAIS, GALLERY, AdwBin)

GtkWidget  *osais_gallery_new       (void);
OsaisStore *osais_gallery_get_store (OsaisGallery *self);
void        osais_gallery_set_store (OsaisGallery *self,
                                     OsaisStore   *store);
/* The model shown by the grid (for tests and for scrolling to a job). */
GListModel *osais_gallery_get_model (OsaisGallery *self);
/* Scrolls to the first cell of @job (a notification was activated); FALSE
 * when @job has no cell shown (a search filters it out, or it is gone). */
gboolean    osais_gallery_show_job  (OsaisGallery *self,
                                     OsaisJob     *job);
/* Hides @image from the gallery at once and returns a toast (to show) with
 * an Undo button that brings it back; when the toast is dismissed without
 * undo, the image is deleted from the store (row and file). */
AdwToast   *osais_gallery_delete_image_with_undo (OsaisGallery *self,
                                                  OsaisImage   *image,
                                                  OsaisJob     *job);
/* Whether the callback server listens: the empty page says what is true
 * (default TRUE). */
void        osais_gallery_set_listening (OsaisGallery *self,
                                         gboolean      listening);
/* Whether OSAIS let the app in (FALSE once a login failed; default TRUE),
 * with the account mode it tried (offline, only the simulator can fail to
 * start): the empty page says so. */
void        osais_gallery_set_signed_in (OsaisGallery     *self,
                                         gboolean          signed_in,
                                         OsaisAccountMode  account_mode);
/* Whether the history is open: without it, nothing is shown or kept. */
void        osais_gallery_set_history_open (OsaisGallery *self,
                                            gboolean      open);
/* A card for a request on its way, at the top, until removed: OSAIS has not
 * answered yet, so there is no job. @parameters is the JSON of the values.
 * Returns the card (transfer none: the gallery holds it until removed). */
OsaisGalleryItem *osais_gallery_add_sending    (OsaisGallery     *self,
                                                const char       *engine,
                                                const char       *parameters);
void              osais_gallery_remove_sending (OsaisGallery     *self,
                                                OsaisGalleryItem *item);
guint             osais_gallery_get_n_sending  (OsaisGallery     *self);
/* Shows only the store's items that a search @found (an image whose id it
 * found, a card whose job it found), or all of them (NULL); the cards of
 * requests on their way stay. A search that found nothing shows "No
 * Results Found". */
void        osais_gallery_set_search    (OsaisGallery            *self,
                                         const OsaisSearchResult *found);
/* For when a search is about to come (the search bar opened): reads at
 * idle what the first search needs from the model and makes the cells it
 * will show, and has the store prepare its searches
 * (osais_store_prepare_search_async()), so that the first letter typed is
 * shown as quickly as the next ones. */
void        osais_gallery_prepare_search      (OsaisGallery *self);
/* Whether what osais_gallery_prepare_search() started is done. */
gboolean    osais_gallery_get_search_prepared (OsaisGallery *self);
/* Whether nothing is shown (property empty, notified): no image yet, or
 * none that the search keeps; the page then says which. */
gboolean           osais_gallery_get_empty          (OsaisGallery *self);
/* Selection mode (property selection-mode, notified): on while tiles are
 * selected (Ctrl/Shift+click, rubber band, Ctrl+A), or once set (the
 * window's Select button: then a tap or Enter on a tile selects it); a bar
 * says how many and offers Delete, Export… and Star; Cancel or Escape
 * leaves it (and setting it FALSE). */
gboolean           osais_gallery_get_selection_mode (OsaisGallery *self);
GtkSelectionModel *osais_gallery_get_selection      (OsaisGallery *self);
/* Hides the selected images, leaves selection mode and returns a toast (to
 * show) whose Undo brings them back; its going without undo deletes them.
 * NULL when no image is selected. */
AdwToast          *osais_gallery_delete_selected_with_undo (OsaisGallery *self);
/* Exports the selected images into @folder (see
 * osais_image_export_to_folder_async()): what gallery.export-selected does
 * with the folder the user chose. */
void               osais_gallery_export_selected_async  (OsaisGallery        *self,
                                                         GFile               *folder,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
guint              osais_gallery_export_selected_finish (OsaisGallery        *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
G_END_DECLS
