/*
** transport.h — the libcurl transports of the core: easy (blocking,
** one call at a time) and multi (non-blocking, many calls, driven from
** the caller's loop). Both carry the attempts a taskip_call plans and
** hand back what came of them as plain data; neither decides anything
** (retries, waits and redirects are the core's, see taskip.h). The
** OpenResty transport is lua/taskip/ngx.lua.
**
** No curl types here: embedders and the host use these without curl.h.
*/
#ifndef TASKIP_TRANSPORT_H
#define TASKIP_TRANSPORT_H

#include "taskip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises libcurl once per process; 0 on success. */
int taskip_transport_init(void);

/* "taskip/0.1.0 libcurl/7.88.1" */
const char *taskip_user_agent(void);

/*
** s (n bytes) percent-encoded, RFC 3986 unreserved characters kept: the
** one escaping of paths' placeholders, queries and the key's mask.
** malloc'd (free it), or NULL when out of memory.
*/
char *taskip_escape(const char *s, size_t n);

/* {======================================================= easy */

/* One reused easy handle, so one connection serves every call. */
typedef struct taskip_easy taskip_easy;

taskip_easy *taskip_easy_new(void);
void taskip_easy_free(taskip_easy *e);                 /* NULL ok */

/* Steps the call to the end, sleeping through rate-limit waits and
** backoff. */
const taskip_result *taskip_easy_perform(taskip_easy *e, taskip_call *call);

/* }======================================================= */

/* {======================================================= multi */

/*
** Many attempts in flight on one curl multi handle: connections, TLS
** sessions and DNS answers are reused across calls. Nothing here
** blocks longer than the caller allows.
*/
typedef struct taskip_multi taskip_multi;
typedef struct taskip_transfer taskip_transfer;

/* Called once the attempt is digested into its call: step it again. */
typedef void (*taskip_transfer_done)(void *ud);

/*
** A meter for a caller that budgets memory (the host counts what a
** script's calls hold against the script's cap). take(ud, n) is asked
** before a transfer allocates n more bytes for its response body and
** answers 0 (go ahead) or nonzero (refused: the body is not grown and
** the attempt fails as TASKIP_FAIL_TOO_LARGE); give(ud, n) hands bytes
** back. A transfer gives back all it took when it ends, before done is
** called, or when it is cancelled; taskip_multi_free gives nothing
** back (the owners of transfers still in flight are gone).
*/
typedef struct taskip_meter {
  int (*take)(void *ud, size_t n);
  void (*give)(void *ud, size_t n);
  void *ud;
} taskip_meter;

/* max_connections: per host, and idle ones kept (<= 0: 16). */
taskip_multi *taskip_multi_new(int max_connections);
void taskip_multi_free(taskip_multi *m);   /* cancels what is in flight */

/*
** Starts the attempt that taskip_call_step() just answered SEND for.
** Returns the transfer (done(ud) comes later, from taskip_multi_run), or
** NULL when it could not start: the call has then digested the failure
** already and done is not called.
*/
taskip_transfer *taskip_multi_send(taskip_multi *m, taskip_call *call,
                                   taskip_transfer_done done, void *ud);

/* The same with the response body metered (meter is copied). */
taskip_transfer *taskip_multi_send_metered(taskip_multi *m,
                                           taskip_call *call,
                                           const taskip_meter *meter,
                                           taskip_transfer_done done,
                                           void *ud);

/*
** A connection pool of its own (connections, TLS sessions, DNS): a
** transfer sent with it never uses another pool's or the multi's
** connections. Free it once no transfer of it is in flight (after the
** multi, or after they ended): that closes its connections.
*/
typedef struct taskip_pool taskip_pool;
taskip_pool *taskip_pool_new(void);
void taskip_pool_free(taskip_pool *p);     /* NULL ok */

/* taskip_multi_send_metered through pool (NULL: the multi's own;
** meter may be NULL). */
taskip_transfer *taskip_multi_send_pooled(taskip_multi *m,
                                          taskip_call *call,
                                          const taskip_meter *meter,
                                          taskip_pool *pool,
                                          taskip_transfer_done done,
                                          void *ud);

/*
** About the bytes a transfer of the attempt `call` has planned holds
** before its response arrives: an easy handle with its buffers and
** libcurl's copies of the URL and of the request it writes. A caller
** that budgets memory charges this while the transfer is out.
*/
size_t taskip_multi_cost(const taskip_call *call);

/* Stops a transfer in flight; its done is never called. */
void taskip_multi_cancel(taskip_multi *m, taskip_transfer *t);

/*
** Waits up to `wait` seconds for socket activity, then moves ready
** transfers on (calling done for finished ones) for at most `budget`
** seconds; sockets left over stay ready for the next run.
*/
void taskip_multi_run(taskip_multi *m, double wait, double budget);

int taskip_multi_in_flight(const taskip_multi *m);

/* Whether a transfer started now through pool (NULL: the multi's own
** cache) may open a connection (a TLS handshake): only when none of
** its open connections is idle and it has fewer than max_connections.
** Otherwise the transfer reuses a connection or waits for one. */
int taskip_multi_may_connect(const taskip_multi *m, const taskip_pool *pool,
                             int max_connections);

/* }======================================================= */

#ifdef __cplusplus
}
#endif

#endif
