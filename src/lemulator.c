/*
** taskip.emulator: run the TaskIP API emulator inside a Lua process.
**
**   local emulator = require "taskip.emulator"
**   local e = assert(emulator.start{secret_key = "test-key-not-a-secret"})
**   e:url(), e:cafile(), e:port()
**   e:control('{"cmd":"stats"}')  --> reply JSON | nil, error JSON
**   e:stop()                      --> true (idempotent; also __gc/__close)
**
** Options of start (all optional except secret_key): port, limit,
** window, latency_ms (numbers); secret_key, reset_format ("epoch" |
** "delta"), ca_out, cert_mode ("normal" | "wrong_host" | "expired" |
** "untrusted"), faults (a JSON object text), lua_path, lua_cpath
** (strings; default: the caller's package.path / package.cpath, which
** the emulator's own lua_State uses to find taskip.mock.* and cjson).
** A wrong type raises an error naming the option; a failure to start
** returns nil, message.
*/
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#include "mock/mock.h"

#define EMULATOR_MT "taskip.emulator"

#if LUA_VERSION_NUM < 502
#define luaL_setfuncs(L, l, n) luaL_register(L, NULL, l)
#endif

typedef struct lemulator {
  taskip_mock *mock; /* NULL once stopped */
} lemulator;

/* The emulator at index 1; raises if it is stopped. */
static lemulator *toemulator(lua_State *L)
{
  lemulator *e = luaL_checkudata(L, 1, EMULATOR_MT);

  if (e->mock == NULL)
    luaL_error(L, "attempt to use a stopped emulator");
  return e;
}

/* {==================================================================
** Options
** =================================================================== */

static int opt_type_error(lua_State *L, const char *key, const char *want)
{
  return luaL_error(L, "bad option '%s' to 'start' (%s expected, got %s)",
                    key, want, luaL_typename(L, -1));
}

/* opts[key] as a string (anchored in opts), or dflt if absent. */
static const char *opt_string(lua_State *L, const char *key,
                              const char *dflt)
{
  const char *s;

  lua_getfield(L, 1, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    opt_type_error(L, key, "string");
  s = lua_tostring(L, -1);
  lua_pop(L, 1); /* still referenced by the options table */
  return s;
}

static long opt_long(lua_State *L, const char *key, long dflt, long min)
{
  lua_Number v;

  lua_getfield(L, 1, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  if (lua_type(L, -1) != LUA_TNUMBER)
    opt_type_error(L, key, "number");
  v = lua_tonumber(L, -1);
  if (v != v || v < (lua_Number)min || v > 2147483647.0
      || v != (lua_Number)(long)v)
    luaL_error(L, "bad option '%s' to 'start' (integer >= %d expected)",
               key, (int)min);
  lua_pop(L, 1);
  return (long)v;
}

/* package[field] of the calling state, or NULL. */
static const char *caller_path(lua_State *L, const char *field)
{
  const char *s;

  lua_getglobal(L, "package");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  lua_getfield(L, -1, field);
  s = lua_tostring(L, -1);
  lua_replace(L, -2);
  /* keep the string on the stack: it anchors s until start returns */
  return s;
}

/* }================================================================== */

static int emulator_start(lua_State *L)
{
  taskip_mock_config cfg;
  const char *mode, *reset;
  lemulator *e;
  char err[512];

  luaL_checktype(L, 1, LUA_TTABLE);
  taskip_mock_config_init(&cfg);
  cfg.secret_key = opt_string(L, "secret_key", NULL);
  if (cfg.secret_key == NULL || *cfg.secret_key == '\0')
    return luaL_error(L, "bad option 'secret_key' to 'start' "
                      "(non-empty string expected)");
  cfg.port = (int)opt_long(L, "port", 0, 0);
  if (cfg.port > 65535)
    return luaL_error(L, "bad option 'port' to 'start' (out of range)");
  cfg.limit = opt_long(L, "limit", cfg.limit, 1);
  cfg.window = opt_long(L, "window", cfg.window, 1);
  cfg.latency_ms = opt_long(L, "latency_ms", 0, 0);
  reset = opt_string(L, "reset_format", "epoch");
  if (strcmp(reset, "epoch") != 0 && strcmp(reset, "delta") != 0)
    return luaL_error(L, "bad option 'reset_format' to 'start' "
                      "(\"epoch\" or \"delta\" expected)");
  cfg.reset_delta = strcmp(reset, "delta") == 0;
  mode = opt_string(L, "cert_mode", "normal");
  cfg.cert_mode = taskip_mock_cert_mode_from_name(mode);
  if (cfg.cert_mode < 0)
    return luaL_error(L, "bad option 'cert_mode' to 'start' (\"normal\", "
                      "\"wrong_host\", \"expired\" or \"untrusted\" "
                      "expected)");
  cfg.ca_out = opt_string(L, "ca_out", NULL);
  cfg.faults_json = opt_string(L, "faults", NULL);
  cfg.lua_path = opt_string(L, "lua_path", NULL);
  if (cfg.lua_path == NULL)
    cfg.lua_path = caller_path(L, "path");
  cfg.lua_cpath = opt_string(L, "lua_cpath", NULL);
  if (cfg.lua_cpath == NULL)
    cfg.lua_cpath = caller_path(L, "cpath");

  /* closed and valid first, then acquire */
  e = lua_newuserdata(L, sizeof *e);
  e->mock = NULL;
  luaL_getmetatable(L, EMULATOR_MT);
  lua_setmetatable(L, -2);
  e->mock = taskip_mock_start(&cfg, err, sizeof err);
  if (e->mock == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

static int emulator_url(lua_State *L)
{
  lua_pushstring(L, taskip_mock_base_url(toemulator(L)->mock));
  return 1;
}

static int emulator_cafile(lua_State *L)
{
  lua_pushstring(L, taskip_mock_cafile(toemulator(L)->mock));
  return 1;
}

static int emulator_port(lua_State *L)
{
  lua_pushinteger(L, taskip_mock_port(toemulator(L)->mock));
  return 1;
}

/* control(json) -> reply JSON, or nil, error JSON. */
static int emulator_control(lua_State *L)
{
  lemulator *e = toemulator(L);
  const char *json = luaL_checkstring(L, 2);
  char *reply = NULL;
  int rc = taskip_mock_control(e->mock, json, &reply);
  int n = 1;

  if (rc != 0) {
    lua_pushnil(L);
    n = 2;
  }
  lua_pushstring(L, reply ? reply : "{\"error\":\"out of memory\"}");
  free(reply);
  return n;
}

/* stop(), __gc and __close: idempotent. */
static int emulator_gc(lua_State *L)
{
  lemulator *e = luaL_checkudata(L, 1, EMULATOR_MT);

  if (e->mock) {
    taskip_mock_stop(e->mock);
    e->mock = NULL;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int emulator_tostring(lua_State *L)
{
  lemulator *e = luaL_checkudata(L, 1, EMULATOR_MT);

  if (e->mock)
    lua_pushfstring(L, "taskip.emulator (%s)",
                    taskip_mock_base_url(e->mock));
  else
    lua_pushliteral(L, "taskip.emulator (stopped)");
  return 1;
}

static const luaL_Reg methods[] = {
  {"url", emulator_url},
  {"cafile", emulator_cafile},
  {"port", emulator_port},
  {"control", emulator_control},
  {"stop", emulator_gc},
  {NULL, NULL}
};

static const luaL_Reg metamethods[] = {
  {"__gc", emulator_gc},
  {"__close", emulator_gc},
  {"__tostring", emulator_tostring},
  {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"start", emulator_start},
  {NULL, NULL}
};

int luaopen_taskip_emulator(lua_State *L);

int luaopen_taskip_emulator(lua_State *L)
{
  luaL_newmetatable(L, EMULATOR_MT);
  luaL_setfuncs(L, metamethods, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, EMULATOR_MT);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_newtable(L);
  luaL_setfuncs(L, funcs, 0);
  return 1;
}
