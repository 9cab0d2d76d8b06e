-- Just enough multipart/form-data for the emulator's upload routes
-- (ticket attachments; document create, labelled multipart in the
-- docs): the fields and the files' names and sizes. Parts are split on
-- the boundary from Content-Type, or on the body's first line when the
-- header says otherwise (a client may label any body JSON).

local M = {}

local function boundary_of(content_type, body)
  local b = content_type and content_type:match(
    "^multipart/form%-data;.-boundary=\"?([^\";]+)\"?")
  if b then
    return b
  end
  return body:match("^%-%-([^\r\n]+)\r?\n")
end

-- fields (name -> value, repeated names -> last), files ({name,
-- filename, content_type, size}) of body; nil if it is not multipart.
function M.parse(content_type, body)
  local boundary = boundary_of(content_type, body)
  if not boundary then
    return nil
  end
  local delim = "--" .. boundary
  local fields, files = {}, {}
  local pos = body:find(delim, 1, true)
  while pos do
    local start = pos + #delim
    if body:sub(start, start + 1) == "--" then
      break
    end
    local stop = body:find("\r\n" .. delim, start, true)
      or body:find("\n" .. delim, start, true)
    if not stop then
      break
    end
    local part = body:sub(start, stop - 1):gsub("^\r?\n", "")
    local head, value = part:match("^(.-)\r?\n\r?\n(.*)$")
    if head then
      local name = head:match('[Nn]ame="([^"]*)"')
      local filename = head:match('[Ff]ilename="([^"]*)"')
      if filename then
        files[#files + 1] = {
          name = name, filename = filename, size = #value,
          content_type = head:match("[Cc]ontent%-[Tt]ype:%s*([^\r\n]+)")
            or "application/octet-stream",
        }
      elseif name then
        fields[name] = value
      end
    end
    pos = body:find(delim, stop + 1, true)
  end
  return fields, files
end

return M
