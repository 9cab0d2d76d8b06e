/*
** fuzz_json — JSON to Lua: lua/taskip/json.lua over lua-cjson, as the
** client decodes every response body.
**
** One Lua state (lua-cjson from the system, json.lua from the tree:
** TASKIP_LUA_DIR, else the source dir compiled in) decodes the input;
** what decodes is encoded again and decoded once more, and must come
** back to the same encoding. Checks: no crash, no unbounded recursion
** (the C stack is what it is: cjson's depth limit must hold first), and
** a decode either gives a value or a message, never raises.
*/
#include <stdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "lresult.h"

#include "fuzz_lines.h"

#ifndef FUZZ_LUA_DIR
#define FUZZ_LUA_DIR "lua"
#endif

static lua_State *L;

/*
** The round trip. Returns a list of "features" of what happened (the
** decoder's message with the numbers taken out, the kinds of values at
** each depth, the number forms): lua-cjson and liblua are not built for
** coverage here, so these stand in for it as libFuzzer extra counters.
*/
static const char ROUND_TRIP[] =
  "local json, text = ...\n"
  "local f = {}\n"
  "local function feature(s) f[#f + 1] = s end\n"
  "local function walk(v, d)\n"
  "  local t = math.type(v) or type(v)\n"
  "  local b = d < 4 and d or d < 16 and 'm' or d < 100 and 'd' or 'x'\n"
  "  feature(t .. b)\n"
  "  if t == 'float' then\n"
  "    feature(v ~= v and 'nan' or v == math.huge and 'inf'\n"
  "            or math.abs(v) > 2^53 and 'huge' or 'frac')\n"
  "  elseif t == 'string' then\n"
  "    feature('s' .. #v // 8 .. (v:find('[\\0-\\31\\128-\\255]') and 'b' or ''))\n"
  "  elseif t == 'table' then\n"
  "    local n = 0\n"
  "    for k, x in pairs(v) do\n"
  "      n = n + 1\n"
  "      feature('k' .. (math.type(k) or type(k)))\n"
  "      if n < 64 then walk(x, d + 1) end\n"
  "    end\n"
  "    feature('n' .. (n < 8 and n or 'many'))\n"
  "  end\n"
  "end\n"
  "local v, err = json.decode(text)\n"
  "if v == nil then\n"
  "  assert(type(err) == 'string', 'decode failed without a message')\n"
  "  feature('decode: ' .. err:gsub('%d+', '#'))\n"
  "  return f\n"
  "end\n"
  "walk(v, 0)\n"
  "local once, e1 = json.encode(v)\n"
  "if once == nil then\n"
  "  assert(type(e1) == 'string', 'encode failed without a message')\n"
  "  feature('encode: ' .. e1:gsub('%d+', '#'))\n"
  "  return f\n"
  "end\n"
  "local back, e2 = json.decode(once)\n"
  "assert(back ~= nil, e2)\n"
  "local twice, e3 = json.encode(back)\n"
  "assert(twice ~= nil, e3)\n"
  "assert(twice == once or type(back) == 'table',\n"
  "       'round trip changed a scalar: ' .. once .. ' / ' .. twice)\n"
  "return f\n";

/* Features seen, as extra coverage counters for libFuzzer. */
#define NCOUNTERS 8192
__attribute__((section("__libfuzzer_extra_counters")))
static uint8_t counters[NCOUNTERS];

static void count_feature(const char *s, size_t len) {
  uint32_t h = 2166136261u;                  /* FNV-1a */
  size_t i;
  for (i = 0; i < len; i++)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  counters[h % NCOUNTERS]++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The part of taskip.core that taskip.json uses: the integer pass. */
static int open_core(lua_State *S) {
  lua_newtable(S);
  lua_pushcfunction(S, taskip_integers);
  lua_setfield(S, -2, "integers");
  return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *dir = getenv("TASKIP_LUA_DIR");
  (void)argc;
  (void)argv;
  L = luaL_newstate();
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", dir ? dir : FUZZ_LUA_DIR,
                  dir ? dir : FUZZ_LUA_DIR);
  lua_setfield(L, -2, "path");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, open_core);
  lua_setfield(L, -2, "taskip.core");
  lua_pop(L, 2);
  if (luaL_loadstring(L, "return (require 'taskip.json')") != LUA_OK ||
      lua_pcall(L, 0, 1, 0) != LUA_OK) {
    fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setglobal(L, "JSON");
  if (luaL_loadbuffer(L, ROUND_TRIP, sizeof(ROUND_TRIP) - 1, "=round_trip")
      != LUA_OK) {
    fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setglobal(L, "ROUND_TRIP");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top = lua_gettop(L);
  lua_getglobal(L, "ROUND_TRIP");
  lua_getglobal(L, "JSON");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    fprintf(stderr, "fuzz_json: %s\n", lua_tostring(L, -1));
    abort();
  }
  {
    lua_Integer i, n = luaL_len(L, -1);
    for (i = 1; i <= n; i++) {
      size_t len;
      const char *f;
      lua_rawgeti(L, -1, i);
      f = lua_tolstring(L, -1, &len);
      count_feature(f, len);
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
