/* osais-cli.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisCli"

#include "config.h"

#include "osais-core.h"

int
main (int   argc,
      char *argv[])
{
  return 2;
}
