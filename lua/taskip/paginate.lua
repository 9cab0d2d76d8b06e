--- taskip.paginate: walking a list across pages, whatever the page
-- style (API.md §4): Laravel meta.last_page, the api-reference's
-- meta.total_pages, or nothing at all (then a short or empty page is
-- the last). The client's rate-limit policy applies to every page.

local core = require "taskip.core"
local read = require "taskip.read"

local type, pairs = type, pairs

local M = {}

local DEFAULT_LIMIT = 100      -- the documented maximum: fewest requests

-- Called with each page's progress when a walk gives no `progress` of
-- its own: the script host's core draws a progress line on a terminal
-- (taskip-run); elsewhere there is none.
M.default_progress = core.default_progress

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

local function first_id(items)
  local first = items[1]
  return type(first) == "table" and first.id or nil
end

--[[
Returns an iterator over the items of every page.
  fetch(params) -> body | nil, err   asks for one page
  params        the caller's query (or body) table; copied
  style         "page" (page+limit), "body" (same, in the body), or
                "item" (the lead list: item+page; item = 0 is one
                request for everything)
  opts          { progress = function(info), max_pages = n }
The iterator returns each item; on a failure it returns false, err once
and then ends.
]]
function M.each(fetch, params, style, opts)
  opts = opts or {}
  local size_key = style == "item" and "item" or "limit"
  local p = copy(params)
  local size = p[size_key] or DEFAULT_LIMIT
  p[size_key] = size
  -- item = 0 asks the lead list for everything: one request, no pages
  local whole = style == "item" and tonumber(size) == 0
  local page = p.page or 1
  local items, i, done, count, last_first = {}, 0, false, 0, nil
  local progress, max_pages = opts.progress or M.default_progress, opts.max_pages
  local pages = 0

  local function next_page()
    p.page = page
    local body, err = fetch(p)
    if body == nil then return false, err end
    items, i = read.items(body), 0
    pages = pages + 1
    local pg = read.pagination(body)
    local id = first_id(items)
    if #items == 0 or (id ~= nil and id == last_first) then
      items, done = {}, true        -- empty, or a server ignoring `page`
      return true
    end
    last_first = id
    if whole then
      done = true
    elseif pg.style == "none" then
      done = #items < size
    else
      done = (pg.page or page) >= pg.last
    end
    if max_pages and pages >= max_pages then done = true end
    page = page + 1
    if progress then
      progress { page = pages, pages = pg.last, items = count + #items,
        total = pg.total }
    end
    return true
  end

  return function()
    while i >= #items do
      if done then return nil end
      local ok, err = next_page()
      if not ok then
        done = true
        return false, err
      end
    end
    i = i + 1
    count = count + 1
    return items[i]
  end
end

--- Collects every item into one array; nil, err on a failure.
function M.all(fetch, params, style, opts)
  local out = {}
  for item, err in M.each(fetch, params, style, opts) do
    if item == false then return nil, err end
    out[#out + 1] = item
  end
  return out
end

return M
