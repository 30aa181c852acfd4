-- wrk script for bench/form/run.py: send each pre-generated POST exactly once, then stop.
--
--   wrk -t T -c 50 -d 60s --timeout 10s -s bench/form/submit.lua http://127.0.0.1:PORT -- BODIES PATH T [THINK_MS]
--
-- BODIES has one request a line, "cookie<TAB>body" (the cookie may be empty). Every form
-- submission needs its own CSRF and idempotency tokens, so no body is sent twice: thread k of T
-- takes lines k, k+T, k+2T, ... in order. When a thread has sent its share, further connections
-- go idle (an empty request writes nothing); when all its answers are in, it stops, and the last
-- thread to finish interrupts wrk (SIGINT ends wrk's timed sleep early), so the run is bounded
-- by the count of bodies and by -d, whichever comes first. With THINK_MS > 0 a connection waits
-- 0.5 to 1.5 times that long before each request (wrk's latency does not include the wait).
--
-- done() prints one line "voice-bench key=value ..." with what run.py checks: requests sent,
-- answers by status, and the time from the first request to the last answer (clock_gettime,
-- because wrk's own duration is its whole -d or until interrupted).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } voice_timespec;
  int clock_gettime(int clock, voice_timespec *tp);
  int getpid(void);
  int kill(int pid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2

local function now()
  local ts = ffi.new("voice_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local threads, counter = {}, 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local path, bodies_path, n_threads = args[2], args[1], tonumber(args[3])
  marker_prefix = bodies_path .. ".done-"
  n_threads_total = n_threads
  local think_ms = tonumber(args[4] or "0")
  if think_ms > 0 then
    math.randomseed(id)
    delay = function() return think_ms * (0.5 + math.random()) end
  end
  queue, n_sent, n_answered, statuses = {}, 0, 0, {}
  first_sent, last_answer = 0, 0
  local index = 0
  for line in io.lines(bodies_path) do
    if index % n_threads == id - 1 then
      local cookie, body = line:match("^([^\t]*)\t(.*)$")
      local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
      if cookie ~= "" then headers["Cookie"] = cookie end
      queue[#queue + 1] = wrk.format("POST", path, headers, body)
    end
    index = index + 1
  end
  n_queue = #queue
  -- wrk calls request() once in its first thread before the run to check the script: that
  -- request is not sent, so it must not use up a body.
  is_checked = id ~= 1
end

function request()
  if not is_checked then
    is_checked = true
    return queue[1]
  end
  if n_sent >= n_queue then
    return ""  -- nothing left: this connection stays idle
  end
  if n_sent == 0 then first_sent = now() end
  n_sent = n_sent + 1
  return queue[n_sent]
end

local function finish()
  local marker = io.open(marker_prefix .. id, "w")
  marker:close()
  for k = 1, n_threads_total do
    local other = io.open(marker_prefix .. k, "r")
    if other == nil then
      wrk.thread:stop()
      return
    end
    other:close()
  end
  ffi.C.kill(ffi.C.getpid(), SIGINT)  -- every thread is done: end wrk's -d sleep now
  wrk.thread:stop()
end

function response(status, headers, body)
  n_answered = n_answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  last_answer = now()
  if n_answered == n_queue then finish() end
end

function done(summary, latency, requests)
  local sent, answered, first, last, parts = 0, 0, nil, 0, {}
  local by_status = {}
  for _, thread in ipairs(threads) do
    sent = sent + thread:get("n_sent")
    answered = answered + thread:get("n_answered")
    local t0, t1 = thread:get("first_sent"), thread:get("last_answer")
    if t0 > 0 and (first == nil or t0 < first) then first = t0 end
    if t1 > last then last = t1 end
    for code, n in pairs(thread:get("statuses")) do by_status[code] = (by_status[code] or 0) + n end
    parts[#parts + 1] = tostring(thread:get("n_sent"))
  end
  local codes = {}
  for code, n in pairs(by_status) do codes[#codes + 1] = code .. ":" .. n end
  local e = summary.errors
  print(string.format(
    "voice-bench sent=%d answered=%d sent_by_thread=%s statuses=%s seconds=%.4f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
      .. "max_ms=%.2f connect_errors=%d read_errors=%d write_errors=%d timeouts=%d",
    sent, answered, table.concat(parts, ","), table.concat(codes, ","), last - (first or last),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout))
end
