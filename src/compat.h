/*
** compat.h — the few Lua C API pieces that differ between 5.1/LuaJIT
** and 5.2+. The binding uses only what this file makes portable.
*/
#ifndef TASKIP_COMPAT_H
#define TASKIP_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
#define luaL_newlib(L, l) (lua_newtable(L), luaL_register(L, NULL, l))
#define luaL_setfuncs(L, l, nup) luaL_register(L, NULL, l)
#define luaL_setmetatable(L, name) \
  (luaL_getmetatable(L, name), lua_setmetatable(L, -2))
#endif

/* Anchors the table on top (popped) to the userdata at idx. */
#if LUA_VERSION_NUM < 502
#define taskip_setuservalue(L, idx) lua_setfenv(L, (idx))
#else
#define taskip_setuservalue(L, idx) lua_setuservalue(L, (idx))
#endif

#endif
