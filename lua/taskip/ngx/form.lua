-- taskip.ngx.form: an attempt's parts as a multipart/form-data body
-- (RFC 7578), the bytes libcurl's MIME API writes for the curl
-- transports. The core has already refused names with CR, LF or '"'.
--
--   local content_type, body = form.encode(attempt.parts)

-- luacheck: read globals ngx
local ngx = ngx

local concat, tostring = table.concat, tostring

local M = {}

local serial = 0

-- A boundary that occurs in no part's bytes.
local function boundary_for(parts)
  while true do
    serial = serial + 1
    local b = "taskip-" .. ngx.md5(tostring(ngx.now()) .. ":" .. tostring(ngx.worker.pid())
      .. ":" .. serial)
    local clash = false
    for _, p in ipairs(parts) do
      if p.data:find(b, 1, true) then clash = true break end
    end
    if not clash then return b end
  end
end

function M.encode(parts)
  local b = boundary_for(parts)
  local out = {}
  for _, p in ipairs(parts) do
    out[#out + 1] = "--" .. b .. '\r\nContent-Disposition: form-data; name="' .. p.name .. '"'
    if p.filename then out[#out + 1] = '; filename="' .. p.filename .. '"' end
    out[#out + 1] = "\r\n"
    local ctype = p.content_type or (p.filename and "application/octet-stream")
    if ctype then out[#out + 1] = "Content-Type: " .. ctype .. "\r\n" end
    out[#out + 1] = "\r\n"
    out[#out + 1] = p.data
    out[#out + 1] = "\r\n"
  end
  out[#out + 1] = "--" .. b .. "--\r\n"
  return "multipart/form-data; boundary=" .. b, concat(out)
end

return M
