/*
** lhost.c — `require "taskip.host"`: the script host for Lua 5.4
** applications. Sandboxed plugin scripts run with the same guarantees
** as in a C embedder (their own lua_States, limits, the key in C
** memory); the application's functions are Lua functions of the
** application, called outside the sandbox with plain data.
**
**   local host = require "taskip.host"
**   local h = host.new { key = KEY, base_url = URL, cafile = CA,
**     functions = { ["app.lookup"] = function(ctx, id) return {...} end },
**     on_event = function(id, name, value) end,
**     output = function(id, line) end,
**     log = function(id, level, line) end,       (default: stderr)
**     limits = { timeout = 10, memory = 64 * 2^20 } }
**   local id = h:spawn { code = "...", args = {...}, key = OTHER_KEY,
**     functions = { ["app.only_here"] = function(ctx, ...) end } }
**   h:run()                 -- or: while h:step(0) > 0 do ... end
**   local r = h:result(id)  -- {exit_code, kind, reason, values = {...}}
**   h:close()
**
** A function answers with what it returns (one value), with nil, err
** (kind "error"), by raising (kind "error", the message), or later:
** it returns host.PENDING and the application calls
** h:complete(ctx.call, value) or h:fail(ctx.call, kind, message).
** Callbacks run inside h:step, under pcall; an error in output or
** on_event is dropped.
*/
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "taskip_host.h"
#include "host_luavalue.h"
#include "secret.h"

#define HOST_MT "taskip.host"

typedef struct lfn {
  struct lhost *lh;
  char *name;
  int script;          /* 0: the host's; else the script's own, whose Lua
                          function is script_functions[this lfn] */
  struct lfn *next;
} lfn;

typedef struct lhost {
  taskip_host *h;
  lua_State *L;                /* the thread in h:step, for callbacks */
  lfn *fns;
} lhost;

static const char PENDING_KEY = 'p';

static void *unconst(const void *p) {
  union {
    const void *c;
    void *m;
  } u;
  u.c = p;
  return u.m;
}

/* Pushes the event's value and calls on_event (protected). */
static int call_event(lua_State *L) {
  host_value_push(L, lua_touserdata(L, 4), NULL, NULL);
  lua_replace(L, 4);
  lua_call(L, 3, 0);
  return 0;
}


static lhost *check_host(lua_State *L) {
  lhost *lh = luaL_checkudata(L, 1, HOST_MT);
  if (lh->h == NULL)
    luaL_error(L, "taskip.host: host is closed");
  lh->L = L;
  return lh;
}

/* The application's table of functions and callbacks (uservalue 1). */
static void push_callbacks(lua_State *L, int idx) {
  lua_getiuservalue(L, idx, 1);
}

/* {======================================================= callbacks */

/* Finds the host userdata's callbacks: the host is at the bottom of the
** calling frame (index 1 of h:step / h:run). */
static int get_callback(lhost *lh, const char *name) {
  lua_State *L = lh->L;
  push_callbacks(L, 1);
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
  if (lua_isfunction(L, -1))
    return 1;
  lua_pop(L, 1);
  return 0;
}

static void on_output(void *ud, int id, const char *line, size_t len) {
  lhost *lh = ud;
  lua_State *L = lh->L;
  if (L == NULL || !get_callback(lh, "output")) {
    fwrite(line, 1, len, stdout);
    fputc('\n', stdout);
    return;
  }
  lua_pushinteger(L, id);
  lua_pushlstring(L, line, len);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK)
    lua_pop(L, 1);
}

static void on_log(void *ud, int id, int level, const char *line,
                   size_t len) {
  static const char *const names[] = {"debug", "info", "warn", "error"};
  lhost *lh = ud;
  lua_State *L = lh->L;
  if (L == NULL || !get_callback(lh, "log")) {
    fwrite(line, 1, len, stderr);
    fputc('\n', stderr);
    return;
  }
  lua_pushinteger(L, id);
  lua_pushstring(L, names[level >= 0 && level <= 3 ? level : 1]);
  lua_pushlstring(L, line, len);
  if (lua_pcall(L, 3, 0, 0) != LUA_OK)
    lua_pop(L, 1);
}

static void on_event(void *ud, taskip_host *h, int id, const char *name,
                     const taskip_value *value) {
  lhost *lh = ud;
  lua_State *L = lh->L;
  (void)h;
  if (L == NULL || !get_callback(lh, "on_event"))
    return;
  lua_pushcfunction(L, call_event);
  lua_insert(L, -2);
  lua_pushinteger(L, id);
  lua_pushstring(L, name);
  lua_pushlightuserdata(L, unconst(value));
  if (lua_pcall(L, 4, 0, 0) != LUA_OK)
    lua_pop(L, 1);
}

/* Calls the application's function with (ctx, args...) protected. */
static int call_app(lua_State *L) {
  const taskip_value *args = lua_touserdata(L, 2);
  size_t i, n = taskip_value_count(args);
  lua_pushvalue(L, 1);                        /* the function */
  lua_pushvalue(L, 3);                        /* ctx */
  luaL_checkstack(L, (int)n + 2, "too many arguments");
  for (i = 0; i < n; i++)
    host_value_push(L, taskip_value_item(args, i), NULL, NULL);
  lua_call(L, (int)n + 1, 2);
  return 2;
}

static void app_fn(void *ud, taskip_host *h, int id, unsigned long long call,
                   const taskip_value *args) {
  lfn *f = ud;
  lua_State *L = f->lh->L;
  int top;
  char err[320];
  taskip_value *arr = NULL, *v;
  size_t charged;
  if (L == NULL) {
    taskip_host_complete(h, call, NULL, "error", "the application is not "
                         "stepping the host");
    return;
  }
  top = lua_gettop(L);
  lua_pushcfunction(L, call_app);
  push_callbacks(L, 1);
  if (f->script != 0) {
    lua_getfield(L, -1, "script_functions");
    lua_rawgetp(L, -1, f);
  } else {
    lua_getfield(L, -1, "functions");
    lua_getfield(L, -1, f->name);
  }
  lua_replace(L, top + 2);
  lua_settop(L, top + 2);                     /* call_app, fn */
  lua_pushlightuserdata(L, unconst(args));
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, id);
  lua_setfield(L, -2, "script");
  lua_pushinteger(L, (lua_Integer)call);
  lua_setfield(L, -2, "call");
  if (lua_pcall(L, 3, 2, 0) != LUA_OK) {
    taskip_host_complete(h, call, NULL, "error",
                         lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                        : "error");
    lua_settop(L, top);
    return;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &PENDING_KEY);
  if (lua_rawequal(L, -1, -3)) {              /* answered later */
    lua_settop(L, top);
    return;
  }
  lua_pop(L, 1);
  if (lua_isnil(L, -2) && !lua_isnil(L, -1)) {
    taskip_host_complete(h, call, NULL, "error",
                         lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                        : "error");
    lua_settop(L, top);
    return;
  }
  if (host_value_from_lua(L, lua_gettop(L) - 1, lua_gettop(L) - 1,
                          "result", TASKIP_VALUE_MAX, NULL, NULL, &charged,
                          &arr, err, sizeof(err)) != 0) {
    taskip_value_free(arr);
    taskip_host_complete(h, call, NULL, "bad_value", err);
  } else {
    v = host_value_detach(arr, 0);
    taskip_value_free(arr);
    taskip_host_complete(h, call, v, NULL, NULL);
  }
  lua_settop(L, top);
}

/* }======================================================= */

/* {======================================================= methods */

static double opt_number(lua_State *L, int t, const char *k, double d) {
  double v;
  lua_getfield(L, t, k);
  v = luaL_optnumber(L, -1, d);
  lua_pop(L, 1);
  return v;
}

static const char *opt_string(lua_State *L, int t, const char *k,
                              size_t *len) {
  const char *s;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    if (len != NULL)
      *len = 0;
    return NULL;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "taskip.host: options.%s must be a string", k);
  s = lua_tolstring(L, -1, len);
  lua_pop(L, 1);              /* still anchored by the options table */
  return s;
}

static void read_limits(lua_State *L, int t, taskip_host_limits *l) {
  lua_getfield(L, t, "limits");
  if (lua_istable(L, -1)) {
    int i = lua_gettop(L);
    l->timeout = opt_number(L, i, "timeout", l->timeout);
    l->instructions = (long long)opt_number(L, i, "instructions",
                                            (double)l->instructions);
    l->memory = (size_t)opt_number(L, i, "memory", (double)l->memory);
    l->output = (size_t)opt_number(L, i, "output", (double)l->output);
    l->requests = (long)opt_number(L, i, "requests", (double)l->requests);
    l->hold = opt_number(L, i, "hold", l->hold);
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "taskip.host: options.limits must be a table");
  }
  lua_pop(L, 1);
}

/* The folder holding taskip/init.lua, from package.path. */
static const char *find_lua_dir(lua_State *L) {
  const char *p;
  size_t n;
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchpath");
  lua_pushliteral(L, "taskip");
  lua_getfield(L, -3, "path");
  lua_call(L, 2, 1);
  p = lua_tolstring(L, -1, &n);
  lua_remove(L, -2);
  if (p == NULL || n < 16 || strcmp(p + n - 16, "/taskip/init.lua") != 0)
    return NULL;
  lua_pushlstring(L, p, n - 16);
  lua_remove(L, -2);
  return lua_tostring(L, -1);         /* left on the stack, anchored */
}

/* A function's record, kept in lh->fns until the host (or, for a
** script's own, its script) is released. */
static lfn *new_fn(lua_State *L, lhost *lh, const char *name) {
  lfn *f = calloc(1, sizeof(*f));
  if (f == NULL || (f->name = malloc(strlen(name) + 1)) == NULL) {
    free(f);
    luaL_error(L, "taskip.host: out of memory");
    return NULL;
  }
  strcpy(f->name, name);
  f->lh = lh;
  f->next = lh->fns;
  lh->fns = f;
  return f;
}

static void free_fns(lhost *lh, int all, int script) {
  lfn **p = &lh->fns, *f;
  while ((f = *p) != NULL) {
    if (all || f->script == script) {
      *p = f->next;
      free(f->name);
      free(f);
    } else {
      p = &f->next;
    }
  }
}

static int register_fn(lua_State *L, lhost *lh, const char *name) {
  lfn *f = new_fn(L, lh, name);
  char err[256];
  if (taskip_host_register(lh->h, name, app_fn, f, err, sizeof(err)) != 0)
    return luaL_error(L, "taskip.host: functions[\"%s\"]: %s", name, err);
  return 0;
}

#define SPAWN_FUNCTIONS_MAX 64

/* The spawn options' functions = {name = fn}: records marked with
** script -1 until the spawn gives them an id, their Lua functions in
** callbacks.script_functions. Returns how many, filled into fns. */
static int read_script_fns(lua_State *L, lhost *lh, int opts,
                           taskip_host_function *fns) {
  int n = 0;
  lua_getfield(L, opts, "functions");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 0;
  }
  if (!lua_istable(L, -1))
    return luaL_error(L, "taskip.host: spawn: functions maps names to "
                      "functions");
  lua_pushnil(L);                 /* checked first: no record on error */
  while (lua_next(L, -2) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_isfunction(L, -1))
      return luaL_error(L, "taskip.host: spawn: functions maps names to "
                        "functions");
    lua_pop(L, 1);
    if (++n > SPAWN_FUNCTIONS_MAX)
      return luaL_error(L, "taskip.host: spawn: functions: at most %d",
                        SPAWN_FUNCTIONS_MAX);
  }
  n = 0;
  push_callbacks(L, 1);
  lua_getfield(L, -1, "script_functions");
  lua_replace(L, -2);                         /* functions, store */
  lua_pushnil(L);
  while (lua_next(L, -3) != 0) {
    lfn *f = new_fn(L, lh, lua_tostring(L, -2));
    f->script = -1;
    lua_rawsetp(L, -3, f);                    /* store[f] = fn */
    fns[n].name = f->name;
    fns[n].fn = app_fn;
    fns[n].ud = f;
    n++;
  }
  lua_pop(L, 2);
  return n;
}

/* Drops the records of script `script` (-1: those of a spawn that
** failed) and their Lua functions. */
static void drop_script_fns(lua_State *L, lhost *lh, int script) {
  lfn *f;
  push_callbacks(L, 1);
  lua_getfield(L, -1, "script_functions");
  for (f = lh->fns; f != NULL; f = f->next) {
    if (f->script == script) {
      lua_pushnil(L);
      lua_rawsetp(L, -2, f);
    }
  }
  lua_pop(L, 2);
  free_fns(lh, 0, script);
}

/* Gives the records of read_script_fns their script (id), or drops
** them when the spawn failed (id < 0). */
static void settle_script_fns(lua_State *L, lhost *lh, int id) {
  lfn *f;
  if (id < 0) {
    drop_script_fns(L, lh, -1);
    return;
  }
  for (f = lh->fns; f != NULL; f = f->next)
    if (f->script == -1)
      f->script = id;
}

/* host.new(options) -> host */
static int host_new(lua_State *L) {
  taskip_host_config cfg;
  lhost *lh;
  char err[512];
  size_t keylen;
  const char *key;
  int fns;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  taskip_host_config_init(&cfg);
  key = opt_string(L, 1, "key", &keylen);
  if (key == NULL)
    return luaL_error(L, "taskip.host: options.key is required");
  cfg.key = key;
  cfg.key_len = keylen;
  cfg.client.base_url = opt_string(L, 1, "base_url", NULL);
  cfg.client.cafile = opt_string(L, 1, "cafile", NULL);
  cfg.allow = opt_string(L, 1, "allow", NULL);
  cfg.rate_store = opt_string(L, 1, "rate_store", NULL);
  cfg.lua_dir = opt_string(L, 1, "lua_dir", NULL);
  if (cfg.lua_dir == NULL)
    cfg.lua_dir = find_lua_dir(L);
  cfg.client.minute_limit = (long)opt_number(L, 1, "minute_limit",
                                             (double)cfg.client.minute_limit);
  read_limits(L, 1, &cfg.limits);
  lh = lua_newuserdatauv(L, sizeof(*lh), 1);
  memset(lh, 0, sizeof(*lh));
  luaL_setmetatable(L, HOST_MT);
  lh->L = L;
  cfg.output = on_output;
  cfg.log = on_log;
  cfg.ud = lh;
  lh->h = taskip_host_new(&cfg, err, sizeof(err));
  if (lh->h == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  taskip_host_on_event(lh->h, on_event, lh);
  lua_createtable(L, 0, 3);                   /* the callbacks */
  lua_getfield(L, 1, "output");
  lua_setfield(L, -2, "output");
  lua_getfield(L, 1, "on_event");
  lua_setfield(L, -2, "on_event");
  lua_getfield(L, 1, "log");
  lua_setfield(L, -2, "log");
  lua_newtable(L);
  fns = lua_gettop(L);
  lua_getfield(L, 1, "functions");
  if (lua_istable(L, -1)) {
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || !lua_isfunction(L, -1))
        return luaL_error(L, "taskip.host: options.functions maps names "
                          "to functions");
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, fns);
      register_fn(L, lh, lua_tostring(L, -1));
    }
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "functions");
  lua_newtable(L);
  lua_setfield(L, -2, "script_functions");
  lua_setiuservalue(L, -2, 1);
  return 1;
}

/* h:spawn{code=|path=, name=, args={...}, key=, base_url=, limits=,
** functions={name=fn}} */
static int host_spawn(lua_State *L) {
  lhost *lh = check_host(L);
  taskip_host_spawn_opts o;
  taskip_host_limits limits;
  taskip_host_function fns[SPAWN_FUNCTIONS_MAX];
  const char *argv[64];
  char err[512];
  int id, i, n;
  luaL_checktype(L, 2, LUA_TTABLE);
  taskip_host_spawn_opts_init(&o);
  o.code = opt_string(L, 2, "code", &o.len);
  o.path = opt_string(L, 2, "path", NULL);
  o.name = opt_string(L, 2, "name", NULL);
  o.key = opt_string(L, 2, "key", &o.key_len);
  o.base_url = opt_string(L, 2, "base_url", NULL);
  lua_getfield(L, 2, "limits");
  if (!lua_isnil(L, -1)) {
    taskip_host_config cfg;
    taskip_host_config_init(&cfg);
    limits = cfg.limits;
    read_limits(L, 2, &limits);
    o.limits = &limits;
  }
  lua_pop(L, 1);
  lua_getfield(L, 2, "args");
  n = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
  luaL_argcheck(L, n <= 64, 2, "args: at most 64");
  for (i = 0; i < n; i++) {             /* anchored by the args table */
    if (lua_geti(L, -1, i + 1) != LUA_TSTRING)
      return luaL_error(L, "taskip.host: spawn: args[%d] is not a string",
                        i + 1);
    argv[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  o.argv = argv;
  o.argc = n;
  lua_pop(L, 1);
  o.functions = fns;
  o.nfunctions = read_script_fns(L, lh, 2, fns);
  id = taskip_host_spawn(lh->h, &o, err, sizeof(err));
  settle_script_fns(L, lh, id);
  if (id < 0) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushinteger(L, id);
  return 1;
}

/* h:step([timeout_ms]) -> running */
static int host_step(lua_State *L) {
  lhost *lh = check_host(L);
  int ms = (int)luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  lua_pushinteger(L, taskip_host_step(lh->h, ms));
  lh->L = NULL;
  return 1;
}

/* h:run() -> true: steps until every script is done. */
static int host_run(lua_State *L) {
  lhost *lh = check_host(L);
  lua_settop(L, 1);
  while (taskip_host_step(lh->h, 100) > 0)
    lh->L = L;
  lh->L = NULL;
  lua_pushboolean(L, 1);
  return 1;
}

/* h:result(id) -> {exit_code, kind, reason, values} | nil (running) */
static int host_result(lua_State *L) {
  lhost *lh = check_host(L);
  taskip_script_result r;
  int id = (int)luaL_checkinteger(L, 2);
  if (taskip_host_result(lh->h, id, &r) != 1)
    return 0;
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, r.exit_code);
  lua_setfield(L, -2, "exit_code");
  lua_pushstring(L, r.kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, r.reason);
  lua_setfield(L, -2, "reason");
  if (r.values != NULL) {
    host_value_push(L, r.values, NULL, NULL);
    lua_setfield(L, -2, "values");
  } else {
    lua_pushstring(L, r.values_error);
    lua_setfield(L, -2, "values_error");
  }
  return 1;
}

/* h:complete(call, value) / h:fail(call, kind, message) -> boolean */
static int host_complete(lua_State *L) {
  lhost *lh = check_host(L);
  unsigned long long call = (unsigned long long)luaL_checkinteger(L, 2);
  taskip_value *arr = NULL;
  size_t charged;
  char err[320];
  lua_settop(L, 3);
  if (host_value_from_lua(L, 3, 3, "value", TASKIP_VALUE_MAX, NULL, NULL,
                          &charged, &arr, err, sizeof(err)) != 0) {
    taskip_value_free(arr);
    return luaL_error(L, "taskip.host: complete: %s", err);
  }
  lua_pushboolean(L, taskip_host_complete(lh->h, call,
                                          host_value_detach(arr, 0), NULL,
                                          NULL) == 0);
  taskip_value_free(arr);
  return 1;
}

static int host_fail(lua_State *L) {
  lhost *lh = check_host(L);
  unsigned long long call = (unsigned long long)luaL_checkinteger(L, 2);
  const char *kind = luaL_checkstring(L, 3);
  const char *msg = luaL_optstring(L, 4, "");
  lua_pushboolean(L, taskip_host_complete(lh->h, call, NULL, kind, msg) == 0);
  return 1;
}

static int host_kill(lua_State *L) {
  lhost *lh = check_host(L);
  lua_pushboolean(L, taskip_host_kill(lh->h, (int)luaL_checkinteger(L, 2))
                         == 0);
  return 1;
}

static int host_release(lua_State *L) {
  lhost *lh = check_host(L);
  int id = (int)luaL_checkinteger(L, 2);
  taskip_host_release(lh->h, id);
  drop_script_fns(L, lh, id);
  return 0;
}

/* close(), __gc, __close: frees the host; idempotent. */
static int host_close(lua_State *L) {
  lhost *lh = luaL_checkudata(L, 1, HOST_MT);
  lh->L = NULL;
  taskip_host_free(lh->h);
  lh->h = NULL;
  free_fns(lh, 1, 0);
  lua_pushboolean(L, 1);
  return 1;
}

static int host_tostring(lua_State *L) {
  lhost *lh = luaL_checkudata(L, 1, HOST_MT);
  lua_pushstring(L, lh->h ? "taskip.host" : "taskip.host (closed)");
  return 1;
}

/* }======================================================= */

int luaopen_taskip_host(lua_State *L);

int luaopen_taskip_host(lua_State *L) {
  static const luaL_Reg methods[] = {
    {"spawn", host_spawn}, {"step", host_step}, {"run", host_run},
    {"result", host_result}, {"complete", host_complete},
    {"fail", host_fail}, {"kill", host_kill}, {"release", host_release},
    {"close", host_close}, {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__gc", host_close}, {"__close", host_close},
    {"__tostring", host_tostring}, {NULL, NULL}
  };
  luaL_newmetatable(L, HOST_MT);
  luaL_setfuncs(L, meta, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, host_new);
  lua_setfield(L, -2, "new");
  lua_newtable(L);                     /* a unique marker */
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &PENDING_KEY);
  lua_setfield(L, -2, "PENDING");
  lua_pushstring(L, TASKIP_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
