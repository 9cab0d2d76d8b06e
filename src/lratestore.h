/*
** lratestore.h — a rate store (ratestore.h) whose record lives behind
** Lua functions: OpenResty's ngx.shared dictionaries, shared by the
** workers of one nginx (lua/taskip/ngx.lua builds the functions).
*/
#ifndef TASKIP_LRATESTORE_H
#define TASKIP_LRATESTORE_H

#include <stddef.h>

#include <lua.h>

#include "ratestore.h"

/*
** A store over the table at idx: lock(fp) -> true (held) or false
** (busy), get(fp) -> record or nil, set(fp, record), unlock(fp), where
** fp is the key's fingerprint (hex). None may yield. NULL with err
** naming rate_store when idx is not such a table.
*/
taskip_rate_store *taskip_lua_store_new(lua_State *L, int idx,
                                        const char *key, size_t keylen,
                                        char *err, size_t errlen);

/* The thread that runs the store's functions from now on, until the
** next bind (NULL: none; updates then fail). Bind before freeing. */
void taskip_lua_store_bind(taskip_rate_store *s, lua_State *L);

/* Whether s is such a store. */
int taskip_is_lua_store(const taskip_rate_store *s);

#endif
