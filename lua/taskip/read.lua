-- taskip.read: tolerant reading of the API's inconsistent bodies
-- (API.md §3, §14). Each helper takes a decoded body and returns a
-- piece of it; the body itself is never changed, so the raw answer
-- stays at hand.

local type, ipairs, next = type, ipairs, next

local M = {}

local PAYLOAD_KEYS = { "data", "task", "reply", "document" }
local MESSAGE_KEYS = { "message", "msg", "success_msg" }

--- The payload: the first of data/task/reply/document, else the body.
function M.payload(body)
  if type(body) ~= "table" then return body end
  for _, k in ipairs(PAYLOAD_KEYS) do
    if body[k] ~= nil then return body[k] end
  end
  return body
end

--- The message: message/msg/success_msg, a bare string, or the first
--- string of a string array (["Project Priority Updated"]).
function M.message(body)
  if type(body) == "string" then return body end
  if type(body) ~= "table" then return nil end
  for _, k in ipairs(MESSAGE_KEYS) do
    if type(body[k]) == "string" then return body[k] end
  end
  if type(body[1]) == "string" then return body[1] end
  return nil
end

--- The items of a list answer: data when it is an array, else the
--- body when it is one; {} when there is none.
function M.items(body)
  if type(body) ~= "table" then return {} end
  local data = body.data
  if type(data) == "table" and (data[1] ~= nil or next(data) == nil) then
    return data
  end
  if body[1] ~= nil then return body end
  return {}
end

--- Pagination data, whatever its style:
--- { style = "laravel"|"ref"|"none", page =, last =, total = }
function M.pagination(body)
  local meta = type(body) == "table" and type(body.meta) == "table"
    and body.meta or nil
  if meta and type(meta.last_page) == "number" then
    return { style = "laravel", page = meta.current_page,
      last = meta.last_page, total = meta.total }
  end
  if meta and type(meta.total_pages) == "number" then
    return { style = "ref", page = meta.current_page,
      last = meta.total_pages, total = meta.total }
  end
  return { style = "none" }
end

return M
