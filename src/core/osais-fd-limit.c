/* osais-fd-limit.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisFdLimit"

#include "config.h"

#include <errno.h>

#include <sys/resource.h>

#include "osais-fd-limit.h"

guint64
osais_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 0;
  if (limit.rlim_cur < limit.rlim_max)
    {
      struct rlimit raised = { .rlim_cur = limit.rlim_max, .rlim_max = limit.rlim_max };

      /* The soft limit stays 1024 by default only for programs that use
       * select(); GLib polls, so nothing here needs it that low. */
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        limit = raised;
      else
        g_debug ("Cannot raise the descriptor limit: %s", g_strerror (errno));
    }
  return limit.rlim_cur == RLIM_INFINITY ? G_MAXUINT64 : (guint64) limit.rlim_cur;
}
