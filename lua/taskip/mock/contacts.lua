-- Contacts: an in-memory store seeded with fictional people, and the
-- /contact routes with the response shapes of API.md section 3.2.
-- The list answers in Laravel resource style (links + meta). Contacts
-- are shown as taskip.mock.objects.contact says (company from the
-- generic store's companies).

local json = require "taskip.mock.json"
local objects = require "taskip.mock.objects"
local pagination = require "taskip.mock.pagination"
local reply = require "taskip.mock.reply"

local null = json.null

local M = {}

local SEED = {
  {"Ada", "Testington"}, {"Bert", "Fakeley"}, {"Cora", "Mockford"},
  {"Dax", "Stubbins"}, {"Edna", "Placeholder"}, {"Finn", "Dummond"},
  {"Gus", "Samplesworth"}, {"Hana", "Fixture"}, {"Ivo", "Notreal"},
  {"Juno", "Examplar"}, {"Kit", "Pretendo"}, {"Lia", "Shambles"},
  {"Milo", "Madeup"}, {"Nia", "Fictive"}, {"Otto", "Imaginary"},
  {"Pia", "Loremson"}, {"Quin", "Ipsumov"}, {"Rex", "Sandbox"},
  {"Sia", "Nobody"}, {"Tod", "Phantom"}, {"Uma", "Doppel"},
  {"Vic", "Hypothetic"}, {"Wren", "Simulacra"}, {"Xia", "Mockett"},
  {"Yul", "Zeroth"},
  -- imported twice, as real accounts are: the same address once trimmed
  -- and lower-cased (for the de-duplication example)
  {"Ada", "Testington", email = " Ada.Testington@Example.com"},
  {"Bert", "Fakeley", email = "BERT.FAKELEY@example.com "},
}

-- Request fields a client may set; everything else is server-owned.
local WRITABLE = {
  "first_name", "last_name", "email", "phone_code", "phone_number",
  "company_id", "position", "country_id", "state_id", "city_id",
  "address", "zip_code", "timezone", "image", "access_portal",
  "custom_fields", "details",
}

local MAX_LEN = {phone_code = 5, phone_number = 18, zip_code = 8}

local rows, next_id

local function now_iso()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local function new_contact(id, f, stamp)
  local c = {
    id = id, user_id = 1, company_id = null,
    first_name = "", last_name = null, full_name = "", email = "",
    position = null, phone_code = null, phone_number = null,
    country_id = null, country = null, state_id = null, state = null,
    city_id = null, city = null, address = null, zip_code = null,
    timezone = "UTC", details = null, reference = null,
    reference_name = null, access_portal = 0,
    languages = {{id = 1, code = "en", name = "English",
                  is_default = true}},
    image = null, custom_fields = {},
    created_at = stamp, updated_at = stamp,
  }
  for _, k in ipairs(WRITABLE) do
    if f[k] ~= nil then
      c[k] = f[k]
    end
  end
  c.full_name = c.first_name .. (type(c.last_name) == "string"
    and " " .. c.last_name or "")
  return c
end

function M.reset()
  rows, next_id = {}, 1
  for i, name in ipairs(SEED) do
    local stamp = string.format("2024-01-%02dT10:30:00Z", i)
    rows[i] = new_contact(i, {
      first_name = name[1], last_name = name[2],
      email = name.email
        or (name[1] .. "." .. name[2]):lower() .. "@example.com",
      position = "Fictional Contact",
      phone_code = "+1", phone_number = string.format("555010%02d", i),
      company_id = i <= 5 and i or nil, -- the five seeded companies
      address = string.format("%d Nowhere Lane", i),
    }, stamp)
    next_id = i + 1
  end
end

local function find(id)
  for i, c in ipairs(rows) do
    if c.id == id then
      return c, i
    end
  end
  return nil
end

local function email_taken(email, except_id)
  email = email:lower()
  for _, c in ipairs(rows) do
    if c.email:lower() == email and c.id ~= except_id then
      return true
    end
  end
  return false
end

-- Positive integer id from a path segment, or nil.
local function path_id(s)
  if s and s:match("^%d+$") and #s < 16 then
    return math.tointeger(tonumber(s))
  end
  return nil
end

-- The stored contact with id (an integer or decimal string), or nil.
function M.find(id)
  return (find(json.integer(id) or path_id(type(id) == "string" and id
    or nil)))
end

local function shown(list)
  local out = {}
  for i, c in ipairs(list) do
    out[i] = objects.contact(c)
  end
  return json.array(out)
end

-- Validate body for create (all required) or update; returns errors
-- (field -> {messages}) or nil, and the cleaned fields.
local function validate(body, creating)
  local errors, fields = {}, {}
  local function add(field, msg)
    errors[field] = errors[field] or {}
    table.insert(errors[field], msg)
  end
  for _, k in ipairs(WRITABLE) do
    local v = body[k]
    if v ~= nil and v ~= null then
      fields[k] = v
    end
  end
  for _, k in ipairs({"first_name", "email"}) do
    local v = fields[k]
    if v == nil and creating then
      add(k, "The " .. k:gsub("_", " ") .. " field is required.")
    elseif v ~= nil and (type(v) ~= "string" or v == "") then
      add(k, "The " .. k:gsub("_", " ") .. " field must be a string.")
    end
  end
  if type(fields.email) == "string" and fields.email ~= ""
      and not fields.email:match("^[^@%s]+@[^@%s]+%.[^@%s]+$") then
    add("email", "The email field must be a valid email address.")
  end
  for k, n in pairs(MAX_LEN) do
    local v = fields[k]
    if v ~= nil and (type(v) ~= "string" or #v > n) then
      add(k, string.format(
        "The %s field must be a string of at most %d characters.",
        k:gsub("_", " "), n))
    end
  end
  for _, k in ipairs({"company_id", "country_id", "state_id", "city_id",
                      "image"}) do
    if fields[k] ~= nil then
      fields[k] = json.integer(fields[k])
      if not fields[k] then
        add(k, "The " .. k:gsub("_", " ") .. " field must be an integer.")
      end
    end
  end
  if next(errors) then
    return errors
  end
  return nil, fields
end

local function conflict()
  return reply.error(409, "The email has already been taken.",
    {email = {"The email has already been taken."}})
end

-- {==================================================================
-- Handlers: each takes ctx {req, params, query, body, url} and
-- returns a response (see reply.lua).
-- ===================================================================

local SORT_KEYS = {name = "full_name", email = "email",
                   created_at = "created_at"}

local function list(ctx)
  local q = ctx.query
  local page, per_page = pagination.window(q, 50)
  local search = q.search ~= "" and q.search or nil

  local matched = {}
  for _, c in ipairs(rows) do
    if not search or c.full_name:lower():find(search:lower(), 1, true)
        or c.email:lower():find(search:lower(), 1, true) then
      matched[#matched + 1] = c
    end
  end
  local key = SORT_KEYS[q.sort]
  if key then
    local desc = q.order == "desc"
    table.sort(matched, function(a, b)
      if a[key] == b[key] then
        return a.id < b.id
      end
      if desc then
        return a[key] > b[key]
      end
      return a[key] < b[key]
    end)
  elseif q.order == "desc" then
    table.sort(matched, function(a, b) return a.id > b.id end)
  end

  local data, links, meta = pagination.laravel(matched, page, per_page,
    ctx.url .. "/contact")
  data = shown(data)
  meta.search = search or null
  return reply.json(200, {
    message = "All contacts fetched successfully",
    data = data,
    links = links,
    meta = meta,
  })
end

local function create(ctx)
  local errors, fields = validate(ctx.body, true)
  if errors then
    return reply.validation(errors)
  end
  if email_taken(fields.email) then
    return conflict()
  end
  local c = new_contact(next_id, fields, now_iso())
  next_id = next_id + 1
  rows[#rows + 1] = c
  return reply.json(201, {
    success = true,
    message = "Contact created successfully",
    data = objects.contact(c),
  })
end

local function not_found()
  return reply.error(404, "Contact not found")
end

local function show(ctx)
  local c = find(path_id(ctx.params.id))
  if not c then
    return not_found()
  end
  return reply.json(200, {success = true, data = objects.contact(c)})
end

local function update(ctx)
  local c = find(path_id(ctx.params.id))
  if not c then
    return not_found()
  end
  local errors, fields = validate(ctx.body, false)
  if errors then
    return reply.validation(errors)
  end
  if fields.email and email_taken(fields.email, c.id) then
    return conflict()
  end
  for k, v in pairs(fields) do
    c[k] = v
  end
  c.full_name = c.first_name .. (type(c.last_name) == "string"
    and " " .. c.last_name or "")
  c.updated_at = now_iso()
  return reply.json(200, {msg = "Contact Updated"})
end

local function delete(ctx)
  local c, i = find(path_id(ctx.params.contact or ctx.params.id))
  if not c then
    return not_found()
  end
  table.remove(rows, i)
  return reply.json(200, {msg = "Contact Deleted"})
end

local function bulk_delete(ctx)
  local ids = ctx.body.contact_ids
  if type(ids) ~= "table" or #ids == 0 then
    return reply.validation({
      contact_ids = {"The contact ids field is required."}})
  end
  local wanted = {}
  for i, v in ipairs(ids) do
    local id = json.integer(v) or path_id(type(v) == "string" and v)
    if not id then
      return reply.validation({["contact_ids." .. (i - 1)] = {
        "The contact_ids." .. (i - 1) .. " field must be an integer."}})
    end
    wanted[id] = true
  end
  for i = #rows, 1, -1 do
    if wanted[rows[i].id] then
      table.remove(rows, i)
    end
  end
  return reply.json(200, {msg = "Contacts Deleted"})
end

-- POST /contact/invite-client/{id}.
local function invite(ctx)
  if not find(path_id(ctx.params.id)) then
    return not_found()
  end
  return reply.json(200, {msg = "Invitation sent success"})
end

-- POST /contact/invite-client (api-reference spelling, no id in the
-- path): the docs name no body field, so the contact is `contact_id`
-- (or `id`) when given -- unknown -> 404 -- and otherwise the invite is
-- taken as one by e-mail and simply succeeds. Same message as above.
local function invite_by_body(ctx)
  local id = ctx.body.contact_id or ctx.body.id
  if id ~= nil and not find(json.integer(id)
      or path_id(type(id) == "string" and id or nil)) then
    return not_found()
  end
  return reply.json(200, {msg = "Invitation sent success"})
end

-- }==================================================================

-- Handlers by endpoint name (taskip.endpoints rows of resource
-- "contact"); the router gives each row its own route.
M.handlers = {
  list = list,
  create = create,
  get = show,
  update = update,
  delete = delete,
  bulk_delete = bulk_delete,
  invite = invite,
  invite_by_body = invite_by_body,
}

M.reset()
return M
