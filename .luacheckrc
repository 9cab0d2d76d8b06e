std = "lua54"
max_line_length = 100
files["spec"] = { std = "+busted" }
exclude_files = { "build" }
-- scripts run by taskip-run see the host's globals
files["examples"] = { read_globals = { "taskip", "json", "log", "sleep" } }
-- The module's files run on Lua 5.1, LuaJIT, 5.3 and 5.4: only what all
-- of them have ("min"); the few fallbacks are marked where they are. The
-- emulator and its specs are 5.4 only.
files["lua/taskip"] = { std = "min" }
files["lua/taskip/mock"] = { std = "lua54" }
files["lua/taskip/mock.lua"] = { std = "lua54" }
files["spec/unit"] = { std = "min+busted" }
files["scripts/api_doc.lua"] = { std = "min" }
