/*
** ratestore.h — where the rate-limit state of a key lives.
**
** The core (client.c) does the arithmetic (ratelimit.c) and keeps the
** state as one small text record (taskip_ratelimit_encode). A store
** keeps that record somewhere several processes can share it and runs
** one operation on it: an atomic read-modify-write. The core hands over
** an apply function; the store reads the record, calls apply with it,
** and writes what apply returns, with nobody else's update in between
** (a lock, or a compare-and-set that calls apply again when it lost a
** race). Reserving before a send, reconciling with the server's figures
** and releasing a reservation that was never sent are all such updates.
**
** A store may answer later (a network round trip): update() then says
** PENDING and the core's step machine answers TASKIP_STEP_WAIT with a
** wake-up poll_interval away; at each later step it calls poll(), which
** must not block. A store used only by blocking drivers may complete
** every update within the call.
**
** A store is bound to one key through a fingerprint of it (a keyed
** hash, see ratestore_open.h); it never sees the key. With no store
** (taskip_config.rate_store NULL) the record stays in the client: the
** in-process tracker, today's behaviour.
**
** No I/O here: the implementations are ratestore_file.c and
** ratestore_redis.c; ratestore_open.h opens one from a URL.
*/
#ifndef TASKIP_RATESTORE_H
#define TASKIP_RATESTORE_H

#include <stddef.h>

typedef enum taskip_store_status {
  TASKIP_STORE_DONE = 0,   /* apply ran and its record was written */
  TASKIP_STORE_PENDING,    /* under way: poll() later */
  TASKIP_STORE_FAILED      /* unreachable: whatever apply said is lost */
} taskip_store_status;

/*
** The caller's part of an update. old (oldlen bytes) is the record as
** stored, or NULL when there is none. Writes the new record to out (cap
** bytes) and returns its length, or 0 to leave the record as it is.
** It must be cheap and pure: a store may call it more than once, and
** only the last call's record is written.
*/
typedef size_t (*taskip_store_apply)(void *ctx, const char *old,
                                     size_t oldlen, char *out,
                                     size_t cap);

typedef struct taskip_store_op {
  taskip_store_apply apply;     /* set by the caller */
  void *ctx;
  struct taskip_store_op *next; /* the store's, while pending */
  int phase;                    /* the store's */
} taskip_store_op;

typedef struct taskip_rate_store taskip_rate_store;

typedef struct taskip_rate_store_type {
  const char *name;             /* "file", "redis" */
  /* Starts op; DONE or FAILED when it ended within the call. */
  taskip_store_status (*update)(taskip_rate_store *s, taskip_store_op *op);
  /* Moves a pending op on without blocking; the same answers. */
  taskip_store_status (*poll)(taskip_rate_store *s, taskip_store_op *op);
  /* Forgets a pending op: its apply is never called again. */
  void (*cancel)(taskip_rate_store *s, taskip_store_op *op);
  void (*free)(taskip_rate_store *s);
} taskip_rate_store_type;

struct taskip_rate_store {
  const taskip_rate_store_type *type;
  double poll_interval;         /* seconds between polls of a pending op */
  char where[128];              /* for messages: "file:/p", "redis://h:p/0" */
};

#endif
