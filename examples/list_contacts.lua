-- Lists the contacts of a TaskIP account, ten to a page, and shows how
-- much of the rate-limit budget is left. `make demo` runs it against the
-- emulator; with TASKIP_SECRET_KEY set it runs against your account.
local taskip = require "taskip"

local client = taskip.new {}       -- key, base URL and CA from the environment
local page, shown = 1, 0
while true do
  local res, err = client:get("/contact", { page = page, limit = 10 })
  if not res then
    io.stderr:write(tostring(err), "\n")
    os.exit(1)
  end
  for _, contact in ipairs(res.data or {}) do
    local name = contact.full_name
      or ((contact.first_name or "") .. " " .. (contact.last_name or ""))
    print(string.format("%4d  %-26s %s", contact.id, name, contact.email or ""))
    shown = shown + 1
  end
  -- Pages carry Laravel-style meta.last_page, or nothing: then a short page ends it.
  local last = res.meta and res.meta.last_page
  if (last and page >= last) or (not last and #(res.data or {}) < 10) then break end
  page = page + 1
end

local rate = client:rate_limit()
print(string.format("%d contacts; %d of %d requests left until %s", shown,
  rate.remaining, rate.limit, os.date("!%H:%M:%S UTC", rate.reset)))
client:close()
