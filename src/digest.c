/*
** digest.c — response digestion (see digest.h).
*/
#define _XOPEN_SOURCE 700     /* strptime */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"

static const char *const kind_names[TASKIP_KIND_COUNT] = {
  "ok", "auth", "forbidden", "not_found", "conflict", "validation",
  "rate_limited", "http", "server", "timeout", "network", "tls",
  "decode", "redirect", "too_large"
};

const char *taskip_kind_name(taskip_kind kind) {
  if ((int)kind < 0 || kind >= TASKIP_KIND_COUNT)
    return "unknown";
  return kind_names[kind];
}

taskip_kind taskip_kind_of_status(long status) {
  if (status >= 200 && status < 300)
    return TASKIP_OK;
  switch (status) {
  case 401: return TASKIP_AUTH;
  case 403: return TASKIP_FORBIDDEN;
  case 404: return TASKIP_NOT_FOUND;
  case 409: return TASKIP_CONFLICT;
  case 422: return TASKIP_VALIDATION;
  case 429: return TASKIP_RATE_LIMITED;
  default: break;
  }
  if (status >= 300 && status < 400)
    return TASKIP_REDIRECT;
  if (status >= 500 && status < 600)
    return TASKIP_SERVER;
  return TASKIP_HTTP;    /* other 4xx, and anything outside HTTP's range */
}

static const char *const failure_names[TASKIP_FAIL_COUNT] = {
  "none", "resolve", "connect", "tls", "timeout", "lost", "too_large",
  "protocol", "other"
};

const char *taskip_failure_name(taskip_failure f) {
  if ((int)f < 0 || f >= TASKIP_FAIL_COUNT)
    return "other";
  return failure_names[f];
}

int taskip_failure_of_name(const char *name) {
  int i;
  for (i = 0; i < TASKIP_FAIL_COUNT; i++)
    if (strcmp(name, failure_names[i]) == 0)
      return i;
  return -1;
}

taskip_kind taskip_kind_of_failure(taskip_failure f) {
  switch (f) {
  case TASKIP_FAIL_NONE: return TASKIP_OK;
  case TASKIP_FAIL_TLS: return TASKIP_TLS;
  case TASKIP_FAIL_TIMEOUT: return TASKIP_TIMEOUT;
  case TASKIP_FAIL_TOO_LARGE: return TASKIP_TOO_LARGE;
  default: return TASKIP_NETWORK;
  }
}

const char *taskip_header_get(const taskip_header *hs, size_t n,
                              const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(hs[i].name, name) == 0)
      return hs[i].value;
  return NULL;
}

/* A finite non-negative number ("inf", which strtod takes, is not), or
** -1. */
static double number_of(const char *s) {
  char *end;
  double v;
  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtod(s, &end);
  while (*end == ' ' || *end == '\t')
    end++;
  if (errno != 0 || *end != '\0' || v < 0 || !isfinite(v))
    return -1;
  return v;
}

/*
** An HTTP date (RFC 9110 5.6.7: IMF-fixdate, or the obsolete RFC 850 and
** asctime forms) as epoch seconds, or -1. The names of days and months
** are English in every locale's "C" view that strptime(3) reads here.
*/
double taskip_http_date(const char *s) {
  static const char *const forms[] = {
    "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
    "%a %b %e %H:%M:%S %Y"
  };
  size_t i;
  if (s == NULL)
    return -1;
  for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
    struct tm tm;
    const char *end;
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, forms[i], &tm);
    if (end != NULL && *end == '\0')
      return (double)timegm(&tm);
  }
  return -1;
}

double taskip_parse_retry_after(const char *value, double now) {
  double v;
  if (value == NULL)
    return -1;
  v = number_of(value);
  if (v >= 0)
    return v;
  v = taskip_http_date(value);
  if (v < 0)
    return -1;
  v = v - now;
  return v < 0 ? 0 : v;
}

void taskip_rate_headers_read(taskip_rate_headers *h,
                              const taskip_header *hs, size_t n,
                              long status, double now) {
  const char *date = taskip_header_get(hs, n, "date");
  double limit = number_of(taskip_header_get(hs, n, "x-ratelimit-limit"));
  double left = number_of(taskip_header_get(hs, n,
                                            "x-ratelimit-remaining"));
  double t = taskip_http_date(date);
  h->limit = limit >= 0 && limit < 1e12 ? (long)limit : -1;
  h->remaining = left >= 0 && left < 1e12 ? (long)left : -1;
  h->reset = number_of(taskip_header_get(hs, n, "x-ratelimit-reset"));
  h->retry_after = taskip_parse_retry_after(
      taskip_header_get(hs, n, "retry-after"), now);
  h->date = t;
  h->too_many = status == 429;
}
