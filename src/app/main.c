/* main.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisStudio"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "osais-application.h"
#include "osais-bench-trace.h"
#include "osais-thread-priority.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(OsaisApplication) app = NULL;

  osais_bench_trace_event ("main");

  /* The cairo renderer draws without GL, but GTK 4.8 on X11 still makes a
   * GL context when it opens the display: Mesa loaded and probed for
   * nothing, 180 ms of CPU here, the most of GTK's start. A GDK_DEBUG of
   * the user's is kept. Set before any thread, as the environment must be. */
  if (g_strcmp0 (g_getenv ("GSK_RENDERER"), "cairo") == 0)
    g_setenv ("GDK_DEBUG", "gl-disable", FALSE);

  /* The window's frames come first: the core's threads (the callback
   * server's workers, the store's writer and file threads, the simulator)
   * run below them. */
  osais_thread_priority_favour_main_thread ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = osais_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
