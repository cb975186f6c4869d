-- wrk script for bench/lib/wrk.ts: each connection cycles through the paths in PATHS
-- (comma-separated), and the run ends with one JSON line of counts and latency percentiles (µs).
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "[^,]+") do paths[#paths + 1] = p end

local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
