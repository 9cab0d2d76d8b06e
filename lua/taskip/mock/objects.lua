-- The objects the emulator shows, one function per collection: a
-- stored record in, the object of API.md section 12's examples out,
-- field for field. Records keep what clients write (company_id,
-- assignee_id, visibility as an int, ...); the nested objects are
-- built here, at answer time, from the related stored records, so they
-- follow the store (rename a company and its deals show the new name).
--
-- show(rec, view) uses the collection's function, or the view a shape
-- names where an endpoint documents another object for the same
-- record (document GET, meeting details, ...). Records of collections
-- without an object here are shown as stored. The decisions taken where
-- the docs contradict themselves are in docs/emulator-shapes.md.

local json = require "taskip.mock.json"
local store = require "taskip.mock.store"

local null = json.null
local A = json.array

local M = {}

-- {==================================================================
-- The account's fixed catalogues (the docs give no endpoint for them)
-- ===================================================================

-- Who creates, owns and updates records when a body names nobody.
M.OWNER = 1

M.ROLES = {"admin", "project_manager", "developer", "designer", "client"}

local TEAMS = {
  {id = 1, name = "Pretend Design", description = "A fictional team."},
  {id = 2, name = "Pretend Engineering", description = "A fictional team."},
  {id = 3, name = "Pretend Sales", description = "A fictional team."},
}
local SIZES = {"1-10", "11-50", "51-200", "201-500", "500+"}
local TYPES = {"Technology", "Finance", "Retail", "Services", "Other"}
local TAXES = {
  {id = 1, name = "Pretend VAT", rate = 20},
  {id = 2, name = "Pretend Sales Tax", rate = 7},
}
local VISIBILITY = {[0] = "Private", "Team", "Public"}

-- }==================================================================

local function given(v)
  return v ~= nil and v ~= null
end

-- A new table with src's keys (a space-separated list); null for absent.
local function pick(src, keys)
  local out = {}
  for k in keys:gmatch("%S+") do
    local v = src[k]
    if v == nil then
      v = null
    end
    out[k] = v
  end
  return out
end

local function id_of(x)
  if type(x) == "table" then
    return x.id
  end
  return x
end

-- The elements of list (ids, or tables with an id) through fn, skipping
-- what fn finds nothing for; always a JSON array.
local function each(list, fn)
  local out = {}
  for _, x in ipairs(type(list) == "table" and list or {}) do
    local o = fn(id_of(x))
    if o ~= null then
      out[#out + 1] = o
    end
  end
  return A(out)
end

local function find(kind, id)
  return given(id) and store.find(kind, id) or nil
end

local function contact(id)
  if not given(id) then
    return nil
  end
  return require("taskip.mock.contacts").find(id)
end

-- A media item (a media id is all the docs' bodies carry); keys picks
-- the fields each object documents.
local function media(id, keys)
  if not given(id) then
    return null
  end
  local name = "media-" .. tostring(id) .. ".png"
  return pick({id = id, name = name, file_name = name,
    url = "https://files.example.com/" .. name,
    thumbnail = "https://files.example.com/thumb-" .. name,
    mime_type = "image/png", size = 2048, collection_name = "default"},
    keys)
end

-- A team member as a user object ({id, name, email} and friends).
local function user(id, keys)
  local u = find("team_member", id)
  if not u then
    return null
  end
  return pick({id = u.id, name = u.full_name, email = u.email,
    image = media(u.image, "id url thumbnail"), type = "user",
    contact_id = null}, keys)
end

local function domain(website)
  return type(website) == "string" and website:match("^%a+://([^/:]+)")
    or null
end

local function company(id, keys)
  local c = find("company", id)
  if not c then
    return null
  end
  local out = pick(c, keys)
  if out.domain ~= nil then
    out.domain = domain(c.website)
  end
  return out
end

local function contact_ref(id, keys)
  local c = contact(id)
  if not c then
    return null
  end
  local out = pick(c, keys)
  if out.phone ~= nil then
    out.phone = c.phone_number
  end
  if out.name ~= nil then
    out.name = c.full_name
  end
  return out
end

local function folder(id, keys)
  local f = find("document.folder", id)
  return f and pick(f, keys) or null
end

local function attribute(id)
  local a = find("project.attribute", id)
  return a and {id = a.id, name = a.title, color = a.color} or null
end

local function label(list, i)
  return list[math.tointeger(i) or -1] or null
end

local function copy(rec)
  local out = {}
  for k, v in pairs(rec) do
    out[k] = v
  end
  return out
end

local O, V = {}, {}

-- {==================================================================
-- Contact, company, team member
-- ===================================================================

function M.contact(c)
  local out = pick(c, "id user_id company_id first_name last_name "
    .. "full_name email position phone_number country_id country "
    .. "state_id state city_id city address zip_code timezone details "
    .. "reference reference_name access_portal languages custom_fields "
    .. "created_at updated_at")
  out.company = company(c.company_id, "id name domain email")
  out.image = media(c.image, "id url name file_name mime_type size "
    .. "collection_name")
  out.billings = {id = c.id, contact_id = c.id,
    billing_address = c.address, billing_city = c.city,
    billing_state = c.state, billing_country = c.country,
    billing_zip = c.zip_code, billing_phone = c.phone_number,
    tax_number = null, created_at = c.created_at,
    updated_at = c.updated_at}
  return out
end

function O.company(r)
  local out = pick(r, "id name email phone_number website c_size c_type "
    .. "country_id city_id state_id country state city address created_at")
  out.size, out.type = label(SIZES, r.c_size), label(TYPES, r.c_type)
  out.image = media(r.image, "id url thumbnail")
  return out
end

function O.team_member(r)
  local out = pick(r, "id first_name last_name full_name position email "
    .. "uuid role created_at invitation")
  out.teams = each({r.team_id}, function(id)
    return label(TEAMS, id)
  end)
  out.image = media(r.image, "id url thumbnail")
  return out
end

-- }==================================================================

-- {==================================================================
-- Invoice, quotation
-- ===================================================================

-- Items as the invoice object shows them; the update example's
-- {description, quantity, unit_price} are read as name, qty, rate.
local function invoice_items(items)
  local out = {}
  for i, it in ipairs(type(items) == "table" and items or {}) do
    out[i] = {id = it.id or i, name = it.name or it.description or null,
      qty = it.qty or it.quantity or 0, rate = it.rate or it.unit_price
      or it.price or 0, label = it.label or null}
  end
  return A(out)
end

local function quotation_items(items)
  local out = {}
  for i, it in ipairs(type(items) == "table" and items or {}) do
    out[i] = {id = it.id or i, title = it.title or it.name
      or it.description or null, description = it.description or null,
      quantity = it.quantity or it.qty or 0,
      price = it.price or it.unit_price or it.rate or 0}
  end
  return A(out)
end

-- Update sends tax ids (of the fictional TAXES).
local function tax(id)
  local t = label(TAXES, id)
  return t ~= null and {id = t.id, name = t.name, rate = t.rate,
    amount = 0} or null
end

local CONTACTS = "id first_name last_name email"

-- The company of a record's contact (invoices and quotations name no
-- company of their own).
local function contact_company(contact_id)
  local c = contact(contact_id)
  return c and company(c.company_id, "id name email") or null
end

function O.invoice(r)
  local out = pick(r, "id invoice_no generatedId slug contact_id subject "
    .. "issue_date due_date currency subtotal total partial_paid_amount "
    .. "due_amount discount discount_type template payment_gateway "
    .. "payment_infos notes status publish deleted_at activities "
    .. "reminders payable recurring_payment created_at updated_at")
  out.folder = folder(r.folder_id, "id name")
  out.company = contact_company(r.contact_id)
  out.contacts = contact_ref(r.contact_id, CONTACTS)
  out.tax = each(r.tax, tax)
  out.currentNote = {id = r.id, note = r.note or null,
    term = r.terms or null}
  out.items = invoice_items(r.items)
  out.logo = media(r.logo, "id url thumbnail")
  out.signature = media(r.signature, "id url thumbnail")
  out.created_by = user(r.created_by, "id name")
  out.updated_by = user(r.updated_by, "id name")
  return out
end

local QUOTATION = "id uuid quotation_no generatedId subject contact_id "
  .. "up_payment_status up_payment_amount up_payment_type "
  .. "turnaround_times expire_date status currency note terms_condition "
  .. "total tax discount folder_id activities created_at updated_at"

function O.quotation(r)
  local out = pick(r, QUOTATION .. " sub_total")
  out.company = contact_company(r.contact_id)
  out.contact = contact_ref(r.contact_id, CONTACTS .. " phone")
  out.folder = folder(r.folder_id, "id name")
  out.items = quotation_items(r.items)
  return out
end

-- List items: `contacts`, `subtotal` and items like the invoice's.
function V.quotation_item(r)
  local out = pick(r, QUOTATION)
  out.subtotal = r.sub_total
  out.company = contact_company(r.contact_id)
  out.contacts = contact_ref(r.contact_id, CONTACTS)
  out.folder = folder(r.folder_id, "id name")
  out.items = invoice_items(r.items)
  return out
end

-- }==================================================================

-- {==================================================================
-- Support ticket, document
-- ===================================================================

function O.ticket(r)
  local out = pick(r, "id uuid subject priority status description "
    .. "createAt date time")
  out.created_by = user(r.created_by, "id name email")
  out.user = contact_ref(r.user_id, "id name email")
  out.attachment = media(r.attachment, "id url name size")
  return out
end

O["ticket.reply"] = function(r)
  local out = pick(r, "id description createAt date time")
  out.user = user(r.user_id, "id name email")
  out.attachment = media(r.attachment, "id url name size")
  return out
end

function O.document(r)
  local out = pick(r, "id uuid name created_at access publish")
  out.created_by = user(r.created_by, "id name image type email contact_id")
  out.folder = folder(r.folder_id, "id uuid name")
  local v = math.tointeger(r.visibility)
  out.visibility = {id = v or r.visibility, label = VISIBILITY[v] or null}
  out.permissions, out.teams = A({}), A({})
  return out
end

-- GET /document/{id} documents another object (a file's details).
function V.document_details(r)
  local name = tostring(r.name)
  local out = pick(r, "id uuid name tags is_public")
  out.original_filename = name .. ".pdf"
  out.file_type, out.mime_type = "pdf", "application/pdf"
  out.file_size, out.version, out.download_count = 4096, 1, 0
  out.file_hash = string.format("%064x", r.id)
  out.owner = user(r.created_by, "id name email")
  out.permissions = {can_view = true, can_edit = true, can_delete = true,
                     can_share = true}
  out.shared_with, out.recent_activity = A({}), A({})
  return out
end

-- }==================================================================

-- {==================================================================
-- Project
-- ===================================================================

function M.task_stats(project)
  local total, done = 0, 0
  for _, t in ipairs(store.list("project.task", project)) do
    total = total + 1
    if t.is_completed == 1 or t.is_completed == true then
      done = done + 1
    end
  end
  return {total_tasks = total, completed_tasks = done,
    completion_percentage = total > 0 and (done * 100) // total or 0}
end

local function users(keys)
  return function(id) return user(id, keys) end
end

function O.project(r)
  local out = pick(r, "id title uuid description priority privacy status "
    .. "started_at ended_at complete_status_id created_at updated_at")
  out.client = each(r.client, function(id)
    return contact_ref(id, "id name email")
  end)
  out.created_by = user(r.created_by, "id name email")
  out.project_manager = each(r.project_manager, users("id name email"))
  out.assignees = each(r.assignee, users("id name email"))
  out.tags = each(r.tags, attribute)
  out.categories = each(r.category, attribute)
  for k, v in pairs(M.task_stats(r)) do
    out[k] = v
  end
  return out
end

-- GET /project/{id} also has client_id (the first client).
function V.project_details(r)
  local out = O.project(r)
  out.client_id = out.client[1] and out.client[1].id or null
  return out
end

O["project.task"] = function(r)
  local out = pick(r, "id title project_uuid priority is_completed "
    .. "description due_date order container_id created_at updated_at")
  out.documents = A(store.list("project.task.document", r))
  out.comments = A(store.list("project.task.comment", r))
  for i, x in ipairs(out.comments) do
    out.comments[i] = O["project.task.comment"](x)
  end
  out.files = A(store.list("project.task.file", r))
  out.assignees = each(r.assignees, users("id name"))
  out.labels = each(r.labels, attribute)
  out.created_by = user(r.created_by, "id name")
  return out
end

-- No example objects: as stored, with the author from the store.
local function authored(r)
  local out = copy(r)
  out.user = user(r.user, "id name")
  return out
end
O["project.task.comment"] = authored
O["project.discussion"] = authored

-- The task list's items are containers holding their tasks (PRJ).
function V.container(rec)
  local items, done = {}, 0
  for _, t in ipairs(store.list("project.task", store.parent(rec))) do
    if t.container_id == rec.id then
      items[#items + 1] = O["project.task"](t)
      if t.is_completed == 1 or t.is_completed == true then
        done = done + 1
      end
    end
  end
  table.sort(items, function(a, b)
    if a.order == b.order or type(a.order) ~= type(b.order) then
      return a.id < b.id
    end
    return a.order < b.order
  end)
  return {
    id = "container-" .. rec.id, container_id = rec.id,
    title = rec.name, name = rec.name, color = rec.color,
    order = rec.order,
    stats = {total_tasks = #items, completed_tasks = done},
    items = A(items),
  }
end

-- }==================================================================

-- {==================================================================
-- Sales pipeline
-- ===================================================================

O["pipeline.deal"] = function(r)
  local out = pick(r, "id deal_name deal_stage_id deal_amount closing_date "
    .. "description documents files status currency order created_at "
    .. "pipeline_uuid tags")
  out.company = company(r.company_id, "id name email")
  out.contact = contact_ref(r.contact_id, CONTACTS)
  out.deal_owner = user(r.deal_owner_id, "id name email")
  return out
end

O["pipeline.deal.task"] = function(r)
  local out = pick(r, "id title deal_id type due_date due_time priority "
    .. "description is_completed")
  out.assignee = user(r.assignee_id, "id name email")
  out.assignedBy = user(r.assigned_by, "id name email")
  out.reminder = (given(r.reminder) or given(r.reminder_date))
    and {id = r.id, reminder_date = r.reminder_date,
         reminder_time = r.reminder_time} or null
  out["repeat"] = given(r["repeat"]) and {id = r.id,
    repeat_type = r["repeat"], repeat_until = r.repeat_until} or null
  return out
end

O["pipeline.deal.note"] = function(r)
  local out = pick(r, "id description createdAt")
  out.createdBy = user(r.created_by, "id name")
  return out
end

O["pipeline.attribute"] = function(r)
  return pick(r, "id title color status type")
end

local function deals_in(stage)
  local out = {}
  for _, d in ipairs(store.list("pipeline.deal", store.parent(stage))) do
    if d.deal_stage_id == stage.id then
      out[#out + 1] = d
    end
  end
  return out
end

O["pipeline.stage"] = function(r)
  local out = pick(r, "id title order color created_at")
  local deals = deals_in(r)
  for i, d in ipairs(deals) do
    deals[i] = O["pipeline.deal"](d)
  end
  out.deals, out.deals_count = A(deals), #deals
  return out
end

-- GET stage/{id} uses other keys than the list (SP): name, position.
function V.stage_details(r)
  return {id = r.id, name = r.title, position = r.order, color = r.color,
    created_at = r.created_at, deals_count = #deals_in(r)}
end

-- GET /sales-pipeline/{id}: the bare pipeline with its stages.
function O.pipeline(r)
  local out = copy(r)
  out.stages = A({})
  for i, s in ipairs(store.list("pipeline.stage", r)) do
    out.stages[i] = O["pipeline.stage"](s)
  end
  return out
end

-- The pipeline list shows uuid but no id (SP, API.md section 6).
function V.pipeline_item(r)
  local out = copy(r)
  out.id = nil
  return out
end

-- }==================================================================

-- {==================================================================
-- Meeting, inbox, lead
-- ===================================================================

local MEETING = "id uuid user_id created_by title description duration "
  .. "method phone_option phone location status slug applicable_from "
  .. "applicable_to reminder booking_status timezone booking_count "
  .. "meeting_integration_id allow_guest logo"

function O.meeting(r)
  local out = pick(r, MEETING)
  local host = user(r.user_id, "name")
  out.host = host ~= null and host.name or null
  return out
end

-- Details add the team, availability, booking form, page
-- customisation and reminders.
function V.meeting_details(r)
  local out = O.meeting(r)
  out.allowed_team_members = r.allowed_team_members
  out.availability, out.reminders = r.availability, r.reminders
  out.form = {fields = A({
    {label = "Name", type = "text", required = true},
    {label = "Email", type = "email", required = true},
  })}
  out.customise = {}
  return out
end

-- Booking answers as the booking object lists them, [{label, value}];
-- a booking is made with an object of answers.
function M.answers(data)
  if type(data) ~= "table" or json.is_array(data) or data[1] then
    return A(type(data) == "table" and data or {})
  end
  local out = {}
  for k, v in pairs(data) do
    out[#out + 1] = {label = k, value = v}
  end
  table.sort(out, function(a, b) return tostring(a.label)
    < tostring(b.label) end)
  return A(out)
end

O["meeting.booking"] = function(r)
  local out = pick(r, "id uuid cancel_reason first_name last_name email "
    .. "date country ip browser os device created_at time_slot_start "
    .. "time_slot_end meeting_link meeting_provider timezone is_over "
    .. "status")
  local m = store.parent(r)
  out.meeting = m and pick(m, "id uuid title") or null
  out.booking_data = M.answers(r.booking_data)
  return out
end

local CONVERSATION = "message_id in_reply_to reply_to from_email "
  .. "from_name to_email subject is_read created_at uuid body_plain "
  .. "send_type"

-- A conversation's tags as the tag records say now.
local function tags(list)
  return each(list, function(id)
    local t = find("inbox.tag", id)
    return t and {id = t.id, label = t.name, color = t.color} or null
  end)
end

O["inbox.conversation"] = function(r)
  local out = pick(r, CONVERSATION)
  out.tags = tags(r.tags)
  out.replied_by = user(r.replied_by, "id name")
  return out
end

-- A reply is a message of its conversation with delivery details.
O["inbox.reply"] = function(r)
  local conv = store.parent(r)
  local out = pick(conv, CONVERSATION)
  out.uuid, out.created_at = r.uuid, r.created_at
  out.message_id = string.format("<reply-%d@mock.taskip.example>", r.id)
  out.in_reply_to = conv.message_id
  out.body_plain = tostring(r.message):gsub("<[^>]*>", "")
  out.send_type, out.is_read = "outgoing", 1
  out.tags = tags(conv.tags)
  out.replied_by = user(r.reply_by, "id name")
  out.reply_by = out.replied_by
  out.delivered, out.body_html = r.delivered, r.body_html
  out.error_message, out.attachments = r.error_message, r.attachments
  return out
end

-- Only the start of a lead was captured (the object goes on after
-- description), so the stored fields after it are shown as they are.
function O.lead(r)
  local out = copy(r)
  out.company = company(r.company_id, "id name email phone_number")
  return out
end

-- }==================================================================

-- The object to show for rec; view names a variant (see V above).
function M.show(rec, view)
  local f = view and assert(V[view], "no view " .. view)
    or O[store.kind(rec)]
  if f == nil or rec == nil then
    return rec
  end
  return f(rec)
end

return M
