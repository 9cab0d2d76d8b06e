-- Response builders shared by the emulator's routes.
-- A response is {status=, headers={}, body=string[, action=, stream=]}.

local json = require "taskip.mock.json"

local M = {}

local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [409] = "Conflict",
  [413] = "Payload Too Large", [422] = "Validation Error",
  [429] = "Too Many Requests", [500] = "Internal Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout",
}

function M.raw(status, body, content_type)
  return {
    status = status,
    headers = {["Content-Type"] = content_type or "application/json"},
    body = body,
  }
end

function M.json(status, value)
  return M.raw(status, json.encode(value))
end

-- The REF error envelope:
-- {success:false, error, message, [errors], status_code}.
function M.error(status, message, errors)
  return M.json(status, {
    success = false,
    error = REASONS[status] or "Error",
    message = message,
    errors = errors,
    status_code = status,
  })
end

-- The documented 401 body, byte for byte (key order matters to
-- readers comparing text, so it is not built with cjson).
M.UNAUTHORIZED_BODY = '{"error":"Unauthorized","message":'
  .. '"Invalid or missing X-Secret-Key header","status_code":401}'

function M.unauthorized()
  return M.raw(401, M.UNAUTHORIZED_BODY)
end

-- Laravel's wording: "The first name field is required.".
function M.field_message(field, rest)
  return "The " .. field:gsub("_", " ") .. " field " .. rest
end

-- The 422 body of CON/COM/TM/...: errors maps field -> {messages}.
-- The project module (group "project") documents a variant with
-- `status` in place of `success`/`status_code` (API.md section 7).
function M.validation(errors, group)
  if group == "project" then
    return M.json(422, {
      status = 422,
      error = "Validation Error",
      message = "The given data was invalid",
      errors = errors,
    })
  end
  return M.json(422, {
    success = false,
    error = "Validation Error",
    message = "The given data was invalid",
    errors = errors,
    status_code = 422,
  })
end

return M
