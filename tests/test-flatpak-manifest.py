#!/usr/bin/env python3
# test-flatpak-manifest.py — the Flatpak manifest parses (flatpak-builder
# --show-manifest) and asks for what a Flathub reviewer would accept: the app
# id, its command, the current GNOME runtime, and least privilege.
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-flatpak-manifest.py MANIFEST APP_ID

import json
import os
import subprocess
import sys
import tempfile

manifest_path, app_id = sys.argv[1], sys.argv[2]
checks = []


def check(ok, what):
    checks.append((bool(ok), what))


# flatpak-builder's own parser, so that what is checked is what it builds.
# From a temporary folder: flatpak-builder leaves its state folder,
# .flatpak-builder, in the working directory.
manifest_path = os.path.abspath(manifest_path)
with tempfile.TemporaryDirectory() as work_dir:
    shown = subprocess.run(['flatpak-builder', '--show-manifest', manifest_path],
                           capture_output=True, text=True, cwd=work_dir)
if shown.returncode != 0:
    print('1..1')
    print('not ok 1 - flatpak-builder --show-manifest parses the manifest')
    print('# ' + shown.stderr.strip().replace('\n', '\n# '))
    sys.exit(1)
manifest = json.loads(shown.stdout)
finish_args = manifest.get('finish-args', [])

check(True, 'flatpak-builder --show-manifest parses the manifest')
check(manifest.get('id') == app_id, 'the id is ' + app_id)
check(manifest.get('command') == 'osais-studio', 'the command is osais-studio')
check(manifest.get('runtime') == 'org.gnome.Platform', 'the runtime is org.gnome.Platform')
check(manifest.get('sdk') == 'org.gnome.Sdk', 'the SDK is org.gnome.Sdk')
version = manifest.get('runtime-version', '')
check(version.isdigit() and int(version) >= 47,
      'the runtime is a current GNOME (47 or later), not ' + repr(version))
for arg in ['--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
            '--device=dri']:
    check(arg in finish_args, 'finish-args has ' + arg)
check(not any(a.startswith('--filesystem=') for a in finish_args),
      'no file system access: files come and go through portals')
check(not any(a.startswith('--talk-name=org.freedesktop.secrets') for a in finish_args),
      'secrets through the Secret portal, not the Secret Service')
check(not any(a in ('--socket=x11', '--device=all', '--share=all') for a in finish_args),
      'no X11 socket, all devices or other broad permissions')
project = manifest.get('modules', [{}])[-1]
check(project.get('buildsystem') == 'meson', 'the project is the last module, built with meson')
check(any(s.get('type') == 'dir' for s in project.get('sources', [])),
      'the project is built from the source tree')

print('1..%d' % len(checks))
for i, (ok, what) in enumerate(checks, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, what))
sys.exit(0 if all(ok for ok, _ in checks) else 1)
