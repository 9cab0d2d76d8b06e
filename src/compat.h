/*
** compat.h — the few Lua C API pieces that differ between 5.1/LuaJIT,
** 5.3 and 5.4. The binding uses only what this file makes portable.
**
** LuaJIT 2.1 reports 5.1 but already has the 5.2 auxiliary functions
** (luaL_setfuncs, luaL_setmetatable) and defines
** luaL_newlib and luaL_newlibtable as macros; plain 5.1 has none of
** them. So: macros are guarded with #ifndef, and the functions are
** shimmed only where luaL_newlibtable is missing (plain 5.1).
**
** Not shimmed on purpose: lua_isinteger and math.type. 5.1 and LuaJIT
** have no integer subtype, so code that cares must say what it does
** there (see lintegers.c).
*/
#ifndef TASKIP_COMPAT_H
#define TASKIP_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502

#ifndef luaL_newlibtable                 /* plain 5.1, not LuaJIT */
static inline void taskip_compat_setfuncs(lua_State *L, const luaL_Reg *l,
                                          int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++)            /* copy the upvalues to the top */
      lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#define luaL_setfuncs(L, l, nup) taskip_compat_setfuncs(L, l, nup)

#define luaL_setmetatable(L, name) \
  (luaL_getmetatable(L, name), lua_setmetatable(L, -2))

#define luaL_newlibtable(L, l) \
  lua_createtable(L, 0, sizeof(l) / sizeof((l)[0]) - 1)
#endif

#ifndef luaL_newlib
#define luaL_newlib(L, l) (luaL_newlibtable(L, l), luaL_setfuncs(L, l, 0))
#endif

#endif /* LUA_VERSION_NUM < 502 */

/* The length of the table at idx, without metamethods. */
#if LUA_VERSION_NUM < 502
#define taskip_rawlen(L, idx) lua_objlen(L, (idx))
#else
#define taskip_rawlen(L, idx) lua_rawlen(L, (idx))
#endif

/* Anchors the table on top (popped) to the userdata at idx. */
#if LUA_VERSION_NUM < 502
#define taskip_setuservalue(L, idx) lua_setfenv(L, (idx))
#else
#define taskip_setuservalue(L, idx) lua_setuservalue(L, (idx))
#endif

#endif
