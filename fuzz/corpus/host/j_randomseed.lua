-- name: math.randomseed is per script: another script's seeding does not change this sequence
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
math.randomseed(42)
local e1, e2 = math.random(1e9), math.random(1e9)
math.randomseed(42)
assert(math.random(1e9) == e1)
sleep(0.2)                     -- j_randomseed_other reseeds meanwhile
assert(math.random(1e9) == e2)
print("ok")
