-- Overdue-invoice reminders: every invoice past its due date that still
-- has money owing is sent to its client again. Meant for a daily cron job:
--
--   taskip-run examples/overdue_reminders.lua [YYYY-MM-DD]
--   taskip-run --mock --dry-run examples/overdue_reminders.lua   (try it)
--
-- The date defaults to today (UTC). Sends run four at a time.
local today = arg[1] or os.date("!%Y-%m-%d")

local overdue = {}
for invoice, err in taskip.invoice:each { limit = 100 } do
  if not invoice then error(tostring(err)) end
  local due = tostring(invoice.due_date or ""):sub(1, 10)
  local owing = tonumber(invoice.due_amount) or tonumber(invoice.total) or 0
  local settled = invoice.status == "paid" or invoice.status == "cancelled"
  if not settled and due ~= "" and due < today and owing > 0 then
    overdue[#overdue + 1] = invoice
  end
end

local sent, failed = 0, 0
for first = 1, #overdue, 4 do
  local batch = {}
  for i = first, math.min(first + 3, #overdue) do
    local invoice = overdue[i]
    batch[#batch + 1] = function()
      local ok, err = taskip.invoice:send_to_client(invoice.id)
      if ok then
        log.info(("reminded %s (due %s)"):format(invoice.invoice_no, invoice.due_date))
        return true
      end
      log.warn(("could not remind %s: %s"):format(invoice.invoice_no, tostring(err)))
      return false
    end
  end
  local results = table.pack(taskip.parallel(batch))  -- one result per function
  for i = 1, results.n do
    if results[i] then sent = sent + 1 else failed = failed + 1 end
  end
end

print(("%d overdue invoices as of %s: %d reminded, %d failed"):format(
  #overdue, today, sent, failed))
if failed > 0 then error(("%d reminders failed"):format(failed)) end
