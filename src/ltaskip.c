/*
** ltaskip.c — the Lua binding of the core: `require "taskip.core"`.
**
** Thin on purpose: policy (options' defaults from the environment,
** JSON, error objects, query tables) lives in lua/taskip/. The secret
** key never becomes a Lua value here: it is read from the options or
** the environment straight into C memory, and no function returns it
** (one exception, for OpenResty: see call_secret_header). Nothing here
** calls Lua while libcurl runs, so no error can longjmp through it.
**
** client:request() carries the call on the blocking easy transport.
** client:call() hands the call's attempts out as Lua data instead, for
** a transport written in Lua (lua/taskip/ngx.lua): the policy stays
** here, in the core, for every transport.
*/
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "taskip.h"
#include "transport.h"
#include "lresult.h"
#include "lversion.h"
#include "ratelimit.h"
#include "ratestore_open.h"
#include "lratestore.h"
#include "retry.h"

#define CLIENT_MT "taskip.core.client"
#define CALL_BOX_MT "taskip.core.callbox"
#define CALL_MT "taskip.core.call"
#define TRACKER_MT "taskip.core.tracker"

typedef struct lclient {
  taskip_client *c;      /* NULL once closed */
  taskip_easy *easy;     /* the blocking transport, made on first use */
  int lua_transport;     /* calls may hand the key to a Lua transport */
  taskip_rate_store *store;   /* rate_store, or NULL; freed after c */
} lclient;

/* A call carried by a Lua transport; keeps its client alive through a
** table in its user value (its environment on 5.1). */
typedef struct lcall {
  taskip_call *call;     /* NULL once closed */
  lclient *owner;
} lcall;

/* Whether an attempt was handed out and not yet answered. */
#define call_sending(lk) (taskip_call_attempt((lk)->call) != NULL)

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
  const char *store_url;
  double fleet;
  luaL_checktype(L, 1, LUA_TTABLE);
  read_config(L, 1, &cfg);
  store_url = opt_string(L, 1, "rate_store");
  fleet = opt_number(L, 1, "rate_fleet", 4, 1);
  if (fleet != (double)(int)fleet || fleet > 10000) {
    lua_pushnumber(L, fleet);
    return opt_error(L, "rate_fleet", "a whole number from 1 to 10000");
  }
  cfg.rate_fleet = (int)fleet;
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
  lc->easy = NULL;
  lc->store = NULL;
  luaL_setmetatable(L, CLIENT_MT);
  lc->lua_transport = opt_bool(L, 1, "lua_transport");
  if (store_url != NULL) {
    lc->store = taskip_rate_store_open(store_url, key, keylen, 1, err,
                                       sizeof(err));
    if (lc->store == NULL)
      return luaL_error(L, "taskip.new: %s", err);
    cfg.rate_store = lc->store;
  } else if (field(L, 1, "rate_store_lua") != LUA_TNIL) {
    /* the OpenResty transport's ngx.shared store (lua/taskip/ngx.lua) */
    lc->store = taskip_lua_store_new(L, lua_gettop(L), key, keylen, err,
                                     sizeof(err));
    lua_pop(L, 1);
    if (lc->store == NULL)
      return luaL_error(L, "taskip.new: %s", err);
    cfg.rate_store = lc->store;
  } else {
    lua_pop(L, 1);
  }
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
** client:request(method, path [, query [, body [, limit_name,
** limit_count, limit_window]]]) -> result table.
** query is an encoded string without '?'; body is JSON text; the limit
** is the endpoint's own (taskip_request). A path that could leave the
** pinned origin raises.
*/
static int client_request(lua_State *L) {
  lclient *lc = check_client(L);
  taskip_request req;
  taskip_call **box;
  char err[256];
  taskip_check_request(L, &req);
  box = lua_newuserdata(L, sizeof(*box));
  *box = NULL;
  luaL_setmetatable(L, CALL_BOX_MT);
  *box = taskip_call_new(lc->c, &req, err, sizeof(err));
  if (*box == NULL) {
    lua_pushfstring(L, "taskip: %s", err);   /* the caller adds where */
    return lua_error(L);
  }
  if (lc->easy == NULL && (lc->easy = taskip_easy_new()) == NULL)
    return luaL_error(L, "taskip: libcurl failed to initialise");
  taskip_lua_store_bind(lc->store, L);
  taskip_push_result(L, taskip_easy_perform(lc->easy, *box), NULL, NULL);
  taskip_lua_store_bind(lc->store, NULL);
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
  taskip_easy_free(lc->easy);
  lc->easy = NULL;
  taskip_client_free(lc->c);
  lc->c = NULL;
  taskip_lua_store_bind(lc->store, L);      /* it unrefs its functions */
  taskip_rate_store_free(lc->store);
  lc->store = NULL;
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

/* {======================================================= calls */

/* The call API: a transport written in Lua steps the call and carries
** its attempts. Every decision (waits, retries, kinds) stays in C. */

static lcall *check_call(lua_State *L) {
  lcall *lk = luaL_checkudata(L, 1, CALL_MT);
  if (lk->call == NULL || lk->owner->c == NULL) {
    lua_pushliteral(L, "taskip: call is closed");
    lua_error(L);
  }
  return lk;
}

/* client:call(method, path [, query [, body [, limit...]]]) -> call;
** the arguments of request(); refuses what request() refuses. */
static int client_call(lua_State *L) {
  lclient *lc = check_client(L);
  taskip_request req;
  lcall *lk;
  char err[256];
  taskip_check_request(L, &req);
  lk = lua_newuserdata(L, sizeof(*lk));
  lk->call = NULL;
  lk->owner = lc;
  luaL_setmetatable(L, CALL_MT);
  lua_createtable(L, 1, 0);                /* the client outlives it */
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  taskip_setuservalue(L, -2);
  lk->call = taskip_call_new(lc->c, &req, err, sizeof(err));
  if (lk->call == NULL) {
    lua_pushfstring(L, "taskip: %s", err);
    return lua_error(L);
  }
  return 1;
}

static void set_str(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

/* The attempt as a table; the key's header line is left out. */
static void push_attempt(lua_State *L, const taskip_attempt *a) {
  size_t i;
  int n = 0;
  lua_createtable(L, 0, 14);
  set_str(L, "method", a->method);
  set_str(L, "url", a->url);
  set_str(L, "target", a->target);
  set_str(L, "scheme", a->scheme);
  set_str(L, "host", a->host);
  set_num(L, "port", (double)a->port);
  lua_createtable(L, (int)a->header_count, 0);
  for (i = 0; i < a->header_count; i++) {
    if (i == a->key_header)
      continue;
    lua_pushstring(L, a->headers[i]);
    lua_rawseti(L, -2, ++n);
  }
  lua_setfield(L, -2, "headers");
  if (a->body != NULL) {
    lua_pushlstring(L, a->body, a->body_len);
    lua_setfield(L, -2, "body");
  }
  if (a->part_count > 0) {
    lua_createtable(L, (int)a->part_count, 0);
    for (i = 0; i < a->part_count; i++) {
      const taskip_part *p = &a->parts[i];
      lua_createtable(L, 0, 4);
      set_str(L, "name", p->name);
      if (p->filename != NULL)
        set_str(L, "filename", p->filename);
      if (p->content_type != NULL)
        set_str(L, "content_type", p->content_type);
      lua_pushlstring(L, p->data, p->len);
      lua_setfield(L, -2, "data");
      lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "parts");
  }
  lua_pushboolean(L, a->idempotent);
  lua_setfield(L, -2, "idempotent");
  set_num(L, "timeout", (double)a->timeout_ms / 1000.0);
  set_num(L, "connect_timeout", (double)a->connect_timeout_ms / 1000.0);
  set_num(L, "max_response_bytes", (double)a->max_response_bytes);
  if (a->cafile != NULL)
    set_str(L, "cafile", a->cafile);
  lua_pushfstring(L, "taskip/%s", TASKIP_VERSION);
  lua_setfield(L, -2, "user_agent");
}

/* call:step([now]) -> "send", attempt | "wait", seconds | "done",
** result */
static int call_step(lua_State *L) {
  lcall *lk = check_call(L);
  double now = luaL_optnumber(L, 2, taskip_now()), wake = 0;
  taskip_step step;
  if (call_sending(lk))
    return luaL_error(L, "taskip: call:step() before the attempt was "
                      "answered (call:response or call:failure)");
  taskip_lua_store_bind(lk->owner->store, L);  /* a store in Lua runs here */
  step = taskip_call_step(lk->call, now, &wake);
  taskip_lua_store_bind(lk->owner->store, NULL);
  switch (step) {
  case TASKIP_STEP_SEND:
    lua_pushliteral(L, "send");
    push_attempt(L, taskip_call_attempt(lk->call));
    return 2;
  case TASKIP_STEP_WAIT:
    lua_pushliteral(L, "wait");
    lua_pushnumber(L, wake > now ? wake - now : 0);
    return 2;
  default:
    lua_pushliteral(L, "done");
    taskip_push_result(L, taskip_call_result(lk->call), NULL, NULL);
    return 2;
  }
}

/*
** call:secret_header() -> "X-Secret-Key: <key>". The one place the key
** becomes a Lua string: a cosocket can only send Lua strings. Only for
** clients made with lua_transport = true, only while an attempt is out.
*/
static int call_secret_header(lua_State *L) {
  lcall *lk = check_call(L);
  const taskip_attempt *a = taskip_call_attempt(lk->call);
  if (!lk->owner->lua_transport || a == NULL)
    return luaL_error(L, "taskip: the key is only handed to a Lua "
                      "transport (lua_transport = true) for an attempt "
                      "in flight");
  lua_pushstring(L, a->headers[a->key_header]);
  return 1;
}

/* Reads headers given as an array of {name, value} pairs or as a map
** name -> value into a malloc'd array (strings anchored by the table). */
static taskip_header *read_headers(lua_State *L, int t, size_t *n) {
  size_t cap = 0, i = 0;
  taskip_header *hs;
  *n = 0;
  if (lua_isnoneornil(L, t))
    return NULL;
  luaL_checktype(L, t, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    cap++;
    lua_pop(L, 1);
  }
  if (cap == 0)
    return NULL;
  hs = lua_newuserdata(L, cap * sizeof(*hs));     /* freed by the GC */
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    const char *name, *value;
    if (lua_type(L, -1) == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      name = lua_tostring(L, -2);
      value = lua_tostring(L, -1);
      lua_pop(L, 2);                  /* anchored by the pair table */
    } else {
      name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
      value = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    }
    if (name == NULL || value == NULL)
      luaL_argerror(L, t, "headers must be {name, value} pairs or "
                    "name = value strings");
    hs[i].name = (char *)(size_t)name;       /* not written through */
    hs[i].value = (char *)(size_t)value;
    i++;
    lua_pop(L, 1);
  }
  *n = i;
  return hs;
}

static void digest(lua_State *L, lcall *lk, const taskip_response *r) {
  if (!call_sending(lk))
    luaL_error(L, "taskip: no attempt of this call is in flight");
  taskip_lua_store_bind(lk->owner->store, L);
  taskip_call_digest(lk->call, r, taskip_now());
  taskip_lua_store_bind(lk->owner->store, NULL);
}

/* call:response(status, headers, body): what came back. */
static int call_response(lua_State *L) {
  lcall *lk = check_call(L);
  taskip_response r;
  memset(&r, 0, sizeof(r));
  r.status = (long)luaL_checkinteger(L, 2);
  r.body = luaL_optlstring(L, 4, "", &r.body_len);
  r.headers = read_headers(L, 3, &r.header_count);
  r.reached = 1;
  digest(L, lk, &r);
  return 0;
}

/* call:failure(kind, reached [, detail]): no (complete) response. */
static int call_failure(lua_State *L) {
  lcall *lk = check_call(L);
  taskip_response r;
  const char *name = luaL_checkstring(L, 2);
  int f = taskip_failure_of_name(name);
  memset(&r, 0, sizeof(r));
  luaL_argcheck(L, f > TASKIP_FAIL_NONE, 2, "not a failure kind (resolve, "
                "connect, tls, timeout, lost, too_large, protocol, other)");
  r.failure = (taskip_failure)f;
  r.reached = lua_toboolean(L, 3);
  r.detail = luaL_optstring(L, 4, NULL);
  digest(L, lk, &r);
  return 0;
}

/* __gc, close(): frees once. */
static int call_close(lua_State *L) {
  lcall *lk = luaL_checkudata(L, 1, CALL_MT);
  taskip_call_free(lk->call);
  lk->call = NULL;
  lua_pushboolean(L, 1);
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
  {"call", client_call},
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

static const luaL_Reg call_methods[] = {
  {"step", call_step},
  {"secret_header", call_secret_header},
  {"response", call_response},
  {"failure", call_failure},
  {"close", call_close},
  {NULL, NULL}
};

static const luaL_Reg call_metamethods[] = {
  {"__gc", call_close},
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
  {"escape", taskip_lua_escape},
  {"integers", taskip_integers},
  {"now", core_now},
  {"backoff", core_backoff},
  {"tracker", core_tracker},
  {NULL, NULL}
};

int luaopen_taskip_core(lua_State *L);

int luaopen_taskip_core(lua_State *L) {
  static const luaL_Reg box_meta[] = {{"__gc", callbox_gc}, {NULL, NULL}};
  lversion_check(L);                 /* first: nothing else may be called */
  if (taskip_transport_init() != 0)
    return luaL_error(L, "taskip: libcurl failed to initialise");
  taskip_create_meta(L, CLIENT_MT, client_metamethods, client_methods);
  taskip_create_meta(L, CALL_BOX_MT, box_meta, NULL);
  taskip_create_meta(L, CALL_MT, call_metamethods, call_methods);
  taskip_create_meta(L, TRACKER_MT, NULL, tracker_methods);
  luaL_newlib(L, core_functions);
  lua_pushstring(L, TASKIP_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, taskip_user_agent());
  lua_setfield(L, -2, "user_agent");
  return 1;
}
