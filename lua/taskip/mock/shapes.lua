-- What the emulator answers for each endpoint, keyed "resource:name"
-- like the endpoint table (taskip.endpoints), so an alias row gets its
-- primary's answer. The vocabulary is described in
-- taskip.mock.handlers; bodies are templates (taskip.mock.template).
--
-- Bodies follow API.md section 3.2, message strings copied exactly,
-- messages copied across modules included ("Team member list" on the
-- invoice list, "Company Created" on company GET). Where 3.2 gives no
-- body or no message the comment says "ours": the module's closest
-- documented pattern with a message of our own. The HTTP status equals
-- a numeric `status` in the body; otherwise 200, except where the docs
-- state another (company bulk delete 202, invoice status update 201).
-- Contacts are answered by taskip.mock.contacts, not from here. The
-- records inside the bodies ("@record", "@rows") are the objects of
-- taskip.mock.objects; `view` names a variant where an endpoint
-- documents another object than its collection's.

local json = require "taskip.mock.json"

local A = json.array

local LIST = {data = "@rows", links = "@links", meta = "@meta"}

local function laravel(message)
  return {message = message, data = "@rows", links = "@links",
          meta = "@meta"}
end

local function msg(text, extra)
  local t = {msg = text}
  for k, v in pairs(extra or {}) do
    t[k] = v
  end
  return t
end

-- {success:true, message, data} of the /ticket/{id}/... sections.
local function ok(message, data)
  return {success = true, message = message, data = data or "@record"}
end

local function public_url(kind)
  return function(e)
    return "https://app.taskip.example/" .. kind .. "/"
      .. tostring(e.record.uuid or e.record.slug or e.record.id)
  end
end

local S = {}

-- {==================================================================
-- Company, team member
-- ===================================================================

S["company:list"] = {op = "list", page = "laravel",
  search = {"name", "email", "website"},
  filters = {status = "status", industry = "c_type"},
  body = laravel("Company list")}
S["company:create"] = {op = "create", unique = "email",
  body = msg("Company Created", {data = "@record"})}
S["company:get"] = {op = "get",
  body = msg("Company Created", {data = "@record"})}
S["company:update"] = {op = "update", unique = "email",
  body = msg("Company update success")}
-- COM says 204 but shows this body; the body wins (a 204 has none).
S["company:delete"] = {op = "delete", body = msg("Company Deleted")}
S["company:bulk_delete"] = {op = "bulk", ids = {"ids"}, delete_all = true,
  status = 202, body = msg("companies deleted.")}

S["team_member:list"] = {op = "list", page = "laravel",
  search = {"full_name", "email", "role"},
  filters = {role = "role", department = "team_id"},
  body = laravel("Team member list")}
S["team_member:create"] = {op = "create", unique = "email",
  body = msg("Team Member Invited Successfully", {data = "@record"})}
S["team_member:get"] = {op = "get",
  body = {message = "Team Member Details", data = "@record"}}
S["team_member:update"] = {op = "update", unique = "email",
  body = msg("Team member updated successfully")}
S["team_member:delete"] = {op = "delete",
  body = {status = true, message = "Team Member deleted successfully"}}
S["team_member:bulk_delete"] = {op = "bulk", ids = {"ids"},
  delete_all = true, body = {message = "Team Member deleted successfully"}}

-- }==================================================================

-- {==================================================================
-- Invoice, quotation
-- ===================================================================

S["invoice:list"] = {op = "list", page = "laravel",
  search = {"invoice_no", "subject"},
  filters = {status = "status", client_id = "contact_id"},
  body = laravel("Team member list")}
S["invoice:create"] = {op = "create",
  body = msg("Invoice Created", {status = 200,
    invoice_no = "@record.invoice_no"})}
S["invoice:get"] = {op = "get", body = {data = "@record"}}
S["invoice:update"] = {op = "update", unwrap = "invoice",
  deny = {field = "status", values = {paid = true},
          message = "Paid invoices cannot be updated."},
  body = msg("Invoice update success")}
S["invoice:delete"] = {op = "delete",
  deny = {field = "status", values = {paid = true, partially_paid = true},
          message = "Paid or partially paid invoices cannot be deleted."},
  body = msg("Invoice Deleted Successfully", {status = 200})}
S["invoice:bulk_actions"] = {op = "bulk", ids = {"ids", "invoice_ids"},
  actions = {mark_paid = {status = "paid", due_amount = 0},
             mark_sent = {status = "sent"}, send = {status = "sent"}},
  body = msg("Bulk action completed successfully")}
S["invoice:update_status"] = {op = "action", effect = "invoice_status",
  status = 201,
  body = {message = "Status updated successfully",
          partial_paid_amount = "@record.partial_paid_amount",
          due_amount = "@record.due_amount",
          activities = "@record.activities"}}
S["invoice:publish"] = {op = "action", set = {publish = "@body.published"},
  body = msg("Invoice publish successfully", {slug = "@record.slug"})}
S["invoice:set_payment_gateway"] = {op = "action",
  set = {"payment_gateway"},
  body = msg("Payment gateway updated successfully")}
S["invoice:set_recurring"] = {op = "action",
  set = {recurring_payment = function(e)
    return {is_payment_reccuring = e.body.is_recurring and true or false,
      payment_recurring_type = e.body.frequency or json.null,
      recurring_until = e.body.end_date or json.null}
  end},
  body = msg("Recurring payment details updated.")}
S["invoice:download"] = {op = "pdf", filename = "@record.invoice_no",
  lines = {"Invoice", "@record.invoice_no", "@record.subject",
    function(e)
      return "Total: " .. tostring(e.record.total) .. " "
        .. tostring(e.record.currency)
    end}}
S["invoice:send_to_client"] = {op = "action",
  body = msg("Invoice Sent Successfully")}

S["quotation:list"] = {op = "list", page = "laravel", meta_search = true,
  view = "quotation_item",
  search = {"quotation_no", "subject"},
  filters = {status = "status", client_id = "contact_id"},
  body = LIST}
S["quotation:create"] = {op = "create",
  body = msg("Quotation created successfully")}
S["quotation:get"] = {op = "get", body = "@record"}
S["quotation:update"] = {op = "update",
  body = msg("Quotation updated successfully")}
S["quotation:delete"] = {op = "delete",
  body = msg("Quotation deleted successfully")}
-- convert-to-invoice, send-to-client, status-update, bulk-actions: QUO
-- shows {msg:"..."} without the texts; the messages are ours.
S["quotation:convert_to_invoice"] = {op = "action",
  effect = "convert_quotation",
  body = msg("Quotation converted to invoice successfully",
    {invoice_id = "@invoice.id"})}
S["quotation:send_to_client"] = {op = "action", set = {status = "sent"},
  body = msg("Quotation sent to client successfully")}
S["quotation:update_status"] = {op = "action", set = {"status"},
  body = msg("Quotation status updated successfully")}
S["quotation:publish"] = {op = "action",
  set = {is_published = "@body.publish", published_at = "@now",
         public_url = public_url("quotation")},
  body = ok("Quotation published successfully", {id = "@record.id",
    quotation_number = "@record.quotation_no",
    is_published = "@stored.is_published",
    published_at = "@stored.published_at",
    public_url = "@stored.public_url"})}
S["quotation:download"] = {op = "pdf", filename = "@record.quotation_no",
  lines = {"Quotation", "@record.quotation_no", "@record.subject"}}
S["quotation:send"] = {op = "action", set = {status = "sent"},
  body = ok("Quotation sent successfully", {quotation_id = "@record.id",
    sent_to = function(e)
      return e.body.recipient_email or "client@example.com"
    end,
    cc_emails = function(e) return e.body.cc_emails or A({}) end,
    sent_at = "@now",
    email_tracking_id = function(e)
      return string.format("trk-%d-%d", e.record.id, os.time())
    end})}
S["quotation:bulk_actions"] = {op = "bulk", ids = {"quotation_ids"},
  actions = {status_update = {status = "@body.parameters.status"},
             send_to_clients = {status = "sent"}},
  body = msg("Bulk action completed successfully")}

-- }==================================================================

-- {==================================================================
-- Support ticket (/support-ticket and the /ticket sections)
-- ===================================================================

S["ticket:list"] = {op = "list", search = {"subject", "description"},
  filters = {status = "status", priority = "priority",
             assigned_to = "assigned_to"},
  body = {data = "@rows", status = 200}}
S["ticket:create"] = {op = "create", status = 201,
  body = {data = "@record", status = 201,
          msg = "SupportTicket stored successfully"}}
S["ticket:get"] = {op = "get", body = "@record"}
S["ticket:update"] = {op = "update", status = 201,
  body = {data = "@record", status = 201,
          msg = "SupportTicket stored successfully"}}
S["ticket:delete"] = {op = "delete",
  body = msg("SupportTicket deleted successfully", {status = 200})}
S["ticket:bulk_actions"] = {op = "bulk", ids = {"ticket_ids"},
  actions = {status_update = {status = "@body.parameters.status"},
             assign = {assigned_to = "@body.parameters.assigned_to"}},
  body = msg("SupportTicket deleted successfully")}
S["ticket:reply"] = {op = "create", coll = "ticket.reply", status = 201,
  body = msg("Reply added successfully", {status = 201,
    reply = "@record"})}
-- priority, status-update/{uuid}, note-store, note-delete: listed but
-- never described (API.md 13.4); the ticket module's {msg, status}
-- pattern, messages ours.
S["ticket:set_priority"] = {op = "action", set = {"priority"},
  body = msg("Priority updated successfully", {status = 200})}
S["ticket:set_status"] = {op = "action", set = {"status"},
  body = msg("Status updated successfully", {status = 200})}
S["ticket.note:create"] = {op = "create", status = 201,
  body = {data = "@record", status = 201,
          msg = "Note stored successfully"}}
S["ticket.note:delete"] = {op = "delete",
  body = msg("Note deleted successfully", {status = 200})}
-- The /ticket/{id}/... sections: {success:true, message?, data}; the
-- messages are ours.
S["ticket:assign"] = {op = "action", set = {"assigned_to"},
  body = ok("Ticket assigned successfully")}
S["ticket:update_status"] = {op = "action",
  set = {"status", "resolution_notes"},
  body = ok("Ticket status updated successfully")}
S["ticket:add_reply"] = {op = "create", coll = "ticket.reply",
  fields = {description = "@body.message"},
  body = ok("Reply added successfully")}
S["ticket.attachment:create"] = {op = "action", effect = "upload",
  raw_body = true, base = "ticket",
  body = ok("Attachments uploaded successfully", "@uploaded")}
S["ticket.attachment:list"] = {op = "list",
  body = {success = true, data = "@rows"}}
S["ticket:analytics"] = {op = "static", effect = "analytics",
  body = {success = true, data = "@analytics"}}

-- }==================================================================

-- {==================================================================
-- Document
-- ===================================================================

S["document:list"] = {op = "list", search = {"name"},
  filters = {folder_id = "folder_id"},
  body = {status = 200, data = "@rows"}}
S["document:create"] = {op = "create",
  body = {status = 200, msg = "Document Created Successfully",
          document = "@record"}}
S["document:get"] = {op = "get", view = "document_details",
  body = {success = true, data = "@record"}}
S["document:update"] = {op = "update", view = "document_details",
  body = ok("Document updated successfully")}
S["document:delete"] = {op = "delete",
  body = msg("Document deleted successfully", {status = 200})}
S["document:download"] = {op = "pdf", filename = "@record.name",
  lines = {"@record.name", "Fictional document rendered to A4."}}
-- POST /document/folders appears only in sample code: the document
-- create pattern, message ours.
S["document.folder:create"] = {op = "create",
  body = {status = 200, msg = "Folder Created Successfully",
          folder = "@record"}}

-- }==================================================================

-- {==================================================================
-- Project
-- ===================================================================

S["project:list"] = {op = "list", page = "laravel",
  search = {"title", "description"},
  filters = {status = "status", client_id = "client_id"}, body = LIST}
S["project:create"] = {op = "create", effect = "project_created",
  body = msg("Project Created Successfully",
    {data = "@record"})}
S["project:get"] = {op = "get", view = "project_details",
  body = {data = "@record", status = 200}}
S["project:update"] = {op = "update",
  body = msg("Project Updated", {status = 200, data = "@record"})}
S["project:delete"] = {op = "delete",
  body = msg("Project Deleted", {status = 200})}
S["project:dashboard_activity"] = {op = "list", coll = "project.activity",
  page = "laravel", page_in = "body", body = LIST}
S["project:activity"] = {op = "list", coll = "project.activity",
  page = "laravel", page_in = "body", body = LIST}
S["project:all_tasks"] = {op = "static", effect = "all_tasks",
  body = {data = "@rows"}}
S["project:change_priority"] = {op = "action", set = {"priority"},
  body = A({"Project Priority Updated"})}
S["project:change_status"] = {op = "action", set = {"status"},
  body = A({"Project Status Updated"})}
S["project:change_category"] = {op = "action",
  set = {category = function(e)
    return A({e.body.category_id})
  end},
  body = A({"Project Category Updated"})}
S["project:files"] = {op = "list", coll = "project.task.file",
  body = {data = "@rows"}}

-- Tasks: the list's items are containers holding the tasks (PRJ).
-- Messages of the actions without a documented text are ours.
S["project.task:list"] = {op = "list", coll = "project.container",
  view = "container", page = "laravel", body = LIST}
S["project.task:create"] = {op = "create", before = "container_check",
  body = msg("Task Created", {task = "@record",
    status = 200})}
S["project.task:get"] = {op = "get",
  body = {data = "@record", status = 200}}
S["project.task:update"] = {op = "update", before = "container_check",
  body = msg("Task Update", {task = "@record",
    status = 200})}
S["project.task:delete"] = {op = "delete",
  body = msg("Task Deleted", {status = 200})}
S["project.task:change_order"] = {op = "action", effect = "reorder",
  before = "container_check",
  reorder = {coll = "project.task", list = "order", id = "item_id",
             value = "order", field = "order", container = true},
  body = msg("Task Order Updated", {status = 200})}
S["project.task:change_container"] = {op = "action",
  before = "container_check", set = {"container_id", "order"},
  body = msg("Task Container Changed", {status = 200})}
S["project.task:change_priority"] = {op = "action", set = {"priority"},
  body = msg("Task Priority Updated", {status = 200})}
S["project.task:mark_as_complete"] = {op = "action",
  set = {"is_completed"}, effect = "task_stats",
  body = msg("Task Completed", {status = 200, stats = "@stats"})}
local LABEL = {field = "labels", from = "label_id",
               kind = "project.attribute", name = "title"}
local ASSIGNEE = {field = "assignees", from = "assignee_id",
                  kind = "team_member", name = "full_name"}
S["project.task:add_label"] = {op = "action", effect = "add_item",
  items = LABEL, body = msg("Label Added", {data = "@record.labels",
    status = 200})}
S["project.task:remove_label"] = {op = "action", effect = "remove_item",
  items = LABEL, body = msg("Label Removed", {status = 200})}
S["project.task:add_assignee"] = {op = "action", effect = "add_item",
  items = ASSIGNEE, body = msg("Assignee Added",
    {data = "@record.assignees", status = 200})}
S["project.task:remove_assignee"] = {op = "action",
  effect = "remove_item", items = ASSIGNEE,
  body = msg("Assignee Removed", {status = 200})}

-- Task documents, comments, files: lists like task GET ({data,
-- status}); mutations {msg, [data], status:200}; DELETE picks the
-- record by the body's id field (PRJ documents DELETE bodies).
S["project.task.document:list"] = {op = "list",
  body = {data = "@rows", status = 200}}
S["project.task.document:create"] = {op = "create",
  body = msg("Document Added", {data = "@record", status = 200})}
S["project.task.document:delete"] = {op = "delete",
  select = "document_id", match = "document_id",
  body = msg("Document Removed", {status = 200})}
S["project.task.comment:list"] = {op = "list",
  body = {data = "@rows", status = 200}}
S["project.task.comment:create"] = {op = "create",
  body = msg("Comment Added", {data = "@record", status = 200})}
S["project.task.comment:delete"] = {op = "delete", select = "comment_id",
  body = msg("Comment Deleted", {status = 200})}
S["project.task.file:list_all"] = {op = "list", body = {data = "@rows"}}
S["project.task.file:list"] = {op = "list",
  body = {data = "@rows", status = 200}}
S["project.task.file:create"] = {op = "create",
  body = msg("File Uploaded", {data = "@record", status = 200})}
S["project.task.file:delete"] = {op = "delete", select = "file_id",
  match = "file_id", body = msg("File Deleted", {status = 200})}

S["project.discussion:list"] = {op = "list", body = {data = "@rows"}}
S["project.discussion:create"] = {op = "create",
  body = msg("Discussion Created", {data = "@record", status = 200})}
S["project.discussion:files"] = {op = "list", pluck = "attachment",
  body = {data = "@rows"}}

-- Containers and attributes: {msg:"..."[, data]}, messages ours.
S["project.container:create"] = {op = "create",
  body = msg("Container Created", {data = "@record"})}
S["project.container:rename"] = {op = "action", set = {"name",
  title = "@body.name"}, body = msg("Container Renamed")}
S["project.container:change_color"] = {op = "action", set = {"color"},
  body = msg("Container Color Changed")}
S["project.container:change_order"] = {op = "action", effect = "reorder",
  reorder = {coll = "project.container", list = "order",
             id = "container_id", value = "order", field = "order"},
  body = msg("Container Order Changed")}
S["project.container:delete"] = {op = "delete",
  effect = "container_deleted", body = msg("Container Deleted")}
S["project.container:move_all_tasks"] = {op = "action",
  effect = "move_all", move = {coll = "project.task",
    field = "container_id", to = "target_container_id"},
  body = msg("All Tasks Moved")}

S["project.attribute:list"] = {op = "list", page = "laravel",
  search = {"title"}, filters = {type = "type"}, body = LIST}
S["project.attribute:create"] = {op = "create",
  body = msg("Attribute Created", {data = "@record"})}
S["project.attribute:update"] = {op = "update",
  body = msg("Attribute Updated", {data = "@record"})}
S["project.attribute:delete"] = {op = "delete",
  body = msg("Attribute Deleted")}
-- tags/update takes the create body (PRJ); what it changes is not
-- documented, so it only answers.
S["project.attribute:update_tags"] = {op = "static",
  body = msg("Tags Updated")}
S["project.attribute:update_categories"] = {op = "static",
  effect = "set_categories", body = msg("Categories Updated")}

-- }==================================================================

-- {==================================================================
-- Sales pipeline: {msg, status} mutations, bare objects, {data,
-- status} lists (SP "Standard Response Patterns"); messages ours where
-- SP shows none.
-- ===================================================================

S["pipeline:list"] = {op = "list", view = "pipeline_item",
  search = {"title"}, filters = {status = "status"},
  body = {data = "@rows", msg = "Sales Pipeline retrieved successfully.",
          status = 200}}
S["pipeline:create"] = {op = "create", effect = "pipeline_created",
  status = 201,
  body = msg("Sales Pipeline created successfully", {data = "@record",
    status = 201})}
S["pipeline:get"] = {op = "get", body = "@record"}
S["pipeline:update"] = {op = "update",
  body = msg("Sales Pipeline updated successfully", {status = 200})}
S["pipeline:delete"] = {op = "delete",
  body = msg("Sales Pipeline deleted successfully", {status = 200})}
S["pipeline:bulk_actions"] = {op = "bulk", ids = {"ids"},
  actions = {archive = {status = "archived"},
             activate = {status = "active"}},
  body = msg("Bulk action completed successfully", {status = 200})}

-- Deals: the REF-style example (meta with total_pages).
S["pipeline.deal:list"] = {op = "list", page = "ref",
  search = {"deal_name", "description"},
  filters = {stage_id = "deal_stage_id", status = "status",
             contact_id = "contact_id"},
  body = {success = true, data = "@rows", meta = "@meta"}}
S["pipeline.deal:create"] = {op = "create", before = "stage_check",
  status = 201, body = msg("Deal created successfully",
    {data = "@record", status = 201})}
S["pipeline.deal:get"] = {op = "get",
  body = msg("Deal retrieved successfully", {data = "@record",
    status = 200})}
S["pipeline.deal:update"] = {op = "update", before = "stage_check",
  body = msg("Deal updated successfully", {data = "@record",
    status = 200})}
S["pipeline.deal:delete"] = {op = "delete",
  body = msg("Deal deleted successfully", {status = 200})}
local DEAL_BULK = {op = "bulk", ids = {"deal_ids"},
  actions = {move_stage = {deal_stage_id = "@body.stage_id"},
             update_status = {status = "@body.status"}},
  body = msg("Bulk action completed successfully", {status = 200})}
S["pipeline.deal:bulk_actions"] = DEAL_BULK
S["pipeline.deal:bulk"] = DEAL_BULK
S["pipeline.deal:change_order"] = {op = "action", effect = "reorder",
  reorder = {coll = "pipeline.deal", list = "deals", id = "id",
             value = "position", field = "order"},
  body = msg("Deal order updated successfully", {status = 200})}
S["pipeline.deal:change_stage"] = {op = "action", effect = "change_stage",
  body = msg("Deal stage changed successfully", {data = "@record",
    status = 200})}
S["pipeline.deal:add_note"] = {op = "create", coll = "pipeline.deal.note",
  body = msg("Note added successfully", {data = "@record"})}
S["pipeline.deal:add_activity"] = {op = "create",
  coll = "pipeline.deal.activity",
  body = msg("Activity added successfully", {data = "@record"})}

S["pipeline.stage:list"] = {op = "list",
  body = {data = "@rows", status = 200}}
S["pipeline.stage:create"] = {op = "create",
  body = msg("Stage created successfully", {data = "@record"})}
S["pipeline.stage:get"] = {op = "get", view = "stage_details",
  body = "@record"}
S["pipeline.stage:update"] = {op = "update",
  body = msg("Stage updated successfully")}
S["pipeline.stage:delete"] = {op = "delete",
  body = msg("Stage deleted successfully")}
S["pipeline.stage:change_order"] = {op = "action", effect = "reorder",
  reorder = {coll = "pipeline.stage", list = "order", id = "stage_id",
             value = "order", field = "order"},
  body = msg("Stage order updated successfully")}
S["pipeline.stage:duplicate"] = {op = "action",
  effect = "duplicate_stage",
  body = msg("Stage duplicated successfully", {data = "@record"})}
S["pipeline.stage:move_all_deals"] = {op = "action", effect = "move_all",
  move = {coll = "pipeline.deal", field = "deal_stage_id",
          to = "target_stage_id"},
  body = msg("All deals moved successfully")}
-- SP's only example is a failure message; success is ours.
S["pipeline.stage:bulk_actions"] = {op = "bulk", ids = {"stage_ids"},
  body = msg("Bulk action completed successfully")}

-- Deal sub-resources: lists and single {data, status:200}, mutations
-- {msg[, data]}.
local function sub(noun, extra)
  local t = {
    list = {op = "list", body = {data = "@rows", status = 200}},
    create = {op = "create", body = msg(noun .. " created successfully",
      {data = "@record"})},
    get = {op = "get", body = {data = "@record", status = 200}},
    update = {op = "update", body = msg(noun .. " updated successfully",
      {data = "@record"})},
    delete = {op = "delete", body = msg(noun .. " deleted successfully")},
    bulk_actions = {op = "bulk", ids = {"ids", "task_ids"},
      body = msg("Bulk action completed successfully")},
  }
  for k, v in pairs(extra or {}) do
    t[k] = v
  end
  return t
end

local DEAL_SUBS = {
  task = sub("Task", {
    bulk_actions = {op = "bulk", ids = {"task_ids"},
      actions = {complete = {is_completed = true}},
      body = msg("Bulk action completed successfully")},
    change_order = {op = "action", effect = "reorder",
      reorder = {coll = "pipeline.deal.task", id = "task_id",
                 value = "new_order", field = "order"},
      body = msg("Task order updated successfully")},
    complete = {op = "action", set = {is_completed = true},
      body = msg("Task completed successfully", {data = "@record"})},
  }),
  file = sub("File"),
  meeting = sub("Meeting", {
    complete = {op = "action", set = {"is_completed"},
      body = msg("Meeting status updated successfully",
        {data = "@record"})},
  }),
  note = sub("Note"),
  activity = sub("Activity", {
    send_mail = {op = "action", body = msg("Mail sent successfully")},
  }),
}
for noun, ops in pairs(DEAL_SUBS) do
  for name, shape in pairs(ops) do
    S["pipeline.deal." .. noun .. ":" .. name] = shape
  end
end

S["pipeline.attribute:list"] = {op = "list", filters = {type = "type"},
  body = {data = "@rows", status = 200}}
S["pipeline.attribute:create"] = {op = "create",
  body = msg("Attribute created successfully", {data = "@record"})}
S["pipeline.attribute:get"] = {op = "get",
  body = {data = "@record", status = 200}}
S["pipeline.attribute:update"] = {op = "update",
  body = msg("Attribute updated successfully", {data = "@record"})}
S["pipeline.attribute:delete"] = {op = "delete",
  body = msg("Attribute deleted successfully")}
S["pipeline.attribute:bulk_actions"] = {op = "bulk", ids = {"ids"},
  body = msg("Bulk action completed successfully")}

-- }==================================================================

-- {==================================================================
-- Meeting, inbox
-- ===================================================================

S["meeting:list"] = {op = "list", page = "laravel", search = {"title"},
  body = LIST}
S["meeting:get"] = {op = "get", view = "meeting_details",
  body = "@record"}
S["meeting.booking:list"] = {op = "list", page = "laravel", per_page = 15,
  meta_search = true, search = {"first_name", "last_name", "email"},
  filters = {status = "status"}, body = LIST}
S["meeting.booking:get"] = {op = "get",
  body = {data = "@record", availibility = "@parent.availability",
          booking_data = "@stored.booking_data"}}
S["meeting.booking:create"] = {op = "create", effect = "booking_created",
  body = {success_msg = "Meeting booked successfully", data = "@record"}}

S["inbox.conversation:list"] = {op = "list", page = "laravel",
  search = {"subject", "to_email", "body_plain"},
  filters = {status = "status"}, body = LIST}
S["inbox.conversation:send"] = {op = "create",
  fields = {to_email = "@body.to_emails.1",
            body_plain = "@body.message"},
  body = {data = "@record", msg = "Message Send Successful"}}
S["inbox.conversation:reply"] = {op = "create", coll = "inbox.reply",
  body = {data = "@record", msg = "Message Send Successfully"}}
S["inbox.conversation:assign_tags"] = {op = "action",
  effect = "assign_tags", body = msg("Tag Assigned")}
S["inbox:email_address"] = {op = "static", body = {
  forwarding_email = "inbox-demo@forward.taskip.example",
  connected_email = "owner@example.com",
  verified_at = "2024-01-10T09:00:00Z",
  forwarding_verified_at = "2024-01-10T09:05:00Z",
  dns_verified_at = json.null,
}}
S["inbox.tag:update"] = {op = "update",
  fields = {label = "@body.name"}, body = msg("Tag Updated Successfully")}
S["inbox.tag:delete"] = {op = "delete", effect = "tag_deleted",
  body = msg("Tag Deleted Successfully")}

-- }==================================================================

-- {==================================================================
-- Lead: only the list's start was captured ({message, data, ...});
-- pages in Laravel style (per_page = `item`); the rest is ours in the
-- list's {message[, data]} pattern. Note PUT/DELETE use `note_id` from
-- the body, else the lead's newest note (API.md 13.5).
-- ===================================================================

local function lead_crud(noun, extra)
  local t = {
    create = {op = "create", body = {message = noun
      .. " created successfully", data = "@record"}},
    get = {op = "get", body = {message = noun .. " fetched successfully",
      data = "@record"}},
    update = {op = "update", body = {message = noun
      .. " updated successfully", data = "@record"}},
    delete = {op = "delete", body = {message = noun
      .. " deleted successfully"}},
  }
  for k, v in pairs(extra) do
    t[k] = v
  end
  return t
end

local LEADS = {
  lead = lead_crud("Lead", {
    list = {op = "list", page = "item",
      search = {"full_name", "email", "website"},
      filters = {is_converted = "is_converted", status_id = "status_id",
                 source_id = "source_id"},
      body = laravel("All leads successfully fetched")},
    bulk_delete = {op = "bulk", ids = {"ids", "lead_ids"},
      delete_all = true, body = {message = "Leads deleted successfully"}},
    send_email = {op = "action",
      body = {message = "Email sent successfully"}},
    convert = {op = "action", set = {is_converted = 1},
      body = {message = "Lead converted successfully", data = "@record"}},
  }),
  ["lead.note"] = lead_crud("Note", {
    list = {op = "list", body = {message = "Notes fetched successfully",
      data = "@rows"}},
  }),
  ["lead.file"] = {
    list = {op = "list", body = {message = "Files fetched successfully",
      data = "@rows"}},
    create = {op = "create", body = {message = "File uploaded successfully",
      data = "@record"}},
    bulk_delete = {op = "bulk", ids = {"ids", "file_ids"},
      delete_all = true, body = {message = "Files deleted successfully"}},
  },
  ["lead.attribute"] = lead_crud("Lead attribute", {
    list = {op = "list", filters = {type = "type"},
      body = {message = "Lead attributes fetched successfully",
        data = "@rows"}},
  }),
}
for _, name in ipairs({"update", "delete"}) do
  local t = LEADS["lead.note"][name]
  t.select, t.select_last = "note_id", true
end
for resource, ops in pairs(LEADS) do
  for name, shape in pairs(ops) do
    S[resource .. ":" .. name] = shape
  end
end

-- }==================================================================

return S
