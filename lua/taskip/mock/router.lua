-- Table-driven router: routes are {method, pattern, handler} with
-- patterns like "/contact/{id}". Matching walks a trie of path
-- segments, trying literal segments before parameters and
-- backtracking, so "/contact/bulk-delete" wins over "/contact/{id}".
-- A path that matches with another method gives 405.

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
-- route's name in stats ("GET /contact/{id}").
function M:add(route)
  local node = self.root
  for _, seg in ipairs(split(route.pattern)) do
    local name = seg:match("^{([%w_]+)}$")
    if name then
      node.param = node.param or {name = name, node = new_node()}
      assert(node.param.name == name, "conflicting parameter names")
      node = node.param.node
    else
      node.literal[seg] = node.literal[seg] or new_node()
      node = node.literal[seg]
    end
  end
  assert(not node.methods[route.method], "duplicate route")
  node.methods[route.method] = route
end

-- Find the node for segs[i..]; params collects decoded parameters.
local function walk(node, segs, i, params)
  if i > #segs then
    if next(node.methods) then
      return node
    end
    return nil
  end
  local seg = segs[i]
  local child = node.literal[seg]
  if child then
    local found = walk(child, segs, i + 1, params)
    if found then
      return found
    end
  end
  if node.param then
    local found = walk(node.param.node, segs, i + 1, params)
    if found then
      params[node.param.name] = seg
      return found
    end
  end
  return nil
end

-- Returns route, params; or nil, "not_found"; or nil, "method", allow.
function M:match(method, path)
  local segs = split(path)
  for i, seg in ipairs(segs) do
    segs[i] = native.unescape(seg)
  end
  local params = {}
  local node = walk(self.root, segs, 1, params)
  if not node then
    return nil, "not_found"
  end
  local route = node.methods[method]
  if not route then
    local allow = {}
    for m in pairs(node.methods) do
      allow[#allow + 1] = m
    end
    table.sort(allow)
    return nil, "method", table.concat(allow, ", ")
  end
  return route, params
end

return M
