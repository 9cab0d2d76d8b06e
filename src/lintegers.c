/*
** lintegers.c — integral floats to Lua integers, in place.
**
** Debian's lua-cjson 2.1.0 decodes every number as a float; taskip.json
** turns the integral ones into integers so that ids build paths
** ("/contact/124", not "/contact/124.0"). Walking a decoded page in Lua
** cost as much as decoding it; this walk is the same rule in C. Shared
** by the binding (ltaskip.c) and the script host (hostcore.c).
**
** Lua 5.3 converts as 5.4 does. Lua 5.1 and LuaJIT have no integer
** subtype (and print 124.0 as 124): there it returns its argument as it
** is, and taskip.query.number formats ids for paths.
*/
#include <lauxlib.h>

#include "lresult.h"

#define MAX_DEPTH 1000   /* decoded JSON is shallower (taskip.json: 200) */

#if LUA_VERSION_NUM >= 503
/* Converts the values of the table at idx, and of tables inside it. */
static void walk(lua_State *L, int idx, int depth) {
  if (depth > MAX_DEPTH)
    luaL_error(L, "taskip: value nested too deeply");
  luaL_checkstack(L, 4, "taskip: value nested too deeply");
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    int t = lua_type(L, -1);
    if (t == LUA_TNUMBER && !lua_isinteger(L, -1)) {
      lua_Number n = lua_tonumber(L, -1);
      lua_Integer i;
      if (lua_numbertointeger(n, &i) && (lua_Number)i == n) {
        lua_pushvalue(L, -2);             /* changing an existing field */
        lua_pushinteger(L, i);            /* is allowed during lua_next */
        lua_rawset(L, idx);
      }
    } else if (t == LUA_TTABLE) {
      walk(L, lua_gettop(L), depth + 1);
    }
    lua_pop(L, 1);
  }
}
#endif

int taskip_integers(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
#if LUA_VERSION_NUM >= 503
  if (lua_type(L, 1) == LUA_TTABLE) {
    walk(L, 1, 0);
  } else if (lua_type(L, 1) == LUA_TNUMBER && !lua_isinteger(L, 1)) {
    lua_Number n = lua_tonumber(L, 1);
    lua_Integer i;
    if (lua_numbertointeger(n, &i) && (lua_Number)i == n)
      lua_pushinteger(L, i);
  }
#endif
  return 1;
}
