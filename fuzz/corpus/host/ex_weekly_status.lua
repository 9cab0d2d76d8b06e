-- Weekly project status report: for every project, how many tasks each
-- column holds and how many are done, as Markdown on stdout — pipe it
-- into mail or a chat webhook from a weekly cron job:
--
--   taskip-run examples/weekly_status.lua > status.md
--   taskip-run --mock examples/weekly_status.lua
local projects = assert(taskip.project:all { limit = 100 })
print(("# Project status, week of %s"):format(os.date("!%Y-%m-%d")))

-- Fetch every project's board at once: one round trip, not one per project.
local jobs = {}
for i, project in ipairs(projects) do
  jobs[i] = function() return taskip.project.task:all(project.uuid) end
end
local boards = table.pack(taskip.parallel(jobs))   -- one result per function

for i, project in ipairs(projects) do
  local board = boards[i]
  print(("\n## %s (%s)\n"):format(project.title, project.status or "?"))
  if not board then
    print("_board unavailable_")
  else
    local done, total = 0, 0
    print("| column | tasks | done |")
    print("|---|---:|---:|")
    for _, column in ipairs(board) do
      local items = column.items or {}
      local finished = 0
      for _, task in ipairs(items) do
        if task.is_completed == 1 or task.is_completed == true then finished = finished + 1 end
      end
      print(("| %s | %d | %d |"):format(column.title or column.name or "?", #items, finished))
      done, total = done + finished, total + #items
    end
    local pct = total > 0 and math.floor(100 * done / total + 0.5) or 0
    print(("\n%d of %d tasks done (%d%%)"):format(done, total, pct))
  end
end
