/* osais-image-viewer-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The viewer's insides, shared by osais-image-viewer.c (showing an image,
 * zoom, details, actions), -export.c (copy, save, drag out) and
 * -compare.c (reading the textures, Compare); and the accessors tests use.
 */

#pragma once

#include "osais-compare-view.h"
#include "osais-image-viewer.h"

G_BEGIN_DECLS

struct _OsaisImageViewer
{
  AdwBin             parent_instance;

  OsaisImage        *image;
  OsaisJob          *job;
  GListModel        *model;
  GListModel        *engines;
  /* The rows of parameters_group, rebuilt for each image. */
  GPtrArray         *parameter_rows;
  GdkTexture        *texture;
  GCancellable      *cancellable;
  /* The image as copy and drag-out give it: with its parameters inside when
   * a PNG, made in a thread for each image shown; NULL until ready. */
  GBytes            *export_bytes;
  GFile             *export_file;
  gboolean           export_tagged;
  /* 0 fits the image to the window; otherwise the scale shown. */
  double             zoom;
  /* The job's input image, when the store kept it: what the result is
   * compared with (viewer.compare). */
  GdkTexture        *input_texture;
  GCancellable      *input_cancellable;
  gboolean           comparing;

  /* Template widgets */
  AdwFlap           *flap;
  GtkScrolledWindow *scrolled_window;
  GtkPicture        *picture;
  GtkButton         *zoom_button;
  GtkButton         *favourite_button;
  GtkWidget         *compare_button;
  GtkStack          *view_stack;
  OsaisCompareView  *compare_view;
  GtkWidget         *previous_button;
  GtkWidget         *next_button;
  AdwActionRow      *engine_row;
  AdwActionRow      *prompt_row;
  AdwActionRow      *seed_row;
  AdwPreferencesGroup *parameters_group;
  AdwActionRow      *size_row;
  AdwActionRow      *uid_row;
  AdwActionRow      *cycle_row;
  AdwActionRow      *time_row;
};

void          _osais_image_viewer_class_export_init (GtkWidgetClass   *widget_class);
void          _osais_image_viewer_show_toast        (OsaisImageViewer *self,
                                                     const char       *title);
void          _osais_image_viewer_update_actions    (OsaisImageViewer *self);
void          _osais_image_viewer_apply_zoom        (OsaisImageViewer *self);
OsaisEngine  *_osais_image_viewer_find_engine       (OsaisImageViewer *self);
void          _osais_image_viewer_start_export      (OsaisImageViewer *self);
void          _osais_image_viewer_forget_export     (OsaisImageViewer *self);
void          _osais_image_viewer_load_texture      (OsaisImageViewer *self);
void          _osais_image_viewer_load_input        (OsaisImageViewer *self);
void          _osais_image_viewer_set_comparing     (OsaisImageViewer *self,
                                                     gboolean          comparing);

/* For tests: the file drag-out offers (a copy with the parameters inside
 * once made, in the cache; NULL before), the details panel as "Title:
 * value" lines, and the compare view. */
GFile            *osais_image_viewer_get_drag_file    (OsaisImageViewer *self);
char             *osais_image_viewer_dup_details      (OsaisImageViewer *self);
OsaisCompareView *osais_image_viewer_get_compare_view (OsaisImageViewer *self);

G_END_DECLS
