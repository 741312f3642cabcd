/* osais-cost.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisCost"

#include "config.h"

#include <glib/gi18n.h>

#include "osais-cost.h"

char *
osais_cost_format (gint64 ms)
{
  gint64 seconds = MAX ((ms + 500) / 1000, 1);

  if (seconds < 60)
    return g_strdup_printf (ngettext ("about %d second", "about %d seconds", (int) seconds),
                            (int) seconds);
  if (seconds % 60 == 0)
    return g_strdup_printf (ngettext ("about %d minute", "about %d minutes",
                                      (int) (seconds / 60)), (int) (seconds / 60));
  /* Translators: a duration, as in "about 2 min 20 s". */
  return g_strdup_printf (_("about %d min %d s"), (int) (seconds / 60), (int) (seconds % 60));
}

char *
osais_cost_describe (OsaisEngine *engine)
{
  g_autofree char *cost = NULL;

  g_return_val_if_fail (engine == NULL || OSAIS_IS_ENGINE (engine), NULL);

  if (engine == NULL || osais_engine_get_default_cost (engine) <= 0)
    return NULL;

  cost = osais_cost_format (osais_engine_get_default_cost (engine));
  /* Translators: %s is a duration, as in "about 2 seconds". */
  return g_strdup_printf (_("Estimated cost: %s of AI processing per request"), cost);
}
