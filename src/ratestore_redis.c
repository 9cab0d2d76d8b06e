/*
** ratestore_redis.c — the rate store of processes on many machines: one
** Redis string per key ("taskip:rate:FINGERPRINT", expiring two hours
** after its last update), changed only by a compare-and-set script that
** Redis runs atomically (CAS_SCRIPT, by EVALSHA, EVAL once if the
** server does not know it yet).
**
** An update sends CAS(record as last seen, apply(it)). If the record
** changed meanwhile, the script answers with the current one; apply runs
** again on that and the CAS is sent again. When apply leaves the record
** as it is (a reservation refused), the CAS still checks that the
** record it decided on is current.
**
** One connection through hiredis, in non-blocking mode whatever the
** caller: updates queue and go one at a time. A non-blocking store (the
** host) moves them on only when the core polls (write what the socket
** takes, read what arrived, never wait); a blocking one (the Lua module)
** waits in poll(2). Either way an update that has no answer within
** REDIS_TIMEOUT fails, as do all queued with it, the connection is
** dropped, and the next update (after the client's STORE_RETRY)
** connects again. Host names are resolved by getaddrinfo, which blocks:
** give an address for the host.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "ratestore_open.h"
#include "ratelimit.h"

#define REDIS_TIMEOUT 0.5        /* seconds for an answer, connect included */
#define POLL_INTERVAL 0.001
#define TTL_MS "7200000"         /* longer than any window */
#define KEY_PREFIX "taskip:rate:"

enum { PH_QUEUED = 1, PH_SENT, PH_DONE, PH_FAILED };

/* KEYS[1] the record; ARGV[1] the record the caller decided on ("" for
** none), ARGV[2] the new record ("" to leave it), ARGV[3] its TTL (ms).
** {1}: done; {0, current}: it changed, decide again on current. */
static const char CAS_SCRIPT[] =
    "local cur = redis.call('GET', KEYS[1]) or ''\n"
    "if cur ~= ARGV[1] then return {0, cur} end\n"
    "if ARGV[2] ~= '' then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "end\n"
    "return {1}\n";

typedef struct redis_store {
  taskip_rate_store base;
  char host[256];
  int port, db, blocking;
  char key[sizeof(KEY_PREFIX) + TASKIP_FP_HEX];
  char sha[41];
  redisContext *ctx;
  int selecting;                 /* the SELECT's answer is due first */
  taskip_store_op *head, *tail;  /* queued; head is on the wire */
  double deadline;               /* for the head's answer */
  char seen[TASKIP_RATE_RECORD_MAX];   /* the record as last seen */
  size_t seenlen;
  char next[TASKIP_RATE_RECORD_MAX];   /* what the head's CAS writes */
  size_t nextlen;
  int use_eval;                  /* the server did not know the sha */
} redis_store;

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void unlink_op(redis_store *r, taskip_store_op *op) {
  taskip_store_op **p;
  for (p = &r->head; *p != NULL; p = &(*p)->next)
    if (*p == op) {
      *p = op->next;
      break;
    }
  r->tail = NULL;
  for (op = r->head; op != NULL; op = op->next)
    r->tail = op;
}

/* Drops the connection; every queued update fails. */
static void fail_all(redis_store *r, const char *why) {
  taskip_store_op *op = r->head, *next;
  taskip_rate_store_warn(&r->base, why);
  if (r->ctx != NULL)
    redisFree(r->ctx);
  r->ctx = NULL;
  r->selecting = 0;
  r->seenlen = 0;               /* decide afresh after a reconnect */
  for (; op != NULL; op = next) {
    next = op->next;
    op->phase = PH_FAILED;
    op->next = NULL;
  }
  r->head = r->tail = NULL;
}

static int connect_now(redis_store *r) {
  r->ctx = redisConnectNonBlock(r->host, r->port);
  if (r->ctx == NULL || r->ctx->err) {
    fail_all(r, r->ctx != NULL ? r->ctx->errstr : "out of memory");
    return -1;
  }
  if (r->db != 0) {
    redisAppendCommand(r->ctx, "SELECT %d", r->db);
    r->selecting = 1;
  }
  return 0;
}

/* The head's CAS, with a fresh decision on the record as last seen. */
static void send_head(redis_store *r) {
  taskip_store_op *op = r->head;
  const char *old = r->seenlen > 0 ? r->seen : NULL;
  r->nextlen = op->apply(op->ctx, old, r->seenlen, r->next,
                         sizeof(r->next));
  if (r->nextlen >= sizeof(r->next))
    r->nextlen = 0;
  if (r->use_eval)
    redisAppendCommand(r->ctx, "EVAL %s 1 %s %b %b %s", CAS_SCRIPT, r->key,
                       r->seen, r->seenlen, r->next, r->nextlen, TTL_MS);
  else
    redisAppendCommand(r->ctx, "EVALSHA %s 1 %s %b %b %s", r->sha, r->key,
                       r->seen, r->seenlen, r->next, r->nextlen, TTL_MS);
  op->phase = PH_SENT;
}

/* Reads the answer to the head's CAS: 1 when the head is finished. */
static int take_reply(redis_store *r, redisReply *rep) {
  taskip_store_op *op = r->head;
  if (rep->type == REDIS_REPLY_ERROR && !r->use_eval &&
      strncmp(rep->str, "NOSCRIPT", 8) == 0) {
    r->use_eval = 1;                  /* EVAL caches it for next time */
    op->phase = PH_QUEUED;
    return 0;
  }
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
      rep->element[0]->type != REDIS_REPLY_INTEGER) {
    fail_all(r, rep->type == REDIS_REPLY_ERROR ? rep->str
                                               : "unexpected answer");
    return 0;
  }
  r->use_eval = 0;                    /* the server knows the script now */
  if (rep->element[0]->integer == 1) {
    if (r->nextlen > 0) {
      memcpy(r->seen, r->next, r->nextlen);
      r->seenlen = r->nextlen;
    }
    return 1;
  }
  if (rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_STRING &&
      rep->element[1]->len < sizeof(r->seen)) {
    memcpy(r->seen, rep->element[1]->str, rep->element[1]->len);
    r->seenlen = rep->element[1]->len;
    op->phase = PH_QUEUED;            /* lost a race: decide again */
    return 0;
  }
  fail_all(r, "unexpected answer");
  return 0;
}

/* Moves the queue on as far as it goes without waiting. */
static void progress(redis_store *r) {
  int done;
  while (r->head != NULL) {
    redisReply *rep = NULL;
    if (r->ctx == NULL && connect_now(r) != 0)
      return;
    if (r->head->phase == PH_QUEUED) {
      send_head(r);
      r->deadline = mono() + REDIS_TIMEOUT;
    }
    if (redisBufferWrite(r->ctx, &done) != REDIS_OK ||
        redisBufferRead(r->ctx) != REDIS_OK) {
      fail_all(r, r->ctx->errstr[0] ? r->ctx->errstr : "connection lost");
      return;
    }
    if (redisGetReplyFromReader(r->ctx, (void **)&rep) != REDIS_OK) {
      fail_all(r, r->ctx->errstr[0] ? r->ctx->errstr : "bad answer");
      return;
    }
    if (rep == NULL) {
      if (mono() > r->deadline)
        fail_all(r, "no answer in time");
      return;
    }
    if (r->selecting) {
      r->selecting = 0;
      if (rep->type == REDIS_REPLY_ERROR) {
        fail_all(r, rep->str);
        freeReplyObject(rep);
        return;
      }
    } else if (take_reply(r, rep)) {
      taskip_store_op *op = r->head;
      r->head = op->next;
      if (r->head == NULL)
        r->tail = NULL;
      op->next = NULL;
      op->phase = PH_DONE;
    }
    freeReplyObject(rep);
  }
}

static taskip_store_status status_of(const taskip_store_op *op) {
  return op->phase == PH_DONE     ? TASKIP_STORE_DONE
         : op->phase == PH_FAILED ? TASKIP_STORE_FAILED
                                  : TASKIP_STORE_PENDING;
}

/* Blocking: waits on the socket until op is finished or times out. */
static void wait_for(redis_store *r, taskip_store_op *op) {
  while (status_of(op) == TASKIP_STORE_PENDING && r->ctx != NULL) {
    struct pollfd p;
    double left = r->deadline - mono();
    p.fd = r->ctx->fd;
    p.events = POLLIN | (r->ctx->obuf != NULL && r->ctx->obuf[0] ? POLLOUT
                                                                  : 0);
    p.revents = 0;
    if (left > 0 && poll(&p, 1, (int)(left * 1000) + 1) < 0 &&
        errno != EINTR) {
      fail_all(r, strerror(errno));
      break;
    }
    progress(r);
  }
}

static taskip_store_status redis_poll(taskip_rate_store *s,
                                      taskip_store_op *op) {
  redis_store *r = (redis_store *)s;
  if (status_of(op) == TASKIP_STORE_PENDING)
    progress(r);
  if (r->blocking)
    wait_for(r, op);
  return status_of(op);
}

static taskip_store_status redis_update(taskip_rate_store *s,
                                        taskip_store_op *op) {
  redis_store *r = (redis_store *)s;
  op->phase = PH_QUEUED;
  op->next = NULL;
  if (r->tail != NULL)
    r->tail->next = op;
  else
    r->head = op;
  r->tail = op;
  return redis_poll(s, op);
}

static void redis_cancel(taskip_rate_store *s, taskip_store_op *op) {
  redis_store *r = (redis_store *)s;
  if (status_of(op) != TASKIP_STORE_PENDING)
    return;
  if (op == r->head && op->phase == PH_SENT && r->ctx != NULL) {
    /* its answer is due: drop the connection rather than let a freed
    ** op be read; the others go on over a new one */
    taskip_store_op *rest = op->next;
    redisFree(r->ctx);
    r->ctx = NULL;
    r->selecting = 0;
    r->head = rest;
    if (rest == NULL)
      r->tail = NULL;
    op->next = NULL;
    op->phase = PH_FAILED;
    return;
  }
  unlink_op(r, op);
  op->next = NULL;
  op->phase = PH_FAILED;
}

static void redis_free(taskip_rate_store *s) {
  redis_store *r = (redis_store *)s;
  while (r->head != NULL)
    redis_cancel(s, r->head);
  if (r->ctx != NULL)
    redisFree(r->ctx);
  free(r);
}

static const taskip_rate_store_type redis_type = {
  "redis", redis_update, redis_poll, redis_cancel, redis_free
};

taskip_rate_store *taskip_redis_store_open(const char *host, int port,
                                           int db, const char *fp,
                                           int blocking, char *err,
                                           size_t errlen) {
  redis_store *r = calloc(1, sizeof(*r));
  unsigned char md[SHA_DIGEST_LENGTH];
  int i;
  if (r == NULL) {
    snprintf(err, errlen, "rate_store: out of memory");
    return NULL;
  }
  r->base.type = &redis_type;
  r->base.poll_interval = POLL_INTERVAL;
  snprintf(r->base.where, sizeof(r->base.where), "redis://%s:%d/%d", host,
           port, db);
  snprintf(r->host, sizeof(r->host), "%s", host);
  r->port = port;
  r->db = db;
  r->blocking = blocking;
  snprintf(r->key, sizeof(r->key), KEY_PREFIX "%s", fp);
  SHA1((const unsigned char *)CAS_SCRIPT, sizeof(CAS_SCRIPT) - 1, md);
  for (i = 0; i < SHA_DIGEST_LENGTH; i++)
    snprintf(r->sha + 2 * i, 3, "%02x", md[i]);
  return &r->base;
}
