-- name: a script that reseeds its PRNG all the time (runs next to j_randomseed)
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
for i = 1, 20 do math.randomseed(i) sleep(0.01) end
print("ok")
