-- Row 4, taskip-run: a script that makes no call (start-up cost only).
local _ = taskip
