#!/bin/sh
# test-potfiles.sh — po/POTFILES.in lists every source and data file with
# translatable text, and nothing that does not exist: a file left out would
# leave its strings in English for every translation.
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-potfiles.sh SOURCE_ROOT

set -eu
cd "$1"

listed=$(mktemp)
found=$(mktemp)
trap 'rm -f "$listed" "$found"' EXIT

grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in | sort -u >"$listed"
{
  grep -rlE '(^|[^[:alnum:]_])(_|N_|C_|NC_|ngettext|g_dngettext)[[:space:]]*\(' \
    --include='*.c' --include='*.h' src
  grep -rl 'translatable="yes"' --include='*.ui' src
  ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml
} | sort -u >"$found"

status=0
for f in $(comm -13 "$listed" "$found"); do
  echo "not listed in po/POTFILES.in: $f"
  status=1
done
while read -r f; do
  if [ ! -f "$f" ]; then
    echo "listed in po/POTFILES.in but missing: $f"
    status=1
  fi
done <"$listed"
[ $status -eq 0 ] && echo "po/POTFILES.in lists the $(wc -l <"$found") files with translatable text"
exit $status
