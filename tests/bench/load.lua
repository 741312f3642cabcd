-- load.lua
--
-- Copyright 2026 The OSAIS Studio authors
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The wrk script of tests/bench/run: drives /notify or /upload the same way
-- against either server, and checks every acknowledgement.
--
-- Environment (set by run):
--   BENCH_ROUTE    notify | upload
--   BENCH_JOBS     file of "UID TOKEN" lines: the jobs our store knows
--   BENCH_THREADS  the wrk thread count (-t), to split the jobs between threads
--   BENCH_PASS     a number distinct for each wrk invocation of a run
--   BENCH_IMAGES   (upload) directory of noise-NNN.png
--   BENCH_CLOSE    1: every request says "Connection: close", so that wrk
--                  opens a new connection per callback, with either server
--   BENCH_DELAY_MS each connection waits this long before each request (0:
--                  none, as fast as the server answers): a paced load whose
--                  latency is the server's, not the queue's
--
-- /notify: stage 3 (image started) with a new cycle each time, so that every
-- notification is new to the store and really committed. Each thread owns
-- its own jobs and walks them in turn: a job's next cycle is sent only after
-- all the thread's other jobs were sent once, so its cycles reach the server
-- in order even with 25 requests in flight per thread.
--
-- /upload: a multipart body with uid, token, cycle, engine and a 512x512
-- noisy PNG. A tEXt chunk naming the pass, thread and request is inserted
-- after IHDR (with its CRC), so every upload is a different file (a
-- different SHA-256) that the store must write, never a duplicate.
--
-- An acknowledgement is counted wrong unless it is a 200 whose JSON body
-- echoes a token and uid that belong together (wrk does not tell which
-- request a response answers, so the pair is checked, not the request).

local bit = require("bit")

local route = os.getenv("BENCH_ROUTE") or "notify"
local n_threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local pass = tonumber(os.getenv("BENCH_PASS") or "0")
local close_each = os.getenv("BENCH_CLOSE") == "1"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

local jobs = {}
local token_of = {}
for line in io.lines(os.getenv("BENCH_JOBS")) do
  local uid, token = line:match("^(%d+) (%S+)$")
  if uid then
    jobs[#jobs + 1] = { uid = uid, token = token }
    token_of[uid] = token
  end
end

-- Main state: give each thread its number, and collect counts at the end.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- Thread states from here on.
local my_jobs = {}
local sent = 0
wrong = 0

local crc_table = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if bit.band(c, 1) == 1 then
      c = bit.bxor(0xEDB88320, bit.rshift(c, 1))
    else
      c = bit.rshift(c, 1)
    end
  end
  crc_table[i] = c
end

local function crc32(s)
  local c = bit.bnot(0)
  for i = 1, #s do
    c = bit.bxor(crc_table[bit.band(bit.bxor(c, s:byte(i)), 0xff)], bit.rshift(c, 8))
  end
  return bit.bnot(c)
end

local function be32(n)
  return string.char(bit.band(bit.rshift(n, 24), 0xff), bit.band(bit.rshift(n, 16), 0xff),
                     bit.band(bit.rshift(n, 8), 0xff), bit.band(n, 0xff))
end

local images = {}
local boundary = "----osaisbench7f3a9c2e51d04b68"

local function load_images(dir)
  local i = 0
  while true do
    local f = io.open(string.format("%s/noise-%03d.png", dir, i), "rb")
    if not f then
      break
    end
    local png = f:read("*a")
    f:close()
    -- 8-byte signature + IHDR (4 length, 4 type, 13 data, 4 CRC) = 33 bytes.
    images[#images + 1] = { head = png:sub(1, 33), tail = png:sub(34) }
    i = i + 1
  end
  assert(#images > 0, "no noise-NNN.png in " .. dir)
end

function init(args)
  for i, job in ipairs(jobs) do
    if (i - 1) % n_threads == tid then
      my_jobs[#my_jobs + 1] = job
    end
  end
  assert(#my_jobs > 0, "fewer jobs than threads")
  if route == "upload" then
    load_images(os.getenv("BENCH_IMAGES"))
  end
end

local function next_job()
  local job = my_jobs[sent % #my_jobs + 1]
  -- Passes are 1,000,000 cycles apart: no pass repeats another's cycles.
  local cycle = pass * 1000000 + math.floor(sent / #my_jobs) + 1
  sent = sent + 1
  return job, cycle
end

local function headers(h)
  if close_each then
    h["Connection"] = "close"
  end
  return h
end

local function notify_request()
  local job, cycle = next_job()
  local body = string.format(
    '{"uid":"%s","token":"%s","stage":"3","cycle":"%d","engine":"diffusion",' ..
    '"username":"bench","filename":"","descr":"AI starts processing image %d"}',
    job.uid, job.token, cycle, cycle)
  return wrk.format("POST", "/notify", headers({ ["Content-Type"] = "application/json" }), body)
end

local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name ..
         "\"\r\n\r\n" .. value .. "\r\n"
end

local function upload_request()
  local job, cycle = next_job()
  local image = images[sent % #images + 1]
  local text = "Comment\0osais-bench pass " .. pass .. " thread " .. tid .. " request " .. sent
  local chunk = be32(#text) .. "tEXt" .. text .. be32(crc32("tEXt" .. text))
  local body = field("uid", job.uid) .. field("token", job.token) ..
               field("cycle", tostring(cycle)) .. field("engine", "diffusion") ..
               "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"file\"; " ..
               "filename=\"output.png\"\r\nContent-Type: image/png\r\n\r\n" ..
               image.head .. chunk .. image.tail .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/upload",
                    headers({ ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }),
                    body)
end

if route == "upload" then
  request = upload_request
else
  request = notify_request
end

if delay_ms > 0 then
  -- wrk times a request from its sending, so the wait is not in the latency.
  function delay()
    return delay_ms
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    return -- wrk counts these itself (summary.errors.status)
  end
  local token = body:match('"token"%s*:%s*"([^"]*)"')
  local uid = body:match('"uid"%s*:%s*"?(%d+)"?')
  if not body:match('^%s*{%s*"data"%s*:') or token == nil or uid == nil or
     token_of[uid] ~= token then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local wrong_total = 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + thread:get("wrong")
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "non2xx=%d wrong=%d socket_errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, wrong_total, e.connect + e.read + e.write, e.timeout))
end
