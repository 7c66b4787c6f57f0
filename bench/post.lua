-- wrk script for bench/run.ts: POST one JSON-RPC tools/call per request, each with a new id.
--
-- Read from the environment (run.ts sets both):
--   BENCH_BODY     the request body; the text __ID__ marks where the JSON-RPC id goes
--   BENCH_HEADERS  the request headers, one "Name: value" per line
--
-- Every response's status is looked at, so that a run with any non-2xx answer can be rejected
-- (wrk itself only counts statuses above 399). done() prints one line starting with
-- "BENCH_RESULT " followed by a JSON object; latencies are in microseconds.

local template = os.getenv("BENCH_BODY") or error("BENCH_BODY is not set")
local head, tail = template:match("^(.-)__ID__(.*)$")
if head == nil then error("BENCH_BODY has no __ID__ marker") end

local hdrs = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\r\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then hdrs[name] = value end
end

-- Thread bookkeeping: ids stay unique across wrk threads (id = n * stride + thread number).
local threads = {}
local count = 0
setup = function(thread)
  count = count + 1
  thread:set("slot", count)
  table.insert(threads, thread)
end

slot = 1
stride = 1000
n = 0
non2xx = 0

request = function()
  n = n + 1
  return wrk.format("POST", nil, hdrs, head .. (n * stride + slot) .. tail)
end

response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,' ..
    '"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
