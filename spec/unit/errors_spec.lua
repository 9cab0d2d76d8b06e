-- taskip.errors: error objects and tolerant reading of error bodies.
local errors = require "taskip.errors"

describe("taskip.errors", function()
  it("reads as 'taskip: <kind>: <message> (HTTP <status>)'", function()
    local e = errors.new { kind = "not_found", message = "Contact not found", status = 404 }
    assert.equal("taskip: not_found: Contact not found (HTTP 404)", tostring(e))
    assert.is_true(errors.is(e))
  end)

  it("leaves out the status when no response arrived", function()
    assert.equal("taskip: timeout: too slow",
      tostring(errors.new { kind = "timeout", message = "too slow" }))
  end)

  it("finds the message under message, error, msg, a bare string or a string array", function()
    assert.equal("m", errors.message_of { message = "m", error = "e" })
    assert.equal("e", errors.message_of { error = "e", msg = "x" })
    assert.equal("x", errors.message_of { msg = "x" })
    assert.equal("Status update failed", errors.message_of "Status update failed")
    assert.equal("Project Priority Updated", errors.message_of { "Project Priority Updated" })
    assert.is_nil(errors.message_of { data = {} })
  end)
end)
