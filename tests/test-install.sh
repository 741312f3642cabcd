#!/usr/bin/env bash
# test-install.sh — `meson install` into a temporary prefix puts the app in
# place, and the installed app starts the way a desktop starts it: from its
# desktop file, through D-Bus activation, under Xvfb with a private session
# bus. The test sees its window, asks it over D-Bus, and quits it.
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-install.sh SOURCE_ROOT WORK_DIR   (needs DISPLAY: the ui suite)

set -uo pipefail

app_id=com.opensourceais.Studio
object_path=/com/opensourceais/Studio

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
# Runs the command after the description; its output goes to the log, not into the TAP.
check () { local what=$1; shift; if "$@" >&2; then ok "$what"; else not_ok "$what"; fi; }
bail () { echo "Bail out! $*"; exit 1; }

# Waits up to $1 tenths of a second for the command that follows to succeed.
wait_for () {
  local tenths=$1; shift
  for _ in $(seq "$tenths"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# The part that runs on the private session bus, started by dbus-run-session.
if [ "${1:-}" = --on-session-bus ]; then
  prefix=$2
  n=$3
  app_pid=

  window_shown () { xwininfo -root -tree | grep -q '"OSAIS Studio"'; }
  on_bus () {
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner "$app_id" | grep -q true
  }
  gone () { ! kill -0 "$app_pid" 2>/dev/null; }

  # As a desktop launches it: by its desktop file id, which the launcher finds
  # in XDG_DATA_DIRS and, as it says DBusActivatable, starts through D-Bus.
  # (GLib 2.74's `gio launch FILE` spawns Exec instead.)
  check "gtk4-launch starts the app from its installed desktop file" \
    gtk4-launch "$app_id"
  check "the app takes its name on the session bus" wait_for 300 on_bus
  if on_bus; then
    app_pid=$(gdbus call --session --dest org.freedesktop.DBus \
                --object-path /org/freedesktop/DBus \
                --method org.freedesktop.DBus.GetConnectionUnixProcessID "$app_id" \
              | sed 's/.*uint32 \([0-9]*\).*/\1/')
    cmdline=$(tr '\0' ' ' <"/proc/$app_pid/cmdline")
    check "D-Bus started the installed binary through the service file ($cmdline)" \
      test "$cmdline" = "$prefix/bin/osais-studio --gapplication-service "
  else
    not_ok "D-Bus started the installed binary through the service file"
  fi
  check "its window \"OSAIS Studio\" appears" wait_for 300 window_shown
  check "it answers on D-Bus (Peer.Ping)" \
    gdbus call --session --dest "$app_id" --object-path "$object_path" \
      --method org.freedesktop.DBus.Peer.Ping
  actions=$(gdbus call --session --dest "$app_id" --object-path "$object_path" \
              --method org.gtk.Actions.List 2>&1 || true)
  check "it lists its actions on D-Bus, quit among them ($actions)" \
    grep -q "'quit'" <<<"$actions"
  check "the quit action is activated over D-Bus" \
    gdbus call --session --dest "$app_id" --object-path "$object_path" \
      --method org.gtk.Actions.Activate quit '[]' '{}'
  if [ -n "$app_pid" ]; then
    if wait_for 200 gone; then
      ok "the app exits"
    else
      not_ok "the app exits"
      kill "$app_pid"
    fi
  else
    not_ok "the app exits (no process to wait for)"
  fi
  check "its window is gone" wait_for 50 eval '! window_shown'
  echo "$n" >"$prefix/../session-count"
  exit $failed
fi

source_root=$1
work=$2
prefix=$work/prefix
build=$work/build

[ -n "${DISPLAY:-}" ] || bail "no DISPLAY: run the ui suite under xvfb-run"
for tool in gtk4-launch gdbus dbus-run-session xwininfo desktop-file-validate; do
  command -v "$tool" >/dev/null || bail "$tool is missing: build-aux/dev deps installs it"
done

# A build of its own, configured for the temporary prefix; kept between runs
# so that only what changed is rebuilt. Only what is installed is built.
rm -rf "$prefix" "$work/session-count"
mkdir -p "$work"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$source_root" --prefix="$prefix" >"$work/setup.log" 2>&1 \
    || { cat "$work/setup.log"; bail "meson setup failed"; }
fi
# What is installed from the build folder and built by ninja (not what
# configure_file wrote at setup).
targets=$(meson introspect "$build" --installed \
          | python3 -c 'import json, os, subprocess, sys
build = sys.argv[1]
listed = subprocess.run(["ninja", "-C", build, "-t", "targets", "all"],
                        capture_output=True, text=True, check=True).stdout
buildable = {line.split(":")[0] for line in listed.splitlines()}
for path in json.load(sys.stdin):
    target = os.path.relpath(path, build)
    if target in buildable:
        print(target)' "$(cd "$build" && pwd)")
# shellcheck disable=SC2086 # one target a word
ninja -C "$build" $targets >"$work/build.log" 2>&1 || { cat "$work/build.log"; bail "build failed"; }
check "meson install into $prefix" \
  eval 'meson install -C "$build" --no-rebuild >"$work/install.log" 2>&1 || { cat "$work/install.log"; false; }'

share=$prefix/share
check "the app is installed" test -x "$prefix/bin/osais-studio"
check "the CLI is installed" test -x "$prefix/bin/osais"
check "the desktop file is installed" test -f "$share/applications/$app_id.desktop"
check "the installed desktop file is valid" \
  desktop-file-validate "$share/applications/$app_id.desktop"
check "the D-Bus service is installed" test -f "$share/dbus-1/services/$app_id.service"
check "the D-Bus service starts the installed binary" \
  grep -qx "Exec=$prefix/bin/osais-studio --gapplication-service" \
    "$share/dbus-1/services/$app_id.service"
check "the metainfo is installed" test -f "$share/metainfo/$app_id.metainfo.xml"
check "the icon is installed" test -f "$share/icons/hicolor/scalable/apps/$app_id.svg"
check "the symbolic icon is installed" \
  test -f "$share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"
check "the schema is installed" test -f "$share/glib-2.0/schemas/$app_id.gschema.xml"
check "post-install compiled the schemas" test -f "$share/glib-2.0/schemas/gschemas.compiled"
check "the French catalogue is installed" \
  test -f "$share/locale/fr/LC_MESSAGES/osais-studio.mo"
check "the French desktop file entry is merged" \
  grep -q '^Comment\[fr\]=' "$share/applications/$app_id.desktop"

# The desktop's view: the prefix first in XDG_DATA_DIRS (desktop files, D-Bus
# services, icons) and in PATH (GLib loads no desktop file whose Exec is not
# found), the installed schemas, and folders of the test's own.
home=$work/home
rm -rf "$home"
mkdir -p "$home"/{config,data,cache,state}
mkdir -m 0700 "$home/runtime"
env HOME="$home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
    XDG_CACHE_HOME="$home/cache" XDG_STATE_HOME="$home/state" XDG_RUNTIME_DIR="$home/runtime" \
    XDG_DATA_DIRS="$share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    PATH="$prefix/bin:$PATH" \
    GSETTINGS_SCHEMA_DIR="$share/glib-2.0/schemas" \
    dbus-run-session -- "$0" --on-session-bus "$prefix" "$n" \
  || failed=1
# The session part numbered its results on from ours.
n=$(cat "$work/session-count" 2>/dev/null || echo $((n + 1)))
echo "1..$n"
exit $failed
