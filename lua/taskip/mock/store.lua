-- The emulator's generic in-memory store: records by collection (see
-- taskip.mock.collections), integer ids from 1 per collection, uuids
-- where the collection has them, and each child linked to its parent.
--
-- Records are the plain tables the API returns (encoded as they are);
-- the links live beside them, so nothing internal leaks into a body.
-- Deleting a record deletes its descendants.

local collections = require "taskip.mock.collections"

local M = {}

local rows      -- kind -> list of records, by ascending id
local next_id   -- kind -> next id
local parent_of -- record -> parent record
local kind_of   -- record -> kind

function M.reset()
  rows, next_id, parent_of, kind_of = {}, {}, {}, {}
  for kind in pairs(collections) do
    rows[kind], next_id[kind] = {}, 1
  end
end

local function check_kind(kind)
  return assert(collections[kind], "unknown collection: " .. tostring(kind))
end

-- A uuid-looking string that cannot be mistaken for an id.
local function make_uuid(prefix, id)
  return string.format("%s-%08x-%04x", prefix, (id * 2654435761) % 2^32,
    id)
end

-- Add rec to kind under parent (required exactly for child kinds);
-- sets rec.id (and rec.uuid). Returns rec.
function M.insert(kind, rec, parent)
  local def = check_kind(kind)
  assert((def.parent == nil) == (parent == nil)
    and (parent == nil or kind_of[parent] == def.parent),
    "wrong parent for " .. kind)
  local id = next_id[kind]
  next_id[kind] = id + 1
  rec.id = id
  if def.uuid and rec.uuid == nil then
    rec.uuid = make_uuid(def.uuid, id)
  end
  local list = rows[kind]
  list[#list + 1] = rec
  parent_of[rec], kind_of[rec] = parent, kind
  return rec
end

function M.parent(rec)
  return parent_of[rec]
end

function M.kind(rec)
  return kind_of[rec]
end

function M.label(kind)
  return check_kind(kind).label
end

-- True if anc is rec's parent, grandparent, ...
local function descends(rec, anc)
  local p = parent_of[rec]
  while p do
    if p == anc then
      return true
    end
    p = parent_of[p]
  end
  return false
end

-- The record of kind whose id (an integer or decimal string) or uuid is
-- key; under parent when given (any ancestor). nil if none.
function M.find(kind, key, parent)
  check_kind(kind)
  local id = math.tointeger(key)
  if not id and type(key) == "string" and key:match("^%d+$")
      and #key < 16 then
    id = math.tointeger(tonumber(key))
  end
  for _, rec in ipairs(rows[kind]) do
    if (id and rec.id == id) or (not id and rec.uuid ~= nil
        and rec.uuid == key) then
      if parent == nil or descends(rec, parent) then
        return rec
      end
      return nil
    end
  end
  return nil
end

-- Records of kind, by id; only those under anc when given. A new list.
function M.list(kind, anc)
  check_kind(kind)
  local out = {}
  for _, rec in ipairs(rows[kind]) do
    if anc == nil or descends(rec, anc) then
      out[#out + 1] = rec
    end
  end
  return out
end

-- Remove rec and everything under it.
function M.remove(rec)
  local kind = kind_of[rec]
  if not kind then
    return
  end
  for child_kind, def in pairs(collections) do
    if def.parent == kind then
      for _, child in ipairs(M.list(child_kind, rec)) do
        M.remove(child)
      end
    end
  end
  local list = rows[kind]
  for i = #list, 1, -1 do
    if list[i] == rec then
      table.remove(list, i)
    end
  end
  parent_of[rec], kind_of[rec] = nil, nil
end

M.reset()
return M
