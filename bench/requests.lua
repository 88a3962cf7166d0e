-- wrk script: replay the requests listed in $BENCH_REQUESTS, one per line:
--   METHOD <tab> PATH <tab> COOKIE <tab> CLIENT ADDRESS <tab> BODY
-- (a COOKIE of "Bearer <token>" is sent as Authorization instead: API calls)
-- as a browser behind the TLS-terminating proxy would send them (X-Forwarded-*).
-- Threads take interleaved lines; with BENCH_ONCE=1 no line is sent twice
-- (applications) and a thread stops when its share runs out.
-- done() prints one "BENCH_RESULT {json}" line for bench/__main__.py.

local threads_made = 0
local host = os.getenv("BENCH_HOST") or "portal.bench"

function setup(thread)
  thread:set("thread_index", threads_made)
  threads_made = threads_made + 1
  thread:set("thread_count", tonumber(os.getenv("BENCH_WRK_THREADS") or "1"))
end

local lines = {}
local position
local once = os.getenv("BENCH_ONCE") == "1"

function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, cookie, address, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    lines[#lines + 1] = {method = method, path = path, cookie = cookie,
                         address = address, body = body}
  end
  position = thread_index
end

function request()
  if once and position >= #lines then
    wrk.thread:stop()
    position = thread_index
  end
  local r = lines[(position % #lines) + 1]
  position = position + thread_count
  local headers = {
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-Host"] = host,
    ["X-Forwarded-For"] = r.address,
    ["User-Agent"] = "portal-bench/1",
  }
  if r.cookie:sub(1, 7) == "Bearer " then
    headers["Authorization"] = r.cookie
  elseif r.cookie ~= "" then
    headers["Cookie"] = r.cookie
  end
  local body = nil
  if r.method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Referer"] = "https://" .. host .. "/"
    body = r.body
  end
  return wrk.format(r.method, r.path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
