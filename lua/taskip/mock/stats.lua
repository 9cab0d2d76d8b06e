-- Request log for tests: the last MAX requests (oldest first), counts
-- per route, and how many connections carried at least one request.
-- Control requests (/__mock/...) are never recorded. Entries hold
-- only whether a key was present and valid, never its value.

local json = require "taskip.mock.json"

local M = {}

local MAX = 10000

local log, first, total, counts, conns, nconns

function M.reset()
  log, first, total = {}, 1, 0
  counts, conns, nconns = {}, {}, 0
end

-- entry: {method, path, query (raw), args (decoded), headers (accept,
-- content-type, user-agent), key_present, key_valid, body_bytes,
-- status, connection_id, route[, action]}; for a request that matched
-- a route, route is the endpoint table's path pattern that matched (an
-- alias keeps its own), endpoint its "resource:name" and params the
-- decoded placeholders ({uuid = "proj-...", id = "3"}); otherwise
-- route is the path as sent and there is no endpoint.
function M.record(entry)
  total = total + 1
  log[total] = entry
  if total - first + 1 > MAX then
    log[first] = nil
    first = first + 1
  end
  local key = entry.method .. " " .. entry.route
  counts[key] = (counts[key] or 0) + 1
  local id = entry.connection_id
  if id and not conns[id] then
    conns[id] = true
    nconns = nconns + 1
  end
end

function M.snapshot(faults)
  local requests = {}
  for i = first, total do
    requests[#requests + 1] = log[i]
  end
  return {
    connections = nconns,
    total_requests = total,
    requests = json.array(requests),
    counts = counts,
    faults = faults,
  }
end

M.reset()
return M
