-- Contact de-duplication by e-mail: contacts whose addresses match once
-- trimmed and lower-cased are grouped; the oldest of each group stays and
-- the others are deleted in one bulk call. Look before you leap:
--
--   taskip-run --mock --dry-run examples/dedupe_contacts.lua   (shows the delete)
--   taskip-run --mock examples/dedupe_contacts.lua             (does it)
local groups, order = {}, {}
for contact, err in taskip.contact:each { limit = 100 } do
  if not contact then error(tostring(err)) end
  local key = tostring(contact.email or ""):match("^%s*(.-)%s*$"):lower()
  if key ~= "" then
    if not groups[key] then
      groups[key] = {}
      order[#order + 1] = key
    end
    table.insert(groups[key], contact)
  end
end

local doomed = {}
for _, key in ipairs(order) do
  local group = groups[key]
  table.sort(group, function(a, b) return a.id < b.id end)
  for i = 2, #group do
    doomed[#doomed + 1] = group[i].id
    log.info(("#%d duplicates #%d (%s)"):format(group[i].id, group[1].id, key))
  end
end

if #doomed == 0 then
  print("no duplicates")
  return
end
local done, err = taskip.contact:bulk_delete { contact_ids = doomed }
if not done then error(tostring(err)) end
if done.dry_run then
  print(("%d duplicate contacts would be removed (dry run)"):format(#doomed))
else
  print(("%d duplicate contacts removed: %s"):format(#doomed, taskip.message(done) or "ok"))
end
