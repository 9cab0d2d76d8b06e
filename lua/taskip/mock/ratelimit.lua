-- Fixed-window request budget, one per emulator (the real API keeps
-- one per key; the emulator accepts a single key).
-- The window starts at the first counted request and lasts `window`
-- seconds; X-RateLimit-Reset is its end, as epoch seconds or, with
-- reset_format "delta", as seconds from now.
--
-- M.endpoints makes the per-endpoint limits of the endpoint table (row
-- option `limit`): one such budget per limit name.

local M = {}
local mt = {__index = M, __name = "taskip.mock.ratelimit"}

function M.new(limit, window, reset_format, clock)
  return setmetatable({
    limit = limit,
    window = window,
    delta = reset_format == "delta",
    clock = clock or os.time,
    used = 0,
    reset_at = nil,
  }, mt)
end

function M:reset()
  self.used = 0
  self.reset_at = nil
end

-- Start a new window if the current one is over; returns now.
function M:roll()
  local now = self.clock()
  if self.reset_at and now >= self.reset_at then
    self:reset()
  end
  return now
end

-- Count one request; false when the budget is spent (not counted).
function M:hit()
  local now = self:roll()
  if self.used >= self.limit then
    return false
  end
  if not self.reset_at then
    self.reset_at = now + self.window
  end
  self.used = self.used + 1
  return true
end

-- Seconds until the window resets (at least 1).
function M:retry_after()
  local now = self:roll()
  local at = self.reset_at or now + self.window
  return math.max(1, at - now)
end

-- Add the X-RateLimit-* headers to h.
function M:headers(h)
  local now = self:roll()
  local at = self.reset_at or now + self.window
  h["X-RateLimit-Limit"] = tostring(self.limit)
  h["X-RateLimit-Remaining"] = tostring(math.max(0, self.limit - self.used))
  h["X-RateLimit-Reset"] = tostring(self.delta and math.max(0, at - now)
    or at)
  return h
end

-- {==================================================================
-- Per-endpoint limits
-- ===================================================================

local E = {}
local emt = {__index = E, __name = "taskip.mock.endpoint_limits"}

-- longest: no endpoint window outlasts the budget's (--window), so a
-- test that shortens the budget's window shortens these too.
function M.endpoints(longest, reset_format, clock)
  return setmetatable({longest = longest, reset_format = reset_format,
    clock = clock, by_name = {}}, emt)
end

-- The budget of row's own limit, made on first use; nil if it has none.
function E:of(row)
  local l = row.limit
  if not l then
    return nil
  end
  local name = l[3] or row[2] .. ":" .. row[3]
  local b = self.by_name[name]
  if not b then
    b = M.new(l[1], math.min(l[2], self.longest), self.reset_format,
      self.clock)
    self.by_name[name] = b
  end
  return b
end

function E:reset()
  for _, b in pairs(self.by_name) do
    b:reset()
  end
end

-- }==================================================================

return M
