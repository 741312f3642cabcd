"""The display the GUI benchmarks run on: an Xvfb of their own, with a window
manager on it if asked.

Without a window manager GTK 4.8 looks for one again and again (an X round
trip in gdk_x11_screen_supports_net_wm_hint() at each frame), which a
desktop does not pay. BENCH_WM names a window manager to run (openbox, say:
`apt-get install openbox`); the default is none, the bare Xvfb, since
openbox measured no better: search-gui at 100,000 images, 3 runs each at
load 1.5-2.6, main-thread CPU per keystroke p50 7.0 ms with openbox against
2.9-3.5 ms without, and keystroke to frame p95 41.6-66.2 against 35.8-44.5 ms.
"""

import os
import shutil
import subprocess
import sys
import time


def window_manager():
    """The window manager's command, or None for none."""
    name = os.environ.get('BENCH_WM', 'none')
    if name == 'none':
        return None
    if shutil.which(name) is None:
        sys.exit(f'BENCH_WM={name}: not installed (apt-get install {name}), or say BENCH_WM=none')
    return name


def wm_running(display):
    """Whether a window manager has said so on the root window (EWMH)."""
    probe = subprocess.run(['xprop', '-root', '_NET_SUPPORTING_WM_CHECK'],
                           env=dict(os.environ, DISPLAY=display),
                           capture_output=True, text=True)
    return probe.returncode == 0 and 'window id' in probe.stdout


class Display:
    """An Xvfb (1400×900) on a free display, with the window manager."""

    def __init__(self, who):
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0',
                                      '1400x900x24', '-nolisten', 'tcp'], pass_fds=[write_fd],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            sys.exit(f'{who}: Xvfb did not start')
        self.name = ':' + number
        self.wm = None
        self.wm_name = window_manager()
        if self.wm_name is None:
            return
        self.wm = subprocess.Popen([self.wm_name], env=dict(os.environ, DISPLAY=self.name),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not wm_running(self.name):
            if time.monotonic() > deadline or self.wm.poll() is not None:
                self.stop()
                sys.exit(f'{who}: the window manager {self.wm_name} did not start')
            time.sleep(0.05)

    def describe(self):
        return f'Xvfb {self.name}, window manager: {self.wm_name or "none"}'

    def stop(self):
        for process in (self.wm, self.xvfb):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait()


def start_session_bus():
    """A D-Bus session bus of our own, as a desktop session has: without
    one, GApplication's registration spawns dbus-launch (X11 autolaunch)
    and waits for it, or goes without a bus, and GTK without its
    accessibility bus, on every start. Returns (process, address)."""
    bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = bus.stdout.readline().strip()
    if not address:
        sys.exit('dbus-daemon did not start')
    return bus, address
