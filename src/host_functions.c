/*
** host_functions.c — the embedder's functions inside scripts, and
** emit(name, value): registration, the Lua side of a call, and
** taskip_host_complete.
**
** A call converts its arguments to a taskip_value (host_luavalue.c,
** charged to the script), records a pending call (a userdata of the
** script's state, so closing the state gives everything back), and
** calls the embedder's function. If that completed the call, the
** script goes on at once; otherwise its coroutine yields to the host
** (SB_OP_FUNCTION) like an API call, and taskip_host_complete wakes it.
** The embedder sees copies of the script's values, never a Lua object;
** what comes back is scrubbed of the key like everything a script sees.
*/
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "taskip_host.h"
#include "sandbox.h"
#include "host_internal.h"
#include "host_luavalue.h"
#include "lresult.h"

#define FNCALL_MT "taskip.host.fncall"
#define EVENT_NAME_MAX 64
#define KIND_MAX 32
#define MESSAGE_MAX 4096

static const char ERRNEW_KEY = 'e';  /* registry: taskip.errors.new */

struct host_fncall {
  unsigned long long id;
  void *script;
  void *task;                   /* the task waiting, once it yields */
  taskip_value *args, *result;
  size_t args_charged, result_charged;
  int done, failed;
  char kind[KIND_MAX];
  char *message;                /* malloc'd, charged in result_charged */
  host_fncall *prev, *next;     /* pending calls of the host */
};

struct host_fns {
  taskip_host_function *list;   /* registered for every script */
  int n;
  host_fncall *pending;
  unsigned long long next_id;
  taskip_host_event_fn event;
  void *event_ud;
};

/* {======================================================= registry */

host_fns *host_fns_new(void) {
  return calloc(1, sizeof(host_fns));
}

void host_fns_free(host_fns *f) {
  int i;
  if (f == NULL)
    return;
  for (i = 0; i < f->n; i++) {
    union {
      const char *c;
      char *m;
    } u;
    u.c = f->list[i].name;
    free(u.m);
  }
  free(f->list);
  free(f);
}

/* The sandbox's own globals: a function may not shadow them. */
static const char *const reserved[] = {
  "taskip", "json", "string", "table", "math", "utf8", "os", "coroutine",
  "log", "sleep", "print", "emit", "load", "pcall", "xpcall", "error",
  "assert", "pairs", "ipairs", "next", "select", "type", "tostring",
  "tonumber", "rawget", "rawset", "rawequal", "rawlen", "setmetatable",
  "getmetatable", "collectgarbage", "arg", "_G", "_ENV", "_VERSION", NULL
};

static int ident(const char *s, size_t n) {
  size_t i;
  if (n == 0 || n > 40 || (s[0] >= '0' && s[0] <= '9'))
    return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return 1;
}

int host_fn_check(const char *name, taskip_host_fn fn, char *err,
                  size_t errlen) {
  const char *dot;
  size_t first;
  int i;
  if (name == NULL) {
    snprintf(err, errlen, "name: required");
    return -1;
  }
  if (fn == NULL) {
    snprintf(err, errlen, "fn: required (for %.64s)", name);
    return -1;
  }
  dot = strchr(name, '.');
  first = dot ? (size_t)(dot - name) : strlen(name);
  if (!ident(name, first) || (dot && !ident(dot + 1, strlen(dot + 1)))) {
    snprintf(err, errlen, "name: \"%.64s\" is not NAME or NAME.NAME "
             "(letters, digits, _)", name);
    return -1;
  }
  for (i = 0; reserved[i] != NULL; i++) {
    if (strlen(reserved[i]) == first &&
        strncmp(reserved[i], name, first) == 0) {
      snprintf(err, errlen, "name: \"%.64s\" would shadow the sandbox's "
               "own %s", name, reserved[i]);
      return -1;
    }
  }
  return 0;
}

int taskip_host_register(taskip_host *h, const char *name,
                         taskip_host_fn fn, void *ud, char *err,
                         size_t errlen) {
  host_fns *f;
  taskip_host_function *list;
  char *copy;
  int i;
  if (h == NULL) {
    snprintf(err, errlen, "h: required");
    return -1;
  }
  if (host_fn_check(name, fn, err, errlen) != 0)
    return -1;
  f = host_functions(h);
  for (i = 0; i < f->n; i++) {
    if (strcmp(f->list[i].name, name) == 0) {
      f->list[i].fn = fn;
      f->list[i].ud = ud;
      return 0;
    }
  }
  copy = malloc(strlen(name) + 1);
  list = realloc(f->list, (size_t)(f->n + 1) * sizeof(*list));
  if (copy == NULL || list == NULL) {
    free(copy);
    if (list != NULL)
      f->list = list;
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  strcpy(copy, name);
  f->list = list;
  f->list[f->n].name = copy;
  f->list[f->n].fn = fn;
  f->list[f->n].ud = ud;
  f->n++;
  return 0;
}

void taskip_host_on_event(taskip_host *h, taskip_host_event_fn fn,
                          void *ud) {
  host_fns *f = host_functions(h);
  f->event = fn;
  f->event_ud = ud;
}

/* }======================================================= */

/* {======================================================= calls */

static int charge_cb(void *script, size_t n) {
  return host_charge(script, n);
}

static void text_cb(lua_State *L, void *script, const char *s, size_t n) {
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, n);
  memcpy(p, s, n);
  host_scrub(script, p, n);
  luaL_pushresultsize(&b, n);
}

/* Gives back everything the call holds and unlists it; idempotent. */
static void fncall_release(host_fncall *c) {
  host_fns *f;
  if (c->script == NULL)
    return;
  f = host_functions(host_of(c->script));
  if (c->prev != NULL)
    c->prev->next = c->next;
  else if (f->pending == c)
    f->pending = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
  taskip_value_free(c->args);
  taskip_value_free(c->result);
  free(c->message);
  c->args = c->result = NULL;
  c->message = NULL;
  host_uncharge(c->script, c->args_charged + c->result_charged);
  c->args_charged = c->result_charged = 0;
  c->script = NULL;
  c->task = NULL;
}

static int fncall_gc(lua_State *L) {
  fncall_release(luaL_checkudata(L, 1, FNCALL_MT));
  return 0;
}

/* Pushes the answer of a completed call: the value, or nil, err. */
static int push_answer(lua_State *L, host_fncall *c) {
  void *script = c->script;
  if (!c->failed) {
    host_value_push(L, c->result, text_cb, script);
    fncall_release(c);
    return 1;
  }
  lua_pushnil(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ERRNEW_KEY);
  lua_createtable(L, 0, 2);
  lua_pushstring(L, c->kind);
  lua_setfield(L, -2, "kind");
  text_cb(L, script, c->message ? c->message : "",
          c->message ? strlen(c->message) : 0);
  lua_setfield(L, -2, "message");
  fncall_release(c);
  if (lua_isfunction(L, -2))
    lua_call(L, 1, 1);
  else
    lua_remove(L, -2);
  return 2;
}

static int fncall_k(lua_State *L, int status, lua_KContext ctx) {
  host_fncall *c = lua_touserdata(L, (int)ctx);
  (void)status;
  sb_op_resumed(L);
  sb_check(L);
  return push_answer(L, c);
}

/*
** The Lua face of a host function (upvalues: the registration, a
** userdata holding a taskip_host_function; its name). Arguments that
** cannot cross raise, naming them; the embedder's errors return nil,
** err.
*/
static int hostfn_call(lua_State *L) {
  const taskip_host_function *reg = lua_touserdata(L, lua_upvalueindex(1));
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  sandbox *sb = sb_of(L);
  void *script = sb->owner;
  host_fns *f = host_functions(host_of(script));
  int top = lua_gettop(L);
  host_fncall *c;
  char err[320];
  sb_check(L);
  c = lua_newuserdatauv(L, sizeof(*c), 0);         /* top + 1 */
  memset(c, 0, sizeof(*c));
  luaL_setmetatable(L, FNCALL_MT);
  c->script = script;
  if (host_value_from_lua(L, 1, top, "argument", TASKIP_VALUE_MAX,
                          charge_cb, script, &c->args_charged, &c->args,
                          err, sizeof(err)) != 0) {
    fncall_release(c);
    sb_check(L);
    return luaL_error(L, "%s: %s", name, err);
  }
  c->id = ++f->next_id;
  c->next = f->pending;
  if (f->pending != NULL)
    f->pending->prev = c;
  f->pending = c;
  reg->fn(reg->ud, host_of(script), host_script_id(script), c->id, c->args);
  sb_check(L);                    /* killed from the function */
  if (c->done)
    return push_answer(L, c);
  return sb_host_yield(L, SB_OP_FUNCTION, c, 0, top + 1, fncall_k);
}

void host_fn_waiting(host_fncall *c, void *task) {
  c->task = task;
  if (c->done)
    host_wake(task);
}

static host_fncall *find_pending(host_fns *f, unsigned long long id) {
  host_fncall *c;
  for (c = f->pending; c != NULL; c = c->next)
    if (c->id == id)
      return c;
  return NULL;
}

static size_t depth_of(const taskip_value *v, size_t limit) {
  size_t i, d = 0, n = taskip_value_count(v);
  if (limit == 0)
    return 1;
  for (i = 0; i < n; i++) {
    size_t k = depth_of(taskip_value_item(v, i), limit - 1);
    if (k > d)
      d = k;
  }
  return d + 1;
}

static void set_error(host_fncall *c, const char *kind, const char *msg) {
  size_t n = strlen(msg);
  if (n > MESSAGE_MAX)
    n = MESSAGE_MAX;
  c->failed = 1;
  snprintf(c->kind, sizeof(c->kind), "%s", kind);
  if (host_charge(c->script, n + 1) != 0)
    return;
  c->message = malloc(n + 1);
  if (c->message == NULL) {
    host_uncharge(c->script, n + 1);
    return;
  }
  memcpy(c->message, msg, n);
  c->message[n] = '\0';
  c->result_charged += n + 1;
}

int taskip_host_complete(taskip_host *h, unsigned long long call_id,
                         taskip_value *result, const char *err_kind,
                         const char *err_message) {
  host_fncall *c = h != NULL ? find_pending(host_functions(h), call_id)
                             : NULL;
  size_t size;
  if (c == NULL || c->done) {
    taskip_value_free(result);
    return -1;
  }
  c->done = 1;
  if (err_kind != NULL) {
    taskip_value_free(result);
    set_error(c, err_kind[0] ? err_kind : "error",
              err_message ? err_message : "");
  } else if ((size = taskip_value_size(result)) > TASKIP_VALUE_MAX) {
    taskip_value_free(result);
    set_error(c, "too_large", "the host function's result is larger "
              "than 1 MB");
  } else if (depth_of(result, TASKIP_VALUE_DEPTH + 1) >
             TASKIP_VALUE_DEPTH) {
    taskip_value_free(result);
    set_error(c, "too_large", "the host function's result is nested "
              "more than 32 levels");
  } else if (host_charge(c->script, size) != 0) {
    taskip_value_free(result);
    set_error(c, "too_large", "the host function's result does not fit "
              "in the script's memory");
  } else {
    c->result = result;
    c->result_charged += size;
  }
  if (c->task != NULL)
    host_wake(c->task);
  return 0;
}

/* }======================================================= */

/* {======================================================= emit */

/* emit(name [, value]): the embedder's event callback, at once. */
static int host_emit(lua_State *L) {
  sandbox *sb = sb_of(L);
  void *script = sb->owner;
  taskip_host *h = host_of(script);
  host_fns *f = host_functions(h);
  size_t len, charged = 0;
  const char *name = luaL_checklstring(L, 1, &len);
  taskip_value *v = NULL;
  char err[320];
  int r;
  sb_check(L);
  luaL_argcheck(L, len >= 1 && len <= EVENT_NAME_MAX, 1,
                "name must be 1 to 64 bytes");
  lua_settop(L, 2);
  r = host_value_from_lua(L, 2, 2, "value", TASKIP_VALUE_MAX, charge_cb,
                          script, &charged, &v, err, sizeof(err));
  if (r == 0 && host_count_output(script, len + taskip_value_size(v)))
    r = 1;
  if (r == 0 && f->event != NULL) {
    char clean[EVENT_NAME_MAX + 1];
    memcpy(clean, name, len);
    clean[len] = '\0';
    host_scrub(script, clean, len);
    f->event(f->event_ud, h, host_script_id(script), clean,
             taskip_value_item(v, 0));
  }
  taskip_value_free(v);
  host_uncharge(script, charged);
  sb_check(L);
  if (r < 0)
    return luaL_error(L, "emit: %s", err);
  return 0;
}

/* }======================================================= */

/* Sets env[a][b] (or env[a]) to the Lua face of fn. */
static void install_one(lua_State *L, int env, const taskip_host_function *fn) {
  const char *dot = strchr(fn->name, '.');
  taskip_host_function *copy;
  int at = env;
  if (dot != NULL) {
    lua_pushlstring(L, fn->name, (size_t)(dot - fn->name));
    if (lua_rawget(L, env) != LUA_TTABLE) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushlstring(L, fn->name, (size_t)(dot - fn->name));
      lua_pushvalue(L, -2);
      lua_rawset(L, env);
    }
    at = lua_gettop(L);
  }
  copy = lua_newuserdatauv(L, sizeof(*copy), 0);
  *copy = *fn;
  lua_pushstring(L, fn->name);
  lua_pushcclosure(L, hostfn_call, 2);
  lua_setfield(L, at, dot ? dot + 1 : fn->name);
  if (dot != NULL)
    lua_pop(L, 1);
}

void host_fns_install(lua_State *L, int env) {
  static const luaL_Reg meta[] = {{"__gc", fncall_gc}, {NULL, NULL}};
  void *script = sb_of(L)->owner;
  host_fns *f = host_functions(host_of(script));
  const taskip_host_function *own;
  int i, n;
  env = lua_absindex(L, env);
  taskip_create_meta(L, FNCALL_MT, meta, NULL);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "taskip.errors");
  if (lua_istable(L, -1))
    lua_getfield(L, -1, "new");
  else
    lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ERRNEW_KEY);
  lua_pop(L, 2);
  lua_pushcfunction(L, host_emit);
  lua_setfield(L, env, "emit");
  for (i = 0; i < f->n; i++)
    install_one(L, env, &f->list[i]);
  host_script_functions(script, &own, &n);
  for (i = 0; i < n; i++)
    install_one(L, env, &own[i]);
}
