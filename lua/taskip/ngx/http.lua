-- taskip.ngx.http: one HTTP/1.1 exchange over an nginx cosocket.
--
--   local res, fail = http.exchange(attempt, key_line, opts)
--   res  = { status =, headers = { {name, value}, ... }, body =, reused = n }
--   fail = { kind =, reached =, detail = }
--
-- attempt is what the core's call:step() answered with "send" (method,
-- scheme, host, port, target, headers, body or parts, timeout,
-- connect_timeout, max_response_bytes, user_agent). key_line is the "X-Secret-Key: ..."
-- line: it goes into the request's pieces, which are written with one
-- send(table) and dropped; nothing here keeps, logs or returns it.
-- opts: pool_size, keepalive_timeout (seconds), user_agent.
--
-- Only bytes move here: the core decides retries, waits and what every
-- status means. kind is one of the core's transport failures
-- ("resolve", "connect", "tls", "timeout", "lost", "too_large",
-- "protocol"); reached is true once the first byte was written.

-- luacheck: read globals ngx
local ngx = ngx
local wire = require "taskip.ngx.wire"
local form = require "taskip.ngx.form"

local floor, min, concat, tostring = math.floor, math.min, table.concat, tostring

local M = {}

-- Names nginx's resolver would be asked for but that are the loopback
-- interface by definition (RFC 6761), as curl treats them.
local LOOPBACK = { localhost = "127.0.0.1", ["localhost."] = "127.0.0.1" }

local DEFAULT_PORT = { http = 80, https = 443 }

--- The keepalive pool of an origin: connections are reused only for
--- the same scheme, host and port (and so the same verified name).
function M.pool_name(a)
  return "taskip " .. a.scheme .. "://" .. a.host .. ":" .. tostring(a.port)
end

local function fail(sock, kind, reached, detail)
  if sock then sock:close() end
  return nil, { kind = kind, reached = reached, detail = detail }
end

local function is_ip(host)
  return host:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:find(":", 1, true) ~= nil
end

-- Connects (or takes a pooled connection) and, for https on a new
-- connection, verifies the server's certificate for a.host.
local function open(a, deadline)
  local sock = ngx.socket.tcp()
  local left = wire.ms_left(deadline)
  if left < 1 then return fail(nil, "timeout", false, "no time left to connect") end
  sock:settimeouts(min(floor(a.connect_timeout * 1000), left), left, left)
  local ok, err = sock:connect(LOOPBACK[a.host] or a.host, a.port,
    { pool = M.pool_name(a) })
  if not ok then
    if err == "timeout" then return fail(sock, "timeout", false, "connect timed out") end
    if err:find("resolve", 1, true) or err:find("resolver", 1, true) then
      return fail(sock, "resolve", false, "cannot resolve " .. a.host .. ": " .. err
        .. " (nginx needs a 'resolver' directive for host names)")
    end
    return fail(sock, "connect", false, "connect to " .. a.host .. ":"
      .. tostring(a.port) .. " failed: " .. err)
  end
  local reused = sock:getreusedtimes() or 0
  if a.scheme == "https" and reused == 0 then
    left = wire.ms_left(deadline)
    if left < 1 then return fail(sock, "timeout", false, "no time left for TLS") end
    sock:settimeouts(left, left, left)
    ok, err = sock:sslhandshake(false, a.host, true)
    if not ok then
      if err == "timeout" then return fail(sock, "timeout", false, "TLS handshake timed out") end
      local detail = "TLS handshake with " .. a.host .. " failed: " .. tostring(err)
      if is_ip(a.host) and tostring(err):find("mismatch", 1, true) then
        detail = detail .. " (nginx verifies certificates by host name only:"
          .. " use a base_url with a name, e.g. https://localhost:PORT)"
      end
      return fail(sock, "tls", false, detail)
    end
  end
  return sock, reused
end

-- The request's pieces, for one send(table).
local function request(a, key_line, user_agent)
  local host = a.host:find(":", 1, true) and "[" .. a.host .. "]" or a.host
  if DEFAULT_PORT[a.scheme] ~= a.port then host = host .. ":" .. tostring(a.port) end
  local p = { a.method, " ", a.target, " HTTP/1.1\r\nHost: ", host,
    "\r\nUser-Agent: ", user_agent or a.user_agent, "\r\n" }
  for _, h in ipairs(a.headers or {}) do
    p[#p + 1] = h
    p[#p + 1] = "\r\n"
  end
  if key_line then
    p[#p + 1] = key_line
    p[#p + 1] = "\r\n"
  end
  local body = a.body
  if a.parts then
    local content_type
    content_type, body = form.encode(a.parts)
    p[#p + 1] = "Content-Type: " .. content_type .. "\r\n"
  end
  if body or a.method == "POST" or a.method == "PUT" or a.method == "PATCH" then
    p[#p + 1] = "Content-Length: " .. tostring(body and #body or 0) .. "\r\n"
  end
  p[#p + 1] = "\r\n"
  if body then p[#p + 1] = body end
  return p
end

--- Sends attempt a and reads its response; see the top of the file.
function M.exchange(a, key_line, opts)
  ngx.update_time()
  local deadline = ngx.now() + a.timeout
  local sock, reused = open(a, deadline)
  if not sock then return nil, reused end
  local pieces = request(a, key_line, opts.user_agent)
  key_line = nil                                  -- luacheck: ignore 311
  local left = wire.ms_left(deadline)
  if left < 1 then return fail(sock, "timeout", false, "no time left to send") end
  sock:settimeouts(left, left, left)
  local sent, err = sock:send(pieces)
  for i = #pieces, 1, -1 do pieces[i] = nil end    -- the key's only reference
  if not sent then
    if err == "timeout" then return fail(sock, "timeout", true, "timed out sending the request") end
    return fail(sock, "lost", true, "connection " .. tostring(err) .. " while sending")
  end
  local rd = wire.reader(sock, deadline)
  local res, kind, detail = wire.response(rd, a.method, a.max_response_bytes)
  if not res then return fail(sock, kind, true, detail) end
  if not (res.reusable
      and sock:setkeepalive(floor(opts.keepalive_timeout * 1000), opts.pool_size)) then
    sock:close()
  end
  res.reused = reused
  return res
end

--- A two-line trace of an exchange, for the debug option (no header
--- values, so never the key).
function M.summary(a, res)
  return concat { "> ", a.method, " ", a.target, "\n< ", tostring(res.status),
    " (", tostring(#res.body), " bytes", res.reused > 0 and ", reused connection" or "",
    ")\n" }
end

return M
