/*
** selfpath.c — relocatable installs: the tools and libtaskip.so find
** the Lua modules relative to their own file, so an install tree works
** wherever it is moved (make install PREFIX=DIR; mv DIR elsewhere; a
** LuaRocks tree). The relative paths come from the Makefile:
**
**   TASKIP_LUADIR_FROM_BIN   LUADIR seen from BINDIR   (../share/lua/5.4)
**   TASKIP_LUADIR_FROM_LIB   LUADIR seen from SOLIBDIR (../share/lua/5.4)
**
** LuaRocks builds with BINDIR and LUADIR inside the rock's directory,
** then moves the files to TREE/bin and TREE/share/lua/5.4: the standard
** layout is tried too.
**
** The code's own file is the one dladdr() names for a function in it
** (libtaskip.so, or the program when the host is linked in statically);
** /proc/self/exe where dladdr names no absolute path.
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selfpath.h"

#ifndef TASKIP_LUADIR_FROM_BIN
#define TASKIP_LUADIR_FROM_BIN "../share/lua/5.4"
#endif
#ifndef TASKIP_LUADIR_FROM_LIB
#define TASKIP_LUADIR_FROM_LIB "../share/lua/5.4"
#endif

/* The directory of the file holding this code, into dir; 0 or -1. */
static int own_dir(char *dir, size_t n) {
  Dl_info info;
  char *slash;
  ssize_t k;
  if (dladdr((void *)selfpath_lua_dir, &info) != 0 && info.dli_fname &&
      info.dli_fname[0] == '/' && strlen(info.dli_fname) < n) {
    strcpy(dir, info.dli_fname);
  } else {
    k = readlink("/proc/self/exe", dir, n - 1);
    if (k <= 0)
      return -1;
    dir[k] = '\0';
  }
  slash = strrchr(dir, '/');
  if (slash == NULL)
    return -1;
  *slash = '\0';
  return 0;
}

const char *selfpath_lua_dir(const char *probe, char *buf, size_t n) {
  static const char *const rel[] = {
    TASKIP_LUADIR_FROM_BIN, TASKIP_LUADIR_FROM_LIB,
    "../share/lua/5.4",             /* a LuaRocks tree: bin/, share/lua/ */
    "../lua",                       /* a source tree: build/, lua/ */
    NULL
  };
  char dir[PATH_MAX], file[PATH_MAX * 2];
  const char *const *r;
  if (own_dir(dir, sizeof(dir)) != 0)
    return NULL;
  for (r = rel; *r != NULL; r++) {
    snprintf(file, sizeof(file), "%s/%s/%s", dir, *r, probe);
    if (access(file, R_OK) == 0 &&
        (size_t)snprintf(buf, n, "%s/%s", dir, *r) < n)
      return buf;
  }
  return NULL;
}

void selfpath_use_tree_cpath(const char *lua_dir) {
  char path[PATH_MAX * 2];
  if (lua_dir == NULL || getenv("LUA_CPATH") != NULL ||
      getenv("LUA_CPATH_5_4") != NULL)
    return;
  if ((size_t)snprintf(path, sizeof(path), "%s/../../../lib/lua/5.4/?.so;;",
                       lua_dir) < sizeof(path))
    setenv("LUA_CPATH", path, 1);
}
