/* osais-last-form.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "osais-app-types.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_LAST_FORM (osais_last_form_get_type ())

/* The form last sent (engine, prompt, values), kept in the data folder
 * (OSAIS_LAST_FORM_FILE, in the styles' format) and given back to the form
 * at start-up: once its file is read, the first time the form shows that
 * engine. The window picks the engine (its "last-engine" setting). */
G_DECLARE_FINAL_TYPE (OsaisLastForm, osais_last_form, OSAIS, LAST_FORM, GObject)

OsaisLastForm *osais_last_form_new      (OsaisRequestForm *form);
void           osais_last_form_set_file (OsaisLastForm    *self,
                                         GFile            *file);
/* Keeps the form as it is now (written in a thread). */
void           osais_last_form_save     (OsaisLastForm    *self);

G_END_DECLS
