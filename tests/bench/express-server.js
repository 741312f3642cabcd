/* express-server.js
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The reference side of the callback benchmark: a minimal express + multer
 * server doing what the OSAIS seed's NodeJS sample does on its two callback
 * routes. /notify reads req.body (JSON or urlencoded) and answers the
 * acknowledgement; /upload hands the multipart body to multer with disk
 * storage in a temporary folder, as the sample's imgServices.uploadImg does,
 * then answers the same acknowledgement. It does no fsync and checks
 * neither the uid nor the token, nor the image: that is the sample's level of
 * care, which our server is measured against.
 *
 * Usage: node express-server.js [PORT] [UPLOAD_DIR]
 * (or the PORT and UPLOAD_DIR environment variables). PORT 0 picks a free
 * port; the chosen one is printed as "uri http://127.0.0.1:PORT/". */

'use strict';

const express = require('express');
const multer = require('multer');
const fs = require('fs');
const os = require('os');
const path = require('path');

const port = parseInt(process.argv[2] || process.env.PORT || '0', 10);
const uploadDir = process.argv[3] || process.env.UPLOAD_DIR ||
  fs.mkdtempSync(path.join(os.tmpdir(), 'osais-bench-multer-'));

const upload = multer({
  storage: multer.diskStorage({
    destination: uploadDir,
    filename: (req, file, cb) => {
      cb(null, `${Date.now()}-${Math.round(Math.random() * 1e9)}.png`);
    },
  }),
});

function ack(req, res) {
  /* The seed's parameters, with its defaults, then the echo it requires. */
  const body = req.body || {};
  const params = {
    uid: body.uid ? parseInt(body.uid, 10) : null,
    stage: body.stage ? parseInt(body.stage, 10) : 0,
    token: body.token ? body.token : '0',
    cycle: body.cycle ? parseInt(body.cycle, 10) : 0,
    engine: body.engine ? body.engine : null,
    username: body.username ? body.username : null,
    filename: req.file ? req.file.filename : (body.filename ? body.filename : null),
    descr: body.descr,
  };

  res.json({ data: { token: params.token, uid: params.uid } });
}

const app = express();
app.use(express.json());
app.use(express.urlencoded({ extended: true }));

app.post('/notify', ack);
app.post('/upload', upload.any(), (req, res) => {
  /* The sample's multer handles one file per call; any field name. */
  req.file = req.files && req.files.length > 0 ? req.files[0] : null;
  ack(req, res);
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`uri http://127.0.0.1:${server.address().port}/`);
  console.log(`upload-dir ${uploadDir}`);
  console.log('ready');
});

function stop() {
  server.close(() => process.exit(0));
  /* Keep-alive connections from the load generator would hold close(). */
  server.closeAllConnections();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
