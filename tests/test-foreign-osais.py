#!/usr/bin/env python3
# test-foreign-osais.py
#
# Copyright 2026 The OSAIS Studio authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The `osais` tool against an OSAIS stand-in that is not ours: written from
# PROTOCOL.md alone, in another language. It sends every value as a string,
# encodes /notify as a form, names the upload's file part differently, sends
# the JSON base64 upload form too, repeats a notification and sends a stage
# out of order, and accepts only exact acknowledgements. Output is TAP.

import base64
import http.server
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
import zlib

CLIENT_TOKEN = "foreign-token"
CLIENT_SECRET = "foreign-secret"


def png(width, height, seed):
    """A real PNG with pixels that depend on the seed (no imaging library needed)."""
    rows = b""
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(((x * seed) & 255, (y * 3 + seed) & 255, ((x ^ y) + seed) & 255))
        rows += bytes(row)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Osais:
    def __init__(self, callback_url):
        self.callback_url = callback_url
        self.auth_tokens = set()
        self.acks_good = 0
        self.acks_bad = []
        self.sent_images = []
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.first_ack_seconds = None
        self.late_duplicate_acked = False

    def post(self, route, body, content_type):
        request = urllib.request.Request(self.callback_url + route, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def check_ack(self, what, status, body, uid, token):
        try:
            ack = json.loads(body)
            good = (status == 200 and ack == {"data": {"token": token, "uid": uid}})
        except ValueError:
            good = False
        with self.lock:
            if good:
                self.acks_good += 1
            else:
                self.acks_bad.append("%s: %d %r" % (what, status, body[:200]))

    def notify(self, uid, token, stage, cycle="0", filename="", descr="", cost=None):
        fields = {"uid": uid, "token": token, "stage": stage, "cycle": cycle,
                  "engine": "diffusion", "username": "foreign", "filename": filename,
                  "descr": descr}
        if cost is not None:
            fields["cost"] = cost
        status, body = self.post("notify", urllib.parse.urlencode(fields).encode(),
                                 "application/x-www-form-urlencoded")
        self.check_ack("notify stage %s" % stage, status, body, uid, token)

    def upload_multipart(self, uid, token, cycle, data):
        boundary = "----foreign" + uuid.uuid4().hex
        parts = []
        for name, value in (("uid", uid), ("token", token), ("cycle", cycle),
                            ("engine", "diffusion")):
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                          % (boundary, name, value)).encode())
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"photo\"; "
                      "filename=\"../../%s.png\"\r\nContent-Type: image/png\r\n\r\n"
                      % (boundary, uid)).encode() + data + b"\r\n")
        parts.append(("--%s--\r\n" % boundary).encode())
        status, body = self.post("upload", b"".join(parts),
                                 "multipart/form-data; boundary=" + boundary)
        self.check_ack("upload %s" % cycle, status, body, uid, token)

    def upload_json(self, uid, token, cycle, data):
        body = json.dumps({"image": base64.b64encode(data).decode(), "uid": uid, "token": token,
                           "cycle": cycle, "engine": "diffusion"}).encode()
        status, reply = self.post("upload", body, "application/json")
        self.check_ack("json upload %s" % cycle, status, reply, uid, token)

    def run_job(self, uid, token, parameters):
        count = int(parameters.get("cimg", 1))
        self.notify(uid, token, "1")
        self.notify(uid, token, "1")  # a duplicate
        self.notify(uid, token, "2")
        for cycle in range(count):
            data = png(64, 48, 7 + cycle)
            self.sent_images.append(data)
            self.notify(uid, token, "3", str(cycle))
            if cycle % 2 == 0:
                self.upload_multipart(uid, token, str(cycle), data)
            else:
                self.upload_json(uid, token, str(cycle), data)
            self.notify(uid, token, "4", str(cycle), "%s_%d.png" % (uid, cycle))
        self.notify(uid, token, "2")  # out of order: must not move the job back
        self.notify(uid, token, "5", str(count - 1), descr="done", cost="1234")
        # A late repeat of the last stage, as a sender that retries does.
        time.sleep(1)
        good = self.acks_good
        self.notify(uid, token, "5", str(count - 1), descr="done", cost="1234")
        self.late_duplicate_acked = self.acks_good == good + 1
        self.done.set()


def make_handler(osais):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def read_json(self):
            length = int(self.headers.get("Content-Length", "0"))
            return json.loads(self.rfile.read(length) or b"{}")

        def authorised(self):
            auth = self.headers.get("Authorization", "")
            return auth.startswith("Bearer ") and auth[7:] in osais.auth_tokens

        def do_POST(self):
            if self.path == "/api/v1/public/client/login":
                body = self.read_json()
                if body.get("token") == CLIENT_TOKEN and body.get("secret") == CLIENT_SECRET:
                    auth = uuid.uuid4().hex
                    osais.auth_tokens.add(auth)
                    self.reply(200, {"data": {"token": CLIENT_TOKEN, "authToken": auth}})
                else:
                    self.reply(200, {"data": None})
            elif self.path.startswith("/api/v1/private/client/ai/"):
                if not self.authorised():
                    self.reply(401, {"data": None, "message": "not authenticated"})
                    return
                parameters = self.read_json()
                uid = "4711"
                token = uuid.uuid4().hex[:12]
                # Like a server that awaits its notifier: stage 0 goes out, and
                # its acknowledgement comes back, before the request is answered.
                start = time.monotonic()
                osais.notify(uid, token, "0")
                osais.first_ack_seconds = time.monotonic() - start
                # The reply's inner shape is not specified: nest it, as strings.
                self.reply(200, {"data": {"request": {"uid": uid, "token": token}}})
                threading.Thread(target=osais.run_job, args=(uid, token, parameters),
                                 daemon=True).start()
            else:
                self.reply(404, {"data": None})

        def do_GET(self):
            if self.path == "/api/v1/private/client" and self.authorised():
                self.reply(200, {"data": {"user": {"username": "foreign"}}})
            else:
                self.reply(404, {"data": None})

    return Handler


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    cli = os.environ.get("OSAIS_CLI")
    if not cli:
        print("Bail out! OSAIS_CLI must name the osais binary")
        return 1

    data_dir = tempfile.mkdtemp(prefix="osais-foreign-")
    callback_port = free_port()
    osais = Osais("http://127.0.0.1:%d/" % callback_port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(osais))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = "http://127.0.0.1:%d/" % server.server_address[1]

    env = dict(os.environ, OSAIS_TOKEN=CLIENT_TOKEN, OSAIS_SECRET=CLIENT_SECRET)
    env.pop("OSAIS_SERVER", None)
    print("1..7")
    try:
        run = subprocess.run([cli, "--server", origin, "--data-dir", data_dir, "run",
                              "diffusion", "word=a foreign land", "cimg=2",
                              "--listen", "127.0.0.1:%d" % callback_port, "--timeout", "60"],
                             env=env, capture_output=True, text=True, timeout=120)
        for line in run.stderr.splitlines():
            print("# " + line)
        ok = run.returncode == 0
        print("%s 1 - the run exits 0 (exit %d)" % ("ok" if ok else "not ok", run.returncode))

        paths = run.stdout.split()
        stored = [open(p, "rb").read() for p in paths if os.path.isfile(p)]
        ok = len(paths) == 2 and sorted(stored) == sorted(osais.sent_images)
        print("%s 2 - it prints the two stored images, byte-equal to what was sent" %
              ("ok" if ok else "not ok"))

        ok = all(os.path.realpath(p).startswith(os.path.realpath(data_dir)) for p in paths)
        print("%s 3 - the images are inside the data folder, whatever the file name said" %
              ("ok" if ok else "not ok"))

        osais.done.wait(10)
        for bad in osais.acks_bad:
            print("# bad acknowledgement: " + bad)
        ok = not osais.acks_bad and osais.acks_good == 13
        print("%s 4 - every acknowledgement is exact (%d good, %d bad)" %
              ("ok" if ok else "not ok", osais.acks_good, len(osais.acks_bad)))

        jobs = subprocess.run([cli, "--data-dir", data_dir, "jobs", "--json"], env=env,
                              capture_output=True, text=True, timeout=60)
        job = json.loads(jobs.stdout)[0] if jobs.returncode == 0 else {}
        ok = (job.get("uid") == 4711 and job.get("stage") == 5 and job.get("cost") == 1234
              and len(job.get("images", [])) == 2)
        print("%s 5 - the job is stored at stage 5 with its cost, despite the stage sent "
              "out of order" % ("ok" if ok else "not ok"))
        if not ok:
            print("# " + jobs.stdout.replace("\n", "\n# "))

        seconds = osais.first_ack_seconds
        ok = seconds is not None and seconds < 1.0
        print("%s 6 - stage 0, sent before the request is answered, is acknowledged at once "
              "(%s s)" % ("ok" if ok else "not ok",
                          "%.3f" % seconds if seconds is not None else "never"))

        ok = osais.late_duplicate_acked
        print("%s 7 - a repeat of stage 5 a second after the job is done is acknowledged" %
              ("ok" if ok else "not ok"))
    finally:
        server.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
