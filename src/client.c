/*
** client.c — the client and its calls: planning an attempt, handing it
** to a driver as a configured curl handle, digesting what came back.
**
** A call moves READY -> IN_FLIGHT -> READY (a retry) ... -> DONE.
** step() decides whether the next attempt may go now, must wait (rate
** limit, backoff) or cannot go at all; finish() reads one attempt and
** decides whether another is allowed. Neither sleeps.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include "taskip.h"
#include "secret.h"
#include "origin.h"
#include "ratelimit.h"
#include "retry.h"
#include "digest.h"

struct taskip_client {
  taskip_config cfg;
  char *cafile;                 /* owned copy of cfg.cafile */
  taskip_origin origin;
  taskip_secret *secret;
  taskip_ratelimit rate;
  taskip_retry_budget budget;
  unsigned seed;                /* jitter */
  CURL *easy;                   /* the blocking driver's handle */
};

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

typedef enum call_state { READY, IN_FLIGHT, DONE } call_state;

struct taskip_call {
  taskip_client *client;
  char method[8];
  char *url;
  char *body;                   /* request body, or NULL */
  size_t body_len, body_off;
  int idempotent;
  int reached;                  /* this attempt's request went out */
  call_state state;
  double start, retry_at;
  int retries;
  struct curl_slist *headers;   /* holds a copy of the key: wiped */
  buffer in;                    /* response body of this attempt */
  int too_large;
  buffer trace;
  char errbuf[CURL_ERROR_SIZE];
  taskip_result result;
};

/* {======================================================= helpers */

double taskip_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *taskip_user_agent(void) {
  static char ua[64];
  if (ua[0] == '\0') {
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    snprintf(ua, sizeof(ua), "taskip/%s libcurl/%s", TASKIP_VERSION,
             v->version);
  }
  return ua;
}

static int buffer_add(buffer *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *d;
    while (cap < b->len + n + 1)
      cap *= 2;
    d = realloc(b->data, cap);
    if (d == NULL)
      return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static void buffer_free(buffer *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/* Frees a header list after wiping every line: one holds the key. */
static void wipe_slist(struct curl_slist *l) {
  struct curl_slist *p;
  for (p = l; p != NULL; p = p->next)
    taskip_wipe(p->data, strlen(p->data));
  curl_slist_free_all(l);
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
  c->easy = curl_easy_init();
  if (c->easy == NULL || (cfg->cafile != NULL && c->cafile == NULL)) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  taskip_ratelimit_init(&c->rate, cfg->hour_limit, cfg->minute_limit);
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
  if (c->easy != NULL)
    curl_easy_cleanup(c->easy);
  taskip_secret_free(c->secret);
  taskip_origin_free(&c->origin);
  free(c->cafile);
  free(c);
}

CURL *taskip_client_easy_handle(taskip_client *c) {
  return c->easy;
}

double taskip_client_rate(taskip_client *c, double now,
                          taskip_rate_figures *budget,
                          taskip_rate_figures *burst) {
  taskip_ratelimit_snapshot(&c->rate, now, budget, burst);
  return taskip_ratelimit_wait(&c->rate, now);
}

/* }======================================================= */

/* {======================================================= calls */

static int method_known(const char *m) {
  static const char *const known[] = {"GET", "POST", "PUT", "PATCH",
                                      "DELETE", "HEAD"};
  size_t i;
  for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(m, known[i]) == 0)
      return 1;
  return 0;
}

taskip_call *taskip_call_new(taskip_client *c, const taskip_request *req,
                             char *err, size_t errlen) {
  taskip_call *call;
  char method[8];
  size_t i, n = strlen(req->method);
  if (n >= sizeof(method)) {
    snprintf(err, errlen, "unknown HTTP method");
    return NULL;
  }
  for (i = 0; i <= n; i++)
    method[i] = (char)toupper((unsigned char)req->method[i]);
  if (!method_known(method)) {
    snprintf(err, errlen, "unknown HTTP method '%s'", method);
    return NULL;
  }
  call = calloc(1, sizeof(*call));
  if (call == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  call->client = c;
  memcpy(call->method, method, n + 1);
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
  result_clear_response(&call->result);
  wipe_slist(call->headers);
  buffer_free(&call->in);
  buffer_free(&call->trace);
  free(call->url);
  free(call->body);
  free(call);
}

const taskip_result *taskip_call_result(const taskip_call *call) {
  return &call->result;
}

static void fail_with(taskip_call *call, taskip_kind kind, double retry,
                      const char *msg) {
  call->result.kind = kind;
  call->result.retry_after = retry;
  snprintf(call->result.message, sizeof(call->result.message), "%s", msg);
  call->state = DONE;
}

taskip_step taskip_call_step(taskip_call *call, double now,
                             double *wake_at) {
  taskip_client *c = call->client;
  double wait = 0, rate;
  if (call->state == DONE)
    return TASKIP_STEP_DONE;
  if (call->state == IN_FLIGHT)       /* a driver bug: never send twice */
    return TASKIP_STEP_WAIT;
  if (call->start < 0)
    call->start = now;
  if (call->retry_at > now)
    wait = call->retry_at - now;
  rate = taskip_ratelimit_wait(&c->rate, now);
  if (rate > 0) {
    char msg[160];
    if (c->cfg.rate_policy == TASKIP_RATE_ERROR ||
        now + rate - call->start > c->cfg.max_wait) {
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
  taskip_ratelimit_sent(&c->rate, now);
  call->state = IN_FLIGHT;
  call->result.attempts++;
  return TASKIP_STEP_SEND;
}

/* {------------------------------------------------ curl callbacks */

/* Adds response body bytes; returns len, or 0 to abort the transfer. */
static size_t take_body(taskip_call *call, const char *p, size_t len) {
  if (call->in.len + len > call->client->cfg.max_response_bytes) {
    call->too_large = 1;
    return 0;                               /* aborts the transfer */
  }
  if (buffer_add(&call->in, p, len) != 0)
    return 0;
  return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  return take_body(ud, p, size * n);
}

static size_t on_read(char *p, size_t size, size_t n, void *ud) {
  taskip_call *call = ud;
  size_t left = call->body_len - call->body_off;
  size_t len = size * n < left ? size * n : left;
  if (len > 0)
    memcpy(p, call->body + call->body_off, len);
  call->body_off += len;
  return len;
}

/*
** libcurl re-sends a request by itself when a reused connection turns
** out dead before any response byte. For a write that may already have
** reached the server, refusing the rewind stops that second send.
*/
static int on_seek(void *ud, curl_off_t offset, int origin) {
  taskip_call *call = ud;
  if (!call->idempotent || origin != SEEK_SET || offset < 0 ||
      (size_t)offset > call->body_len)
    return CURL_SEEKFUNC_CANTSEEK;
  call->body_off = (size_t)offset;
  return CURL_SEEKFUNC_OK;
}

/* Called once a connection is up (TLS included), before the request
** is written: from here on, the request may reach the server. */
static int on_prereq(void *ud, char *ip, char *local_ip, int port,
                     int local_port) {
  taskip_call *call = ud;
  (void)ip;
  (void)local_ip;
  (void)port;
  (void)local_port;
  call->reached = 1;
  return CURL_PREREQFUNC_OK;
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud) {
  taskip_call *call = ud;
  static const char *const mark[] = {"* ", "< ", "> "};
  size_t start = call->trace.len;
  (void)h;
  if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN &&
      type != CURLINFO_HEADER_OUT)
    return 0;
  if (buffer_add(&call->trace, mark[type], 2) != 0 ||
      buffer_add(&call->trace, data, size) != 0)
    return 0;
  taskip_secret_scrub(call->client->secret, call->trace.data + start,
                      call->trace.len - start);
  return 0;
}

/* }------------------------------------------------ */

CURLcode taskip_call_prepare(taskip_call *call, CURL *h) {
  taskip_client *c = call->client;
  const taskip_config *cfg = &c->cfg;
  struct curl_slist *l = NULL;
  CURLcode rc = CURLE_OK;
  int has_body = call->body != NULL;
  const char *lines[4];
  size_t i, n = 0;
  wipe_slist(call->headers);
  call->headers = NULL;
  buffer_free(&call->in);
  call->too_large = 0;
  call->reached = 0;
  call->body_off = 0;
  call->errbuf[0] = '\0';
  lines[n++] = "Accept: application/json";
  lines[n++] = "Expect:";                 /* no 100-continue round trip */
  if (has_body)
    lines[n++] = "Content-Type: application/json";
  lines[n++] = taskip_secret_header(c->secret);
  for (i = 0; i < n; i++) {
    struct curl_slist *t = curl_slist_append(l, lines[i]);
    if (t == NULL) {
      wipe_slist(l);
      return CURLE_OUT_OF_MEMORY;
    }
    l = t;
  }
  call->headers = l;
  curl_easy_reset(h);           /* keeps the handle's live connections */

#define SET(opt, val) \
  do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
  SET(CURLOPT_URL, call->url);
  SET(CURLOPT_PROTOCOLS_STR, cfg->allow_http ? "http,https" : "https");
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_HTTPHEADER, l);
  SET(CURLOPT_USERAGENT, taskip_user_agent());
  SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if (cfg->cafile != NULL)
    SET(CURLOPT_CAINFO, cfg->cafile);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_response_bytes);
  SET(CURLOPT_WRITEFUNCTION, on_write);
  SET(CURLOPT_WRITEDATA, call);
  SET(CURLOPT_ERRORBUFFER, call->errbuf);
  SET(CURLOPT_PREREQFUNCTION, on_prereq);
  SET(CURLOPT_PREREQDATA, call);
  if (has_body || strcmp(call->method, "POST") == 0) {
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, call);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_SEEKDATA, call);
  } else if (strcmp(call->method, "HEAD") == 0) {
    SET(CURLOPT_NOBODY, 1L);
  } else {
    SET(CURLOPT_HTTPGET, 1L);
  }
  if (strcmp(call->method, "GET") != 0 && strcmp(call->method, "POST") != 0
      && strcmp(call->method, "HEAD") != 0)
    SET(CURLOPT_CUSTOMREQUEST, call->method);
  if (cfg->debug) {
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, call);
    SET(CURLOPT_VERBOSE, 1L);
  }
#undef SET
  return rc;
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
  taskip_secret_scrub(call->client->secret, r->headers[i].value,
                      strlen(r->headers[i].value));
  r->header_count = i + 1;
  return 0;
}

/* Copies the last response's headers, names lowercased. */
static void collect_headers(taskip_call *call, CURL *h) {
  taskip_result *r = &call->result;
  struct curl_header *prev = NULL, *hd;
  size_t n = 0, i;
  while ((hd = curl_easy_nextheader(h, CURLH_HEADER, -1, prev)) != NULL) {
    n++;
    prev = hd;
  }
  if (n == 0)
    return;
  r->headers = calloc(n, sizeof(*r->headers));
  if (r->headers == NULL)
    return;
  prev = NULL;
  for (i = 0; i < n; i++) {
    hd = curl_easy_nextheader(h, CURLH_HEADER, -1, prev);
    if (hd == NULL)
      break;
    prev = hd;
    if (keep_header(call, i, hd->name, hd->value) != 0)
      break;
  }
}

static void describe_failure(taskip_call *call, CURLcode rc) {
  taskip_result *r = &call->result;
  const char *why = call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc);
  if (r->kind == TASKIP_TOO_LARGE)
    snprintf(r->message, sizeof(r->message), "response larger than "
             "max_response_bytes (%zu)", call->client->cfg.max_response_bytes);
  else if (rc == CURLE_SEND_FAIL_REWIND)
    snprintf(r->message, sizeof(r->message), "connection lost before a "
             "response; the %s may have reached the server and was not "
             "sent again", call->method);
  else if (r->kind == TASKIP_REDIRECT) {
    const char *loc = taskip_header_get(r->headers, r->header_count,
                                        "location");
    snprintf(r->message, sizeof(r->message), "server redirected to %s; "
             "not followed, the key is only sent to base_url",
             loc ? loc : "(no location)");
  } else if (rc != CURLE_OK)
    snprintf(r->message, sizeof(r->message), "%s", why);
  else
    snprintf(r->message, sizeof(r->message), "HTTP %ld", r->status);
  taskip_secret_scrub(call->client->secret, r->message, strlen(r->message));
}

/* Whether another attempt is allowed, and when: sets retry_at. */
static int plan_retry(taskip_call *call, CURLcode rc,
                      const taskip_rate_headers *rh, double now) {
  taskip_client *c = call->client;
  long status = call->result.status;
  double delay;
  if (!taskip_retryable(call->method, rc, status) ||
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

/* Digests the attempt whose status and headers are in place: moves the
** body in, reads the rate-limit headers, sets the kind, plans a retry. */
static void digest_attempt(taskip_call *call, CURLcode rc, long status,
                           double now) {
  taskip_client *c = call->client;
  taskip_result *r = &call->result;
  taskip_rate_headers rh;
  /* When a reused connection dies under a request, libcurl reconnects by
  ** itself (and, for a write, refuses to send it again); if that connect
  ** or its TLS handshake fails, rc reads "could not connect" (or a TLS
  ** error) although the request went out once. For a write, report it
  ** as lost, never as "not sent", so it is not sent again. */
  if (call->reached && !call->idempotent
      && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
          || taskip_kind_of_curl(rc) == TASKIP_TLS))
    rc = CURLE_SEND_FAIL_REWIND;
  r->status = status;
  r->curl_code = rc;
  r->retry_after = -1;
  r->message[0] = '\0';
  r->body = call->in.data ? call->in.data : dupstr("");
  r->body_len = call->in.len;
  memset(&call->in, 0, sizeof(call->in));   /* ownership moved */
  r->trace = call->trace.data;           /* all attempts so far */
  r->trace_len = call->trace.len;
  wipe_slist(call->headers);
  call->headers = NULL;

  taskip_rate_headers_read(&rh, r->headers, r->header_count, status, now);
  if (status > 0)
    taskip_ratelimit_observe(&c->rate, now, &rh);
  if (rc != CURLE_OK)
    r->kind = call->too_large ? TASKIP_TOO_LARGE : taskip_kind_of_curl(rc);
  else
    r->kind = taskip_kind_of_status(status);
  if (r->kind == TASKIP_OK) {
    taskip_retry_budget_success(&c->budget);
    call->state = DONE;
    return;
  }
  if (status == 429 || status == 503)
    r->retry_after = status == 429
                         ? taskip_ratelimit_retry_after(&rh, now)
                         : rh.retry_after;
  describe_failure(call, rc);
  call->state = plan_retry(call, rc, &rh, now) ? READY : DONE;
}

void taskip_call_finish(taskip_call *call, CURL *h, CURLcode rc,
                        double now) {
  long status = 0;
  if (call->state != IN_FLIGHT)
    return;
  result_clear_response(&call->result);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  collect_headers(call, h);
  digest_attempt(call, rc, status, now);
}

void taskip_call_finish_response(taskip_call *call, CURLcode rc,
                                 long status, const taskip_header *hs,
                                 size_t n, const char *body, size_t len,
                                 double now) {
  taskip_result *r = &call->result;
  size_t i;
  if (call->state != IN_FLIGHT)
    return;
  result_clear_response(r);
  if (n > 0)
    r->headers = calloc(n, sizeof(*r->headers));
  for (i = 0; r->headers != NULL && i < n; i++)
    if (keep_header(call, i, hs[i].name, hs[i].value) != 0)
      break;
  buffer_free(&call->in);
  call->too_large = 0;
  if (len > 0 && take_body(call, body, len) != len && rc == CURLE_OK)
    rc = CURLE_WRITE_ERROR;             /* as libcurl reports an abort */
  digest_attempt(call, rc, status, now);
}

/* }======================================================= */
