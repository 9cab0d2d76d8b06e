/*
** easy.c — the blocking driver: one call at a time on the client's own
** curl easy handle (so one connection serves every call), sleeping
** through rate-limit waits and backoff.
*/
#include <errno.h>
#include <time.h>

#include "taskip.h"

static void sleep_for(double seconds) {
  struct timespec ts, rest;
  if (seconds <= 0)
    return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &rest) != 0 && errno == EINTR)
    ts = rest;
}

const taskip_result *taskip_perform(taskip_client *c, taskip_call *call) {
  CURL *easy = taskip_client_easy_handle(c);
  for (;;) {
    double wake = 0, now = taskip_now();
    CURLcode rc;
    switch (taskip_call_step(call, now, &wake)) {
    case TASKIP_STEP_DONE:
      return taskip_call_result(call);
    case TASKIP_STEP_WAIT:
      sleep_for(wake - now);
      break;
    case TASKIP_STEP_SEND:
      rc = taskip_call_prepare(call, easy);
      if (rc == CURLE_OK)
        rc = curl_easy_perform(easy);
      taskip_call_finish(call, easy, rc, taskip_now());
      break;
    }
  }
}
