-- Specs for the emulator itself (taskip-mock and taskip.mock), driven
-- with the curl command line so they do not depend on the taskip
-- client. Run from the repository root after `make`:
--   LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' \
--     lua5.4 /usr/bin/busted spec/integration/emulator_spec.lua

local cjson = require "cjson"
local mock = require "taskip.mock"

local KEY = "test-key-not-a-secret"
local BIN = os.getenv("TASKIP_MOCK_BIN") or require("support.env").bin("taskip-mock")

-- {==================================================================
-- Helpers
-- ===================================================================

local support = require "support.env"
local q, sh = support.quote, support.sh

local read_file = support.read

local function now_ms()
  return tonumber((sh("date +%s%3N")))
end

-- Parse the last header block of a curl -D file.
local function parse_headers(text)
  local blocks = {}
  for block in (text .. "\r\n\r\n"):gmatch("(HTTP/.-)\r\n\r\n") do
    blocks[#blocks + 1] = block
  end
  local last = blocks[#blocks] or ""
  local h = {}
  local status = tonumber(last:match("^HTTP/[%d.]+ (%d+)"))
  for name, value in last:gmatch("\n([^:\r\n]+):%s*([^\r\n]*)") do
    h[name:lower()] = value
  end
  return status, h
end

-- One request with curl. opts: key (false = none), method, body,
-- args (extra curl arguments), cafile. Returns {status, headers, body,
-- exit, stderr}.
local function request(m, path, opts)
  opts = opts or {}
  local hfile, bfile = os.tmpname(), os.tmpname()
  local url = path:match("^https://") and path or m.url .. path
  local cmd = {"curl -sS --cacert", q(opts.cafile or m.cafile),
               "-D", q(hfile), "-o", q(bfile)}
  local key = opts.key
  if key == nil then
    key = KEY
  end
  if key then
    cmd[#cmd + 1] = "-H " .. q("X-Secret-Key: " .. key)
  end
  if opts.method then
    cmd[#cmd + 1] = "-X " .. opts.method
  end
  if opts.body then
    cmd[#cmd + 1] = "-H 'Content-Type: application/json' --data-binary "
      .. q(opts.body)
  end
  cmd[#cmd + 1] = opts.args or ""
  cmd[#cmd + 1] = q(url)
  local err, code = sh(table.concat(cmd, " "))
  local status, headers = parse_headers(read_file(hfile) or "")
  local res = {status = status, headers = headers,
               body = read_file(bfile), exit = code, stderr = err}
  os.remove(hfile)
  os.remove(bfile)
  return res
end

local function decode(body)
  return cjson.decode(body)
end

local function start(opts)
  opts = opts or {}
  opts.secret_key = opts.secret_key or KEY
  return assert(mock.start(opts))
end

local stop_cli

-- Start the CLI with args; returns {pid, url, cafile, out, err, rc}.
local function start_cli(args, env)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. q(dir)))
  local p = {out = dir .. "/out", err = dir .. "/err", rc = dir .. "/rc",
             pidfile = dir .. "/pid", dir = dir}
  os.execute(string.format(
    "sh -c %s >/dev/null 2>&1 &",
    q(string.format("%s %s %s >%s 2>%s & echo $! >%s; wait $!; "
      .. "echo $? >%s", env or "", BIN, args or "", q(p.out), q(p.err),
      q(p.pidfile), q(p.rc)))))
  support.wait_for(function()
    local out = read_file(p.out) or ""
    return out:find("TASKIP_CAFILE=[^\n]*\n") or read_file(p.rc)
  end, 30)
  p.stdout = read_file(p.out) or ""
  p.url = p.stdout:match("TASKIP_BASE_URL=([^\n]*)")
  p.cafile = p.stdout:match("TASKIP_CAFILE=([^\n]*)")
  p.pid = tonumber(read_file(p.pidfile) or "")
  finally(function() stop_cli(p) end) -- even when the test fails
  return p
end

-- Send sig to the CLI and wait for its exit code.
function stop_cli(p, sig)
  if p.exit_code then
    return p.exit_code
  end
  if p.pid then
    os.execute("kill -" .. (sig or "TERM") .. " " .. p.pid
      .. " 2>/dev/null")
  end
  local rc = support.wait_for(function()
    local rc = read_file(p.rc)
    return rc and rc:find("%d") and rc
  end, 30)
  if not rc then error("taskip-mock did not exit") end
  os.execute("rm -rf " .. q(p.dir))
  p.exit_code = tonumber(rc)
  return p.exit_code
end

-- }==================================================================

describe("taskip-mock CLI", function()
  it("prints exactly two sourceable lines, serves, and exits 0 on "
     .. "SIGTERM removing its temporary CA", function()
    local p = start_cli("--secret-key " .. KEY)
    assert.matches("^TASKIP_BASE_URL=https://127%.0%.0%.1:%d+"
      .. "/api/public%-v1\nTASKIP_CAFILE=/[^\n]+%.pem\n$", p.stdout)
    assert.truthy(read_file(p.cafile):find("BEGIN CERTIFICATE", 1, true))
    local r = request(p, "/contact")
    assert.equal(200, r.status)
    assert.equal(27, decode(r.body).meta.total)
    local cafile = p.cafile
    assert.equal(0, stop_cli(p))
    assert.is_nil(io.open(cafile))
  end)

  it("uses TASKIP_MOCK_SECRET_KEY, then the demo key", function()
    local p = start_cli("", "TASKIP_MOCK_SECRET_KEY=env-key-not-a-secret")
    assert.equal(200, request(p, "/contact",
      {key = "env-key-not-a-secret"}).status)
    assert.equal(401, request(p, "/contact").status)
    stop_cli(p)
    p = start_cli("", "TASKIP_MOCK_SECRET_KEY=")
    assert.equal(200, request(p, "/contact",
      {key = "demo-key-not-a-secret"}).status)
    assert.equal(0, stop_cli(p, "INT"))
  end)

  it("rejects bad options with usage on stderr and exit 2", function()
    for _, args in ipairs({"--bogus", "--port x", "--limit 0",
                           "--reset-format weekly", "--fail -1",
                           "--cert-mode odd", "stray"}) do
      local out, code = sh("{ " .. BIN .. " " .. args
        .. " 2>&1 >/dev/null; }")
      assert.equal(2, code, args)
      assert.matches("usage: taskip%-mock", out)
    end
    local out, code = sh(BIN .. " --help")
    assert.equal(0, code)
    assert.matches("%-%-latency%-ms", out)
  end)

  it("applies fault flags and keeps a --ca-out file after exit",
     function()
    local ca = os.tmpname()
    local p = start_cli(table.concat({"--secret-key", KEY, "--fail 1",
      "--fail-status 502", "--malformed 1", "--ca-out", q(ca),
      "--limit 7", "--reset-format delta"}, " "))
    assert.equal(ca, p.cafile)
    local r = request(p, "/contact")
    assert.equal(502, r.status)
    assert.equal("7", r.headers["x-ratelimit-limit"])
    assert.truthy(tonumber(r.headers["x-ratelimit-reset"]) <= 3600)
    r = request(p, "/contact")
    assert.equal(200, r.status)
    assert.is_false(pcall(cjson.decode, r.body))
    assert.equal(200, request(p, "/contact").status)
    assert.equal(0, stop_cli(p))
    assert.truthy(read_file(ca):find("BEGIN CERTIFICATE", 1, true))
    os.remove(ca)
  end)

  it("--drop and --redirect apply before the key check", function()
    local p = start_cli("--drop 1 --redirect https://elsewhere.invalid")
    local r = request(p, "/contact?page=2", {key = false})
    assert.equal(52, r.exit) -- curl: empty reply from server
    r = request(p, "/contact?page=2", {key = false})
    assert.equal(302, r.status)
    assert.equal("https://elsewhere.invalid/api/public-v1/contact?page=2",
      r.headers.location)
    stop_cli(p)
  end)
end)

describe("taskip.mock emulator", function()
  local m

  before_each(function()
    m = start()
  end)

  after_each(function()
    m:stop()
    collectgarbage()
  end)

  describe("auth", function()
    it("answers 401 with the documented body for a missing or wrong "
       .. "key, before counting", function()
      local want = '{"error":"Unauthorized","message":'
        .. '"Invalid or missing X-Secret-Key header","status_code":401}'
      for _, key in ipairs({false, "wrong-key", "", KEY .. "x",
                            KEY:sub(1, -2)}) do
        local r = request(m, "/contact", {key = key})
        assert.equal(401, r.status)
        assert.equal(want, r.body)
        assert.equal("1000", r.headers["x-ratelimit-remaining"])
      end
      assert.equal("999",
        request(m, "/contact").headers["x-ratelimit-remaining"])
    end)

    it("never records the key value, only whether it was present and "
       .. "valid", function()
      request(m, "/contact")
      request(m, "/contact", {key = "wrong-key-not-a-secret"})
      request(m, "/contact", {key = false})
      local raw = m.handle:control('{"cmd":"stats"}')
      assert.is_nil(raw:find(KEY, 1, true))
      assert.is_nil(raw:find("wrong-key", 1, true))
      local reqs = m:stats().requests
      assert.same({true, true}, {reqs[1].key_present, reqs[1].key_valid})
      assert.same({true, false}, {reqs[2].key_present, reqs[2].key_valid})
      assert.same({false, false},
        {reqs[3].key_present, reqs[3].key_valid})
    end)
  end)

  describe("rate limit", function()
    it("sends X-RateLimit-* and Date on every kind of response",
       function()
      local before = os.time()
      local cases = {
        {"/contact", {}, 200}, {"/contact/999", {}, 404},
        {"/contact", {key = false}, 401},
        {"/contact", {body = "{}"}, 422},
        {"/nowhere", {}, 404},
      }
      for i, c in ipairs(cases) do
        local r = request(m, c[1], c[2])
        assert.equal(c[3], r.status, c[1])
        assert.equal("1000", r.headers["x-ratelimit-limit"], i)
        assert.truthy(tonumber(r.headers["x-ratelimit-remaining"]), i)
        local reset = tonumber(r.headers["x-ratelimit-reset"])
        assert.truthy(reset >= before + 3600 and reset <= os.time() + 3600)
        assert.truthy(r.headers.date, i)
      end
    end)

    it("reports the reset as seconds from now with reset_format delta",
       function()
      local d = start{reset_format = "delta", window = 60}
      local r = request(d, "/contact")
      local reset = tonumber(r.headers["x-ratelimit-reset"])
      assert.truthy(reset > 0 and reset <= 60)
      d:stop()
    end)

    it("answers 429 Too Many Attempts with Retry-After past the budget",
       function()
      local s = start{limit = 3, window = 120}
      for i = 1, 3 do
        local r = request(s, "/contact")
        assert.equal(200, r.status)
        assert.equal(tostring(3 - i), r.headers["x-ratelimit-remaining"])
      end
      local r = request(s, "/contact")
      assert.equal(429, r.status)
      assert.same({message = "Too Many Attempts."}, decode(r.body))
      assert.equal("0", r.headers["x-ratelimit-remaining"])
      local after = tonumber(r.headers["retry-after"])
      assert.truthy(after >= 1 and after <= 120)
      s:faults{retry_after = false}
      r = request(s, "/contact")
      assert.equal(429, r.status)
      assert.is_nil(r.headers["retry-after"])
      s:reset()
      assert.equal(200, request(s, "/contact").status)
      s:stop()
    end)

    it("status429 forces 429 regardless of the budget", function()
      m:faults{status429 = 2}
      assert.equal(429, request(m, "/contact").status)
      assert.equal(429, request(m, "/contact").status)
      assert.equal(200, request(m, "/contact").status)
    end)
  end)

  describe("contacts", function()
    it("paginates Laravel-style with absolute links and meta",
       function()
      local r = request(m, "/contact?limit=10")
      assert.equal(200, r.status)
      local b = decode(r.body)
      assert.equal("All contacts fetched successfully", b.message)
      assert.equal(10, #b.data)
      local path = m.url .. "/contact"
      assert.same({first = path .. "?page=1", last = path .. "?page=3",
                    prev = cjson.null, next = path .. "?page=2"}, b.links)
      assert.same({current_page = 1, from = 1, last_page = 3, path = path,
                   per_page = 10, to = 10, total = 27,
                   search = cjson.null}, b.meta)
      b = decode(request(m, "/contact?limit=10&page=3").body)
      assert.equal(7, #b.data)
      assert.equal(cjson.null, b.links.next)
      assert.equal(path .. "?page=2", b.links.prev)
      assert.same({21, 27}, {b.meta.from, b.meta.to})
      b = decode(request(m, "/contact?page=9").body)
      assert.same({}, b.data)
      assert.truthy(request(m, "/contact?page=9").body:find('"data":[]',
        1, true))
      assert.equal(50, decode(request(m, "/contact").body).meta.per_page)
      assert.equal(100,
        decode(request(m, "/contact?limit=500").body).meta.per_page)
    end)

    it("searches name and email, decoding the query", function()
      -- Ada and Bert were seeded twice (the de-duplication example)
      local b = decode(request(m, "/contact?search=ada%20test").body)
      assert.equal(2, b.meta.total)
      assert.equal("Ada Testington", b.data[1].full_name)
      b = decode(request(m, "/contact?search=MOCK").body)
      assert.equal(2, b.meta.total) -- Mockford, Mockett
      b = decode(request(m, "/contact?search=bert.fakeley%40example").body)
      assert.equal(2, b.meta.total)
    end)

    it("creates, reads, updates and deletes a contact", function()
      local r = request(m, "/contact", {body = cjson.encode{
        first_name = "Zed", last_name = "Nobodyson",
        email = "zed@example.com"}})
      assert.equal(201, r.status)
      assert.truthy(r.body:find('"id":28[,}]'))
      local b = decode(r.body)
      assert.same({true, "Contact created successfully", 28},
        {b.success, b.message, b.data.id})
      b = decode(request(m, "/contact/28").body)
      assert.same({true, "Zed Nobodyson"}, {b.success, b.data.full_name})
      r = request(m, "/contact/28", {method = "PUT",
        body = '{"position":"Tester","last_name":"Else"}'})
      assert.same({200, {msg = "Contact Updated"}},
        {r.status, decode(r.body)})
      b = decode(request(m, "/contact/28").body)
      assert.same({"Tester", "Zed Else"},
        {b.data.position, b.data.full_name})
      r = request(m, "/contact/28", {method = "DELETE"})
      assert.same({200, {msg = "Contact Deleted"}},
        {r.status, decode(r.body)})
      r = request(m, "/contact/28")
      assert.equal(404, r.status)
      assert.equal(false, decode(r.body).success)
    end)

    it("answers 422 with the documented validation body", function()
      local r = request(m, "/contact", {body = '{"first_name":"Al"}'})
      assert.equal(422, r.status)
      assert.same({success = false, error = "Validation Error",
        message = "The given data was invalid",
        errors = {email = {"The email field is required."}},
        status_code = 422}, decode(r.body))
    end)

    it("answers 409 for a duplicate email and 400 for broken JSON",
       function()
      local r = request(m, "/contact", {body = cjson.encode{
        first_name = "Ada", email = "ADA.testington@example.com"}})
      assert.equal(409, r.status)
      assert.equal(409, decode(r.body).status_code)
      r = request(m, "/contact", {body = '{"first_name": '})
      assert.equal(400, r.status)
      assert.equal(false, decode(r.body).success)
    end)

    it("routes the literal bulk-delete before /contact/{id}", function()
      local r = request(m, "/contact/bulk-delete",
        {body = '{"contact_ids":[1,2,"3"]}'})
      assert.same({200, {msg = "Contacts Deleted"}},
        {r.status, decode(r.body)})
      assert.equal(24, decode(request(m, "/contact").body).meta.total)
      assert.equal(422, request(m, "/contact/bulk-delete",
        {body = "{}"}).status)
      local s = m:stats()
      assert.equal(2, s.counts["POST /contact/bulk-delete"])
    end)

    it("answers 404 outside the base path and 405 for a wrong method",
       function()
      local r = request(m, "/../../other", {args = "--path-as-is"})
      assert.equal(404, r.status)
      r = request(m, (m.url:gsub("/api/public%-v1$", "/api/v2/contact")))
      assert.equal(404, r.status)
      r = request(m, "/contact", {method = "PATCH"})
      assert.equal(405, r.status)
      assert.equal("GET, POST", r.headers.allow)
    end)

    it("answers 413 for a body over the upload cap", function()
      local big = os.tmpname()
      local f = io.open(big, "wb")
      f:write('{"first_name":"', string.rep("a", 9 * 1024 * 1024), '"}')
      f:close()
      local r = request(m, "/contact", {args = "-H 'Content-Type: "
        .. "application/json' --data-binary @" .. q(big)})
      os.remove(big)
      assert.equal(413, r.status)
    end)
  end)

  describe("faults", function()
    it("fail answers fail_status N times, with optional Retry-After, "
       .. "only after auth", function()
      m:faults{fail = 2, fail_status = 500, fail_retry_after = 7}
      assert.equal(401, request(m, "/contact", {key = false}).status)
      local r = request(m, "/contact")
      assert.same({500, "7"}, {r.status, r.headers["retry-after"]})
      assert.equal(500, request(m, "/contact").status)
      assert.equal(200, request(m, "/contact").status)
    end)

    it("drop closes the connection with no response", function()
      m:faults{drop = 1}
      assert.equal(52, request(m, "/contact").exit)
      assert.equal(200, request(m, "/contact").status)
      local reqs = m:stats().requests
      assert.same({0, "drop"}, {reqs[1].status, reqs[1].action})
    end)

    it("drop_mid_body sends headers and half the body, then aborts",
       function()
      m:faults{drop_mid_body = 1}
      local r = request(m, "/contact")
      assert.equal(18, r.exit) -- curl: transfer closed early
      assert.equal(200, r.status)
      local len = tonumber(r.headers["content-length"])
      assert.truthy(#r.body > 0 and #r.body < len)
    end)

    it("malformed answers 200 with truncated JSON", function()
      m:faults{malformed = 1}
      local r = request(m, "/contact")
      assert.same({200, '{"data": [1, 2'}, {r.status, r.body})
      assert.equal(200, request(m, "/contact").status)
    end)

    it("slow_ms delays every API response", function()
      m:faults{slow_ms = 300}
      local t0 = now_ms()
      request(m, "/contact", {key = false})
      request(m, "/contact")
      assert.truthy(now_ms() - t0 >= 600)
    end)

    it("redirect answers 302 to URL plus path and query", function()
      m:faults{redirect = "https://127.0.0.1:1"}
      local r = request(m, "/contact?page=2&limit=5")
      assert.equal(302, r.status)
      assert.equal("https://127.0.0.1:1/api/public-v1/contact?page=2"
        .. "&limit=5", r.headers.location)
      m:faults{redirect = false}
      assert.equal(200, request(m, "/contact").status)
    end)

    it("huge_bytes streams one valid JSON body of about 50 MB",
       function()
      local n = 50 * 1000 * 1000
      m:faults{huge_bytes = n}
      local r = request(m, "/contact")
      assert.equal(200, r.status)
      assert.truthy(math.abs(#r.body - n) < 2000)
      assert.equal(tostring(#r.body), r.headers["content-length"])
      local b = decode(r.body)
      assert.truthy(#b.data > 40000)
      assert.truthy(#request(m, "/contact").body < 100000)
    end)

    it("deep answers N nested arrays once", function()
      m:faults{deep = 5000}
      local r = request(m, "/contact")
      assert.equal(string.rep("[", 5000) .. string.rep("]", 5000), r.body)
      assert.equal(200, request(m, "/contact").status)
      assert.equal("{", request(m, "/contact").body:sub(1, 1))
    end)

    it("content_type sets the next response's Content-Type", function()
      m:faults{content_type = "text/html; charset=UTF-8"}
      assert.equal("text/html; charset=UTF-8",
        request(m, "/contact").headers["content-type"])
      assert.equal("application/json",
        request(m, "/contact").headers["content-type"])
    end)

    it("html answers 200 with an HTML page N times, before routing",
       function()
      m:faults{html = 1}
      local r = request(m, "/contact", {method = "POST",
        body = '{"first_name":"Html","email":"html@example.com"}'})
      assert.equal(200, r.status)
      assert.equal("text/html; charset=UTF-8", r.headers["content-type"])
      assert.truthy(r.body:find("^<!DOCTYPE html>"))
      r = request(m, "/contact?search=html%40example.com")
      assert.same({}, decode(r.body).data)
    end)

    it("stall handles the next N requests but keeps them silent for "
       .. "stall_ms, then closes", function()
      m:faults{stall = 1, stall_ms = 1500}
      local r = request(m, "/contact", {args = "--max-time 0.5"})
      -- curl: its own timeout, nothing came (an answer: 0; the connection
      -- closed: 52)
      assert.equal(28, r.exit)
      m:faults{stall = 1, stall_ms = 300}
      r = request(m, "/contact", {method = "POST",
        body = '{"first_name":"Stall","email":"stall@example.com"}'})
      assert.equal(52, r.exit) -- closed after stall_ms, no response
      local reqs = m:stats().requests
      assert.same({"stall", "stall"}, {reqs[1].action, reqs[2].action})
      -- the write behind the silence took effect
      r = request(m, "/contact?search=stall%40example.com")
      assert.equal(1, #decode(r.body).data)
    end)

    it("rejects unknown faults and bad values", function()
      assert.has.errors(function() m:faults{bogus = 1} end,
        "taskip.mock: unknown fault: bogus")
      assert.has.errors(function() m:faults{fail = -1} end)
      assert.has.errors(function() m:faults{fail_status = 99} end)
      assert.has.errors(function() m:faults{retry_after = 1} end)
      assert.equal(0, m:stats().faults.fail)
    end)

    it("starts with faults from the start options", function()
      local f = start{faults = {fail = 1, fail_status = 504}}
      assert.equal(504, request(f, "/contact").status)
      f:stop()
    end)
  end)

  describe("control", function()
    it("works over HTTP without a key and is not recorded", function()
      local origin = m.url:gsub("/api/public%-v1$", "")
      local r = request(m, origin .. "/__mock/faults",
        {key = false, body = '{"fail":1}'})
      assert.equal(200, r.status)
      assert.equal(1, decode(r.body).faults.fail)
      assert.equal(400, request(m, origin .. "/__mock/faults",
        {key = false, body = '{"nope":1}'}).status)
      assert.equal(503, request(m, "/contact").status)
      r = request(m, origin .. "/__mock/stats", {key = false})
      local s = decode(r.body)
      assert.equal(1, #s.requests)
      assert.same({"GET", "/api/public-v1/contact", "", 503, 0},
        {s.requests[1].method, s.requests[1].path, s.requests[1].query,
         s.requests[1].status, s.requests[1].body_bytes})
      assert.equal(1, s.counts["GET /contact"])
      r = request(m, origin .. "/__mock/reset", {key = false,
        method = "POST"})
      assert.equal(200, r.status)
      assert.same({}, m:stats().requests)
    end)

    it("reset reseeds data and clears faults, stats and budget",
       function()
      request(m, "/contact/1", {method = "DELETE"})
      m:faults{fail = 5}
      m:reset()
      local s = m:stats()
      assert.same({0, 0, 0}, {s.connections, #s.requests, s.faults.fail})
      local r = request(m, "/contact/1")
      assert.equal(200, r.status)
      assert.equal("999", r.headers["x-ratelimit-remaining"])
    end)

    it("counts 20 calls over one keep-alive connection as 1", function()
      local urls = {}
      for i = 1, 20 do
        urls[i] = "-o /dev/null " .. q(m.url .. "/contact/" .. i)
      end
      local out = sh("curl -sS --cacert " .. q(m.cafile)
        .. " -H " .. q("X-Secret-Key: " .. KEY) .. " -w '%{http_code}\\n' "
        .. table.concat(urls, " "))
      assert.equal(string.rep("200\n", 20), out)
      local s = m:stats()
      assert.same({1, 20, 20}, {s.connections, #s.requests,
                                s.counts["GET /contact/{id}"]})
      request(m, "/contact")
      assert.equal(2, m:stats().connections)
    end)
  end)

  it("serves concurrent connections in parallel despite latency",
     function()
    -- one at a time, four answers cannot come in less than 4 latencies
    -- however fast the machine; in parallel they take one latency plus
    -- the start of four curl processes and their handshakes, which may
    -- take a while on a busy machine: 3 latencies leave 2 s for that
    local latency = 1000
    local slow = start{latency_ms = latency}
    local one = "curl -sS -o /dev/null --cacert " .. q(slow.cafile)
      .. " -H " .. q("X-Secret-Key: " .. KEY) .. " " .. q(slow.url
      .. "/contact")
    local t0 = now_ms()
    sh(string.format("%s & %s & %s & %s & wait", one, one, one, one))
    local elapsed = now_ms() - t0
    assert.truthy(elapsed >= latency, elapsed)
    assert.truthy(elapsed < 3 * latency, elapsed) -- serialised: 4000+
    assert.equal(4, slow:stats().connections)
    slow:stop()
  end)

  it("stops promptly while a response is being delayed", function()
    local slow = start{latency_ms = 20000}
    os.execute("curl -sS -o /dev/null --cacert " .. q(slow.cafile)
      .. " " .. q(slow.url .. "/contact") .. " >/dev/null 2>&1 &")
    -- until the request is in (counted, its answer being delayed)
    support.wait_for(function() return slow:stats().total_requests > 0 end, 30, 0.05)
    assert.equal(1, slow:stats().total_requests)
    local t0 = now_ms()
    slow:stop()
    -- waiting for the delayed answer would take 20 s
    assert.truthy(now_ms() - t0 < 5000)
  end)

  describe("lifecycle", function()
    it("stop is idempotent, removes the temp CA, and later calls raise",
       function()
      local s = start()
      local ca = s.cafile
      assert.truthy(io.open(ca))
      assert.is_true(s:stop())
      assert.is_true(s:stop())
      assert.is_nil(io.open(ca))
      assert.has.errors(function() s:stats() end)
      assert.has.errors(function() s.handle:url() end)
    end)

    it("stops on garbage collection and on <close>", function()
      local s = start()
      local ca = s.cafile
      s = nil -- luacheck: ignore
      collectgarbage()
      collectgarbage()
      assert.is_nil(io.open(ca))
      local f = assert(load([[
        local mock, key = ...
        local m <close> = assert(mock.start{secret_key = key})
        return m.cafile
      ]]))
      assert.is_nil(io.open(f(mock, KEY)))
    end)

    it("raises naming the option on a wrong argument type", function()
      assert.has.errors(function() mock.start("x") end,
        "bad argument #1 to 'start' (table expected, got string)")
      assert.has.errors(function() mock.start{secret_key = 1} end,
        "bad option 'secret_key' to 'start' (string expected, got number)")
      assert.has.errors(function()
        mock.start{secret_key = KEY, limit = "many"}
      end, "bad option 'limit' to 'start' (number expected, got string)")
      local emulator = require "taskip.emulator"
      assert.has.errors(function()
        emulator.start{secret_key = KEY, window = "1h"}
      end, "bad option 'window' to 'start' (number expected, got string)")
      assert.has.errors(function()
        emulator.start{secret_key = KEY, cert_mode = "odd"}
      end)
      assert.has.errors(function() emulator.start{} end)
    end)

    it("serves localhost too, and each cert_mode fails verification "
       .. "as named", function()
      local r = request(m, (m.url:gsub("127%.0%.0%.1", "localhost"))
        .. "/contact")
      assert.equal(200, r.status)
      for _, mode in ipairs({"wrong_host", "expired", "untrusted"}) do
        local s = start{cert_mode = mode}
        r = request(s, "/contact")
        assert.equal(60, r.exit, mode)
        r = request(s, "/contact", {args = "-k"})
        assert.equal(200, r.status, mode)
        s:stop()
      end
    end)
  end)
end)
