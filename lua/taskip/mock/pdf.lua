-- A small, well-formed one-page PDF for the download endpoints
-- (API.md section 9): header %PDF-1.4, a Helvetica text page naming the
-- record, a correct xref table and %%EOF.

local M = {}

local function escape(s)
  return (s:gsub("[^\32-\126]", "?"):gsub("[()\\]", "\\%0"))
end

-- PDF bytes showing each line of `lines` (strings).
function M.render(lines)
  local text = {"BT /F1 14 Tf 72 770 Td 18 TL"}
  for _, line in ipairs(lines) do
    text[#text + 1] = "(" .. escape(line) .. ") Tj T*"
  end
  text[#text + 1] = "ET"
  local stream = table.concat(text, "\n")
  local objects = {
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
      .. " /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    "<< /Length " .. #stream .. " >>\nstream\n" .. stream
      .. "\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  }
  local out = {"%PDF-1.4\n%\226\227\207\211\n"}
  local size = #out[1]
  local offsets = {}
  for i, body in ipairs(objects) do
    local obj = i .. " 0 obj\n" .. body .. "\nendobj\n"
    offsets[i] = size
    out[#out + 1] = obj
    size = size + #obj
  end
  local xref = {"xref", "0 " .. (#objects + 1), "0000000000 65535 f "}
  for _, off in ipairs(offsets) do
    xref[#xref + 1] = string.format("%010d 00000 n ", off)
  end
  out[#out + 1] = table.concat(xref, "\n") .. "\n"
  out[#out + 1] = "trailer\n<< /Size " .. (#objects + 1)
    .. " /Root 1 0 R >>\nstartxref\n" .. size .. "\n%%EOF\n"
  return table.concat(out)
end

-- A file name safe inside Content-Disposition's quotes.
function M.filename(name)
  local s = tostring(name):gsub("[^%w%.%-_]+", "-"):gsub("^%-+", "")
  if s == "" then
    s = "document"
  end
  return s .. ".pdf"
end

return M
