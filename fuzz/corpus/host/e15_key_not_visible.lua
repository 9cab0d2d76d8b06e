-- name: the key is in no client field, tostring, header or error object (octokit#1246)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
-- arg[1]: the key to look for (the test knows it; the host must not show it)
local needle = arg[1]
local seen, found = {}, {}
local function look(v, path, depth)
  local t = type(v)
  if t == "string" then
    if v:find(needle, 1, true) then found[#found + 1] = path end
    return
  end
  if t == "function" or t == "userdata" or t == "thread" then
    if tostring(v):find(needle, 1, true) then found[#found + 1] = path end
    return
  end
  if t ~= "table" or seen[v] or depth > 12 then return end
  seen[v] = true
  if v == arg then return end
  local ok, s = pcall(tostring, v)
  if ok and s:find(needle, 1, true) then found[#found + 1] = path .. "(tostring)" end
  local mt = getmetatable(v)
  if mt ~= nil then look(mt, path .. "<mt>", depth + 1) end
  for k, x in pairs(v) do
    look(k, path .. "[key]", depth + 1)
    look(x, path .. "." .. tostring(k), depth + 1)
  end
end
local page, meta = taskip:get("/contact", { limit = 5 })
local _, err = taskip:get("/contact/999999999")
local _, err2 = taskip:post("/contact", {})
look(_G, "_G", 0)
look({ page, meta, err, err2, taskip.key, taskip.headers, tostring(err), tostring(taskip) }, "r", 0)
look(taskip.contact, "resource", 0)
assert(#found == 0, "key found at " .. table.concat(found, ", "))
print("ok")
