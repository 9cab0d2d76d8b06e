/*
** ratelimit.h — the rate-limit tracker of one key. Pure: every function
** takes the time as an argument and none sleeps.
**
** Three windows bind. The documented minute burst (100/minute) always
** applies. The documented hour budget (1000/hour) applies until the
** server reports its own figures in X-RateLimit-*; from then on the
** server's window replaces it ("the server wins"). Requests are counted
** down when sent, so concurrent requests cannot overshoot; a server
** figure within the same window only ever lowers what is left.
**
** Beside them, per-endpoint limits (taskip_request.limit_*; the
** endpoint table's `limit` option): a request to such an endpoint also
** takes from a bucket of its own, a local window of `count` requests
** per `window` seconds named after the limit, paced like the budget.
*/
#ifndef TASKIP_RATELIMIT_H
#define TASKIP_RATELIMIT_H

#include <stddef.h>

typedef struct taskip_window {
  long limit;          /* 0: this window is not in force */
  long remaining;
  double reset_at;     /* local epoch seconds; 0 before first use */
  double length;       /* seconds; 0 for the server's window */
} taskip_window;

#define TASKIP_RATE_BUCKETS 4     /* per-endpoint limits tracked at once */
#define TASKIP_RATE_NAME_MAX 32   /* a limit's name, NUL included */

typedef struct taskip_rate_bucket {
  char name[TASKIP_RATE_NAME_MAX];   /* "": a free slot */
  taskip_window w;
} taskip_rate_bucket;

/* A per-endpoint limit: `count` requests per `window` seconds. */
typedef struct taskip_endpoint_limit {
  const char *name;    /* [A-Za-z0-9_.:-], shorter than NAME_MAX */
  long count;
  double window;       /* seconds, at most an hour */
} taskip_endpoint_limit;

typedef struct taskip_ratelimit {
  taskip_window hour, minute, server;
  taskip_rate_bucket bucket[TASKIP_RATE_BUCKETS];
  long unseen;         /* sent while no server window was known: the
                          server may count them in the window its next
                          answer reports, so that answer's remaining is
                          lowered by them (several senders share one
                          record, see ratestore.h) */
} taskip_ratelimit;

/* What one request took, so that it can be given back (released) if it
** was never sent. */
typedef struct taskip_rate_ticket {
  double minute_reset;   /* the minute window's reset_at after taking */
  double budget_reset;   /* the budget window's (server or hour) */
  int server;            /* the budget taken was the server's */
  int unseen;            /* it was counted in unseen */
  int taken;             /* anything to give back at all */
  double endpoint_reset; /* the endpoint bucket's reset_at after taking */
  int endpoint;          /* one was taken from the endpoint's bucket */
} taskip_rate_ticket;

/* What a response said; a field < 0 was absent or unreadable. */
typedef struct taskip_rate_headers {
  long limit;
  long remaining;
  double reset;        /* raw X-RateLimit-Reset: epoch or delta */
  double retry_after;  /* seconds from now (Retry-After) */
  double date;         /* the server's clock (Date), epoch seconds */
  int too_many;        /* the status was 429 */
} taskip_rate_headers;

void taskip_ratelimit_init(taskip_ratelimit *rl, long hour_limit,
                           long minute_limit);

/* One request goes out now. */
void taskip_ratelimit_sent(taskip_ratelimit *rl, double now);

/* The same, noting in t what was taken (t may be NULL). */
void taskip_ratelimit_take(taskip_ratelimit *rl, double now,
                           taskip_rate_ticket *t);

/* A request counted by take() never left: give back what it took, in
** the windows it took from if they are still the current ones. */
void taskip_ratelimit_release(taskip_ratelimit *rl, double now,
                              const taskip_rate_ticket *t);

/* A response arrived with these headers. */
void taskip_ratelimit_observe(taskip_ratelimit *rl, double now,
                              const taskip_rate_headers *h);

/*
** Seconds to wait before the next request may be sent; 0 if it may go
** now. Waits last until one second after the reset, since servers round
** whole-second resets down.
*/
double taskip_ratelimit_wait(const taskip_ratelimit *rl, double now);

/*
** The same four for a request to an endpoint with a limit of its own
** (lim; NULL: none, then they are the functions above). wait_for is the
** longer of the budget's wait and the bucket's. observe_for gives the
** headers to the bucket instead of the budget when they are the
** endpoint's: figures whose X-RateLimit-Limit is the endpoint's count,
** or a 429 unless its X-RateLimit-Limit is a budget the tracker knows
** (then the key's budget is spent). So a 429 of the endpoint paces the
** endpoint and leaves the budget alone.
*/
double taskip_ratelimit_wait_for(const taskip_ratelimit *rl, double now,
                                 const taskip_endpoint_limit *lim);
void taskip_ratelimit_take_for(taskip_ratelimit *rl, double now,
                               const taskip_endpoint_limit *lim,
                               taskip_rate_ticket *t);
void taskip_ratelimit_release_for(taskip_ratelimit *rl, double now,
                                  const taskip_endpoint_limit *lim,
                                  const taskip_rate_ticket *t);
void taskip_ratelimit_observe_for(taskip_ratelimit *rl, double now,
                                  const taskip_endpoint_limit *lim,
                                  const taskip_rate_headers *h);

/* 0 if lim is one the tracker can hold, else -1 and a message naming
** the field (limit_name, limit_count, limit_window) in err. */
int taskip_endpoint_limit_check(const taskip_endpoint_limit *lim,
                                char *err, size_t errlen);

typedef struct taskip_rate_figures {
  long limit;          /* 0: unknown */
  long remaining;
  double reset_at;     /* local epoch seconds */
} taskip_rate_figures;

/*
** The budget (the server's window once it has spoken, else the
** documented hour) and the burst window, as they stand at `now`.
*/
void taskip_ratelimit_snapshot(const taskip_ratelimit *rl, double now,
                               taskip_rate_figures *budget,
                               taskip_rate_figures *burst);

/* The bucket of the endpoint limit `name` as it stands (limit 0: not
** tracked); returns the wait before that endpoint's next request. */
double taskip_ratelimit_endpoint(const taskip_ratelimit *rl, double now,
                                 const char *name, taskip_rate_figures *f);

/*
** When a response says "come back later": Retry-After, else the reset
** header, else 60 s. Seconds from now.
*/
double taskip_ratelimit_retry_after(const taskip_rate_headers *h,
                                    double now);

/*
** The tracker as one line of text, for a store shared by processes
** (ratestore.h): "taskip-rate 1 ...", then " b name limit remaining
** reset_at length" for each endpoint bucket in use. Returns its length
** (< cap), or 0 when cap is too small. decode() returns 0, or -1 for anything that is
** not such a line (the caller then starts afresh).
*/
#define TASKIP_RATE_RECORD_MAX 640
size_t taskip_ratelimit_encode(const taskip_ratelimit *rl, char *out,
                               size_t cap);
int taskip_ratelimit_decode(taskip_ratelimit *rl, const char *in,
                            size_t len);

/* Whether a decoded record is one this code could have written by now:
** no window longer than an hour or ending more than an hour ahead. */
int taskip_ratelimit_sane(const taskip_ratelimit *rl, double now);

/*
** rl as one of `fleet` processes' equal share of it (limits and what is
** left divided by fleet, at least 1 for a limit): the budget a process
** keeps to itself while the shared store is unreachable. Endpoint
** buckets stay whole: each request brings its limit along, and a 429
** from the server paces the endpoint should the fleet overshoot.
*/
void taskip_ratelimit_share(taskip_ratelimit *rl, int fleet);

/* h as seen through that share (limit and remaining divided). */
void taskip_rate_headers_share(taskip_rate_headers *h, int fleet);

#endif
