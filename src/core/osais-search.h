/* osais-search.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What to look for in the history (osais_store_search_async()). Every
 * filter given must hold; a zeroed query matches everything but the jobs
 * the user stopped waiting for (OsaisJob:dismissed), which the history hides. */
typedef struct
{
  /* Typed text, as typed: every word must be in the job's prompt or engine
   * name, the last one as a prefix (search as you type) unless the text
   * ends with a space. Any text is safe: it is never FTS5 syntax. NULL or
   * empty: no text filter. */
  char     *text;
  /* An engine's name, exactly; NULL: any. */
  char     *engine;
  /* The job was created at or after @since and before @until (Unix time in
   * microseconds); 0: no bound. */
  gint64    since;
  gint64    until;
  /* Only the images starred as favourites (and the jobs that have one). */
  gboolean  favourites_only;
  /* Only the jobs that failed (stage -1). */
  gboolean  failed_only;
  /* Only the jobs still running (stage 0 to 4). */
  gboolean  running_only;
} OsaisSearchQuery;

OsaisSearchQuery *osais_search_query_copy  (const OsaisSearchQuery *query);
void              osais_search_query_free  (OsaisSearchQuery       *query);

/* What a search found, in the gallery's order: jobs newest first, and each
 * job's images in the order they came. */
typedef struct
{
  GArray *job_uids;   /* gint64: the jobs that match */
  GArray *image_ids;  /* gint64: their images (only the favourites with
                       * favourites_only), as osais_image_get_id() */
} OsaisSearchResult;

void              osais_search_result_free (OsaisSearchResult      *result);
guint             osais_search_result_get_n_jobs   (const OsaisSearchResult *result);
guint             osais_search_result_get_n_images (const OsaisSearchResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisSearchQuery, osais_search_query_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OsaisSearchResult, osais_search_result_free)

/* The FTS5 query for typed @text: each word quoted (so that `"`, `*`,
 * `NEAR(`, `AND` and the like are only text), the last one a prefix unless
 * @text ends with a separator; NULL when @text has no word. Words are the
 * runs of letters, digits and marks, as FTS5's unicode61 tokenizer cuts
 * them; at most 32 (more would only slow the search). */
char             *osais_search_build_match (const char             *text);

/* For the store: the searches run one at a time on a thread of their own,
 * with their own connection to the history @db_path (in WAL mode, reading
 * never waits for the writer, nor the writer for a search). */
typedef struct _OsaisSearchReader OsaisSearchReader;

OsaisSearchReader *osais_search_reader_new  (const char        *db_path);
/* Runs the searches queued, then closes the connection. */
void               osais_search_reader_free (OsaisSearchReader *reader);
/* Runs @task's search: its task data is an OsaisSearchQuery; it returns an
 * OsaisSearchResult, or an error (G_IO_ERROR_CANCELLED when cancelled).
 * Without task data, it prepares the searches to come (the connection
 * opened, the pages a search reads in its cache) and returns TRUE. */
void               osais_search_reader_run  (OsaisSearchReader *reader,
                                             GTask             *task);

G_END_DECLS
