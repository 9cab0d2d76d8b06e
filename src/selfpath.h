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
** then a source tree (build/../lua). Returns buf, or NULL when none has
** the probe file. */
const char *selfpath_lua_dir(const char *probe, char *buf, size_t n);

#endif
