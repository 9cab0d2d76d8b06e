-- Host functions, values, events, results and keys per script, through
-- the C API (build/plugin-driver, spec/c/plugin_driver.c): the driver
-- registers test.echo (answers at once), test.later (a few steps on),
-- test.never, test.fail(kind, msg), test.big(n), test.deep(n) and
-- test.leak (answers with the host's key).
local env = require "support.env"

local q = env.quote
local DRIVER = env.bin("plugin-driver")

-- done[idx] = {code, kind, values, reason_bytes, reason}; out[idx] =
-- {lines}; calls, events = lists of {idx, name, text}.
local function parse(text)
  local r = { done = {}, out = {}, calls = {}, events = {}, finish = {} }
  for line in text:gmatch("[^\n]+") do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    if f[1] == "out" then f[3] = line:match("^out\t%d+\t(.*)$") end
    local idx = tonumber(f[2])
    if f[1] == "done" then
      r.done[idx] = { code = tonumber(f[3]), kind = f[4], values = f[5],
                      bytes = tonumber(f[6]), reason = f[7] }
    elseif f[1] == "out" then
      r.out[idx] = r.out[idx] or {}
      table.insert(r.out[idx], f[3])
    elseif f[1] == "call" then
      table.insert(r.calls, { idx = idx, name = f[3], text = f[4] })
    elseif f[1] == "event" then
      table.insert(r.events, { idx = idx, name = f[3], text = f[4] })
    elseif f[1] == "finish" then
      table.insert(r.finish, idx)
    end
  end
  return r
end

describe("host functions (plugin-driver)", function()
  local dir, m

  setup(function()
    dir = env.tmpdir()
    m = env.mock()
  end)
  teardown(function()
    m:stop()
    env.sh("rm -rf " .. q(dir))
  end)

  -- Runs scripts (sources) in one host; returns the parsed output.
  local function drive(scripts, opts)
    local files = {}
    for i, src in ipairs(scripts) do
      files[i] = dir .. "/s" .. i .. ".lua"
      env.write(files[i], src)
    end
    local out, code = env.sh(string.format(
      "%s --base-url %s --cafile %s --key %s --lua-dir lua %s %s",
      q(DRIVER), q(m.url), q(m.cafile), q(env.KEY), (opts or ""),
      table.concat((function()
        local t = {}
        for i, f in ipairs(files) do t[i] = q(f) end
        return t
      end)(), " ")))
    assert.equal(0, code, out)
    assert.is_false(env.contains(out, env.KEY), "the key leaked")
    return parse(out), out
  end

  it("values round-trip with integers intact", function()
    local r, out = drive { [[
      local big = (1 << 53) + 1
      local v = test.echo(1, 2.0, -0.5, "a\0b\255", true, false, nil,
        { list = { 1, 2, 3 }, map = { x = math.maxinteger, y = math.mininteger } },
        big, json.null)
      assert(math.type(v[1]) == "integer" and v[1] == 1)
      assert(math.type(v[2]) == "float" and v[2] == 2.0)
      assert(v[3] == -0.5 and v[4] == "a\0b\255" and v[5] == true and v[6] == false)
      assert(v[7] == json.null and v[10] == json.null)
      assert(v[8].list[3] == 3 and v[8].map.x == math.maxinteger)
      assert(v[8].map.y == math.mininteger)
      assert(math.type(v[9]) == "integer" and v[9] == big)
      print("ok")
      return 7, 7.0, "s", { n = 9007199254740993 }
    ]] }
    assert.same({ "ok" }, r.out[1], out)
    assert.equal(0, r.done[1].code, out)
    assert.equal('[7,7.0,"s",{"n":9007199254740993}]', r.done[1].values)
    assert.matches('^%[1,2.0,%-0.5,"a\\u0000b\\u00ff",true,false,null,', r.calls[1].text)
    assert.matches("9007199254740993,null]$", r.calls[1].text)
  end)

  it("oversized, cyclic, deep and non-data values are refused, naming the place", function()
    local r, out = drive { [[
      local function try(...) local ok, e = pcall(test.echo, ...) assert(not ok) print(e) end
      local t = { a = { b = {} } } t.a.b.c = t
      try(1, t)
      try({ f = print })
      try({ 1, 2, coroutine.create(print) })
      try(setmetatable({}, { __index = {} }))
      try(taskip)
      try(string.rep("x", 2 * 1024 * 1024))
      local deep = {} for _ = 1, 40 do deep = { deep } end
      try(deep)
      try({ 1, 2, [4] = 4 })
      try({ [true] = 1 })
      local v, err = test.big(3 * 1024 * 1024)
      print(v, err.kind)
      v, err = test.deep(40)
      print(v, err.kind)
      print("alive")
    ]] }
    local lines = r.out[1]
    assert.is_not_nil(lines, out)
    assert.matches("test.echo: argument 2.a.b.c: cyclic table", lines[1], 1, true)
    assert.matches("test.echo: argument 1.f: a function cannot cross to the host",
      lines[2], 1, true)
    assert.matches("argument 1[3]: a thread cannot cross", lines[3], 1, true)
    assert.matches("argument 1: a table with a metatable cannot cross", lines[4], 1, true)
    assert.matches("argument 1: a table with a metatable cannot cross", lines[5], 1, true)
    assert.matches("argument 1: value too large", lines[6], 1, true)
    assert.matches("nested too deeply", lines[7], 1, true)
    assert.matches("keys are neither 1..n nor strings", lines[8], 1, true)
    assert.matches("keys are neither 1..n nor strings", lines[9], 1, true)
    assert.equal("nil\ttoo_large", lines[10])
    assert.equal("nil\ttoo_large", lines[11])
    assert.equal("alive", lines[12])
    assert.equal(0, r.done[1].code, out)
  end)

  it("errors from the embedder reach the script as nil, err with a kind", function()
    local r, out = drive { [[
      local v, err = test.fail("not_found", "no customer 12")
      print(v, err.kind, err.message, tostring(err))
    ]] }
    assert.same({ "nil\tnot_found\tno customer 12\ttaskip: not_found: no customer 12" },
      r.out[1], out)
  end)

  it("a host function cannot reach the key or another script's data", function()
    local r, out = drive({ [[
      print(test.leak())
      print(pcall(test.echo, taskip))
      print(pcall(test.echo, taskip.client or taskip.rate_limit))
      local mine = test.later({ secret = "data of script 1" })
      print(mine[1].secret)
    ]], [[
      local mine = test.later({ secret = "data of script 2" })
      print(mine[1].secret)
    ]] })
    assert.equal("[REDACTED]", r.out[1][1]:sub(1, 10), out)
    assert.matches("cannot cross", r.out[1][2], 1, true)
    assert.matches("cannot cross", r.out[1][3], 1, true)
    assert.equal("data of script 1", r.out[1][4])
    assert.same({ "data of script 2" }, r.out[2])
    for _, c in ipairs(r.calls) do
      assert.is_false(env.contains(c.text, env.KEY))
      if c.idx == 2 then assert.not_matches("script 1", c.text, 1, true) end
    end
  end)

  it("a script waiting on a function does not block others, and its time "
    .. "limit stops it when nobody answers", function()
    local r, out = drive({ [[
      test.never()
      print("unreachable")
    ]], [[
      for i = 1, 3 do assert(test.later(i)) end
      print("other script done")
    ]] }, "--timeout 1")
    assert.same({ "other script done" }, r.out[2], out)
    assert.is_nil(r.out[1])
    assert.equal(3, r.done[1].code)
    assert.equal("time", r.done[1].kind)
    assert.matches("time limit", r.done[1].reason, 1, true)
    assert.equal(0, r.done[2].code)
  end)

  it("results, events, error kinds and whole reasons reach the embedder", function()
    local r, out = drive { [[
      emit("progress", { page = { 1, 3 } })
      emit("done", 1.5)
      return { ok = true, n = 3 }
    ]], [[
      error(string.rep("long reason ", 100))
    ]], [[
      local c, err = taskip.contact:get(1)
      if not c then return nil, err end
      return "read"
    ]], [[
      local x = = 1
    ]] }
    assert.same({ idx = 1, name = "progress", text = '{"page":[1,3]}' }, r.events[1])
    assert.same({ idx = 1, name = "done", text = "1.5" }, r.events[2])
    local values = r.done[1].values:gsub('{"n":3,"ok":true}', '{"ok":true,"n":3}')
    assert.equal('[{"ok":true,"n":3}]', values)
    assert.equal(1, r.done[2].code)
    assert.equal("error", r.done[2].kind)
    assert.is_true(r.done[2].bytes > 1200, out)
    assert.equal(r.done[2].bytes, #r.done[2].reason)
    assert.equal(0, r.done[3].code, out)          -- the right key: success
    assert.equal("load", r.done[4].kind)
    table.sort(r.finish)
    assert.same({ 1, 2, 3, 4 }, r.finish)
  end)

  it("a finish callback may release its script and spawn others: each is "
    .. "reported once, in the same step, and none is left", function()
    -- The last script's callback spawns a script that cannot load (done
    -- at once), whose callback spawns another: with nothing running
    -- any more, the driver steps no more, so both are reported by the
    -- step that ran the first callback or never.
    local r, out = drive({ [[sleep(0.05) return test.later(1)[1] ]] },
      "--release-on-finish 2")
    assert.equal("[1]", r.done[1] and r.done[1].values, out)
    assert.equal("load", r.done[2] and r.done[2].kind, out)
    assert.equal("load", r.done[3] and r.done[3].kind, out)
    assert.is_nil(r.done[4], out)
    assert.same({ 1, 2, 3 }, r.finish, out)
    assert.is_nil(out:find("unknown\t") or out:find("left\t"), out)
  end)

  it("each script calls with its own key; a wrong one gets auth, and "
    .. "neither key is printed", function()
    local r, out = drive({ [[
      local c, err = taskip.contact:get(1)
      if not c then return nil, err end
      print("read with the script's own key")
    ]], [[
      local c, err = taskip.contact:get(1)
      if not c then return nil, err end
      print("unexpected")
    ]], [[
      print(test.leak())
      error("my key is wrong-key-not-a-secret-b")
    ]] }, "--key-for 1=" .. q(env.KEY) .. " --key-for 2=wrong-key-not-a-secret-a"
      .. " --key-for 3=wrong-key-not-a-secret-b")
    assert.same({ "read with the script's own key" }, r.out[1], out)
    assert.equal(0, r.done[1].code, out)
    assert.equal("auth", r.done[2].kind, out)
    assert.is_false(env.contains(out, "wrong-key-not-a-secret-a"))
    assert.is_false(env.contains(out, "wrong-key-not-a-secret-b"))
    assert.matches("[REDACTED]", r.done[3].reason, 1, true)
  end)
end)
