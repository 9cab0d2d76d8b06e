-- The few behaviours a shape cannot say as data, by name: `effects`
-- change related records or compute an answer. Shapes
-- (taskip.mock.shapes) refer to them by name; what a record looks like
-- in an answer is taskip.mock.objects'.
--
-- An effect is effect(ctx, r, env)
-- -> nil or a response that replaces the shape's answer; r is the
-- resolution {base, rec, full} of taskip.mock.handlers and env the
-- template environment (env.record is the target or new record).

local json = require "taskip.mock.json"
local objects = require "taskip.mock.objects"
local records = require "taskip.mock.records"
local reply = require "taskip.mock.reply"
local seed = require "taskip.mock.seed"
local store = require "taskip.mock.store"

local null = json.null
local A = json.array

local M = {effects = {}}
local effects = M.effects

-- The nearest record of kind at or above rec.
local function up(rec, kind)
  while rec and store.kind(rec) ~= kind do
    rec = store.parent(rec)
  end
  return rec
end

local function invalid(ctx, field, rest)
  return reply.validation({[field] = {reply.field_message(field, rest)}},
    ctx.row[1])
end

-- {==================================================================
-- Effects
-- ===================================================================

function effects.project_created(_, _, env)
  seed.containers(env.record)
end

function effects.pipeline_created(_, _, env)
  seed.stages(env.record)
end

-- Before a task write: container_id must be one of the project's
-- containers (422 otherwise).
function effects.container_check(ctx, r)
  local id = ctx.body.container_id
  if id ~= nil and not store.find("project.container", id,
      up(r.rec, "project")) then
    return invalid(ctx, "container_id", "is invalid.")
  end
end

-- Before a deal write: the stage must belong to the pipeline.
function effects.stage_check(ctx, r)
  for _, field in ipairs({"deal_stage_id", "stage_id"}) do
    local id = ctx.body[field]
    if id ~= nil and not store.find("pipeline.stage", id,
        up(r.rec, "pipeline")) then
      return invalid(ctx, field, "is invalid.")
    end
  end
end

function effects.change_stage(ctx, r, env)
  local err = effects.stage_check(ctx, r)
  if err then
    return err
  end
  local stage = ctx.body.deal_stage_id or ctx.body.stage_id
  if stage ~= nil then
    env.record.deal_stage_id = math.tointeger(stage) or stage
  end
end

local INVOICE_STATUS = {draft = true, sent = true, paid = true,
                        overdue = true, cancelled = true}

-- POST /invoice/{id}/status-update: a payment moves money from
-- due_amount to partial_paid_amount; an unknown status fails with the
-- documented bare string (its status code is undocumented: 400 here).
function effects.invoice_status(ctx, _, env)
  local inv, status = env.record, ctx.body.status
  if not INVOICE_STATUS[status] then
    return reply.json(400, "Status update failed")
  end
  inv.status = status
  if status == "paid" then
    local due = tonumber(inv.due_amount) or 0
    local amount = tonumber(ctx.body.payment_amount) or due
    amount = math.min(amount, due)
    inv.partial_paid_amount = (tonumber(inv.partial_paid_amount) or 0)
      + amount
    inv.due_amount = due - amount
    if inv.due_amount > 0 then
      inv.status = "partially_paid"
    end
  end
  local acts = inv.activities
  acts[#acts + 1] = {id = #acts + 1, type = "status_update",
    description = "Status changed to " .. inv.status,
    notes = ctx.body.notes or null, created_at = env.now}
end

-- Move every record of shape.move.coll whose shape.move.field is the
-- target's id to the body's shape.move.to (which must exist: 422).
function effects.move_all(ctx, _, env)
  local mv = ctx.shape.move
  local scope = store.parent(env.record)
  local to = store.find(store.kind(env.record), ctx.body[mv.to], scope)
  if not to then
    return invalid(ctx, mv.to, "is invalid.")
  end
  local n = 0
  for _, rec in ipairs(store.list(mv.coll, scope)) do
    if rec[mv.field] == env.record.id then
      rec[mv.field] = to.id
      n = n + 1
    end
  end
  env.moved = n
end

-- Deleting a container deletes its tasks.
function effects.container_deleted(_, _, env)
  local c = env.record
  for _, t in ipairs(store.list("project.task", store.parent(c))) do
    if t.container_id == c.id then
      store.remove(t)
    end
  end
end

function effects.duplicate_stage(_, _, env)
  local s = env.record
  env.record = records.add("pipeline.stage", {title = s.title .. " (Copy)",
    color = s.color, order = s.order + 1}, store.parent(s))
end

function effects.convert_quotation(ctx, _, env)
  local q = env.record
  q.status = "accepted"
  env.invoice = records.add("invoice", {
    invoice_no = "INV-" .. tostring(q.quotation_no),
    contact_id = q.contact_id, subject = q.subject,
    currency = q.currency, total = q.total, subtotal = q.sub_total,
    due_date = ctx.body.due_date, terms = ctx.body.payment_terms})
end

-- shape.reorder = {coll, field, list, id, value}: each element of the
-- body's `list` array sets record `id`'s `field` to its `value`; with
-- no `list`, the body itself is the one element.
function effects.reorder(ctx, r)
  local o = ctx.shape.reorder
  local items = o.list and ctx.body[o.list] or {ctx.body}
  if type(items) ~= "table" then
    return invalid(ctx, o.list, "must be an array.")
  end
  for _, item in ipairs(items) do
    local rec = type(item) == "table"
      and store.find(o.coll, item[o.id], r.rec)
    if rec and item[o.value] ~= nil then
      rec[o.field] = item[o.value]
      if o.container and ctx.body.container_id ~= nil then
        rec.container_id = ctx.body.container_id
      end
    end
  end
end

function effects.task_stats(_, _, env)
  env.stats = objects.task_stats(up(env.record, "project"))
end

-- shape.items = {field, from, kind, name}: add (or with remove=true
-- drop) the element {id = body[from], name} in the target's list
-- field; the name comes from the record of kind with that id.
local function item_of(ctx)
  local spec = ctx.shape.items
  local id = ctx.body[spec.from]
  local ref = id ~= nil and spec.kind and store.find(spec.kind, id)
  return {id = id, name = ref and ref[spec.name] or null,
          color = ref and ref.color or nil}
end

function effects.add_item(ctx, _, env)
  local spec = ctx.shape.items
  if ctx.body[spec.from] == nil then
    return invalid(ctx, spec.from, "is required.")
  end
  local list = env.record[spec.field]
  local item = item_of(ctx)
  for _, x in ipairs(list) do
    if x.id == item.id then
      return nil
    end
  end
  list[#list + 1] = item
end

function effects.remove_item(ctx, _, env)
  local spec = ctx.shape.items
  local want = ctx.body[spec.from]
  if want == nil then
    return invalid(ctx, spec.from, "is required.")
  end
  local list = env.record[spec.field]
  for i = #list, 1, -1 do
    if list[i].id == want then
      table.remove(list, i)
    end
  end
end

-- Inbox assign-tags: `tags` [{label, color}] (found by label or
-- created), or the live tester's `tag_ids` (+ replace_existing).
function effects.assign_tags(ctx, _, env)
  local conv, body = env.record, ctx.body
  local chosen = {}
  if type(body.tags) == "table" then
    for _, t in ipairs(body.tags) do
      local label = type(t) == "table" and (t.label or t.name) or t
      if type(label) == "string" and label ~= "" then
        local found
        for _, tag in ipairs(store.list("inbox.tag")) do
          if tag.name:lower() == label:lower() then
            found = tag
          end
        end
        found = found or records.add("inbox.tag", {name = label,
          color = type(t) == "table" and t.color or nil})
        chosen[#chosen + 1] = found
      end
    end
  elseif type(body.tag_ids) == "table" then
    for _, id in ipairs(body.tag_ids) do
      local tag = store.find("inbox.tag", id)
      if not tag then
        return reply.error(404, "Tag not found")
      end
      chosen[#chosen + 1] = tag
    end
  else
    return invalid(ctx, "tags", "is required.")
  end
  local tags = body.replace_existing == false and conv.tags or A({})
  for _, tag in ipairs(chosen) do
    tags[#tags + 1] = {id = tag.id, label = tag.name, color = tag.color}
  end
  conv.tags = tags
end

-- Removing a tag takes it off the conversations.
function effects.tag_deleted(_, _, env)
  for _, c in ipairs(store.list("inbox.conversation")) do
    for i = #c.tags, 1, -1 do
      if c.tags[i].id == env.record.id then
        table.remove(c.tags, i)
      end
    end
  end
end

function effects.booking_created(_, r)
  r.rec.booking_count = #store.list("meeting.booking", r.rec)
end

-- POST /ticket/{id}/attachments (multipart files[] + description): one
-- attachment per `files[]` file part. Anything else (a JSON body, files
-- under another name, an empty file) is a 422, as from the real server.
function effects.upload(ctx, r, env)
  local form = ctx.req.form
  local fields, files = form and form.fields or {}, {}
  for _, f in ipairs(form and form.files or {}) do
    if f.name == "files[]" then
      if f.size == 0 then
        return invalid(ctx, "files", "must not hold empty files.")
      end
      files[#files + 1] = f
    end
  end
  if #files == 0 then
    return invalid(ctx, "files", "field is required.")
  end
  local made = {}
  for i, f in ipairs(files) do
    made[i] = records.add("ticket.attachment", {name = f.filename,
      size = f.size, mime_type = f.content_type,
      description = fields.description,
      url = "https://files.example.com/" .. f.filename}, r.rec)
  end
  env.uploaded = {ticket_id = r.rec.id, attachments = A(made),
    description = fields.description or null}
end

-- GET /ticket/analytics: counts over the stored tickets.
function effects.analytics(ctx, _, env)
  local by = ctx.query.group_by or "status"
  local groups, total = {}, 0
  for _, t in ipairs(store.list("ticket")) do
    total = total + 1
    local key = tostring(t[by] == nil and "none" or t[by])
    groups[key] = (groups[key] or 0) + 1
  end
  env.analytics = {period = ctx.query.period or "month",
    start_date = ctx.query.start_date or null,
    end_date = ctx.query.end_date or null, group_by = by,
    total_tickets = total, groups = groups}
end

-- POST /project/attribute/categories/update: project_ids get category.
function effects.set_categories(ctx)
  local cat = store.find("project.attribute", ctx.body.category_id)
  if not cat then
    return invalid(ctx, "category_id", "is invalid.")
  end
  for _, id in ipairs(ctx.body.project_ids) do
    local p = store.find("project", id)
    if p then
      p.category = A({cat.id})
    end
  end
end

-- POST /project/all-tasks/list: tasks of every project, filtered by
-- the body's status ("completed"/"pending"), assigned_to and
-- project_ids.
function effects.all_tasks(ctx, _, env)
  local body, out = ctx.body, {}
  local wanted
  if type(body.project_ids) == "table" then
    wanted = {}
    for _, id in ipairs(body.project_ids) do
      wanted[tostring(id)] = true
    end
  end
  for _, t in ipairs(store.list("project.task")) do
    local p = store.parent(t)
    local ok = not wanted or wanted[tostring(p.id)] or wanted[p.uuid]
    if ok and body.status == "completed" then
      ok = t.is_completed == 1 or t.is_completed == true
    elseif ok and body.status == "pending" then
      ok = not (t.is_completed == 1 or t.is_completed == true)
    end
    if ok then
      out[#out + 1] = objects.show(t)
    end
  end
  env.rows = A(out)
end

-- }==================================================================

return M
