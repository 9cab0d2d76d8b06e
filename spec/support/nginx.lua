-- A private nginx with the lua module, for the OpenResty specs: one
-- worker on a loopback port, its own prefix folder, started and stopped
-- by the spec.
--
--   local nginx = require "support.nginx"
--   local srv = nginx.start{
--     trusted = m.cafile,                   -- lua_ssl_trusted_certificate
--     env = { TASKIP_SECRET_KEY = key },    -- nginx's environment + env directives
--     http = "lua_shared_dict d 1m;",        -- more http-level directives
--     server = "location /a { content_by_lua_block { ... } }",
--     lua_path = "/dir/?.lua;",              -- searched before the worktree
--     workers = 4,                           -- worker_processes (default 1)
--   }
--   srv.url                                 -- http://127.0.0.1:PORT
--   srv:get("/a")                           --> body, status, seconds (curl)
--   srv:error_log(), srv:access_log()
--   srv:stop()
--
-- Handlers find the worktree's lua/ (taskip) and spec/ (support.*)
-- modules, Debian's LuaJIT modules (cjson, resty.core), and
-- taskip/core.so built for LuaJIT with `make LUA=luajit module` (the
-- build of the lua-versions branch: build/luajit/taskip/core.so), or
-- the folder $TASKIP_LUAJIT_BUILD names.
--
-- As root nginx runs its worker as nobody: the prefix folder is made
-- world-readable, and so must be what the worker loads (the worktree).
-- LUA_PATH/LUA_CPATH are not passed on: nginx would splice them into
-- lua_package_path's ";;".
local env = require "support.env"
local cjson = require "cjson"

local M = {}

--- An emulator's URL by host name: nginx verifies names, not IPs.
function M.by_name(m)
  return (m.url:gsub("//127%.0%.0%.1:", "//localhost:"))
end

local MODULES = { "/usr/share/nginx/modules", "/usr/lib/nginx/modules" }
local LUAJIT_BUILD = "build/luajit"

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

--- The folder holding nginx's dynamic modules, or nil.
function M.modules_dir()
  for _, dir in ipairs(MODULES) do
    if exists(dir .. "/ngx_http_lua_module.so") then return dir end
  end
  return nil
end

local built = os.getenv("TASKIP_LUAJIT_BUILD")     -- a build made elsewhere
if built == "" then built = nil end

--- The folder with taskip/core.so for LuaJIT, built once per run.
function M.luajit_cpath()
  if built then return built end
  local out, code = env.sh("env -u MAKEFLAGS -u MAKELEVEL make -s --no-print-directory"
    .. " LUA=luajit module")
  assert(code == 0 and exists(LUAJIT_BUILD .. "/taskip/core.so"),
    "make LUA=luajit module failed (it needs the lua-versions build):\n" .. out)
  built = env.sh("pwd"):gsub("%s+$", "") .. "/" .. LUAJIT_BUILD
  return built
end

local CONF = [[
load_module ${modules}/ndk_http_module.so;
load_module ${modules}/ngx_http_lua_module.so;
worker_processes ${workers};
daemon on;
master_process on;
pid logs/nginx.pid;
error_log logs/error.log info;
${env}
events { worker_connections 256; }
http {
  access_log logs/access.log;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  lua_package_path "${lua_path}${root}/lua/?.lua;${root}/lua/?/init.lua;${spec}${lualib}";
  lua_package_cpath "${cpath}/?.so;/usr/lib/x86_64-linux-gnu/lua/5.1/?.so";
  ${trust}
  lua_ssl_verify_depth 2;
  ${http}
  server {
    listen 127.0.0.1:${port};
    ${server}
  }
}
]]

local function render(vars)
  return (CONF:gsub("%${([%w_]+)}", function(k) return assert(vars[k], k) end))
end

local Server = {}
Server.__index = Server

--- Starts nginx; tries a few random ports until one is free.
function M.start(opts)
  local modules = assert(M.modules_dir(), "nginx's lua module is not installed"
    .. " (apt-get install nginx-light libnginx-mod-http-lua lua-resty-core)")
  local dir = env.tmpdir()
  assert(os.execute("mkdir -p " .. dir .. "/conf " .. dir .. "/logs " .. dir .. "/tmp"
    .. " && chmod 755 " .. dir))
  local envs, exports = {}, {}
  for k, v in pairs(opts.env or {}) do
    envs[#envs + 1] = "env " .. k .. ";"
    exports[#exports + 1] = "export " .. k .. "=" .. env.quote(v) .. "\n"
  end
  local vars = {
    modules = modules, env = table.concat(envs, "\n"),
    root = env.sh("pwd"):gsub("%s+$", ""), cpath = M.luajit_cpath(),
    trust = "",
    http = opts.http or "", server = opts.server or "",
    lualib = "/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua",
    lua_path = opts.lua_path or "",
    workers = tostring(opts.workers or 1),
  }
  vars.spec = vars.root .. "/spec/?.lua;"
  if opts.trusted then
    -- a copy the worker can read too: with init_worker_by_lua* it loads
    -- the file again, as nobody
    env.write(dir .. "/conf/trusted.pem", assert(env.read(opts.trusted)))
    assert(os.execute("chmod 644 " .. dir .. "/conf/trusted.pem"))
    vars.trust = "lua_ssl_trusted_certificate " .. dir .. "/conf/trusted.pem;"
  end
  local last
  for _ = 1, 8 do
    vars.port = tostring(math.random(20000, 60000))
    env.write(dir .. "/conf/nginx.conf", render(vars))
    -- The values (the test key among them) reach nginx's environment
    -- through a 0600 file the shell reads and removes: never on a
    -- command line, where ps would show them.
    local file = os.tmpname()
    env.write(file, table.concat(exports))
    local out, code = env.sh("env -u LUA_PATH -u LUA_CPATH -u LUA_INIT sh -c"
      .. " '. \"$0\"; rm -f \"$0\"; exec nginx -p \"$1\" -c conf/nginx.conf -e logs/error.log' "
      .. env.quote(file) .. " " .. env.quote(dir))
    os.remove(file)
    if code == 0 then
      local srv = setmetatable({ dir = dir, port = tonumber(vars.port),
        url = "http://127.0.0.1:" .. vars.port }, Server)
      srv.pid = srv:wait_pid()
      srv:watch()
      return srv
    end
    last = out
    if not out:find("in use", 1, true) then break end
  end
  os.execute("rm -rf " .. dir)
  error("nginx did not start:\n" .. tostring(last))
end

-- The master's pid, once nginx has written it.
function Server:wait_pid()
  local pid = env.wait_for(function()
    local text = env.read(self.dir .. "/logs/nginx.pid")
    return text and text:match("%d+")
  end, 30, 0.01)
  return pid or error("nginx wrote no pid file")
end

-- If this process dies before stop() (a killed test run), a watcher
-- stops nginx and removes its folder; it ends with nginx.
function Server:watch()
  local me = env.sh("echo $PPID"):match("%d+")
  os.execute(string.format("sh -c 'while kill -0 %s && kill -0 %s; do sleep 1; done;"
    .. " kill -TERM %s; sleep 1; rm -rf %s' >/dev/null 2>&1 &",
    me, self.pid, self.pid, self.dir))
end

--- GET path with curl: body, HTTP status, total seconds.
function Server:get(path, max_time)
  local out = env.sh(string.format("curl -s -m %d -o - -w '\\n%%{http_code} %%{time_total}' %s",
    max_time or 20, env.quote(self.url .. path)))
  local body, status, secs = out:match("^(.*)\n(%d+) ([%d.]+)$")
  return body, tonumber(status), tonumber(secs)
end

--- The JSON answer of the ngx_app handler `name` (/run/NAME?query),
--- which must answer 200.
function Server:run(name, query)
  local body, status = self:get("/run/" .. name .. (query and "?" .. query or ""))
  assert(status == 200, "GET /run/" .. name .. ": " .. tostring(status) .. " " .. tostring(body))
  return cjson.decode(body)
end

--- Starts GET path in the background; returns a function that waits
--- for it and gives body, status, seconds.
function Server:spawn(path)
  local file = os.tmpname()
  os.execute(string.format(
    "curl -s -m 20 -o %s.body -w '%%{http_code} %%{time_total}' %s > %s.meta &",
    file, env.quote(self.url .. path), file))
  return function()
    -- curl gives up after 20 s (-m 20) and writes its line then
    local meta = env.wait_for(function()
      local text = env.read(file .. ".meta")
      return text and text:match("^%d+ [%d.]+$") and text
    end, 60)
    if not meta then error("background request " .. path .. " did not finish") end
    local body = env.read(file .. ".body")
    os.remove(file)
    os.remove(file .. ".body")
    os.remove(file .. ".meta")
    local status, secs = meta:match("^(%d+) ([%d.]+)$")
    return body, tonumber(status), tonumber(secs)
  end
end

function Server:error_log()
  return env.read(self.dir .. "/logs/error.log") or ""
end

function Server:access_log()
  return env.read(self.dir .. "/logs/access.log") or ""
end

--- Stops nginx (TERM, then waits for the master to exit) and removes
--- its folder; safe twice.
function Server:stop()
  if not self.pid then return end
  os.execute("kill -TERM " .. self.pid .. " 2>/dev/null")
  env.wait_for(function()
    return not os.execute("kill -0 " .. self.pid .. " 2>/dev/null")
  end, 10, 0.01)
  os.execute("kill -KILL " .. self.pid .. " 2>/dev/null")
  self.pid = nil
  os.execute("rm -rf " .. self.dir)
end

return M
