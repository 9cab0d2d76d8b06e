-- Row 4, taskip-run: a script making one call (the body decoded).
assert(taskip:get("/contact"))
