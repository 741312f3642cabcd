/* osais-input-well.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_INPUT_WELL (osais_input_well_get_type ())

/* The input-image well of a request form: a dashed drop area with a preview,
 * Choose…, Paste and Remove. Files and pasted or dropped images are read and
 * checked off the main thread (PNG, JPEG or WebP by their magic bytes); only
 * a preview-sized picture is decoded.
 *
 * Properties: engine (OsaisEngine, nullable: whose input limits apply —
 * filterExt, maxKb, min/max width and height), has-input (boolean,
 * read-only: an image is held, even one the engine refuses), error (string,
 * read-only, nullable: why the image was refused or does not suit the engine),
 * loading (boolean, read-only). */
G_DECLARE_FINAL_TYPE (OsaisInputWell, osais_input_well, OSAIS, INPUT_WELL, AdwBin)

GtkWidget   *osais_input_well_new         (void);
OsaisEngine *osais_input_well_get_engine  (OsaisInputWell *self);
void         osais_input_well_set_engine  (OsaisInputWell *self,
                                           OsaisEngine    *engine);
gboolean     osais_input_well_get_has_input (OsaisInputWell *self);
gboolean     osais_input_well_get_loading (OsaisInputWell *self);
const char  *osais_input_well_get_error   (OsaisInputWell *self);
/* Reads @file asynchronously; a file that is not an image we take leaves the
 * well empty with the reason in :error. */
void         osais_input_well_set_file    (OsaisInputWell *self,
                                           GFile          *file);
void         osais_input_well_set_bytes   (OsaisInputWell *self,
                                           GBytes         *bytes);
void         osais_input_well_clear       (OsaisInputWell *self);
/* The image held (its bytes and content type), or NULL. */
GBytes      *osais_input_well_dup_bytes   (OsaisInputWell *self,
                                           const char    **content_type);
/* The preview shown, or NULL (none yet, or no decoder for the type). */
GdkPaintable *osais_input_well_get_preview (OsaisInputWell *self);

G_END_DECLS
