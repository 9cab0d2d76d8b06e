/*
** The emulator's lua_State and the C <-> Lua conversions.
**
** Every entry point takes the mutex, then runs one protected C
** function (lua_pcall with a traceback handler), so a Lua error or an
** out-of-memory error never longjmps past this file. Conversions that
** allocate C memory store it straight into a caller-owned struct, so
** nothing leaks when Lua raises half-way.
**
** The Lua side sees the module "taskip.mock.native" (preloaded) with
** unescape(s) (MHD's percent-decoding) and secure_equal(a, b).
*/
#include "lua_bridge.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

struct mock_lua {
  lua_State *L;
  pthread_mutex_t lock;
};

/* Arguments of one protected call. */
typedef struct pcall_args {
  const taskip_mock_config *cfg;
  const mock_request *req;
  mock_response *resp;
  const char *json;
  char **reply;
  int ok;
} pcall_args;

/* {==================================================================
** Native helpers for the Lua side
** =================================================================== */

/* unescape(s): decode %HH sequences (MHD_http_unescape). */
static int native_unescape(lua_State *L)
{
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, len + 1);
  size_t n;

  memcpy(p, s, len);
  p[len] = '\0';
  n = MHD_http_unescape(p);
  luaL_pushresultsize(&b, n);
  return 1;
}

/* secure_equal(a, b): compare in time that depends only on #b. */
static int native_secure_equal(lua_State *L)
{
  size_t alen, blen, i;
  const char *a = luaL_checklstring(L, 1, &alen);
  const char *b = luaL_checklstring(L, 2, &blen);
  unsigned diff = alen != blen;

  for (i = 0; i < blen; i++)
    diff |= (unsigned char)(a[i % (alen ? alen : 1)] ^ b[i])
            | (alen == 0);
  lua_pushboolean(L, diff == 0);
  return 1;
}

static const luaL_Reg native_funcs[] = {
  {"unescape", native_unescape},
  {"secure_equal", native_secure_equal},
  {NULL, NULL}
};

static int open_native(lua_State *L)
{
  luaL_newlib(L, native_funcs);
  return 1;
}

/* }================================================================== */

/* Message handler: append a traceback to the error. */
static int msgh(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);

  if (msg == NULL)
    msg = "(error object is not a string)";
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Run f(args) protected; on error copy the message to err. */
static int protected(lua_State *L, lua_CFunction f, pcall_args *args,
                     char *err, size_t errlen)
{
  int base = lua_gettop(L);
  int rc;

  lua_pushcfunction(L, msgh);
  lua_pushcfunction(L, f);
  lua_pushlightuserdata(L, args);
  rc = lua_pcall(L, 1, 0, base + 1);
  if (rc != LUA_OK && errlen > 0)
    snprintf(err, errlen, "emulator lua: %s",
             lua_isstring(L, -1) ? lua_tostring(L, -1) : "error");
  lua_settop(L, base);
  return rc == LUA_OK ? 0 : -1;
}

/* Set package[field] = (custom or current) .. ";" .. extra. */
static void set_search_path(lua_State *L, const char *field,
                            const char *custom, const char *extra)
{
  lua_getglobal(L, "package");
  if (custom)
    lua_pushstring(L, custom);
  else
    lua_getfield(L, -1, field);
  lua_pushstring(L, ";");
  lua_pushstring(L, extra);
  lua_concat(L, 3);
  lua_setfield(L, -2, field);
  lua_pop(L, 1);
}

static void set_int_field(lua_State *L, const char *k, lua_Integer v)
{
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static void set_str_field(lua_State *L, const char *k, const char *v)
{
  if (v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
  }
}

/* Protected: set paths, require the server and call server.init. */
static int p_open(lua_State *L)
{
  pcall_args *a = lua_touserdata(L, 1);
  const taskip_mock_config *cfg = a->cfg;

  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, open_native);
  lua_setfield(L, -2, "taskip.mock.native");
  lua_pop(L, 1);
  set_search_path(L, "path", cfg->lua_path,
                  TASKIP_LUA_MODULE_DIR "/?.lua;"
                  TASKIP_LUA_MODULE_DIR "/?/init.lua");
  set_search_path(L, "cpath", cfg->lua_cpath,
                  TASKIP_LUA_CMODULE_DIR "/?.so");
  lua_getglobal(L, "require");
  lua_pushliteral(L, "taskip.mock.server");
  lua_call(L, 1, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "taskip.mock.server");
  lua_getfield(L, LUA_REGISTRYINDEX, "taskip.mock.server");
  lua_getfield(L, -1, "init");
  lua_createtable(L, 0, 8);
  set_str_field(L, "secret_key", cfg->secret_key);
  set_int_field(L, "limit", cfg->limit);
  set_int_field(L, "window", cfg->window);
  set_str_field(L, "reset_format", cfg->reset_delta ? "delta" : "epoch");
  set_int_field(L, "latency_ms", cfg->latency_ms);
  set_str_field(L, "faults_json", cfg->faults_json);
  lua_call(L, 1, 0);
  return 0;
}

mock_lua *mock_lua_open(const taskip_mock_config *cfg,
                        char *err, size_t errlen)
{
  mock_lua *ml = calloc(1, sizeof *ml);
  pcall_args args;

  if (ml == NULL) {
    snprintf(err, errlen, "emulator: out of memory");
    return NULL;
  }
  ml->L = luaL_newstate();
  if (ml->L == NULL) {
    free(ml);
    snprintf(err, errlen, "emulator: cannot create a Lua state");
    return NULL;
  }
  memset(&args, 0, sizeof args);
  args.cfg = cfg;
  if (protected(ml->L, p_open, &args, err, errlen) != 0) {
    lua_close(ml->L);
    free(ml);
    return NULL;
  }
  pthread_mutex_init(&ml->lock, NULL);
  return ml;
}

/* {==================================================================
** Requests and responses
** =================================================================== */

static void push_pairs(lua_State *L, const mock_kv *kv, size_t n)
{
  size_t i;

  lua_createtable(L, 0, (int)n);
  for (i = 0; i < n; i++) {
    lua_pushstring(L, kv[i].value ? kv[i].value : "");
    lua_setfield(L, -2, kv[i].name);
  }
}

/* req.form = {broken = bool, parts = {{name, filename?, content_type?,
** value? (fields), size}, ...}} */
static void push_form(lua_State *L, const mock_request *r)
{
  size_t i;

  lua_createtable(L, 0, 2);
  lua_pushboolean(L, r->form_broken);
  lua_setfield(L, -2, "broken");
  lua_createtable(L, (int)r->nparts, 0);
  for (i = 0; i < r->nparts; i++) {
    const mock_part *p = &r->parts[i];

    lua_createtable(L, 0, 5);
    set_str_field(L, "name", p->name);
    if (p->filename)
      set_str_field(L, "filename", p->filename);
    if (p->content_type)
      set_str_field(L, "content_type", p->content_type);
    if (p->value) {
      lua_pushlstring(L, p->value, p->value_len);
      lua_setfield(L, -2, "value");
    }
    set_int_field(L, "size", (long)p->size);
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "parts");
}

static void push_request(lua_State *L, const mock_request *r)
{
  lua_createtable(L, 0, 9);
  set_str_field(L, "method", r->method);
  set_str_field(L, "path", r->path);
  set_str_field(L, "raw_query", r->raw_query);
  push_pairs(L, r->headers, r->nheaders);
  lua_setfield(L, -2, "headers");
  push_pairs(L, r->query, r->nquery);
  lua_setfield(L, -2, "query");
  lua_pushlstring(L, r->body ? r->body : "", r->body_len);
  lua_setfield(L, -2, "body");
  lua_pushboolean(L, r->body_too_large);
  lua_setfield(L, -2, "body_too_large");
  set_int_field(L, "connection_id", r->connection_id);
  if (r->form) {
    push_form(L, r);
    lua_setfield(L, -2, "form");
  }
}

/* Copy the string at t[k] (if any) into a malloc'd *out. */
static void take_string(lua_State *L, int t, const char *k,
                        char **out, size_t *len)
{
  const char *s;
  size_t n;

  lua_getfield(L, t, k);
  s = lua_tolstring(L, -1, &n);
  if (s) {
    *out = malloc(n + 1);
    if (*out == NULL)
      luaL_error(L, "out of memory");
    memcpy(*out, s, n + 1);
    *len = n;
  }
  lua_pop(L, 1);
}

static lua_Integer int_field(lua_State *L, int t, const char *k)
{
  lua_Integer v;

  lua_getfield(L, t, k);
  v = (lua_Integer)lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Copy resp.headers (string keys, string or number values). */
static void take_headers(lua_State *L, int t, mock_response *resp)
{
  size_t n = 0;
  char **h;

  lua_getfield(L, t, "headers");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1)) {
      h = realloc(resp->headers, 2 * (n + 1) * sizeof *h);
      if (h == NULL)
        luaL_error(L, "out of memory");
      resp->headers = h;
      h[2 * n] = NULL;
      h[2 * n + 1] = NULL;
      resp->nheaders = n + 1;
      lua_pushvalue(L, -1); /* tostring a copy, not the lua_next value */
      h[2 * n] = strdup(lua_tostring(L, -3));
      h[2 * n + 1] = strdup(lua_tostring(L, -1));
      lua_pop(L, 1);
      if (h[2 * n] == NULL || h[2 * n + 1] == NULL)
        luaL_error(L, "out of memory");
      n++;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static void take_response(lua_State *L, int t, mock_response *resp)
{
  const char *action;

  luaL_checktype(L, t, LUA_TTABLE);
  resp->status = (int)int_field(L, t, "status");
  resp->delay_ms = (long)int_field(L, t, "delay_ms");
  lua_getfield(L, t, "action");
  action = lua_tostring(L, -1);
  if (action && strcmp(action, "drop") == 0)
    resp->action = MOCK_DROP;
  else if (action && strcmp(action, "drop_mid_body") == 0)
    resp->action = MOCK_DROP_MID_BODY;
  lua_pop(L, 1);
  take_headers(L, t, resp);
  take_string(L, t, "body", &resp->head, &resp->head_len);
  lua_getfield(L, t, "stream");
  if (lua_istable(L, -1)) {
    int s = lua_gettop(L);

    take_string(L, s, "item", &resp->item, &resp->item_len);
    take_string(L, s, "sep", &resp->sep, &resp->sep_len);
    take_string(L, s, "tail", &resp->tail, &resp->tail_len);
    resp->count = (unsigned long long)int_field(L, s, "count");
  }
  lua_pop(L, 1);
  if (resp->action == MOCK_DROP_MID_BODY)
    resp->cut_at = mock_response_length(resp) / 2;
}

/* Protected: resp = server.handle(req). */
static int p_handle(lua_State *L)
{
  pcall_args *a = lua_touserdata(L, 1);

  lua_getfield(L, LUA_REGISTRYINDEX, "taskip.mock.server");
  lua_getfield(L, -1, "handle");
  push_request(L, a->req);
  lua_call(L, 1, 1);
  take_response(L, lua_gettop(L), a->resp);
  return 0;
}

static void internal_error(mock_response *resp)
{
  static const char body[] =
      "{\"error\":\"Internal Server Error\","
      "\"message\":\"emulator error (see its stderr)\","
      "\"status_code\":500}";

  mock_response_free(resp);
  resp->status = 500;
  resp->head = strdup(body);
  resp->head_len = resp->head ? sizeof body - 1 : 0;
}

int mock_lua_handle(mock_lua *ml, const mock_request *req,
                    mock_response *resp)
{
  char err[2048];
  pcall_args args;
  int rc;

  memset(resp, 0, sizeof *resp);
  memset(&args, 0, sizeof args);
  args.req = req;
  args.resp = resp;
  pthread_mutex_lock(&ml->lock);
  rc = protected(ml->L, p_handle, &args, err, sizeof err);
  pthread_mutex_unlock(&ml->lock);
  if (rc != 0) {
    fprintf(stderr, "taskip-mock: %s\n", err);
    internal_error(resp);
  }
  if (resp->status < 100 || resp->status > 999)
    resp->status = 500;
  return rc;
}

/* Protected: reply, ok = server.control(json). */
static int p_control(lua_State *L)
{
  pcall_args *a = lua_touserdata(L, 1);
  const char *s;
  size_t n;

  lua_getfield(L, LUA_REGISTRYINDEX, "taskip.mock.server");
  lua_getfield(L, -1, "control");
  lua_pushstring(L, a->json);
  lua_call(L, 1, 2);
  a->ok = lua_toboolean(L, -1);
  s = luaL_checklstring(L, -2, &n);
  *a->reply = malloc(n + 1);
  if (*a->reply == NULL)
    return luaL_error(L, "out of memory");
  memcpy(*a->reply, s, n + 1);
  return 0;
}

int mock_lua_control(mock_lua *ml, const char *json, char **reply)
{
  char err[2048];
  pcall_args args;
  int rc;

  *reply = NULL;
  memset(&args, 0, sizeof args);
  args.json = json ? json : "";
  args.reply = reply;
  pthread_mutex_lock(&ml->lock);
  rc = protected(ml->L, p_control, &args, err, sizeof err);
  pthread_mutex_unlock(&ml->lock);
  if (rc != 0) {
    fprintf(stderr, "taskip-mock: %s\n", err);
    free(*reply);
    *reply = strdup("{\"error\":\"emulator error (see its stderr)\"}");
    return -1;
  }
  return args.ok ? 0 : -1;
}

unsigned long long mock_response_length(const mock_response *resp)
{
  unsigned long long n = resp->head_len + resp->tail_len;

  if (resp->count > 0)
    n += resp->count * resp->item_len
         + (resp->count - 1) * resp->sep_len;
  return n;
}

void mock_response_free(mock_response *resp)
{
  size_t i;

  for (i = 0; i < 2 * resp->nheaders; i++)
    free(resp->headers[i]);
  free(resp->headers);
  free(resp->head);
  free(resp->item);
  free(resp->sep);
  free(resp->tail);
  memset(resp, 0, sizeof *resp);
}

/* }================================================================== */

void mock_lua_close(mock_lua *ml)
{
  if (ml == NULL)
    return;
  lua_close(ml->L);
  pthread_mutex_destroy(&ml->lock);
  free(ml);
}
