/* osais-callback-server-answer-stream.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OSAIS_TYPE_ANSWER_STREAM (osais_answer_stream_get_type ())

G_DECLARE_FINAL_TYPE (OsaisAnswerStream, osais_answer_stream, OSAIS, ANSWER_STREAM, GOutputStream)

/* The output of an accepted connection, which libsoup writes its answers
 * to: see osais-callback-server-answer-stream.c. Closing it closes
 * @connection. */
OsaisAnswerStream *osais_answer_stream_new     (GSocketConnection *connection,
                                                GMainContext      *context);
/* From now on, small writes are gathered, to leave in one send when the
 * stream is flushed (libsoup flushes once the answer's body is written). */
void               osais_answer_stream_hold    (OsaisAnswerStream *self);

G_END_DECLS
