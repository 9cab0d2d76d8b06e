std = "lua54"
max_line_length = 100
files["spec"] = { std = "+busted" }
exclude_files = { "build" }
-- scripts run by taskip-run see the host's globals
files["examples"] = { read_globals = { "taskip", "json", "log", "sleep" } }
