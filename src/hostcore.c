/*
** hostcore.c — `taskip.core` inside the sandbox, plus the host globals
** (sleep, log, taskip.parallel).
**
** The Lua facade (lua/taskip/init.lua) is loaded unchanged on top of
** this module, so a script's `taskip` has every method, resource method
** and paginator of the library. The difference is underneath:
** client:request() does not perform the call; it plans it with the
** host (which applies --allow, --dry-run and the request limit), then
** yields the script's coroutine to the host until curl multi has the
** answer, and returns the same result table as the blocking binding
** (ltaskip.c). The key is never a Lua value here: the host's client
** holds it in C memory, and response bodies are scrubbed of it before
** they become Lua strings.
*/
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "taskip.h"
#include "transport.h"
#include "ratelimit.h"
#include "lresult.h"
#include "sandbox.h"
#include "host_internal.h"
#include "taskip_host.h"

#define CLIENT_MT "taskip.host.client"
#define CALL_MT "taskip.host.call"
#define GROUP_MT "taskip.host.group"
#define MAX_PARALLEL 10000

typedef struct hclient {
  void *script;
  int closed;
} hclient;

/* {======================================================= results */

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* Pushes a copy of s (n bytes) with the key scrubbed from it. */
static void push_scrubbed(lua_State *L, void *script, const char *s,
                          size_t n) {
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, n);
  memcpy(p, s, n);
  host_scrub(script, p, n);
  luaL_pushresultsize(&b, n);
}

/* A result made up by the host: a denied call, or a dry-run write. */
static void push_synthetic(lua_State *L, int ok, const char *kind,
                           long status, const char *message,
                           const char *body) {
  lua_createtable(L, 0, 8);
  lua_pushboolean(L, ok);
  lua_setfield(L, -2, "ok");
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  set_int(L, "status", status);
  set_int(L, "attempts", 0);
  if (message != NULL) {
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
  }
  lua_pushstring(L, body);
  lua_setfield(L, -2, "body");
  lua_newtable(L);
  lua_setfield(L, -2, "headers");
}

/* }======================================================= */

/* {======================================================= client */

static hclient *check_client(lua_State *L) {
  hclient *c = luaL_checkudata(L, 1, CLIENT_MT);
  sb_check(L);
  if (c->closed)
    luaL_error(L, "taskip: client is closed");
  return c;
}

/* core.new(options) -> client; the host holds key and base URL. */
static int core_new(lua_State *L) {
  hclient *c;
  sb_check(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  c = lua_newuserdatauv(L, sizeof(*c), 0);
  c->script = sb_of(L)->owner;
  c->closed = 0;
  luaL_setmetatable(L, CLIENT_MT);
  return 1;
}

static int call_gc(lua_State *L) {
  host_call *box = luaL_checkudata(L, 1, CALL_MT);
  host_call_release(box);
  return 0;
}

/* The message of a response the host stopped reading because the
** script's memory could not hold it (the core's speaks of
** max_response_bytes). */
static void set_refused_message(lua_State *L) {
  sandbox *sb = sb_of(L);
  char used[32];
  sb_format_bytes(sb_mem_in_use(sb), used, sizeof(used));
  lua_pushfstring(L, "response larger than the memory the script has "
                  "left (%s in use of its %d MB); not read further",
                  used, (int)(sb->mem_script_cap >> 20));
  lua_setfield(L, -2, "message");
}

static int request_k(lua_State *L, int status, lua_KContext ctx) {
  host_call *box = lua_touserdata(L, (int)ctx);
  const taskip_result *r;
  (void)status;
  sb_op_resumed(L);
  sb_check(L);
  r = host_call_result(box);
  taskip_push_result(L, r, push_scrubbed, box->script);
  if (box->refused && r->failure == TASKIP_FAIL_TOO_LARGE)
    set_refused_message(L);
  host_call_release(box);
  return 1;
}

/*
** client:request(method, path [, query [, body [, limit_name,
** limit_count, limit_window]]]) -> result table.
** Yields to the host until the call is done. A path that could leave
** the pinned origin raises, as in the blocking binding.
*/
static int client_request(lua_State *L) {
  hclient *c = check_client(L);
  taskip_request req;
  host_call *box;
  char msg[512];
  taskip_check_request(L, &req);          /* args to 8, parts at 9 */
  box = lua_newuserdatauv(L, sizeof(*box), 0);         /* index 10 */
  memset(box, 0, sizeof(*box));
  luaL_setmetatable(L, CALL_MT);
  switch (host_request_begin(c->script, &req, box, msg, sizeof(msg))) {
  case HOST_BEGIN_SEND:
    return sb_host_yield(L, SB_OP_REQUEST, box, 0, 10, request_k);
  case HOST_BEGIN_DENIED:
    push_synthetic(L, 0, "denied", 0, msg, "");
    return 1;
  case HOST_BEGIN_DRY_RUN:
    push_synthetic(L, 1, "ok", 200, NULL, msg);
    return 1;
  case HOST_BEGIN_LIMIT:
    sb_check(L);
    break;
  case HOST_BEGIN_REFUSED:
    break;
  }
  lua_pushfstring(L, "taskip: %s", msg);      /* the facade adds where */
  return lua_error(L);
}

static int client_rate_limit(lua_State *L) {
  hclient *c = check_client(L);
  taskip_push_rate(L, host_client(c->script));
  return 1;
}

/* close(), __close: the host's client stays; this handle stops. */
static int client_close(lua_State *L) {
  hclient *c = luaL_checkudata(L, 1, CLIENT_MT);
  c->closed = 1;
  lua_pushboolean(L, 1);
  return 1;
}

static int client_tostring(lua_State *L) {
  hclient *c = luaL_checkudata(L, 1, CLIENT_MT);
  lua_pushstring(L, c->closed ? "taskip.client (closed)"
                              : "taskip.client (host)");
  return 1;
}

static int core_now(lua_State *L) {
  lua_pushnumber(L, taskip_now());
  return 1;
}

/* RFC 3986 unreserved, in ASCII whatever the locale (as libcurl). */
static int unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

/*
** core.escape(s): s percent-encoded as libcurl does it (unreserved
** characters kept, the rest %XX in upper case), written straight into
** a Lua buffer: the query of a call is built in the script's own
** counted memory, not in two uncounted C copies (taskip_lua_escape's).
*/
static int core_escape(lua_State *L) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n, i, len = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1,
                                                                    &n);
  luaL_Buffer b;
  char *out;
  for (i = 0; i < n; i++)
    len += unreserved(s[i]) ? 1 : 3;
  if (len == n) {                     /* nothing to escape: no copy */
    lua_settop(L, 1);
    return 1;
  }
  out = luaL_buffinitsize(L, &b, len);
  for (i = 0; i < n; i++) {
    if (unreserved(s[i])) {
      *out++ = (char)s[i];
    } else {
      *out++ = '%';
      *out++ = hex[s[i] >> 4];
      *out++ = hex[s[i] & 15];
    }
  }
  luaL_pushresultsize(&b, len);
  return 1;
}

/* }======================================================= */

/* {======================================================= globals */

static int sleep_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  sb_op_resumed(L);
  sb_check(L);
  return 0;
}

/* sleep(seconds): parks the script; 0 just lets others run. */
static int host_sleep(lua_State *L) {
  double s = luaL_checknumber(L, 1);
  sb_check(L);
  luaL_argcheck(L, s >= 0 && s < 1e9, 1, "seconds out of range");
  return sb_host_yield(L, SB_OP_SLEEP, NULL, s, 0, sleep_k);
}

/* log.<level>(...): the arguments as print joins them, to the host. */
static int host_log_lua(lua_State *L) {
  int level = (int)lua_tointeger(L, lua_upvalueindex(1));
  size_t len;
  const char *s;
  sb_check(L);
  sb_push_joined(L, ' ');
  s = lua_tolstring(L, -1, &len);
  if (host_log(sb_of(L)->owner, level, s, len) != 0)
    sb_check(L);
  return 0;
}

/* The default progress callback of paginations (taskip.paginate). */
static int host_progress_lua(lua_State *L) {
  char line[160];
  int n;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "page");
  lua_getfield(L, 1, "pages");
  lua_getfield(L, 1, "items");
  if (lua_isinteger(L, -2))
    n = snprintf(line, sizeof(line), "page %lld of %lld, %lld items",
                 (long long)lua_tointeger(L, -3),
                 (long long)lua_tointeger(L, -2),
                 (long long)lua_tointeger(L, -1));
  else
    n = snprintf(line, sizeof(line), "page %lld, %lld items",
                 (long long)lua_tointeger(L, -3),
                 (long long)lua_tointeger(L, -1));
  host_progress(sb_of(L)->owner, line, (size_t)n);
  return 0;
}

/* Gives back the charge for the group's task records (the host frees
** them as the tasks end): once the parent resumes, or when the group is
** collected after an error. */
static void group_release(lua_State *L, host_group *g) {
  if (g->charged > 0)
    host_uncharge(sb_of(L)->owner, g->charged);
  g->charged = 0;
}

static int parallel_k(lua_State *L, int status, lua_KContext ctx) {
  host_group *g = lua_touserdata(L, (int)ctx);
  int i;
  (void)status;
  group_release(L, g);
  sb_op_resumed(L);
  sb_check(L);
  for (i = 0; i < g->n; i++) {
    if (g->failed[i]) {                 /* the first by position */
      lua_xmove(g->threads[i], L, 1);
      return lua_error(L);
    }
  }
  luaL_checkstack(L, g->n, "too many results");
  for (i = 0; i < g->n; i++)
    lua_xmove(g->threads[i], L, 1);
  return g->n;
}

static int group_gc(lua_State *L) {
  group_release(L, lua_touserdata(L, 1));
  return 0;
}

/*
** taskip.parallel{f1, f2, ...}: runs the functions as coroutines the
** host schedules side by side (their API calls overlap), waits for all
** of them, and returns their first results in order; if any raised,
** raises the error of the first one (by position) after all finished.
*/
static int host_parallel(lua_State *L) {
  host_group *g;
  int i, n;
  sb_check(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (int)luaL_len(L, 1);
  luaL_argcheck(L, n >= 0 && n <= MAX_PARALLEL, 1, "too many functions");
  for (i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 1, i) != LUA_TFUNCTION)
      return luaL_error(L, "taskip.parallel: item %d is not a function", i);
    lua_pop(L, 1);
  }
  if (n == 0)
    return 0;
  lua_settop(L, 1);
  lua_createtable(L, n, 0);                          /* 2: anchors */
  g = lua_newuserdatauv(L, sizeof(*g) + (size_t)n * (sizeof(lua_State *)
                                                     + 1), 0);   /* 3 */
  g->charged = 0;
  luaL_setmetatable(L, GROUP_MT);
  if (host_charge(sb_of(L)->owner, (size_t)n * host_task_bytes()) != 0) {
    sb_charge_refused(sb_of(L), "the task records of a parallel group",
                      (size_t)n * host_task_bytes());
    sb_check(L);
  }
  g->charged = (size_t)n * host_task_bytes();
  g->n = n;
  g->threads = (lua_State **)(g + 1);
  g->failed = (unsigned char *)(g->threads + n);
  memset(g->failed, 0, (size_t)n);
  for (i = 1; i <= n; i++) {
    lua_State *co = lua_newthread(L);
    sb_adopt(L, -1);
    lua_rawgeti(L, 1, i);
    lua_xmove(L, co, 1);
    g->threads[i - 1] = co;
    lua_rawseti(L, 2, i);
  }
  return sb_host_yield(L, SB_OP_CHILDREN, g, 0, 3, parallel_k);
}

/* }======================================================= */

int hostcore_open(lua_State *L) {
  static const luaL_Reg client_methods[] = {
    {"request", client_request}, {"rate_limit", client_rate_limit},
    {"close", client_close}, {NULL, NULL}
  };
  static const luaL_Reg client_meta[] = {
    {"__close", client_close}, {"__tostring", client_tostring},
    {NULL, NULL}
  };
  static const luaL_Reg call_meta[] = {{"__gc", call_gc}, {NULL, NULL}};
  static const luaL_Reg group_meta[] = {{"__gc", group_gc}, {NULL, NULL}};
  static const luaL_Reg functions[] = {
    {"new", core_new}, {"escape", core_escape}, {"now", core_now},
    {"integers", taskip_integers},
    /* the default progress of long paginations (taskip.paginate) */
    {"default_progress", host_progress_lua},
    {NULL, NULL}
  };
  taskip_create_meta(L, CLIENT_MT, client_meta, client_methods);
  taskip_create_meta(L, CALL_MT, call_meta, NULL);
  taskip_create_meta(L, GROUP_MT, group_meta, NULL);
  luaL_newlib(L, functions);
  lua_pushstring(L, TASKIP_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, taskip_user_agent());
  lua_setfield(L, -2, "user_agent");
  lua_pushboolean(L, 1);            /* taskip.file reads no paths here */
  lua_setfield(L, -2, "sandboxed");
  return 1;
}

void hostcore_install(lua_State *L, int env, int client) {
  static const char *const levels[] = {"debug", "info", "warn", "error",
                                       NULL};
  int i;
  lua_pushcfunction(L, host_sleep);
  lua_setfield(L, env, "sleep");
  lua_createtable(L, 0, 4);
  for (i = 0; levels[i] != NULL; i++) {
    lua_pushinteger(L, TASKIP_LOG_DEBUG + i);
    lua_pushcclosure(L, host_log_lua, 1);
    lua_setfield(L, -2, levels[i]);
  }
  lua_setfield(L, env, "log");
  lua_pushcfunction(L, host_parallel);
  lua_setfield(L, client, "parallel");
  host_fns_install(L, env);
}
