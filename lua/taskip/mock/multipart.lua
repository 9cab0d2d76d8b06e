-- Just enough multipart/form-data for the emulator's upload routes
-- (ticket attachments; document create, labelled multipart in the
-- docs): the fields and the files' names and sizes. Parts are split on
-- the boundary from Content-Type; a body labelled anything else is not
-- a form (the real server would not read it as one either).

local M = {}

local function boundary_of(content_type)
  return content_type and content_type:match(
    "^multipart/form%-data;.-boundary=\"?([^\";]+)\"?")
end

-- fields (name -> value, repeated names -> last), files ({name,
-- filename, content_type, size}) and every part in order ({name,
-- filename?, content_type?, size}) of body; nil if it is not multipart.
function M.parse(content_type, body)
  local boundary = boundary_of(content_type)
  if not boundary then
    return nil
  end
  local delim = "--" .. boundary
  local fields, files, parts = {}, {}, {}
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
      local name = head:match('[^%w][Nn]ame="([^"]*)"')
      local filename = head:match('[Ff]ilename="([^"]*)"')
      parts[#parts + 1] = { name = name, filename = filename, size = #value,
        content_type = head:match("[Cc]ontent%-[Tt]ype:%s*([^\r\n]+)") }
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
  return fields, files, parts
end

return M
