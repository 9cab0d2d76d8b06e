-- taskip.file: a file to upload, as a value in a request body.
--
--   local f = taskip.file{ name = "report.pdf", path = "out/report.pdf" }
--   local g = taskip.file{ name = "notes.txt", content = text,
--                          content_type = "text/plain" }
--   c.ticket.attachment:create(55, { files = { f, g }, description = "logs" })
--
-- A body holding a file is sent as multipart/form-data (taskip.form).
-- Loaded on the first taskip.file{} (lua/taskip/init.lua): until then
-- no body can hold a file.
-- `path` reads the file when the value is made; inside taskip-run's
-- sandbox there is no file system, so scripts upload bytes they have
-- (`content`).

local core = require "taskip.core"

local type, format, setmetatable, getmetatable, tostring, next =
  type, string.format, setmetatable, getmetatable, tostring, next
-- Captured here, and only outside the sandbox: the host's core says so.
local open = not core.sandboxed and io and io.open or nil

local M = {}

local File = { __name = "taskip.file" }
File.__index = File

function File.__tostring(f)
  return format("taskip.file %q (%d bytes)", f.name, #f.content)
end

local function bad(field, why)
  return nil, format("taskip.file: bad '%s' (%s)", field, why)
end

local function read(path)
  if not open then
    return bad("path", "no file system here; pass the bytes as 'content'")
  end
  local fh, why = open(path, "rb")
  if not fh then return bad("path", tostring(why)) end
  local data = fh:read("*a")          -- "*a": 5.1 and LuaJIT need the star
  fh:close()
  if not data then return bad("path", "could not read " .. path) end
  return data
end

--- make{ name =, content = | path =, content_type = } -> file, or nil
--- and what is wrong (taskip.file raises it at its caller). name is the
--- file name the server stores (for path, defaults to its last
--- component).
function M.make(spec)
  if type(spec) ~= "table" or getmetatable(spec) ~= nil then
    return nil, "taskip.file: bad argument #1 (a table of fields expected; call it "
      .. "as taskip.file{...}, not with ':')"
  end
  local name, content, path, ctype = spec.name, spec.content, spec.path, spec.content_type
  if (content == nil) == (path == nil) then
    return bad("content", "give exactly one of 'content' and 'path'")
  end
  if path ~= nil and type(path) ~= "string" then
    return bad("path", "string expected, got " .. type(path))
  end
  if content ~= nil and type(content) ~= "string" then
    return bad("content", "string expected, got " .. type(content))
  end
  if name == nil and path then name = path:match("([^/\\]+)$") end
  if type(name) ~= "string" or name == "" then
    return bad("name", "a non-empty string expected, got " .. type(name))
  end
  if name:find('[%c"]') then return bad("name", "no control characters or '\"'") end
  if ctype ~= nil and (type(ctype) ~= "string" or ctype:find("[%c]") or ctype == "") then
    return bad("content_type", "a MIME type string expected")
  end
  if not content then
    local why
    content, why = read(path)
    if not content then return nil, why end
  end
  return setmetatable({ name = name, content = content,
    content_type = ctype or "application/octet-stream" }, File)
end

--- true when v is a file value.
function M.is(v)
  return type(v) == "table" and getmetatable(v) == File
end

--- true when the table t holds a file value anywhere (a form then).
function M.within(t, depth)
  depth = depth or 0
  if M.is(t) then return true end
  if type(t) ~= "table" or depth > 8 then return false end
  for _, v in next, t do
    if type(v) == "table" and M.within(v, depth + 1) then return true end
  end
  return false
end

return M
