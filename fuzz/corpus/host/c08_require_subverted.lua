-- name: overriding ipairs, string.gsub, table.insert, error does not subvert host helpers
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
-- luacheck: ignore 121 122
assert(require == nil)
local real_type = type
ipairs = function() error("hijacked ipairs") end
pairs = function() error("hijacked pairs") end
string.gsub = function() error("hijacked gsub") end
string.format = function() error("hijacked format") end
table.insert = function() error("hijacked insert") end
table.concat = function() error("hijacked concat") end
error = function() while true do end end
tostring = function() return "hijacked" end
type = function() return "nil" end
setmetatable = function() error("hijacked setmetatable") end
local page = taskip:get("/contact", { limit = 2 })
assert(real_type(page) == "table" and real_type(page.data) == "table")
local list = taskip.contact:list { limit = 2 }
assert(real_type(list) == "table")
local _, err = taskip:get("/contact/999999999")
assert(real_type(err) == "table" and rawget(err, "kind") == "not_found")
assert(json.encode({ 1 }) == "[1]")
print("ok")
