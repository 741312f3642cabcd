/* osais-test-utils.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a test waits for an asynchronous result before it fails. */
#define OSAIS_TEST_TIMEOUT_SECONDS 60

/* g_test_init() with the user's folders (config, data, cache, state, home)
 * moved to a fresh temporary folder, like G_TEST_OPTION_ISOLATE_DIRS, but
 * keeping XDG_DATA_DIRS: image decoding needs the system's MIME database. */
void          osais_test_init             (int           *argc,
                                           char        ***argv);

/* Removes a folder and everything in it (tests' temporary data folders). */
void          osais_test_remove_tree      (const char    *path);

/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void          osais_test_store_result_cb  (GObject       *object,
                                           GAsyncResult  *result,
                                           gpointer       user_data);

/* Iterates the thread-default main context until *@result is set; aborts
 * the test after OSAIS_TEST_TIMEOUT_SECONDS, naming @what. */
GAsyncResult *osais_test_wait_for_result  (GAsyncResult **result,
                                           const char    *what);

G_END_DECLS
