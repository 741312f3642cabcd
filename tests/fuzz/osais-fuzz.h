/* osais-fuzz.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

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

G_END_DECLS
