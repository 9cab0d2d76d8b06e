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
*/
#ifndef TASKIP_RATELIMIT_H
#define TASKIP_RATELIMIT_H

typedef struct taskip_window {
  long limit;          /* 0: this window is not in force */
  long remaining;
  double reset_at;     /* local epoch seconds; 0 before first use */
  double length;       /* seconds; 0 for the server's window */
} taskip_window;

typedef struct taskip_ratelimit {
  taskip_window hour, minute, server;
} taskip_ratelimit;

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

/* A response arrived with these headers. */
void taskip_ratelimit_observe(taskip_ratelimit *rl, double now,
                              const taskip_rate_headers *h);

/*
** Seconds to wait before the next request may be sent; 0 if it may go
** now. Waits last until one second after the reset, since servers round
** whole-second resets down.
*/
double taskip_ratelimit_wait(const taskip_ratelimit *rl, double now);

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

/*
** When a response says "come back later": Retry-After, else the reset
** header, else 60 s. Seconds from now.
*/
double taskip_ratelimit_retry_after(const taskip_rate_headers *h,
                                    double now);

#endif
