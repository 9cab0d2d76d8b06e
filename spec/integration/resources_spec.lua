-- Every endpoint through its generated method, against taskip-mock:
-- the emulator must have seen exactly the route the table names.
local env = require "support.env"
local taskip = require "taskip"
local core = require "taskip.core"

-- Placeholder values by name; the route is checked whatever the answer.
local VALUES = { uuid = "u-test", id = 1, contact = 1, lead_id = 3, task_id = 2,
  file_id = 2, meeting_id = 2, note_id = 2, activity_id = 2 }

local function resource_of(c, name)
  local r = c
  for part in name:gmatch("[^.]+") do r = r[part] end
  return r
end

local function args_for(e)
  local args = {}
  for i, p in ipairs(e.placeholders) do args[i] = VALUES[p] end
  return args
end

local function fill(path)
  return (path:gsub("{([%w_]+)}", function(p) return tostring(VALUES[p]) end))
end

local function last(m)
  local seen = env.requests(m)
  return seen[#seen]
end

describe("every endpoint", function()
  local m, c
  setup(function()
    m = env.mock()
    c = env.client(m, { max_retries = 0 })
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  for _, e in ipairs(taskip.endpoints()) do
    if not e.alias then
      it("c." .. e.name .. " sends " .. e.method .. " " .. e.path, function()
        local args = args_for(e)
        local fn = resource_of(c, e.resource)[e.method_name]
        args[#e.placeholders + 1] = e.method ~= "GET" and {} or nil
        fn(resource_of(c, e.resource), table.unpack(args, 1, #e.placeholders + 1))
        local seen = last(m)
        assert.equal(e.method, seen.method)
        assert.equal(e.name, seen.endpoint)
        assert.equal(e.path, seen.route)
        for _, p in ipairs(e.placeholders) do
          assert.equal(tostring(VALUES[p]), seen.params[p])
        end
      end)
    else
      it("alias " .. e.method .. " " .. e.path .. " reaches " .. e.name, function()
        c:request(e.method, fill(e.path), { body = e.method ~= "GET" and {} or nil,
          raw = e.pdf })
        local seen = last(m)
        assert.equal(e.name, seen.endpoint)
        assert.equal(e.path, seen.route)
      end)
    end
  end
end)

describe("hostile ids", function()
  local m, c
  setup(function()
    m = env.mock()
    c = env.client(m, { max_retries = 0 })
  end)
  teardown(function()
    c:close()
    m:stop()
  end)

  it("an id holding CR/LF stays one path segment and adds no header", function()
    local v, err = c.contact:get("1\r\nX-Evil: 1")
    assert.is_nil(v)
    assert.equal("not_found", err.kind)
    local seen = last(m)
    assert.equal("/contact/{id}", seen.route)
    assert.equal("1\r\nX-Evil: 1", seen.params.id)
    assert.equal(1, #env.requests(m))
  end)

  it("an id holding '?' or '#' or '%' cannot start a query or fragment", function()
    c.contact:get("5?admin=1#x%2F")
    local seen = last(m)
    assert.equal("/contact/{id}", seen.route)
    assert.equal("5?admin=1#x%2F", seen.params.id)
    assert.equal("", seen.query)
  end)

  it("ids that would climb or split the path are refused before sending", function()
    local before = #env.requests(m)
    for _, bad in ipairs { "../x", "1/2", "..", "a\\b" } do
      assert.has_error(function() c.contact:get(bad) end)
    end
    assert.equal(before, #env.requests(m))
  end)
end)

describe("pagination", function()
  local m, c
  setup(function()
    m = env.mock()
    c = env.client(m)
  end)
  teardown(function()
    c:close()
    m:stop()
  end)
  before_each(function() m:reset() end)

  local function count_pages(route)
    return env.count(m, route)
  end

  it("walks Laravel pages (contacts) and reports progress per page", function()
    local pages = {}
    local all = {}
    for contact, err in c.contact:each({ limit = 4 }, { progress = function(p)
      pages[#pages + 1] = p
    end }) do
      assert.is_truthy(contact, tostring(err))
      all[#all + 1] = contact.id
    end
    local total = assert(c.contact:list{ limit = 1 }).meta.total
    assert.equal(total, #all)
    assert.equal(math.ceil(total / 4), #pages)
    assert.equal(#pages, pages[#pages].pages)
    assert.equal(total, pages[#pages].total)
  end)

  it("walks api-reference pages (deals: meta.total_pages)", function()
    local pipeline = assert(c.pipeline:list()).data[1]
    local first = assert(c.pipeline.deal:list(pipeline.uuid, { limit = 1 }))
    assert.is_number(first.meta.total_pages)
    local deals = assert(c.pipeline.deal:all(pipeline.uuid, { limit = 1 }))
    assert.equal(first.meta.total, #deals)
    assert.is_true(#deals > 1)
  end)

  it("walks lists without pagination data, stopping on a short page (tickets)", function()
    local everything = assert(c.ticket:all({ limit = 100 }))
    assert.is_true(#everything > 2)
    m:reset()
    local paged = assert(c.ticket:all({ limit = 2 }))
    assert.equal(#everything, #paged)
    assert.equal(math.floor(#everything / 2) + 1, count_pages("GET /support-ticket"))
  end)

  it("walks the lead list with its item parameter", function()
    local leads = assert(c.lead:all({ item = 2 }))
    assert.is_true(#leads > 2)
    local seen = env.requests(m)
    assert.equal("2", seen[1].args.item)
  end)

  it("walks a list read with POST, page and limit in the body", function()
    local project = assert(c.project:list()).data[1]
    local items = assert(c.project:all_activity(project.uuid, { limit = 2 }))
    assert.is_true(#items >= 1)
  end)

  it("honours the rate limit between pages: policy wait sleeps and finishes", function()
    local slow = env.mock { limit = 3, window = 2 }
    local d = env.client(slow)
    local t = core.now()
    local all = assert(d.contact:all({ limit = 5 }))
    assert.equal(assert(d.contact:list{ limit = 1 }).meta.total, #all)
    assert.is_true(core.now() - t >= 0.5, "no wait")
    d:close()
    slow:stop()
  end)

  it("honours the rate limit between pages: policy error ends the walk", function()
    local slow = env.mock { limit = 2, window = 60 }
    local d = env.client(slow, { rate_limit = "error" })
    local n, failure = 0, nil
    for contact, err in d.contact:each({ limit = 5 }) do
      if not contact then failure = err else n = n + 1 end
    end
    assert.equal(10, n)
    assert.equal("rate_limited", failure.kind)
    d:close()
    slow:stop()
  end)
end)

describe("PDF downloads", function()
  local m
  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)

  for _, r in ipairs { "invoice", "quotation", "document" } do
    it(r .. ":download returns the PDF bytes and content type, undecoded", function()
      local c = env.client(m)
      local id = assert(c[r]:list()).data[1].id
      local pdf, meta = c[r]:download(id)
      assert.is_string(pdf, tostring(meta))
      assert.equal("%PDF-", pdf:sub(1, 5))
      assert.equal("application/pdf", meta.content_type)
      assert.matches("%.pdf$", meta.filename)
      c:close()
    end)
  end

  it("is bounded by max_response_bytes", function()
    local c = env.client(m, { max_response_bytes = 64 })
    local pdf, err = c.invoice:download(1)
    assert.is_nil(pdf)
    assert.equal("too_large", err.kind)
    c:close()
  end)
end)
