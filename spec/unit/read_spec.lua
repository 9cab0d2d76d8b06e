-- taskip.read: payloads, messages, items and pagination of the API's
-- many response shapes (API.md §3.2, §4).
local taskip = require "taskip"

describe("tolerant reading", function()
  it("finds the payload under data, task, reply or document, else the body", function()
    assert.same({ id = 1 }, taskip.payload { data = { id = 1 }, msg = "x" })
    assert.same({ id = 2 }, taskip.payload { task = { id = 2 }, msg = "Task Created" })
    assert.same({ id = 3 }, taskip.payload { reply = { id = 3 }, status = 201 })
    assert.same({ id = 4 }, taskip.payload { document = { id = 4 } })
    assert.same({ id = 5, title = "bare" }, taskip.payload { id = 5, title = "bare" })
  end)

  it("finds the message under message, msg, success_msg, a bare string or array", function()
    assert.equal("All contacts fetched successfully",
      taskip.message { message = "All contacts fetched successfully", data = {} })
    assert.equal("Invoice Created", taskip.message { msg = "Invoice Created", status = 200 })
    assert.equal("Booked", taskip.message { success_msg = "Booked", data = {} })
    assert.equal("Status update failed", taskip.message "Status update failed")
    assert.equal("Project Priority Updated", taskip.message { "Project Priority Updated" })
    assert.is_nil(taskip.message { data = {} })
  end)

  it("finds the items of a list, bare arrays included", function()
    assert.same({ 1, 2 }, taskip.items { data = { 1, 2 }, status = 200 })
    assert.same({ "a" }, taskip.items { "a" })
    assert.same({}, taskip.items { data = {} })
    assert.same({}, taskip.items { data = { id = 1 } })
  end)

  it("tells the three pagination styles apart", function()
    assert.same({ style = "laravel", page = 2, last = 5, total = 90 },
      taskip.pagination { meta = { current_page = 2, last_page = 5, total = 90 } })
    assert.same({ style = "ref", page = 1, last = 2, total = 100 },
      taskip.pagination { meta = { current_page = 1, total_pages = 2, total = 100 } })
    assert.same({ style = "none" }, taskip.pagination { data = {}, status = 200 })
    assert.same({ style = "none" }, taskip.pagination { meta = { search = taskip.null } })
  end)
end)
