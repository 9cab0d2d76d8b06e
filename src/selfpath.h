/*
** selfpath.h — where the installed Lua modules are, found from where the
** running code lives (see selfpath.c). Internal: not installed.
*/
#ifndef TASKIP_SELFPATH_H
#define TASKIP_SELFPATH_H

#include <stddef.h>

/* Writes into buf (n bytes) the directory that holds taskip/init.lua
** (probe "taskip/init.lua") or taskip/mock/server.lua (probe
** "taskip/mock/server.lua"), looked for relative to the file that holds
** this code (the program, or libtaskip.so): first the install layout
** (TASKIP_LUADIR_FROM_BIN, TASKIP_LUADIR_FROM_LIB, fixed at build time),
** then ../share/lua/5.4 (a LuaRocks tree), then a source tree
** (build/../lua). Returns buf, or NULL when none has
** the probe file. */
const char *selfpath_lua_dir(const char *probe, char *buf, size_t n);

/* For a program: unless LUA_CPATH (or LUA_CPATH_5_4) is set, puts
** lua_dir/../../../lib/lua/5.4/?.so (the C modules of the same tree,
** lua-cjson in a LuaRocks tree) before the default C path. */
void selfpath_use_tree_cpath(const char *lua_dir);

#endif
