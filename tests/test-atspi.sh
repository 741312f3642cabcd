#!/bin/sh
# test-atspi.sh
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Screen readers find the application: started straight into the main
# window with a history, it registers with the AT-SPI registry. (An unmapped
# spinner once kept the frame clock busy, GTK's registration never ran, and
# Orca did not see the app at all; on the welcome page it did.)
#
# Runs the real AT-SPI bus (at-spi-bus-launcher, at-spi2-registryd by
# activation) on a private session bus, and asks the registry for its
# applications with gdbus. Usage: test-atspi.sh OSAIS-STUDIO OSAIS-CLI
# (under a display: the ui suite runs in Xvfb).

set -u

app=$1
cli=$2

launcher=
for candidate in /usr/libexec/at-spi-bus-launcher /usr/lib/at-spi2-core/at-spi-bus-launcher \
                 /usr/lib/x86_64-linux-gnu/at-spi-bus-launcher; do
  [ -x "$candidate" ] && launcher=$candidate && break
done
if [ -z "$launcher" ] || ! command -v dbus-run-session >/dev/null || ! command -v gdbus >/dev/null
then
  echo "1..0 # SKIP at-spi2-core, dbus-run-session or gdbus missing"
  exit 0
fi

if [ "${OSAIS_ATSPI_INNER:-}" != 1 ]; then
  OSAIS_ATSPI_INNER=1 exec dbus-run-session -- "$0" "$@" 2>/dev/null
fi

echo "1..1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osais-atspi-XXXXXX")
app_pid=
launcher_pid=
finish () {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  [ -n "$launcher_pid" ] && kill "$launcher_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap finish EXIT

export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset NO_AT_BRIDGE

fail () {
  echo "not ok 1 /Osais/Atspi/registered-with-history # $1"
  for log in "$tmp"/*.log; do sed 's/^/# /' "$log"; done
  exit 1
}

# A history: one finished job, made by the CLI on its simulator.
"$cli" --data-dir "$tmp/data-dir" --simulator run diffusion word=lighthouse \
  > "$tmp/cli.log" 2>&1 || fail "the CLI could not make a history"

"$launcher" --launch-immediately > "$tmp/launcher.log" 2>&1 &
launcher_pid=$!
address=
i=0
while [ $i -lt 100 ]; do
  address=$(gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
                       --method org.a11y.Bus.GetAddress 2>/dev/null) && break
  sleep 0.1
  i=$((i + 1))
done
address=$(echo "$address" | sed "s/^('//; s/',)\$//")
[ -n "$address" ] || fail "no AT-SPI bus"
echo "# AT-SPI bus: $address"

# Straight into the main window: offline (the simulator) with the history.
GTK_A11Y=atspi "$app" --data-dir "$tmp/data-dir" --simulator --listen 127.0.0.1:0 \
  > "$tmp/app.log" 2>&1 &
app_pid=$!

registry () {
  gdbus call --address "$address" --dest org.a11y.atspi.Registry \
             --object-path /org/a11y/atspi/accessible/root "$@" 2>/dev/null
}

i=0
while [ $i -lt 150 ]; do
  kill -0 "$app_pid" 2>/dev/null || fail "the application exited"
  count=$(registry --method org.freedesktop.DBus.Properties.Get \
                   org.a11y.atspi.Accessible ChildCount | sed 's/[^0-9]//g')
  j=0
  while [ -n "$count" ] && [ $j -lt "$count" ]; do
    # ((':1.4', objectpath '/org/a11y/atspi/accessible/root'),)
    set -- $(registry --method org.a11y.atspi.Accessible.GetChildAtIndex $j \
               | sed "s/^(('\([^']*\)', objectpath '\([^']*\)'.*/\1 \2/")
    if [ $# -eq 2 ]; then
      name=$(gdbus call --address "$address" --dest "$1" --object-path "$2" \
                        --method org.freedesktop.DBus.Properties.Get \
                        org.a11y.atspi.Accessible Name 2>/dev/null)
      echo "# registered: $1 $2 $name"
      case "$name" in
        *osais-studio*|*"OSAIS Studio"*)
          echo "ok 1 /Osais/Atspi/registered-with-history"
          exit 0
          ;;
      esac
    fi
    j=$((j + 1))
  done
  sleep 0.2
  i=$((i + 1))
done

fail "the application is not in the AT-SPI registry after 30 s"
