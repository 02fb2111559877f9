-- wrk script for scripts/bench/serve.
--   BODY_FILE: a file with one JSON request body per line; requests cycle through them (POST).
--   Without BODY_FILE: plain GET of the URL.
--   AUTHORIZATION: sent as the Authorization header when set (e.g. "Bearer TOKEN").
-- Prints one machine-readable line at the end:
--   RESULT rps=... p50_us=... p90_us=... p99_us=... max_us=... errors=... non2xx=... requests=...
local bodies = {}
local index = 0
local body_file = os.getenv("BODY_FILE")
if body_file and body_file ~= "" then
  for line in io.lines(body_file) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
end

local authorization = os.getenv("AUTHORIZATION")
if authorization == "" then authorization = nil end

request = function()
  local headers = {}
  if authorization then headers["Authorization"] = authorization end
  if #bodies == 0 then
    return wrk.format("GET", nil, headers)
  end
  index = index % #bodies + 1
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, bodies[index])
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "RESULT rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors, summary.errors.status, summary.requests))
end
