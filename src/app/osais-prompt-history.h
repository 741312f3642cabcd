/* osais-prompt-history.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_PROMPT_HISTORY (osais_prompt_history_get_type ())

/* The recent prompts, for a prompt field: a popover listing them, newest
 * first and each once, with a search entry; choosing one puts it in the
 * view. Up at the start of an empty view (and Down back) walks them too,
 * as a shell walks its history.
 *
 * Properties: jobs (GListModel of OsaisJob, newest first, nullable), key
 * (the name of the prompt parameter in a job's parameters, nullable), view
 * (GtkTextView, the prompt field). */
G_DECLARE_FINAL_TYPE (OsaisPromptHistory, osais_prompt_history, OSAIS, PROMPT_HISTORY, GtkPopover)

GtkWidget *osais_prompt_history_new      (void);
void       osais_prompt_history_set_jobs (OsaisPromptHistory *self,
                                          GListModel         *jobs);
void       osais_prompt_history_set_key  (OsaisPromptHistory *self,
                                          const char         *key);
void       osais_prompt_history_set_view (OsaisPromptHistory *self,
                                          GtkTextView        *view);
/* Whether the prompts are being collected again after a change to the jobs
 * or the key (for tests and benchmarks: they are then the last ones). */
gboolean   osais_prompt_history_get_busy (OsaisPromptHistory *self);
/* The prompts the popover lists for @filter (NULL: all). */
char     **osais_prompt_history_dup_prompts (OsaisPromptHistory *self,
                                             const char         *filter);

/* The prompts of @jobs (newest first): each job's @key parameter when it is
 * text that is not blank, each once (where it was newest), those that
 * contain @filter ignoring case (NULL or "": all), at most @limit. Looks at
 * the newest OSAIS_PROMPT_HISTORY_SCAN jobs only, so that a long history
 * costs no more than a short one. */
#define OSAIS_PROMPT_HISTORY_SCAN 5000
char     **osais_prompt_history_collect  (GListModel         *jobs,
                                          const char         *key,
                                          const char         *filter,
                                          guint               limit);

G_END_DECLS
