/*
** host_luavalue.c — Lua values to taskip_value trees and back, at the
** boundary between a script and the embedder (host functions, emit,
** a script's returned values).
**
** Lua to C refuses, naming the place ("argument 2.items[3]"), what is
** not JSON-shaped: functions, userdata (json.null is nil), threads,
** tables with a metatable (but a taskip error object crosses as the map
** of its fields, read raw), tables mixing sequence and string keys,
** cycles, more than TASKIP_VALUE_DEPTH levels and trees over `max`
** bytes. It never raises: every Lua call it makes is one that cannot
** fail once the stack has room, and it charges each node to the
** script before allocating it (what it charged is returned in
** *charged, also on failure, for the caller to give back when the tree
** is freed). C to Lua may raise (out of memory): the caller keeps the
** tree owned by something the garbage collector frees.
*/
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "taskip_host.h"
#include "host_luavalue.h"

#define NODE_BYTES 96          /* a node's estimate before its contents */

typedef struct walk {
  lua_State *L;
  const void *seen[TASKIP_VALUE_DEPTH + 1];   /* the tables above */
  char path[256];
  size_t max, used;
  host_charge_fn charge;
  void *ud;
  size_t *charged;
  char *err;
  size_t errlen;
} walk;

static int fail(walk *w, const char *what) {
  snprintf(w->err, w->errlen, "%s: %s", w->path, what);
  return -1;
}

/* Counts n more bytes: within max and charged to the script. */
static int take(walk *w, size_t n) {
  char msg[96];
  if (w->used + n > w->max) {
    snprintf(msg, sizeof(msg), "value too large (over %zu bytes)", w->max);
    return fail(w, msg);
  }
  if (w->charge != NULL && w->charge(w->ud, n) != 0)
    return fail(w, "value too large for the script's memory");
  w->used += n;
  *w->charged += n;
  return 0;
}

/* Appends ".key" or "[i]" to the path; returns the old length. */
static size_t push_path(walk *w, const char *key, size_t klen,
                        lua_Integer i) {
  size_t at = strlen(w->path), room = sizeof(w->path) - at;
  if (key != NULL)
    snprintf(w->path + at, room, ".%.*s", (int)(klen > 40 ? 40 : klen), key);
  else
    snprintf(w->path + at, room, "[%lld]", (long long)i);
  return at;
}

static int convert(walk *w, int idx, int depth, taskip_value **out);

/* The table at idx: an array (keys exactly 1..n) or a map (string
** keys); the empty table is a map. */
static int convert_table(walk *w, int idx, int depth, taskip_value **out) {
  lua_State *L = w->L;
  const void *p = lua_topointer(L, idx);
  lua_Integer n = 0, i;
  int strings = 0, others = 0, d;
  taskip_value *c;
  for (d = 0; d < depth; d++)
    if (w->seen[d] == p)
      return fail(w, "cyclic table (it contains itself)");
  if (depth >= TASKIP_VALUE_DEPTH)
    return fail(w, "nested too deeply (the limit is 32 levels)");
  if (lua_getmetatable(L, idx)) {
    int error_object;
    lua_pushliteral(L, "__name");
    lua_rawget(L, -2);
    error_object = lua_type(L, -1) == LUA_TSTRING &&
                   strcmp(lua_tostring(L, -1), "taskip.error") == 0;
    lua_pop(L, 2);
    if (!error_object)
      return fail(w, "a table with a metatable cannot cross");
  }
  w->seen[depth] = p;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      strings++;
    else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1)
      n++;
    else
      others++;
    if ((size_t)(n + strings + others) * NODE_BYTES > w->max) {
      lua_pop(L, 1);
      return take(w, w->max + 1);
    }
  }
  if (others > 0 || (n > 0 && strings > 0))
    return fail(w, "a table whose keys are neither 1..n nor strings");
  for (i = 1; i <= n; i++) {          /* a sequence has no holes */
    int t = lua_rawgeti(L, idx, i);
    lua_pop(L, 1);
    if (t == LUA_TNIL)
      return fail(w, "a table whose keys are neither 1..n nor strings");
  }
  if (take(w, NODE_BYTES + (size_t)(n + strings) * 24) != 0)
    return -1;
  c = n > 0 ? taskip_value_array() : taskip_value_map();
  if (c == NULL)
    return fail(w, "out of memory");
  *out = c;
  if (n > 0) {
    for (i = 1; i <= n; i++) {
      taskip_value *item = NULL;
      size_t at = push_path(w, NULL, 0, i);
      int r;
      lua_rawgeti(L, idx, i);
      r = convert(w, lua_gettop(L), depth + 1, &item);
      lua_pop(L, 1);
      if (r != 0) {
        taskip_value_free(item);        /* what was built of it, if any */
        return -1;
      }
      if (taskip_value_append(c, item) != 0)  /* frees item */
        return fail(w, "out of memory");
      w->path[at] = '\0';
    }
    return 0;
  }
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    taskip_value *item = NULL;
    size_t klen, at;
    const char *k = lua_tolstring(L, -2, &klen);    /* a string key */
    at = push_path(w, k, klen, 0);
    if (take(w, klen + 1) != 0 ||
        convert(w, lua_gettop(L), depth + 1, &item) != 0) {
      taskip_value_free(item);
      lua_pop(L, 2);
      return -1;
    }
    lua_pop(L, 1);
    if (taskip_value_set(c, k, klen, item) != 0) {   /* frees item */
      lua_pop(L, 1);
      return fail(w, "out of memory");
    }
    w->path[at] = '\0';
  }
  return 0;
}

static int convert(walk *w, int idx, int depth, taskip_value **out) {
  lua_State *L = w->L;
  *out = NULL;
  if (!lua_checkstack(L, 4))
    return fail(w, "out of stack");
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    *out = taskip_value_nil();
    break;
  case LUA_TBOOLEAN:
    *out = taskip_value_boolean(lua_toboolean(L, idx));
    break;
  case LUA_TNUMBER:
    *out = lua_isinteger(L, idx)
               ? taskip_value_integer((long long)lua_tointeger(L, idx))
               : taskip_value_number((double)lua_tonumber(L, idx));
    break;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (take(w, len + 1) != 0)
      return -1;
    *out = taskip_value_string(s, len);
    break;
  }
  case LUA_TTABLE:
    return convert_table(w, idx, depth, out);
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) {      /* json.null */
      *out = taskip_value_nil();
      break;
    }
    /* FALLTHROUGH */
  default: {
    char msg[80];
    snprintf(msg, sizeof(msg), "a %s cannot cross to the host",
             luaL_typename(L, idx));
    return fail(w, msg);
  }
  }
  if (*out == NULL)
    return fail(w, "out of memory");
  return take(w, NODE_BYTES);
}

int host_value_from_lua(lua_State *L, int first, int last,
                        const char *what, size_t max,
                        host_charge_fn charge, void *ud, size_t *charged,
                        taskip_value **out, char *err, size_t errlen) {
  walk w;
  taskip_value *arr;
  int i;
  memset(&w, 0, sizeof(w));
  w.L = L;
  w.max = max;
  w.charge = charge;
  w.ud = ud;
  w.charged = charged;
  w.err = err;
  w.errlen = errlen;
  *charged = 0;
  *out = NULL;
  arr = taskip_value_array();
  if (arr == NULL || take(&w, NODE_BYTES) != 0) {
    taskip_value_free(arr);
    snprintf(err, errlen, "%s: out of memory", what);
    return -1;
  }
  *out = arr;
  for (i = first; i <= last; i++) {
    taskip_value *item = NULL;
    snprintf(w.path, sizeof(w.path), "%s %d", what, i - first + 1);
    if (convert(&w, i, 0, &item) != 0) {
      taskip_value_free(item);
      return -1;
    }
    if (taskip_value_append(arr, item) != 0) {     /* frees item */
      snprintf(err, errlen, "%s: out of memory", what);
      return -1;
    }
  }
  return 0;
}

/* {======================================================= to Lua */

static void push_value(lua_State *L, const taskip_value *v, int depth,
                       host_text_fn text, void *ud) {
  size_t i, n, len;
  const char *s;
  if (depth > TASKIP_VALUE_DEPTH)
    luaL_error(L, "taskip: value nested too deeply");
  luaL_checkstack(L, 4, "value nested too deeply");
  switch (taskip_value_kind(v)) {
  case TASKIP_VALUE_NIL:
    if (depth > 0)
      lua_pushlightuserdata(L, NULL);          /* json.null */
    else
      lua_pushnil(L);
    break;
  case TASKIP_VALUE_BOOLEAN:
    lua_pushboolean(L, taskip_value_to_boolean(v));
    break;
  case TASKIP_VALUE_INTEGER:
    lua_pushinteger(L, (lua_Integer)taskip_value_to_integer(v));
    break;
  case TASKIP_VALUE_NUMBER:
    lua_pushnumber(L, (lua_Number)taskip_value_to_number(v));
    break;
  case TASKIP_VALUE_STRING:
    s = taskip_value_to_string(v, &len);
    if (text != NULL)
      text(L, ud, s, len);
    else
      lua_pushlstring(L, s, len);
    break;
  case TASKIP_VALUE_ARRAY:
    n = taskip_value_count(v);
    lua_createtable(L, n < 1u << 20 ? (int)n : 0, 0);
    for (i = 0; i < n; i++) {
      push_value(L, taskip_value_item(v, i), depth + 1, text, ud);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    break;
  case TASKIP_VALUE_MAP:
    n = taskip_value_count(v);
    lua_createtable(L, 0, n < 1u << 20 ? (int)n : 0);
    for (i = 0; i < n; i++) {
      s = taskip_value_key(v, i, &len);
      if (text != NULL)
        text(L, ud, s, len);
      else
        lua_pushlstring(L, s, len);
      push_value(L, taskip_value_item(v, i), depth + 1, text, ud);
      lua_rawset(L, -3);
    }
    break;
  }
}

void host_value_push(lua_State *L, const taskip_value *v, host_text_fn text,
                     void *ud) {
  push_value(L, v, 0, text, ud);
}

/* }======================================================= */
