#!/usr/bin/env python3
# kill-drill.py
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The kill -9 drill: `osais serve` takes callbacks from concurrent clients on
# loopback and is killed with SIGKILL at a random moment, round after round.
# After each kill, every acknowledged callback must be in the history, the
# history must pass its integrity check, and `osais doctor` says what the
# crash left; the next round's opening must clean it up. Not a meson test:
# it takes minutes. Usage:
#
#   tests/kill-drill.py _build/src/cli/osais [--rounds 20] [--clients 8]

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

N_JOBS = 16


def png(seq):
    """A 4x4 PNG whose pixels say @seq, so that each upload has its own hash."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes((seq >> (8 * (i % 4))) & 0xFF for i in range(12))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * 4))
            + chunk(b"IEND", b""))


def post(port, path, body, content_type):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body, {"Content-Type": content_type})
        return connection.getresponse().status
    finally:
        connection.close()


def client(port, first_seq, stop, acked):
    seq = first_seq
    while not stop.is_set():
        uid = 1 + seq % N_JOBS
        try:
            if seq % 2 == 0:
                body = json.dumps({"uid": str(uid), "token": f"t{uid}", "stage": "4",
                                   "cycle": str(seq), "filename": f"{seq}.png"})
                if post(port, "/notify", body, "application/json") == 200:
                    acked.append(("notify", uid, seq, None))
            else:
                data = png(seq)
                boundary = "dr1ll"
                parts = []
                for name, value in (("uid", uid), ("token", f"t{uid}"), ("cycle", seq),
                                    ("engine", "ping")):
                    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; "
                                 f"name=\"{name}\"\r\n\r\n{value}\r\n".encode())
                parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                             f"filename=\"out.png\"\r\nContent-Type: image/png\r\n\r\n"
                             .encode() + data + b"\r\n")
                parts.append(f"--{boundary}--\r\n".encode())
                if post(port, "/upload", b"".join(parts),
                        f"multipart/form-data; boundary={boundary}") == 200:
                    acked.append(("upload", uid, seq, hashlib.sha256(data).hexdigest()))
        except OSError:
            return
        seq += 1000003


def doctor(osais, data_dir):
    out = subprocess.run([osais, "--data-dir", data_dir, "doctor", "--json"],
                         capture_output=True, text=True)
    return json.loads(out.stdout) if out.stdout else {"error": out.stderr}


def verify(data_dir, acked, first_new):
    """Checks the acknowledged callbacks on a copy of the history, so that the
    crash's files stay as they are for the next opening: every one is there,
    and the images acknowledged since @first_new have their bytes."""
    with tempfile.TemporaryDirectory() as scratch:
        for suffix in ("", "-wal"):
            source = os.path.join(data_dir, "history.sqlite3" + suffix)
            if os.path.exists(source):
                shutil.copy(source, os.path.join(scratch, "history.sqlite3" + suffix))
        db = sqlite3.connect(os.path.join(scratch, "history.sqlite3"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        stages = set(db.execute("SELECT uid, cycle, filename FROM stages"))
        images = dict(((uid, sha), path)
                      for uid, sha, path in db.execute("SELECT uid, sha256, path FROM images"))
        db.close()
    lost = 0
    for index, (kind, uid, seq, sha) in enumerate(acked):
        if kind == "notify":
            lost += (uid, seq, f"{seq}.png") not in stages
            continue
        path = images.get((uid, sha))
        if path is None or not os.path.isfile(os.path.join(data_dir, path)):
            lost += 1
            continue
        if index < first_new:
            continue
        with open(os.path.join(data_dir, path), "rb") as f:
            lost += hashlib.sha256(f.read()).hexdigest() != sha
    return integrity, lost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("osais")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    osais = os.path.abspath(args.osais)
    random.seed(11)

    data_dir = tempfile.mkdtemp(prefix="osais-kill-drill-")
    subprocess.run([osais, "--data-dir", data_dir, "jobs"], check=True, capture_output=True)
    db = sqlite3.connect(os.path.join(data_dir, "history.sqlite3"))
    db.executemany("INSERT INTO jobs (uid, token, engine, parameters, created, updated)"
                   " VALUES (?, ?, 'ping', '{}', ?, ?)",
                   [(uid, f"t{uid}", uid, uid) for uid in range(1, N_JOBS + 1)])
    db.commit()
    db.close()

    totals = {"acked": 0, "lost": 0, "leftovers": 0, "bad_integrity": 0}
    acked = []
    for round_number in range(args.rounds):
        serve = subprocess.Popen([osais, "--data-dir", data_dir, "serve",
                                  "--listen", "127.0.0.1:0"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = int(serve.stdout.readline().split(":")[2].split("/")[0])
        stop = threading.Event()
        round_acked = []
        threads = [threading.Thread(target=client,
                                    args=(port, round_number * 100 + i, stop, round_acked))
                   for i in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 1.5))
        serve.send_signal(signal.SIGKILL)
        serve.wait()
        stop.set()
        for thread in threads:
            thread.join()

        first_new = len(acked)
        acked += round_acked
        report = doctor(osais, data_dir)
        integrity, lost = verify(data_dir, acked, first_new)
        totals["acked"] += len(round_acked)
        totals["lost"] += lost
        totals["leftovers"] += len(report.get("leftovers", []))
        totals["bad_integrity"] += integrity != "ok"
        # Temporary files are removed by the next opening; images renamed into
        # place whose commit the kill prevented stay, for `osais doctor --repair`
        # (or for the same upload, sent again, to claim).
        print(f"round {round_number + 1}: {len(round_acked)} acknowledged, {lost} lost in all, "
              f"integrity {integrity}, temporary files left: "
              f"{len(report.get('leftovers', []))}, images no row names so far: "
              f"{len(report.get('orphans', []))}", flush=True)

    # One opening, then the folder as a user finds it.
    subprocess.run([osais, "--data-dir", data_dir, "jobs"], check=True, capture_output=True)
    final = doctor(osais, data_dir)
    print(json.dumps({"totals": totals,
                      "after_opening": {key: len(final.get(key, []))
                                        for key in ("leftovers", "orphans", "missing")},
                      "integrity": final.get("integrity")}))
    shutil.rmtree(data_dir)
    return 1 if totals["lost"] or totals["bad_integrity"] else 0


if __name__ == "__main__":
    sys.exit(main())
