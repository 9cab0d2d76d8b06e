/*
** ratelimit.c — the rate-limit tracker (see ratelimit.h).
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define EPOCH_THRESHOLD 1e9    /* larger resets are epoch seconds */
#define MAX_RESET 3600.0       /* no window is longer than an hour */
#define DEFAULT_RETRY 60.0
#define WAKE_MARGIN 1.0

static void window_init(taskip_window *w, long limit, double length) {
  w->limit = limit;
  w->remaining = limit;
  w->reset_at = 0;
  w->length = length;
}

/* A window whose reset has passed starts over (server: lapses). */
static void window_roll(taskip_window *w, double now) {
  if (w->limit <= 0 || now < w->reset_at)
    return;
  if (w->length > 0) {
    w->remaining = w->limit;
    w->reset_at = 0;
  } else {
    w->limit = 0;               /* unknown again until the next answer */
  }
}

static void window_take(taskip_window *w, double now) {
  window_roll(w, now);
  if (w->limit <= 0)
    return;
  if (w->reset_at == 0)       /* a local window starts with its first use */
    w->reset_at = now + w->length;
  if (w->remaining > 0)
    w->remaining--;
}

/*
** The window that holds the budget: the server's while its figures are
** current (until a second past its reset), else the documented hour.
*/
static int server_binds(const taskip_ratelimit *rl, double now) {
  const taskip_window *s = &rl->server;
  return s->limit > 0 && now < s->reset_at + WAKE_MARGIN;
}

void taskip_ratelimit_init(taskip_ratelimit *rl, long hour_limit,
                           long minute_limit) {
  window_init(&rl->hour, hour_limit, 3600);
  window_init(&rl->minute, minute_limit, 60);
  window_init(&rl->server, 0, 0);
  memset(rl->bucket, 0, sizeof(rl->bucket));
  rl->unseen = 0;
}

void taskip_ratelimit_take(taskip_ratelimit *rl, double now,
                           taskip_rate_ticket *t) {
  int server = server_binds(rl, now);
  taskip_window *budget = server ? &rl->server : &rl->hour;
  window_take(&rl->minute, now);
  window_take(budget, now);
  server = server && rl->server.limit > 0;    /* it may have lapsed */
  if (!server)
    rl->unseen++;
  if (t != NULL) {
    t->endpoint = 0;
    t->minute_reset = rl->minute.reset_at;
    t->budget_reset = budget->reset_at;
    t->server = server;
    t->unseen = !server;
    t->taken = 1;
  }
}

void taskip_ratelimit_sent(taskip_ratelimit *rl, double now) {
  taskip_ratelimit_take(rl, now, NULL);
}

/* Gives one back to w if it is still the window the ticket took from. */
static void window_give(taskip_window *w, double reset_at, double now) {
  if (w->limit > 0 && w->reset_at == reset_at && now < w->reset_at &&
      w->remaining < w->limit)
    w->remaining++;
}

void taskip_ratelimit_release(taskip_ratelimit *rl, double now,
                              const taskip_rate_ticket *t) {
  if (t == NULL || !t->taken)
    return;
  window_give(&rl->minute, t->minute_reset, now);
  window_give(t->server ? &rl->server : &rl->hour, t->budget_reset, now);
  if (t->unseen && rl->unseen > 0)
    rl->unseen--;
}

static double clamp(double v, double lo, double hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* The reset as local epoch seconds, or -1 if absent. */
static double reset_time(const taskip_rate_headers *h, double now) {
  double at;
  if (h->reset < 0)
    return -1;
  if (h->reset > EPOCH_THRESHOLD) {
    double skew = h->date > 0 ? h->date - now : 0;
    at = h->reset - skew;
  } else {
    at = now + h->reset;
  }
  return clamp(at, now, now + MAX_RESET);
}

double taskip_ratelimit_retry_after(const taskip_rate_headers *h,
                                    double now) {
  double at;
  if (h->retry_after >= 0)
    return h->retry_after;
  at = reset_time(h, now);
  if (at >= 0)
    return at - now + WAKE_MARGIN;
  return DEFAULT_RETRY;
}

void taskip_ratelimit_observe(taskip_ratelimit *rl, double now,
                              const taskip_rate_headers *h) {
  taskip_window *w = &rl->server;
  double at;
  if (h->too_many) {
    /* Nothing is left until the server says so, whatever we counted. */
    double wait = taskip_ratelimit_retry_after(h, now);
    if (w->limit <= 0)
      w->limit = h->limit > 0 ? h->limit : 1;
    w->remaining = 0;
    w->reset_at = now + wait - WAKE_MARGIN;
    rl->unseen = 0;
    return;
  }
  if (h->limit <= 0 || h->remaining < 0)
    return;
  at = reset_time(h, now);
  if (at < 0)
    at = now + MAX_RESET;
  if (w->limit == h->limit && now < w->reset_at &&
      at <= w->reset_at + WAKE_MARGIN) {
    if (h->remaining < w->remaining)   /* same window: keep the minimum */
      w->remaining = h->remaining;
  } else {
    /* a new window: what was sent before it was known may count in it,
    ** whether or not the server had seen it when it answered */
    w->limit = h->limit;
    w->remaining = h->remaining;
    if (rl->unseen > 0 && h->limit - rl->unseen < w->remaining)
      w->remaining = h->limit > rl->unseen ? h->limit - rl->unseen : 0;
    rl->unseen = 0;
  }
  w->reset_at = at;
}

static double window_wait(const taskip_window *w, double now) {
  if (w->limit <= 0 || w->remaining > 0 || w->reset_at == 0)
    return 0;
  if (now >= w->reset_at + WAKE_MARGIN)
    return 0;
  return w->reset_at + WAKE_MARGIN - now;
}

double taskip_ratelimit_wait(const taskip_ratelimit *rl, double now) {
  double a = window_wait(&rl->minute, now);
  double b = window_wait(server_binds(rl, now) ? &rl->server : &rl->hour,
                         now);
  return a > b ? a : b;
}

static void figures(const taskip_window *w, double now,
                    taskip_rate_figures *f) {
  int lapsed = w->reset_at == 0 || now >= w->reset_at;
  f->limit = w->limit;
  f->remaining = lapsed ? w->limit : w->remaining;
  f->reset_at = lapsed ? now + w->length : w->reset_at;
}

void taskip_ratelimit_snapshot(const taskip_ratelimit *rl, double now,
                               taskip_rate_figures *budget,
                               taskip_rate_figures *burst) {
  figures(server_binds(rl, now) ? &rl->server : &rl->hour, now, budget);
  figures(&rl->minute, now, burst);
}

/* {======================================================= endpoints */

static int name_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == ':' ||
         ch == '-';
}

static int name_ok(const char *name, size_t n) {
  size_t i;
  if (n == 0 || n >= TASKIP_RATE_NAME_MAX)
    return 0;
  for (i = 0; i < n; i++)
    if (!name_char(name[i]))
      return 0;
  return 1;
}

int taskip_endpoint_limit_check(const taskip_endpoint_limit *lim,
                                char *err, size_t errlen) {
  if (lim->name == NULL || !name_ok(lim->name, strlen(lim->name))) {
    snprintf(err, errlen, "limit_name: 1 to %d letters, digits or _.:-",
             TASKIP_RATE_NAME_MAX - 1);
    return -1;
  }
  if (lim->count < 1) {
    snprintf(err, errlen, "limit_count: at least 1 request per window");
    return -1;
  }
  if (!(lim->window > 0 && lim->window <= MAX_RESET)) {
    snprintf(err, errlen, "limit_window: more than 0 and at most %.0f "
             "seconds", MAX_RESET);
    return -1;
  }
  return 0;
}

/* The slot of the bucket called name, or -1. */
static int bucket_slot(const taskip_ratelimit *rl, const char *name) {
  int i;
  for (i = 0; i < TASKIP_RATE_BUCKETS; i++)
    if (rl->bucket[i].name[0] != '\0' &&
        strcmp(rl->bucket[i].name, name) == 0)
      return i;
  return -1;
}

static taskip_rate_bucket *bucket_find(taskip_ratelimit *rl,
                                       const char *name) {
  int i = bucket_slot(rl, name);
  return i < 0 ? NULL : &rl->bucket[i];
}

/* A bucket whose window is over (or never began) holds nothing. */
static int bucket_idle(const taskip_rate_bucket *b, double now) {
  return b->name[0] == '\0' || b->w.reset_at == 0 ||
         now >= b->w.reset_at + WAKE_MARGIN;
}

/*
** lim's bucket, made if need be in a free or idle slot, else in the one
** that resets first (more limits than slots: that one goes untracked).
** The request's figures win over the bucket's: the table may change.
*/
static taskip_rate_bucket *bucket_of(taskip_ratelimit *rl,
                                     const taskip_endpoint_limit *lim,
                                     double now) {
  taskip_rate_bucket *b = bucket_find(rl, lim->name);
  taskip_window *w;
  int i;
  if (b == NULL) {
    b = &rl->bucket[0];
    for (i = 0; i < TASKIP_RATE_BUCKETS; i++) {
      if (bucket_idle(&rl->bucket[i], now)) {
        b = &rl->bucket[i];
        break;
      }
      if (rl->bucket[i].w.reset_at < b->w.reset_at)
        b = &rl->bucket[i];
    }
    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "%s", lim->name);
    window_init(&b->w, lim->count, lim->window);
  }
  w = &b->w;
  if (w->limit != lim->count) {
    w->remaining += lim->count - w->limit;
    if (w->remaining < 0)
      w->remaining = 0;
    w->limit = lim->count;
  }
  if (w->length != lim->window) {
    w->length = lim->window;
    if (w->reset_at > now + lim->window)
      w->reset_at = now + lim->window;
  }
  return b;
}

double taskip_ratelimit_wait_for(const taskip_ratelimit *rl, double now,
                                 const taskip_endpoint_limit *lim) {
  double a = taskip_ratelimit_wait(rl, now), b;
  int i = lim ? bucket_slot(rl, lim->name) : -1;
  if (i < 0)
    return a;
  b = window_wait(&rl->bucket[i].w, now);
  return a > b ? a : b;
}

void taskip_ratelimit_take_for(taskip_ratelimit *rl, double now,
                               const taskip_endpoint_limit *lim,
                               taskip_rate_ticket *t) {
  taskip_rate_bucket *b;
  taskip_ratelimit_take(rl, now, t);
  if (lim == NULL)
    return;
  b = bucket_of(rl, lim, now);
  window_take(&b->w, now);
  if (t != NULL) {
    t->endpoint_reset = b->w.reset_at;
    t->endpoint = 1;
  }
}

void taskip_ratelimit_release_for(taskip_ratelimit *rl, double now,
                                  const taskip_endpoint_limit *lim,
                                  const taskip_rate_ticket *t) {
  taskip_rate_bucket *b;
  taskip_ratelimit_release(rl, now, t);
  if (lim == NULL || t == NULL || !t->taken || !t->endpoint)
    return;
  if ((b = bucket_find(rl, lim->name)) != NULL)
    window_give(&b->w, t->endpoint_reset, now);
}

/* A limit the key's budget is known by. */
static int budget_limit(const taskip_ratelimit *rl, long limit) {
  return limit == rl->hour.limit || limit == rl->minute.limit ||
         (rl->server.limit > 0 && limit == rl->server.limit);
}

void taskip_ratelimit_observe_for(taskip_ratelimit *rl, double now,
                                  const taskip_endpoint_limit *lim,
                                  const taskip_rate_headers *h) {
  taskip_rate_bucket *b;
  taskip_window *w;
  double at;
  if (lim == NULL ||
      (h->too_many ? h->limit > 0 && h->limit != lim->count &&
                         budget_limit(rl, h->limit)
                   : h->limit != lim->count)) {
    taskip_ratelimit_observe(rl, now, h);
    return;
  }
  b = bucket_of(rl, lim, now);
  w = &b->w;
  window_roll(w, now);
  if (h->too_many) {
    w->remaining = 0;
    w->reset_at = now + taskip_ratelimit_retry_after(h, now) - WAKE_MARGIN;
    if (w->reset_at <= now)
      w->reset_at = now + 1e-3;         /* 0 would mean "not begun" */
    return;
  }
  if (h->remaining < 0)
    return;
  if (w->reset_at == 0)                 /* the server's window began */
    w->reset_at = now + w->length;
  if (h->remaining < w->remaining)
    w->remaining = h->remaining;
  at = reset_time(h, now);
  if (w->remaining == 0 && at > w->reset_at)
    w->reset_at = at;
}

double taskip_ratelimit_endpoint(const taskip_ratelimit *rl, double now,
                                 const char *name, taskip_rate_figures *f) {
  int i = bucket_slot(rl, name);
  memset(f, 0, sizeof(*f));
  if (i < 0)
    return 0;
  figures(&rl->bucket[i].w, now, f);
  return window_wait(&rl->bucket[i].w, now);
}

/* }======================================================= */

/* {======================================================= records */

#define RECORD_TAG "taskip-rate 1"

size_t taskip_ratelimit_encode(const taskip_ratelimit *rl, char *out,
                               size_t cap) {
  const taskip_window *w[3];
  int n, i, len;
  w[0] = &rl->hour;
  w[1] = &rl->minute;
  w[2] = &rl->server;
  len = snprintf(out, cap, RECORD_TAG);
  for (i = 0; i < 3 && len > 0 && (size_t)len < cap; i++) {
    n = snprintf(out + len, cap - (size_t)len, " %ld %ld %.17g %.17g",
                 w[i]->limit, w[i]->remaining, w[i]->reset_at,
                 w[i]->length);
    len = n < 0 ? -1 : len + n;
  }
  if (len > 0 && (size_t)len < cap) {
    n = snprintf(out + len, cap - (size_t)len, " %ld", rl->unseen);
    len = n < 0 ? -1 : len + n;
  }
  for (i = 0; i < TASKIP_RATE_BUCKETS && len > 0 && (size_t)len < cap;
       i++) {
    const taskip_rate_bucket *b = &rl->bucket[i];
    if (b->name[0] == '\0')
      continue;
    n = snprintf(out + len, cap - (size_t)len, " b %s %ld %ld %.17g %.17g",
                 b->name, b->w.limit, b->w.remaining, b->w.reset_at,
                 b->w.length);
    len = n < 0 ? -1 : len + n;
  }
  return len > 0 && (size_t)len < cap ? (size_t)len : 0;
}

static int read_long(const char **p, long *v) {
  char *end;
  *v = strtol(*p, &end, 10);
  if (end == *p || (*end != ' ' && *end != '\0'))
    return -1;
  *p = end;
  return 0;
}

static int read_double(const char **p, double *v) {
  char *end;
  *v = strtod(*p, &end);
  if (end == *p || (*end != ' ' && *end != '\0') || *v - *v != 0)
    return -1;                        /* NaN and infinities too */
  *p = end;
  return 0;
}

int taskip_ratelimit_decode(taskip_ratelimit *rl, const char *in,
                            size_t len) {
  char buf[TASKIP_RATE_RECORD_MAX];
  const char *p = buf + sizeof(RECORD_TAG) - 1;
  taskip_window *w[3];
  taskip_ratelimit r;
  int i;
  while (len > 0 && (in[len - 1] == '\n' || in[len - 1] == '\r'))
    len--;
  if (len >= sizeof(buf) || memchr(in, '\0', len) != NULL)
    return -1;
  memcpy(buf, in, len);
  buf[len] = '\0';
  if (strncmp(buf, RECORD_TAG " ", sizeof(RECORD_TAG)) != 0)
    return -1;
  w[0] = &r.hour;
  w[1] = &r.minute;
  w[2] = &r.server;
  for (i = 0; i < 3; i++)
    if (read_long(&p, &w[i]->limit) != 0 ||
        read_long(&p, &w[i]->remaining) != 0 ||
        read_double(&p, &w[i]->reset_at) != 0 ||
        read_double(&p, &w[i]->length) != 0 || w[i]->length < 0 ||
        w[i]->remaining < 0)
      return -1;
  if (read_long(&p, &r.unseen) != 0 || r.unseen < 0)
    return -1;
  memset(r.bucket, 0, sizeof(r.bucket));
  for (i = 0; *p != '\0'; i++) {
    taskip_rate_bucket *b = &r.bucket[i];
    const char *name = p + 3;
    size_t n = strcspn(name, " ");
    if (i == TASKIP_RATE_BUCKETS || strncmp(p, " b ", 3) != 0 ||
        !name_ok(name, n))
      return -1;
    memcpy(b->name, name, n);
    p = name + n;
    if (read_long(&p, &b->w.limit) != 0 ||
        read_long(&p, &b->w.remaining) != 0 ||
        read_double(&p, &b->w.reset_at) != 0 ||
        read_double(&p, &b->w.length) != 0 || b->w.limit < 1 ||
        b->w.remaining < 0 || !(b->w.length > 0))
      return -1;
  }
  *rl = r;
  return 0;
}

int taskip_ratelimit_sane(const taskip_ratelimit *rl, double now) {
  const taskip_window *w[3];
  int i;
  w[0] = &rl->hour;
  w[1] = &rl->minute;
  w[2] = &rl->server;
  for (i = 0; i < 3; i++)
    if (w[i]->length > MAX_RESET ||
        w[i]->reset_at > now + MAX_RESET + WAKE_MARGIN)
      return 0;
  for (i = 0; i < TASKIP_RATE_BUCKETS; i++)
    if (rl->bucket[i].w.length > MAX_RESET ||
        rl->bucket[i].w.reset_at > now + MAX_RESET + WAKE_MARGIN)
      return 0;
  return 1;
}

/* }======================================================= */

/* {======================================================= shares */

static long share_of(long v, int fleet) {
  return v / fleet;
}

void taskip_ratelimit_share(taskip_ratelimit *rl, int fleet) {
  taskip_window *w[3];
  int i;
  if (fleet <= 1)
    return;
  w[0] = &rl->hour;
  w[1] = &rl->minute;
  w[2] = &rl->server;
  for (i = 0; i < 3; i++) {
    if (w[i]->limit <= 0)
      continue;
    w[i]->remaining = share_of(w[i]->remaining, fleet);
    w[i]->limit = share_of(w[i]->limit, fleet);
    if (w[i]->limit < 1)
      w[i]->limit = 1;
  }
  rl->unseen = 0;
}

void taskip_rate_headers_share(taskip_rate_headers *h, int fleet) {
  if (fleet <= 1)
    return;
  if (h->limit > 0) {
    h->limit = share_of(h->limit, fleet);
    if (h->limit < 1)
      h->limit = 1;
  }
  if (h->remaining > 0)
    h->remaining = share_of(h->remaining, fleet);
}

/* }======================================================= */
