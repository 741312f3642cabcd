/* osais-image-viewer.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-compare-view.h"

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_IMAGE_VIEWER (osais_image_viewer_get_type ())

/* Shows one image large (fit to the window, zoom), with its engine, prompt,
 * parameters, seed, uid, cycle and time, over a transparency checkerboard.
 * Its actions (viewer.save-as, viewer.copy, viewer.use-as-input,
 * viewer.reuse-parameters, viewer.delete, viewer.close, viewer.previous,
 * viewer.next, viewer.fullscreen, viewer.show-in-files, viewer.delete-job,
 * viewer.toggle-favourite) are installed with
 * gtk_widget_class_install_action; the ones that concern the rest of the
 * window are signals:
 *   use-as-input (OsaisImage *), reuse-parameters (OsaisJob *),
 *   delete-image (OsaisImage *, OsaisJob *), delete-job (OsaisJob *), closed (),
 *   set-favourite (OsaisImage *, gboolean): S or the star asks for the image's
 *   favourite flag to change; the star follows the image's property.
 * Properties: image (OsaisImage), job (OsaisJob), model (GListModel of
 * OsaisGalleryItem, nullable): the images that previous and next walk;
 * engines (GListModel of OsaisEngine, nullable): the descriptors that name
 * and format the parameters in the details. */
G_DECLARE_FINAL_TYPE (OsaisImageViewer, osais_image_viewer, OSAIS, IMAGE_VIEWER, AdwBin)

GtkWidget  *osais_image_viewer_new       (void);
void        osais_image_viewer_set_image (OsaisImageViewer *self,
                                          OsaisImage       *image,
                                          OsaisJob         *job);
OsaisImage *osais_image_viewer_get_image (OsaisImageViewer *self);
OsaisJob   *osais_image_viewer_get_job   (OsaisImageViewer *self);
void        osais_image_viewer_set_model (OsaisImageViewer *self,
                                          GListModel       *model);
void        osais_image_viewer_set_engines (OsaisImageViewer *self,
                                            GListModel       *engines);
/* The name Save As suggests: the prompt made a file name, then the request's
 * uid (and the image's number when the job has several), with the stored
 * file's extension: "a-red-fox-in-the-snow-4711.png". */
char       *osais_image_viewer_dup_suggested_name (OsaisImageViewer *self);
/* Saves a copy of the image to @destination as a normal file of the user's
 * (default permissions, where the store keeps its own files private); a PNG
 * with its parameters inside (see osais-image-export.h). */
void        osais_image_viewer_save_async  (OsaisImageViewer    *self,
                                            GFile               *destination,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    osais_image_viewer_save_finish (OsaisImageViewer    *self,
                                            GAsyncResult        *result,
                                            GError             **error);
/* The full-size texture once loaded (NULL before), the zoom (0: fit). */
GdkTexture *osais_image_viewer_get_texture (OsaisImageViewer *self);
double      osais_image_viewer_get_zoom    (OsaisImageViewer *self);

/* Compare (property comparing, action viewer.compare, key C): the result
 * and the input image the store kept for its job, split by a divider;
 * offered only when that input exists. */
gboolean          osais_image_viewer_get_comparing    (OsaisImageViewer *self);

G_END_DECLS
