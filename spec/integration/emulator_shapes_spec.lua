-- The emulator's objects follow the example objects of API.md section
-- 12 field for field, nested where the docs nest, and the nested
-- objects are the related stored records. The field lists below are
-- copied from API.md (not from the emulator); where the docs
-- contradict themselves they follow docs/emulator-shapes.md. Each
-- resource is created (or read) through the emulator over TLS.
--
-- Notation: `name` any value; `name{a b}` an object with exactly keys
-- a, b; `name{...}` any object; `name[]` an array; `name[{a b}]` an
-- array of such objects; `...` in a key list: more keys allowed;
-- `|null` as the docs write it. A documented object may be null (a
-- relation not set) unless the check is told the record was made with
-- its relations filled.
local env = require "support.env"
local NULL = require("taskip").null

local DOCS = {}

DOCS.contact = [[id user_id company{id name domain email} company_id first_name last_name
  full_name email position phone_number country_id country state_id state city_id city
  address zip_code timezone details reference reference_name access_portal
  billings{id contact_id billing_address billing_city billing_state billing_country
    billing_zip billing_phone tax_number created_at updated_at}
  languages[{id code name is_default}]
  image{id url name file_name mime_type size collection_name}|null
  custom_fields{...} created_at updated_at]]

DOCS.company = [[id name email phone_number website c_size c_type size type country_id
  city_id state_id country state city address created_at image{id url thumbnail}|null]]

DOCS.team_member = [[id first_name last_name full_name position email uuid role created_at
  teams[{id name description}] image{id url thumbnail}|null
  invitation{id status sent_at accepted_at}]]

DOCS.invoice = [[id invoice_no generatedId slug folder{id name} company{id name email}
  contacts{id first_name last_name email} contact_id subject issue_date due_date currency
  subtotal tax[{id name rate amount}] currentNote{id note term}
  notes[{id title description enable created_at updated_at}] total partial_paid_amount
  due_amount items[{id name qty rate label}] logo{id url thumbnail} signature{...}
  discount discount_type template payment_gateway payment_infos[] status publish
  deleted_at activities[] reminders{enabled days_before template}
  payable{payable_amount payable_amount_type payment_type}
  recurring_payment{is_payment_reccuring payment_recurring_type recurring_until}
  created_by{id name} updated_by{id name} created_at updated_at]]

local QUOTATION = [[id uuid quotation_no generatedId subject contact_id up_payment_status
  up_payment_amount up_payment_type turnaround_times expire_date status currency note
  terms_condition total tax discount folder_id created_at updated_at
  company{id name email} folder{id name} activities[] ]]
DOCS.quotation = QUOTATION .. [[sub_total contact{id first_name last_name email phone}
  items[{id title description quantity price}] ]]
-- "List items use contacts, subtotal and items like the invoice object."
DOCS.quotation_item = QUOTATION .. [[subtotal contacts{id first_name last_name email}
  items[{id name qty rate label}] ]]

DOCS.ticket = [[id uuid subject created_by{id name email} user{id name email} priority
  status description attachment{id url name size} createAt date time]]
DOCS.ticket_reply = [[id user{...} description attachment createAt date time]]

DOCS.document = [[id uuid created_by{id name image type email contact_id}
  folder{id uuid name} name visibility{id label} permissions[] created_at access publish
  teams[] ]]
-- GET /document/{id}: the docs list the fields that differ; id, uuid
-- and name identify it (docs/emulator-shapes.md).
DOCS.document_details = [[id uuid name original_filename file_type file_size mime_type
  owner tags version is_public download_count file_hash permissions{can_view ...}
  shared_with[] recent_activity[] ]]

DOCS.project = [[id title uuid description priority privacy status started_at ended_at
  client[{id name email}] created_by{...} created_at updated_at project_manager[]
  assignees[] tags[{id name color}] categories[] complete_status_id total_tasks
  completed_tasks completion_percentage]]
DOCS.project_details = DOCS.project .. " client_id"

DOCS.task = [[id title project_uuid priority is_completed description due_date order
  container_id created_at updated_at documents[] assignees[] labels[{id name color}]
  files[] comments[] created_by]]

DOCS.deal = [[id deal_name company{...} contact{...} deal_stage_id deal_amount closing_date
  description documents files status currency order created_at pipeline_uuid
  deal_owner{...} tags]]
DOCS.stage = [[id title order color created_at deals[] deals_count]]
DOCS.deal_task = [[id title deal_id type due_date due_time priority description
  is_completed assignee{...} assignedBy{...} reminder{id reminder_date reminder_time}
  repeat{id repeat_type repeat_until}|null]]
DOCS.deal_note = [[id description createdBy{...} createdAt]]
DOCS.pipeline_attribute = [[id title color status type]]

DOCS.meeting = [[id uuid user_id host created_by title description duration method
  phone_option phone location status slug applicable_from applicable_to reminder
  booking_status timezone booking_count meeting_integration_id allow_guest logo]]
DOCS.meeting_details = DOCS.meeting .. [[ allowed_team_members[] availability[]
  form{fields[]} customise{...} reminders[] ]]
DOCS.booking = [[id uuid cancel_reason meeting{...} first_name last_name email
  booking_data[{label value}] date country ip browser os device created_at
  time_slot_start time_slot_end meeting_link meeting_provider timezone is_over status]]

DOCS.conversation = [[message_id in_reply_to reply_to from_email from_name to_email subject
  is_read created_at uuid body_plain tags[] replied_by send_type]]
DOCS.inbox_reply = DOCS.conversation .. [[ delivered body_html error_message attachments[]
  reply_by{...}]]

-- Only the start of a lead was captured (it goes on after description).
DOCS.lead = [[id first_name last_name full_name email phone_number website company_id
  company{id name email phone_number} value currency lead_interaction_date assigned_to[]
  country_id country state_id state city_id city address zip_code description ...]]

-- {==================================================================
-- The notation, and the check
-- ===================================================================

local function tokens(s)
  local out, i = {}, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif s:sub(i, i + 2) == "..." then
      out[#out + 1], i = "...", i + 3
    elseif s:sub(i, i + 4) == "|null" then
      out[#out + 1], i = "|null", i + 5
    elseif c:match("[{}%[%]]") then
      out[#out + 1], i = c, i + 1
    else
      local name = assert(s:match("^[%w_]+", i), "bad notation at " .. s:sub(i))
      out[#out + 1], i = name, i + #name
    end
  end
  return out
end

-- An object spec {fields = {name = field}, open = bool}; a field is
-- {kind = "any"|"object"|"array", spec = object spec or nil}.
local function parse_object(t, i)
  local obj = { fields = {}, open = false }
  while t[i] and t[i] ~= "}" do
    if t[i] == "..." then
      obj.open, i = true, i + 1
    else
      local name, field = t[i], { kind = "any" }
      i = i + 1
      if t[i] == "{" then
        field.kind = "object"
        field.spec, i = parse_object(t, i + 1)
        assert(t[i] == "}")
        i = i + 1
      elseif t[i] == "[" then
        field.kind = "array"
        if t[i + 1] == "{" then
          field.spec, i = parse_object(t, i + 2)
          assert(t[i] == "}" and t[i + 1] == "]")
          i = i + 2
        else
          assert(t[i + 1] == "]")
          i = i + 2
        end
      end
      if t[i] == "|null" then
        i = i + 1
      end
      obj.fields[name] = field
    end
  end
  return obj, i
end

local function parse(s)
  local obj, i = parse_object(tokens(s), 1)
  return obj, i
end

local function is_array(v)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

local function is_object(v)
  if type(v) ~= "table" then return false end
  return next(v) == nil or not is_array(v)
end

local check_object

local function check_field(v, field, path, problems, filled)
  if v == NULL then
    if field.kind == "array" or (field.kind == "object" and filled) then
      problems[#problems + 1] = path .. " is null, the docs show a"
        .. (field.kind == "array" and "n array" or "n object")
    end
  elseif field.kind == "object" then
    if not is_object(v) then
      problems[#problems + 1] = path .. " is not an object"
    else
      check_object(v, field.spec, path, problems, filled)
    end
  elseif field.kind == "array" then
    if not is_array(v) then
      problems[#problems + 1] = path .. " is not an array"
    elseif field.spec then
      for i, x in ipairs(v) do
        if is_object(x) then
          check_object(x, field.spec, path .. "[" .. i .. "]", problems, filled)
        else
          problems[#problems + 1] = path .. "[" .. i .. "] is not an object"
        end
      end
    end
  end
end

function check_object(v, spec, path, problems, filled)
  for name, field in pairs(spec.fields) do
    if v[name] == nil then
      problems[#problems + 1] = path .. "." .. name .. " is missing"
    else
      check_field(v[name], field, path .. "." .. name, problems, filled)
    end
  end
  if not spec.open and next(spec.fields) ~= nil then
    for name in pairs(v) do
      if not spec.fields[name] then
        problems[#problems + 1] = path .. "." .. tostring(name) .. " is not in the docs"
      end
    end
  end
end

-- The ways v differs from DOCS[name] (sorted); filled: the test made
-- the record with its relations, so nothing documented may be null.
local function problems_of(v, name, filled)
  local problems = {}
  if not is_object(v) then return { name .. " is not an object" } end
  check_object(v, parse(assert(DOCS[name], name)), name, problems, filled)
  table.sort(problems)
  return problems
end

local function conforms(v, name, filled)
  assert.same({}, problems_of(v, name, filled))
end

-- }==================================================================

local function start()
  local m = env.mock { limit = 100000 }
  local c = env.client(m, { burst_limit = 100000, hourly_limit = 100000, max_retries = 0 })
  return m, c
end

local function get(c, path, opts)
  return assert(c:request("GET", path, opts))
end

local function post(c, path, body)
  return assert(c:request("POST", path, { body = body }))
end

describe("the field check", function()
  it("rejects a flat id where the docs nest, a missing field and an extra one", function()
    local deal = { id = 1, deal_name = "D", company_id = 1, contact = {}, deal_stage_id = 1,
      deal_amount = "1.00", closing_date = NULL, description = NULL, documents = {},
      files = {}, status = "active", currency = "USD", order = 1, created_at = "x",
      pipeline_uuid = "p", deal_owner = NULL, tags = {} }
    assert.same({ "deal.company is missing", "deal.company_id is not in the docs",
      "deal.deal_owner is null, the docs show an object" }, problems_of(deal, "deal", true))
    assert.same({ "deal.company is missing", "deal.company_id is not in the docs" },
      problems_of(deal, "deal"))
  end)

  it("checks nested keys and array elements, and null objects only where relations are unset",
    function()
    local doc = { id = 1, uuid = "u", name = "n", created_at = "x", access = "Owner",
      publish = false, permissions = {}, teams = {}, created_by = NULL,
      folder = { id = 1, name = "f" }, visibility = 1 }
    assert.same({ "document.created_by is null, the docs show an object",
      "document.folder.uuid is missing", "document.visibility is not an object" },
      problems_of(doc, "document", true))
    doc.permissions = NULL
    assert.same({ "document.folder.uuid is missing", "document.permissions is null, the docs "
      .. "show an array", "document.visibility is not an object" }, problems_of(doc, "document"))
    local c = { id = 1, name = "n", email = "e", phone_number = NULL, website = NULL,
      c_size = NULL, c_type = NULL, size = NULL, type = NULL, country_id = NULL,
      city_id = NULL, state_id = NULL, country = NULL, state = NULL, city = NULL,
      address = NULL, created_at = "x", image = NULL }
    assert.same({}, problems_of(c, "company"))
    assert.same({ "company.image is null, the docs show an object" },
      problems_of(c, "company", true))
    c.image = { id = 1, url = "u" }
    assert.same({ "company.image.thumbnail is missing" }, problems_of(c, "company"))
    local tm = { id = 1, first_name = "a", last_name = "b", full_name = "a b",
      position = NULL, email = "e", uuid = "u", role = "admin", created_at = "x",
      image = NULL, invitation = { id = 1, status = "pending", sent_at = "x",
        accepted_at = NULL },
      teams = { { id = 1, name = "t", description = "d" }, { id = 2, name = "t" } } }
    assert.same({ "team_member.teams[2].description is missing" },
      problems_of(tm, "team_member"))
    tm.teams = { id = 1, name = "t", description = "d" }
    assert.same({ "team_member.teams is not an array" }, problems_of(tm, "team_member"))
  end)
end)

describe("emulator objects (API.md section 12)", function()
  local m, c

  setup(function() m, c = start() end)
  teardown(function()
    c:close()
    m:stop()
  end)
  before_each(function() m:reset() end)

  it("contact: create, GET and list items as documented, company from the stored company",
    function()
    local made = post(c, "/contact", { first_name = "Zed", last_name = "Nobodyson",
      email = "zed.shape@example.com", company_id = 2, image = 7 })
    conforms(made.data, "contact", true)
    local got = get(c, "/contact/" .. made.data.id).data
    conforms(got, "contact", true)
    local company = get(c, "/company/2").data
    assert.same({ 2, company.name, company.email, "company2.example.com" },
      { got.company.id, got.company.name, got.company.email, got.company.domain })
    for _, item in ipairs(get(c, "/contact").data) do conforms(item, "contact") end
  end)

  it("company: create, GET and list items as documented, size and type as labels", function()
    local made = post(c, "/company", { name = "Shape Co", email = "shape@example.com",
      c_size = 2, c_type = 1, image = 3 })
    conforms(made.data, "company", true)
    local got = get(c, "/company/" .. made.data.id).data
    conforms(got, "company", true)
    assert.same({ 2, 1 }, { got.c_size, got.c_type })
    assert.is_string(got.size)
    assert.is_string(got.type)
    for _, item in ipairs(get(c, "/company").data) do conforms(item, "company") end
  end)

  it("team member: create, GET and list items as documented, with teams and invitation", function()
    local made = post(c, "/team-member", { first_name = "Tia", last_name = "Shape",
      email = "tia.shape@example.com", role_id = 1, team_id = 2, image = 4 })
    conforms(made.data, "team_member", true)
    local got = get(c, "/team-member/" .. made.data.id).data
    conforms(got, "team_member", true)
    assert.same({ 2, "admin" }, { got.teams[1].id, got.role })
    for _, item in ipairs(get(c, "/team-member").data) do conforms(item, "team_member") end
  end)

  it("invoice: GET nests folder, company, contacts, currentNote, reminders, payable, "
    .. "created_by and updated_by from the stored records", function()
    post(c, "/invoice", { invoice_no = "INV-SHAPE", contact_id = 1, subject = "Shape",
      currency = "USD", total = 1500, subtotal = 1500, folder_id = 1, logo = 5,
      signature = 6, terms = "Pay within 30 days",
      items = '[{"name":"Pretend work","qty":1,"rate":1500,"label":"hours"}]' })
    local list = get(c, "/invoice", { query = { search = "INV-SHAPE" } }).data
    assert.equal(1, #list)
    local id = list[1].id
    assert(c:request("PUT", "/invoice/" .. id, { body = { tax = { 1 } } }))
    local inv = get(c, "/invoice/" .. id).data
    conforms(inv, "invoice", true)
    local contact = get(c, "/contact/1").data
    assert.same({ 1, contact.first_name, contact.email }, { inv.contacts.id,
      inv.contacts.first_name, inv.contacts.email })
    assert.same({ contact.company.id, contact.company.name }, { inv.company.id, inv.company.name })
    local owner = get(c, "/team-member/1").data
    assert.same({ owner.id, owner.full_name }, { inv.created_by.id, inv.created_by.name })
    assert.same({ "Pretend work", 1500 }, { inv.items[1].name, inv.items[1].rate })
    assert.equal("Pay within 30 days", inv.currentNote.term)
    assert.is_nil(inv.folder_id)
    for _, item in ipairs(get(c, "/invoice").data) do conforms(item, "invoice") end
  end)

  it("quotation: GET is the bare object with company, contact and folder; "
    .. "list items use contacts, subtotal and invoice-style items", function()
    post(c, "/quotation", { estimate_no = "QUO-SHAPE", contact_id = 2, folder_id = 2,
      subject = "Shape", items = { { description = "Pretend item", quantity = 2,
        unit_price = 50 } } })
    local item = get(c, "/quotation", { query = { search = "QUO-SHAPE" } }).data[1]
    conforms(item, "quotation_item", true)
    assert.same({ "Pretend item", 2, 50 }, { item.items[1].name, item.items[1].qty,
      item.items[1].rate })
    local q = get(c, "/quotation/" .. item.id)
    conforms(q, "quotation", true)
    local contact = get(c, "/contact/2").data
    assert.same({ 2, contact.phone_number, contact.company.name },
      { q.contact.id, q.contact.phone, q.company.name })
    assert.same({ "Pretend item", 2, 50 }, { q.items[1].description, q.items[1].quantity,
      q.items[1].price })
  end)

  it("support ticket: create data, GET and a reply as documented, users nested", function()
    local made = post(c, "/support-ticket", { subject = "Shape", priority = 2,
      description = "Pretend", attachment = 9, user_id = 3, created_by = 2 })
    conforms(made.data, "ticket", true)
    local got = get(c, "/support-ticket/" .. made.data.id)
    conforms(got, "ticket", true)
    local client = get(c, "/contact/3").data
    local staff = get(c, "/team-member/2").data
    assert.same({ 3, client.full_name, 2, staff.full_name },
      { got.user.id, got.user.name, got.created_by.id, got.created_by.name })
    local reply = post(c, "/support-ticket/reply/" .. got.uuid, { description = "Pretend reply",
      attachment = 10 }).reply
    conforms(reply, "ticket_reply", true)
    for _, item in ipairs(get(c, "/support-ticket").data) do conforms(item, "ticket") end
  end)

  it("document: create and list items show visibility{id,label} and folder{id,uuid,name}; "
    .. "GET shows the file-details object", function()
    local folder = post(c, "/document/folders", { name = "Shape Folder" }).folder
    local made = post(c, "/document", { name = "Shape Doc", visibility = 2,
      folder_id = folder.uuid }).document
    conforms(made, "document", true)
    assert.same({ { id = 2, label = "Public" }, folder.id, folder.name },
      { made.visibility, made.folder.id, made.folder.name })
    for _, item in ipairs(get(c, "/document").data) do conforms(item, "document", true) end
    local got = get(c, "/document/" .. made.id).data
    conforms(got, "document_details", true)
    -- update takes folder_id as an int (API.md 13.10)
    local updated = assert(c:request("PUT", "/document/" .. made.id,
      { body = { folder_id = 1 } })).data
    conforms(updated, "document_details", true)
    local listed = get(c, "/document", { query = { search = "Shape Doc" } }).data[1]
    assert.equal(1, listed.folder.id)
  end)

  it("project: create and GET nest client, tags and categories from the stored records; "
    .. "GET adds client_id", function()
    local made = post(c, "/project", { title = "Shape Project", priority = 2, privacy = 0,
      status = "active", client = { 4 }, tags = { 1 }, category = { 2 },
      assignee = { 2 }, project_manager = { 1 } }).data
    conforms(made, "project", true)
    local got = get(c, "/project/" .. made.uuid).data
    conforms(got, "project_details", true)
    local client = get(c, "/contact/4").data
    assert.same({ 4, 4, client.full_name }, { got.client_id, got.client[1].id,
      got.client[1].name })
    assert.same({ 1, 2 }, { got.tags[1].id, got.categories[1].id })
    for _, item in ipairs(get(c, "/project").data) do conforms(item, "project") end
  end)

  it("project task: create and GET carry documents, assignees, labels{id,name,color}, "
    .. "files and comments", function()
    local uuid = get(c, "/project").data[1].uuid
    local made = post(c, "/project/" .. uuid .. "/task", { title = "Shape Task",
      container_id = 1, labels = { 1 }, assignees = { 1 } }).task
    conforms(made, "task", true)
    local got = get(c, "/project/" .. uuid .. "/task/" .. made.id).data
    conforms(got, "task", true)
    assert.same({ 1, 1 }, { got.labels[1].id, got.assignees[1].id })
    conforms(get(c, "/project/" .. uuid .. "/task/1").data, "task", true)
  end)

  describe("sales pipeline", function()
    local pipe

    before_each(function()
      pipe = "/sales-pipeline/" .. get(c, "/sales-pipeline").data[1].uuid
    end)

    it("deal: create and GET nest company, contact and deal_owner from the stored records, "
      .. "with no flat *_id beside them", function()
      local made = post(c, pipe .. "/deals", { deal_name = "Shape Deal", company_id = 3,
        contact_id = 2, deal_owner_id = 4, deal_stage_id = 1, deal_amount = "10.00",
        closing_date = "2024-12-31" }).data
      conforms(made, "deal", true)
      local got = get(c, pipe .. "/deals/" .. made.id).data
      conforms(got, "deal", true)
      local company = get(c, "/company/3").data
      local contact = get(c, "/contact/2").data
      local owner = get(c, "/team-member/4").data
      assert.same({ 3, company.name, 2, contact.email, 4, owner.full_name },
        { got.company.id, got.company.name, got.contact.id, got.contact.email,
          got.deal_owner.id, got.deal_owner.name })
      -- the nested objects follow the store
      assert(c:request("PUT", "/company/3", { body = { name = "Renamed Shape Co",
        email = company.email } }))
      assert.equal("Renamed Shape Co", get(c, pipe .. "/deals/" .. made.id).data.company.name)
      for _, item in ipairs(get(c, pipe .. "/deals").data) do conforms(item, "deal") end
    end)

    it("stage list items: {id,title,order,color,created_at,deals[],deals_count}, "
      .. "deals as deal objects", function()
      local stages = get(c, pipe .. "/stage").data
      local n = 0
      for _, s in ipairs(stages) do
        conforms(s, "stage", true)
        assert.equal(#s.deals, s.deals_count)
        for _, d in ipairs(s.deals) do
          conforms(d, "deal", true)
          n = n + 1
        end
      end
      assert.equal(5, n)
    end)

    it("deal task: assignee{}, assignedBy{}, reminder{} and repeat{} nested", function()
      local made = post(c, pipe .. "/deal/1/task", { title = "Shape Task", type = 1,
        assignee_id = 3, priority = 2, due_date = "2024-07-01", due_time = "10:00",
        reminder = 1, reminder_date = "2024-06-30", reminder_time = "09:00", ["repeat"] = 1,
        repeat_until = "2024-12-31" }).data
      conforms(made, "deal_task", true)
      local got = get(c, pipe .. "/deal/1/task/" .. made.id).data
      conforms(got, "deal_task", true)
      assert.same({ 3, get(c, "/team-member/3").data.full_name, "2024-06-30", 1 },
        { got.assignee.id, got.assignee.name, got.reminder.reminder_date,
          got["repeat"].repeat_type })
      assert.is_nil(got.assignee_id)
      for _, item in ipairs(get(c, pipe .. "/deal/1/task").data) do
        conforms(item, "deal_task")
      end
    end)

    it("deal note: {id, description, createdBy{}, createdAt}", function()
      local made = post(c, pipe .. "/deal/1/note", { description = "Shape note" }).data
      conforms(made, "deal_note", true)
      conforms(get(c, pipe .. "/deal/1/note/" .. made.id).data, "deal_note", true)
      for _, item in ipairs(get(c, pipe .. "/deal/1/note").data) do
        conforms(item, "deal_note", true)
      end
    end)

    it("pipeline attribute: {id, title, color, status, type}", function()
      local made = post(c, "/sales-pipeline/attributes", { title = "Shape", color = "#000000",
        type = "tag" }).data
      conforms(made, "pipeline_attribute")
      conforms(get(c, "/sales-pipeline/attributes/" .. made.id).data, "pipeline_attribute")
    end)
  end)

  it("meeting: list items carry the meeting fields only; details add the team, "
    .. "availability, form, customise and reminders", function()
    local list = get(c, "/meeting-list").data
    for _, item in ipairs(list) do conforms(item, "meeting") end
    conforms(get(c, "/meeting/details/" .. list[1].uuid), "meeting_details")
  end)

  it("booking: create, list and details carry meeting{} and booking_data[{label,value}]", function()
    local meeting = get(c, "/meeting-list").data[3]
    local path = "/meeting/" .. meeting.uuid
    local made = post(c, path .. "/booking", { date = "2024-05-01", time_slot_start = "10:00",
      time_slot_end = "10:30", booking_data = { Topic = "Pretend" },
      first_name = "Guest", last_name = "Shape", email = "guest@example.com" }).data
    conforms(made, "booking", true)
    assert.same({ { label = "Topic", value = "Pretend" } }, made.booking_data)
    assert.same({ meeting.id, meeting.uuid }, { made.meeting.id, made.meeting.uuid })
    for _, item in ipairs(get(c, path .. "/booking-list").data) do
      conforms(item, "booking", true)
    end
    local details = get(c, path .. "/booking/details/" .. made.id)
    conforms(details.data, "booking", true)
    assert.same({ Topic = "Pretend" }, details.booking_data)
  end)

  it("inbox: conversations and a new message as documented; a reply adds delivery fields "
    .. "and reply_by{}", function()
    local list = get(c, "/inbox/conversation/all").data
    for _, item in ipairs(list) do conforms(item, "conversation") end
    local sent = post(c, "/inbox/conversation/new-message", { to_emails = { "x@example.com" },
      subject = "Shape", message = "<p>Hi</p>" }).data
    conforms(sent, "conversation")
    assert.equal("x@example.com", sent.to_email)
    assert(c:request("POST", "/inbox/conversation/" .. sent.uuid .. "/assign-tags",
      { body = { tags = { { label = "Shape Tag" } } } }))
    local tagged = get(c, "/inbox/conversation/all", { query = { search = "Shape" } }).data[1]
    assert.same({ "Shape Tag" }, { tagged.tags[1].label })
    local reply = post(c, "/inbox/conversation/" .. sent.uuid .. "/reply",
      { message = "<p>Pretend reply</p>" }).data
    conforms(reply, "inbox_reply", true)
    assert.same({ "Shape", "Pretend reply" }, { reply.subject, reply.body_plain })
  end)

  it("lead: list items and GET start with the captured fields, "
    .. "company{id,name,email,phone_number} from the stored company", function()
    for _, item in ipairs(get(c, "/lead").data) do conforms(item, "lead") end
    local made = post(c, "/lead", { first_name = "Lee", last_name = "Shape",
      email = "lee.shape@example.com", company_id = 3 }).data
    local got = get(c, "/lead/" .. made.id).data
    conforms(got, "lead", true)
    assert.same({ 3, get(c, "/company/3").data.name }, { got.company.id, got.company.name })
  end)
end)
