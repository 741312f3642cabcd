/* osais-flap-shadow.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* libadwaita 1.2's AdwFlap gives the four widgets that draw its overlay's
 * dimming and shadow their style classes again at every allocation of the
 * flap, changed or not; GTK 4.8 takes any style change as a reason to
 * restyle the window and lay all of it out again in the next frame, and
 * GDK's X11 backend then asks the X server for the window's geometry and
 * the work area, twice. Whatever is laid out again inside the flap (the
 * gallery at each new image, each search, each scroll step that brings
 * tiles in) thus cost a second layout in the frame after.
 *
 * Unfolded, a flap with the "over" transition never shows those widgets:
 * this hides them while @flap is unfolded, so that their style changes stay
 * their own, and shows them again as soon as it folds (after its unfolding
 * animation, in which they fade out). Widgets of that kind not found (a
 * later libadwaita): nothing is done. */
void osais_flap_shadow_hide_when_unfolded (AdwFlap *flap);

G_END_DECLS
