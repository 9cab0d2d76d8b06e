-- name: print and log escape control characters (no fake log lines, no ANSI escapes)
-- print may end lines with \n (reports); log lines may not
-- expect: exit=0 out=ok
-- luacheck: globals taskip json log sleep, no max line length
print("line\n[INFO] fake\r\27[31mred\27[0m\194\155x")
log.error("\n[error] script 1: forged")
print("ok")
