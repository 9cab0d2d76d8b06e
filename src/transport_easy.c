/*
** transport_easy.c — the blocking transport: one call at a time on one
** reused curl easy handle (so one connection serves every call),
** sleeping through rate-limit waits and backoff.
*/
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "transport.h"
#include "transport_curl.h"

struct taskip_easy {
  CURL *h;
};

taskip_easy *taskip_easy_new(void) {
  taskip_easy *e;
  if (taskip_transport_init() != 0)
    return NULL;
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->h = curl_easy_init();
  if (e->h == NULL) {
    free(e);
    return NULL;
  }
  return e;
}

void taskip_easy_free(taskip_easy *e) {
  if (e == NULL)
    return;
  curl_easy_cleanup(e->h);
  free(e);
}

static void sleep_for(double seconds) {
  struct timespec ts, rest;
  if (seconds <= 0)
    return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &rest) != 0 && errno == EINTR)
    ts = rest;
}

const taskip_result *taskip_easy_perform(taskip_easy *e, taskip_call *call) {
  for (;;) {
    double wake = 0, now = taskip_now();
    tcurl_attempt t;
    CURLcode rc;
    switch (taskip_call_step(call, now, &wake)) {
    case TASKIP_STEP_DONE:
      return taskip_call_result(call);
    case TASKIP_STEP_WAIT:
      sleep_for(wake - now);
      break;
    case TASKIP_STEP_SEND:
      rc = tcurl_prepare(&t, call, e->h);
      if (rc != CURLE_OK) {                /* nothing went out */
        tcurl_finish(&t, NULL, rc);
        break;
      }
      tcurl_finish(&t, e->h, curl_easy_perform(e->h));
      break;
    }
  }
}
