-- wrk script for the Stride benchmark (bench/run.py sets the environment).
-- GET targets: sends the session cookie. BENCH_SYNC=1: POST /api/v1/sync with one tick,
-- a fresh UUID per request, the CSRF header and the session cookie. BENCH_ALTERNATE=1: each
-- connection's requests alternate tick and untick of that one unit, so every batch changes
-- whether anything is done today (what the suggestion rules see): the expensive path.
-- Every run ends by printing one JSON line with the counts and latency percentiles.

local cookie = os.getenv("BENCH_COOKIE")
local sync = os.getenv("BENCH_SYNC") == "1"
local csrf = os.getenv("BENCH_CSRF") or ""
local day = os.getenv("BENCH_DATE") or ""
local line_id = os.getenv("BENCH_LINE_ID") or "1"
local side = os.getenv("BENCH_SIDE") or "both"
local session = os.getenv("BENCH_SESSION") or "1"
local alternate = os.getenv("BENCH_ALTERNATE") == "1"
local sent = 0

if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
-- The agent the session logged in with (bench/run.py USER_AGENT): a phone keeps its own.
wrk.headers["User-Agent"] = "stride-bench"

local thread_counter = 0

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_number", thread_counter)
end

function init(args)
  -- Different seeds per thread, so two threads never make the same UUIDs.
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
  if sync then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["X-CSRFToken"] = csrf
  end
end

local function hex(digits)
  local out = {}
  for i = 1, digits do
    out[i] = string.format("%x", math.random(0, 15))
  end
  return table.concat(out)
end

local function uuid4()
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
end

function request()
  if not sync then
    return wrk.format(nil)
  end
  sent = sent + 1
  local kind = (alternate and sent % 2 == 0) and "untick" or "tick"
  local body = string.format(
    '{"events": [{"id": "%s", "type": "%s", "client_time": "%s", "local_date": "%s", '
      .. '"line_id": %s, "session": %s, "side": "%s"}]}',
    uuid4(), kind, os.date("!%Y-%m-%dT%H:%M:%S+00:00"), day, line_id, session, side
  )
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max
  ))
end
