/*
** ratelimit.c — the rate-limit tracker (see ratelimit.h).
*/
#include <stddef.h>

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
}

void taskip_ratelimit_sent(taskip_ratelimit *rl, double now) {
  window_take(&rl->minute, now);
  window_take(server_binds(rl, now) ? &rl->server : &rl->hour, now);
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
    w->limit = h->limit;
    w->remaining = h->remaining;
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
