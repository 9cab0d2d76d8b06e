-- name: table.move({}, 1, 2^62, 2) loops in C without allocating: stopped for holding the thread
-- expect: exit=3 reason=held the thread
-- luacheck: globals taskip json log sleep, no max line length
table.move({}, 1, 2^62, 2)
print("moved")
