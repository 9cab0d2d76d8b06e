/*
** host.c — the script host: scripts in sandboxes (sandbox.c), their
** API calls on the multi transport, limits and capabilities.
**
** A script is a set of host threads (tasks) of one lua_State: its main
** chunk, plus the functions of a taskip.parallel group. A task is READY
** (resume it), in a CALL (an easy handle in the multi), in a TIMER
** (sleep, or a call's rate-limit or backoff wait), or waits for its
** CHILDREN. step() resumes ready tasks with a time slice, lets the
** multi transport (transport_multi.c) move transfers within the step's
** budget, and turns finished ones back into ready tasks; it returns
** within its timeout.
**
** One taskip_client holds the key for all scripts; the connections of
** the multi handle are reused across scripts. Everything a script can
** see or print is scrubbed of the key (also in its base64 and
** percent-encoded forms) and escaped.
*/
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taskip_host.h"
#include "transport.h"
#include "sandbox.h"
#include "secret.h"
#include "origin.h"
#include "host_internal.h"
#include "selfpath.h"
#include "builtin_chunks.h"
#include "ratestore_open.h"
#include "host_luavalue.h"

#define QUANTUM 0.010        /* seconds a task runs before others */
#define STEP0_BUDGET 0.0006  /* what step(h, 0) may spend */
#define STEP0_ADMIT 16       /* new transfers step(h, 0) may start: curl
                                starts them all in one timer action */
#define ADMIT_EVERY 0.004    /* a step(h, N > 0) may open one more
                                connection per this many seconds */
#define LINE_MAX_BYTES 16384 /* one output or log line, escaped */
#define SCRIPT_MAX_BYTES (16u << 20)
#define REASON_MAX_BYTES 65536  /* a script's whole reason, escaped */

typedef enum task_state {
  T_READY, T_CALL, T_TIMER, T_CHILDREN, T_FUNC, T_DONE
} task_state;

typedef struct task {
  struct script *s;
  lua_State *co;
  int nargs;                  /* for the next resume */
  task_state state;
  double wake;                /* T_TIMER, monotonic */
  host_call *box;             /* T_CALL, or T_TIMER for a call */
  struct task *parent;
  int pending;                /* T_CHILDREN: still running */
  unsigned char *failed;      /* where a child reports an error */
  struct task *next;          /* in the script's list */
  struct task *qnext;         /* in the host's run queue */
  int queued;
} task;

typedef struct script {
  int id;
  taskip_host *h;
  sandbox *sb;
  task *tasks;
  int done, exit_code;
  int ready;                  /* tasks in the run queue */
  double ready_since;         /* since when one waits for the thread (0:
                                 none does, or the script runs) */
  char reason[512];           /* one line, for taskip_host_status */
  char *full_reason;          /* the whole of it (taskip_host_result) */
  char kind[32];
  taskip_value *values;       /* what the main chunk returned */
  char values_error[320];
  long requests;
  size_t output;
  size_t charged;             /* held outside its state (sandbox_charge.c) */
  taskip_host_limits limits;
  host_account *acct;         /* its key's client, origin and masks */
  taskip_host_function *fns;  /* its own functions (names copied) */
  int nfns;
  int notify;                 /* finished: the finish callback is due */
  struct script *next, *prev; /* newest first */
} script;

struct taskip_host {
  taskip_host_config cfg;
  char *lua_dir;
  sb_chunk *chunks;           /* the taskip modules, compiled once */
  sb_script *compiled;        /* scripts compiled, for their next spawn */
  host_account *accounts;     /* the host's key first, then scripts' */
  char *rate_store;           /* cfg.rate_store, for scripts' keys */
  char *cafile;               /* cfg.client.cafile, for scripts' keys */
  host_fns *fns;              /* the embedder's functions and events */
  taskip_host_finish_fn on_finish;
  void *finish_ud;
  int freeing;
  host_allow *allow;
  taskip_multi *net;          /* the transport of every script's calls */
  script *scripts;
  script **by_id;             /* the same scripts in order of id (ids only
                                 grow): found by bsearch, not a walk */
  int nscripts, by_id_cap;
  unsigned changes;           /* counts spawns and releases (a callback
                                 may make either) */
  /* What keeps a step from walking every script when there is nothing
  ** for it to do (a host may hold thousands of idle scripts): */
  double timers_due;          /* no timer or deadline before this; 0:
                                 none at all */
  int timers_dirty;           /* a timer or deadline was set since */
  unsigned kills, kills_seen; /* sb_kill()s (sb_config.kills) */
  int sweep_due;              /* a parallel child ended: sweep_tasks */
  int notify_due;             /* finished scripts whose callback is due */
  task *qhead, *qtail;        /* ready tasks, oldest first */
  int next_id, running;
  int admit;                  /* new connections this step may open at
                                 once, beyond those it has opened */
  double admit_start;         /* and one more per ADMIT_EVERY since */
  int admit_more;             /* step(h, N > 0): whether it may */
  script *current;            /* whose Lua code runs now */
};

/* {======================================================= text */

static void log_line(taskip_host *h, int id, int level, const char *fmt,
                     ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Every key the host holds is scrubbed from everything: a script never
** sees its own key, the host's, or another script's. */
static size_t scrub_all(taskip_host *h, char *buf, size_t len) {
  host_account *a;
  size_t n = 0;
  for (a = h->accounts; a != NULL; a = a->next)
    n += host_account_scrub(a, buf, len);
  return n;
}

size_t host_scrub(void *sp, char *buf, size_t len) {
  script *s = sp;
  return scrub_all(s->h, buf, len);
}

/* Scrubs and escapes text into a malloc'd text of at most max bytes;
** NULL if out of memory. */
static char *clean_text(taskip_host *h, const char *text, size_t len,
                        size_t max, size_t *outlen) {
  char *copy = malloc(len + 1), *line;
  size_t cap = len * 4 + 8;
  if (cap > max)
    cap = max;
  line = malloc(cap);
  if (copy == NULL || line == NULL) {
    free(copy);
    free(line);
    return NULL;
  }
  memcpy(copy, text, len);
  scrub_all(h, copy, len);
  *outlen = host_escape(copy, len, line, cap);
  free(copy);
  return line;
}

static char *clean_line(taskip_host *h, const char *text, size_t len,
                        size_t *outlen) {
  return clean_text(h, text, len, LINE_MAX_BYTES, outlen);
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* JSON string body of an escaped (printable ASCII/UTF-8) line. */
static size_t json_quote(const char *in, char *out, size_t cap) {
  size_t o = 0;
  for (; *in && o + 3 < cap; in++) {
    if (*in == '"' || *in == '\\')
      out[o++] = '\\';
    out[o++] = *in;
  }
  out[o] = '\0';
  return o;
}

/* Formats and emits one log line of script id (0: the host). */
static void emit_log(taskip_host *h, int id, int level, const char *msg,
                     size_t len) {
  char *clean, *out;
  size_t n, cap;
  int k;
  if (level < h->cfg.log_level)
    return;
  clean = clean_line(h, msg, len, &n);
  if (clean == NULL)
    return;
  cap = n * 2 + 128;
  out = malloc(cap);
  if (out == NULL) {
    free(clean);
    return;
  }
  if (h->cfg.json_log) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    k = snprintf(out, cap, "{\"time\":%lld.%03ld,\"level\":\"%s\","
                 "\"script\":%d,\"message\":\"", (long long)ts.tv_sec,
                 ts.tv_nsec / 1000000, level_names[level], id);
    k += (int)json_quote(clean, out + k, cap - (size_t)k - 3);
    k += snprintf(out + k, cap - (size_t)k, "\"}");
  } else {
    k = snprintf(out, cap, "[%s] script %d: %s", level_names[level], id,
                 clean);
  }
  if ((size_t)k >= cap)
    k = (int)cap - 1;
  if (h->cfg.log != NULL) {
    h->cfg.log(h->cfg.ud, id, level, out, (size_t)k);
  } else {
    fwrite(out, 1, (size_t)k, stderr);
    fputc('\n', stderr);
  }
  free(out);
  free(clean);
}

static void log_line(taskip_host *h, int id, int level, const char *fmt,
                     ...) {
  char buf[1024];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  emit_log(h, id, level, buf, (size_t)n < sizeof(buf) ? (size_t)n
                                                      : sizeof(buf) - 1);
}

/* Counts output against the limit; 1 when the script is over it. */
static int count_output(script *s, size_t len) {
  size_t limit = s->limits.output;
  s->output += len + 1;
  if (limit != 0 && s->output > limit) {
    sb_kill(s->sb, SB_LIMIT_OUTPUT, "output limit (%zu bytes) exceeded",
            limit);
    return 1;
  }
  return 0;
}

/* One line of output, escaped, to the output callback or stdout. */
static void emit_output(taskip_host *h, script *s, const char *text,
                        size_t len) {
  char *line;
  size_t n;
  line = clean_line(h, text, len, &n);
  if (line == NULL)
    return;
  if (h->cfg.output != NULL) {
    h->cfg.output(h->cfg.ud, s->id, line, n);
  } else {
    fwrite(line, 1, n, stdout);
    fputc('\n', stdout);
  }
  free(line);
}

/* print(...): each '\n' starts a new output line (a report may hold
** several); every other control character is escaped. */
static int script_print(sandbox *sb, const char *text, size_t len) {
  script *s = sb->owner;
  const char *end = text + len, *nl;
  if (count_output(s, len))
    return 1;
  for (;;) {
    nl = memchr(text, '\n', (size_t)(end - text));
    if (nl == NULL)
      break;
    emit_output(s->h, s, text, (size_t)(nl - text));
    text = nl + 1;
  }
  emit_output(s->h, s, text, (size_t)(end - text));
  return 0;
}

int host_count_output(void *sp, size_t n) {
  return count_output(sp, n);
}

int host_log(void *sp, int level, const char *msg, size_t len) {
  script *s = sp;
  if (level < TASKIP_LOG_DEBUG || level > TASKIP_LOG_ERROR)
    level = TASKIP_LOG_INFO;
  if (count_output(s, len))
    return 1;
  emit_log(s->h, s->id, level, msg, len);
  return 0;
}

void host_progress(void *sp, const char *msg, size_t len) {
  script *s = sp;
  taskip_host *h = s->h;
  char *line;
  size_t n;
  if (h->cfg.progress == NULL) {
    emit_log(h, s->id, TASKIP_LOG_DEBUG, msg, len);
    return;
  }
  line = clean_line(h, msg, len, &n);
  if (line != NULL)
    h->cfg.progress(h->cfg.ud, s->id, line, n);
  free(line);
}

/* }======================================================= */

/* {======================================================= queue */

/*
** Time a script spends ready while the thread runs others is not its
** own: its deadline moves by that much when it gets the thread again.
*/
static void mark_waiting(script *s) {
  if (s->ready > 0 && s->ready_since == 0 && s->h->current != s)
    s->ready_since = sb_clock();
}

static void stop_waiting(script *s, double now) {
  if (s->ready_since != 0 && s->sb->deadline != 0)
    s->sb->deadline += now - s->ready_since;
  s->ready_since = 0;
}

/* The deadline as it would be if the script got the thread now. */
static double deadline_at(const script *s, double now) {
  if (s->sb->deadline == 0 || s->ready_since == 0)
    return s->sb->deadline;
  return s->sb->deadline + (now - s->ready_since);
}

/* Marks t ready and queues it behind the others (round robin). */
static void make_ready(taskip_host *h, task *t) {
  t->state = T_READY;
  if (t->queued)
    return;
  t->s->ready++;
  mark_waiting(t->s);
  t->queued = 1;
  t->qnext = NULL;
  if (h->qtail != NULL)
    h->qtail->qnext = t;
  else
    h->qhead = t;
  h->qtail = t;
}

static task *pop_ready(taskip_host *h) {
  task *t = h->qhead;
  if (t == NULL)
    return NULL;
  h->qhead = t->qnext;
  if (h->qhead == NULL)
    h->qtail = NULL;
  t->queued = 0;
  t->s->ready--;
  return t;
}

/* Takes the tasks of script s out of the queue. */
static void unqueue_script(taskip_host *h, const struct script *s) {
  task *t = h->qhead, *keep = NULL, *tail = NULL;
  if (s->ready == 0)            /* none queued: no walk of the others' */
    return;
  while (t != NULL) {
    task *next = t->qnext;
    if (t->s == s) {
      t->queued = 0;
      t->s->ready--;
    } else {
      t->qnext = NULL;
      if (tail != NULL)
        tail->qnext = t;
      else
        keep = t;
      tail = t;
    }
    t = next;
  }
  h->qhead = keep;
  h->qtail = tail;
}

/* }======================================================= */

/* {======================================================= calls */

/*
** What planning a call makes the host hold for a script, beyond the Lua
** strings it came from: the core's call record (about 700 bytes, with
** malloc's headers) and its copies of the body and of the URL. While the
** URL is checked, uriparser's pieces and relative_path's copies hold it
** about twice more.
*/
#define CALL_RECORD_BYTES 1024

taskip_client *host_client(void *sp) {
  return ((script *)sp)->acct->client;
}

int host_charge(void *sp, size_t n) {
  script *s = sp;
  if (s->sb == NULL || sb_charge(s->sb, n) != 0)
    return -1;
  s->charged += n;
  return 0;
}

void host_uncharge(void *sp, size_t n) {
  script *s = sp;
  if (s->sb != NULL)
    sb_uncharge(s->sb, n);
  s->charged -= n < s->charged ? n : s->charged;
}

size_t host_task_bytes(void) {
  return sizeof(task) + 16;         /* and malloc's header */
}

/* The transport's meter: the response body counts as it arrives. The
** last answer tells whether the transport had to give up for memory. */
static int meter_take(void *ud, size_t n) {
  host_call *box = ud;
  box->refused = host_charge(box->script, n) != 0;
  return box->refused ? -1 : 0;
}

static void meter_give(void *ud, size_t n) {
  host_call *box = ud;
  host_uncharge(box->script, n);
}

/* Counts the result the call keeps (body and headers, until the script
** has read them) in place of the last attempt's, which the core freed.
** The transport's charge for the body was given back just before, so
** only headers can make this go over: then the script is stopped. */
static void hold_result(host_call *box) {
  script *s = box->script;
  const taskip_result *r = taskip_call_result(box->call);
  size_t n = r->body_len + 1, i;
  for (i = 0; i < r->header_count; i++)
    n += sizeof(taskip_header) + strlen(r->headers[i].name) +
         strlen(r->headers[i].value) + 2;
  host_uncharge(s, box->result);
  box->result = 0;
  if (s->sb == NULL)
    return;
  if (host_charge(s, n) != 0) {
    sb_charge_refused(s->sb, "a response", n);
    return;
  }
  box->result = n;
}

static int is_write(const char *m) {
  return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* The path below the base URL, without the query: what --allow and
** the dry-run log see. */
static int relative_path(const host_account *a, const char *path,
                         char *out, size_t n) {
  char err[128];
  char *url = taskip_origin_url(&a->origin, path, NULL, err, sizeof(err));
  size_t plen = strlen(a->origin.prefix);
  const char *rel;
  if (url == NULL)
    return -1;
  rel = strncmp(url, a->origin.prefix, plen) == 0 ? url + plen : url;
  snprintf(out, n, "%.*s", (int)strcspn(rel, "?#"), rel[0] ? rel : "/");
  free(url);
  return 0;
}

/* Writes s as a JSON string body (ASCII-safe) into out. */
static void json_text(const char *s, char *out, size_t n) {
  size_t o = 0;
  for (; *s && o + 7 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20 || c >= 0x7F) {
      o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
}

/*
** Charges what planning req will hold (*held) and the URL's checks will
** take on top for a moment (*checking), before any of it is allocated.
** Refused: the script is stopped at its memory limit, the reason naming
** the biggest part; -1.
*/
static int charge_request(script *s, const taskip_request *req,
                          size_t *held, size_t *checking) {
  size_t query = req->query != NULL ? strlen(req->query) : 0;
  size_t url = strlen(s->acct->origin.prefix) + strlen(req->path) + query
               + 2;
  size_t body = req->body ? req->body_len + 1
                          : taskip_parts_size(req->parts, req->part_count);
  if (url > TASKIP_MAX_URL_BYTES)   /* refused by the core, never copied */
    url = query = 0;
  *held = CALL_RECORD_BYTES + url + body;
  *checking = 2 * url;
  if (host_charge(s, *held + *checking) == 0)
    return 0;
  if (body > url)
    sb_charge_refused(s->sb, "a request body", body);
  else if (query > strlen(req->path))
    sb_charge_refused(s->sb, "a query", query);
  else
    sb_charge_refused(s->sb, "a request", *held + *checking);
  return -1;
}

host_begin host_request_begin(void *sp, const taskip_request *req,
                              host_call *box, char *msg, size_t msglen) {
  script *s = sp;
  taskip_host *h = s->h;
  char method[8], rel[1024], err[256];
  size_t held, checking;
  taskip_call *call;
  int path_ok;
  if (charge_request(s, req, &held, &checking) != 0) {
    snprintf(msg, msglen, "%s", s->sb->reason);
    return HOST_BEGIN_LIMIT;
  }
  call = taskip_call_new(s->acct->client, req, err, sizeof(err));
  path_ok = call != NULL &&
            relative_path(s->acct, req->path, rel, sizeof(rel)) == 0;
  host_uncharge(s, checking);
  if (call == NULL) {
    host_uncharge(s, held);
    snprintf(msg, msglen, "%s", err);
    return HOST_BEGIN_REFUSED;
  }
  /* the checks below see the core's normalized method, the one that
  ** goes on the wire (a GET with a body was refused above); a copy, as
  ** the call is freed before the last use of it. From here on, a call
  ** that is not sent gives its charge back. */
  snprintf(method, sizeof(method), "%s", taskip_call_method(call));
  if (!path_ok) {
    taskip_call_free(call);
    host_uncharge(s, held);
    snprintf(msg, msglen, "path refused");
    return HOST_BEGIN_REFUSED;
  }
  if (!host_allow_check(h->allow, method, rel)) {
    taskip_call_free(call);
    host_uncharge(s, held);
    log_line(h, s->id, TASKIP_LOG_WARN, "denied: %s %s (not in --allow)",
             method, rel);
    snprintf(msg, msglen, "%s %s is not allowed for this script", method,
             rel);
    return HOST_BEGIN_DENIED;
  }
  if (h->cfg.dry_run && is_write(method)) {
    char path_json[512];
    taskip_call_free(call);
    host_uncharge(s, held);
    if (req->part_count > 0)
      log_line(h, s->id, TASKIP_LOG_INFO, "dry-run: %s %s%s%s multipart, "
               "%zu parts", method, rel, req->query ? "?" : "",
               req->query ? req->query : "", req->part_count);
    else
      log_line(h, s->id, TASKIP_LOG_INFO, "dry-run: %s %s%s%s%.*s", method,
               rel, req->query ? "?" : "", req->query ? req->query : "",
               req->body ? (int)(req->body_len < 600 ? req->body_len : 600)
                         : 0,
               req->body ? req->body : "");
    json_text(rel, path_json, sizeof(path_json));
    snprintf(msg, msglen, "{\"dry_run\":true,\"method\":\"%s\","
             "\"path\":\"%s\"}", method, path_json);
    return HOST_BEGIN_DRY_RUN;
  }
  if (s->limits.requests != 0 && s->requests >= s->limits.requests) {
    taskip_call_free(call);
    host_uncharge(s, held);
    sb_kill(s->sb, SB_LIMIT_REQUESTS, "request limit (%ld) exceeded",
            s->limits.requests);
    snprintf(msg, msglen, "%s", s->sb->reason);
    return HOST_BEGIN_LIMIT;
  }
  s->requests++;
  log_line(h, s->id, TASKIP_LOG_DEBUG, "%s %s", method, rel);
  box->call = call;
  box->script = s;
  box->held = held;
  return HOST_BEGIN_SEND;
}

const taskip_result *host_call_result(const host_call *box) {
  return taskip_call_result(box->call);
}

/* Takes the call's transfer off the wire, if it is on (the transport
** gives back what it metered). */
static void call_detach(host_call *box) {
  script *s = box->script;
  if (box->transfer != NULL && s != NULL)
    taskip_multi_cancel(s->h->net, box->transfer);
  box->transfer = NULL;
  if (s != NULL)
    host_uncharge(s, box->sending);
  box->sending = 0;
}

/* Frees the call and gives back all it had charged; runs once per box
** (a second time finds nothing left). */
void host_call_release(host_call *box) {
  call_detach(box);
  taskip_call_free(box->call);
  box->call = NULL;
  if (box->script != NULL)
    host_uncharge(box->script, box->held + box->result);
  box->held = box->result = 0;
  if (box->task != NULL)
    ((task *)box->task)->box = NULL;
  box->task = NULL;
}

static void call_advance(taskip_host *h, task *t);

/* The transport digested an attempt of this call: move it on. */
static void call_attempt_done(void *ud) {
  host_call *box = ud;
  script *s = box->script;
  box->transfer = NULL;
  host_uncharge(s, box->sending);
  box->sending = 0;
  hold_result(box);
  if (box->task != NULL)
    call_advance(s->h, box->task);
}

/*
** Puts the attempt the call planned on the wire, its cost charged to the
** script first and its response body metered. 1 when it is out; 0 when
** it could not start (the call has digested why); -1 when the script
** cannot afford it and is stopped.
*/
static int call_send(taskip_host *h, host_call *box) {
  script *s = box->script;
  size_t cost = taskip_multi_cost(box->call);
  taskip_meter meter;
  if (host_charge(s, cost) != 0) {
    sb_charge_refused(s->sb, "a request on the wire", cost);
    return -1;
  }
  box->sending = cost;
  box->refused = 0;
  meter.take = meter_take;
  meter.give = meter_give;
  meter.ud = box;
  box->transfer = taskip_multi_send_pooled(h->net, box->call, &meter,
                                           s->acct->pool, call_attempt_done,
                                           box);
  if (box->transfer != NULL)
    return 1;
  host_uncharge(s, cost);
  box->sending = 0;
  hold_result(box);
  return 0;
}

/* Whether a transfer of the script's account started now may open a
** connection (a TLS handshake: a millisecond or two of CPU). */
static int may_connect(taskip_host *h, const script *s) {
  int max = h->cfg.max_connections > 0 ? h->cfg.max_connections : 16;
  return taskip_multi_may_connect(h->net, s->acct->pool, max);
}

/* How many more connections this step may open now. */
static int admit_left(const taskip_host *h) {
  int more = h->admit_more
                 ? (int)((sb_clock() - h->admit_start) / ADMIT_EVERY) : 0;
  return h->admit + more;
}

/* Moves the call of task t on: send it, wait, or wake the task. A call
** not yet on the wire that might open a connection waits while this
** step has opened its share (a step(h, N) opens 4 + N/4 at once, then
** one per ADMIT_EVERY); one that can only reuse a connection (or queue
** for one) goes at once. */
static void call_advance(taskip_host *h, task *t) {
  host_call *box = t->box;
  int connects = may_connect(h, t->s);
  if (t->state != T_CALL && connects && admit_left(h) <= 0) {
    t->state = T_TIMER;               /* once the step may open one more */
    t->wake = sb_clock() + ADMIT_EVERY;
    h->timers_dirty = 1;
    return;
  }
  for (;;) {
    double wake = 0, now = taskip_now();
    switch (taskip_call_step(box->call, now, &wake)) {
    case TASKIP_STEP_DONE:
      make_ready(h, t);
      return;
    case TASKIP_STEP_WAIT:
      t->state = T_TIMER;
      t->wake = sb_clock() + (wake - now);
      h->timers_dirty = 1;
      return;
    case TASKIP_STEP_SEND:
      switch (call_send(h, box)) {
      case 1:
        h->admit -= connects;
        t->state = T_CALL;
        return;
      case -1:                /* stopped: nothing may move it on */
        t->state = T_CALL;
        return;
      }
      break;                  /* not started: the call knows why */
    }
  }
}

/* }======================================================= */

/* {======================================================= scripts */

static int compare_id(const void *key, const void *elem) {
  int id = *(const int *)key, other = (*(script *const *)elem)->id;
  return id < other ? -1 : id > other;
}

/* The script's slot in h->by_id, or NULL. */
static script **slot_of(taskip_host *h, int id) {
  if (h->nscripts == 0)
    return NULL;
  return bsearch(&id, h->by_id, (size_t)h->nscripts, sizeof(*h->by_id),
                 compare_id);
}

static script *find_script(taskip_host *h, int id) {
  script **slot = slot_of(h, id);
  return slot != NULL ? *slot : NULL;
}

/* Room for one more script in h->by_id. */
static int reserve_script(taskip_host *h) {
  script **grown;
  int cap;
  if (h->nscripts < h->by_id_cap)
    return 0;
  cap = h->by_id_cap > 0 ? h->by_id_cap * 2 : 16;
  grown = realloc(h->by_id, (size_t)cap * sizeof(*grown));
  if (grown == NULL)
    return -1;
  h->by_id = grown;
  h->by_id_cap = cap;
  return 0;
}

/* Gives s the next id and records it (room reserved). */
static void add_script(taskip_host *h, script *s) {
  s->id = ++h->next_id;
  h->by_id[h->nscripts++] = s;
  s->prev = NULL;
  s->next = h->scripts;
  if (h->scripts != NULL)
    h->scripts->prev = s;
  h->scripts = s;
  h->changes++;
}

static void remove_script(taskip_host *h, script **slot) {
  script *s = *slot;
  memmove(slot, slot + 1,
          (size_t)(h->by_id + h->nscripts - (slot + 1)) * sizeof(*slot));
  h->nscripts--;
  if (s->prev != NULL)
    s->prev->next = s->next;
  else
    h->scripts = s->next;
  if (s->next != NULL)
    s->next->prev = s->prev;
  h->notify_due -= s->notify;
  h->changes++;
}

/* Ends a script: cancels its calls, closes its state, keeps the
** verdict (escaped and scrubbed, one line). */
static void finish_script(script *s, int code, const char *kind,
                          const char *reason) {
  taskip_host *h = s->h;
  task *t, *next;
  char *line;
  size_t n;
  if (s->done)
    return;
  snprintf(s->kind, sizeof(s->kind), "%s", kind);
  free(s->full_reason);
  s->full_reason = clean_text(h, reason, strlen(reason), REASON_MAX_BYTES,
                              &n);
  s->notify = h->on_finish != NULL && !h->freeing;
  h->notify_due += s->notify;
  for (t = s->tasks; t != NULL; t = t->next)
    if (t->box != NULL)
      host_call_release(t->box);
  unqueue_script(h, s);
  s->exit_code = code;
  line = clean_line(h, reason, strlen(reason), &n);
  snprintf(s->reason, sizeof(s->reason), "%s", line ? line : reason);
  free(line);
  sb_free(s->sb);             /* boxes and groups give back the rest */
  s->sb = NULL;
  if (s->charged != 0)
    log_line(h, s->id, TASKIP_LOG_ERROR, "host bug: %zu bytes still "
             "charged to the script", s->charged);
  for (t = s->tasks; t != NULL; t = next) {
    next = t->next;
    free(t);
  }
  s->tasks = NULL;
  s->done = 1;
  h->running--;
  if (code == TASKIP_EXIT_OK)
    log_line(h, s->id, TASKIP_LOG_DEBUG, "finished");
  else
    log_line(h, s->id, TASKIP_LOG_DEBUG, "%s (exit %d)", s->reason, code);
}

static const char *const limit_kinds[] = {
  "", "time", "instructions", "memory", "output", "requests", "held",
  "killed"
};

static void finish_killed(script *s) {
  finish_script(s, TASKIP_EXIT_LIMIT, limit_kinds[s->sb->killed],
                s->sb->reason);
}

static task *add_task(script *s, lua_State *co, int nargs, task *parent,
                      unsigned char *failed) {
  task *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->s = s;
  t->co = co;
  t->nargs = nargs;
  t->parent = parent;
  t->failed = failed;
  t->next = s->tasks;
  s->tasks = t;
  make_ready(s->h, t);
  return t;
}

/* Takes the op a task yielded for. */
static void take_op(taskip_host *h, task *t) {
  script *s = t->s;
  sb_op op = s->sb->op;
  memset(&s->sb->op, 0, sizeof(s->sb->op));
  if (op.kind != SB_OP_NONE)
    sb_tidy(s->sb);                   /* it waits now */
  switch (op.kind) {
  case SB_OP_REQUEST:
    t->box = op.data;
    t->box->task = t;
    call_advance(h, t);
    break;
  case SB_OP_SLEEP:
    t->state = T_TIMER;
    t->wake = sb_clock() + op.seconds;
    h->timers_dirty = 1;
    break;
  case SB_OP_FUNCTION:
    t->state = T_FUNC;
    host_fn_waiting(op.data, t);
    break;
  case SB_OP_CHILDREN: {
    host_group *g = op.data;
    int i;
    t->state = T_CHILDREN;
    t->pending = g->n;
    for (i = 0; i < g->n; i++) {
      if (add_task(s, g->threads[i], 0, t, &g->failed[i]) == NULL) {
        sb_kill(s->sb, SB_LIMIT_MEMORY, "host out of memory");
        return;
      }
    }
    break;
  }
  case SB_OP_NONE:
    break;
  }
}

/* A child task ended: keep one value (result or error) for parallel. */
static void child_done(taskip_host *h, task *t, int failed, int nres) {
  lua_State *co = t->co;
  if (failed) {
    lua_copy(co, -1, 1);
    lua_settop(co, 1);
  } else if (nres > 0) {
    lua_copy(co, -nres, 1);
    lua_settop(co, 1);
  } else {
    lua_settop(co, 0);
    lua_settop(co, 1);
  }
  *t->failed = (unsigned char)failed;
  sb_forget(t->s->sb, co);
  t->state = T_DONE;
  h->sweep_due = 1;
  if (--t->parent->pending == 0)
    make_ready(h, t->parent);
}

/* Keeps the main chunk's returned values (on co's stack) as data for
** taskip_host_result; what cannot cross is named in values_error. */
static void keep_values(script *s, lua_State *co, int nres) {
  size_t charged = 0;
  int top = lua_gettop(co);
  taskip_value_free(s->values);
  s->values = NULL;
  if (host_value_from_lua(co, top - nres + 1, top, "result",
                          TASKIP_VALUE_MAX, NULL, NULL, &charged,
                          &s->values, s->values_error,
                          sizeof(s->values_error)) != 0) {
    taskip_value_free(s->values);
    s->values = NULL;
  }
}

/* Resumes task t for one slice and deals with how it stopped. */
static void run_task(taskip_host *h, task *t, double slice_end) {
  script *s = t->s;
  sandbox *sb = s->sb;
  int nres = 0, st, nargs = t->nargs;
  char *why;
  t->nargs = 0;
  t->state = T_DONE;                       /* until it says otherwise */
  h->current = s;
  sb->task = t->co;
  sb_slice_start(sb, slice_end);
  stop_waiting(s, sb->slice_wall0);
  sb_arm(sb, t->co);
  st = lua_resume(t->co, NULL, nargs, &nres);
  sb->task = NULL;
  h->current = NULL;
  mark_waiting(s);
  if (sb->killed != SB_LIMIT_NONE) {
    finish_killed(s);
    return;
  }
  if (st == LUA_YIELD) {
    if (sb->slice_yield) {
      sb->slice_yield = 0;
      lua_pop(t->co, nres);
      make_ready(h, t);
      return;
    }
    if (sb_is_host_yield(t->co, nres)) {
      lua_pop(t->co, nres);
      take_op(h, t);
      if (sb->killed != SB_LIMIT_NONE)
        finish_killed(s);
      return;
    }
    finish_script(s, TASKIP_EXIT_ERROR, "error", "attempt to yield from "
                  "outside a coroutine");
    return;
  }
  if (st == LUA_ERRMEM) {
    sb_kill(sb, SB_LIMIT_MEMORY, "memory limit (%zu MB) exceeded",
            sb->mem_script_cap >> 20);
    finish_killed(s);
    return;
  }
  if (t->parent != NULL) {
    child_done(h, t, st != LUA_OK, nres);
    return;
  }
  why = malloc(REASON_MAX_BYTES);
  if (why == NULL) {
    finish_script(s, TASKIP_EXIT_ERROR, "error", "host out of memory");
    return;
  }
  if (st == LUA_OK)
    keep_values(s, t->co, nres);
  if (st != LUA_OK) {
    sb_describe_error(sb, t->co, why, REASON_MAX_BYTES);
    finish_script(s, TASKIP_EXIT_ERROR, sb->err_kind[0] ? sb->err_kind
                                                        : "error", why);
  } else if (sb_describe_return(sb, t->co, nres, why, REASON_MAX_BYTES)) {
    finish_script(s, TASKIP_EXIT_ERROR, sb->err_kind[0] ? sb->err_kind
                                                        : "error", why);
  } else {
    finish_script(s, TASKIP_EXIT_OK, "", "");
  }
  free(why);
}

/* Drops the records of finished children. */
static void sweep_tasks(script *s) {
  task **p = &s->tasks;
  while (*p != NULL) {
    task *t = *p;
    if (t->state == T_DONE && t->parent != NULL) {
      *p = t->next;
      free(t);
    } else {
      p = &t->next;
    }
  }
}

/* Kills scripts past their wall-clock limit; wakes due timers.
** Returns the earliest future wake-up (monotonic), or 0. Walks the
** scripts only when something may be due: a wake-up or deadline is
** reached, one was set since the last walk, or a state was killed
** (deadlines only move later while a script waits for the thread, so
** the last walk's earliest one is never late). */
static double run_timers(taskip_host *h, double now) {
  script *s;
  task *t;
  double next = 0, deadline;
  if (!h->timers_dirty && h->kills == h->kills_seen &&
      (h->timers_due == 0 || now < h->timers_due))
    return h->timers_due;
  h->timers_dirty = 0;
  h->kills_seen = h->kills;
  for (s = h->scripts; s != NULL; s = s->next) {
    if (s->done)
      continue;
    deadline = deadline_at(s, now);
    if (deadline != 0 && now >= deadline) {
      sb_kill(s->sb, SB_LIMIT_TIME, "time limit (%g s) exceeded",
              s->sb->time_limit);
      finish_killed(s);
      continue;
    }
    if (s->sb->killed != SB_LIMIT_NONE) {     /* taskip_host_kill */
      finish_killed(s);
      continue;
    }
    if (deadline != 0 && (next == 0 || deadline < next))
      next = deadline;
    for (t = s->tasks; t != NULL; t = t->next) {
      if (t->state != T_TIMER)
        continue;
      if (t->wake <= now) {
        if (t->box != NULL)
          call_advance(h, t);
        else
          make_ready(h, t);
      }
      if (t->state == T_TIMER && (next == 0 || t->wake < next))
        next = t->wake;
    }
  }
  h->timers_due = next;
  return next;
}

/* Resumes the tasks ready now, each once and oldest first, until
** `until`. Returns how many are ready afterwards. */
static int run_ready(taskip_host *h, double until) {
  task *t, *last = h->qtail;
  int left = 0;
  script *s;
  while (last != NULL && (t = h->qhead) != NULL) {
    double now = sb_clock();
    int end = t == last;
    if (now >= until)
      break;
    pop_ready(h);
    if (t->state == T_READY && !t->s->done)
      run_task(h, t, now + QUANTUM < until ? now + QUANTUM : until);
    if (end)
      break;
  }
  if (h->sweep_due) {
    h->sweep_due = 0;
    for (s = h->scripts; s != NULL; s = s->next)
      if (!s->done)
        sweep_tasks(s);
  }
  for (t = h->qhead; t != NULL; t = t->qnext)
    left++;
  return left;
}

/* Calls the finish callback for scripts that finished since the last
** time, outside any script; the callback may release them. */
static void notify_finished(taskip_host *h) {
  script *s = h->scripts;
  int called = 0;
  while (h->notify_due > 0 && h->on_finish != NULL) {
    if (s == NULL) {             /* one finished behind the walk? */
      if (!called) {
        h->notify_due = 0;       /* none is due: never spin */
        break;
      }
      s = h->scripts;
      called = 0;
      continue;
    }
    if (s->notify) {
      unsigned changes = h->changes;
      called = 1;
      s->notify = 0;
      h->notify_due--;
      h->on_finish(h->finish_ud, h, s->id);
      if (h->changes != changes) {
        s = h->scripts;          /* the list changed: from the top */
        continue;
      }
    }
    s = s->next;
  }
}

int taskip_host_step(taskip_host *h, int timeout_ms) {
  double start = sb_clock();
  double end = start + (timeout_ms > 0 ? timeout_ms / 1000.0 : 0);
  double budget = timeout_ms > 0 ? end : start + STEP0_BUDGET;
  /* step(0): scripts get part of the budget, so I/O always gets a turn */
  double lua_until = timeout_ms > 0 ? end : start + STEP0_BUDGET * 0.6;
  /* a new connection costs a TLS handshake (a millisecond or two of CPU
  ** in one curl call): a step opens as many as its timeout allows */
  h->admit = timeout_ms > 0 ? 4 + timeout_ms / 4 : STEP0_ADMIT;
  h->admit_start = start;
  h->admit_more = timeout_ms > 0;
  for (;;) {
    double now = sb_clock(), next, wait;
    int ready;
    run_timers(h, now);
    ready = run_ready(h, lua_until);
    taskip_multi_run(h->net, 0, budget - sb_clock());
    if (h->running == 0)
      break;
    /* the transport may have finished transfers: their tasks are ready now,
    ** and waiting for more I/O would leave them idle until the timeout */
    if (h->qhead != NULL)
      ready = 1;
    now = sb_clock();
    next = run_timers(h, now);
    if (ready > 0 || h->running == 0) {
      if (now >= budget || h->running == 0)
        break;
      continue;
    }
    if (now >= end)
      break;
    wait = end - now;
    if (next != 0 && next - now < wait)
      wait = next - now;
    taskip_multi_run(h->net, wait > 0 ? wait : 0, end - sb_clock());
  }
  notify_finished(h);
  return h->running;
}

int taskip_host_in_flight(const taskip_host *h) {
  return taskip_multi_in_flight(h->net);
}

/* }======================================================= */

/* {======================================================= api */

void taskip_host_config_init(taskip_host_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  taskip_config_init(&cfg->client);
  cfg->limits.timeout = 300;
  cfg->limits.memory = 64u << 20;
  cfg->limits.output = 1u << 20;
  cfg->limits.hold = 0.030;
  cfg->log_level = TASKIP_LOG_INFO;
  cfg->max_connections = 16;
}

static char *dupstr(const char *s) {
  char *d;
  size_t n;
  if (s == NULL)
    return NULL;
  n = strlen(s) + 1;
  d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/* Unless configured: the modules installed beside this code (wherever
** the install tree was moved, see selfpath.c), a source tree's lua/, or
** the install directory compiled in. buf holds PATH_MAX bytes. */
static const char *default_lua_dir(char *buf, size_t n) {
  if (selfpath_lua_dir("taskip/init.lua", buf, n) != NULL)
    return buf;
#ifdef TASKIP_LUA_MODULE_DIR
  return TASKIP_LUA_MODULE_DIR;
#else
  return "/usr/local/share/lua/5.4";
#endif
}

/* A program that carries the modules compiled in (builtin_chunks.h)
** starts with them in the module cache: nothing to read or compile. */
static int seed_builtin_chunks(taskip_host *h) {
  const taskip_builtin_chunk *b;
  if (taskip_builtin_chunks == NULL)
    return 0;
  for (b = taskip_builtin_chunks; b->name != NULL; b++)
    if (sb_chunks_add(&h->chunks, b->name, b->chunkname, b->code,
                      b->len) != 0)
      return -1;
  return 0;
}

/* A key from bytes or a provider into keybuf; NULL if neither gives
** one. */
static const char *take_key(const char *key, size_t *len,
                            taskip_host_key_fn fn, void *ud, char *keybuf,
                            size_t cap) {
  if (key == NULL && fn != NULL) {
    long n = fn(ud, keybuf, cap);
    if (n > 0 && (size_t)n <= cap) {
      *len = (size_t)n;
      return keybuf;
    }
    return NULL;
  }
  if (key != NULL && *len == 0)
    *len = strlen(key);
  return key != NULL && *len > 0 ? key : NULL;
}

taskip_host *taskip_host_new(const taskip_host_config *cfg, char *err,
                             size_t errlen) {
  taskip_host *h;
  char keybuf[4096], dirbuf[PATH_MAX];
  const char *key;
  size_t keylen = cfg->key_len;
  if (taskip_transport_init() != 0) {
    snprintf(err, errlen, "libcurl failed to initialise");
    return NULL;
  }
  h = calloc(1, sizeof(*h));
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  h->cfg = *cfg;
  h->cfg.allow = NULL;
  h->cfg.key = NULL;
  h->cfg.key_len = 0;
  h->cfg.key_fn = NULL;
  h->cfg.client.base_url = NULL;
  h->cfg.client.cafile = NULL;
  h->cfg.rate_store = NULL;
  h->lua_dir = dupstr(cfg->lua_dir ? cfg->lua_dir
                                    : default_lua_dir(dirbuf, sizeof(dirbuf)));
  h->cfg.lua_dir = h->lua_dir;
  h->fns = host_fns_new();
  if (h->fns == NULL || (cfg->lua_dir == NULL && seed_builtin_chunks(h) != 0)) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  key = take_key(cfg->key, &keylen, cfg->key_fn, cfg->key_ud, keybuf,
                 sizeof(keybuf));
  if (key == NULL) {
    snprintf(err, errlen, "no secret key");
    goto fail;
  }
  if ((cfg->rate_store != NULL &&
       (h->rate_store = dupstr(cfg->rate_store)) == NULL) ||
      (cfg->client.cafile != NULL &&
       (h->cafile = dupstr(cfg->client.cafile)) == NULL)) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  h->accounts = host_account_new(&cfg->client, cfg->rate_store, key, keylen,
                                 err, errlen);
  taskip_wipe(keybuf, sizeof(keybuf));
  if (h->accounts == NULL)
    goto fail;
  if (cfg->allow != NULL && cfg->allow[0] != '\0') {
    h->allow = host_allow_parse(cfg->allow, err, errlen);
    if (h->allow == NULL)
      goto fail;
  }
  h->net = taskip_multi_new(cfg->max_connections);
  if (h->lua_dir == NULL || h->net == NULL) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  return h;
fail:
  taskip_wipe(keybuf, sizeof(keybuf));
  taskip_host_free(h);
  return NULL;
}

/* The account of a script's own key at base_url (NULL: the host's): an
** existing one, or a new one with the host's client settings and CA
** file, and a record of its own in the host's rate store. */
static host_account *script_account(taskip_host *h, const char *key,
                                    size_t keylen, const char *base_url,
                                    char *err, size_t errlen) {
  host_account *a;
  taskip_config client = h->cfg.client;
  if (base_url == NULL)
    base_url = h->accounts->base_url;
  client.rate_store = NULL;           /* the embedder's is the host key's */
  client.cafile = h->cafile;
  for (a = h->accounts; a != NULL; a = a->next) {
    if (host_account_is(a, key, keylen, base_url)) {
      a->refs++;
      return a;
    }
  }
  client.base_url = base_url;
  a = host_account_new(&client, h->rate_store, key, keylen, err, errlen);
  if (a == NULL)
    return NULL;
  a->pool = taskip_pool_new();        /* connections of this key only */
  if (a->pool == NULL) {
    host_account_free(a);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  a->next = h->accounts->next;        /* the host's stays first */
  h->accounts->next = a;
  return a;
}

static void account_unref(taskip_host *h, host_account *a) {
  host_account **p;
  if (a == NULL || --a->refs > 0 || a == h->accounts)
    return;
  for (p = &h->accounts; *p != NULL; p = &(*p)->next) {
    if (*p == a) {
      *p = a->next;
      break;
    }
  }
  host_account_free(a);
}

/* Frees what a const pointer points at (a copy the host made). */
static void free_const(const void *p) {
  union {
    const void *c;
    void *m;
  } u;
  u.c = p;
  free(u.m);
}

static void free_script(taskip_host *h, script *s) {
  int i;
  for (i = 0; i < s->nfns; i++)
    free_const(s->fns[i].name);
  free(s->fns);
  free(s->full_reason);
  taskip_value_free(s->values);
  account_unref(h, s->acct);
  free(s);
}

/* Copies the script's own functions (validated). */
static int copy_functions(script *s, const taskip_host_spawn_opts *o,
                          char *err, size_t errlen) {
  int i;
  char why[200];
  if (o->nfunctions <= 0)
    return 0;
  if (o->functions == NULL) {
    snprintf(err, errlen, "spawn: opts.functions is NULL with "
             "opts.nfunctions %d", o->nfunctions);
    return -1;
  }
  s->fns = calloc((size_t)o->nfunctions, sizeof(*s->fns));
  if (s->fns == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < o->nfunctions; i++) {
    if (host_fn_check(o->functions[i].name, o->functions[i].fn, why,
                      sizeof(why)) != 0) {
      snprintf(err, errlen, "spawn: opts.functions[%d].%s", i, why);
      return -1;
    }
    s->fns[i] = o->functions[i];
    s->fns[i].name = dupstr(o->functions[i].name);
    s->nfns++;
    if (s->fns[i].name == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  return 0;
}

void taskip_host_spawn_opts_init(taskip_host_spawn_opts *opts) {
  memset(opts, 0, sizeof(*opts));
}

/* Reads a script file into a malloc'd buffer; NULL with why. */
static char *read_script(const char *path, size_t *lenp, char *err,
                         size_t errlen);

int taskip_host_spawn(taskip_host *h, const taskip_host_spawn_opts *o,
                      char *err, size_t errlen) {
  script *s;
  sb_config sc;
  lua_State *co;
  int nargs = 0;
  char chunkname[512], pathname[512], *why, *file = NULL, keybuf[4096];
  const char *code, *name, *key;
  size_t len, keylen;
  if (h == NULL || o == NULL) {
    snprintf(err, errlen, "spawn: %s is NULL", h == NULL ? "h" : "opts");
    return -1;
  }
  if (o->code == NULL && o->path == NULL) {
    snprintf(err, errlen, "spawn: opts.code or opts.path is required");
    return -1;
  }
  if (o->argc < 0 || (o->argc > 0 && o->argv == NULL)) {
    snprintf(err, errlen, "spawn: opts.argv must hold opts.argc (%d) "
             "strings", o->argc);
    return -1;
  }
  code = o->code;
  len = o->len;
  name = o->name;
  if (code == NULL) {
    file = read_script(o->path, &len, err, errlen);
    if (file == NULL)
      return -1;
    code = file;
    if (name == NULL) {
      snprintf(pathname, sizeof(pathname), "@%s", o->path);
      name = pathname;
    }
  }
  if (name == NULL)
    name = "script";
  s = calloc(1, sizeof(*s));
  why = malloc(REASON_MAX_BYTES);
  if (s == NULL || why == NULL) {
    snprintf(err, errlen, "out of memory");
    free(s);
    free(why);
    free(file);
    return -1;
  }
  s->h = h;
  s->limits = o->limits != NULL ? *o->limits : h->cfg.limits;
  keylen = o->key_len;
  key = take_key(o->key, &keylen, o->key_fn, o->key_ud, keybuf,
                 sizeof(keybuf));
  if (key == NULL && (o->key != NULL || o->key_fn != NULL)) {
    snprintf(err, errlen, "spawn: opts.%s gave no key",
             o->key != NULL ? "key" : "key_fn");
    goto fail;
  }
  if (key != NULL || o->base_url != NULL) {
    if (key == NULL) {
      snprintf(err, errlen, "spawn: opts.base_url needs opts.key or "
               "opts.key_fn (the host's key stays on the host's URL)");
      goto fail;
    }
    s->acct = script_account(h, key, keylen, o->base_url, err, errlen);
  } else {
    s->acct = h->accounts;
    s->acct->refs++;
  }
  taskip_wipe(keybuf, sizeof(keybuf));
  if (s->acct == NULL || copy_functions(s, o, err, errlen) != 0)
    goto fail;
  memset(&sc, 0, sizeof(sc));
  sc.mem_cap = s->limits.memory;
  sc.instructions = s->limits.instructions;
  sc.hold = s->limits.hold;
  sc.lua_dir = h->lua_dir;
  sc.chunks = &h->chunks;
  sc.scripts = &h->compiled;
  sc.base_url = s->acct->origin.prefix;
  sc.open_core = hostcore_open;
  sc.install = hostcore_install;
  sc.owner = s;
  sc.print = script_print;
  sc.kills = &h->kills;
  if (h->next_id == INT_MAX) {
    snprintf(err, errlen, "spawn: this host has given out every script "
             "id; use a new host");
    goto fail;
  }
  if (reserve_script(h) != 0) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  s->sb = sb_new(&sc, err, errlen);
  if (s->sb == NULL)
    goto fail;
  add_script(h, s);
  h->running++;
  s->sb->time_limit = s->limits.timeout;
  if (s->limits.timeout > 0) {
    s->sb->deadline = sb_clock() + s->limits.timeout;
    h->timers_dirty = 1;
  }
  if (name[0] == '@' || name[0] == '=')
    snprintf(chunkname, sizeof(chunkname), "%.500s", name);
  else
    snprintf(chunkname, sizeof(chunkname), "=%.500s", name);
  co = sb_spawn(s->sb, code, len, chunkname, o->argv, o->argc, &nargs, why,
                REASON_MAX_BYTES);
  free(file);
  if (co == NULL || add_task(s, co, nargs, NULL, NULL) == NULL) {
    finish_script(s, TASKIP_EXIT_ERROR, "load",
                  co == NULL ? why : "out of memory");
    free(why);
    return s->id;
  }
  free(why);
  log_line(h, s->id, TASKIP_LOG_DEBUG, "started %s", chunkname + 1);
  return s->id;
fail:
  taskip_wipe(keybuf, sizeof(keybuf));
  free(why);
  free(file);
  free_script(h, s);
  return -1;
}

int taskip_host_spawn_buffer(taskip_host *h, const char *name,
                             const char *code, size_t len,
                             const char *const *argv, int argc, char *err,
                             size_t errlen) {
  taskip_host_spawn_opts o;
  taskip_host_spawn_opts_init(&o);
  o.name = name;
  o.code = code != NULL ? code : "";
  o.len = len;
  o.argv = argv;
  o.argc = argc;
  return taskip_host_spawn(h, &o, err, errlen);
}

static char *read_script(const char *path, size_t *lenp, char *err,
                         size_t errlen) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0;
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  for (;;) {
    size_t got;
    if (len == cap) {
      char *b;
      cap = cap ? cap * 2 : 8192;
      if (cap > SCRIPT_MAX_BYTES + 1 || (b = realloc(buf, cap)) == NULL) {
        snprintf(err, errlen, "%s: too large or out of memory", path);
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = b;
    }
    got = fread(buf + len, 1, cap - len, f);
    if (got == 0)
      break;
    len += got;
  }
  if (ferror(f)) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  if (buf == NULL && (buf = malloc(1)) == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  *lenp = len;
  return buf;
}

int taskip_host_spawn_file(taskip_host *h, const char *path,
                           const char *const *argv, int argc, char *err,
                           size_t errlen) {
  taskip_host_spawn_opts o;
  taskip_host_spawn_opts_init(&o);
  o.path = path;
  o.argv = argv;
  o.argc = argc;
  return taskip_host_spawn(h, &o, err, errlen);
}

taskip_script_status taskip_host_status(taskip_host *h, int id,
                                        const char **reason,
                                        int *exit_code) {
  script *s = find_script(h, id);
  if (s == NULL)
    return TASKIP_SCRIPT_UNKNOWN;
  if (!s->done)
    return TASKIP_SCRIPT_RUNNING;
  if (reason != NULL)
    *reason = s->reason;
  if (exit_code != NULL)
    *exit_code = s->exit_code;
  return TASKIP_SCRIPT_DONE;
}

int taskip_host_kill(taskip_host *h, int id) {
  script *s = find_script(h, id);
  if (s == NULL || s->done)
    return -1;
  sb_kill(s->sb, SB_LIMIT_KILLED, "killed by the host");
  if (h->current != s)
    finish_killed(s);
  return 0;
}

void taskip_host_release(taskip_host *h, int id) {
  script **slot = slot_of(h, id);
  if (slot != NULL && (*slot)->done) {
    script *s = *slot;
    remove_script(h, slot);
    free_script(h, s);
  }
}

void taskip_host_free(taskip_host *h) {
  script *s, *next;
  host_account *a, *an;
  if (h == NULL)
    return;
  h->freeing = 1;
  for (s = h->scripts; s != NULL; s = next) {
    next = s->next;
    if (!s->done) {
      sb_kill(s->sb, SB_LIMIT_KILLED, "killed by the host");
      finish_killed(s);
    }
    free_script(h, s);
  }
  taskip_multi_free(h->net);
  free(h->by_id);
  for (a = h->accounts; a != NULL; a = an) {
    an = a->next;
    host_account_free(a);
  }
  free(h->rate_store);
  free(h->cafile);
  host_fns_free(h->fns);
  host_allow_free(h->allow);
  free(h->lua_dir);
  sb_chunks_free(h->chunks);
  sb_scripts_free(h->compiled);
  free(h);
}

int taskip_host_result(taskip_host *h, int id, taskip_script_result *out) {
  script *s = find_script(h, id);
  if (s == NULL)
    return -1;
  if (!s->done)
    return 0;
  if (out != NULL) {
    out->exit_code = s->exit_code;
    out->kind = s->kind;
    out->reason = s->full_reason != NULL ? s->full_reason : s->reason;
    out->values = s->values;
    out->values_error = s->values_error;
  }
  return 1;
}

void taskip_host_on_finish(taskip_host *h, taskip_host_finish_fn fn,
                           void *ud) {
  h->on_finish = fn;
  h->finish_ud = ud;
}

/* What host_functions.c needs of scripts. */
host_fns *host_functions(taskip_host *h) { return h->fns; }
taskip_host *host_of(void *sp) { return ((script *)sp)->h; }
int host_script_id(void *sp) { return ((script *)sp)->id; }

void host_script_functions(void *sp, const taskip_host_function **fns,
                           int *n) {
  script *s = sp;
  *fns = s->fns;
  *n = s->nfns;
}

void host_wake(void *tp) {
  task *t = tp;
  if (t->state == T_FUNC && !t->s->done)
    make_ready(t->s->h, t);
}

/* }======================================================= */
