-- Searches files for the canary key (first line of the file
-- $TASKIP_CANARY_FILE, never a command line argument) in every form it
-- could leak in: raw, URL-encoded, base64 at any alignment
-- (spec/support/canary.lua). Prints one line per file with a hit and
-- exits 1 if there was any; else prints how much it searched, exits 0.
--
--   TASKIP_CANARY_FILE=... lua5.4 scripts/canary_scan.lua FILE...
package.path = "spec/?.lua;" .. package.path
local canary = require "support.canary"

local key
local key_file = os.getenv("TASKIP_CANARY_FILE")
if key_file and key_file ~= "" then
  local f = io.open(key_file, "rb")
  key = f and f:read("l")
  if f then f:close() end
end
if not key or key == "" then
  io.stderr:write("canary_scan: TASKIP_CANARY_FILE must name a file holding the canary\n")
  os.exit(2)
end

local files, bytes, hits = 0, 0, 0
for _, path in ipairs(arg) do
  local f = io.open(path, "rb")
  if f then
    local text = f:read("a")
    f:close()
    files, bytes = files + 1, bytes + #text
    local found = canary.scan(text, key)
    if #found > 0 then
      hits = hits + 1
      print(("LEAK %s: %s"):format(path, table.concat(found, ", ")))
    end
  end
end
print(("canary: %d files, %d bytes searched, %d with the key"):format(files, bytes, hits))
os.exit(hits == 0 and 0 or 1)
