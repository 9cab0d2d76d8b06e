/*
** lratestore.c — the rate store behind Lua functions (lratestore.h).
**
** An update calls lock(fp); when it holds the lock it reads the record,
** runs the core's apply, writes the result and unlocks, all without
** yielding; when the lock is busy the update is PENDING and the core
** polls it again (the OpenResty transport sleeps a millisecond between
** steps). A lock busy for LOCK_POLLS polls, or a function that raises,
** makes the update fail: the client then keeps its share of the budget.
** The functions run under pcall on the thread bound last (the one
** stepping the call).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lratestore.h"
#include "ratestore_open.h"
#include "ratelimit.h"

#define POLL_INTERVAL 0.001
#define LOCK_POLLS 1000              /* about a second */

typedef struct lua_store {
  taskip_rate_store base;
  lua_State *L;                      /* bound thread, or NULL */
  int ref;                           /* the functions' table */
  char fp[TASKIP_FP_HEX + 1];
} lua_store;

/* Calls fn(fp[, rec]) under pcall with nret results; 0, or -1 after
** a warning. */
static int call_fn(lua_store *s, const char *fn, const char *rec,
                   size_t reclen, int nret) {
  lua_State *L = s->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
  lua_getfield(L, -1, fn);
  lua_remove(L, -2);
  lua_pushstring(L, s->fp);
  if (rec != NULL)
    lua_pushlstring(L, rec, reclen);
  if (lua_pcall(L, rec != NULL ? 2 : 1, nret, 0) != 0) {
    char why[160];
    snprintf(why, sizeof(why), "%s: %s", fn,
             lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                            : "an error");
    lua_pop(L, 1);
    taskip_rate_store_warn(&s->base, why);
    return -1;
  }
  return 0;
}

static taskip_store_status lstore_try(lua_store *s, taskip_store_op *op) {
  lua_State *L = s->L;
  char rec[TASKIP_RATE_RECORD_MAX];
  const char *old;
  size_t oldlen = 0, n;
  int top, held;
  taskip_store_status rc = TASKIP_STORE_FAILED;
  if (L == NULL)
    return TASKIP_STORE_FAILED;
  top = lua_gettop(L);
  if (!lua_checkstack(L, 8) || call_fn(s, "lock", NULL, 0, 1) != 0)
    goto done;
  held = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!held) {
    rc = ++op->phase > LOCK_POLLS ? TASKIP_STORE_FAILED
                                  : TASKIP_STORE_PENDING;
    if (rc == TASKIP_STORE_FAILED)
      taskip_rate_store_warn(&s->base, "locked for too long");
    goto done;
  }
  if (call_fn(s, "get", NULL, 0, 1) == 0) {
    old = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &oldlen)
                                         : NULL;
    n = op->apply(op->ctx, old, oldlen, rec, sizeof(rec));
    if (n == 0 || n >= sizeof(rec) || call_fn(s, "set", rec, n, 0) == 0)
      rc = TASKIP_STORE_DONE;
  }
  call_fn(s, "unlock", NULL, 0, 0);
done:
  lua_settop(L, top);
  return rc;
}

static taskip_store_status lstore_update(taskip_rate_store *s,
                                         taskip_store_op *op) {
  op->phase = 0;
  return lstore_try((lua_store *)s, op);
}

static taskip_store_status lstore_poll(taskip_rate_store *s,
                                       taskip_store_op *op) {
  return lstore_try((lua_store *)s, op);
}

static void lstore_cancel(taskip_rate_store *s, taskip_store_op *op) {
  (void)s;                     /* nothing is kept between polls */
  (void)op;
}

static void lstore_free(taskip_rate_store *s) {
  lua_store *ls = (lua_store *)s;
  if (ls->L != NULL)
    luaL_unref(ls->L, LUA_REGISTRYINDEX, ls->ref);
  free(ls);
}

static const taskip_rate_store_type lua_store_type = {
  "lua", lstore_update, lstore_poll, lstore_cancel, lstore_free
};

taskip_rate_store *taskip_lua_store_new(lua_State *L, int idx,
                                        const char *key, size_t keylen,
                                        char *err, size_t errlen) {
  static const char *const fns[] = {"lock", "get", "set", "unlock", NULL};
  lua_store *s;
  int i;
  if (lua_type(L, idx) != LUA_TTABLE) {
    snprintf(err, errlen, "rate_store: expected a table of functions");
    return NULL;
  }
  for (i = 0; fns[i] != NULL; i++) {
    lua_getfield(L, idx, fns[i]);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
      lua_pop(L, 1);
      snprintf(err, errlen, "rate_store: %s is not a function", fns[i]);
      return NULL;
    }
    lua_pop(L, 1);
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL || taskip_fingerprint(key, keylen, s->fp) != 0) {
    free(s);
    snprintf(err, errlen, "rate_store: out of memory");
    return NULL;
  }
  s->base.type = &lua_store_type;
  s->base.poll_interval = POLL_INTERVAL;
  snprintf(s->base.where, sizeof(s->base.where), "ngx.shared");
  lua_pushvalue(L, idx);
  s->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return &s->base;
}

void taskip_lua_store_bind(taskip_rate_store *s, lua_State *L) {
  if (s != NULL && s->type == &lua_store_type)
    ((lua_store *)s)->L = L;
}

int taskip_is_lua_store(const taskip_rate_store *s) {
  return s != NULL && s->type == &lua_store_type;
}
