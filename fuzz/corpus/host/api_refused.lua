local r, e = taskip:get("/contact")
print(r, e and e.kind)
for c in taskip.contact:each{limit=2} do print(c) end
