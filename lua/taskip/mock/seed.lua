-- The emulator's starting data: a small, obviously fictional account
-- (example.com addresses, placeholder names) with enough rows in each
-- paginated collection that a walk with limit=2 crosses pages.
-- seed.reset() empties the store and loads it again; ids and uuids come
-- out the same every time.
--
--   5 companies, 5 team members, 6 invoices (#6 paid), 5 quotations,
--   5 tickets (replies, a note, an attachment), 5 documents, 2 folders;
--   3 projects: #1 has 5 containers, 6 tasks (comments, documents,
--   files), 5 activities, 2 discussions; #2 has 3 containers, 2 tasks,
--   2 activities; #3 only its 3 containers; 5 project attributes;
--   3 pipelines: #1 has 3 stages and 5 deals, deal #1 has 3 tasks,
--   2 files, 2 meetings, 3 notes, 3 activities; #2 has 2 stages and a
--   deal; #3 has 3 stages; 3 pipeline attributes;
--   5 meetings: #1 has 5 bookings, #2 has 2;
--   5 inbox conversations (a reply), 3 tags;
--   12 leads: #1 has 2 notes and a file; 4 lead attributes.

local records = require "taskip.mock.records"
local store = require "taskip.mock.store"

local add = records.add

local M = {}

local PEOPLE = {
  {"Ada", "Placeholder"}, {"Bo", "Fakesson"}, {"Cy", "Mockley"},
  {"Di", "Stubbs"}, {"Ed", "Exampleton"}, {"Fay", "Notreal"},
  {"Gil", "Dummy"}, {"Hal", "Sampleman"}, {"Ivy", "Fixture"},
  {"Jo", "Pretend"}, {"Kai", "Madeup"}, {"Liv", "Fictional"},
}

local function person(i)
  local p = PEOPLE[i]
  return p[1], p[2], (p[1] .. "." .. p[2]):lower() .. "@example.com"
end

local function day(i)
  return string.format("2024-02-%02dT09:00:00Z", i)
end

-- Default containers of a new project (also used by project create).
M.CONTAINERS = {
  {"To Do", "#6c757d"}, {"In Progress", "#0d6efd"}, {"Done", "#198754"},
}

function M.containers(project, list)
  local out = {}
  for i, c in ipairs(list or M.CONTAINERS) do
    out[i] = add("project.container",
      {name = c[1], color = c[2], order = i}, project)
  end
  return out
end

-- Default stages of a new pipeline (also used by pipeline create).
M.STAGES = {
  {"New", "#6c757d"}, {"Qualified", "#0d6efd"}, {"Won", "#198754"},
}

function M.stages(pipeline, list)
  local out = {}
  for i, s in ipairs(list or M.STAGES) do
    out[i] = add("pipeline.stage",
      {title = s[1], color = s[2], order = i}, pipeline)
  end
  return out
end

local function crm()
  for i = 1, 5 do
    local names = {"Acme Placeholder Ltd", "Globex Fictional Inc",
      "Initech Sample Co", "Umbrella Mock GmbH", "Hooli Example LLC"}
    add("company", {name = names[i], created_at = day(i),
      email = string.format("office%d@example.com", i),
      website = string.format("https://company%d.example.com", i)})
    local first, last, email = person(i)
    add("team_member", {first_name = first, last_name = last,
      email = email:gsub("@", ".team@"), role_id = 3,
      team_id = (i - 1) % 3 + 1, position = "Fictional Staff"})
  end
  for i = 1, 6 do
    add("invoice", {invoice_no = string.format("INV-2024-%03d", i),
      contact_id = i, subject = "Fictional services #" .. i,
      currency = "USD", subtotal = 10000 * i, total = 10000 * i,
      due_amount = i == 6 and 0 or 10000 * i,
      partial_paid_amount = i == 6 and 60000 or 0,
      status = i == 6 and "paid" or "draft",
      due_date = string.format("2024-03-%02d", i),
      items = {{id = 1, name = "Imaginary work", qty = 1,
                rate = 10000 * i, label = "hours"}},
      folder_id = 1, created_at = day(i)})
  end
  for i = 1, 5 do
    add("quotation", {estimate_no = string.format("QUO-2024-%03d", i),
      contact_id = i, subject = "Pretend proposal #" .. i,
      total = 5000 * i, sub_total = 5000 * i,
      items = {{id = 1, title = "Sample item", description = "Made up",
                quantity = 1, price = 5000 * i}},
      folder_id = 2, created_at = day(i)})
  end
end

local function tickets()
  for i = 1, 5 do
    local t = add("ticket", {subject = "Pretend problem #" .. i,
      priority = i % 5, status = i % 4, user_id = i,
      description = "A fictional ticket for the emulator."})
    add("ticket.reply", {description = "A made-up reply."}, t)
    if i == 1 then
      add("ticket.note", {message = "Internal note (fictional)."}, t)
      add("ticket.attachment", {name = "screenshot.png", size = 2048,
        mime_type = "image/png",
        url = "https://files.example.com/screenshot.png"}, t)
    end
  end
end

local function documents()
  for i = 1, 2 do
    add("document.folder", {name = "Folder " .. i})
  end
  for i = 1, 5 do
    add("document", {name = "Sample Document " .. i, visibility = i % 3,
      folder_id = i % 2 + 1, created_at = day(i)})
  end
end

local function projects()
  local titles = {"Website Mockup", "Pretend Mobile App",
                  "Imaginary Rebrand"}
  for i = 1, 3 do
    local p = add("project", {title = titles[i], priority = i,
      status = i == 3 and "planning" or "active", created_at = day(i)})
    local cs = M.containers(p, i == 1 and {
      {"Backlog", "#adb5bd"}, {"To Do", "#6c757d"},
      {"In Progress", "#0d6efd"}, {"Review", "#ffc107"},
      {"Done", "#198754"}} or nil)
    local ntasks = ({6, 2, 0})[i]
    for k = 1, ntasks do
      local t = add("project.task", {title = "Fictional task " .. k,
        container_id = cs[(k - 1) % #cs + 1].id, order = k,
        priority = ({"low", "medium", "high"})[k % 3 + 1]}, p)
      if i == 1 and k == 1 then
        add("project.task.comment", {description = "Looks fine."}, t)
        add("project.task.document", {document_id = 1,
          name = "Sample Document 1"}, t)
        add("project.task.file", {file_id = 101, name = "mock.png",
          url = "https://files.example.com/mock.png"}, t)
        add("project.task.file", {file_id = 102, name = "spec.pdf",
          url = "https://files.example.com/spec.pdf"}, t)
      end
    end
    for k = 1, ({5, 2, 0})[i] do
      add("project.activity", {description = "Pretend change " .. k,
        created_at = string.format("2024-02-%02dT1%d:00:00Z", i, k)}, p)
    end
    if i == 1 then
      for k = 1, 2 do
        add("project.discussion", {msg = "Discussion " .. k,
          attachment = {{id = 200 + k, name = "note" .. k .. ".txt",
            url = "https://files.example.com/note" .. k .. ".txt"}}}, p)
      end
    end
  end
  local attrs = {{"Urgent", "tag"}, {"Design", "category"},
    {"High", "priority"}, {"Bug", "label"}, {"Internal", "tag"}}
  for _, a in ipairs(attrs) do
    add("project.attribute", {title = a[1], type = a[2],
      color = "#dc3545"})
  end
end

local function pipelines()
  local titles = {"Fictional Sales", "Pretend Partnerships",
                  "Sample Renewals"}
  for i = 1, 3 do
    local p = add("pipeline", {title = titles[i]})
    local stages = M.stages(p, i == 2 and {{"Lead", "#6c757d"},
      {"Closed", "#198754"}} or nil)
    local ndeals = ({5, 1, 0})[i]
    for k = 1, ndeals do
      local d = add("pipeline.deal", {deal_name = "Pretend deal " .. k,
        company_id = k, contact_id = k, deal_owner_id = 1,
        deal_stage_id = stages[(k - 1) % #stages + 1].id,
        deal_amount = string.format("%d.00", 1000 * k),
        closing_date = "2024-06-30", order = k}, p)
      if i == 1 and k == 1 then
        for n = 1, 3 do
          add("pipeline.deal.task", {title = "Call back #" .. n,
            type = 0, assignee_id = 1, priority = 1, order = n}, d)
          add("pipeline.deal.note", {description = "Made-up note " .. n},
            d)
          add("pipeline.deal.activity", {title = "Pretend call " .. n}, d)
        end
        for n = 1, 2 do
          add("pipeline.deal.file", {file_id = 300 + n,
            name = "proposal" .. n .. ".pdf"}, d)
          add("pipeline.deal.meeting", {title = "Sample meeting " .. n,
            type = 2, assignee_id = 1, priority = 1, duration = 1,
            notify_client = false}, d)
        end
      end
    end
  end
  for _, a in ipairs({{"Hot", "tag"}, {"Referral", "source"},
                      {"Enterprise", "category"}}) do
    add("pipeline.attribute", {title = a[1], type = a[2],
      color = "#fd7e14"})
  end
end

local function meetings()
  for i = 1, 5 do
    local m = add("meeting", {title = "Sample Consultation " .. i,
      description = "A fictional meeting type."})
    for k = 1, ({5, 2, 0, 0, 0})[i] do
      local first, last, email = person(k + 2)
      add("meeting.booking", {first_name = first, last_name = last,
        email = email, date = string.format("2024-03-%02d", k),
        time_slot_start = "10:00", time_slot_end = "10:30",
        booking_data = {Topic = "Pretend chat"},
        created_at = day(k)}, m)
    end
    m.booking_count = #store.list("meeting.booking", m)
  end
end

local function inbox()
  for i = 1, 3 do
    add("inbox.tag", {name = ({"Sales", "Support", "Spam"})[i]})
  end
  for i = 1, 5 do
    local _, _, email = person(i)
    local c = add("inbox.conversation", {to_email = email,
      to_emails = {email}, subject = "Fictional thread " .. i,
      body_plain = "Hello from nowhere.", created_at = day(i)})
    if i == 1 then
      add("inbox.reply", {message = "<p>Pretend reply</p>"}, c)
    end
  end
end

local function leads()
  for i = 1, 12 do
    local first, last, email = person(i)
    local l = add("lead", {first_name = first, last_name = last,
      email = email:gsub("@", ".lead@"), value = 100 * i,
      company_id = i <= 5 and i or nil,
      status_id = 1, source_id = 3,
      lead_interaction_date = string.format("2024-04-%02d", i),
      description = "A fictional lead."})
    if i == 1 then
      add("lead.note", {description = "First made-up note."}, l)
      add("lead.note", {description = "Second made-up note."}, l)
      add("lead.file", {file_id = 400, name = "brief.pdf"}, l)
    end
  end
  for _, a in ipairs({{"New", "status"}, {"Won", "status"},
                      {"Website", "source"}, {"Referral", "source"}}) do
    add("lead.attribute", {title = a[1], type = a[2]})
  end
end

function M.reset()
  records.freeze(1705312800) -- 2024-01-15T10:00:00Z
  store.reset()
  crm()
  tickets()
  documents()
  projects()
  pipelines()
  meetings()
  inbox()
  leads()
  records.freeze(nil)
end

return M
