-- The emulator serves every row of the endpoint table (taskip.endpoints),
-- aliases included, through the generic client: routing from the table,
-- per-request stats (endpoint, route, params), seeded state, the
-- documented shapes, 422/404, the three pagination styles, PDFs and the
-- multipart upload. Run from the repository root after `make`.
local env = require "support.env"
local endpoints = require "taskip.endpoints"
local NULL = require("taskip").null
local taskip = require "taskip"

-- Far above anything a spec sends, so no budget (ours or the client's)
-- ever waits.
local BIG = 100000

local function key_of(row)
  return row[2] .. ":" .. row[3]
end

local function last(m)
  local seen = env.requests(m)
  return seen[#seen]
end

local function start()
  local m = env.mock { limit = BIG }
  local c = env.client(m, { burst_limit = BIG, hourly_limit = BIG, max_retries = 0 })
  return m, c
end

-- {==================================================================
-- Placeholders and bodies from the seed data
-- ===================================================================

-- The uuids of the first seeded record of each uuid-addressed module,
-- read from the lists (as a client would).
local function seeded_uuids(c)
  local function first(path)
    local v = assert(c:request("GET", path))
    return (v.data or v)[1].uuid
  end
  return {
    project = first("/project"),
    ["sales-pipeline"] = first("/sales-pipeline"),
    ["support-ticket"] = first("/support-ticket"),
    meeting = first("/meeting-list"),
    inbox = first("/inbox/conversation/all"),
  }
end

-- The path of row with every {uuid} the module's first uuid and every
-- other placeholder "1"; values[name] overrides. Returns path, params.
local function fill(row, uuids, values)
  local group = row[5]:match("^/([^/]+)")
  local params = {}
  local path = row[5]:gsub("{([%w_]+)}", function(name)
    local v = values and values[name]
    if v == nil then
      v = name == "uuid" and uuids[group] or "1"
    end
    params[name] = tostring(v)
    return tostring(v)
  end)
  return path, params
end

-- Values for required fields that need more than a placeholder; the
-- ids point at seeded records that belong together (project 1's
-- containers 1-5, pipeline 1's stages 1-3, deal 1's tasks 1-3).
local VALUES = {
  items = { { description = "Pretend item", quantity = 1, unit_price = 1 } },
  order = { { stage_id = 1, order = 2 } },
  deals = { { id = 1, position = 2 } },
  booking_data = { Topic = "Pretend chat" },
  to_emails = { "nobody@example.com" },
  ids = { 2 }, contact_ids = { 2 }, ticket_ids = { 2 }, quotation_ids = { 2 },
  deal_ids = { 2 }, stage_ids = { 3 }, task_ids = { 2 }, project_ids = { 1 },
  container_id = 1, target_container_id = 2, deal_stage_id = 1, target_stage_id = 2,
  status = "sent", published = true, publish = true, is_recurring = true,
  notify_client = true, is_completed = 1, new_order = 2, task_id = 1,
  category_id = 2, action = "delete",
}

-- Bodies some rows need beyond their required fields (the record a
-- DELETE with a body removes, a label to add, ...).
local EXTRA = {
  ["ticket.attachment:create"] = { files = { taskip.file{ name = "row.txt", content = "row" } } },
  ["project.task.document:delete"] = { document_id = 1 },
  ["project.task.comment:delete"] = { comment_id = 1 },
  ["project.task.file:delete"] = { file_id = 101 },
  ["project.task:add_label"] = { label_id = 1 },
  ["project.task:remove_label"] = { label_id = 1 },
  ["project.task:add_assignee"] = { assignee_id = 1 },
  ["project.task:remove_assignee"] = { assignee_id = 1 },
  ["inbox.conversation:assign_tags"] = { tags = { { label = "VIP" } } },
  ["contact:invite_by_body"] = { contact_id = 1 },
}

-- A valid body for row (nil for GET); n makes e-mails unique.
local function body_for(row, n)
  if row[4] == "GET" then return nil end
  local body = {}
  for _, f in ipairs(row.required or {}) do
    local v = VALUES[f]
    if v == nil then
      if f == "email" then
        v = "row" .. n .. "@example.com"
      elseif f:match("_id$") then
        v = 1
      else
        v = "Pretend " .. f
      end
    end
    body[f] = v
  end
  for k, v in pairs(EXTRA[key_of(row)] or {}) do body[k] = v end
  return body
end

-- }==================================================================

-- What each PDF shows of its seeded record #1.
local PDF_TEXT = {
  ["invoice:download"] = { "INV-2024-001", 'filename="INV-2024-001.pdf"' },
  ["quotation:download"] = { "QUO-2024-001", 'filename="QUO-2024-001.pdf"' },
  ["document:download"] = { "Sample Document 1", 'filename="Sample-Document-1.pdf"' },
}

local function check_pdf(row, bytes, meta)
  local want = PDF_TEXT[key_of(row)]
  assert.equal("application/pdf", meta.headers["content-type"])
  assert.equal('attachment; ' .. want[2], meta.headers["content-disposition"])
  assert.equal("%PDF-1.4\n", bytes:sub(1, 9))
  assert.equal("%%EOF\n", bytes:sub(-6))
  assert.truthy(bytes:find(want[1], 1, true))
  assert.equal(tostring(#bytes), meta.headers["content-length"])
end

describe("every endpoint-table row", function()
  local m, c, uuids

  setup(function()
    m, c = start()
    uuids = seeded_uuids(c)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  for n, row in ipairs(endpoints) do
    local name = row[4] .. " " .. row[5] .. " answers 2xx as " .. key_of(row)
      .. (row.alias and " (alias)" or "")
    it(name, function()
      m:reset()
      local path, params = fill(row, uuids)
      local v, meta = c:request(row[4], path, { body = body_for(row, n), raw = row.pdf })
      assert.is_not_nil(v, meta and tostring(meta))
      assert.truthy(meta.status >= 200 and meta.status < 300, meta.status)
      local seen = last(m)
      assert.same({ row[4], key_of(row), row[5], params },
        { seen.method, seen.endpoint, seen.route, seen.params })
      assert.equal(1, env.count(m, row[4] .. " " .. row[5]))
      if row.pdf then check_pdf(row, v, meta) end
    end)
  end
end)

describe("validation", function()
  local m, c, uuids

  setup(function()
    m, c = start()
    uuids = seeded_uuids(c)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  for n, row in ipairs(endpoints) do
    for _, field in ipairs(row.required or {}) do
      it(row[4] .. " " .. row[5] .. " without " .. field .. " is 422", function()
        local body = body_for(row, n)
        body[field] = nil
        local v, err = c:request(row[4], (fill(row, uuids)), { body = body })
        assert.is_nil(v)
        assert.equal(422, err.status)
        local errors = { [field] = { "The " .. field:gsub("_", " ") .. " field is required." } }
        if row[1] == "project" then
          assert.same({ status = 422, error = "Validation Error",
            message = "The given data was invalid", errors = errors }, err.body)
        else
          assert.same({ success = false, error = "Validation Error",
            message = "The given data was invalid", errors = errors, status_code = 422 },
            err.body)
        end
      end)
    end
  end

  it("counts null, empty strings and empty arrays as missing", function()
    local v, err = c:request("POST", "/company/bulk-delete", { body = '{"ids":[]}' })
    assert.is_nil(v)
    assert.same({ ids = { "The ids field is required." } }, err.errors)
    v, err = c:request("POST", "/invoice", { body = '{"invoice_no":"",'
      .. '"contact_id":null,"subject":"S","currency":"USD"}' })
    assert.is_nil(v)
    assert.same({ invoice_no = { "The invoice no field is required." },
      contact_id = { "The contact id field is required." } }, err.errors)
  end)

  it("answers 404 before 422: an unknown record wins over a bad body", function()
    local _, err = c:request("POST", "/project/no-such-project/task", { body = {} })
    assert.equal(404, err.status)
  end)
end)

describe("unknown records", function()
  local m, c, uuids

  setup(function()
    m, c = start()
    uuids = seeded_uuids(c)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  -- Every placeholder of every row, in turn, names a record that does
  -- not exist. The {id} of deals/bulk-actions/{id} is not a record (the
  -- deal ids come in the body; API.md 13.6), so it is skipped.
  for _, row in ipairs(endpoints) do
    for name in row[5]:gmatch("{([%w_]+)}") do
      local skip = row[5]:find("/bulk%-actions/{id}$") and name == "id"
      if not skip then
        it(row[4] .. " " .. row[5] .. " with an unknown {" .. name .. "} is 404 JSON", function()
          local path = fill(row, uuids, { [name] = name == "uuid" and "no-such-uuid"
            or "999999" })
          local v, err = c:request(row[4], path, { raw = row.pdf })
          assert.is_nil(v)
          assert.equal(404, err.status)
          assert.equal("application/json", err.headers["content-type"])
          assert.same({ false, 404 }, { err.body.success, err.body.status_code })
        end)
      end
    end
  end

  it("finds a child only under its own parent", function()
    local p2 = assert(c:request("GET", "/project")).data[2].uuid
    local pipes = assert(c:request("GET", "/sales-pipeline")).data
    local meet2 = assert(c:request("GET", "/meeting-list")).data[2].uuid
    local tickets = assert(c:request("GET", "/support-ticket")).data
    local cases = {
      "/project/" .. p2 .. "/task/1",                       -- task 1 is project 1's
      "/project/" .. p2 .. "/task/1/comment",
      "/sales-pipeline/" .. pipes[2].uuid .. "/deals/1",    -- deal 1 is pipeline 1's
      "/sales-pipeline/" .. pipes[2].uuid .. "/stage/1",
      "/sales-pipeline/" .. pipes[2].uuid .. "/deal/6/task/1", -- task 1 is deal 1's
      "/meeting/" .. meet2 .. "/booking/details/1",         -- booking 1 is meeting 1's
    }
    for _, path in ipairs(cases) do
      local v, err = c:request("GET", path)
      assert.is_nil(v, path)
      assert.equal(404, err.status, path)
    end
    local v, err = c:request("DELETE", "/support-ticket/" .. tickets[2].uuid .. "/note-delete/1")
    assert.is_nil(v)
    assert.equal(404, err.status)
  end)

  it("creates no child under an unknown parent", function()
    local creates = {
      { "/project/no-such/task", { title = "T", container_id = 1 } },
      { "/project/no-such/container", { name = "C" } },
      { "/sales-pipeline/no-such/deals", { deal_name = "D" } },
      { "/sales-pipeline/no-such/stage", { title = "S" } },
      { "/meeting/no-such/booking", { date = "2024-01-01" } },
      { "/lead/notes/999999", { description = "N" } },
      { "/ticket/999999/attachments", {} },
    }
    for _, t in ipairs(creates) do
      local v, err = c:request("POST", t[1], { body = t[2] })
      assert.is_nil(v, t[1])
      assert.equal(404, err.status, t[1])
    end
  end)
end)

-- {==================================================================
-- Pagination
-- ===================================================================

-- Walk a list page by page with page size 2 (`size` names the
-- parameter); args go in the query, or in the body with `post`.
-- Returns the pages' bodies.
local function walk(c, path, opts)
  opts = opts or {}
  local pages = {}
  for page = 1, 50 do
    local args = { page = page, [opts.size or "limit"] = 2 }
    local v = opts.post and assert(c:request("POST", path, { body = args }))
      or assert(c:request("GET", path, { query = args }))
    pages[#pages + 1] = v
    if #v.data < 2 or (v.meta and v.meta.last_page == page)
        or (v.meta and v.meta.total_pages == page) then
      break
    end
  end
  return pages
end

local function ids_of(pages)
  local seen, n = {}, 0
  for _, p in ipairs(pages) do
    for _, item in ipairs(p.data) do
      local id = item.id or item.uuid
      assert.is_nil(seen[id], "twice: " .. tostring(id))
      seen[id] = true
      n = n + 1
    end
  end
  return n
end

describe("pagination", function()
  local m, c, uuids

  setup(function()
    m, c = start()
    uuids = seeded_uuids(c)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  local function laravel(path, total, opts)
    local pages = walk(c, path, opts)
    local last_page = (total + 1) // 2
    assert.equal(last_page, #pages)
    assert.truthy(#pages > 1)
    assert.equal(total, ids_of(pages))
    local url = m.url .. path
    for i, p in ipairs(pages) do
      assert.same({ current_page = i, from = 2 * i - 1, to = 2 * i - 2 + #p.data,
        last_page = last_page, per_page = 2, total = total, path = url },
        { current_page = p.meta.current_page, from = p.meta.from, to = p.meta.to,
          last_page = p.meta.last_page, per_page = p.meta.per_page, total = p.meta.total,
          path = p.meta.path })
      assert.equal(url .. "?page=1", p.links.first)
      assert.equal(url .. "?page=" .. last_page, p.links.last)
      assert.equal(i > 1 and url .. "?page=" .. (i - 1) or NULL, p.links.prev)
      assert.equal(i < last_page and url .. "?page=" .. (i + 1) or NULL, p.links.next)
    end
  end

  it("walks the Laravel-style lists with links and meta", function()
    local project, meeting = uuids.project, uuids.meeting
    laravel("/company", 5)
    laravel("/team-member", 5)
    laravel("/invoice", 6)
    laravel("/quotation", 5)
    laravel("/project", 3)
    laravel("/project/" .. project .. "/task", 5)        -- project 1's containers
    laravel("/project/attribute/all", 5)
    laravel("/meeting-list", 5)
    laravel("/meeting/" .. meeting .. "/booking-list", 5)
    laravel("/inbox/conversation/all", 5)
    laravel("/lead", 12, { size = "item" })
  end)

  it("reads page and limit of the project activity lists from the POST body", function()
    laravel("/project/" .. uuids.project .. "/activity", 5, { post = true })
    laravel("/project/dashboard/activity", 7, { post = true })
  end)

  it("walks the deals in the REF style, under both spellings", function()
    for _, word in ipairs({ "deals", "deal" }) do
      local pages = walk(c, "/sales-pipeline/" .. uuids["sales-pipeline"] .. "/" .. word)
      assert.equal(3, #pages)
      assert.equal(5, ids_of(pages))
      for i, p in ipairs(pages) do
        assert.same({ current_page = i, per_page = 2, total = 5, total_pages = 3 }, p.meta)
        assert.is_true(p.success)
      end
    end
  end)

  it("honours page and limit on the lists without pagination data", function()
    local pipe = "/sales-pipeline/" .. uuids["sales-pipeline"]
    local cases = {
      { "/support-ticket", 5 }, { "/ticket", 5 }, { "/document", 5 },
      { "/sales-pipeline", 3 }, { pipe .. "/stage", 3 },
      { pipe .. "/deal/1/task", 3 }, { pipe .. "/deal/1/note", 3 },
      { pipe .. "/deal/1/activity", 3 },
    }
    for _, t in ipairs(cases) do
      local pages = walk(c, t[1])
      assert.equal(t[2] // 2 + 1, #pages, t[1])
      assert.equal(t[2], ids_of(pages), t[1])
      for _, p in ipairs(pages) do
        assert.is_nil(p.meta, t[1])
        assert.is_nil(p.links, t[1])
      end
    end
  end)

  it("takes the lead list's page size from item: 10 by default, 0 for all", function()
    local v = assert(c:request("GET", "/lead"))
    assert.same({ 10, 10, 12, 2 }, { #v.data, v.meta.per_page, v.meta.total, v.meta.last_page })
    assert.equal("All leads successfully fetched", v.message)
    v = assert(c:request("GET", "/lead", { query = { item = 0 } }))
    assert.same({ 12 }, { #v.data, v.meta, v.links })    -- unpaginated
    v = assert(c:request("GET", "/lead", { query = { item = 5, page = 3 } }))
    assert.same({ 2, 11, 12 }, { #v.data, v.meta.from, v.meta.to })
  end)

  it("defaults limit to 50 (15 for bookings) and clamps it to 100", function()
    assert.equal(50, assert(c:request("GET", "/company")).meta.per_page)
    assert.equal(100, assert(c:request("GET", "/company", { query = { limit = 500 } }))
      .meta.per_page)
    local bookings = "/meeting/" .. uuids.meeting .. "/booking-list"
    assert.equal(15, assert(c:request("GET", bookings)).meta.per_page)
    local deals = "/sales-pipeline/" .. uuids["sales-pipeline"] .. "/deals"
    assert.equal(100, assert(c:request("GET", deals, { query = { limit = 101 } }))
      .meta.per_page)
  end)

  it("walks past records the client created itself", function()
    m:reset()
    for i = 1, 7 do
      assert(c:request("POST", "/company", { body = { name = "Made Up " .. i,
        email = "made" .. i .. "@example.com" } }))
    end
    laravel("/company", 12)
  end)
end)

-- }==================================================================

describe("routing", function()
  local m, c, uuids

  setup(function()
    m, c = start()
    uuids = seeded_uuids(c)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  it("tries literal segments before placeholders", function()
    local p, pipe = uuids.project, uuids["sales-pipeline"]
    local cases = {
      { "POST", "/project/dashboard/activity", "project:dashboard_activity" },
      { "POST", "/project/" .. p .. "/activity", "project:activity" },
      { "GET", "/project/" .. p .. "/task/files", "project.task.file:list_all" },
      { "GET", "/project/" .. p .. "/task/1", "project.task:get" },
      { "GET", "/sales-pipeline/attributes", "pipeline.attribute:list" },
      { "GET", "/sales-pipeline/attributes/1", "pipeline.attribute:get" },
      { "GET", "/sales-pipeline/1", "pipeline:get" },
      { "GET", "/sales-pipeline/" .. pipe, "pipeline:get" },
      { "GET", "/ticket/analytics", "ticket:analytics" },
      { "GET", "/ticket/1", "ticket:get" },
      { "POST", "/contact/bulk-delete", "contact:bulk_delete" },
    }
    for _, t in ipairs(cases) do
      local body = t[1] == "POST" and (t[3]:find("bulk") and { contact_ids = { 1 } } or {})
        or nil
      local v, meta = c:request(t[1], t[2], { body = body })
      assert.is_not_nil(v, t[2] .. ": " .. tostring(meta))
      assert.equal(t[3], last(m).endpoint, t[2])
    end
    local files = assert(c:request("GET", "/project/" .. p .. "/task/files"))
    assert.equal(2, #files.data)
    local stats = assert(c:request("GET", "/ticket/analytics"))
    assert.equal(5, stats.data.total_tickets)
  end)

  it("answers 405 with Allow for a known path and a wrong method", function()
    local cases = {
      { "PATCH", "/ticket/analytics", "GET" },
      { "PATCH", "/project/" .. uuids.project .. "/task/1", "DELETE, GET, PUT" },
      { "DELETE", "/project/dashboard/activity", "POST" },
      { "GET", "/invoice/1/send-to-client", "POST" },
    }
    for _, t in ipairs(cases) do
      local v, err = c:request(t[1], t[2])
      assert.is_nil(v)
      assert.same({ 405, t[3] }, { err.status, err.headers.allow }, t[2])
    end
    local v, err = c:request("GET", "/no/such/route")
    assert.is_nil(v)
    assert.same({ 404, false }, { err.status, err.body.success })
    assert.is_nil(last(m).endpoint)
  end)

  it("records an alias under its own pattern and its primary's endpoint", function()
    m:reset()
    assert(c:request("POST", "/invoice/2/send-to-client", { body = {} }))
    assert(c:request("POST", "/invoice/sent/2", { body = {} }))
    local seen = env.requests(m)
    assert.same({ "invoice:send_to_client", "/invoice/{id}/send-to-client", { id = "2" } },
      { seen[1].endpoint, seen[1].route, seen[1].params })
    assert.same({ "invoice:send_to_client", "/invoice/sent/{id}" },
      { seen[2].endpoint, seen[2].route })
    assert.equal(1, env.count(m, "POST /invoice/{id}/send-to-client"))
    assert.equal(1, env.count(m, "POST /invoice/sent/{id}"))
    c:request("GET", "/sales-pipeline/" .. uuids["sales-pipeline"] .. "/deal/2/task/3")
    seen = last(m)
    assert.same({ uuid = uuids["sales-pipeline"], id = "2", task_id = "3" }, seen.params)
  end)
end)

describe("state across routes", function()
  local m, c

  setup(function()
    m, c = start()
  end)
  teardown(function()
    c:close()
    m:stop()
  end)
  before_each(function() m:reset() end)

  it("reaches a new project by id or uuid, and its tasks under its uuid", function()
    local made = assert(c:request("POST", "/project", { body = { title = "Pretend Project",
      priority = 2, privacy = 0, status = "active" } }))
    assert.equal("Project Created Successfully", made.msg)
    local id, uuid = made.data.id, made.data.uuid
    assert.equal(4, id)
    assert.is_string(uuid)
    local by_id = assert(c:request("GET", "/project/" .. id))
    local by_uuid = assert(c:request("GET", "/project/" .. uuid))
    assert.same(by_id, by_uuid)
    assert.same({ 200, "Pretend Project" }, { by_id.status, by_id.data.title })

    local list = assert(c:request("GET", "/project/" .. uuid .. "/task"))
    assert.equal(3, #list.data)              -- the new project's default containers
    local container = list.data[1].container_id
    local task = assert(c:request("POST", "/project/" .. uuid .. "/task",
      { body = { title = "Pretend Task", container_id = container } }))
    assert.same({ "Task Created", 200, uuid }, { task.msg, task.status, task.task.project_uuid })
    local got = assert(c:request("GET", "/project/" .. uuid .. "/task/" .. task.task.id))
    assert.equal("Pretend Task", got.data.title)
    list = assert(c:request("GET", "/project/" .. uuid .. "/task"))
    assert.equal(task.task.id, list.data[1].items[1].id)
    local all = assert(c:request("POST", "/project/all-tasks/list",
      { body = { project_ids = { uuid } } }))
    assert.equal(1, #all.data)

    -- a container of another project is not this project's
    local _, err = c:request("POST", "/project/" .. uuid .. "/task",
      { body = { title = "Wrong", container_id = 1 } })
    assert.same({ 422, 422 }, { err.status, err.body.status })
    -- deleting the project takes its tasks with it
    assert(c:request("DELETE", "/project/" .. uuid))
    _, err = c:request("GET", "/project/" .. id .. "/task/" .. task.task.id)
    assert.equal(404, err.status)
  end)

  it("gives pipelines uuids in the list and takes id or uuid on their own routes", function()
    local list = assert(c:request("GET", "/sales-pipeline"))
    assert.equal("Sales Pipeline retrieved successfully.", list.msg)
    assert.is_nil(list.data[1].id)
    local uuid = list.data[1].uuid
    local by_uuid = assert(c:request("GET", "/sales-pipeline/" .. uuid))
    local by_id = assert(c:request("GET", "/sales-pipeline/" .. by_uuid.id))
    assert.same(by_uuid, by_id)
    assert.equal(3, #by_id.stages)

    local made = assert(c:request("POST", "/sales-pipeline", { body = { title = "Made Up" } }))
    local new = made.data.uuid
    local stages = assert(c:request("GET", "/sales-pipeline/" .. new .. "/stage")).data
    assert.equal(3, #stages)
    local deal_body = { deal_name = "Pretend Deal", company_id = 1, deal_owner_id = 1,
      contact_id = 1, deal_stage_id = stages[2].id, deal_amount = "10.00",
      closing_date = "2024-12-31" }
    local deal = assert(c:request("POST", "/sales-pipeline/" .. new .. "/deals",
      { body = deal_body }))
    assert.same({ 201, "Pretend Deal", new }, { deal.status, deal.data.deal_name,
      deal.data.pipeline_uuid })
    local got = assert(c:request("GET", "/sales-pipeline/" .. new .. "/deal/" .. deal.data.id))
    assert.equal("Pretend Deal", got.data.deal_name)
    local stage = assert(c:request("GET", "/sales-pipeline/" .. new .. "/stage/" .. stages[2].id))
    assert.same({ stages[2].title, 1 }, { stage.name, stage.deals_count })
    -- a stage of another pipeline is refused
    deal_body.deal_stage_id = stages[1].id - 1
    local _, err = c:request("POST", "/sales-pipeline/" .. new .. "/deals", { body = deal_body })
    assert.equal(422, err.status)
  end)

  it("addresses tickets by id for CRUD and by uuid (or id) for replies", function()
    local made = assert(c:request("POST", "/support-ticket", { body = { subject = "Pretend",
      priority = 2 } }))
    local id, uuid = made.data.id, made.data.uuid
    assert(c:request("POST", "/support-ticket/reply/" .. uuid, { body = { description = "A" } }))
    assert(c:request("POST", "/support-ticket/reply/" .. id, { body = { description = "B" } }))
    assert(c:request("POST", "/ticket/" .. id .. "/status-update",
      { body = { status = "resolved" } }))
    assert.equal("resolved", assert(c:request("GET", "/ticket/" .. id)).status)
    assert.equal(201, assert(c:request("POST", "/support-ticket/" .. uuid .. "/note-store",
      { body = { message = "note" } })).status)
  end)

  it("books a meeting and lists the booking under the meeting's uuid", function()
    local uuid = assert(c:request("GET", "/meeting-list")).data[3].uuid
    local made = assert(c:request("POST", "/meeting/" .. uuid .. "/booking", { body = {
      date = "2024-05-01", time_slot_start = "10:00", time_slot_end = "10:30",
      booking_data = { Topic = "Pretend" }, email = "guest@example.com" } }))
    assert.equal("Meeting booked successfully", made.success_msg)
    local list = assert(c:request("GET", "/meeting/" .. uuid .. "/booking-list"))
    assert.same({ 1, made.data.id }, { list.meta.total, list.data[1].id })
    local details = assert(c:request("GET", "/meeting/" .. uuid .. "/booking/details/"
      .. made.data.id))
    assert.same({ made.data.id, { Topic = "Pretend" } }, { details.data.id, details.booking_data })
    assert.equal(1, assert(c:request("GET", "/meeting/details/" .. uuid)).booking_count)
  end)

  it("answers the documented shapes", function()
    local inv = assert(c:request("POST", "/invoice", { body = { invoice_no = "INV-9",
      contact_id = 1, subject = "S", currency = "USD", total = 500 } }))
    assert.same({ msg = "Invoice Created", status = 200, invoice_no = "INV-9" }, inv)
    local q = assert(c:request("GET", "/quotation/1"))
    assert.same({ 1, "QUO-2024-001" }, { q.id, q.quotation_no })      -- bare object
    assert.same({ "Project Priority Updated" }, assert(c:request("POST",
      "/project/1/change-priority", { body = { priority = "high" } })))
    local t = assert(c:request("GET", "/support-ticket"))
    assert.same({ 200, 5 }, { t.status, #t.data })
    local paid, meta = c:request("POST", "/invoice/1/status-update",
      { body = { status = "paid", payment_amount = 4000 } })
    assert.same({ 201, "Status updated successfully", 4000, 6000 }, { meta.status,
      paid.message, paid.partial_paid_amount, paid.due_amount })
    local v, err = c:request("POST", "/invoice/1/status-update", { body = { status = "lost" } })
    assert.is_nil(v)
    assert.same({ 400, "Status update failed" }, { err.status, err.body })
    v, err = c:request("PUT", "/invoice/6", { body = { subject = "paid one" } })
    assert.same({ nil, 403 }, { v, err.status })
    local _, m2 = c:request("POST", "/company/bulk-delete", { body = { ids = { 1 } } })
    assert.equal(202, m2.status)
    _, err = c:request("POST", "/company", { body = { name = "Dup",
      email = "OFFICE2@example.com" } })
    assert.equal(409, err.status)
  end)

  it("encodes ids as integers, also from float ids in a body", function()
    local raw = assert(c:request("POST", "/company", { raw = true,
      body = { name = "Pretend Co", email = "pretend@example.com" } }))
    assert.truthy(raw:find('"id":6[,}]'))
    assert(c:request("POST", "/team-member/bulk-delete", { body = '{"ids":[1.0,"2"]}' }))
    assert.equal(3, assert(c:request("GET", "/team-member")).meta.total)
    raw = assert(c:request("GET", "/sales-pipeline/1/deals/2", { raw = true }))
    assert.falsy(raw:find('%d%.0[,}%]]'))
  end)

  it("stores one attachment per files[] part of a multipart upload", function()
    local up = assert(c.ticket.attachment:create(2, { description = "Two pretend files",
      files = { taskip.file{ name = "a.txt", content = "hello", content_type = "text/plain" },
                taskip.file{ name = "b.png", content = "PNG", content_type = "image/png" } } }))
    assert.same({ true, "Two pretend files", 2 }, { up.success, up.data.description,
      #up.data.attachments })
    assert.same({ "a.txt", 5, "b.png", 3 }, { up.data.attachments[1].name,
      up.data.attachments[1].size, up.data.attachments[2].name, up.data.attachments[2].size })
    local list = assert(c:request("GET", "/ticket/2/attachments"))
    assert.equal(2, #list.data)
  end)

  it("answers 422 to an attachment upload that is not multipart files[]", function()
    local _, err = c:request("POST", "/ticket/2/attachments", { body = { files = { "a.txt" } } })
    assert.same({ 422, "validation" }, { err.status, err.kind })
    assert.truthy(err.errors.files)
    _, err = c:request("POST", "/ticket/2/attachments",
      { body = { file = taskip.file{ name = "a.txt", content = "x" } } })
    assert.equal(422, err.status)
    _, err = c:request("POST", "/ticket/2/attachments",
      { body = { files = { taskip.file{ name = "empty.txt", content = "" } } } })
    assert.equal(422, err.status)
  end)

  it("reseeds on reset", function()
    assert(c:request("DELETE", "/company/1"))
    assert(c:request("POST", "/project", { body = { title = "P", priority = 1, privacy = 0,
      status = "active" } }))
    m:reset()
    assert.equal("Acme Placeholder Ltd", assert(c:request("GET", "/company/1")).data.name)
    assert.equal(3, assert(c:request("GET", "/project")).meta.total)
  end)
end)
