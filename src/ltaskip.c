/*
** ltaskip.c — the Lua binding of the core: `require "taskip.core"`.
**
** Thin on purpose: policy (options' defaults from the environment,
** JSON, error objects, query tables) lives in lua/taskip/. The secret
** key never becomes a Lua value here: it is read from the options or
** the environment straight into C memory, and no function returns it.
** Nothing here calls Lua while libcurl runs, so no error can longjmp
** through it.
*/
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "taskip.h"
#include "lresult.h"
#include "ratelimit.h"
#include "retry.h"

#define CLIENT_MT "taskip.core.client"
#define CALL_BOX_MT "taskip.core.callbox"
#define TRACKER_MT "taskip.core.tracker"

typedef struct lclient {
  taskip_client *c;      /* NULL once closed */
} lclient;

/* {======================================================= options */

/* Pushes cfg[name]; returns its type. */
static int field(lua_State *L, int cfg, const char *name) {
  lua_getfield(L, cfg, name);
  return lua_type(L, -1);
}

static int opt_error(lua_State *L, const char *name, const char *want) {
  return luaL_error(L, "taskip.new: option '%s' must be %s (got %s)", name,
                    want, luaL_typename(L, -1));
}

static double opt_number(lua_State *L, int cfg, const char *name,
                         double def, double min) {
  double v = def;
  int t = field(L, cfg, name);
  if (t != LUA_TNIL) {
    if (t != LUA_TNUMBER || lua_tonumber(L, -1) < min ||
        lua_tonumber(L, -1) != lua_tonumber(L, -1))
      opt_error(L, name, min > 0 ? "a positive number"
                                 : "a non-negative number");
    v = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static const char *opt_string(lua_State *L, int cfg, const char *name) {
  const char *s = NULL;
  int t = field(L, cfg, name);
  if (t != LUA_TNIL) {
    if (t != LUA_TSTRING)
      opt_error(L, name, "a string");
    s = lua_tostring(L, -1);      /* anchored by cfg */
  }
  lua_pop(L, 1);
  return s;
}

static int opt_bool(lua_State *L, int cfg, const char *name) {
  int v = 0, t = field(L, cfg, name);
  if (t != LUA_TNIL) {
    if (t != LUA_TBOOLEAN)
      opt_error(L, name, "a boolean");
    v = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static void read_config(lua_State *L, int cfg, taskip_config *c) {
  const char *policy;
  double n;
  taskip_config_init(c);
  c->base_url = opt_string(L, cfg, "base_url");
  c->cafile = opt_string(L, cfg, "cafile");
  c->timeout_ms = (long)(opt_number(L, cfg, "timeout", 30, 0.001) * 1000);
  c->connect_timeout_ms =
      (long)(opt_number(L, cfg, "connect_timeout", 10, 0.001) * 1000);
  n = opt_number(L, cfg, "max_retries", 2, 0);
  if (n != (double)(int)n || n > 10) {
    lua_pushnumber(L, n);
    opt_error(L, "max_retries", "a whole number from 0 to 10");
  }
  c->max_retries = (int)n;
  c->retry_backoff = opt_number(L, cfg, "retry_backoff", 0.5, 0);
  c->max_wait = opt_number(L, cfg, "max_wait", 300, 0);
  c->max_response_bytes =
      (size_t)opt_number(L, cfg, "max_response_bytes", 16 * 1024 * 1024, 1);
  c->hour_limit = (long)opt_number(L, cfg, "hourly_limit", 1000, 1);
  c->minute_limit = (long)opt_number(L, cfg, "burst_limit", 100, 1);
  c->allow_http = opt_bool(L, cfg, "allow_http");
  c->debug = opt_bool(L, cfg, "debug");
  policy = opt_string(L, cfg, "rate_limit");
  if (policy == NULL || strcmp(policy, "wait") == 0) {
    c->rate_policy = TASKIP_RATE_WAIT;
  } else if (strcmp(policy, "error") == 0) {
    c->rate_policy = TASKIP_RATE_ERROR;
  } else {
    luaL_error(L, "taskip.new: option 'rate_limit' must be \"wait\" or "
               "\"error\"");
  }
}

/* }======================================================= */

/* {======================================================= client */

static lclient *check_client(lua_State *L) {
  lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);
  if (lc->c == NULL) {
    lua_pushliteral(L, "taskip: client is closed");
    lua_error(L);
  }
  return lc;
}

/*
** core.new(options) -> client. The key comes from options.secret_key
** (copied into C memory at once) or the TASKIP_SECRET_KEY environment
** variable; without either, raises saying how to set it.
*/
static int core_new(lua_State *L) {
  taskip_config cfg;
  const char *key;
  size_t keylen = 0;
  char err[256];
  lclient *lc;
  int t;
  luaL_checktype(L, 1, LUA_TTABLE);
  read_config(L, 1, &cfg);
  t = field(L, 1, "secret_key");
  if (t == LUA_TSTRING) {
    key = lua_tolstring(L, -1, &keylen);
  } else if (t == LUA_TNIL) {
    key = getenv(TASKIP_KEY_ENV);
    keylen = key != NULL ? strlen(key) : 0;
  } else {
    return opt_error(L, "secret_key", "a string");
  }
  if (keylen == 0)
    return luaL_error(L, "taskip: no secret key: pass secret_key to "
                      "taskip.new{} or set the " TASKIP_KEY_ENV " environment "
                      "variable (create a key in TaskIP under Settings > "
                      "API Application)");
  lc = lua_newuserdata(L, sizeof(*lc));     /* closed and valid first */
  lc->c = NULL;
  luaL_setmetatable(L, CLIENT_MT);
  lc->c = taskip_client_new(&cfg, key, keylen, err, sizeof(err));
  if (lc->c == NULL)
    return luaL_error(L, "taskip.new: %s", err);
  return 1;
}

/* A call in flight is boxed so that an error while pushing results
** (out of memory) still frees it through __gc. */
static int callbox_gc(lua_State *L) {
  taskip_call **box = luaL_checkudata(L, 1, CALL_BOX_MT);
  taskip_call_free(*box);
  *box = NULL;
  return 0;
}

/*
** client:request(method, path [, query [, body]]) -> result table.
** query is an encoded string without '?'; body is JSON text. A path
** that could leave the pinned origin raises.
*/
static int client_request(lua_State *L) {
  lclient *lc = check_client(L);
  taskip_request req;
  taskip_call **box;
  char err[256];
  req.method = luaL_checkstring(L, 2);
  req.path = luaL_checkstring(L, 3);
  req.query = luaL_optstring(L, 4, NULL);
  req.body = luaL_optlstring(L, 5, NULL, &req.body_len);
  box = lua_newuserdata(L, sizeof(*box));
  *box = NULL;
  luaL_setmetatable(L, CALL_BOX_MT);
  *box = taskip_call_new(lc->c, &req, err, sizeof(err));
  if (*box == NULL) {
    lua_pushfstring(L, "taskip: %s", err);   /* the caller adds where */
    return lua_error(L);
  }
  taskip_push_result(L, taskip_perform(lc->c, *box), NULL, NULL);
  taskip_call_free(*box);
  *box = NULL;
  return 1;
}

/* client:rate_limit() -> {limit, remaining, reset, wait,
** burst = {limit, remaining, reset}} */
static int client_rate_limit(lua_State *L) {
  taskip_push_rate(L, check_client(L)->c);
  return 1;
}

/* __gc, __close and close(): frees once, true every time. */
static int client_close(lua_State *L) {
  lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);
  taskip_client_free(lc->c);
  lc->c = NULL;
  lua_pushboolean(L, 1);
  return 1;
}

static int client_tostring(lua_State *L) {
  lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);
  if (lc->c == NULL)
    lua_pushliteral(L, "taskip.client (closed)");
  else
    lua_pushfstring(L, "taskip.client (%p)", (void *)lc);
  return 1;
}

/* }======================================================= */

/* {======================================================= tracker */

/* The rate-limit tracker on its own, with the time passed in: for
** tests and tools that reason about waits without a server. */

static taskip_ratelimit *check_tracker(lua_State *L) {
  return luaL_checkudata(L, 1, TRACKER_MT);
}

static int core_tracker(lua_State *L) {
  long hour = (long)luaL_optinteger(L, 1, 1000);
  long minute = (long)luaL_optinteger(L, 2, 100);
  taskip_ratelimit *rl = lua_newuserdata(L, sizeof(*rl));
  taskip_ratelimit_init(rl, hour, minute);
  luaL_setmetatable(L, TRACKER_MT);
  return 1;
}

static int tracker_sent(lua_State *L) {
  taskip_ratelimit_sent(check_tracker(L), luaL_checknumber(L, 2));
  return 0;
}

static double num_field(lua_State *L, int t, const char *k) {
  double v = -1;
  lua_getfield(L, t, k);
  if (lua_type(L, -1) == LUA_TNUMBER)
    v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* tracker:observe(now, {limit=, remaining=, reset=, retry_after=,
**                       date=, status=}) */
static int tracker_observe(lua_State *L) {
  taskip_ratelimit *rl = check_tracker(L);
  double now = luaL_checknumber(L, 2);
  taskip_rate_headers h;
  luaL_checktype(L, 3, LUA_TTABLE);
  h.limit = (long)num_field(L, 3, "limit");
  h.remaining = (long)num_field(L, 3, "remaining");
  h.reset = num_field(L, 3, "reset");
  h.retry_after = num_field(L, 3, "retry_after");
  h.date = num_field(L, 3, "date");
  h.too_many = num_field(L, 3, "status") == 429;
  taskip_ratelimit_observe(rl, now, &h);
  lua_pushnumber(L, taskip_ratelimit_retry_after(&h, now));
  return 1;
}

static int tracker_wait(lua_State *L) {
  lua_pushnumber(L, taskip_ratelimit_wait(check_tracker(L),
                                          luaL_checknumber(L, 2)));
  return 1;
}

static int tracker_snapshot(lua_State *L) {
  taskip_rate_figures budget, burst;
  taskip_ratelimit_snapshot(check_tracker(L), luaL_checknumber(L, 2),
                            &budget, &burst);
  taskip_push_figures(L, &budget);
  taskip_push_figures(L, &burst);
  lua_setfield(L, -2, "burst");
  return 1;
}

/* }======================================================= */

/* core.escape(s) -> s percent-encoded (RFC 3986 unreserved kept). */
static int core_escape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char *e = curl_easy_escape(NULL, s, (int)n);
  if (e == NULL)
    return luaL_error(L, "taskip: out of memory");
  lua_pushstring(L, e);
  curl_free(e);
  return 1;
}

/* core.backoff(base, attempt, seed) -> seconds, next seed: the retry
** policy's wait, for tests and tools. */
static int core_backoff(lua_State *L) {
  double base = luaL_checknumber(L, 1);
  int attempt = (int)luaL_checkinteger(L, 2);
  unsigned seed = (unsigned)luaL_optinteger(L, 3, 1);
  if (seed == 0)
    seed = 1;
  lua_pushnumber(L, taskip_backoff(base, attempt, &seed));
  lua_pushinteger(L, (lua_Integer)seed);
  return 2;
}

static int core_now(lua_State *L) {
  lua_pushnumber(L, taskip_now());
  return 1;
}

static const luaL_Reg client_methods[] = {
  {"request", client_request},
  {"rate_limit", client_rate_limit},
  {"close", client_close},
  {NULL, NULL}
};

static const luaL_Reg client_metamethods[] = {
  {"__gc", client_close},
  {"__close", client_close},
  {"__tostring", client_tostring},
  {NULL, NULL}
};

static const luaL_Reg tracker_methods[] = {
  {"sent", tracker_sent},
  {"observe", tracker_observe},
  {"wait", tracker_wait},
  {"snapshot", tracker_snapshot},
  {NULL, NULL}
};

static const luaL_Reg core_functions[] = {
  {"new", core_new},
  {"escape", core_escape},
  {"integers", taskip_integers},
  {"now", core_now},
  {"backoff", core_backoff},
  {"tracker", core_tracker},
  {NULL, NULL}
};

int luaopen_taskip_core(lua_State *L);

int luaopen_taskip_core(lua_State *L) {
  static const luaL_Reg box_meta[] = {{"__gc", callbox_gc}, {NULL, NULL}};
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return luaL_error(L, "taskip: libcurl failed to initialise");
  taskip_create_meta(L, CLIENT_MT, client_metamethods, client_methods);
  taskip_create_meta(L, CALL_BOX_MT, box_meta, NULL);
  taskip_create_meta(L, TRACKER_MT, NULL, tracker_methods);
  luaL_newlib(L, core_functions);
  lua_pushstring(L, TASKIP_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, taskip_user_agent());
  lua_setfield(L, -2, "user_agent");
  return 1;
}
