/*
** ratestore_open.h — opening a shared rate store (ratestore.h) from its
** URL, for the binding, the host and taskip-run:
**
**   file:PATH                 a locked state file: processes of one machine
**   redis://HOST:PORT[/DB]    a Redis server: processes of many machines
**
** The store is bound to one key by its fingerprint (fingerprint.h),
** computed here; the key itself is not kept. These do I/O; the core
** (client.c) only calls through the store's type.
*/
#ifndef TASKIP_RATESTORE_OPEN_H
#define TASKIP_RATESTORE_OPEN_H

#include <stddef.h>

#include "ratestore.h"
#include "fingerprint.h"

/*
** blocking: every update finishes within the call (the blocking Lua
** module); else updates that would wait answer PENDING (the host).
** Either way no update waits longer than about a second: the store is
** then unreachable (FAILED), and the client falls back to its share.
** NULL with err naming rate_store when the URL is not one of the above
** or the store cannot be opened at all (a file that cannot be created).
** An unreachable Redis is not an error here: updates fail until it
** answers.
*/
taskip_rate_store *taskip_rate_store_open(const char *url, const char *key,
                                          size_t keylen, int blocking,
                                          char *err, size_t errlen);

/* Frees a store (NULL is a no-op); its pending ops are forgotten. */
void taskip_rate_store_free(taskip_rate_store *s);

/* {======================================================= implementations */

taskip_rate_store *taskip_file_store_open(const char *path, const char *fp,
                                          int blocking, char *err,
                                          size_t errlen);
taskip_rate_store *taskip_redis_store_open(const char *host, int port,
                                           int db, const char *fp,
                                           int blocking, char *err,
                                           size_t errlen);

/* One line on stderr, the first time any store of this process fails:
** "taskip: rate store <where> unreachable (<why>); ...". */
void taskip_rate_store_warn(const taskip_rate_store *s, const char *why);

/* }======================================================= */

#endif
