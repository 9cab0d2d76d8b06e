-- taskip.resources: the client's resource methods, generated from the
-- endpoint table (taskip.endpoints), so 207 endpoints are data.
--
--   c.contact:list{ search = "ann" }         GET  /contact?search=ann
--   c.project.task:get(project_uuid, 7)      GET  /project/{uuid}/task/7
--   c.invoice:send_to_client(42)             POST /invoice/sent/42
--   c.contact:each{ limit = 100 }            every contact, page by page
--
-- A method takes its path's placeholders first, in order, then the
-- query (GET) or the body (other methods, then an optional query).
-- Placeholders are percent-encoded; a value that would change the path
-- ('/', '\', '.', '..') or a missing one raises, naming it.

local core = require "taskip.core"
local query = require "taskip.query"

local type, error, format, concat, setmetatable, rawset, ipairs, require =
  type, error, string.format, table.concat, setmetatable, rawset, ipairs, require
local escape, number = core.escape, query.number
-- table.unpack is 5.2+, unpack 5.1 and LuaJIT.
local unpack = table.unpack or unpack  -- luacheck: ignore 113 143

local M = {}

-- "project.task" -> { name, children = {}, rows = {method -> row},
-- walks = {each/all name -> list row}, fns = {name -> function} }.
-- Functions are made on first use: a script host builds one client per
-- script, and most scripts touch a few resources of the 207 endpoints.
local spaces = {}
local send                     -- the client's request function

local function space(name)
  local s = spaces[name]
  if not s then
    s = { name = name, fns = {}, children = {}, rows = {}, walks = {} }
    spaces[name] = s
    local parent, child = name:match("^(.*)%.([^.]+)$")
    if parent then space(parent).children[child] = s end
  end
  return s
end

-- The path as literal pieces and placeholder names, in order.
local function parse(path)
  local pieces, names = {}, {}
  local pos = 1
  for s, name, e in path:gmatch("(){([%w_]+)}()") do
    pieces[#pieces + 1] = path:sub(pos, s - 1)
    pieces[#pieces + 1] = false
    names[#names + 1] = name
    pos = e
  end
  pieces[#pieces + 1] = path:sub(pos)
  return pieces, names
end

local function segment(v, name, fname)
  local t = type(v)
  if v == nil then
    error(format("taskip: %s: missing '%s'", fname, name), 4)
  end
  if t == "number" then return number(v) end
  if t ~= "string" then
    error(format("taskip: %s: bad '%s' (string or number expected, got %s)",
      fname, name, t), 4)
  end
  if v == "" or v == "." or v == ".." or v:find("[/\\]") then
    error(format("taskip: %s: bad '%s' (%q would change the path)",
      fname, name, v), 4)
  end
  return escape(v)
end

local function build(pieces, names, args, fname)
  local out, k = {}, 0
  for i = 1, #pieces do
    if pieces[i] then
      out[i] = pieces[i]
    else
      k = k + 1
      out[i] = segment(args[k], names[k], fname)
    end
  end
  return concat(out)
end

local function filename_of(headers)
  local cd = headers and headers["content-disposition"]
  return cd and (cd:match('filename="([^"]+)"') or cd:match("filename=([^;%s]+)"))
end

-- The function behind c.<resource>:<name>(...) for row e.
local function method_for(e)
  local pieces, names = parse(e[5])
  local n = #names
  local verb = e[4]
  local fname = e[2] .. ":" .. e[3]
  return function(self, ...)
    local args = { ... }
    local path = build(pieces, names, args, fname)
    local opts
    if verb == "GET" then
      opts = { query = args[n + 1], raw = e.pdf }
    else
      opts = { body = args[n + 1], query = args[n + 2], multipart = e.multipart }
    end
    local value, meta = send(self._client, fname, verb, path, opts, 1)
    if e.pdf and value ~= nil then
      meta.content_type = meta.headers["content-type"]
      meta.filename = filename_of(meta.headers)
    end
    return value, meta
  end, n
end

-- :each(...) and :all(...) over a list method: placeholders, then the
-- query (or body) table, then { progress =, max_pages = }.
local function walkers(e, list, nargs)
  local style = e.list
  local function fetcher(self, args)
    local fixed = {}
    for i = 1, nargs do fixed[i] = args[i] end
    return function(params)       -- the query, or the body of a POST read
      fixed[nargs + 1] = params
      return list(self, unpack(fixed, 1, nargs + 1))
    end
  end
  local function each(self, ...)
    local args = { ... }
    local params = args[nargs + 1]
    if params ~= nil and type(params) ~= "table" then
      error(format("taskip: %s:%s: bad query (table expected, got %s)",
        e[2], e[3], type(params)), 2)
    end
    return require("taskip.paginate").each(fetcher(self, args), params, style,
      args[nargs + 2])
  end
  local function all(self, ...)
    local args = { ... }
    return require("taskip.paginate").all(fetcher(self, args), args[nargs + 1], style,
      args[nargs + 2])
  end
  return each, all
end

-- The method k of space s, made and kept on first use.
local function function_of(s, k)
  local fn = s.fns[k]
  if fn then return fn end
  local e = s.rows[k]
  if e then
    fn = method_for(e)
  else
    e = s.walks[k]
    if not e then return nil end
    local each, all = walkers(e, method_for(e))
    fn = k:sub(1, 4) == "each" and each or all
  end
  s.fns[k] = fn
  return fn
end

local Resource = {}

function Resource.__index(r, k)
  local s = r._space
  local fn = function_of(s, k)
  if fn then return fn end
  local child = s.children[k]
  if child then
    local inst = setmetatable({ _client = r._client, _space = child }, Resource)
    rawset(r, k, inst)
    return inst
  end
  return nil
end

function Resource.__tostring(r)
  return "taskip.resource " .. r._space.name
end

-- The endpoint table, loaded and sorted into spaces on first use: a
-- script that never names a resource (taskip-run hosts thousands of
-- scripts) does not hold its 207 rows.
local endpoints

local function load_endpoints()
  if endpoints then return endpoints end
  endpoints = require "taskip.endpoints"
  for _, e in ipairs(endpoints) do
    local s = space(e[2])
    if not e.alias then
      s.rows[e[3]] = e
      if e.list then                -- list -> each/all; activity -> each_activity
        local suffix = e[3] == "list" and "" or "_" .. e[3]
        s.walks["each" .. suffix], s.walks["all" .. suffix] = e, e
      end
    end
  end
  return endpoints
end

--- c.<k>: the resource k of client c (made once, kept on c), or nil.
--- send is the client's request function: send(client, fname, method,
--- path, opts, up).
function M.resource(c, k, request)
  send = request
  load_endpoints()
  local s = spaces[k]
  if s and not k:find(".", 1, true) then
    local inst = setmetatable({ _client = c, _space = s }, Resource)
    rawset(c, k, inst)
    return inst
  end
  return nil
end

-- The rows with a limit of their own (option `limit`), as { method,
-- pattern matching their paths (a same-origin URL too), name, n,
-- seconds }; made on first use. Every such row is a write: the client
-- asks only for writes, so a script making only reads does not load the
-- endpoint table.
local limited

local function magic(s)
  return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

local function limits()
  if limited then return limited end
  limited = {}
  for _, e in ipairs(load_endpoints()) do
    local l = e.limit
    if l then
      assert(e[4] ~= "GET" and e[4] ~= "HEAD", "taskip.endpoints: a limit on a read")
      local pieces = parse(e[5])
      for i, p in ipairs(pieces) do pieces[i] = p and magic(p) or "[^/?#]+" end
      limited[#limited + 1] = { method = e[4], pattern = concat(pieces) .. "$",
        name = l[3] or e[2] .. ":" .. e[3], n = l[1], seconds = l[2] }
    end
  end
  return limited
end

--- The limit of the endpoint `method path` goes to, from the endpoint
--- table: name, n, seconds; or nil. overrides[name] replaces it: a
--- table { n, seconds }, or false to leave the endpoint untracked.
function M.limit_of(method, path, overrides)
  method = method:upper()
  for _, l in ipairs(limits()) do
    if l.method == method and path:find(l.pattern) then
      local o = overrides and overrides[l.name]
      if o == false then return nil end
      if o then return l.name, o[1], o[2] end
      return l.name, l.n, l.seconds
    end
  end
  return nil
end

--- The table for tools and docs: one entry per row.
function M.list()
  local out = {}
  for _, e in ipairs(load_endpoints()) do
    local _, names = parse(e[5])
    local required = {}
    for i, f in ipairs(e.required or {}) do required[i] = f end
    out[#out + 1] = {
      name = e[2] .. ":" .. e[3], resource = e[2], method_name = e[3],
      method = e[4], path = e[5], group = e[1], placeholders = names,
      alias = e.alias or false, tier = e.tier or "primary",
      list = e.list, pdf = e.pdf or false, required = required,
      multipart = e.multipart or false,
      limit = e.limit and { e.limit[1], e.limit[2],
        e.limit[3] or e[2] .. ":" .. e[3] },
    }
  end
  return out
end

return M
