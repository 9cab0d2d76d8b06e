-- name: 120 parallel POSTs of one shared 6 MB body stop at the cap: body copies count
-- expect: exit=3 reason=memory limit
-- luacheck: globals taskip json log sleep, no max line length
-- The body is one Lua string (counted once), but every call holds its
-- own copy in C until it is answered: 120 copies are 720 MB. Under
-- spec/integration/host_memory_spec.lua the emulator allows one request
-- per window, so every POST waits for the rate limit holding its copy;
-- the host must refuse the copy that would pass the cap before making
-- it ("a request body of 6.0 MB"). Sized to bite at 16 MB and at 64.
assert(taskip:get("/contact", { limit = 1 }))     -- learns the budget
local body = string.rep("x", 6 * 2 ^ 20)
local posts = {}
for i = 1, 120 do
  posts[i] = function() return taskip:post("/contact", body) end
end
taskip.parallel(posts)
print("all 120 sent")
