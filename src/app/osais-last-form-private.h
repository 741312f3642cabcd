/* osais-last-form-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests: whether the last form is being read or written.
 */

#pragma once

#include "osais-last-form.h"

G_BEGIN_DECLS

/* For tests: a read or write is under way. */
gboolean       osais_last_form_get_busy (OsaisLastForm    *self);

G_END_DECLS
