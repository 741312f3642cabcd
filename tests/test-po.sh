#!/bin/sh
# test-po.sh — every translation in po/LINGUAS compiles (msgfmt --check) and
# is complete: no untranslated and no fuzzy message.
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-po.sh PO_DIR

set -u
cd "$1"

status=0
languages=$(grep -v '^#' LINGUAS)
if [ -z "$languages" ]; then
  echo "po/LINGUAS names no language"
  exit 1
fi
for lang in $languages; do
  stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$lang.po" 2>&1)
  if [ $? -ne 0 ]; then
    printf '%s.po does not compile:\n%s\n' "$lang" "$stats"
    status=1
    continue
  fi
  case "$stats" in
    *untranslated*|*fuzzy*)
      printf '%s.po is incomplete: %s\n' "$lang" "$stats"
      status=1
      ;;
    *)
      printf '%s.po: %s\n' "$lang" "$stats"
      ;;
  esac
done
exit $status
