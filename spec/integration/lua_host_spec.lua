-- require "taskip.host": the script host for Lua 5.4 applications
-- (src/lhost.c). Scripts run sandboxed with the same limits and key
-- guarantees; the application's functions are its own Lua functions,
-- called outside the sandbox with plain data.
local env = require "support.env"
local host = require "taskip.host"

describe("taskip.host (Lua)", function()
  local m

  setup(function() m = env.mock() end)
  teardown(function() m:stop() end)
  before_each(function() m:reset() end)

  local function new(opts)
    local o = { key = env.KEY, base_url = m.url, cafile = m.cafile, lua_dir = "lua",
                minute_limit = 100000 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(host.new(o))
  end

  it("runs the examples", function()
    local lines, logs = {}, {}
    local h = new {
      output = function(_, line) lines[#lines + 1] = line end,
      log = function(_, level, line) logs[#logs + 1] = level .. " " .. line end,
    }
    local ids = {
      assert(h:spawn { path = "examples/list_contacts.lua" }),
      assert(h:spawn { path = "examples/overdue_reminders.lua", args = { "2026-01-01" } }),
    }
    assert.is_true(h:run())
    for _, id in ipairs(ids) do
      local r = h:result(id)
      assert.equal(0, r.exit_code, r.reason)
    end
    local text = table.concat(lines, "\n")
    assert.matches("contacts; %d+ of %d+ requests left", text)
    assert.matches("5 overdue invoices as of 2026%-01%-01: 5 reminded, 0 failed", text)
    assert.matches("info %[info%] script 2: reminded INV%-2024%-001", table.concat(logs, "\n"))
    assert.is_false(env.contains(text, env.KEY))
    h:close()
  end)

  it("calls the application's functions: at once, later, and failing", function()
    local pending, events, lines = {}, {}, {}
    local h = new {
      functions = {
        ["app.lookup"] = function(ctx, id)
          return { id = id, name = "customer " .. id, script = ctx.script }
        end,
        ["app.later"] = function(ctx, v)
          pending[#pending + 1] = { ctx.call, v }
          return host.PENDING
        end,
        ["app.missing"] = function() return nil, "no such customer" end,
        ["app.boom"] = function() error("boom", 0) end,
      },
      on_event = function(id, name, value) events[#events + 1] = { id, name, value } end,
      output = function(_, line) lines[#lines + 1] = line end,
    }
    local id = h:spawn { code = [[
      local c = app.lookup(12)
      print(c.name, math.type(c.id))
      local v = app.later({ x = 1, big = (1 << 53) + 1 })
      print("later", v.x, v.big == (1 << 53) + 1)
      local r, err = app.missing()
      print(r, err.kind, err.message)
      r, err = app.boom()
      print(r, err.kind, err.message)
      emit("step", { n = 3 })
      return "done", 42, 1.5
    ]] }
    while h:step(10) > 0 do
      for _, p in ipairs(pending) do assert.is_true(h:complete(p[1], p[2])) end
      pending = {}
    end
    local r = h:result(id)
    assert.equal(0, r.exit_code, r.reason)
    assert.same({ "done", 42, 1.5 }, r.values)
    assert.equal("integer", math.type(r.values[2]))
    assert.same({
      "customer 12\tinteger", "later\t1\ttrue", "nil\terror\tno such customer",
      "nil\terror\tboom",
    }, lines)
    assert.same({ { id, "step", { n = 3 } } }, events)
    h:close()
  end)

  it("gives each script its own key and keeps limits: auth for a wrong key, "
    .. "time for a script nobody answers", function()
    local h = new {
      functions = { ["app.never"] = function() return host.PENDING end },
    }
    local good = h:spawn { code = [[
      local r, err = taskip.contact:get(1)
      if not r then return nil, err end
      return "read"
    ]] }
    local bad = h:spawn { code = [[
      local r, err = taskip.contact:get(1)
      if not r then return nil, err end
    ]], key = "wrong-key-not-a-secret" }
    local stuck = h:spawn { code = "app.never()", limits = { timeout = 0.5 } }
    h:run()
    assert.equal(0, h:result(good).exit_code, h:result(good).reason)
    assert.equal("auth", h:result(bad).kind)
    assert.equal("time", h:result(stuck).kind)
    assert.is_false(env.contains(h:result(bad), "wrong-key-not-a-secret"))
    h:close()
    assert.equal("taskip.host (closed)", tostring(h))
  end)

  it("gives a script its own functions: only that script sees them, "
    .. "and its own override the host's", function()
    local calls = {}
    local h = new {
      functions = { ["app.who"] = function() return "host" end },
    }
    local function spawn(code, fns)
      return assert(h:spawn { code = code, functions = fns })
    end
    local mine = spawn([[return app.who(), app.secret(7)]], {
      ["app.who"] = function(ctx) calls[#calls + 1] = ctx.script; return "mine" end,
      ["app.secret"] = function(_, n) return n * 6 end,
    })
    local other = spawn([[return app.who(), type(app.secret)]])
    assert.is_true(h:run())
    assert.same({ "mine", 42 }, h:result(mine).values)
    assert.same({ "host", "nil" }, h:result(other).values)
    assert.same({ mine }, calls)
    -- released with its script; a new script gets none of them
    h:release(mine)
    local after = spawn([[return app.who(), type(app.secret)]])
    assert.is_true(h:run())
    assert.same({ "host", "nil" }, h:result(after).values)
    assert.has.errors(function() h:spawn { code = "", functions = { ["a.b"] = 1 } } end,
      "taskip.host: spawn: functions maps names to functions")
    assert.same({ nil, 'spawn: opts.functions[0].name: "print" would shadow '
      .. "the sandbox's own print" }, { h:spawn { code = "", functions = { print = print } } })
    h:close()
  end)

  it("finds every script by its id through releases in any order, and gives new "
    .. "scripts larger ids", function()
    local h = new {}
    local ids, value_of = {}, {}
    for i = 1, 300 do
      local id = assert(h:spawn { code = "return " .. i })
      ids[#ids + 1], value_of[id] = id, i
    end
    assert.is_true(h:run())
    -- release every third script, from the middle outwards
    local released = {}
    for k = 0, 149 do
      for _, i in ipairs { 150 - k, 151 + k } do
        if i % 3 == 0 then
          h:release(ids[i])
          released[ids[i]] = true
        end
      end
    end
    local last = ids[#ids]
    for i = 1, 50 do
      local id = assert(h:spawn { code = "return " .. (1000 + i) })
      assert.is_true(id > last)
      last, ids[#ids + 1], value_of[id] = id, id, 1000 + i
    end
    assert.is_true(h:run())
    for _, id in ipairs(ids) do
      if released[id] then
        assert.is_nil(h:result(id))
      else
        assert.same({ value_of[id] }, h:result(id).values)
      end
    end
    h:close()
  end)

  it("compiles a script once: the same text runs again with its line numbers, "
    .. "another text under the same name is its own", function()
    local h = new {}
    local failing = "local n = ...\n\nerror('boom ' .. n)\n"
    local function spawn(code, ...)
      return assert(h:spawn { code = code, name = "job", args = { ... } })
    end
    local first, again = spawn(failing, "1"), spawn(failing, "2")
    local other = spawn("return 'other', ...", "3")
    local broken, twice = spawn("return ("), spawn("return (")
    local last = spawn(failing, "4")
    assert.is_true(h:run())
    assert.matches("job:3: boom 1", h:result(first).reason)
    assert.matches("job:3: boom 2", h:result(again).reason)
    assert.same({ "other", "3" }, h:result(other).values)
    assert.matches("job:3: boom 4", h:result(last).reason)
    for _, id in ipairs { broken, twice } do      -- never kept: both fail to load
      assert.equal("load", h:result(id).kind)
      assert.equal("job:1: unexpected symbol near <eof>", h:result(id).reason)
    end
    h:close()
  end)

  it("never lets two keys share a connection: each key's calls reuse its own", function()
    local h = new {}
    local script = [[
      for _ = 1, 3 do taskip:get("/contact", { limit = 1 }) end
    ]]
    -- one after the other: the first key's connection is idle, ready to
    -- be reused, when the second key's script makes its calls
    local mine = assert(h:spawn { code = script })
    assert.is_true(h:run())
    local other = assert(h:spawn { code = script, key = "other-key-not-a-secret-2b" })
    assert.is_true(h:run())
    for _, id in ipairs { mine, other } do
      assert.equal(0, h:result(id).exit_code, h:result(id).reason)
    end
    local conns = { [true] = {}, [false] = {} }
    local n = 0
    for _, r in ipairs(env.requests(m)) do
      conns[r.key_valid][r.connection_id] = true
      n = n + 1
    end
    assert.equal(6, n)
    local function ids(t)
      local out = {}
      for id in pairs(t) do out[#out + 1] = id end
      return out
    end
    -- each key's three calls went over one connection of its own
    assert.equal(1, #ids(conns[true]))
    assert.equal(1, #ids(conns[false]))
    assert.are_not.equal(ids(conns[true])[1], ids(conns[false])[1])
    h:close()
  end)

  it("names the parameter on misuse", function()
    assert.has.errors(function() host.new {} end, "taskip.host: options.key is required")
    assert.has.errors(function() host.new { key = 1 } end,
      "taskip.host: options.key must be a string")
    assert.has.errors(function() new { functions = { print = function() end } } end,
      'taskip.host: functions["print"]: name: "print" would shadow the sandbox\'s own print')
    assert.has.errors(function() new { functions = { ["a.b.c"] = function() end } } end,
      'taskip.host: functions["a.b.c"]: name: "a.b.c" is not NAME or NAME.NAME '
        .. "(letters, digits, _)")
    local h = new()
    assert.has.errors(function() h:spawn { code = "", args = { {} } } end,
      "taskip.host: spawn: args[1] is not a string")
    assert.same({ nil, "spawn: opts.code or opts.path is required" }, { h:spawn {} })
    h:close()
  end)
end)
