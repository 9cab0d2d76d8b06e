-- Row 1, LuaSec: N sequential ssl.https.request GETs (LuaSocket's http
-- over LuaSec; it opens a new TLS connection for every request), each
-- body decoded with lua-cjson.
--   lua5.4 seq_luasec.lua URL CAFILE KEY N WARMUP
-- Prints {"n": N, "seconds": S} for the N timed requests.
local socket = require "socket"
local https = require "ssl.https"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local url, ca, key, n, warmup = ...
n, warmup = tonumber(n), tonumber(warmup)
local headers = { ["X-Secret-Key"] = key, Accept = "application/json" }

local function one()
  local parts = {}
  local ok, code = https.request{ url = url, headers = headers,
    sink = ltn12.sink.table(parts), cafile = ca, verify = "peer",
    protocol = "any", options = { "all", "no_sslv2", "no_sslv3" } }
  if ok == nil or code ~= 200 then error("luasec: " .. tostring(code)) end
  return cjson.decode(table.concat(parts))
end

for _ = 1, warmup do one() end
local t0 = socket.gettime()
for _ = 1, n do assert(one().data[1].id == 1) end
local t1 = socket.gettime()
print(string.format('{"n": %d, "seconds": %.6f}', n, t1 - t0))
