--- taskip.errors: the error objects that failed calls return.
--
-- A failure from the world (HTTP error, network, TLS, bad JSON...) is
-- returned as nil, err; err is a table with kind, status, message,
-- body, errors, retry_after and headers, and tostring(err) reads
-- "taskip: <kind>: <message> (HTTP <status>)".

local getmetatable, setmetatable, tostring, type, ipairs =
  getmetatable, setmetatable, tostring, type, ipairs

local Error = { __name = "taskip.error" }
Error.__index = Error

function Error.__tostring(e)
  local s = "taskip: " .. tostring(e.kind) .. ": " .. tostring(e.message)
  if e.status then s = s .. " (HTTP " .. tostring(e.status) .. ")" end
  return s
end

local M = {}

function M.new(fields)
  return setmetatable(fields, Error)
end

function M.is(v)
  return getmetatable(v) == Error
end

--- The human message in an error body: message, error or msg (API.md
-- §7), a bare string, or the first string of a string array.
function M.message_of(body)
  if type(body) == "string" and body ~= "" then return body end
  if type(body) ~= "table" then return nil end
  for _, k in ipairs { "message", "error", "msg" } do
    if type(body[k]) == "string" and body[k] ~= "" then return body[k] end
  end
  if type(body[1]) == "string" then return body[1] end
  return nil
end

return M
