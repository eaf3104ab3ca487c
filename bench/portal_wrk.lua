-- wrk script for bench/portal.py: every request is a GET of one logged-in holder's (or
-- planner visitor's) page; each connection's thread walks the list of "cookie<TAB>path<TAB>kind" lines
-- round-robin from its own offset, so 50 clients spread over all the sessions (a third
-- column, the kind of permit, is for bench/portal.py --profile and ignored here).
-- Arguments (after --): the lines file (the cookie column is the Cookie header's value).
-- done() prints one line "WRKJSON {...}" with the percentiles (µs) and the non-2xx count.

local threads, counter = {}, 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  lines, bad = {}, 0
  for line in io.lines(args[1]) do
    local key, path = line:match("^([^\t]+)\t([^\t]+)")
    if key then lines[#lines + 1] = { key, path } end
  end
  -- spread the threads over the list; each connection of a thread shares its cursor
  at = (id * 7919) % #lines
end

function request()
  at = at % #lines + 1
  local key, path = lines[at][1], lines[at][2]
  return wrk.format("GET", path, { ["Cookie"] = key })
end

function response(status, headers, body)
  -- a redirect (302 to the login page) means the session was not accepted: count it bad
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non200":%d,"socket_errors":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50_us":%d,"p75_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%d}\n',
    summary.requests, summary.duration, non200, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
