-- The three pagination styles of API.md section 4, over a list already
-- filtered and sorted:
--   laravel  links{first,last,prev,next} + meta{current_page, from,
--            last_page, path, per_page, to, total}
--   ref      meta{current_page, per_page, total, total_pages}
--   none     just the page's rows (the client stops on a short page)
-- Page size: `limit` (default 50 unless the endpoint documents another,
-- at most 100); the lead list's `item` (default 10, 0 = everything).

local json = require "taskip.mock.json"

local null = json.null

local M = {}

M.MAX = 100

local function int(s)
  if math.type(s) == "integer" then
    return s
  end
  return type(s) == "string" and s:match("^%d+$") and #s < 10
    and math.tointeger(tonumber(s)) or nil
end

-- page, per_page from args (query or body) {page=, limit=}.
function M.window(args, default)
  local page = math.max(1, int(args.page) or 1)
  local per = int(args.limit) or default or 50
  if per < 1 then
    per = default or 50
  end
  return page, math.min(per, M.MAX)
end

-- Whether args ask the lead list for all rows (item = 0): Laravel's
-- unpaginated answer, the rows without links or meta.
function M.whole(args)
  return int(args.item) == 0
end

-- page, per_page for the lead list: `item` per page, 0 for all rows
-- (then per_page is the row count, at least 1).
function M.item_window(args, total)
  local page = math.max(1, int(args.page) or 1)
  local per = int(args.item) or 10
  if per == 0 then
    return 1, math.max(1, total)
  end
  return page, math.min(per, M.MAX)
end

-- The rows of page `page`, as a JSON list; and the index of the first.
function M.slice(rows, page, per)
  local from = (page - 1) * per + 1
  local data = {}
  for i = from, math.min(#rows, page * per) do
    data[#data + 1] = rows[i]
  end
  return json.array(data), from
end

-- data, links, meta in Laravel resource style; path is the absolute
-- URL of the list (links add ?page=N).
function M.laravel(rows, page, per, path)
  local data, from = M.slice(rows, page, per)
  local total = #rows
  local last = math.max(1, (total + per - 1) // per)
  local function link(n)
    return path .. "?page=" .. n
  end
  return data, {
    first = link(1),
    last = link(last),
    prev = page > 1 and link(page - 1) or null,
    next = page < last and link(page + 1) or null,
  }, {
    current_page = page,
    from = #data > 0 and from or null,
    last_page = last,
    path = path,
    per_page = per,
    to = #data > 0 and from + #data - 1 or null,
    total = total,
  }
end

-- data, meta in the api-reference style.
function M.ref(rows, page, per)
  local data = M.slice(rows, page, per)
  return data, {
    current_page = page,
    per_page = per,
    total = #rows,
    total_pages = math.max(1, (#rows + per - 1) // per),
  }
end

return M
