/* osais-style-popover.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_STYLE_POPOVER (osais_style_popover_get_type ())

/* Styles: the form saved under a name, applied later. Lists the styles of
 * a file (osais-styles.h), applies one to the form (through the window's
 * "win.apply-style" (ss: engine, values) when it is another engine's),
 * saves the form as a new one and deletes one. A file that cannot be read
 * is said in a toast, and kept aside before a style is saved over it.
 *
 * Properties: engine (OsaisEngine, nullable: the form's; no saving without
 * one), engines (GListModel of OsaisEngine, nullable: the titles of the
 * styles' engines), file (GFile, nullable).
 * Signals: collect-values () → string: the values to save, as a JSON object
 * text; apply-values (string): a style of the engine chosen, its values to
 * set. */
G_DECLARE_FINAL_TYPE (OsaisStylePopover, osais_style_popover, OSAIS, STYLE_POPOVER, GtkPopover)

void       osais_style_popover_set_engine (OsaisStylePopover *self,
                                           OsaisEngine       *engine);
void       osais_style_popover_set_engines (OsaisStylePopover *self,
                                            GListModel        *engines);
void       osais_style_popover_set_file (OsaisStylePopover *self,
                                         GFile             *file);
/* Saves the form as @name (replacing a style of that name). */
void       osais_style_popover_save     (OsaisStylePopover *self,
                                         const char        *name);
/* Applies the style called @name; FALSE when there is none. */
gboolean   osais_style_popover_apply    (OsaisStylePopover *self,
                                         const char        *name);

G_END_DECLS
