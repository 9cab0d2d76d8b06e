-- The canary sweep's search: a key in the forms it could leak in.
--
--   local canary = require "support.canary"
--   canary.forms(key)          --> { {name, text}, ... }
--   canary.scan(text, key)     --> { "raw", "base64", ... } (empty: clean)
--
-- Forms: the key as is, URL-encoded (upper- and lowercase hex), and
-- base64 at each of the three alignments it can have inside a longer
-- encoded text (only the characters that do not depend on what
-- surrounds the key), so an Authorization header, a JSON dump or a
-- base64 blob holding the key are all found.
local M = {}

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

--- Standard base64 with padding.
function M.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chunk = {}
    for k = 3, 0, -1 do
      local v = n // (64 ^ k) % 64
      chunk[#chunk + 1] = B64:sub(v + 1, v + 1)
    end
    if not b then chunk[3], chunk[4] = "=", "="
    elseif not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end

--- Percent-encoding of everything but RFC 3986's unreserved characters.
function M.urlencode(s, lower)
  local fmt = lower and "%%%02x" or "%%%02X"
  return (s:gsub("[^%w%-%._~]", function(ch) return fmt:format(ch:byte()) end))
end

--- The texts to look for, each with a name.
function M.forms(key)
  local forms = { { "raw", key } }
  local up, low = M.urlencode(key), M.urlencode(key, true)
  if up ~= key then
    forms[#forms + 1] = { "url-encoded", up }
    if low ~= up then forms[#forms + 1] = { "url-encoded (lowercase hex)", low } end
  end
  for shift = 0, 2 do
    -- key preceded by `shift` bytes: the first ceil(shift * 4 / 3)
    -- characters and the last (partial) group depend on the neighbours
    local enc = M.base64(("\0"):rep(shift) .. key)
    local from = shift == 0 and 1 or (shift == 1 and 3 or 4)
    local stable = (#key + shift) // 3 * 4          -- complete groups
    local core = enc:sub(from, stable)
    if #core >= 8 then forms[#forms + 1] = { "base64/" .. shift, core } end
  end
  return forms
end

--- The names of the forms of key found in text (plain search).
function M.scan(text, key)
  local hits = {}
  for _, f in ipairs(M.forms(key)) do
    if text:find(f[2], 1, true) then hits[#hits + 1] = f[1] end
  end
  return hits
end

return M
