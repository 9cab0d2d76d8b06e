-- The emulator's routes, generated from the endpoint table
-- (taskip.endpoints): one route per row, aliases included. A route
-- carries its row's `endpoint` ("resource:name", shared by an alias
-- and its primary), which answers it: the contact rows by
-- taskip.mock.contacts, every other row by the generic handlers with
-- the shape of taskip.mock.shapes.

local contacts = require "taskip.mock.contacts"
local endpoints = require "taskip.endpoints"
local handlers = require "taskip.mock.handlers"
local router = require "taskip.mock.router"
local shapes = require "taskip.mock.shapes"

local M = {}

-- A new router holding every row; raises on a row without an answer.
function M.build()
  local routes = router.new()
  for _, row in ipairs(endpoints) do
    local resource, name, method, path = row[2], row[3], row[4], row[5]
    local key = resource .. ":" .. name
    local route = {method = method, pattern = path, endpoint = key,
                   row = row, body = method ~= "GET"}
    if resource == "contact" then
      route.custom = assert(contacts.handlers[name], "no handler: " .. key)
    else
      route.shape = assert(shapes[key], "no shape: " .. key)
    end
    routes:add(route)
  end
  return routes
end

-- Answer ctx {req, params, query, body, url, rel} for route.
function M.call(route, ctx)
  if route.custom then
    return route.custom(ctx)
  end
  ctx.row, ctx.shape, ctx.route = route.row, route.shape, route
  return handlers.handle(ctx)
end

return M
