/* osais-core.h
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "osais-types.h"
#include "osais-enums.h"
#include "osais-protocol.h"
#include "osais-multipart.h"
#include "osais-image-check.h"
#include "osais-image.h"
#include "osais-png-text.h"
#include "osais-job.h"
#include "osais-search.h"
#include "osais-store.h"
#include "osais-styles.h"
#include "osais-engine.h"
#include "osais-client.h"
#include "osais-callback-server.h"
#include "osais-listen-address.h"
#include "osais-simulator.h"
#include "osais-session.h"
#include "osais-receiver.h"
#include "osais-tunnel.h"
#include "osais-tunnel-search.h"
