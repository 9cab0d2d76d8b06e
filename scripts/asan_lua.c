/*
** asan_lua.c — a lua5.4 interpreter linked with AddressSanitizer, for
** make sanitize (scripts/sanitize.sh builds it as build-asan/bin/lua5.4
** and puts it first in PATH).
**
** The ASan-built modules (taskip/core.so, taskip/emulator.so) need the
** ASan runtime loaded before anything else; the stock lua5.4 would need
** LD_PRELOAD, which every process the specs start (sh, curl, make, gcc)
** would then inherit, with leak reports and the odd deadlock in
** programs that are not ours. Linked here, the runtime comes first in
** this process only; the children are untouched, and our own C programs
** the specs run keep leak detection on.
**
** Leak detection is off for this interpreter alone (its default options
** below; ASAN_OPTIONS can still override): busted ends with os.exit
** without closing its state, and lua-cjson and libcurl keep global
** allocations.
**
** The command line is the subset of lua.c the suite uses:
**   lua5.4 [-e CODE]... [-l MOD]... [-v] [-W] [SCRIPT | -] [ARGS...]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "detect_leaks=0";
}

static const char *progname = "lua5.4";

static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error object)");
    fflush(stderr);
    lua_pop(L, 1);
  }
  return status;
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)",
                          luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static int docall(lua_State *L, int narg, int nres) {
  int status, base = lua_gettop(L) - narg;
  lua_pushcfunction(L, traceback);
  lua_insert(L, base);
  status = lua_pcall(L, narg, nres, base);
  lua_remove(L, base);
  return status;
}

static int dostring(lua_State *L, const char *s, const char *name) {
  int status = luaL_loadbuffer(L, s, strlen(s), name);
  if (status == LUA_OK)
    status = docall(L, 0, 0);
  return report(L, status);
}

static int dolibrary(lua_State *L, const char *name) {
  int status;
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  status = docall(L, 1, 1);
  if (status == LUA_OK)
    lua_setglobal(L, name);
  return report(L, status);
}

/* arg: script at 0, interpreter and options below, arguments above. */
static void createargtable(lua_State *L, char **argv, int argc, int script) {
  int i;
  lua_createtable(L, argc - script, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int i, script = 0, n;
  luaL_checkversion(L);
  luaL_openlibs(L);
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCGEN, 0, 0);
  for (i = 1; i < argc; i++) {         /* find the script */
    if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
      script = i;
      break;
    }
    if (strcmp(argv[i], "--") == 0) {
      script = i + 1 < argc ? i + 1 : 0;
      break;
    }
    if ((strcmp(argv[i], "-e") == 0 || strcmp(argv[i], "-l") == 0))
      i++;
  }
  createargtable(L, argv, argc, script > 0 ? script : argc);
  for (i = 1; i < (script > 0 ? script : argc); i++) {
    const char *a = argv[i];
    if (strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s: '%s' needs argument\n", progname, a);
        lua_pushboolean(L, 0);
        return 1;
      }
      if ((a[1] == 'e' ? dostring(L, argv[i + 1], "=(command line)")
                       : dolibrary(L, argv[i + 1])) != LUA_OK) {
        lua_pushboolean(L, 0);
        return 1;
      }
      i++;
    } else if (strcmp(a, "-v") == 0) {
      printf("%s (ASan build for make sanitize)\n", LUA_COPYRIGHT);
    } else if (strcmp(a, "-W") == 0) {
      lua_warning(L, "@on", 0);
    } else if (strcmp(a, "-E") == 0 || strcmp(a, "--") == 0) {
      /* accepted */
    } else {
      fprintf(stderr, "%s: unrecognized option '%s'\n", progname, a);
      lua_pushboolean(L, 0);
      return 1;
    }
  }
  if (script > 0) {
    const char *fname = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
    int status = luaL_loadfile(L, fname);
    if (status == LUA_OK) {
      for (n = 0, i = script + 1; i < argc; i++, n++) {
        luaL_checkstack(L, 1, "too many arguments");
        lua_pushstring(L, argv[i]);
      }
      status = docall(L, n, LUA_MULTRET);
    }
    if (report(L, status) != LUA_OK) {
      lua_pushboolean(L, 0);
      return 1;
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

int main(int argc, char **argv) {
  int status, result;
  lua_State *L = luaL_newstate();
  if (argv[0] != NULL && argv[0][0] != '\0')
    progname = argv[0];
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", progname);
    return EXIT_FAILURE;
  }
  lua_gc(L, LUA_GCSTOP);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  result = lua_toboolean(L, -1);
  report(L, status);
  lua_close(L);
  return (result && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
