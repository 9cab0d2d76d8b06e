-- Record builders: the fields each collection's records keep, filled
-- from a create request's body or from the seed data. Records keep
-- relations as ids (company_id, assignee_id, created_by, ...);
-- taskip.mock.objects turns a record into the object the API shows. A builder's defaults are
-- templates (taskip.mock.template) over env {f = fields, parent =,
-- now =}; then every field the request sent is copied over them, so a
-- record echoes what a client wrote. Fields named in `derive` are
-- recomputed after every write.

local json = require "taskip.mock.json"
local objects = require "taskip.mock.objects"
local store = require "taskip.mock.store"
local template = require "taskip.mock.template"

local null = json.null
local A = json.array
local OWNER = objects.OWNER

local M = {}

local function list()
  return A({})
end

local function full_name(r)
  return tostring(r.first_name or "")
    .. (type(r.last_name) == "string" and " " .. r.last_name or "")
end

local function parent_uuid(e)
  return e.parent and e.parent.uuid or null
end

local D = {}

D.company = {
  name = "", email = "", phone_number = null, website = null,
  c_size = null, c_type = null, size = null, type = null,
  country_id = null, state_id = null, city_id = null, country = null,
  state = null, city = null, address = null, image = null,
  created_at = "@now",
}

D.team_member = {
  first_name = "", last_name = "", full_name = "", position = null,
  email = "", role = "developer", role_id = 3, team_id = null,
  created_at = "@today_dmy", image = null,
  invitation = function(e)
    return {id = 1, status = "pending", sent_at = e.now,
            accepted_at = null}
  end,
}

D.invoice = {
  invoice_no = "", generatedId = "@f.invoice_no", slug = null,
  folder_id = null, contact_id = null, project_id = null, subject = "",
  issue_date = "@today", due_date = null, currency = "USD",
  subtotal = 0, discount = 0, discount_type = "fixed", tax = list,
  total = 0, partial_paid_amount = 0, due_amount = "@f.total",
  items = list, notes = list, note = null, terms = null, logo = null,
  signature = null, template = 1, payment_gateway = null,
  payment_infos = list, status = "draft", publish = false,
  deleted_at = null, activities = list,
  recurring_payment = function()
    return {is_payment_reccuring = false, payment_recurring_type = null,
            recurring_until = null}
  end,
  reminders = function()
    return {enabled = false, days_before = 3, template = "default"}
  end,
  payable = function(e)
    return {payable_amount = e.f.total or 0, payable_amount_type = "fixed",
            payment_type = "full"}
  end,
  created_by = OWNER, updated_by = OWNER,
  created_at = "@now", updated_at = "@now",
}

D.quotation = {
  quotation_no = "@f.estimate_no", generatedId = "@f.estimate_no",
  subject = "", contact_id = null, folder_id = null,
  up_payment_status = 0, up_payment_amount = null,
  up_payment_type = null, turnaround_times = null, expire_date = null,
  status = "draft", currency = "USD", note = null,
  terms_condition = null, total = 0, sub_total = 0, tax = 0,
  discount = 0, items = list, activities = list, is_published = false,
  created_at = "@now", updated_at = "@now",
}

D.ticket = {
  subject = "", priority = 1, status = 0, description = null,
  attachment = null, assigned_to = null, created_by = OWNER,
  user_id = null, createAt = "just now", date = "@today_dmy_dash",
  time = "@time12",
}
D["ticket.reply"] = {
  description = "", status = null, attachment = null,
  user_id = function(e)
    return e.f.reply_by_user_id or OWNER
  end,
  createAt = "just now", date = "@today_dmy_dash", time = "@time12",
}
D["ticket.note"] = {message = "", created_at = "@now"}
D["ticket.attachment"] = {
  name = "", url = null, size = 0, mime_type = "application/octet-stream",
  description = null, created_at = "@now",
}

D.document = {
  name = "", description = null, folder_id = null,
  visibility = 0, tags = list, is_public = false, publish = false,
  access = "Owner", created_by = OWNER, created_at = "@now",
}
D["document.folder"] = {name = "", parent_id = null, created_at = "@now"}

D.project = {
  title = "", description = null, priority = 3, privacy = 0,
  status = "planning", started_at = null, ended_at = null,
  client = list, client_id = null, project_manager = list,
  assignee = list, tags = list, category = list,
  complete_status_id = null, created_by = OWNER, created_at = "@now", updated_at = "@now",
}
D["project.activity"] = {
  description = "", type = "project", causer = "Demo Owner",
  created_at = "@now",
}
D["project.container"] = {
  name = "", title = "@f.name", color = "#6c757d", order = 1,
  created_at = "@now",
}
D["project.task"] = {
  title = "", project_uuid = parent_uuid, priority = "medium",
  is_completed = 0, description = null, due_date = null, order = 1,
  container_id = null, documents = list, assignees = list,
  labels = list, files = list, comments = list, created_by = OWNER,
  created_at = "@now", updated_at = "@now",
}
D["project.task.document"] = {document_id = null, name = null,
                              created_at = "@now"}
D["project.task.comment"] = {description = "", user = OWNER,
                             created_at = "@now"}
D["project.task.file"] = {file_id = null, name = null, url = null,
                          created_at = "@now"}
D["project.discussion"] = {msg = "", attachment = list, user = OWNER,
                           created_at = "@now"}
D["project.attribute"] = {title = "", color = "#6c757d", type = "tag",
                          status = 1, created_at = "@now"}

D.pipeline = {title = "", status = "active", created_at = "@now"}
D["pipeline.stage"] = {title = "", color = "#6c757d", order = 1,
                       created_at = "@now"}
D["pipeline.deal"] = {
  deal_name = "", company_id = null, contact_id = null,
  deal_owner_id = null, deal_stage_id = null, deal_amount = "0.00",
  closing_date = null, description = null, documents = list,
  files = list, status = "active", currency = "USD", order = 1,
  pipeline_uuid = parent_uuid, tags = list, created_at = "@now",
}
D["pipeline.deal.task"] = {
  title = "", deal_id = "@parent.id", type = 0, due_date = null,
  due_time = null, priority = 0, description = null,
  is_completed = false, assignee_id = null, assigned_by = OWNER,
  reminder = null, reminder_date = null, reminder_time = null,
  ["repeat"] = null, repeat_until = null, order = 1, created_at = "@now",
}
D["pipeline.deal.file"] = {file_id = null, deal_id = "@parent.id",
                           name = null, created_at = "@now"}
D["pipeline.deal.meeting"] = {
  title = "", deal_id = "@parent.id", type = 0, assignee_id = null,
  description = null, priority = 0, duration = 0, is_completed = false,
  notify_client = false, location = null, phone_number = null,
  date = null, time_slot_start = null, time_slot_end = null,
  created_at = "@now",
}
D["pipeline.deal.note"] = {
  description = "", deal_id = "@parent.id", created_by = OWNER,
  createdAt = "just now",
}
D["pipeline.deal.activity"] = {
  title = "Activity", deal_id = "@parent.id", type = "call",
  description = null, created_at = "@now",
}
D["pipeline.attribute"] = {title = "", color = "#6c757d", type = "tag",
                           status = 1}

D.meeting = {
  user_id = OWNER, created_by = OWNER, title = "",
  description = null, duration = 30, method = "google_meet",
  phone_option = null, phone = null, location = null, status = 1,
  slug = null, applicable_from = null, applicable_to = null,
  reminder = null, booking_status = 1, timezone = "UTC",
  booking_count = 0, meeting_integration_id = null, allow_guest = 1,
  logo = null, allowed_team_members = list, availability = list,
  reminders = list,
}
D["meeting.booking"] = {
  cancel_reason = null, first_name = "", last_name = "", email = "",
  booking_data = list, date = "", time_slot_start = "",
  time_slot_end = "", timezone = "UTC", country = null, ip = null,
  browser = null, os = null, device = null, meeting_link = null,
  meeting_provider = "google_meet", is_over = false,
  status = "confirmed", created_at = "@now",
}

D["inbox.conversation"] = {
  message_id = null, in_reply_to = null, reply_to = null,
  from_email = "owner@example.com", from_name = "Demo Owner",
  to_email = "", to_emails = list, subject = "", message = null,
  body_plain = null, is_read = 0, tags = list, replied_by = null,
  send_type = "outgoing", status = "unread", created_at = "@now",
}
D["inbox.reply"] = {
  message = "", body_html = "@f.message", delivered = true,
  error_message = null, attachments = list, reply_all = false,
  internal_note = null, created_at = "@now", reply_by = OWNER,
}
D["inbox.tag"] = {name = "", label = "@f.name", color = "#6c757d"}

D.lead = {
  first_name = "", last_name = null, full_name = "", email = null,
  phone_number = null, website = null, company_id = null, value = 0, currency = "USD",
  lead_interaction_date = "@today", assigned_to = list,
  country_id = null, country = null, state_id = null, state = null,
  city_id = null, city = null, address = null, zip_code = null,
  description = null, status_id = null, source_id = null,
  is_converted = 0, created_at = "@now",
}
D["lead.note"] = {note = "@f.description", description = null,
                  created_at = "@now"}
D["lead.file"] = {file_id = null, name = null, created_at = "@now"}
D["lead.attribute"] = {title = "", name = "@f.title", type = "status",
                       color = "#6c757d"}

-- Fields recomputed after each write.
local DERIVE = {
  team_member = function(r)
    r.full_name = full_name(r)
    r.role = objects.ROLES[math.tointeger(r.role_id) or 0] or r.role
  end,
  -- Create sends items as a JSON string, update as an array; update
  -- names the contact `contacts` (API.md 13.10).
  invoice = function(r)
    if type(r.items) == "string" then
      r.items = json.decode(r.items) or r.items
    end
    if type(r.contacts) == "number" then
      r.contact_id, r.contacts = r.contacts, nil
    end
  end,
  project = function(r)
    local first = type(r.client) == "table" and r.client[1]
    r.client_id = type(first) == "table" and first.id or first or null
  end,
  lead = function(r) r.full_name = full_name(r) end,
}

-- Fields that need the new record's id, set once it is stored.
local FINISH = {
  invoice = function(r)
    r.slug = r.slug ~= null and r.slug
      or string.format("invoice-%04d", r.id)
  end,
  quotation = function(r)
    if r.quotation_no == null then
      r.quotation_no = string.format("QUO-2024-%04d", r.id)
      r.generatedId = r.quotation_no
    end
  end,
  meeting = function(r)
    r.slug = r.slug ~= null and r.slug
      or string.format("meeting-%04d", r.id)
  end,
}

-- Call once rec has its id (after store.insert).
function M.finish(kind, rec)
  local f = FINISH[kind]
  if f then
    f(rec)
  end
  return rec
end

local frozen -- set while seeding, so seed rows never depend on the clock

-- Make every stamp use epoch t until M.freeze(nil).
function M.freeze(t)
  frozen = t
end

local function stamps()
  local t = frozen or os.time()
  return {
    now = os.date("!%Y-%m-%dT%H:%M:%SZ", t),
    today = os.date("!%Y-%m-%d", t),
    today_dmy = os.date("!%d, %b, %Y", t),
    today_dmy_dash = os.date("!%d-%b-%Y", t),
    time12 = os.date("!%I:%M%p", t),
  }
end

-- Copy fields into rec (not id/uuid, never server-kept keys), then
-- re-derive. Returns rec.
function M.write(kind, rec, fields)
  for k, v in pairs(fields) do
    if k ~= "id" and k ~= "uuid" then
      rec[k] = v
    end
  end
  local derive = DERIVE[kind]
  if derive then
    derive(rec)
  end
  return rec
end

-- A new record of kind from fields (a body or seed row); parent is
-- the record it will live under, if any. Not yet stored.
function M.build(kind, fields, parent)
  local defaults = assert(D[kind], "no builder for " .. kind)
  local env = stamps()
  env.f, env.parent = fields, parent
  local rec = {}
  for k, v in pairs(defaults) do
    if v == list then
      rec[k] = list()
    else
      local x = template.fill(v, env)
      if x == nil then
        x = null
      end
      rec[k] = x
    end
  end
  return M.write(kind, rec, fields)
end

-- Build, store and finish a record; returns it.
function M.add(kind, fields, parent)
  local rec = store.insert(kind, M.build(kind, fields, parent), parent)
  return M.finish(kind, rec)
end

M.stamps = stamps

return M
