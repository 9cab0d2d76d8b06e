/*
** fuzz_ratelimit — the rate-limit header parser and tracker.
**
** Input: responses separated by NUL bytes; each is a first line
** "STATUS SECONDS" (the status, and how far the clock moves before this
** response), then "Name: value" header lines. Every response goes
** through taskip_rate_headers_read, taskip_ratelimit_observe and
** _wait/_snapshot/_retry_after, as client.c does with a real one.
**
** Each response text is also read as a shared store's record
** (taskip_ratelimit_decode), and the tracker's own record must read
** back as itself.
**
** Checks: no crash or UB; every wait and retry figure is a finite,
** non-negative number of seconds; the local minute window never grants
** more than its limit; a record that reads and is sane waits a finite
** time; encode/decode round-trips.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>

#include "fuzz_lines.h"
#include "digest.h"
#include "ratelimit.h"

#define NOW0 1.7e9

static void check(int ok, const char *what, double v) {
  if (!ok) {
    fprintf(stderr, "fuzz_ratelimit: %s (%g)\n", what, v);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_copy(data, size), *p = text, *end = text + size;
  taskip_ratelimit rl;
  double now = NOW0;
  int rounds = 0;
  taskip_ratelimit_init(&rl, 1000, 100);
  while (p < end && rounds++ < 16) {
    char *rec_end = p + strlen(p);      /* up to the next NUL */
    char rec[TASKIP_RATE_RECORD_MAX];
    taskip_ratelimit other;
    taskip_header hs[FUZZ_MAX_HEADERS];
    taskip_rate_headers rh;
    taskip_rate_figures budget, burst;
    long status;
    if (taskip_ratelimit_decode(&other, p, (size_t)(rec_end - p)) == 0 &&
        taskip_ratelimit_sane(&other, now)) {
      double ow = taskip_ratelimit_wait(&other, now);
      check(isfinite(ow) && ow >= 0, "a record's wait is not finite", ow);
    }
    status = strtol(p, &p, 10);
    double step = strtod(p, &p), w, r;
    size_t n, i;
    char *nl = memchr(p, '\n', (size_t)(rec_end - p));
    p = nl != NULL ? nl + 1 : rec_end;
    if (step > 0 && step < 1e6)
      now += step;
    n = fuzz_headers(&p, rec_end, hs, FUZZ_MAX_HEADERS);
    for (i = 0; i < n; i++) {            /* client.c lowercases names */
      char *c;
      for (c = hs[i].name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    }
    taskip_ratelimit_sent(&rl, now);
    taskip_rate_headers_read(&rh, hs, n, status, now);
    if (status > 0)
      taskip_ratelimit_observe(&rl, now, &rh);
    w = taskip_ratelimit_wait(&rl, now);
    check(isfinite(w) && w >= 0, "wait is not a finite duration", w);
    r = taskip_ratelimit_retry_after(&rh, now);
    check(isfinite(r) && r >= 0, "retry_after is not a finite duration", r);
    check(rh.retry_after < 0 || isfinite(rh.retry_after),
          "Retry-After read as infinite", rh.retry_after);
    taskip_ratelimit_snapshot(&rl, now, &budget, &burst);
    check(burst.remaining >= 0 && burst.remaining <= burst.limit,
          "burst window out of range", (double)burst.remaining);
    check(isfinite(budget.reset_at) && isfinite(burst.reset_at),
          "reset time not finite", budget.reset_at);
    (void)taskip_kind_of_status(status);
    n = taskip_ratelimit_encode(&rl, rec, sizeof(rec));
    check(n > 0, "the tracker's record does not fit", (double)n);
    check(taskip_ratelimit_decode(&other, rec, n) == 0,
          "the tracker's record does not read back", (double)n);
    check(taskip_ratelimit_encode(&other, rec, sizeof(rec)) == n,
          "the record changed on the way", (double)n);
    p = rec_end + 1;
  }
  free(text);
  return 0;
}
