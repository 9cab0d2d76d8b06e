/*
** lresult.c — result and rate-limit tables and metatables for Lua
** (see lresult.h).
*/
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "compat.h"
#include "lresult.h"
#include "ratelimit.h"
#include "transport.h"

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void set_text(lua_State *L, const char *k, const char *s, size_t n,
                     taskip_push_text push, void *ud) {
  if (push != NULL)
    push(L, ud, s, n);
  else
    lua_pushlstring(L, s, n);
  lua_setfield(L, -2, k);
}

void taskip_push_result(lua_State *L, const taskip_result *r,
                        taskip_push_text push, void *ud) {
  size_t i;
  lua_createtable(L, 0, 10);
  lua_pushboolean(L, r->kind == TASKIP_OK);
  lua_setfield(L, -2, "ok");
  lua_pushstring(L, taskip_kind_name(r->kind));
  lua_setfield(L, -2, "kind");
  set_int(L, "status", (lua_Integer)r->status);
  set_int(L, "attempts", r->attempts);
  if (r->kind != TASKIP_OK)
    set_text(L, "message", r->message, strlen(r->message), push, ud);
  if (r->retry_after >= 0) {
    lua_pushnumber(L, r->retry_after);
    lua_setfield(L, -2, "retry_after");
  }
  set_text(L, "body", r->body ? r->body : "", r->body ? r->body_len : 0,
           push, ud);
  if (r->trace != NULL)
    set_text(L, "trace", r->trace, r->trace_len, push, ud);
  lua_createtable(L, 0, (int)r->header_count);
  for (i = 0; i < r->header_count; i++)
    set_text(L, r->headers[i].name, r->headers[i].value,
             strlen(r->headers[i].value), push, ud);
  lua_setfield(L, -2, "headers");
}

void taskip_push_figures(lua_State *L, const taskip_rate_figures *f) {
  lua_createtable(L, 0, 5);
  set_int(L, "limit", f->limit);
  set_int(L, "remaining", f->remaining);
  set_int(L, "reset", (lua_Integer)f->reset_at);
}

void taskip_push_rate(lua_State *L, taskip_client *c) {
  taskip_rate_figures budget, burst;
  double wait = taskip_client_rate(c, taskip_now(), &budget, &burst);
  taskip_push_figures(L, &budget);
  lua_pushnumber(L, wait);
  lua_setfield(L, -2, "wait");
  taskip_push_figures(L, &burst);
  lua_setfield(L, -2, "burst");
}

static int count_regs(const luaL_Reg *r) {
  int n = 0;
  while (r != NULL && r[n].name != NULL)
    n++;
  return n;
}

/* The metatable registered as `name` (luaL_newmetatable's, and the
** same table if the module is opened again), new ones created at their
** final size: a script state makes several, with no rehash. */
void taskip_create_meta(lua_State *L, const char *name,
                        const luaL_Reg *meta, const luaL_Reg *methods) {
  lua_getfield(L, LUA_REGISTRYINDEX, name);   /* void in Lua 5.1 */
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_createtable(L, 0, count_regs(meta) + (methods != NULL) + 2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, name);
  }
  if (meta != NULL)
    luaL_setfuncs(L, meta, 0);
  if (methods != NULL) {
    lua_createtable(L, 0, count_regs(methods));
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

int taskip_lua_escape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char *e = taskip_escape(s, n);
  if (e == NULL)
    return luaL_error(L, "taskip: out of memory");
  lua_pushstring(L, e);
  free(e);
  return 1;
}

/* The string at arg, refused when it holds a NUL byte: the core reads
** it as a C string, which would end there ("GET\0..." is not a GET). */
static const char *text_arg(lua_State *L, int arg, const char *name,
                            const char *def) {
  size_t n;
  const char *s = luaL_optlstring(L, arg, def, &n);
  if (s != NULL && strlen(s) != n) {
    lua_pushfstring(L, "taskip: %s: holds a NUL byte", name);
    lua_error(L);
  }
  return s;
}

/* The string field k of the part table at -1, or NULL when absent;
** a NUL byte in a header field raises, naming it. */
static const char *part_field(lua_State *L, size_t i, const char *k,
                              int header, size_t *len) {
  const char *s = NULL;
  int t;
  lua_getfield(L, -1, k);
  t = lua_type(L, -1);
  if (t != LUA_TNIL) {
    if (t != LUA_TSTRING)
      luaL_error(L, "taskip: parts[%d].%s: string expected, got %s",
                 (int)i, k, luaL_typename(L, -1));
    s = lua_tolstring(L, -1, len);
    if (header && strlen(s) != *len)
      luaL_error(L, "taskip: parts[%d].%s: holds a NUL byte", (int)i, k);
  }
  lua_pop(L, 1);            /* anchored by the part table */
  return s;
}

/* The parts array at arg 5 ({name=, filename=, content_type=, data=}
** each) as a taskip_part array in a userdata pushed on the stack. */
static void check_parts(lua_State *L, taskip_request *req) {
  size_t n = taskip_rawlen(L, 5), i, len;
  taskip_part *parts;
  if (n == 0)
    luaL_error(L, "taskip: parts: at least one part expected");
  parts = lua_newuserdata(L, n * sizeof(*parts));
  for (i = 1; i <= n; i++) {
    taskip_part *p = &parts[i - 1];
    lua_rawgeti(L, 5, (int)i);
    if (lua_type(L, -1) != LUA_TTABLE)
      luaL_error(L, "taskip: parts[%d]: table expected, got %s", (int)i,
                 luaL_typename(L, -1));
    p->name = part_field(L, i, "name", 1, &len);
    p->filename = part_field(L, i, "filename", 1, &len);
    p->content_type = part_field(L, i, "content_type", 1, &len);
    p->data = part_field(L, i, "data", 0, &p->len);
    if (p->name == NULL || p->data == NULL)
      luaL_error(L, "taskip: parts[%d].%s: missing", (int)i,
                 p->name == NULL ? "name" : "data");
    lua_pop(L, 1);
  }
  req->parts = parts;
  req->part_count = n;
}

void taskip_check_request(lua_State *L, taskip_request *req) {
  luaL_checkstring(L, 2);
  luaL_checkstring(L, 3);
  lua_settop(L, 8);
  memset(req, 0, sizeof(*req));
  req->method = text_arg(L, 2, "method", NULL);
  req->path = text_arg(L, 3, "path", NULL);
  req->query = text_arg(L, 4, "query", NULL);
  /* the endpoint's own limit: name, count, window (the core checks) */
  req->limit_name = text_arg(L, 6, "limit_name", NULL);
  req->limit_count = req->limit_name ? (long)luaL_checkinteger(L, 7) : 0;
  req->limit_window = req->limit_name ? luaL_checknumber(L, 8) : 0;
  if (lua_type(L, 5) == LUA_TTABLE)
    check_parts(L, req);                        /* pushes them at 9 */
  else
    req->body = luaL_optlstring(L, 5, NULL, &req->body_len);
  if (lua_gettop(L) == 8)
    lua_pushnil(L);
}
