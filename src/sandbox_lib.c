/*
** sandbox_lib.c — the library functions whose work a script controls,
** made to respect the host's limits (see sandbox.h).
**
** The count hook runs only between Lua instructions, so a C function
** that loops on a count the script chose (table.move(t, 1, 2^62, 2),
** table.insert on a table whose __len says 2^62, string.rep("", 2^40))
** would run unchecked, and allocates nothing the memory cap could stop.
** Each such function here either bounds its work up front or calls
** sb_poll every POLL_EVERY iterations, which stops the script when its
** time is up or when it holds the thread too long. table.sort is
** replaced by taskip.slicesort, written in Lua: the hook can time-slice
** it like any other script code (loaded on the first sort, through
** taskip.lazysort).
**
** Work that is linear in data the script already holds (string.upper,
** json.decode, utf8.len, ...) is bounded by the memory cap. The table
** functions take plain tables only: a script can give no other value
** the metamethods they would use.
*/
#include <limits.h>
#include <string.h>

#include <lauxlib.h>

#include "sandbox.h"
#include "host_internal.h"

#define POLL_EVERY 256        /* a step can walk a 2000-deep __index chain */

static void poll_sometimes(lua_State *L, lua_Integer i) {
  if ((i & (POLL_EVERY - 1)) == 0)
    sb_poll(L);
}

/*
** string.rep(s, n [, sep]). Lua's own copies s n times, one memcpy per
** copy: string.rep("", 2^40) loops for hours on nothing. Here the result
** (capped at 2 GB as in Lua, and by the memory cap) is sized first and
** filled by doubling, in at most 32 copies.
*/
static int str_rep(lua_State *L) {
  size_t l, lsep, total, filled, unit;
  const char *s = luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  luaL_Buffer b;
  char *p;
  sb_check(L);
  if (n <= 0 || l + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  unit = l + lsep;
  if (unit < l || unit > ((size_t)INT_MAX + lsep) / (lua_Unsigned)n)
    return luaL_error(L, "resulting string too large");
  total = unit * (size_t)n - lsep;
  if (total >= (size_t)INT_MAX)
    return luaL_error(L, "resulting string too large");
  p = luaL_buffinitsize(L, &b, total);
  memcpy(p, s, l);
  filled = l;
  if (total > l) {
    memcpy(p + l, sep, lsep);
    filled = unit;
  }
  while (filled < total) {          /* the text so far repeats itself */
    size_t k = total - filled < filled ? total - filled : filled;
    memcpy(p + filled, p, k);
    filled += k;
  }
  luaL_pushresultsize(&b, total);
  return 1;
}

/* table.insert(t, [pos,] v) */
static int tbl_insert(lua_State *L) {
  lua_Integer n, pos, i;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_intop(+, luaL_len(L, 1), 1);     /* the first empty slot */
  switch (lua_gettop(L)) {
  case 2:
    pos = n;
    break;
  case 3:
    pos = luaL_checkinteger(L, 2);
    luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)n, 2,
                  "position out of bounds");
    for (i = n; i > pos; i--) {             /* shift up */
      poll_sometimes(L, i);
      lua_geti(L, 1, i - 1);
      lua_seti(L, 1, i);
    }
    break;
  default:
    return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos);
  return 0;
}

/* table.remove(t [, pos]) */
static int tbl_remove(lua_State *L) {
  lua_Integer size, pos;
  luaL_checktype(L, 1, LUA_TTABLE);
  size = luaL_len(L, 1);
  pos = luaL_optinteger(L, 2, size);
  if (pos != size)
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                  "position out of bounds");
  lua_geti(L, 1, pos);                      /* the result */
  for (; pos < size; pos++) {               /* shift down */
    poll_sometimes(L, pos);
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos);
  return 1;
}

/* table.move(a1, f, e, t [, a2]) */
static int tbl_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  lua_Integer t = luaL_checkinteger(L, 4);
  int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
  lua_Integer i, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, tt, LUA_TTABLE);
  if (e >= f) {
    luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3,
                  "too many elements to move");
    n = e - f + 1;
    luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4,
                  "destination wrap around");
    if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
      for (i = 0; i < n; i++) {
        poll_sometimes(L, i + 1);
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    } else {
      for (i = n - 1; i >= 0; i--) {
        poll_sometimes(L, i + 1);
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
      }
    }
  }
  lua_pushvalue(L, tt);
  return 1;
}

/* table.concat(t [, sep [, i [, j]]]) */
static int tbl_concat(lua_State *L) {
  luaL_Buffer b;
  size_t lsep;
  const char *sep;
  lua_Integer i, j;
  luaL_checktype(L, 1, LUA_TTABLE);
  sep = luaL_optlstring(L, 2, "", &lsep);
  i = luaL_optinteger(L, 3, 1);
  j = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
  luaL_buffinit(L, &b);
  for (; i <= j; i++) {
    poll_sometimes(L, i);
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
      return luaL_error(L, "invalid value (%s) at index %I in table for "
                        "'concat'", luaL_typename(L, -1), (LUAI_UACINT)i);
    luaL_addvalue(&b);
    if (i < j)
      luaL_addlstring(&b, sep, lsep);
    if (i == LUA_MAXINTEGER)
      break;
  }
  luaL_pushresult(&b);
  return 1;
}

/* table.unpack(t [, i [, j]]) */
static int tbl_unpack(lua_State *L) {
  lua_Integer i = luaL_optinteger(L, 2, 1);
  lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1)
                                        : luaL_checkinteger(L, 3);
  lua_Unsigned n;
  int k;
  if (i > e)
    return 0;
  n = (lua_Unsigned)e - (lua_Unsigned)i;
  if (n >= (lua_Unsigned)INT_MAX || !lua_checkstack(L, (int)(++n)))
    return luaL_error(L, "too many results to unpack");
  for (k = 0; (lua_Unsigned)k < n; k++) {
    poll_sometimes(L, k + 1);
    lua_geti(L, 1, i + k);
  }
  return (int)n;
}

void sb_open_safe_lib(lua_State *L) {
  static const luaL_Reg table_fns[] = {
    {"insert", tbl_insert}, {"remove", tbl_remove}, {"move", tbl_move},
    {"concat", tbl_concat}, {"unpack", tbl_unpack}, {NULL, NULL}
  };
  lua_getglobal(L, "string");
  lua_pushcfunction(L, str_rep);
  lua_setfield(L, -2, "rep");
  lua_getglobal(L, "table");
  luaL_setfuncs(L, table_fns, 0);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "taskip.lazysort");     /* taskip.slicesort later */
  lua_call(L, 1, 1);
  lua_setfield(L, -2, "sort");
  lua_pop(L, 2);
}
