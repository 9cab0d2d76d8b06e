-- luacheck: no max line length
-- File uploads (API.md: ticket attachments are multipart `files[]`;
-- document create is labelled multipart): taskip.file values in a body
-- go as multipart/form-data, checked at the emulator's request log,
-- from the module, from a sandboxed script and from OpenResty.
local env = require "support.env"
local nginx = require "support.nginx"
local taskip = require "taskip"
local cjson = require "cjson"

local q = env.quote

-- The parts of the last request the emulator saw: { "name|filename|size", ... }.
local function last_parts(m)
  local reqs = env.requests(m)
  local last = reqs[#reqs]
  local out = {}
  for _, p in ipairs(last.parts or {}) do
    out[#out + 1] = ("%s|%s|%d"):format(p.name, p.filename or "", p.size)
  end
  return out, last
end

local TWO_FILES = { "description||17", "files[]|a.txt|5", "files[]|b.bin|3" }

describe("uploads from the module", function()
  local m, c, dir

  setup(function()
    m = env.mock()
    c = env.client(m, { max_retries = 0 })
    dir = env.tmpdir()
  end)
  teardown(function()
    c:close()
    m:stop()
    os.execute("rm -rf " .. q(dir))
  end)
  before_each(function() m:reset() end)

  it("sends a ticket attachment upload as two files[] parts and the description", function()
    local up = assert(c.ticket.attachment:create(1, { description = "Two pretend files",
      files = { taskip.file{ name = "a.txt", content = "hello", content_type = "text/plain" },
                taskip.file{ name = "b.bin", content = "\0\1\2" } } }))
    local parts, req = last_parts(m)
    assert.same(TWO_FILES, parts)
    assert.truthy(req.headers["content-type"]:find("^multipart/form%-data; boundary="))
    assert.equal(1, env.count(m, "POST /ticket/{id}/attachments"))
    assert.same({ "a.txt", "text/plain", "b.bin", "application/octet-stream" },
      { up.data.attachments[1].name, up.data.attachments[1].mime_type,
        up.data.attachments[2].name, up.data.attachments[2].mime_type })
  end)

  it("reads a file given by path, named after its last component", function()
    env.write(dir .. "/report.csv", "a,b\n1,2\n")
    assert(c.ticket.attachment:create(1, { files = { taskip.file{ path = dir .. "/report.csv" } } }))
    assert.same({ "files[]|report.csv|8" }, (last_parts(m)))
  end)

  it("sends document create as multipart, with or without a file", function()
    local made = assert(c.document:create { name = "Pretend contract", visibility = 1,
      file = taskip.file{ name = "contract.pdf", content = "%PDF-1.4\n", content_type = "application/pdf" } })
    assert.same({ "file|contract.pdf|9", "name||16", "visibility||1" }, (last_parts(m)))
    local id = taskip.payload(made).id
    assert.equal("Pretend contract", assert(c.document:get(id)).data.name)
    assert(c.document:create { name = "No file", visibility = 0 })
    assert.same({ "name||7", "visibility||1" }, (last_parts(m)))
  end)

  it("sends nested fields and lists as form fields, booleans as 1 and 0", function()
    assert(c:post("/ticket/1/attachments", { files = { taskip.file{ name = "x.txt", content = "x" } },
      meta = { tags = { "a", "b" }, urgent = true, n = 2 } }))
    assert.same({ "files[]|x.txt|1", "meta[n]||1", "meta[tags][]||1", "meta[tags][]||1",
      "meta[urgent]||1" }, (last_parts(m)))
  end)

  it("answers 422 to files[] sent as JSON, so a script that skips taskip.file fails here too", function()
    local v, err = c:post("/ticket/1/attachments", { files = { "a.txt" } })
    assert.is_nil(v)
    assert.same({ "validation", 422 }, { err.kind, err.status })
  end)

  it("names the bad field of a file value, and sends nothing", function()
    local cases = {
      { {}, "'content'" },
      { { name = "a", content = "x", path = "/etc/hostname" }, "'content'" },
      { { content = "x" }, "'name'" },
      { { name = "a", content = 7 }, "'content'" },
      { { name = 'a"b', content = "x" }, "'name'" },
      { { name = "a", content = "x", content_type = "text/plain\r\nX-Evil: 1" }, "'content_type'" },
      { { name = "a", path = dir .. "/missing" }, "'path'" },
    }
    for _, case in ipairs(cases) do
      local ok, err = pcall(taskip.file, case[1])
      assert.is_false(ok)
      assert.truthy(tostring(err):find(case[2], 1, true), tostring(err))
    end
    local ok, err = pcall(c.post, c, "/ticket/1/attachments",
      { ["files[]\"\r\nX-Evil: 1"] = taskip.file{ name = "a", content = "x" } })
    assert.is_false(ok)
    assert.truthy(tostring(err):find("parts[1].name", 1, true), tostring(err))
    assert.equal(0, #env.requests(m))
  end)

  it("never sends an upload twice when the reused connection drops after it was sent", function()
    assert(c:get("/ticket/1"))                -- the upload then goes on this connection
    m:faults{ drop = 1 }
    local v, err = c.ticket.attachment:create(1, { files = { taskip.file{ name = "a.txt", content = "hello" } } })
    assert.is_nil(v)
    assert.equal("network", err.kind)
    assert.equal(1, env.count(m, "POST /ticket/{id}/attachments"))
  end)
end)

describe("uploads from a sandboxed script", function()
  local m, dir

  setup(function()
    m = env.mock()
    dir = env.tmpdir()
  end)
  teardown(function()
    m:stop()
    os.execute("rm -rf " .. q(dir))
  end)

  it("sends two files[] parts and the description, as the module does", function()
    env.write(dir .. "/s.lua", [[
      local up = assert(taskip.ticket.attachment:create(1, { description = "Two pretend files",
        files = { taskip.file{ name = "a.txt", content = "hello", content_type = "text/plain" },
                  taskip.file{ name = "b.bin", content = "\0\1\2" } } }))
      print(#up.data.attachments)
    ]])
    local out, rc = env.sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. env.bin("taskip-run")
      .. " --base-url " .. q(m.url) .. " --cafile " .. q(m.cafile) .. " " .. q(dir .. "/s.lua") .. " 2>&1")
    assert.equal(0, rc, out)
    assert.equal("2", out:match("^%s*(.-)%s*$"))
    assert.same(TWO_FILES, (last_parts(m)))
  end)
end)

describe("uploads from OpenResty (taskip.ngx)", function()
  local m, srv

  setup(function()
    m = env.mock()
    srv = nginx.start {
      trusted = m.cafile,
      env = { TASKIP_SECRET_KEY = env.KEY, TASKIP_BASE_URL = nginx.by_name(m) },
      server = [[location /run/ { content_by_lua_block { require("support.ngx_app").run() } }]],
    }
  end)
  teardown(function()
    if srv then srv:stop() end
    m:stop()
  end)

  it("sends the same parts over cosockets", function()
    local out = srv:run("upload")
    assert(out.ok, cjson.encode(out) .. srv:error_log())
    assert.same({ "a.txt", "b.bin" }, { out.data.attachments[1].name, out.data.attachments[2].name })
    assert.same({ "description||10", "files[]|a.txt|5", "files[]|b.bin|3" }, (last_parts(m)))
  end)
end)
