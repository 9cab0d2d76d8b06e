-- Generic handlers, parameterised by an endpoint's row (taskip.endpoints)
-- and its shape (taskip.mock.shapes). One function per kind of
-- operation: list, get, create, update, delete, bulk, action, pdf,
-- static. Each takes ctx {req, params, query, body, url, rel, row,
-- shape, route} and returns a response (taskip.mock.reply).
--
-- Every handler first resolves the path's placeholders, in order,
-- against the chain of collections above the shape's `base`
-- (default: the row's resource), each one under the one before: for
-- /sales-pipeline/{uuid}/deal/{id}/task/{task_id} that is pipeline by
-- uuid-or-id, its deal by id, that deal's task by id. An unknown
-- record anywhere in the chain is 404. When there are as many
-- placeholders as collections the last record is the target;
-- one fewer and the last record is the parent of the collection the
-- route lists or creates in.
--
-- Shape keys (all optional except op and body):
--   op        one of the handlers below
--   body      response template (taskip.mock.template) over env
--             {record, rows, links, meta, body, query, parent, now, ...};
--             record and rows are the objects shown (taskip.mock.objects),
--             stored the target record as stored
--   status    HTTP status (default 200)
--   base      collection the placeholders resolve against
--   coll      collection listed/created in (default base)
--   select    body field naming the target among the parent's records
--             (routes without the child's id, e.g. DELETE
--             /project/{uuid}/task/{id}/comment with comment_id);
--             match = the record field compared (default "id");
--             select_last = true: no field -> the newest record
--   page      list style: "laravel", "ref", "none" (default), "item"
--   per_page  default page size (default 50)
--   page_in   "body" when page/limit come in the POST body
--   meta_search  put the `search` argument in Laravel meta
--   search    record fields the `search` argument matches
--   filters   argument -> record field, matched for equality
--   pluck     list the elements of this list field of each record
--   view      name of a variant object (taskip.mock.objects) shown for
--             each record instead of its collection's object
--   set       fields written by an action: array items copy the body
--             field of that name, keyed items are templates
--   effect    name of a side effect (taskip.mock.effects.effects),
--             run after the op's own change; may answer instead
--   before    name of a check run before any change; may answer
--   unique    record field that must be unique (409, as contacts)
--   deny      {field, values = {v = true}, message}: 403 when the
--             target's field has one of the values
--   ids       body fields holding a bulk op's ids, first present wins
--   delete_all   bulk: always delete; otherwise only for
--             action "delete"; actions = {name = set-template}
--   unwrap    update: also take the fields nested under this key
--   fields    create/update: extra fields (templates), e.g. a reply's
--             description from the body's `message`
--   raw_body  accept a body that is not JSON (uploads)
--   lines, filename   pdf: templates for the text and the file name

local collections = require "taskip.mock.collections"
local effects = require "taskip.mock.effects"
local json = require "taskip.mock.json"
local objects = require "taskip.mock.objects"
local pagination = require "taskip.mock.pagination"
local pdf = require "taskip.mock.pdf"
local records = require "taskip.mock.records"
local reply = require "taskip.mock.reply"
local store = require "taskip.mock.store"
local template = require "taskip.mock.template"

local null = json.null

local M = {}

-- {==================================================================
-- Resolution, validation
-- ===================================================================

local function not_found(kind)
  return reply.error(404, store.label(kind) .. " not found")
end

local function chain_of(kind)
  local chain = {}
  while kind do
    table.insert(chain, 1, kind)
    kind = collections[kind].parent
  end
  return chain
end

-- r {base, chain, rec (deepest resolved), full (rec is of base)}, or
-- nil, a 404 response.
local function resolve(ctx)
  local shape, names = ctx.shape, ctx.route.names
  local base = shape.base or ctx.row[2]
  if not collections[base] then
    return {}
  end
  local chain = chain_of(base)
  local levels = math.min(#names, #chain)
  if shape.op == "bulk" then
    -- /deals/bulk-actions/{id}: "deal ID or bulk action ID" (API.md
    -- 13.6); the ids come from the body, the extra segment is ignored.
    levels = math.min(levels, #chain - 1)
  end
  local rec
  for i = 1, levels do
    local found = store.find(chain[i], ctx.params[names[i]], rec)
    if not found then
      return nil, not_found(chain[i])
    end
    rec = found
  end
  return {base = base, chain = chain, rec = rec, full = levels == #chain}
end

local function blank(v)
  return v == nil or v == null or v == ""
    or (type(v) == "table" and next(v) == nil)
end

function M.invalid(ctx, errors)
  return reply.validation(errors, ctx.row[1])
end

local field_message = reply.field_message

-- 422 for a body missing any of the row's required fields, else nil.
function M.check_required(ctx)
  local errors
  for _, field in ipairs(ctx.row.required or {}) do
    if blank(ctx.body[field]) then
      errors = errors or {}
      errors[field] = {field_message(field, "is required.")}
    end
  end
  return errors and M.invalid(ctx, errors)
end

-- The target record for get/update/delete/action/pdf, or nil, response.
local function target_of(ctx, r)
  local shape = ctx.shape
  if not shape.select then
    if r.full then
      return r.rec
    end
    return nil
  end
  local coll = shape.coll or r.base
  local want = ctx.body[shape.select]
  local rows = store.list(coll, r.rec)
  if blank(want) then
    if shape.select_last and #rows > 0 then
      return rows[#rows]
    end
    return nil, M.invalid(ctx, {[shape.select] =
      {field_message(shape.select, "is required.")}})
  end
  local field = shape.match or "id"
  for _, rec in ipairs(rows) do
    if rec[field] == want or tostring(rec[field]) == tostring(want) then
      return rec
    end
  end
  return nil, not_found(coll)
end

local function conflict(ctx, target, kind)
  local field = ctx.shape.unique
  local v = field and ctx.body[field]
  if type(v) ~= "string" then
    return nil
  end
  for _, rec in ipairs(store.list(kind)) do
    if rec ~= target and type(rec[field]) == "string"
        and rec[field]:lower() == v:lower() then
      local msg = field_message(field, ""):gsub(" field $", "")
        .. " has already been taken."
      return reply.error(409, msg, {[field] = {msg}})
    end
  end
  return nil
end

local function denied(ctx, target)
  local deny = ctx.shape.deny
  if deny and target and deny.values[target[deny.field]] then
    return reply.error(403, deny.message)
  end
  return nil
end

-- }==================================================================

-- parent: the record above the target on item routes, else the
-- deepest record the path named.
local function env_of(ctx, r)
  local env = records.stamps()
  env.body, env.query, env.params = ctx.body, ctx.query, ctx.params
  env.parent = r.full and r.rec and store.parent(r.rec) or r.rec
  env.url = ctx.url
  return env
end

local function view(ctx, rec)
  return objects.show(rec, ctx.shape.view)
end

local function answer(ctx, env)
  return reply.json(ctx.shape.status or 200,
    template.fill(ctx.shape.body, env))
end

-- Run the shape's effect; returns its response if it answers.
local function run(name, ctx, r, env)
  if name then
    return effects.effects[name](ctx, r, env)
  end
  return nil
end

-- Writes of a `set` spec for an action.
local function apply_set(ctx, target, env)
  local fields = {}
  for k, v in pairs(ctx.shape.set or {}) do
    if math.type(k) == "integer" then
      fields[v] = ctx.body[v]
    else
      fields[k] = template.fill(v, env)
    end
  end
  records.write(store.kind(target), target, fields)
end

-- {==================================================================
-- Lists
-- ===================================================================

local function matches(rec, shape, args)
  local s = args.search
  if shape.search and type(s) == "string" and s ~= "" then
    s = s:lower()
    local hit = false
    for _, field in ipairs(shape.search) do
      local v = rec[field]
      if type(v) == "string" and v:lower():find(s, 1, true) then
        hit = true
        break
      end
    end
    if not hit then
      return false
    end
  end
  for arg, field in pairs(shape.filters or {}) do
    local want = args[arg]
    if want ~= nil and want ~= "" and tostring(rec[field]) ~= tostring(want)
    then
      return false
    end
  end
  return true
end

local function sorted(rows, args)
  local key = args.sort or args.sort_by
  local desc = (args.order or args.sort_order) == "desc"
  if type(key) ~= "string" or rows[1] == nil or rows[1][key] == nil then
    if desc then
      table.sort(rows, function(a, b) return a.id > b.id end)
    end
    return rows
  end
  table.sort(rows, function(a, b)
    local x, y = a[key], b[key]
    if type(x) ~= type(y) or x == y or (type(x) ~= "string"
        and type(x) ~= "number") then
      return a.id < b.id
    end
    if desc then
      return x > y
    end
    return x < y
  end)
  return rows
end

function M.list(ctx, r)
  local shape = ctx.shape
  local args = shape.page_in == "body" and ctx.body or ctx.query
  local rows = {}
  for _, rec in ipairs(store.list(shape.coll or r.base, r.rec)) do
    if matches(rec, shape, args) then
      rows[#rows + 1] = rec
    end
  end
  rows = sorted(rows, args)
  if shape.pluck then
    local items = {}
    for _, rec in ipairs(rows) do
      for _, x in ipairs(rec[shape.pluck] or {}) do
        items[#items + 1] = x
      end
    end
    rows = items
  end
  for i, rec in ipairs(rows) do
    rows[i] = view(ctx, rec)
  end
  local env = env_of(ctx, r)
  local style = shape.page or "none"
  local page, per
  if style == "item" then
    page, per = pagination.item_window(args, #rows)
    style = pagination.whole(args) and "none" or "laravel"
  else
    page, per = pagination.window(args, shape.per_page)
  end
  if style == "laravel" then
    env.rows, env.links, env.meta = pagination.laravel(rows, page, per,
      ctx.url .. ctx.rel)
    if shape.meta_search then
      local s = args.search
      env.meta.search = (s ~= nil and s ~= "") and s or null
    end
  elseif style == "ref" then
    env.rows, env.meta = pagination.ref(rows, page, per)
  else
    env.rows = pagination.slice(rows, page, per)
  end
  return run(shape.effect, ctx, r, env) or answer(ctx, env)
end

-- }==================================================================

-- {==================================================================
-- Records
-- ===================================================================

function M.get(ctx, r)
  local target, err = target_of(ctx, r)
  if not target then
    return err or not_found(r.base)
  end
  local env = env_of(ctx, r)
  env.stored, env.record = target, view(ctx, target)
  return run(ctx.shape.effect, ctx, r, env) or answer(ctx, env)
end

-- Body fields a client may write (id/uuid are dropped by records);
-- with shape.unwrap, the fields nested under that key are taken too
-- (invoice update documents `invoice.*` fields, its example is flat);
-- shape.fields (templates) adds derived ones.
local function fields_of(ctx, env)
  local fields = {}
  local nested = ctx.shape.unwrap and ctx.body[ctx.shape.unwrap]
  for _, t in ipairs({ctx.body, type(nested) == "table" and nested or {}}) do
    for k, v in pairs(t) do
      if v ~= null and k ~= ctx.shape.unwrap then
        fields[k] = v
      end
    end
  end
  for k, v in pairs(template.fill(ctx.shape.fields or {}, env)) do
    fields[k] = v
  end
  return fields
end

function M.create(ctx, r)
  local shape = ctx.shape
  local coll = shape.coll or r.base
  local parent = collections[coll].parent and r.rec or nil
  local env = env_of(ctx, r)
  local early = run(shape.before, ctx, r, env)
    or conflict(ctx, nil, coll)
  if early then
    return early
  end
  local rec = records.add(coll, fields_of(ctx, env), parent)
  env.record = rec
  local resp = run(shape.effect, ctx, r, env)
  env.stored, env.record = rec, view(ctx, rec)
  return resp or answer(ctx, env)
end

function M.update(ctx, r)
  local target, err = target_of(ctx, r)
  if not target then
    return err or not_found(r.base)
  end
  local env = env_of(ctx, r)
  env.record = target
  local early = denied(ctx, target) or run(ctx.shape.before, ctx, r, env)
    or conflict(ctx, target, store.kind(target))
  if early then
    return early
  end
  records.write(store.kind(target), target, fields_of(ctx, env))
  if target.updated_at ~= nil then
    target.updated_at = env.now
  end
  local resp = run(ctx.shape.effect, ctx, r, env)
  env.stored, env.record = target, view(ctx, target)
  return resp or answer(ctx, env)
end

function M.delete(ctx, r)
  local target, err = target_of(ctx, r)
  if not target then
    return err or not_found(r.base)
  end
  local env = env_of(ctx, r)
  env.record = target
  local early = denied(ctx, target) or run(ctx.shape.effect, ctx, r, env)
  if early then
    return early
  end
  store.remove(target)
  return answer(ctx, env)
end

-- A named action on the target (or on the parent's collection when the
-- route names no child, e.g. /project/{uuid}/task/change-order).
function M.action(ctx, r)
  local shape = ctx.shape
  local target, err = target_of(ctx, r)
  if err then
    return err
  end
  local env = env_of(ctx, r)
  env.record = target
  local early = run(shape.before, ctx, r, env)
  if early then
    return early
  end
  if target and shape.set then
    apply_set(ctx, target, env)
    if target.updated_at ~= nil then
      target.updated_at = env.now
    end
  end
  local resp = run(shape.effect, ctx, r, env)
  env.stored = env.record
  env.record = view(ctx, env.record)
  return resp or answer(ctx, env)
end

function M.bulk(ctx, r)
  local shape = ctx.shape
  local coll = shape.coll or r.base
  local ids
  for _, name in ipairs(shape.ids or {"ids"}) do
    if type(ctx.body[name]) == "table" then
      ids = ctx.body[name]
      break
    end
  end
  local env = env_of(ctx, r)
  local action = ctx.body.action
  local set = shape.actions and shape.actions[action]
  local n = 0
  for _, id in ipairs(ids or {}) do
    local rec = store.find(coll, id, r.rec)
    if rec then
      n = n + 1
      if shape.delete_all or action == "delete" then
        store.remove(rec)
      elseif set then
        env.record = rec
        records.write(coll, rec, template.fill(set, env))
      end
    end
  end
  env.count = n
  return answer(ctx, env)
end

function M.pdf(ctx, r)
  local target = target_of(ctx, r)
  if not target then
    return not_found(r.base)
  end
  local env = env_of(ctx, r)
  env.record = target
  local lines = template.fill(ctx.shape.lines, env)
  local resp = reply.raw(200, pdf.render(lines), "application/pdf")
  resp.headers["Content-Disposition"] = string.format(
    'attachment; filename="%s"',
    pdf.filename(template.fill(ctx.shape.filename, env)))
  return resp
end

-- A fixed answer, maybe computed by an effect (no records involved).
function M.static(ctx, r)
  local env = env_of(ctx, r)
  return run(ctx.shape.effect, ctx, r, env) or answer(ctx, env)
end

-- }==================================================================

-- Answer ctx: resolve the placeholders (404), check the required body
-- fields (422), then run the shape's op.
function M.handle(ctx)
  local r, err = resolve(ctx)
  if not r then
    return err
  end
  local invalid = M.check_required(ctx)
  if invalid then
    return invalid
  end
  return M[ctx.shape.op](ctx, r)
end

return M
