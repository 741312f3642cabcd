/* osais-search-options.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "osais-core.h"

G_BEGIN_DECLS

#define OSAIS_TYPE_SEARCH_OPTIONS (osais_search_options_get_type ())

/* The search bar's filters, in a popover: the engine, when the job was made
 * (today, the last 7 or 30 days, the last year, or a custom range of days
 * chosen on calendars) and which jobs (all, the
 * running ones, the failed ones). They narrow the search together with the
 * text typed and the favourites toggle.
 *
 * Signals: changed (): a filter changed. */
G_DECLARE_FINAL_TYPE (OsaisSearchOptions, osais_search_options, OSAIS, SEARCH_OPTIONS, GtkPopover)

typedef enum
{
  OSAIS_SEARCH_PERIOD_ANY,
  OSAIS_SEARCH_PERIOD_TODAY,
  OSAIS_SEARCH_PERIOD_WEEK,
  OSAIS_SEARCH_PERIOD_MONTH,
  OSAIS_SEARCH_PERIOD_YEAR,
  OSAIS_SEARCH_PERIOD_CUSTOM,
} OsaisSearchPeriod;

typedef enum
{
  OSAIS_SEARCH_JOBS_ALL,
  OSAIS_SEARCH_JOBS_RUNNING,
  OSAIS_SEARCH_JOBS_FAILED,
} OsaisSearchJobs;

/* The engines offered to choose from (a GListModel of OsaisEngine); the
 * one chosen stays chosen while it is still offered. */
void      osais_search_options_set_engines (OsaisSearchOptions *self,
                                            GListModel         *engines);
/* Chooses, as a person would (tests; NULL: any engine). */
void      osais_search_options_set_engine  (OsaisSearchOptions *self,
                                            const char         *engine);
void      osais_search_options_set_period  (OsaisSearchOptions *self,
                                            OsaisSearchPeriod   period);
/* The custom range: the days @from to @to, both included, in the local
 * time zone (their times of day do not matter); chooses it as the period. */
void      osais_search_options_set_range   (OsaisSearchOptions *self,
                                            GDateTime          *from,
                                            GDateTime          *to);
void      osais_search_options_set_jobs    (OsaisSearchOptions *self,
                                            OsaisSearchJobs     jobs);
/* Sets the filters chosen in @query (the engine is owned by @self), with
 * the dates counted back from @now; returns whether any is chosen. */
gboolean  osais_search_options_fill_query  (OsaisSearchOptions *self,
                                            OsaisSearchQuery   *query,
                                            GDateTime          *now);

G_END_DECLS
