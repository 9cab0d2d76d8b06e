-- One rule for method and body (README "Method and body"), checked at
-- the emulator's request log: for every method (in upper and lower
-- case) with and without a body, the Lua module and the host
-- (taskip-run: plain, --dry-run, and --dry-run --allow 'GET:/contact*')
-- either send exactly the method asked for, in upper case, or refuse
-- the call (GET and HEAD with a body, before --allow and --dry-run look
-- at it) and send nothing. Under --dry-run no write reaches the server.
local env = require "support.env"
local q = env.quote

local RUN = env.bin("taskip-run")

-- The cases, as a chunk that runs in this process (the module) and as
-- a sandboxed script (the host): run(client, tag, out) calls out once
-- per case with "i | method as asked | body or none | outcome". Each
-- request carries the query mb=<tag>-<i>, so the log tells them apart.
local CASES = [[
return function(client, tag, out)
  local i = 0
  for _, m in ipairs { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" } do
    for _, asked in ipairs { m, m:lower() } do
      for _, with in ipairs { false, true } do
        i = i + 1
        local path = "/contact"
        if m == "PUT" or m == "PATCH" or m == "DELETE" then path = "/contact/1" end
        local opts = { query = { mb = tag .. "-" .. i } }
        if with then
          opts.body = { first_name = "mb", last_name = tag .. "-" .. i,
            email = tag .. "-" .. i .. "@example.test" }
        end
        local ok, v, err = pcall(client.request, client, asked, path, opts)
        local outcome
        if not ok then outcome = "raised " .. tostring(v)
        elseif v == nil then outcome = "failed " .. tostring(err.kind)
        elseif v.dry_run then outcome = "dry_run " .. tostring(v.method)
        else outcome = "answered" end
        out(i .. " | " .. asked .. " | " .. (with and "body" or "none") .. " | " .. outcome)
      end
    end
  end
end
]]

local WRITES = { POST = true, PUT = true, PATCH = true, DELETE = true }

-- What must happen to method m (upper case), with a body or not, under
-- the given taskip-run options.
local function expected(opts, m, with)
  if with and (m == "GET" or m == "HEAD") then return "refused" end
  if opts.allow_get and m ~= "GET" then return "denied" end
  if opts.dry_run and WRITES[m] then return "dry_run" end
  return "sent"
end

-- The log entries whose query is mb=<tag>-<i>, by i.
local function logged(m, tag)
  local by = {}
  for _, r in ipairs(env.requests(m)) do
    local i = tostring(r.query or ""):match("^mb=" .. tag:gsub("%p", "%%%0") .. "%-(%d+)$")
    if i then
      i = tonumber(i)
      by[i] = by[i] or {}
      table.insert(by[i], r)
    end
  end
  return by
end

-- Checks every reported case against the log; returns how many cases.
local function check_cases(m, tag, lines, opts)
  local by, n = logged(m, tag), 0
  for line in lines:gmatch("[^\n]+") do
    local i, asked, body, outcome = line:match("^(%d+) | (%a+) | (%a+) | (.*)$")
    if i then
      n = n + 1
      i = tonumber(i)
      local meth, with = asked:upper(), body == "body"
      local want = expected(opts, meth, with)
      local seen = by[i] or {}
      local where = tag .. " case " .. line
      if want == "sent" then
        assert.are.equal(1, #seen, where)
        assert.are.equal(meth, seen[1].method, where)
        assert.are.equal(with, seen[1].body_bytes > 0, where)
        assert.falsy(outcome:find("^raised"), where)
      else
        assert.are.equal(0, #seen, where .. ": reached the server as "
          .. tostring(seen[1] and seen[1].method))
        if want == "refused" then
          assert.truthy(outcome:find("taskip: body: a " .. meth
            .. " request takes no body; pass the fields as query", 1, true), where)
        elseif want == "dry_run" then
          assert.are.equal("dry_run " .. meth, outcome, where)
        else
          assert.are.equal("failed denied", outcome, where)
        end
      end
    end
  end
  for _, list in pairs(by) do
    for _, r in ipairs(list) do
      if opts.dry_run then
        assert.falsy(WRITES[r.method], tag .. ": a " .. r.method .. " reached the server")
      end
    end
  end
  return n
end

describe("method and body", function()
  local m, dir

  setup(function()
    m = env.mock()
    dir = env.tmpdir()
  end)

  teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
    if m then m:stop() end
  end)

  local function taskip_run(opts, script_text, tag)
    local path = dir .. "/" .. tag .. ".lua"
    env.write(path, script_text)
    return env.sh("TASKIP_SECRET_KEY=" .. q(env.KEY) .. " " .. RUN .. " --base-url "
      .. q(m.url) .. " --cafile " .. q(m.cafile) .. " " .. opts .. " " .. q(path)
      .. " " .. q(tag))
  end

  local function host_script()
    return "local run = (function()\n" .. CASES .. "\nend)()\nrun(taskip, arg[1], print)\n"
  end

  describe("the Lua module", function()
    it("sends every method as asked, body or not; refuses GET and HEAD with one", function()
      local c = env.client(m, { max_retries = 0 })
      local lines = {}
      assert(load(CASES))()(c, "mod", function(l) lines[#lines + 1] = l end)
      c:close()
      assert.are.equal(24, check_cases(m, "mod", table.concat(lines, "\n"), {}))
    end)

    it("refuses an unknown method or odd bytes, naming method, and sends nothing", function()
      local c = env.client(m, { max_retries = 0 })
      local before = m:stats().total_requests
      for _, bad in ipairs { "BREW", "G ET", "GET\0POST", "", "GET\r\n", "OPTIONS", "DELETEXX" } do
        local ok, err = pcall(c.request, c, bad, "/contact")
        assert.is_false(ok, bad)
        assert.truthy(tostring(err):find("taskip: method: ", 1, true), tostring(err))
      end
      c:close()
      assert.are.equal(before, m:stats().total_requests)
    end)
  end)

  describe("the host (taskip-run)", function()
    local configs = {
      { name = "plain", flags = "", opts = {} },
      { name = "dry", flags = "--dry-run", opts = { dry_run = true } },
      { name = "dryallow", flags = "--dry-run --allow 'GET:/contact*'",
        opts = { dry_run = true, allow_get = true } },
    }
    for _, cfg in ipairs(configs) do
      it("sends the method checked, or nothing [" .. (cfg.flags ~= "" and cfg.flags
        or "no options") .. "]", function()
        local out, code = taskip_run(cfg.flags, host_script(), cfg.name)
        assert.are.equal(0, code, out)
        assert.are.equal(24, check_cases(m, cfg.name, out, cfg.opts), out)
        if cfg.name == "dry" then
          -- the dry-run log names the method in upper case, as checked
          assert.truthy(out:find("dry-run: POST /contact", 1, true), out)
          assert.falsy(out:find("dry-run: post", 1, true), out)
        end
      end)
    end

    it("refuses an unknown method or odd bytes, naming method, and sends nothing", function()
      local before = m:stats().total_requests
      local out, code = taskip_run("--dry-run --allow 'GET:/contact*'", [[
        for _, bad in ipairs { "BREW", "G ET", "GET\0POST", "", "GET\r\n", "OPTIONS" } do
          local ok, err = pcall(taskip.request, taskip, bad, "/contact", { body = { a = 1 } })
          assert(not ok and tostring(err):find("taskip: method: ", 1, true), tostring(err))
        end
        print("ok")
      ]], "badmethods")
      assert.are.equal(0, code, out)
      assert.truthy(out:find("ok", 1, true), out)
      assert.are.equal(before, m:stats().total_requests)
    end)
  end)
end)
