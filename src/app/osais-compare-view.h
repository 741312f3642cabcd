/* osais-compare-view.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_COMPARE_VIEW (osais_compare_view_get_type ())

/* Two images in one place, split by a divider: @before (a job's input) left
 * of it, @after (its result) right of it, both fitted into the widget as
 * the result's shape asks. Dragging moves the divider; focused, Left and
 * Right move it by a twentieth, Home and End to the edges.
 *
 * Properties: before, after (GdkPaintable, nullable), fraction (double,
 * 0–1, default 0.5: where the divider is across the image). */
G_DECLARE_FINAL_TYPE (OsaisCompareView, osais_compare_view, OSAIS, COMPARE_VIEW, GtkWidget)

GtkWidget    *osais_compare_view_new          (void);
GdkPaintable *osais_compare_view_get_before   (OsaisCompareView *self);
void          osais_compare_view_set_before   (OsaisCompareView *self,
                                               GdkPaintable     *before);
GdkPaintable *osais_compare_view_get_after    (OsaisCompareView *self);
void          osais_compare_view_set_after    (OsaisCompareView *self,
                                               GdkPaintable     *after);
double        osais_compare_view_get_fraction (OsaisCompareView *self);
void          osais_compare_view_set_fraction (OsaisCompareView *self,
                                               double            fraction);

G_END_DECLS
