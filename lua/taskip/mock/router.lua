-- Table-driven router: routes are {method, pattern, handler, ...} with
-- patterns like "/contact/{id}". Matching walks a trie of path
-- segments, trying literal segments before placeholders and
-- backtracking, so "/contact/bulk-delete" wins over "/contact/{id}"
-- and "/project/dashboard/activity" over "/project/{uuid}/activity".
--
-- Placeholders share one trie edge per position whatever their names
-- ("/support-ticket/{id}" and "/support-ticket/{uuid}/priority"); each
-- route keeps its own names, so params come back named as in its
-- pattern. The walk first looks for a route with the request's method;
-- only if none matches does a path that matches with another method
-- give 405 (as Laravel does).

local native = require "taskip.mock.native"

local M = {}
local mt = {__index = M, __name = "taskip.mock.router"}

local function new_node()
  return {literal = {}, param = nil, methods = {}}
end

local function split(path)
  local segs = {}
  for seg in path:gmatch("[^/]+") do
    segs[#segs + 1] = seg
  end
  return segs
end

function M.new()
  return setmetatable({root = new_node()}, mt)
end

-- Add route {method=, pattern=, handler=}; pattern is also the
-- route's name in stats ("GET /contact/{id}"). Sets route.names, the
-- placeholder names in order.
function M:add(route)
  local node, names = self.root, {}
  for _, seg in ipairs(split(route.pattern)) do
    local name = seg:match("^{([%w_]+)}$")
    if name then
      names[#names + 1] = name
      node.param = node.param or new_node()
      node = node.param
    else
      node.literal[seg] = node.literal[seg] or new_node()
      node = node.literal[seg]
    end
  end
  assert(not node.methods[route.method],
    "duplicate route: " .. route.method .. " " .. route.pattern)
  route.names = names
  node.methods[route.method] = route
end

-- Find the node for segs[i..] that has `method` (any method when nil);
-- vals collects the placeholder segments in order.
local function walk(node, segs, i, method, vals)
  if i > #segs then
    if method then
      return node.methods[method] and node
    end
    return next(node.methods) and node
  end
  local seg = segs[i]
  local child = node.literal[seg]
  if child then
    local found = walk(child, segs, i + 1, method, vals)
    if found then
      return found
    end
  end
  if node.param then
    vals[#vals + 1] = seg
    local found = walk(node.param, segs, i + 1, method, vals)
    if found then
      return found
    end
    vals[#vals] = nil
  end
  return nil
end

-- Returns route, params (name -> decoded segment); or nil,
-- "not_found"; or nil, "method", allow.
function M:match(method, path)
  local segs = split(path)
  for i, seg in ipairs(segs) do
    segs[i] = native.unescape(seg)
  end
  local vals = {}
  local node = walk(self.root, segs, 1, method, vals)
  if node then
    local route = node.methods[method]
    local params = {}
    for k, name in ipairs(route.names) do
      params[name] = vals[k]
    end
    return route, params
  end
  node = walk(self.root, segs, 1, nil, {})
  if not node then
    return nil, "not_found"
  end
  local allow = {}
  for m in pairs(node.methods) do
    allow[#allow + 1] = m
  end
  table.sort(allow)
  return nil, "method", table.concat(allow, ", ")
end

return M
