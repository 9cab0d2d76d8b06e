/*
** retry.h — when an attempt may be sent again, and after how long.
**
** Only idempotent methods are retried, and only when no response came
** back or the server said 408/429/500/502/503/504. A POST is re-sent
** only when the connection was never made, so it never reached the
** server. Backoff is exponential, capped, with jitter; a per-client
** token budget stops a broken server from multiplying the traffic.
*/
#ifndef TASKIP_RETRY_H
#define TASKIP_RETRY_H

#include "taskip.h"

#define TASKIP_BACKOFF_CAP 30.0

typedef struct taskip_retry_budget {
  double tokens;     /* a retry costs one; a success earns a tenth */
} taskip_retry_budget;

void taskip_retry_budget_init(taskip_retry_budget *b);
int taskip_retry_budget_take(taskip_retry_budget *b);   /* 1: allowed */
void taskip_retry_budget_success(taskip_retry_budget *b);

int taskip_method_idempotent(const char *method);

/* May an attempt that ended with this failure (or, with
** TASKIP_FAIL_NONE, this HTTP status) be sent again? */
int taskip_retryable(const char *method, taskip_failure failure,
                     long status);

/*
** The wait before retry number `attempt` (1 for the first retry):
** base * 2^(attempt-1), capped, half of it jittered. seed is updated.
*/
double taskip_backoff(double base, int attempt, unsigned *seed);

#endif
