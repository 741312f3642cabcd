/* osais-fuzz.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "osais-core.h"

G_BEGIN_DECLS

/* libFuzzer's entry points; each target defines the second, osais-fuzz.c the first. */
int    LLVMFuzzerInitialize   (int            *argc,
                               char         ***argv);
int    LLVMFuzzerTestOneInput (const uint8_t  *data,
                               size_t          size);

/* Splits an input into a header value and a body at its first newline, so
 * that the fuzzer varies both: a request's Content-Type is the client's too.
 * Without a newline, there is no header (NULL) and all of it is the body. */
char  *osais_fuzz_split_header (const uint8_t  *data,
                                size_t          size,
                                GBytes        **body);

/* A callback server listening on 127.0.0.1 on a free port, with a store in
 * a temporary folder (removed at exit), made at the first call: for the
 * targets that reach the server only through what it answers. */
OsaisCallbackServer *osais_fuzz_get_server (void);

/* Runs osais_tunnel_check_async() on @public_url against the fuzz server,
 * with a cancellable cancelled beforehand so that nothing leaves the
 * machine, and waits for its end. It checks that an invalid URL is refused
 * as one and that a valid one goes as far as the request. */
void                 osais_fuzz_check_public_url (const char *public_url);

G_END_DECLS
