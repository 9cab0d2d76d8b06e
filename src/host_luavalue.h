/*
** host_luavalue.h — Lua values to taskip_value and back (see
** host_luavalue.c). Not a public API.
*/
#ifndef TASKIP_HOST_LUAVALUE_H
#define TASKIP_HOST_LUAVALUE_H

#include <stddef.h>

#include <lua.h>

#include "taskip_host.h"
#include "host_values.h"

/* Charges n bytes to the script before they are allocated: 0, or -1. */
typedef int (*host_charge_fn)(void *ud, size_t n);
/* Pushes n bytes of text (the host scrubs keys out of it). */
typedef void (*host_text_fn)(lua_State *L, void *ud, const char *s,
                             size_t n);

/*
** The values at first..last as an array value in *out; what ("argument",
** "result") names them in errors. 0, or -1 with err naming the place
** ("argument 2.items[3]: cyclic table (it contains itself)"); then *out
** holds what was built so far (free it). Never raises. *charged: what
** was charged through charge, to give back when *out is freed.
*/
int host_value_from_lua(lua_State *L, int first, int last,
                        const char *what, size_t max,
                        host_charge_fn charge, void *ud, size_t *charged,
                        taskip_value **out, char *err, size_t errlen);

/* Pushes v (NULL: nil; nil inside containers: json.null). May raise. */
void host_value_push(lua_State *L, const taskip_value *v, host_text_fn text,
                     void *ud);

#endif
