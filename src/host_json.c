/*
** host_json.c — a guard in front of lua-cjson's encoders.
**
** lua-cjson builds its output in malloc'd memory outside the script's
** allocator and exits the process when malloc fails; and a table that
** holds the same subtable twice is encoded twice, so a few kilobytes of
** shared structure can ask for gigabytes of text, all inside one C call
** the count hook cannot interrupt. The guard walks the value first
** (raw access only, no metamethods), adding up a worst case for the
** text, and refuses as soon as it passes HOST_JSON_MAX; so the walk
** itself stops after a bounded number of steps.
*/
#include <lauxlib.h>

#include "host_internal.h"

#define WALK_DEPTH 250     /* deeper than cjson's limit: cjson refuses */

/* Adds the worst-case text of the value at idx to *total; returns 0,
** or -1 once the total passes the limit. */
static int weigh(lua_State *L, int idx, int depth, double *total) {
  size_t len;
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    lua_tolstring(L, idx, &len);
    *total += 6.0 * (double)len + 2;      /* every byte as \u00XX */
    break;
  case LUA_TTABLE:
    *total += 2;
    if (depth > WALK_DEPTH)
      return 0;
    luaL_checkstack(L, 3, "json.encode: nesting too deep");
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      *total += 2;                                /* ',' and ':' */
      if (lua_type(L, -2) == LUA_TSTRING) {
        lua_tolstring(L, -2, &len);
        *total += 6.0 * (double)len + 2;
      } else {
        *total += 24;
      }
      if (*total > HOST_JSON_MAX || weigh(L, -1, depth + 1, total) != 0) {
        lua_pop(L, 2);
        return -1;
      }
      lua_pop(L, 1);
    }
    break;
  default:
    *total += 24;                          /* numbers, true, null */
  }
  return *total > HOST_JSON_MAX ? -1 : 0;
}

/* encode(value) with the real encoder as upvalue 1. */
static int guarded_encode(lua_State *L) {
  double total = 0;
  luaL_checkany(L, 1);
  if (weigh(L, 1, 0, &total) != 0)
    return luaL_error(L, "json.encode: value too large (its text could "
                      "exceed %d MB)", (int)(HOST_JSON_MAX >> 20));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* A copy of the table on top with encode guarded; replaces it. */
static void guard_table(lua_State *L) {
  int src = lua_gettop(L), n = 0;
  lua_pushnil(L);                       /* sized first: no rehashes */
  while (lua_next(L, src) != 0) {
    lua_pop(L, 1);
    n++;
  }
  lua_createtable(L, 0, n);
  lua_pushnil(L);
  while (lua_next(L, src) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, src + 1);
  }
  lua_getfield(L, src, "encode");
  if (lua_isfunction(L, -1)) {
    lua_pushcclosure(L, guarded_encode, 1);
    lua_setfield(L, src + 1, "encode");
  } else {
    lua_pop(L, 1);
  }
  lua_remove(L, src);
}

/* new() with the real constructor as upvalue 1 and the guarded module
** as upvalue 2: a codec whose encode is guarded. In the sandbox the
** facade is cjson's only user (scripts have no require), so the first
** new() hands over the module's own codec (upvalue 3 true until then)
** instead of building a second one. */
static int guarded_new(lua_State *L) {
  if (lua_toboolean(L, lua_upvalueindex(3))) {
    lua_pushboolean(L, 0);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushvalue(L, lua_upvalueindex(2));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_call(L, 0, 1);
  luaL_checktype(L, -1, LUA_TTABLE);
  guard_table(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_getfield(L, -1, "new");
  lua_setfield(L, -3, "new");
  lua_pop(L, 1);
  return 1;
}

void host_json_guard(lua_State *L) {
  int real;
  luaL_checktype(L, -1, LUA_TTABLE);
  real = lua_gettop(L);
  lua_pushvalue(L, real);
  guard_table(L);                              /* the module copy */
  lua_getfield(L, real, "new");
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_pushcclosure(L, guarded_new, 3);
  lua_setfield(L, -2, "new");
  lua_remove(L, real);
}
