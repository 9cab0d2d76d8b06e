-- The man pages taskip-run(1) and taskip-mock(1), installed under
-- PREFIX/share/man/man1 (man -M PREFIX/share/man works, the pages render
-- without groff warnings and name every option --help lists), and
-- make doc, which writes the LDoc HTML reference of the Lua API.
local env = require "support.env"

local q = env.quote

local function options(help)
  local set = {}
  for opt in help:gmatch("%-%-[%a][%w%-]*") do set[opt] = true end
  return set
end

describe("man pages and reference", function()
  local dir

  setup(function()
    dir = env.tmpdir()
    local out, code = env.sh("make -s -j1 install PREFIX=" .. q(dir))
    assert.equal(0, code, out)
  end)
  teardown(function()
    env.sh("rm -rf " .. q(dir))
  end)

  for _, tool in ipairs { "taskip-run", "taskip-mock" } do
    it(tool .. "(1) is installed, renders, and names every option of --help", function()
      local page = dir .. "/share/man/man1/" .. tool .. ".1"
      local src = env.read(page)
      assert.is_truthy(src, page)
      assert.matches('"taskip ' .. require("taskip").version:gsub("%p", "%%%0") .. '"', src)
      local out, code = env.sh("groff -man -Tutf8 -ww -z " .. q(page))
      assert.equal(0, code, out)
      assert.equal("", out)
      out, code = env.sh("MANWIDTH=80 MANPAGER=cat PAGER=cat man -M "
        .. q(dir .. "/share/man") .. " " .. tool)
      assert.equal(0, code, out)
      assert.matches("NAME%s+" .. tool:gsub("%-", "%%-") .. "%s+%- ", out)
      local help = env.sh(q(dir .. "/bin/" .. tool) .. " --help")
      local text = out:gsub("\226\128\144\n%s*", ""):gsub("[\226][\128][\144\145]", "-")
      for opt in pairs(options(help)) do
        assert.is_truthy(text:find(opt, 1, true), tool .. "(1) lacks " .. opt)
      end
    end)
  end

  it("make doc writes the HTML reference with LDoc", function()
    local out, code = env.sh("make -s doc DOC_DIR=" .. q(dir .. "/doc"))
    assert.equal(0, code, out)
    local index = env.read(dir .. "/doc/index.html")
    assert.is_truthy(index)
    assert.matches("taskip%.errors", index)
    local main = env.read(dir .. "/doc/modules/taskip.html")
    assert.matches("Creates a client", main)
    assert.matches("rate_limit", main)
  end)
end)
