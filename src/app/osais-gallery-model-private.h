/* osais-gallery-model-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the tests read of the gallery model: how many items it made and
 * keeps, which its public API has no use for.
 */

#pragma once

#include "osais-gallery-model.h"

G_BEGIN_DECLS

/* How many items exist now (held by someone). */
guint osais_gallery_model_get_n_live_items (OsaisGalleryModel *self);
/* How many items were made, since the model was. */
guint osais_gallery_model_get_n_made_items (OsaisGalleryModel *self);

G_END_DECLS
