/*
** retry.c — the retry policy (see retry.h).
*/
#include <string.h>

#include "retry.h"

#define BUDGET_MAX 10.0
#define BUDGET_EARN 0.1

void taskip_retry_budget_init(taskip_retry_budget *b) {
  b->tokens = BUDGET_MAX;
}

int taskip_retry_budget_take(taskip_retry_budget *b) {
  if (b->tokens < 1.0)
    return 0;
  b->tokens -= 1.0;
  return 1;
}

void taskip_retry_budget_success(taskip_retry_budget *b) {
  b->tokens += BUDGET_EARN;
  if (b->tokens > BUDGET_MAX)
    b->tokens = BUDGET_MAX;
}

int taskip_method_idempotent(const char *method) {
  static const char *const safe[] = {"GET", "HEAD", "PUT", "DELETE",
                                     "OPTIONS"};
  size_t i;
  for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
    if (strcmp(method, safe[i]) == 0)
      return 1;
  return 0;
}

int taskip_retryable(const char *method, taskip_failure failure,
                     long status) {
  switch (failure) {
  case TASKIP_FAIL_NONE:
    break;
  case TASKIP_FAIL_RESOLVE:           /* never reached the server */
  case TASKIP_FAIL_CONNECT:
    return 1;
  case TASKIP_FAIL_TIMEOUT:           /* may have: idempotent only */
  case TASKIP_FAIL_LOST:
    return taskip_method_idempotent(method);
  default:                            /* TLS, too large, protocol, ... */
    return 0;
  }
  if (!taskip_method_idempotent(method))
    return 0;
  switch (status) {
  case 408: case 429: case 500: case 502: case 503: case 504:
    return 1;
  default:
    return 0;
  }
}

double taskip_backoff(double base, int attempt, unsigned *seed) {
  double d = base, jitter;
  int i;
  for (i = 1; i < attempt && d < TASKIP_BACKOFF_CAP; i++)
    d *= 2;
  if (d > TASKIP_BACKOFF_CAP)
    d = TASKIP_BACKOFF_CAP;
  /* xorshift: jitter only needs to spread clients apart */
  *seed ^= *seed << 13;
  *seed ^= *seed >> 17;
  *seed ^= *seed << 5;
  jitter = (double)(*seed % 10000u) / 10000.0;
  return d / 2 + d / 2 * jitter;
}
