--- table.sort for the host's sandboxed scripts.
-- Written in Lua so that the host's count hook can time-slice a long
-- sort like any other script code: the C table.sort is one call the
-- hook cannot interrupt or yield from. A heapsort: in place, and it ends
-- after O(n log n) comparisons whatever the comparator answers.
local type, error, math_type = type, error, math.type -- luacheck: ignore 143

-- Moves t[root] down to its place in the heap t[root..last].
local function sift(t, root, last)
  local v = t[root]
  while true do
    local child = 2 * root
    if child > last then break end
    local c = t[child]
    if child < last then
      local r = t[child + 1]
      if c < r then child, c = child + 1, r end
    end
    if not (v < c) then break end -- luacheck: ignore 581 (NaN)
    t[root] = c
    root = child
  end
  t[root] = v
end

-- The same with a comparator.
local function sift_with(t, lt, root, last)
  local v = t[root]
  while true do
    local child = 2 * root
    if child > last then break end
    local c = t[child]
    if child < last then
      local r = t[child + 1]
      if lt(c, r) then child, c = child + 1, r end
    end
    if not lt(v, c) then break end
    t[root] = c
    root = child
  end
  t[root] = v
end

return function(t, lt)
  if type(t) ~= "table" then
    error("bad argument #1 to 'table.sort' (table expected, got " .. type(t) .. ")", 2)
  end
  if lt ~= nil and type(lt) ~= "function" then
    error("bad argument #2 to 'table.sort' (function expected, got " .. type(lt) .. ")", 2)
  end
  local n = #t
  if math_type(n) ~= "integer" then
    error("object length is not an integer", 2)
  end
  if n >= 0x7fffffff then error("bad argument #1 to 'table.sort' (array too big)", 2) end
  if lt == nil then
    for i = n // 2, 1, -1 do sift(t, i, n) end
    for last = n, 2, -1 do
      t[1], t[last] = t[last], t[1]
      sift(t, 1, last - 1)
    end
  else
    for i = n // 2, 1, -1 do sift_with(t, lt, i, n) end
    for last = n, 2, -1 do
      t[1], t[last] = t[last], t[1]
      sift_with(t, lt, 1, last - 1)
    end
  end
end
