-- taskip.paginate: walking a list across pages in the API's three page
-- styles, with a fake fetch instead of a server.
local paginate = require "taskip.paginate"

-- A fetch over `total` items served `size` at a time; meta(page, last)
-- gives the body's meta (nil: none). Records the params of each call.
local function server(total, meta)
  local calls = {}
  local function fetch(p)
    local seen = {}
    for k, v in pairs(p) do seen[k] = v end
    calls[#calls + 1] = seen
    local size = p.limit or p.item
    local last = math.ceil(total / size)
    local data = {}
    for id = (p.page - 1) * size + 1, math.min(p.page * size, total) do
      data[#data + 1] = { id = id }
    end
    return { data = data, meta = meta and meta(p.page, last) }
  end
  return fetch, calls
end

local function ids(items)
  local out = {}
  for i, item in ipairs(items) do out[i] = item.id end
  return out
end

describe("taskip.paginate", function()
  it("follows Laravel's meta.last_page, asking 100 a page by default", function()
    local fetch, calls = server(250, function(page, last)
      return { current_page = page, last_page = last }
    end)
    local all = assert(paginate.all(fetch, { search = "ann" }, "page"))
    assert.equal(250, #all)
    assert.equal(250, all[250].id)
    assert.equal(3, #calls)
    assert.same({ search = "ann", limit = 100, page = 3 }, calls[3])
  end)

  it("follows the api-reference's meta.total_pages", function()
    local fetch, calls = server(5, function(page, last)
      return { current_page = page, total_pages = last }
    end)
    assert.same({ 1, 2, 3, 4, 5 }, ids(paginate.all(fetch, { limit = 2 }, "page")))
    assert.equal(3, #calls)
  end)

  it("without meta, takes a short page as the last", function()
    local fetch, calls = server(4, nil)
    assert.same({ 1, 2, 3, 4 }, ids(paginate.all(fetch, { limit = 3 }, "page")))
    assert.equal(2, #calls)
  end)

  it("sizes the lead list's pages with item, not limit", function()
    local fetch, calls = server(3, nil)
    assert.equal(3, #paginate.all(fetch, { item = 2 }, "item"))
    assert.same({ item = 2, page = 2 }, calls[2])
  end)

  it("takes everything in one request with item = 0, whatever the answer says", function()
    local calls = {}
    local function fetch(p)             -- all rows, no pagination data
      calls[#calls + 1] = p.item
      return { data = { { id = 1 }, { id = 2 }, { id = 3 } } }
    end
    assert.same({ 1, 2, 3 }, ids(paginate.all(fetch, { item = 0 }, "item")))
    assert.same({ 0 }, calls)
  end)

  it("stops when a server ignores page and repeats the first one", function()
    local calls = 0
    local function fetch()
      calls = calls + 1
      return { data = { { id = 1 }, { id = 2 } } }
    end
    assert.same({ 1, 2 }, ids(paginate.all(fetch, { limit = 2 }, "page")))
    assert.equal(2, calls)
  end)

  it("stops at max_pages and reports progress per page", function()
    local fetch = server(1000, function(page, last)
      return { current_page = page, last_page = last }
    end)
    local seen = {}
    local all = paginate.all(fetch, { limit = 10 }, "page", {
      max_pages = 2, progress = function(info) seen[#seen + 1] = info end })
    assert.equal(20, #all)
    assert.same({ page = 2, pages = 100, items = 20 }, seen[2])
  end)

  it("gives false, err once on a failure and then ends; all() gives nil, err", function()
    local err = { kind = "network" }
    local function fetch(p)
      if p.page == 2 then return nil, err end
      return { data = { { id = 1 } }, meta = { current_page = 1, last_page = 3 } }
    end
    local it = paginate.each(fetch, {}, "page")
    assert.same({ id = 1 }, it())
    local item, e = it()
    assert.is_false(item)
    assert.equal(err, e)
    assert.is_nil(it())
    local none, e2 = paginate.all(fetch, {}, "page")
    assert.is_nil(none)
    assert.equal(err, e2)
  end)
end)
