-- Lists the contacts of a TaskIP account, ten to a page, and shows how
-- much of the rate-limit budget is left. `make demo` runs it against the
-- emulator:
--
--   taskip-run --mock examples/list_contacts.lua
--   taskip-run examples/list_contacts.lua          (TASKIP_SECRET_KEY set)
local shown = 0
for contact, err in taskip.contact:each { limit = 10 } do
  if not contact then error(tostring(err)) end
  local name = contact.full_name
    or ((contact.first_name or "") .. " " .. (contact.last_name or ""))
  print(("%4d  %-26s %s"):format(contact.id, name, contact.email or ""))
  shown = shown + 1
end

local rate = taskip:rate_limit()
print(("%d contacts; %d of %d requests left until %s"):format(shown,
  rate.remaining, rate.limit, os.date("!%H:%M:%S UTC", rate.reset)))
