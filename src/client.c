/*
** client.c — the client and its calls: planning an attempt, handing it
** to a transport as plain data, digesting what came back.
**
** A call moves READY -> IN_FLIGHT -> READY (a retry) ... -> DONE.
** step() decides whether the next attempt may go now, must wait (rate
** limit, backoff) or cannot go at all; finish() reads one attempt and
** decides whether another is allowed. Neither sleeps.
**
** With a shared rate store (ratestore.h) a call also passes through
** STORE while the store works on its update: before an attempt (reserve:
** the shared record decides whether it may go, and counts it) and after
** one (reconcile the server's figures, release what never left). The
** client keeps the record's last known state (rate) for rate_limit() and
** for deciding early that a call must wait. When the store fails, the
** client keeps 1/rate_fleet of the budget to itself (share) and asks
** the store again STORE_RETRY seconds later.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include "taskip.h"
#include "buffer.h"
#include "secret.h"
#include "origin.h"
#include "ratelimit.h"
#include "retry.h"
#include "digest.h"
#include "ratestore.h"

#define STORE_RETRY 5.0       /* seconds on the local share after a failure */

struct taskip_client {
  taskip_config cfg;
  char *cafile;                 /* owned copy of cfg.cafile */
  taskip_origin origin;
  taskip_secret *secret;
  taskip_ratelimit rate;        /* in-process, or the store's last record */
  taskip_rate_store *store;     /* NULL: in-process */
  taskip_ratelimit share;       /* while the store is unreachable */
  double store_back_at;         /* > now: use share, not the store */
  int store_failed;             /* share is in use since the last failure */
  taskip_retry_budget budget;
  unsigned seed;                /* jitter */
};

typedef enum call_state { READY, IN_FLIGHT, STORE, DONE } call_state;
typedef enum op_kind { OP_RESERVE, OP_RECONCILE } op_kind;

#define MAX_LINES 4

struct taskip_call {
  taskip_client *client;
  char method[8];
  char *url;
  char *body;                   /* request body, or NULL */
  size_t body_len;
  taskip_part *parts;           /* or a multipart body: one allocation */
  size_t part_count;
  int idempotent;
  char limit_name[TASKIP_RATE_NAME_MAX];
  taskip_endpoint_limit limit;  /* name "": none */
  call_state state;
  double start, retry_at;
  int retries;
  const char *lines[MAX_LINES]; /* request headers; one is the key's */
  taskip_attempt attempt;       /* handed out while IN_FLIGHT */
  taskip_buffer trace;
  taskip_result result;
  /* the rate store's update, while STORE */
  taskip_store_op op;
  op_kind kind;
  call_state after;             /* where a reconcile leaves the call */
  double op_now;
  int granted;                  /* the reserve let the attempt go */
  taskip_rate_ticket ticket;    /* what the attempt took */
  int release, observe;         /* what the reconcile does */
  taskip_rate_headers rh;
  taskip_ratelimit seen;        /* the record as the update left it */
};

/* {======================================================= helpers */

double taskip_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/* }======================================================= */

/* {======================================================= client */

void taskip_config_init(taskip_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->timeout_ms = 30000;
  cfg->connect_timeout_ms = 10000;
  cfg->max_retries = 2;
  cfg->retry_backoff = 0.5;
  cfg->rate_policy = TASKIP_RATE_WAIT;
  cfg->max_wait = 300;
  cfg->max_response_bytes = 16 * 1024 * 1024;
  cfg->hour_limit = 1000;
  cfg->minute_limit = 100;
}

taskip_client *taskip_client_new(const taskip_config *cfg,
                                 const char *key, size_t keylen,
                                 char *err, size_t errlen) {
  taskip_client *c = calloc(1, sizeof(*c));
  const char *base = cfg->base_url ? cfg->base_url : TASKIP_DEFAULT_BASE_URL;
  if (c == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->cfg = *cfg;
  c->cfg.base_url = NULL;       /* origin holds the parsed copy */
  if (taskip_origin_parse(&c->origin, base, cfg->allow_http, err,
                          errlen) != 0)
    goto fail;
  c->secret = taskip_secret_new(key, keylen);
  if (c->secret == NULL) {
    snprintf(err, errlen, "secret key is empty, longer than 4096 bytes "
             "or holds control characters");
    goto fail;
  }
  if (cfg->cafile != NULL) {
    c->cafile = dupstr(cfg->cafile);
    c->cfg.cafile = c->cafile;
  }
  if (cfg->cafile != NULL && c->cafile == NULL) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  taskip_ratelimit_init(&c->rate, cfg->hour_limit, cfg->minute_limit);
  c->store = cfg->rate_store;
  if (c->cfg.rate_fleet < 1)
    c->cfg.rate_fleet = 4;
  taskip_retry_budget_init(&c->budget);
  c->seed = (unsigned)time(NULL) ^ (unsigned)(size_t)c;
  if (c->seed == 0)
    c->seed = 1;
  return c;
fail:
  taskip_client_free(c);
  return NULL;
}

void taskip_client_free(taskip_client *c) {
  if (c == NULL)
    return;
  taskip_secret_free(c->secret);
  taskip_origin_free(&c->origin);
  free(c->cafile);
  free(c);
}

double taskip_client_rate(taskip_client *c, double now,
                          taskip_rate_figures *budget,
                          taskip_rate_figures *burst) {
  const taskip_ratelimit *rl = c->store != NULL && now < c->store_back_at
                                   ? &c->share : &c->rate;
  taskip_ratelimit_snapshot(rl, now, budget, burst);
  return taskip_ratelimit_wait(rl, now);
}

/* }======================================================= */

/* {======================================================= calls */

#define METHODS "GET, HEAD, POST, PUT, PATCH or DELETE"

/*
** The one rule for method and body, applied when a call is planned and
** so before anyone checks the call (the host's --allow and --dry-run
** read taskip_call_method): the method is one of METHODS in any case,
** kept uppercase in out (8 bytes), and that is what every transport
** sends, with or without a body. GET and HEAD with a body are misuse:
** a body has made libcurl send a GET as POST, and a server or proxy may
** read such a request as a write, so the method on the wire would no
** longer be the method that was checked. 0, or -1 with err set.
*/
static int plan_method(const taskip_request *req, char *out, char *err,
                       size_t errlen) {
  static const char *const known[] = {"GET", "HEAD", "POST", "PUT",
                                      "PATCH", "DELETE"};
  const char *m = req->method != NULL ? req->method : "";
  size_t i, n = strlen(m);
  int ok = n > 0 && n < 8;
  for (i = 0; ok && i <= n; i++) {    /* ASCII letters, whatever locale */
    char ch = m[i];
    if (ch >= 'a' && ch <= 'z')
      ch = (char)(ch - 'a' + 'A');
    ok = (ch >= 'A' && ch <= 'Z') || ch == '\0';
    out[i] = ch;
  }
  if (!ok) {                          /* not echoed: it may be anything */
    snprintf(err, errlen, "method: unknown HTTP method (use " METHODS ")");
    return -1;
  }
  for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(out, known[i]) == 0)
      break;
  if (i == sizeof(known) / sizeof(known[0])) {
    snprintf(err, errlen, "method: unknown HTTP method '%s' (use "
             METHODS ")", out);
    return -1;
  }
  if ((req->body != NULL || req->part_count > 0) &&
      (strcmp(out, "GET") == 0 || strcmp(out, "HEAD") == 0)) {
    snprintf(err, errlen, "body: a %s request takes no body; pass the "
             "fields as query", out);
    return -1;
  }
  return 0;
}

/* 1 when s may go into a part's header: no CR, LF or '"' (a NUL
** ends it, as the Lua binding refuses embedded ones). */
static int header_safe(const char *s) {
  return s == NULL || strpbrk(s, "\r\n\"") == NULL;
}

/* Refuses parts whose names could forge a part header, or a body and
** parts together. 0, or -1 with err set. */
static int check_parts(const taskip_request *req, char *err, size_t errlen) {
  size_t i;
  if (req->part_count > 0 && req->body != NULL) {
    snprintf(err, errlen, "body: a request has a JSON body or parts, "
             "not both");
    return -1;
  }
  for (i = 0; i < req->part_count; i++) {
    const taskip_part *p = &req->parts[i];
    const char *bad = p->name == NULL || p->name[0] == '\0' ||
                      !header_safe(p->name) ? "name"
                      : !header_safe(p->filename) ? "filename"
                      : !header_safe(p->content_type) ? "content_type"
                      : p->data == NULL && p->len > 0 ? "data" : NULL;
    if (bad != NULL) {
      snprintf(err, errlen, "parts[%zu].%s: %s", i + 1, bad,
               strcmp(bad, "data") == 0 ? "missing"
               : "must be a non-empty text without CR, LF or '\"'");
      return -1;
    }
  }
  return 0;
}

/* Copies s and its NUL to *w, moving *w past them; NULL stays NULL. */
static const char *put_text(char **w, const char *s) {
  char *at = *w;
  size_t len;
  if (s == NULL)
    return NULL;
  len = strlen(s) + 1;
  memcpy(at, s, len);
  *w += len;
  return at;
}

size_t taskip_parts_size(const taskip_part *parts, size_t n) {
  size_t i, size = n * sizeof(*parts);
#define ROOM(s) ((s) != NULL ? strlen(s) + 1 : 0)
  for (i = 0; i < n; i++)
    size += ROOM(parts[i].name) + ROOM(parts[i].filename) +
            ROOM(parts[i].content_type) + parts[i].len + 1;
#undef ROOM
  return size;
}

/* One allocation holding the parts and copies of all their strings. */
static taskip_part *copy_parts(const taskip_part *in, size_t n) {
  size_t i;
  taskip_part *out;
  char *w;
  if ((out = malloc(taskip_parts_size(in, n))) == NULL)
    return NULL;
  w = (char *)(out + n);
  for (i = 0; i < n; i++) {
    out[i].name = put_text(&w, in[i].name);
    out[i].filename = put_text(&w, in[i].filename);
    out[i].content_type = put_text(&w, in[i].content_type);
    if (in[i].len > 0)
      memcpy(w, in[i].data, in[i].len);
    w[in[i].len] = '\0';
    out[i].data = w;
    out[i].len = in[i].len;
    w += in[i].len + 1;
  }
  return out;
}

/* Refuses a URL over TASKIP_MAX_URL_BYTES before any of it is built. */
static int check_url_length(const taskip_client *c, const taskip_request *req,
                            char *err, size_t errlen) {
  size_t path = strlen(req->path), query = req->query ? strlen(req->query) : 0;
  size_t url = strlen(c->origin.prefix) + path + (query ? query + 1 : 0);
  if (url <= TASKIP_MAX_URL_BYTES)
    return 0;
  snprintf(err, errlen, "%s: the URL would be %.1f KB, over the %d KB "
           "servers accept; send large data in a request body",
           query > path ? "query" : "path", (double)url / 1024,
           TASKIP_MAX_URL_BYTES / 1024);
  return -1;
}

taskip_call *taskip_call_new(taskip_client *c, const taskip_request *req,
                             char *err, size_t errlen) {
  taskip_call *call;
  char method[8];
  if (plan_method(req, method, err, errlen) != 0 ||
      check_parts(req, err, errlen) != 0 ||
      check_url_length(c, req, err, errlen) != 0)
    return NULL;
  call = calloc(1, sizeof(*call));
  if (call == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  call->client = c;
  if (req->limit_name != NULL) {
    call->limit.name = req->limit_name;
    call->limit.count = req->limit_count;
    call->limit.window = req->limit_window;
    if (taskip_endpoint_limit_check(&call->limit, err, errlen) != 0)
      goto fail;
    snprintf(call->limit_name, sizeof(call->limit_name), "%s",
             req->limit_name);
  }
  call->limit.name = call->limit_name;
  memcpy(call->method, method, sizeof(method));
  call->idempotent = taskip_method_idempotent(method);
  call->url = taskip_origin_url(&c->origin, req->path, req->query, err,
                                errlen);
  if (call->url == NULL)
    goto fail;
  if (req->body != NULL) {
    call->body = malloc(req->body_len + 1);
    if (call->body == NULL) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    memcpy(call->body, req->body, req->body_len);
    call->body_len = req->body_len;
  }
  if (req->part_count > 0) {
    if ((call->parts = copy_parts(req->parts, req->part_count)) == NULL) {
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
    call->part_count = req->part_count;
  }
  call->state = READY;
  call->start = -1;
  call->result.retry_after = -1;
  return call;
fail:
  taskip_call_free(call);
  return NULL;
}

static void result_clear_response(taskip_result *r) {
  size_t i;
  for (i = 0; i < r->header_count; i++) {
    free(r->headers[i].name);
    free(r->headers[i].value);
  }
  free(r->headers);
  free(r->body);
  r->headers = NULL;
  r->header_count = 0;
  r->body = NULL;
  r->body_len = 0;
}

void taskip_call_free(taskip_call *call) {
  if (call == NULL)
    return;
  if (call->state == STORE)
    call->client->store->type->cancel(call->client->store, &call->op);
  result_clear_response(&call->result);
  taskip_buffer_free(&call->trace);
  free(call->url);
  free(call->body);
  free(call->parts);
  free(call);
}

const taskip_result *taskip_call_result(const taskip_call *call) {
  return &call->result;
}

const char *taskip_call_method(const taskip_call *call) {
  return call->method;
}

/* The call's endpoint limit, or NULL. */
static const taskip_endpoint_limit *limit_of(const taskip_call *call) {
  return call->limit_name[0] != '\0' ? &call->limit : NULL;
}

static void fail_with(taskip_call *call, taskip_kind kind, double retry,
                      const char *msg) {
  call->result.kind = kind;
  call->result.retry_after = retry;
  snprintf(call->result.message, sizeof(call->result.message), "%s", msg);
  call->state = DONE;
}

/* Fills call->attempt for the attempt step() hands out. */
static void plan_attempt(taskip_call *call) {
  taskip_client *c = call->client;
  taskip_attempt *a = &call->attempt;
  size_t n = 0;
  call->lines[n++] = "Accept: application/json";
  if (call->body != NULL)
    call->lines[n++] = "Content-Type: application/json";
  a->key_header = n;
  call->lines[n++] = taskip_secret_header(c->secret);
  a->method = call->method;
  a->url = call->url;
  a->target = call->url + strlen(c->origin.prefix) - strlen(c->origin.base_path);
  a->scheme = c->origin.scheme;
  a->host = c->origin.hostname;
  a->port = c->origin.port;
  a->headers = call->lines;
  a->header_count = n;
  a->body = call->body;
  a->body_len = call->body_len;
  a->parts = call->parts;
  a->part_count = call->part_count;
  a->idempotent = call->idempotent;
  a->timeout_ms = c->cfg.timeout_ms;
  a->connect_timeout_ms = c->cfg.connect_timeout_ms;
  a->max_response_bytes = c->cfg.max_response_bytes;
  a->cafile = c->cfg.cafile;
  a->debug = c->cfg.debug;
}

const taskip_attempt *taskip_call_attempt(const taskip_call *call) {
  return call->state == IN_FLIGHT ? &call->attempt : NULL;
}

/* {======================================================= rate store */

static int store_up(const taskip_client *c, double now) {
  return c->store != NULL && now >= c->store_back_at;
}

/* The tracker that decides without the store: the client's own, or its
** share while the store is down. */
static taskip_ratelimit *local_tracker(taskip_client *c, double now) {
  return c->store != NULL && now < c->store_back_at ? &c->share : &c->rate;
}

/* The core's part of a store update (taskip_store_apply). */
static size_t call_apply(void *ctx, const char *old, size_t oldlen,
                         char *out, size_t cap) {
  taskip_call *call = ctx;
  taskip_client *c = call->client;
  taskip_ratelimit rl;
  double now = call->op_now;
  if (old == NULL || taskip_ratelimit_decode(&rl, old, oldlen) != 0 ||
      !taskip_ratelimit_sane(&rl, now))      /* start afresh */
    taskip_ratelimit_init(&rl, c->cfg.hour_limit, c->cfg.minute_limit);
  if (call->kind == OP_RESERVE) {
    call->granted = taskip_ratelimit_wait_for(&rl, now, limit_of(call)) <= 0;
    if (call->granted)
      taskip_ratelimit_take_for(&rl, now, limit_of(call), &call->ticket);
  } else {
    if (call->release)
      taskip_ratelimit_release_for(&rl, now, limit_of(call), &call->ticket);
    if (call->observe)
      taskip_ratelimit_observe_for(&rl, now, limit_of(call), &call->rh);
  }
  call->seen = rl;
  if (call->kind == OP_RESERVE && !call->granted)
    return 0;                         /* nothing changed */
  return taskip_ratelimit_encode(&rl, out, cap);
}

/* Reconciles (and releases) on a tracker of this process; fleet > 1:
** the tracker is this process's share of the budget. */
static void reconcile_local(taskip_call *call, taskip_ratelimit *rl,
                            double now, int fleet) {
  taskip_rate_headers h = call->rh;
  if (call->release)
    taskip_ratelimit_release_for(rl, now, limit_of(call), &call->ticket);
  if (call->observe) {
    if (limit_of(call) == NULL || h.limit != call->limit.count)
      taskip_rate_headers_share(&h, fleet);   /* budget figures */
    taskip_ratelimit_observe_for(rl, now, limit_of(call), &h);
  }
}

/* The store failed: the client goes on with its share of the budget,
** taken from the record as last seen, and asks the store again later.
** A share in use since an earlier failure is kept, not renewed. */
static void store_down(taskip_client *c, double now) {
  if (!c->store_failed) {
    c->share = c->rate;
    taskip_ratelimit_share(&c->share, c->cfg.rate_fleet);
    c->store_failed = 1;
  }
  c->store_back_at = now + STORE_RETRY;
}

/* The store's update of call ended with st. */
static void op_finish(taskip_call *call, taskip_store_status st,
                      double now) {
  taskip_client *c = call->client;
  call->state = call->kind == OP_RESERVE ? READY : call->after;
  if (st == TASKIP_STORE_DONE) {
    c->rate = call->seen;
    c->store_failed = 0;
    return;
  }
  store_down(c, now);
  if (call->kind == OP_RESERVE)
    call->granted = 0;
  else
    reconcile_local(call, &c->share, now, c->cfg.rate_fleet);
}

/* Starts an update of the store's record; DONE/FAILED are finished. */
static taskip_store_status op_start(taskip_call *call, op_kind kind,
                                    double now) {
  taskip_client *c = call->client;
  taskip_store_status st;
  call->kind = kind;
  call->op_now = now;
  call->granted = 0;
  call->seen = c->rate;
  memset(&call->op, 0, sizeof(call->op));
  call->op.apply = call_apply;
  call->op.ctx = call;
  st = c->store->type->update(c->store, &call->op);
  if (st == TASKIP_STORE_PENDING)
    call->state = STORE;
  else
    op_finish(call, st, now);
  return st;
}

/* After an attempt: the server's figures, and a reservation that never
** left given back. Leaves the call in STORE while the store works. */
static void rate_reconcile(taskip_call *call, double now) {
  taskip_client *c = call->client;
  if (!call->observe && !call->release)
    return;
  if (!store_up(c, now)) {
    reconcile_local(call, local_tracker(c, now), now,
                    c->store != NULL ? c->cfg.rate_fleet : 1);
    return;
  }
  call->after = call->state;
  op_start(call, OP_RECONCILE, now);
}

/* }======================================================= */

static taskip_step send_attempt(taskip_call *call) {
  call->state = IN_FLIGHT;
  call->result.attempts++;
  plan_attempt(call);
  return TASKIP_STEP_SEND;
}

taskip_step taskip_call_step(taskip_call *call, double now,
                             double *wake_at) {
  taskip_client *c = call->client;
  for (;;) {
    double wait = 0, rate;
    taskip_ratelimit *rl;
    taskip_store_status st;
    if (call->state == STORE) {
      call->op_now = now;
      st = c->store->type->poll(c->store, &call->op);
      if (st == TASKIP_STORE_PENDING) {
        *wake_at = now + c->store->poll_interval;
        return TASKIP_STEP_WAIT;
      }
      op_finish(call, st, now);
      if (call->kind == OP_RESERVE && call->granted)
        return send_attempt(call);
      continue;
    }
    if (call->state == DONE)
      return TASKIP_STEP_DONE;
    if (call->state == IN_FLIGHT)     /* a driver bug: never send twice */
      return TASKIP_STEP_WAIT;
    if (call->start < 0)
      call->start = now;
    if (call->retry_at > now)
      wait = call->retry_at - now;
    rl = local_tracker(c, now);
    rate = taskip_ratelimit_wait_for(rl, now, limit_of(call));
    if (rate > 0) {
      char msg[160];
      if (c->cfg.rate_policy == TASKIP_RATE_ERROR ||
          now + rate - call->start > c->cfg.max_wait) {
        if (rate > taskip_ratelimit_wait(rl, now))
          snprintf(msg, sizeof(msg), "rate limit of %s reached; retry in "
                   "%.0f s (request not sent)", call->limit_name, rate);
        else
          snprintf(msg, sizeof(msg), "rate limit reached; retry in %.0f s "
                   "(request not sent)", rate);
        /* keep the last response, if any, but make the outcome clear */
        fail_with(call, TASKIP_RATE_LIMITED, rate, msg);
        return TASKIP_STEP_DONE;
      }
      if (rate > wait)
        wait = rate;
    }
    if (wait > 0) {
      *wake_at = now + wait;
      return TASKIP_STEP_WAIT;
    }
    if (!store_up(c, now)) {
      taskip_ratelimit_take_for(rl, now, limit_of(call), &call->ticket);
      return send_attempt(call);
    }
    st = op_start(call, OP_RESERVE, now);
    if (st == TASKIP_STORE_PENDING) {
      *wake_at = now + c->store->poll_interval;
      return TASKIP_STEP_WAIT;
    }
    if (call->granted)
      return send_attempt(call);
    /* refused: the record as it stands now decides; it says wait, or
    ** the store failed and the share decides */
    if (st == TASKIP_STORE_DONE &&
        taskip_ratelimit_wait_for(&c->rate, now, limit_of(call)) <= 0) {
      *wake_at = now + 0.05;        /* cannot happen; never spin */
      return TASKIP_STEP_WAIT;
    }
  }
}

void taskip_call_trace(taskip_call *call, const char *prefix,
                       const char *text, size_t len) {
  size_t start = call->trace.len;
  if (taskip_buffer_add(&call->trace, prefix, strlen(prefix)) != 0 ||
      taskip_buffer_add(&call->trace, text, len) != 0)
    return;
  taskip_secret_scrub(call->client->secret, call->trace.data + start,
                      call->trace.len - start);
}

/* Stores header i of the response, name lowercased, value scrubbed;
** 0, or -1 when out of memory. */
static int keep_header(taskip_call *call, size_t i, const char *name,
                       const char *value) {
  taskip_result *r = &call->result;
  char *p;
  r->headers[i].name = dupstr(name);
  r->headers[i].value = dupstr(value);
  if (!r->headers[i].name || !r->headers[i].value) {
    free(r->headers[i].name);
    free(r->headers[i].value);
    r->headers[i].name = r->headers[i].value = NULL;
    return -1;
  }
  for (p = r->headers[i].name; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  taskip_secret_scrub(call->client->secret, r->headers[i].name,
                      strlen(r->headers[i].name));
  taskip_secret_scrub(call->client->secret, r->headers[i].value,
                      strlen(r->headers[i].value));
  r->header_count = i + 1;
  return 0;
}

static void keep_headers(taskip_call *call, const taskip_response *in) {
  taskip_result *r = &call->result;
  size_t i;
  if (in->header_count == 0)
    return;
  r->headers = calloc(in->header_count, sizeof(*r->headers));
  for (i = 0; r->headers != NULL && i < in->header_count; i++)
    if (keep_header(call, i, in->headers[i].name, in->headers[i].value) != 0)
      break;
}

static void describe_failure(taskip_call *call, const char *detail) {
  taskip_result *r = &call->result;
  if (r->failure == TASKIP_FAIL_TOO_LARGE)
    snprintf(r->message, sizeof(r->message), "response larger than "
             "max_response_bytes (%zu)", call->client->cfg.max_response_bytes);
  else if (r->failure == TASKIP_FAIL_LOST && !call->idempotent)
    snprintf(r->message, sizeof(r->message), "connection lost before a "
             "response; the %s may have reached the server and was not "
             "sent again", call->method);
  else if (r->kind == TASKIP_REDIRECT) {
    const char *loc = taskip_header_get(r->headers, r->header_count,
                                        "location");
    snprintf(r->message, sizeof(r->message), "server redirected to %s; "
             "not followed, the key is only sent to base_url",
             loc ? loc : "(no location)");
  } else if (r->failure != TASKIP_FAIL_NONE && detail != NULL && *detail) {
    /* scrubbed whole before it is cut, so no piece of the key is left */
    char *d = dupstr(detail);
    if (d != NULL)
      taskip_secret_scrub(call->client->secret, d, strlen(d));
    snprintf(r->message, sizeof(r->message), "%s",
             d != NULL ? d : taskip_failure_name(r->failure));
    free(d);
  } else if (r->failure != TASKIP_FAIL_NONE)
    snprintf(r->message, sizeof(r->message), "%s",
             taskip_failure_name(r->failure));
  else
    snprintf(r->message, sizeof(r->message), "HTTP %ld", r->status);
  taskip_secret_scrub(call->client->secret, r->message, strlen(r->message));
}

/* Whether another attempt is allowed, and when: sets retry_at. */
static int plan_retry(taskip_call *call, const taskip_rate_headers *rh,
                      double now) {
  taskip_client *c = call->client;
  const taskip_result *r = &call->result;
  long status = r->status;
  double delay;
  if (!taskip_retryable(call->method, r->failure, status) ||
      call->retries >= c->cfg.max_retries)
    return 0;
  if (status == 429 && c->cfg.rate_policy == TASKIP_RATE_ERROR)
    return 0;
  if (status == 429)
    delay = 0;                  /* the tracker holds the wait */
  else
    delay = taskip_backoff(c->cfg.retry_backoff, call->retries + 1,
                           &c->seed);
  if (status == 503 && rh->retry_after > delay)
    delay = rh->retry_after;
  if (now + delay - call->start > c->cfg.max_wait)
    return 0;
  if (!taskip_retry_budget_take(&c->budget))
    return 0;
  call->retries++;
  call->retry_at = now + delay;
  return 1;
}

/* The failure as the retry policy must read it. A write whose
** connection was up when the failure came may have reached the server,
** whatever the transport saw last (libcurl, say, reconnects by itself
** when a reused connection dies, then reports "could not connect"):
** report it as lost, never as "not sent", so it is never sent again. */
static taskip_failure failure_of(const taskip_call *call,
                                 const taskip_response *in) {
  taskip_failure f = in->failure;
  if ((int)f < 0 || f >= TASKIP_FAIL_COUNT)
    f = TASKIP_FAIL_OTHER;
  if (in->reached && !call->idempotent &&
      (f == TASKIP_FAIL_RESOLVE || f == TASKIP_FAIL_CONNECT ||
       f == TASKIP_FAIL_TLS))
    f = TASKIP_FAIL_LOST;
  if (f == TASKIP_FAIL_NONE &&
      in->body_len > call->client->cfg.max_response_bytes)
    f = TASKIP_FAIL_TOO_LARGE;
  return f;
}

void taskip_call_digest(taskip_call *call, const taskip_response *in,
                        double now) {
  taskip_client *c = call->client;
  taskip_result *r = &call->result;
  taskip_rate_headers rh;
  taskip_failure f;
  if (call->state != IN_FLIGHT) {
    free(in->body_given);           /* taken over, even when unused */
    return;
  }
  f = failure_of(call, in);
  result_clear_response(r);
  keep_headers(call, in);
  r->status = in->status;
  r->failure = f;
  r->retry_after = -1;
  r->message[0] = '\0';
  r->body_len = f == TASKIP_FAIL_NONE ? in->body_len : 0;
  if (in->body_given != NULL) {
    r->body = in->body_given;
    r->body[r->body_len] = '\0';
  } else if ((r->body = malloc(r->body_len + 1)) != NULL) {
    if (r->body_len > 0)
      memcpy(r->body, in->body, r->body_len);
    r->body[r->body_len] = '\0';
  } else {
    r->body_len = 0;
    f = TASKIP_FAIL_OTHER;
    r->failure = f;
  }
  r->trace = call->trace.data;           /* all attempts so far */
  r->trace_len = call->trace.len;

  taskip_rate_headers_read(&rh, r->headers, r->header_count, r->status,
                           now);
  call->rh = rh;
  call->observe = r->status > 0;
  call->release = !in->reached && (f == TASKIP_FAIL_RESOLVE ||
                                   f == TASKIP_FAIL_CONNECT ||
                                   f == TASKIP_FAIL_TLS);
  r->kind = f != TASKIP_FAIL_NONE ? taskip_kind_of_failure(f)
                                  : taskip_kind_of_status(r->status);
  if (r->kind == TASKIP_OK) {
    taskip_retry_budget_success(&c->budget);
    call->state = DONE;
    rate_reconcile(call, now);
    return;
  }
  if (r->status == 429 || r->status == 503)
    r->retry_after = r->status == 429
                         ? taskip_ratelimit_retry_after(&rh, now)
                         : rh.retry_after;
  describe_failure(call, in->detail);
  call->state = plan_retry(call, &rh, now) ? READY : DONE;
  rate_reconcile(call, now);
}

/* }======================================================= */
