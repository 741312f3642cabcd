#!/bin/sh
# test-metainfo.sh — appstreamcli validates the built metainfo without the
# network, with no error and no warning. Infos pass: Debian 12's AppStream
# 0.16 reads the <developer> that AppStream 1.0 and Flathub want as an
# unknown tag, at info level.
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-metainfo.sh METAINFO

set -u

report=$(appstreamcli validate --no-net --pedantic "$1" 2>&1)
status=$?
printf '%s\n' "$report"
if [ "$status" -ne 0 ]; then
  echo "appstreamcli validate failed ($status)"
  exit 1
fi
if printf '%s\n' "$report" | grep -q '^[EW]:'; then
  echo "errors or warnings above"
  exit 1
fi
exit 0
