/*
** lresult.h — the Lua view of a call's result and of the rate limit,
** shared by the binding (ltaskip.c) and the script host (hostcore.c),
** so the facade reads the same tables from both; and the metatables
** both build for their userdata.
*/
#ifndef TASKIP_LRESULT_H
#define TASKIP_LRESULT_H

#include <lua.h>
#include <lauxlib.h>

#include "taskip.h"

/* Pushes n bytes of text; the host's version scrubs the key first. */
typedef void (*taskip_push_text)(lua_State *L, void *ud, const char *s,
                                 size_t n);

/*
** Pushes {ok, kind, status, attempts, message?, retry_after?, body,
** trace?, headers = {name = value}}. Every text goes through push (NULL:
** as it is).
*/
void taskip_push_result(lua_State *L, const taskip_result *r,
                        taskip_push_text push, void *ud);

struct taskip_rate_figures;

/* Pushes {limit, remaining, reset} of one window. */
void taskip_push_figures(lua_State *L, const struct taskip_rate_figures *f);

/* Pushes {limit, remaining, reset, wait, burst = {limit, remaining,
** reset}} for client c now. */
void taskip_push_rate(lua_State *L, taskip_client *c);

/* Registers metatable `name`: meta's metamethods, methods in __index,
** __name, and __metatable = false so scripts cannot reach it. */
void taskip_create_meta(lua_State *L, const char *name,
                        const luaL_Reg *meta, const luaL_Reg *methods);

/* integers(v) -> v: every integral float in v (a number, or a table
** walked in place) made a Lua integer. See lintegers.c. */
int taskip_integers(lua_State *L);

/* Reads the arguments (method, path [, query [, body [, limit_name,
** limit_count, limit_window]]]) at 2..8 of client:request and
** client:call; the strings stay on the stack. body is JSON text, or an
** array of parts ({name=, filename=, content_type=, data=} each) for a
** multipart body. Leaves the stack at 9: slot 9 holds the parts array
** (or nil), which req points into until the call is planned. A NUL
** byte in method, path, query or a part's header field raises, naming
** it; the core checks the rest (taskip_call_new). */
void taskip_check_request(lua_State *L, taskip_request *req);

/* escape(s) -> s percent-encoded (RFC 3986 unreserved kept): the one
** escaping of every taskip.core (see transport.h, taskip_escape). */
int taskip_lua_escape(lua_State *L);

#endif
