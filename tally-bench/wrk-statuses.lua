-- wrk script: PUTs of 256-byte values to random keys, or with WRK_READS=F that fraction of GETs (1: GETs only), with
-- the query string WRK_QUERY (for example "consistency=stale"); counts responses by status.
-- Usage (tally-bench/wrk-c2000.sh runs it): wrk -t2 -c2000 -d30s -s tally-bench/wrk-statuses.lua http://HOST:PORT
local threads = {}
local reads = tonumber(os.getenv("WRK_READS") or "0") or 0
local query = os.getenv("WRK_QUERY") or ""
if query ~= "" then query = "?" .. query end
local value = string.rep("v", 256)

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local key = "/v1/kv/wrk/" .. math.random(1, 100000)
  if reads >= 1 or (reads > 0 and math.random() < reads) then
    return wrk.format("GET", key .. query)
  end
  return wrk.format("PUT", key, nil, value)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d: %d\n", status, n))
  end
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
