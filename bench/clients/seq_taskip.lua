-- Row 1, taskip: N sequential c:get("/contact") on one client, each body
-- decoded to a Lua table (mode "decode"), or fetched as raw bytes
-- (mode "raw": the same call without JSON decoding).
--   lua5.4 seq_taskip.lua BASE_URL CAFILE KEY N WARMUP MODE
-- Prints {"n": N, "seconds": S, ...} for the N timed calls, with the body's
-- size and the time to decode it once (decode_us, cjson_us).
local socket = require "socket"
local taskip = require "taskip"

local base, ca, key, n, warmup, mode = ...
n, warmup = tonumber(n), tonumber(warmup)
local c = taskip.new{ base_url = base, cafile = ca, secret_key = key,
  burst_limit = 100000000 }
local raw = mode == "raw"
local opts = { raw = true }

local function one()
  local v, err
  if raw then
    v, err = c:request("GET", "/contact", opts)
  else
    v, err = c:get("/contact")
  end
  if not v then error(tostring(err)) end
  return v
end

for _ = 1, warmup do one() end
local t0 = socket.gettime()
for _ = 1, n do
  local v = one()
  if not raw then assert(v.data[1].id == 1) end
end
local t1 = socket.gettime()

-- What decoding alone costs: the same body, decoded as c:get does
-- (taskip.json.decode: lua-cjson, then integral floats to integers),
-- and by lua-cjson alone.
local body = assert(c:request("GET", "/contact", opts))
c:close()
local cjson = require "cjson"
local reps = math.max(20, n // 10)
local d0 = socket.gettime()
for _ = 1, reps do taskip.json.decode(body) end
local d1 = socket.gettime()
for _ = 1, reps do cjson.decode(body) end
local d2 = socket.gettime()
print(string.format('{"n": %d, "seconds": %.6f, "bytes": %d, "decode_us": %.2f, '
  .. '"cjson_us": %.2f}', n, t1 - t0, #body, (d1 - d0) / reps * 1e6,
  (d2 - d1) / reps * 1e6))
