/* osais-engine-private.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's insides, shared by osais-engine.c (reading descriptors,
 * loading engines) and osais-engine-request.c (building requests).
 */

#pragma once

#include "osais-engine.h"

G_BEGIN_DECLS

#define RANDOM_DEFAULT "$random"

struct _OsaisEngine
{
  GObject    parent_instance;

  char       *name;
  char       *title;
  char       *version;
  char       *description;
  gint64      default_cost;
  GPtrArray  *params;       /* OsaisEngineParam* */

  /* GETTEXT_PACKAGE for a bundled engine, whose display texts are in the
   * catalogue; NULL otherwise. */
  const char *translation_domain;
  /* Whether the title is a display name ("name" beside "engine"), not the
   * id standing in for one: only a display name is translated. */
  gboolean    has_display_name;
};

gboolean  _osais_engine_node_is_number      (JsonNode               *node);
/* The descriptor's default as a node of @type, or NULL when it is not one. */
JsonNode *_osais_engine_default_to_type     (OsaisParamType          type,
                                             JsonNode               *node);
gboolean  _osais_engine_is_random_function  (const OsaisEngineParam *param);
/* For sorting arrays of strings (the comparator gets pointers to them). */
int       _osais_engine_compare_strings     (gconstpointer           a,
                                             gconstpointer           b);

G_END_DECLS
