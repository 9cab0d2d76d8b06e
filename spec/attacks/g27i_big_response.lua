-- name: a response bigger than the memory left fails with too_large; the script goes on
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
-- The script holds 12 MB, then reads a list. Under spec/integration/
-- host_memory_spec.lua (--max-memory 16) the emulator answers with a
-- 12 MB body, below max_response_bytes: the host must stop taking it
-- once it would pass the cap and fail the call cleanly instead of
-- allocating it. Against a normal emulator the list is small and
-- simply arrives.
local hold = {}
for i = 1, 12 do hold[i] = string.rep(string.char(64 + i), 2 ^ 20) end
local list, err = taskip:get("/contact", { limit = 1 })
if not list then
  assert(err.kind == "too_large", tostring(err))
  print("refused: " .. err.kind .. ": " .. err.message)
end
assert(#hold == 12)
print("ok")
