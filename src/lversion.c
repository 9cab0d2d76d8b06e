/*
** lversion.c — a taskip/core.so built for one Lua and loaded by another
** (a 5.1 build found by lua5.4: Debian's bare `luarocks make` targets
** 5.1) would otherwise fail inside dlopen with "undefined symbol:
** luaL_register". The Makefile links the module with every lua_ and luaL_
** reference weak, so dlopen succeeds whatever Lua loads it, and
** luaopen_taskip_core calls lversion_check first: it tells which Lua
** exports its API into the process (by functions only one version has)
** and raises an error naming both versions, using only lua_* calls that
** are the same in 5.1, LuaJIT, 5.3 and 5.4.
*/
#include <dlfcn.h>
#include <stddef.h>

#include <lauxlib.h>

#include "lversion.h"

#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)0)
#endif

#if LUA_VERSION_NUM >= 504
#define BUILT 504
#elif LUA_VERSION_NUM == 503
#define BUILT 503
#elif LUA_VERSION_NUM == 502
#define BUILT 502
#else
#define BUILT 501
#endif

static int running(void) {
  if (dlsym(RTLD_DEFAULT, "lua_newuserdatauv") != NULL)
    return 504;
  if (dlsym(RTLD_DEFAULT, "lua_rotate") != NULL)
    return 503;
  if (dlsym(RTLD_DEFAULT, "lua_callk") != NULL)
    return 502;
  if (dlsym(RTLD_DEFAULT, "lua_objlen") != NULL)
    return 501;
  return 0;                                 /* not told: trust the build */
}

static const char *name(int v) {
  switch (v) {
  case 504: return "Lua 5.4";
  case 503: return "Lua 5.3";
  case 502: return "Lua 5.2";
  default: return "Lua 5.1 (or LuaJIT)";
  }
}

void lversion_check(lua_State *L) {
  int v = running();
  if (v != 0 && v != BUILT)
    luaL_error(L, "taskip.core was built for %s but this is %s: rebuild "
               "it for this Lua (make LUA=..., or luarocks --lua-version "
               "%d.%d)", name(BUILT), name(v), v / 100, v % 100);
}
