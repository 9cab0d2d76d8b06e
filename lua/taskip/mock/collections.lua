-- The emulator's record collections, named like the endpoint table's
-- resources (taskip.endpoints). Each has:
--   parent  the collection its records live under; children are found
--           only through their parent (a task of project A is not a
--           task of project B). No parent: a top-level collection.
--   uuid    prefix of the uuids its records get, for the collections
--           the docs show with uuids (API.md section 6); records of
--           these are found by id or uuid alike.
--   label   for "<label> not found" messages.
-- Contacts are not here: taskip.mock.contacts keeps them.

return {
  company = {label = "Company"},
  team_member = {label = "Team member", uuid = "tm"},
  invoice = {label = "Invoice"},
  quotation = {label = "Quotation", uuid = "quo"},

  ticket = {label = "Ticket", uuid = "tkt"},
  ["ticket.reply"] = {label = "Reply", parent = "ticket"},
  ["ticket.note"] = {label = "Note", parent = "ticket"},
  ["ticket.attachment"] = {label = "Attachment", parent = "ticket"},

  document = {label = "Document", uuid = "doc"},
  ["document.folder"] = {label = "Folder", uuid = "fld"},

  project = {label = "Project", uuid = "proj"},
  ["project.activity"] = {label = "Activity", parent = "project"},
  ["project.container"] = {label = "Container", parent = "project"},
  ["project.task"] = {label = "Task", parent = "project"},
  ["project.task.document"] = {label = "Document",
                               parent = "project.task"},
  ["project.task.comment"] = {label = "Comment", parent = "project.task"},
  ["project.task.file"] = {label = "File", parent = "project.task"},
  ["project.discussion"] = {label = "Discussion", parent = "project"},
  ["project.attribute"] = {label = "Attribute"},

  pipeline = {label = "Sales pipeline", uuid = "pipe"},
  ["pipeline.stage"] = {label = "Stage", parent = "pipeline"},
  ["pipeline.deal"] = {label = "Deal", parent = "pipeline"},
  ["pipeline.deal.task"] = {label = "Task", parent = "pipeline.deal"},
  ["pipeline.deal.file"] = {label = "File", parent = "pipeline.deal"},
  ["pipeline.deal.meeting"] = {label = "Meeting",
                               parent = "pipeline.deal"},
  ["pipeline.deal.note"] = {label = "Note", parent = "pipeline.deal"},
  ["pipeline.deal.activity"] = {label = "Activity",
                                parent = "pipeline.deal"},
  ["pipeline.attribute"] = {label = "Attribute"},

  meeting = {label = "Meeting", uuid = "meet"},
  ["meeting.booking"] = {label = "Booking", parent = "meeting",
                         uuid = "book"},

  ["inbox.conversation"] = {label = "Conversation", uuid = "conv"},
  ["inbox.reply"] = {label = "Reply", parent = "inbox.conversation",
                     uuid = "rep"},
  ["inbox.tag"] = {label = "Tag"},

  lead = {label = "Lead"},
  ["lead.note"] = {label = "Note", parent = "lead"},
  ["lead.file"] = {label = "File", parent = "lead"},
  ["lead.attribute"] = {label = "Lead attribute"},
}
