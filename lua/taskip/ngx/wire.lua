-- taskip.ngx.wire: reading an HTTP/1.1 response from a cosocket.
--
--   local rd = wire.reader(sock, deadline)
--   local res, kind, detail = wire.response(rd, method, max_body)
--   --> { status =, version =, headers = { {name, value}, ... },
--   --    body =, reusable = <the connection may go back to the pool> }
--   --  | nil, kind ("timeout" | "lost" | "too_large" | "protocol"), detail
--
-- Bytes are read with receiveany into one buffer, so no single line or
-- header section can grow past its limit before it is checked; bodies
-- of known length are read with receive(n). Every read is bounded by
-- the attempt's deadline. Bodies: Content-Length, chunked, or (neither)
-- until the server closes, which makes the connection not reusable.

-- luacheck: read globals ngx
local ngx = ngx

local tonumber, concat, floor, min = tonumber, table.concat, math.floor, math.min

local M = {}

local CHUNK = 16384          -- bytes asked of receiveany at a time
M.MAX_LINE = 8192            -- a status, header or chunk-size line
M.MAX_HEADER = 65536         -- the whole header section

local Reader = {}
Reader.__index = Reader

--- A buffered reader over a connected cosocket; reads end at deadline
--- (seconds, ngx.now() clock).
function M.reader(sock, deadline)
  return setmetatable({ sock = sock, deadline = deadline, buf = "", pos = 1 },
    Reader)
end

--- Whole milliseconds left until deadline (seconds, ngx.now() clock).
function M.ms_left(deadline)
  ngx.update_time()
  return floor((deadline - ngx.now()) * 1000)
end

-- Sets the socket's timeout to what is left; false when nothing is.
function Reader:arm()
  local ms = M.ms_left(self.deadline)
  if ms < 1 then return false end
  self.sock:settimeout(ms)
  return true
end

-- Appends what the server sends next; nil, err on timeout or close.
function Reader:fill()
  if not self:arm() then return nil, "timeout" end
  local data, err = self.sock:receiveany(CHUNK)
  if not data then return nil, err end
  if self.pos > 1 then
    self.buf, self.pos = self.buf:sub(self.pos), 1
  end
  self.buf = self.buf .. data
  return true
end

--- The next line without its CRLF (a bare LF is tolerated); nil, err
--- when the line is longer than limit ("too long") or the read fails.
function Reader:line(limit)
  while true do
    local i = self.buf:find("\n", self.pos, true)
    if i then
      local line = self.buf:sub(self.pos, i - 1)
      self.pos = i + 1
      if line:sub(-1) == "\r" then line = line:sub(1, -2) end
      return line
    end
    if #self.buf - self.pos + 1 > limit then return nil, "too long" end
    local ok, err = self:fill()
    if not ok then return nil, err end
  end
end

--- Exactly n bytes.
function Reader:bytes(n)
  local have = #self.buf - self.pos + 1
  if have >= n then
    local s = self.buf:sub(self.pos, self.pos + n - 1)
    self.pos = self.pos + n
    return s
  end
  local head = self.buf:sub(self.pos)
  self.buf, self.pos = "", 1
  if not self:arm() then return nil, "timeout" end
  local rest, err = self.sock:receive(n - have)
  if not rest then return nil, err end
  return head .. rest
end

--- Everything until the server closes, at most max bytes.
function Reader:rest(max)
  local parts, total = { self.buf:sub(self.pos) }, #self.buf - self.pos + 1
  self.buf, self.pos = "", 1
  while total <= max do
    if not self:arm() then return nil, "timeout" end
    local data, err = self.sock:receiveany(min(CHUNK, max - total + 1))
    if not data then
      if err == "closed" then return concat(parts) end
      return nil, err
    end
    parts[#parts + 1] = data
    total = total + #data
  end
  return nil, "too large"
end

--- True when bytes the response did not account for are buffered.
function Reader:leftover()
  return #self.buf >= self.pos
end

-- A read error as a failure kind.
local function lost(err)
  if err == "timeout" then return nil, "timeout", "timed out reading the response" end
  if err == "too long" then return nil, "too_large", "response header line too long" end
  if err == "too large" then return nil, "too_large", "response body too large" end
  return nil, "lost", "connection " .. tostring(err) .. " while reading the response"
end

-- The header section: an array of {name, value}; obs-fold lines are
-- joined to the value before them.
local function headers(rd)
  local list, size = {}, 0
  while true do
    local line, err = rd:line(M.MAX_LINE)
    if not line then return lost(err) end
    size = size + #line + 2
    if size > M.MAX_HEADER then return nil, "too_large", "response headers too large" end
    if line == "" then return list end
    local first = line:sub(1, 1)
    if (first == " " or first == "\t") and #list > 0 then
      local h = list[#list]
      h[2] = h[2] .. " " .. line:match("^%s*(.-)%s*$")
    else
      local name, value = line:match("^([^:%s]+):%s*(.-)%s*$")
      if not name then return nil, "protocol", "malformed response header line" end
      list[#list + 1] = { name, value }
    end
  end
end

-- The values of header name (lowercase), joined by ", ", or nil.
local function field(list, name)
  local out
  for _, h in ipairs(list) do
    if h[1]:lower() == name then out = out and (out .. ", " .. h[2]) or h[2] end
  end
  return out
end

-- True when the comma-separated field value holds token (any case).
local function has_token(value, token)
  if not value then return false end
  for t in value:gmatch("[^,%s]+") do
    if t:lower() == token then return true end
  end
  return false
end

-- A chunked body, at most max bytes; trailers are read and dropped.
local function chunked(rd, max)
  local parts, total = {}, 0
  while true do
    local line, err = rd:line(M.MAX_LINE)
    if not line then return lost(err) end
    local hex = line:match("^%s*(%x+)%s*;") or line:match("^%s*(%x+)%s*$")
    if not hex or #hex > 8 then return nil, "protocol", "malformed chunk size" end
    local n = tonumber(hex, 16)
    if n == 0 then break end
    total = total + n
    if total > max then return nil, "too_large", "response body too large" end
    local data
    data, err = rd:bytes(n)
    if not data then return lost(err) end
    parts[#parts + 1] = data
    line, err = rd:line(M.MAX_LINE)
    if not line then return lost(err) end
    if line ~= "" then return nil, "protocol", "chunk not followed by CRLF" end
  end
  local _, kind, detail = headers(rd)            -- trailers
  if kind then return nil, kind, detail end
  return concat(parts)
end

-- The Content-Length value: a number, false when absent; nil on a
-- malformed or contradictory one.
local function content_length(list)
  local value = field(list, "content-length")
  if not value then return false end
  local n
  for v in value:gmatch("[^,]+") do
    local d = v:match("^%s*(%d+)%s*$")
    if not d or #d > 15 or (n and tonumber(d) ~= n) then return nil end
    n = tonumber(d)
  end
  return n
end

--- Reads one response (interim 1xx answers are skipped).
function M.response(rd, method, max)
  local major, minor, status, list, err, kind
  repeat
    local line
    line, err = rd:line(M.MAX_LINE)
    if not line then return lost(err) end
    major, minor, status = line:match("^HTTP/(%d)%.(%d) (%d%d%d)")
    if not major then return nil, "protocol", "malformed status line" end
    status = tonumber(status)
    list, kind, err = headers(rd)
    if not list then return nil, kind, err end
  until status >= 200 or status == 101
  local version = tonumber(major) + tonumber(minor) / 10
  local reusable = version >= 1.1
    and not has_token(field(list, "connection"), "close")
  local body = ""
  if method ~= "HEAD" and status ~= 204 and status ~= 304 then
    local te = field(list, "transfer-encoding")
    local length = content_length(list)
    if te then
      if te:lower():match("chunked%s*$") then
        body, kind, err = chunked(rd, max)
      else
        reusable = false
        body, err = rd:rest(max)
        if not body then return lost(err) end
      end
    elseif length == nil then
      return nil, "protocol", "malformed Content-Length"
    elseif length then
      if length > max then return nil, "too_large", "response body too large" end
      body, err = rd:bytes(length)
      if not body then return lost(err) end
    else
      reusable = false
      body, err = rd:rest(max)
      if not body then return lost(err) end
    end
    if not body then return nil, kind, err end
  end
  return { status = status, version = version, headers = list, body = body,
    reusable = reusable and not rd:leftover() }
end

return M
