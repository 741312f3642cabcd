/* osais-store-error.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store's error domain, alone so that the search reader, which the
 * store runs, can report in it without including the store.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSAIS_STORE_ERROR (osais_store_error_quark ())

typedef enum
{
  OSAIS_STORE_ERROR_UNKNOWN_JOB,     /* no job has that uid (HTTP 404) */
  OSAIS_STORE_ERROR_TOKEN_MISMATCH,  /* the uid is known, the token is not its token (HTTP 403) */
  OSAIS_STORE_ERROR_DUPLICATE_JOB,   /* a job with that uid exists already */
  OSAIS_STORE_ERROR_DAMAGED,         /* the database is damaged: reported, never discarded */
  OSAIS_STORE_ERROR_TOO_NEW,         /* the database comes from a newer version */
  OSAIS_STORE_ERROR_IO,              /* disk or SQLite failure */
  OSAIS_STORE_ERROR_BUSY,            /* too many early callbacks kept for in-flight requests */
  OSAIS_STORE_ERROR_UNKNOWN_IMAGE,   /* the job has no such image (deleted already) */
  OSAIS_STORE_ERROR_DISK_FULL,       /* no space left: nothing was stored (HTTP 507) */
  OSAIS_STORE_ERROR_IN_USE,          /* a store has the folder open: it cannot be repaired */
  OSAIS_STORE_ERROR_READ_ONLY,       /* the data folder (or images/) cannot be written (HTTP 503) */
} OsaisStoreError;

GQuark osais_store_error_quark (void);

G_END_DECLS
