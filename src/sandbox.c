/*
** sandbox.c — the sandboxed lua_State of one script (see sandbox.h).
**
** Building a state: lua_newstate with a counting allocator; the
** standard library (without io and debug) is opened only to load the
** Lua facade (lua/taskip/, as stripped bytecode from the host's cache)
** and lua-cjson, whose modules capture what they use as upvalues at load
** time; the string library (shared through the string metatable) loses
** dump and gets guarded pattern functions; setmetatable refuses __gc
** everywhere in the state, facade included; then the dangerous globals
** are removed from the real globals table, and the script gets an
** environment of its own built from an allow list, with copies of the
** library tables. The script never sees the real globals, the registry,
** package.loaded or any library table that another part of the state
** uses.
**
** Caveats, recorded once:
** - Finalizers run with hooks off, so no script may create one: the
**   __gc check at setmetatable time is what stops a finalizer loop
**   (objects are marked for finalization only then).
** - The hook never fires inside one C call: pattern functions and
**   json.encode are estimated first; the functions that loop on a count
**   the script chose poll the clock (sandbox_lib.c), table.sort is Lua.
** - Script code called from C (a gsub callback, a metamethod, a load
**   reader) cannot yield: past its slice, the hook stops the script
**   once it has held the thread sb->hold too long (check_time).
** - Message handlers run where the error was raised, with hooks off
**   when the hook raised it: base_xpcall runs them in a thread of their
**   own, and never once the script is killed.
** - CPU limits hold for PUC Lua 5.4 only; LuaJIT traces skip hooks.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "sandbox.h"
#include "host_internal.h"
#ifdef TASKIP_BUILTIN_JSON
#include <lua-cjson.h>            /* lua-cjson-dev: liblua5.4-cjson.a */
#endif

#define HOOK_COUNT 1000           /* instructions between hook calls */
#define MAX_DEPTH 100000          /* nested calls: Lua's own limit comes
                                     only after ~60 MB of call frames */
#define DEPTH_CHECK_MEM (4u << 20) /* look at the depth above this use */

/* Private registry keys: addresses of statics. */
static const char ENV_KEY = 'e';      /* the script's environment */
static const char ERRMT_KEY = 'm';    /* the facade's error metatable */
static const char THREADS_KEY = 't';  /* host threads -> true */
static const char PROTECTED_KEY = 'p';  /* { __metatable = "protected" } */
static char SENTINEL;                 /* the value a host yield yields */

static void sb_hook(lua_State *L, lua_Debug *ar);

/* {======================================================= basics */

double sb_clock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

sandbox *sb_of(lua_State *L) {
  return *(sandbox **)lua_getextraspace(L);
}

void sb_kill(sandbox *sb, sb_limit why, const char *fmt, ...) {
  va_list ap;
  if (sb->killed != SB_LIMIT_NONE)
    return;
  sb->killed = why;
  if (sb->kills != NULL)
    (*sb->kills)++;
  va_start(ap, fmt);
  vsnprintf(sb->reason, sizeof(sb->reason), fmt, ap);
  va_end(ap);
}

/* Raises the kill reason from the running thread, after making the
** hook fire on every instruction of this thread. */
static int raise_killed(lua_State *L, sandbox *sb) {
  lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, sb->reason);
  return lua_error(L);
}

void sb_check(lua_State *L) {
  sandbox *sb = sb_of(L);
  if (sb->killed == SB_LIMIT_NONE && sb->over_memory)
    sb_kill(sb, SB_LIMIT_MEMORY, "memory limit (%zu MB) exceeded",
            sb->mem_script_cap >> 20);
  if (sb->killed != SB_LIMIT_NONE)
    raise_killed(L, sb);
}

/*
** The allocator: a hard cap on the whole state. Lua answers a refused
** allocation with an emergency collection and the very same request
** again: when that retry is refused too, no collection can help and the
** script is over its limit for good (the hook or the next host function
** stops it). A request bigger than the whole cap can never succeed: a
** script may catch the first "not enough memory", and the second such
** request puts it over (else pcall(string.rep, "x", 2^30) in a loop
** would spin until the time limit).
*/
static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  sandbox *sb = ud;
  size_t old = ptr != NULL ? osize : 0;
  void *p;
  if (nsize == 0) {
    free(ptr);
    sb->mem_used -= old;
    return NULL;
  }
  if (nsize > old && sb->mem_cap != 0 &&
      sb->mem_used - old + nsize > sb->mem_cap) {
    if ((sb->fail_ptr == ptr && sb->fail_osize == osize &&
         sb->fail_nsize == nsize) ||
        (nsize > sb->mem_script_cap && ++sb->hopeless >= 2))
      sb->over_memory = 1;
    sb->fail_ptr = ptr;
    sb->fail_osize = osize;
    sb->fail_nsize = nsize;
    return NULL;
  }
  /* most requests are new objects: malloc skips realloc's checks */
  p = ptr == NULL ? malloc(nsize) : realloc(ptr, nsize);
  if (p == NULL)
    return NULL;
  sb->mem_used = sb->mem_used - old + nsize;
  if (nsize > old)
    sb->fail_nsize = 0;
  return p;
}

static int sb_panic(lua_State *L) {
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                   : "error object";
  fprintf(stderr, "taskip host: unprotected Lua error: %s\n", msg);
  abort();
  return 0;
}

static double thread_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sb_slice_start(sandbox *sb, double slice_end) {
  sb->slice_end = slice_end;
  sb->slice_wall0 = sb_clock();
  sb->slice_cpu0 = thread_cpu();
}

/*
** Kills the script if its time is up (now: monotonic seconds), or if
** it is past its slice where it cannot yield and has used sb->hold
** seconds of CPU more than the slice allowed. CPU, not wall time,
** decides the second case: on a busy machine the slice's wall time is
** not the script's doing. Only while the host runs the script.
*/
static void check_time(sandbox *sb, double now) {
  double allowed;
  if (sb->deadline != 0 && now >= sb->deadline) {
    sb_kill(sb, SB_LIMIT_TIME, "time limit (%g s) exceeded",
            sb->time_limit);
    return;
  }
  if (sb->task == NULL || sb->hold <= 0 || now < sb->slice_end + sb->hold)
    return;
  allowed = sb->slice_end - sb->slice_wall0 + sb->hold;
  if (thread_cpu() - sb->slice_cpu0 >= allowed)
    sb_kill(sb, SB_LIMIT_HELD, "held the thread for more than %.0f ms "
            "without yielding (a long library call, or script code "
            "called from C: a string.gsub callback, a metamethod, a load "
            "reader); stopped so that other scripts can run",
            allowed * 1000);
}

void sb_poll(lua_State *L) {
  sandbox *sb = sb_of(L);
  if (sb->killed == SB_LIMIT_NONE && sb->hooks_on)
    check_time(sb, sb_clock());
  sb_check(L);
}

/*
** The count hook. Killed: raise, every instruction. Else account the
** instructions, check the limits, and yield when the host's time slice
** is over and this coroutine can yield (hooks may yield in 5.4); where
** it cannot, check_time stops a script that holds on too long.
*/
static void sb_hook(lua_State *L, lua_Debug *ar) {
  sandbox *sb = sb_of(L);
  (void)ar;
  if (sb->killed == SB_LIMIT_NONE && sb->hooks_on) {
    double now;
    sb->instr_used += HOOK_COUNT;
    if (sb->instr_budget != 0 && sb->instr_used > sb->instr_budget)
      sb_kill(sb, SB_LIMIT_INSTRUCTIONS, "instruction limit (%lld) "
              "exceeded", sb->instr_budget);
    else if (sb->over_memory)
      sb_kill(sb, SB_LIMIT_MEMORY, "memory limit (%zu MB) exceeded",
              sb->mem_script_cap >> 20);
    if (sb->killed == SB_LIMIT_NONE && sb->mem_used > sb->deep_mem) {
      lua_Debug d;
      if (lua_getstack(L, MAX_DEPTH, &d))
        luaL_error(L, "stack overflow (more than %d nested calls)",
                   MAX_DEPTH);
    }
    if (sb->killed == SB_LIMIT_NONE) {
      now = sb_clock();
      if (now >= sb->slice_end && sb->task != NULL && lua_isyieldable(L)
          && (sb->deadline == 0 || now < sb->deadline)) {
        sb->slice_yield = 1;
        lua_yield(L, 0);
        return;
      }
      check_time(sb, now);
    }
  }
  if (sb->killed != SB_LIMIT_NONE)
    raise_killed(L, sb);
}

void sb_arm(sandbox *sb, lua_State *co) {
  lua_sethook(co, sb_hook, LUA_MASKCOUNT,
              sb->killed != SB_LIMIT_NONE ? 1 : HOOK_COUNT);
}

/* }======================================================= */

/* {======================================================= base */

/*
** load(chunk [, name [, mode [, env]]]): text only, whatever mode says;
** the script's environment unless env is a table. The parser has no
** hook, so a string is fed to it in pieces and sb_poll runs between
** them, as it does between the pieces of a reader function.
*/
#define LOAD_PIECE 65536

typedef struct load_source {
  const char *s;                /* a string chunk, or NULL: a reader */
  size_t left;
} load_source;

static const char *read_piece(lua_State *L, void *ud, size_t *size) {
  load_source *src = ud;
  sb_poll(L);
  if (src->s != NULL) {
    const char *p = src->s;
    *size = src->left < LOAD_PIECE ? src->left : LOAD_PIECE;
    src->s += *size;
    src->left -= *size;
    return *size > 0 ? p : NULL;
  }
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *size = 0;
    return NULL;
  }
  if (!lua_isstring(L, -1))
    luaL_error(L, "reader function must return a string");
  lua_replace(L, 5);                        /* keeps the piece alive */
  return lua_tolstring(L, 5, size);
}

static int base_load(lua_State *L) {
  load_source src;
  const char *name;
  int status;
  sb_check(L);
  src.s = lua_tolstring(L, 1, &src.left);
  name = luaL_optstring(L, 2, src.s != NULL ? src.s : "=(load)");
  if (src.s == NULL)
    luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 5);
  status = lua_load(L, read_piece, &src, name, "t");
  if (status != LUA_OK) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  if (lua_type(L, 4) == LUA_TTABLE)
    lua_pushvalue(L, 4);
  else
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ENV_KEY);
  if (lua_setupvalue(L, -2, 1) == NULL)
    lua_pop(L, 1);
  return 1;
}

/*
** xpcall(f, handler, ...). Lua calls the message handler where the
** error was raised, before unwinding; for an error raised by the hook
** (a limit, the depth check) that is with hooks off, where a looping
** handler would never stop. So the script's handler never runs once
** the script is killed, and otherwise runs in a fresh thread of its
** own, whose hook works; a handler that yields gets an error.
*/
static int run_handler(lua_State *L) {      /* upvalue 1: the handler */
  sandbox *sb = sb_of(L);
  lua_State *co;
  int st, nres;
  lua_settop(L, 1);
  if (sb->killed != SB_LIMIT_NONE)
    return 1;                               /* the error, unchanged */
  co = lua_newthread(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 2);
  for (;;) {
    sb_arm(sb, co);
    st = lua_resume(co, L, 1, &nres);
    if (st != LUA_YIELD || !sb->slice_yield)
      break;
    sb->slice_yield = 0;                    /* cannot yield here */
    lua_pop(co, nres);
    sb_poll(L);
    lua_pushnil(co);                        /* resume takes one value */
  }
  sb_check(L);
  if (st == LUA_YIELD) {
    memset(&sb->op, 0, sizeof(sb->op));     /* a host yield is dropped */
    lua_pushliteral(L, "a message handler cannot wait or yield");
    return 1;
  }
  if (st != LUA_OK || nres == 0) {
    lua_xmove(co, L, st != LUA_OK ? 1 : 0);
    if (st == LUA_OK)
      lua_pushnil(L);
    return 1;
  }
  lua_pop(co, nres - 1);
  lua_xmove(co, L, 1);
  return 1;
}

static int xpcall_done(lua_State *L, int status, lua_KContext base) {
  if (status != LUA_OK && status != LUA_YIELD) {
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
  }
  return lua_gettop(L) - (int)base;
}

static int base_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, run_handler, 1);
  lua_replace(L, 2);                        /* f, guard, args... */
  lua_pushboolean(L, 1);
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 2);                      /* f, guard, true, f, args */
  return xpcall_done(L, lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2,
                                   xpcall_done), 2);
}

/* setmetatable(t, mt): refuses a metatable with a __gc key of any
** value, and honours __metatable protection. Used by the facade too. */
static int base_setmetatable(lua_State *L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "setmetatable: a metatable with __gc is not "
                        "allowed");
    lua_pop(L, 1);
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

/* getmetatable(v): nil for anything but a table. */
static int base_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  luaL_getmetafield(L, 1, "__metatable");
  return 1;
}

static int base_collectgarbage(lua_State *L) {
  const char *opt = luaL_optstring(L, 1, "collect");
  int k, b;
  sb_check(L);
  if (strcmp(opt, "count") != 0)
    return luaL_error(L, "collectgarbage: only \"count\" is allowed");
  k = lua_gc(L, LUA_GCCOUNT);
  b = lua_gc(L, LUA_GCCOUNTB);
  lua_pushnumber(L, (lua_Number)k + ((lua_Number)b / 1024));
  return 1;
}

void sb_push_joined(lua_State *L, char sep) {
  int i, n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    if (i > 1)
      luaL_addchar(&b, sep);
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
}

/* print(...): one line to the host, which escapes and counts it. */
static int base_print(lua_State *L) {
  sandbox *sb = sb_of(L);
  size_t len;
  const char *s;
  sb_check(L);
  sb_push_joined(L, '\t');
  s = lua_tolstring(L, -1, &len);
  if (sb->print != NULL && sb->print(sb, s, len) != 0)
    sb_check(L);
  return 0;
}

/* }======================================================= */

/* {======================================================= strings */

/* string.find/match/gmatch/gsub with the real function as upvalue 1:
** refuse a match whose work is clearly unbounded, then delegate. */
static int guard_pattern(lua_State *L, int plain_ok, int anchor) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  double cost;
  sb_check(L);
  if (plain_ok && (lua_toboolean(L, 4) || lp == strcspn(p, "^$*+?.([%-")))
    cost = host_plain_cost(lp, ls);
  else
    cost = host_pattern_cost(p, lp, s, ls, anchor);
  if (cost > HOST_PATTERN_LIMIT) {
    char msg[160];
    snprintf(msg, sizeof(msg), "pattern too complex for a subject of %zu "
             "bytes (it could take %.0e steps)", ls, cost);
    return luaL_error(L, "%s", msg);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static int str_find(lua_State *L) {
  return guard_pattern(L, 1, 1);
}

static int str_match(lua_State *L) {
  return guard_pattern(L, 0, 1);
}

static int str_gmatch(lua_State *L) {
  return guard_pattern(L, 0, 0);
}

static int str_gsub(lua_State *L) {
  return guard_pattern(L, 0, 1);
}

/* Guards the real string table (the string metatable's __index). */
static void guard_strings(lua_State *L) {
  static const luaL_Reg guards[] = {
    {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch},
    {"gsub", str_gsub}, {NULL, NULL}
  };
  const luaL_Reg *g;
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  for (g = guards; g->name != NULL; g++) {
    lua_getfield(L, -1, g->name);
    lua_pushcclosure(L, g->func, 1);
    lua_setfield(L, -2, g->name);
  }
  lua_pop(L, 1);
}

/* }======================================================= */

/* {======================================================= coroutines */

static int is_host_thread(lua_State *L, int idx) {
  int yes;
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &THREADS_KEY);
  lua_pushvalue(L, idx);
  yes = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return yes;
}

int sb_is_host_yield(lua_State *co, int nres) {
  sandbox *sb = sb_of(co);
  return nres >= 1 && lua_touserdata(co, -1) == &SENTINEL &&
         sb->op.kind != SB_OP_NONE;
}

int sb_host_yield(lua_State *L, sb_op_kind kind, void *data, double secs,
                  lua_KContext ctx, lua_KFunction k) {
  sandbox *sb = sb_of(L);
  if (!lua_isyieldable(L) || L == sb->L)
    return luaL_error(L, "taskip: cannot wait here (inside a C function "
                      "such as table.sort, string.gsub or tostring)");
  sb->op.kind = kind;
  sb->op.data = data;
  sb->op.seconds = secs;
  sb->op.fail = NULL;
  lua_pushlightuserdata(L, &SENTINEL);
  return lua_yieldk(L, 1, ctx, k);
}

void sb_op_resumed(lua_State *L) {
  sandbox *sb = sb_of(L);
  if (sb->op.kind != SB_OP_NONE) {        /* never reached the host */
    const char *why = sb->op.fail ? sb->op.fail : "host yield lost";
    memset(&sb->op, 0, sizeof(sb->op));
    luaL_error(L, "taskip: %s", why);
  }
}

/*
** The loop behind coroutine.resume and coroutine.wrap's functions.
** base: stack slots below the arguments (1 for resume: the thread).
** A host yield or a time-slice yield of the inner coroutine is passed
** up by yielding this coroutine too (with this function's continuation),
** then the inner one is resumed with what the host gave back. Where the
** caller cannot yield, a slice just goes on and a host op fails.
*/
static int resume_k(lua_State *L, int status, lua_KContext ctx);

/* While the inner coroutine waits for the host, it counts as a host
** thread: another branch of a parallel group may not resume or close
** it meanwhile. */
static int wait_for_host(lua_State *L, int wrap, int nres) {
  sb_adopt(L, wrap ? lua_upvalueindex(1) : 1);
  if (nres > 0)
    lua_pushlightuserdata(L, &SENTINEL);
  return lua_yieldk(L, nres, wrap, resume_k);
}

static int resume_loop(lua_State *L, lua_State *co, int wrap, int narg) {
  sandbox *sb = sb_of(L);
  for (;;) {
    int nres, st;
    sb_check(L);
    if (!lua_checkstack(co, narg))
      return luaL_error(L, "too many arguments to resume");
    lua_xmove(L, co, narg);
    sb_arm(sb, co);
    st = lua_resume(co, L, narg, &nres);
    narg = 0;
    sb_check(L);
    if (st == LUA_YIELD && sb->slice_yield) {
      lua_pop(co, nres);
      if (lua_isyieldable(L) && L != sb->L)
        return wait_for_host(L, wrap, 0);
      sb->slice_yield = 0;
      sb_poll(L);                 /* held where it cannot yield */
      continue;
    }
    if (st == LUA_YIELD && sb_is_host_yield(co, nres)) {
      lua_pop(co, nres);
      if (lua_isyieldable(L) && L != sb->L)
        return wait_for_host(L, wrap, 1);
      sb->op.fail = "cannot wait here (inside a C function such as "
                    "table.sort, string.gsub or tostring)";
      continue;
    }
    if (st == LUA_OK || st == LUA_YIELD) {
      if (!lua_checkstack(L, nres + 1)) {
        lua_pop(co, nres);
        return luaL_error(L, "too many results to resume");
      }
      if (!wrap)
        lua_pushboolean(L, 1);
      lua_xmove(co, L, nres);
      return nres + (wrap ? 0 : 1);
    }
    lua_xmove(co, L, 1);                            /* the error */
    if (!wrap) {
      lua_pushboolean(L, 0);
      lua_insert(L, -2);
      return 2;
    }
    if (lua_type(L, -1) == LUA_TSTRING) {           /* as 5.4 does */
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
}

static int resume_k(lua_State *L, int status, lua_KContext ctx) {
  int wrap = (int)ctx;
  lua_State *co = wrap ? lua_tothread(L, lua_upvalueindex(1))
                       : lua_tothread(L, 1);
  (void)status;
  sb_forget(sb_of(L), co);
  return resume_loop(L, co, wrap, lua_gettop(L) - (wrap ? 0 : 1));
}

static void check_resumable(lua_State *L, lua_State *co, int idx) {
  if (is_host_thread(L, idx))
    luaL_error(L, "cannot resume a coroutine the host runs");
  if (lua_status(co) == LUA_OK && lua_gettop(co) == 0)
    luaL_error(L, "cannot resume dead coroutine");
}

static int co_resume(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "coroutine");
  if (is_host_thread(L, 1)) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "cannot resume a coroutine the host runs");
    return 2;
  }
  if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "cannot resume dead coroutine");
    return 2;
  }
  return resume_loop(L, co, 0, lua_gettop(L) - 1);
}

static int co_wrapped(lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  check_resumable(L, co, lua_upvalueindex(1));
  return resume_loop(L, co, 1, lua_gettop(L));
}

static int co_wrap(lua_State *L) {
  lua_State *co;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, co_wrapped, 1);
  return 1;
}

/* A top-level yield would reach the host: an error, not a host yield. */
static int co_yield(lua_State *L) {
  sandbox *sb = sb_of(L);
  sb_check(L);
  if (L == sb->task || L == sb->L)
    return luaL_error(L, "attempt to yield from outside a coroutine");
  return lua_yield(L, lua_gettop(L));
}

static int co_isyieldable(lua_State *L) {
  sandbox *sb = sb_of(L);
  lua_State *co;
  if (lua_isnone(L, 1))
    lua_pushthread(L);
  co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "coroutine");
  lua_pushboolean(L, lua_isyieldable(co) && co != sb->task &&
                     !is_host_thread(L, 1));
  return 1;
}

/* coroutine.close with the real one as upvalue 1: not on host threads. */
static int co_close(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co != NULL, 1, "coroutine");
  if (is_host_thread(L, 1))
    return luaL_error(L, "cannot close a coroutine the host runs");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* The script's coroutine table, from the real one at index lib. */
static void push_coroutine_lib(lua_State *L, int lib) {
  static const char *const plain[] = {"create", "status", "running", NULL};
  const char *const *k;
  lua_createtable(L, 0, 8);
  for (k = plain; *k != NULL; k++) {
    lua_getfield(L, lib, *k);
    lua_setfield(L, -2, *k);
  }
  lua_pushcfunction(L, co_resume);
  lua_setfield(L, -2, "resume");
  lua_pushcfunction(L, co_wrap);
  lua_setfield(L, -2, "wrap");
  lua_pushcfunction(L, co_yield);
  lua_setfield(L, -2, "yield");
  lua_pushcfunction(L, co_isyieldable);
  lua_setfield(L, -2, "isyieldable");
  lua_getfield(L, lib, "close");
  lua_pushcclosure(L, co_close, 1);
  lua_setfield(L, -2, "close");
}

void sb_adopt(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &THREADS_KEY);
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void sb_forget(sandbox *sb, lua_State *co) {
  lua_State *L = sb->L;
  if (!lua_checkstack(L, 3))
    return;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &THREADS_KEY);
  lua_pushthread(co);
  lua_xmove(co, L, 1);
  lua_pushnil(L);
  lua_rawset(L, -3);                  /* an existing key: no allocation */
  lua_pop(L, 1);
}

/* }======================================================= */

/* {======================================================= setup */

/* A copy of the table at idx, with a protected metatable. */
static void push_copy(lua_State *L, int idx) {
  int n = 0, copy;
  idx = lua_absindex(L, idx);
  copy = lua_gettop(L) + 1;
  lua_pushnil(L);               /* one pass: the pairs wait on the stack */
  while (lua_next(L, idx) != 0) {
    luaL_checkstack(L, 3, "copying a library");
    lua_pushvalue(L, -2);
    n++;
  }
  lua_createtable(L, 0, n);     /* sized: no rehashes */
  lua_insert(L, copy);
  while (n-- > 0)
    lua_rawset(L, copy);
}

/* Gives the table at idx the metatable that hides itself: one per
** state, shared by the library copies and the environment. */
static void protect(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &PROTECTED_KEY) == LUA_TNIL) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &PROTECTED_KEY);
  }
  lua_setmetatable(L, idx);
}

static void copy_lib(lua_State *L, int env, const char *name) {
  lua_getglobal(L, name);
  push_copy(L, -1);
  protect(L, -1);
  lua_setfield(L, env, name);
  lua_pop(L, 1);
}

/* The script's environment, from the real globals (still complete). */
static int build_env(lua_State *L) {
  static const char *const base[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal",
    "rawget", "rawlen", "rawset", "select", "tonumber", "tostring",
    "type", "_VERSION", NULL
  };
  static const luaL_Reg own[] = {
    {"load", base_load}, {"xpcall", base_xpcall},
    {"setmetatable", base_setmetatable},
    {"getmetatable", base_getmetatable},
    {"collectgarbage", base_collectgarbage}, {"print", base_print},
    {NULL, NULL}
  };
  static const char *const os_names[] = {"time", "clock", "date",
                                         "difftime", NULL};
  const char *const *k;
  int env;
  lua_createtable(L, 0, 40);
  env = lua_gettop(L);
  for (k = base; *k != NULL; k++) {
    lua_getglobal(L, *k);
    lua_setfield(L, env, *k);
  }
  luaL_setfuncs(L, own, 0);
  copy_lib(L, env, "string");
  copy_lib(L, env, "table");
  copy_lib(L, env, "math");
  copy_lib(L, env, "utf8");
  lua_getglobal(L, "os");
  lua_createtable(L, 0, 4);
  for (k = os_names; *k != NULL; k++) {
    lua_getfield(L, -2, *k);
    lua_setfield(L, -2, *k);
  }
  protect(L, -1);
  lua_setfield(L, env, "os");
  lua_pop(L, 1);
  lua_getglobal(L, "coroutine");
  push_coroutine_lib(L, lua_gettop(L));
  protect(L, -1);
  lua_setfield(L, env, "coroutine");
  lua_pop(L, 1);
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  return env;
}

/* {------------------------------------------------ module cache */

struct sb_chunk {
  sb_chunk *next;
  char *name, *chunkname;       /* "taskip.json", "@/path/json.lua" */
  char *code;                   /* lua_dump output */
  size_t len;
};

void sb_chunks_free(sb_chunk *c) {
  while (c != NULL) {
    sb_chunk *next = c->next;
    free(c->name);
    free(c->chunkname);
    free(c->code);
    free(c);
    c = next;
  }
}

int sb_chunks_add(sb_chunk **list, const char *name, const char *chunkname,
                  const void *code, size_t len) {
  sb_chunk *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return -1;
  c->name = strdup(name);
  c->chunkname = strdup(chunkname);
  c->code = malloc(len);
  if (c->name == NULL || c->chunkname == NULL || c->code == NULL) {
    sb_chunks_free(c);
    return -1;
  }
  memcpy(c->code, code, len);
  c->len = len;
  c->next = *list;
  *list = c;
  return 0;
}

typedef struct dump_buf {
  char *code;
  size_t len;
} dump_buf;

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud) {
  dump_buf *b = ud;
  char *code = realloc(b->code, b->len + n);
  (void)L;
  if (code == NULL)
    return 1;
  memcpy(code + b->len, p, n);
  b->code = code;
  b->len += n;
  return 0;
}

int sb_dump(lua_State *L, int strip, char **code, size_t *len) {
  dump_buf b = {NULL, 0};
  if (lua_dump(L, dump_writer, &b, strip) != 0) {
    free(b.code);
    return -1;
  }
  *code = b.code;
  *len = b.len;
  return 0;
}

/* Compiles module `name` from package.path (text only) and keeps its
** bytecode; leaves the loaded function on the stack. NULL if absent. */
static sb_chunk *compile_module(lua_State *L, const char *name) {
  sb_chunk *c;
  const char *path;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchpath");
  lua_pushstring(L, name);
  lua_getfield(L, -3, "path");
  lua_call(L, 2, 1);
  path = lua_tostring(L, -1);
  if (path == NULL) {
    lua_pop(L, 2);
    return NULL;
  }
  if (luaL_loadfilex(L, path, "t") != LUA_OK)
    lua_error(L);
  c = calloc(1, sizeof(*c));
  /* stripped, as every state holds these prototypes and the facade's
  ** errors name the script's line; but not table.sort's, whose errors
  ** (comparing the script's values) must read as Lua's own */
  if (c == NULL || sb_dump(L, strcmp(name, "taskip.slicesort") != 0,
                           &c->code, &c->len) != 0) {
    sb_chunks_free(c);
    luaL_error(L, "not enough memory to keep module %s", name);
  }
  c->name = strdup(name);
  c->chunkname = malloc(strlen(path) + 2);
  if (c->name == NULL || c->chunkname == NULL) {
    sb_chunks_free(c);
    luaL_error(L, "not enough memory to keep module %s", name);
  }
  c->chunkname[0] = '@';
  strcpy(c->chunkname + 1, path);
  lua_replace(L, -3);                       /* function over package */
  lua_pop(L, 1);
  return c;
}

/* A package searcher in front of the file searchers: serves modules
** from the host's cache, compiling each once. Upvalue: the cache. */
static int cached_searcher(lua_State *L) {
  sb_chunk **cache = lua_touserdata(L, lua_upvalueindex(1));
  const char *name = luaL_checkstring(L, 1);
  sb_chunk *c;
  for (c = *cache; c != NULL; c = c->next)
    if (strcmp(c->name, name) == 0)
      break;
  if (c == NULL) {
    c = compile_module(L, name);
    if (c == NULL) {
      lua_pushfstring(L, "\n\tno module '%s' in the host's cache", name);
      return 1;
    }
    c->next = *cache;
    *cache = c;
  } else if (luaL_loadbufferx(L, c->code, c->len, c->chunkname, "b")
             != LUA_OK) {
    lua_error(L);
  }
  lua_pushstring(L, c->chunkname + 1);
  return 2;
}

/* Compiles module `name` into the cache, unless it is there already,
** without running it: modules the facade requires on first use are
** read from disk while the host sets up its first script, not later
** inside a sealed script state (which has no package.path to read). */
static void precompile(lua_State *L, sb_chunk **cache, const char *name) {
  sb_chunk *c;
  for (c = *cache; c != NULL; c = c->next)
    if (strcmp(c->name, name) == 0)
      return;
  c = compile_module(L, name);
  if (c == NULL)
    return;
  lua_pop(L, 1);
  c->next = *cache;
  *cache = c;
}

/* Puts cached_searcher in package.searchers after the preload one
** (taskip.core, cjson) and before the file searchers. */
static void use_cache(lua_State *L, sb_chunk **cache) {
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "insert");
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  lua_replace(L, -2);
  lua_pushinteger(L, 2);
  lua_pushlightuserdata(L, cache);
  lua_pushcclosure(L, cached_searcher, 1);
  lua_call(L, 3, 0);
  lua_pop(L, 1);
}

/* }------------------------------------------------ */

/* The facade's require once the state is sealed: the taskip modules
** it loads on first use (taskip.form, taskip.paginate, the endpoint
** table) and nothing else. Only the real globals hold it, which no
** script sees. Upvalue: the real require. */
static int facade_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (strncmp(name, "taskip.", 7) != 0)
    return luaL_error(L, "module '%s' is not available here", name);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static void require_to_top(lua_State *L, const char *name) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
}

/* The standard libraries the facade and the script's environment use:
** not io or debug (the facade reads neither inside the host). */
static void open_libs(lua_State *L) {
  static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base}, {LUA_LOADLIBNAME, luaopen_package},
    {LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
    {LUA_OSLIBNAME, luaopen_os}, {LUA_STRLIBNAME, luaopen_string},
    {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
    {NULL, NULL}
  };
  const luaL_Reg *lib;
  for (lib = libs; lib->func != NULL; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
}

/* Protected: everything that turns a fresh state into a sealed one. */
static int setup_main(lua_State *L) {
  static const char *const strip[] = {
    "io", "os", "debug", "package", "require", "dofile", "loadfile",
    "load", "collectgarbage", "print", "warn", NULL
  };
  static const char *const helpers[] = {
    "payload", "message", "items", "pagination", "null", "version", NULL
  };
  static const char *const unloaded[] = {"os", NULL};
  /* what the facade requires on first use, once the state is sealed */
  static const char *const on_first_use[] = {
    "taskip.resources", "taskip.endpoints", "taskip.paginate", "taskip.form",
    "taskip.file", "taskip.query", "taskip.read", "taskip.slicesort", NULL
  };
  const sb_config *cfg = lua_touserdata(L, 1);
  const char *const *k;
  int facade, client, env;
  /* no collection steps while the state is built: sb_new collects once
  ** when it is done */
  lua_gc(L, LUA_GCSTOP);
  /* the globals and loaded-modules tables, sized for what comes */
  lua_createtable(L, 0, 64);
  lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_createtable(L, 0, 32);
  lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  open_libs(L);
  guard_strings(L);
  lua_pushcfunction(L, base_setmetatable);
  lua_setglobal(L, "setmetatable");
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &THREADS_KEY);

  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", cfg->lua_dir, cfg->lua_dir);
  lua_setfield(L, -2, "path");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, cfg->open_core);
  lua_setfield(L, -2, "taskip.core");
#ifdef TASKIP_BUILTIN_JSON
  lua_pushcfunction(L, luaopen_cjson);       /* linked in, hidden */
  lua_setfield(L, -2, "cjson");
  lua_pop(L, 1);
  lua_pushliteral(L, "");                     /* no C module is loaded */
  lua_setfield(L, -2, "cpath");
#else
  lua_pop(L, 1);
#endif
  if (cfg->chunks != NULL) {
    use_cache(L, cfg->chunks);
    for (k = on_first_use; *k != NULL; k++)
      precompile(L, cfg->chunks, *k);
  }
  require_to_top(L, "cjson");
  host_json_guard(L);
  lua_getfield(L, -2, "loaded");
  lua_insert(L, -2);
  lua_setfield(L, -2, "cjson");
  lua_pop(L, 2);

  sb_open_safe_lib(L);
  require_to_top(L, "taskip");
  facade = lua_gettop(L);
  lua_getfield(L, facade, "new");
  lua_createtable(L, 0, 1);
  lua_pushstring(L, cfg->base_url);
  lua_setfield(L, -2, "base_url");
  lua_call(L, 1, 1);
  client = lua_gettop(L);
  lua_getfield(L, facade, "errors");
  lua_getfield(L, -1, "new");
  lua_newtable(L);
  lua_call(L, 1, 1);
  if (!lua_getmetatable(L, -1))
    lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ERRMT_KEY);
  lua_pop(L, 2);

  env = build_env(L);
  for (k = helpers; *k != NULL; k++) {
    lua_getfield(L, facade, *k);
    lua_setfield(L, client, *k);
  }
  lua_pushvalue(L, client);
  lua_setfield(L, env, "taskip");
  lua_getfield(L, facade, "json");
  push_copy(L, -1);
  protect(L, -1);
  lua_setfield(L, env, "json");
  lua_pop(L, 1);
  if (cfg->install != NULL)
    cfg->install(L, env, client);
  protect(L, env);
  lua_pushvalue(L, env);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ENV_KEY);

  lua_getglobal(L, "require");
  for (k = strip; *k != NULL; k++) {
    lua_pushnil(L);
    lua_setglobal(L, *k);
  }
  lua_pushcclosure(L, facade_require, 1);
  lua_setglobal(L, "require");
  /* what the modules captured stays; the library tables can go */
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  for (k = unloaded; *k != NULL; k++) {
    lua_pushnil(L);
    lua_setfield(L, -2, *k);
  }
  lua_pop(L, 1);
  return 0;
}

sandbox *sb_new(const sb_config *cfg, char *err, size_t errlen) {
  sandbox *sb = calloc(1, sizeof(*sb));
  sb_config copy = *cfg;
  lua_State *L;
  if (sb == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sb->owner = cfg->owner;
  sb->kills = cfg->kills;
  sb->print = cfg->print;
  sb->scripts = cfg->scripts;
  L = lua_newstate(sb_alloc, sb);
  if (L == NULL) {
    free(sb);
    snprintf(err, errlen, "cannot create a Lua state");
    return NULL;
  }
  sb->L = L;
  *(sandbox **)lua_getextraspace(L) = sb;
  lua_atpanic(L, sb_panic);
  lua_pushcfunction(L, setup_main);
  lua_pushlightuserdata(L, &copy);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    snprintf(err, errlen, "cannot load the taskip modules from %s: %s",
             cfg->lua_dir, lua_type(L, -1) == LUA_TSTRING
                               ? lua_tostring(L, -1) : "error");
    sb_free(sb);
    return NULL;
  }
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCCOLLECT);
  sb->mem_tidy = sb->mem_used;
  sb->mem_script_cap = cfg->mem_cap;
  sb->deep_mem = sb->mem_used + DEPTH_CHECK_MEM;
  sb->mem_cap = cfg->mem_cap != 0 ? sb->mem_used + cfg->mem_cap : 0;
  sb->instr_budget = cfg->instructions;
  sb->hold = cfg->hold;
  sb->hooks_on = 1;
  return sb;
}

/* Grown by half of what the last collection left, and by TIDY_MIN at
** least: amortised like the collector's own pace, never per call. */
#define TIDY_MIN (32u << 10)

void sb_tidy(sandbox *sb) {
  size_t grown = sb->mem_tidy / 2 > TIDY_MIN ? sb->mem_tidy / 2 : TIDY_MIN;
  if (sb->mem_used <= sb->mem_tidy + grown)
    return;
  lua_gc(sb->L, LUA_GCCOLLECT);
  sb->mem_tidy = sb->mem_used;
}

void sb_free(sandbox *sb) {
  if (sb == NULL)
    return;
  sb->mem_cap = 0;
  lua_close(sb->L);
  free(sb);
}

/* }======================================================= */

/* {======================================================= scripts */

typedef struct spawn_args {
  const char *chunk, *name;
  size_t len;
  const char *const *argv;
  int argc;
  lua_State *co;
  int failed;
} spawn_args;

static int spawn_main(lua_State *L) {
  spawn_args *a = lua_touserdata(L, 1);
  int i;
  lua_settop(L, 0);
  if (sb_scripts_load(L, sb_of(L)->scripts, a->name, a->chunk, a->len)
      != LUA_OK) {
    a->failed = 1;
    return 1;                                   /* the message */
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ENV_KEY);
  lua_pushvalue(L, -1);
  lua_setupvalue(L, 1, 1);
  lua_createtable(L, a->argc, 1);
  lua_pushstring(L, a->name[0] == '@' || a->name[0] == '=' ? a->name + 1
                                                           : a->name);
  lua_rawseti(L, -2, 0);
  for (i = 0; i < a->argc; i++) {
    lua_pushstring(L, a->argv[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, 2, "arg");
  lua_pop(L, 1);
  luaL_checkstack(L, a->argc + 2, "too many arguments");
  for (i = 0; i < a->argc; i++)
    lua_pushstring(L, a->argv[i]);
  a->co = lua_newthread(L);
  sb_adopt(L, -1);
  lua_pop(L, 1);
  lua_xmove(L, a->co, a->argc + 1);
  return 0;
}

lua_State *sb_spawn(sandbox *sb, const char *chunk, size_t len,
                    const char *name, const char *const *argv, int argc,
                    int *nargs, char *err, size_t errlen) {
  lua_State *L = sb->L;
  spawn_args a;
  int rc;
  memset(&a, 0, sizeof(a));
  a.chunk = chunk;
  a.len = len;
  a.name = name;
  a.argv = argv;
  a.argc = argc;
  lua_settop(L, 0);
  lua_pushcfunction(L, spawn_main);
  lua_pushlightuserdata(L, &a);
  rc = lua_pcall(L, 1, 1, 0);
  if (rc != LUA_OK || a.failed) {
    snprintf(err, errlen, "%s", lua_type(L, -1) == LUA_TSTRING
                                    ? lua_tostring(L, -1)
                                    : "cannot load the script");
    lua_settop(L, 0);
    return NULL;
  }
  lua_settop(L, 0);
  *nargs = argc;
  return a.co;
}

/* }======================================================= */

/* {======================================================= verdicts */

typedef struct describe_args {
  sandbox *sb;
  lua_State *co;
  int idx;                  /* the value in co */
  char *buf;
  size_t n;
} describe_args;

/* Appends a field of the error table at idx (main thread) if it is a
** string or a number; no metamethods. */
static void raw_field(lua_State *L, int idx, const char *k, char *out,
                      size_t n) {
  size_t len;
  const char *s;
  out[0] = '\0';
  lua_pushstring(L, k);
  switch (lua_rawget(L, idx)) {
  case LUA_TSTRING:
    s = lua_tolstring(L, -1, &len);
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), s);
    break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, -1))
      snprintf(out, n, "%lld", (long long)lua_tointeger(L, -1));
    else
      snprintf(out, n, "%.14g", (double)lua_tonumber(L, -1));
    break;
  default:
    break;
  }
  lua_pop(L, 1);
}

/* Whether the value at idx (main thread) is a facade error object. */
static int is_error_object(lua_State *L, int idx) {
  int yes;
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
    return 0;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ERRMT_KEY);
  yes = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return yes;
}

static int describe_main(lua_State *L) {
  describe_args *a = lua_touserdata(L, 1);
  lua_State *co = a->co;
  size_t len;
  const char *s;
  lua_pushvalue(co, a->idx);
  lua_xmove(co, L, 1);
  switch (lua_type(L, 2)) {
  case LUA_TSTRING:
    s = lua_tolstring(L, 2, &len);
    snprintf(a->buf, a->n, "%.*s", (int)(len < a->n ? len : a->n - 1), s);
    break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, 2))
      snprintf(a->buf, a->n, "%lld", (long long)lua_tointeger(L, 2));
    else
      snprintf(a->buf, a->n, "%.14g", (double)lua_tonumber(L, 2));
    break;
  case LUA_TTABLE:
    if (is_error_object(L, 2)) {
      char kind[32], msg[4096], status[24];
      raw_field(L, 2, "kind", kind, sizeof(kind));
      snprintf(a->sb->err_kind, sizeof(a->sb->err_kind), "%s", kind);
      raw_field(L, 2, "message", msg, sizeof(msg));
      raw_field(L, 2, "status", status, sizeof(status));
      snprintf(a->buf, a->n, "taskip: %s: %s%s%s%s", kind, msg,
               status[0] ? " (HTTP " : "", status, status[0] ? ")" : "");
      break;
    }
    /* FALLTHROUGH */
  default:
    snprintf(a->buf, a->n, "error object is a %s value",
             luaL_typename(L, 2));
  }
  return 0;
}

/* Runs describe_main protected, with room above the memory cap. */
static void describe(sandbox *sb, lua_State *co, int idx, char *buf,
                     size_t n) {
  describe_args a;
  size_t cap = sb->mem_cap;
  lua_State *L = sb->L;
  a.sb = sb;
  a.co = co;
  a.idx = lua_absindex(co, idx);
  a.buf = buf;
  a.n = n;
  snprintf(buf, n, "error object cannot be described");
  sb->err_kind[0] = '\0';
  if (cap != 0)
    sb->mem_cap = cap + (1u << 20);
  lua_settop(L, 0);
  if (lua_checkstack(co, 2)) {
    lua_pushcfunction(L, describe_main);
    lua_pushlightuserdata(L, &a);
    lua_pcall(L, 1, 0, 0);
  }
  lua_settop(L, 0);
  sb->mem_cap = cap;
}

void sb_describe_error(sandbox *sb, lua_State *co, char *buf, size_t n) {
  describe(sb, co, -1, buf, n);
}

typedef struct verdict_args {
  lua_State *co;
  int idx;
  int is_err;
} verdict_args;

static int verdict_main(lua_State *L) {
  verdict_args *a = lua_touserdata(L, 1);
  lua_pushvalue(a->co, a->idx);
  lua_xmove(a->co, L, 1);
  a->is_err = is_error_object(L, 2);
  return 0;
}

int sb_describe_return(sandbox *sb, lua_State *co, int nres, char *buf,
                       size_t n) {
  int first;
  verdict_args a;
  if (nres == 0)
    return 0;
  first = lua_gettop(co) - nres + 1;
  if (!lua_toboolean(co, first)) {
    if (nres < 2)
      return 0;
    describe(sb, co, first + 1, buf, n);
    return 1;
  }
  a.co = co;
  a.idx = first;
  a.is_err = 0;
  lua_settop(sb->L, 0);
  if (lua_checkstack(co, 2)) {
    lua_pushcfunction(sb->L, verdict_main);
    lua_pushlightuserdata(sb->L, &a);
    lua_pcall(sb->L, 1, 0, 0);
  }
  lua_settop(sb->L, 0);
  if (!a.is_err)
    return 0;
  describe(sb, co, first, buf, n);
  return 1;
}

/* }======================================================= */
