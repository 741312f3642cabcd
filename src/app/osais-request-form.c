/* osais-request-form.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisRequestForm"

#include "config.h"

#include "osais-request-form.h"

struct _OsaisRequestForm
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (OsaisRequestForm, osais_request_form, ADW_TYPE_BIN)

static void
osais_request_form_class_init (OsaisRequestFormClass *klass)
{
}

static void
osais_request_form_init (OsaisRequestForm *self)
{
}
