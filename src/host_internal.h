/*
** host_internal.h — what the host's files share among themselves:
** small pure helpers (pattern cost, line escaping, --allow patterns),
** the JSON guard, and the interface between the in-sandbox taskip.core
** (hostcore.c) and the scheduler (host.c). Not a public API.
*/
#ifndef TASKIP_HOST_INTERNAL_H
#define TASKIP_HOST_INTERNAL_H

#include <stddef.h>

#include <lua.h>

#include "taskip.h"

/* {======================================================= helpers */

/*
** An upper estimate of the steps a Lua pattern match could take on a
** subject: starting positions times the backtracking of each
** quantifier that is not the last item (a quantifier over a class can
** expand at most as far as the longest run of that class in the
** subject). anchor: whether a leading '^' anchors (not in gmatch).
*/
double host_pattern_cost(const char *p, size_t lp, const char *s,
                         size_t ls, int anchor);
/* The same for a plain (no specials) search of a needle. */
double host_plain_cost(size_t lp, size_t ls);
#define HOST_PATTERN_LIMIT 1e8

/*
** Copies in[0..n) to out (cap bytes, NUL-terminated, cap > 16) with
** control characters, C1 controls and invalid UTF-8 escaped as \n, \r
** or \xHH (tabs stay), so a line cannot move the cursor, fake a log line or
** recolour a terminal. Truncates with "...". Returns the length.
*/
size_t host_escape(const char *in, size_t n, char *out, size_t cap);

/* --allow: comma-separated [METHOD:]PATH patterns (fnmatch(3)). */
typedef struct host_allow host_allow;
host_allow *host_allow_parse(const char *spec, char *err, size_t errlen);
int host_allow_check(const host_allow *a, const char *method,
                     const char *path);       /* 1: allowed */
void host_allow_free(host_allow *a);

/* Replaces the cjson module on top of the stack with one whose encode
** functions (module and codecs) refuse values whose text would exceed
** HOST_JSON_MAX bytes, before lua-cjson does any work. */
void host_json_guard(lua_State *L);

#define HOST_JSON_MAX (16u << 20)

/* }======================================================= */

/* {======================================================= hostcore */

/* An API call of a script, boxed in a userdata of its state. What the
** host holds for it in C is charged to the script (sandbox_charge.c). */
typedef struct host_call {
  taskip_call *call;     /* NULL once released */
  struct taskip_transfer *transfer;   /* on the wire, or NULL */
  void *script;          /* the host's script */
  void *task;            /* the host thread waiting for it */
  size_t held;           /* charged: the call record and its copies */
  size_t result;         /* charged: the result it keeps */
  size_t sending;        /* charged: the attempt on the wire */
  int refused;           /* the body outgrew the script's memory */
} host_call;

typedef enum host_begin {
  HOST_BEGIN_SEND,       /* planned: yield until done */
  HOST_BEGIN_DENIED,     /* --allow said no; msg says why */
  HOST_BEGIN_DRY_RUN,    /* a write under --dry-run; msg holds JSON */
  HOST_BEGIN_REFUSED,    /* bad path or method: raise msg */
  HOST_BEGIN_LIMIT       /* the request limit killed the script */
} host_begin;

/* Implemented by host.c, called by hostcore.c inside a script. */
host_begin host_request_begin(void *script, const taskip_request *req,
                              host_call *box, char *msg, size_t msglen);
const taskip_result *host_call_result(const host_call *box);
void host_call_release(host_call *box);
size_t host_scrub(void *script, char *buf, size_t len);
taskip_client *host_client(void *script);
/* Log levels as in taskip_host.h; returns nonzero when killed. */
int host_log(void *script, int level, const char *msg, size_t len);
/* The default progress sink for long paginations. */
void host_progress(void *script, const char *msg, size_t len);

/* Charges to the script (sandbox_charge.c) that the host tallies, so
** it can tell when one was not given back. 0, or -1 when refused. */
int host_charge(void *script, size_t n);
void host_uncharge(void *script, size_t n);
/* What the host holds per task of a parallel group (its record). */
size_t host_task_bytes(void);

/* Implemented by hostcore.c. */
int hostcore_open(lua_State *L);                 /* taskip.core */
void hostcore_install(lua_State *L, int env, int client);

/* A parallel group: n host threads the parent waits for. */
typedef struct host_group {
  int n;
  lua_State **threads;
  unsigned char *failed;
  size_t charged;        /* the tasks' records, until the group is done */
} host_group;

/* {======================================================= accounts
** One per distinct key and base URL (host_account.c). */

#include "origin.h"
#include "secret.h"

struct taskip_rate_store;

typedef struct host_account {
  taskip_client *client;        /* holds the key */
  struct taskip_rate_store *store;
  taskip_origin origin;
  int origin_ok;
  taskip_secret *masks[3];      /* the key, base64, percent-encoded */
  char *base_url;
  struct taskip_pool *pool;     /* its own connections; NULL for the
                                   host's key (the multi's own) */
  int refs;                     /* the host, or scripts using it */
  struct host_account *next;
} host_account;

/* NULL with why in err (never holding the key). */
host_account *host_account_new(const taskip_config *client,
                               const char *rate_store, const char *key,
                               size_t keylen, char *err, size_t errlen);
/* Whether a is the account of key at base_url (NULL: the default). */
int host_account_is(const host_account *a, const char *key, size_t keylen,
                    const char *base_url);
size_t host_account_scrub(const host_account *a, char *buf, size_t len);
void host_account_free(host_account *a);

/* }======================================================= */

/* {======================================================= functions
** The embedder's functions and events (host_functions.c) and what
** they need of host.c. */

#include "taskip_host.h"

typedef struct host_fns host_fns;
typedef struct host_fncall host_fncall;

host_fns *host_fns_new(void);
void host_fns_free(host_fns *f);
/* 0, or -1 with why in err, naming the parameter. */
int host_fn_check(const char *name, taskip_host_fn fn, char *err,
                  size_t errlen);
/* Adds emit and the host's and the script's functions to env. */
void host_fns_install(lua_State *L, int env);
/* A task yielded for call c (SB_OP_FUNCTION). */
void host_fn_waiting(host_fncall *c, void *task);

/* Implemented by host.c. */
host_fns *host_functions(taskip_host *h);
taskip_host *host_of(void *script);
int host_script_id(void *script);
void host_script_functions(void *script, const taskip_host_function **fns,
                           int *n);
void host_wake(void *task);               /* makes a waiting task ready */
/* Counts n bytes against the output limit; nonzero when killed. */
int host_count_output(void *script, size_t n);

/* }======================================================= */

#endif
