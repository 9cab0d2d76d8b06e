/*
** digest.c — response digestion (see digest.h).
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

taskip_kind taskip_kind_of_curl(CURLcode rc) {
  switch (rc) {
  case CURLE_OK:
    return TASKIP_OK;
  case CURLE_OPERATION_TIMEDOUT:
    return TASKIP_TIMEOUT;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_USE_SSL_FAILED:
    return TASKIP_TLS;
  case CURLE_FILESIZE_EXCEEDED:
    return TASKIP_TOO_LARGE;
  default:
    return TASKIP_NETWORK;
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

double taskip_parse_retry_after(const char *value, double now) {
  double v;
  time_t t;
  if (value == NULL)
    return -1;
  v = number_of(value);
  if (v >= 0)
    return v;
  t = curl_getdate(value, NULL);
  if (t == (time_t)-1)
    return -1;
  v = (double)t - now;
  return v < 0 ? 0 : v;
}

void taskip_rate_headers_read(taskip_rate_headers *h,
                              const taskip_header *hs, size_t n,
                              long status, double now) {
  const char *date = taskip_header_get(hs, n, "date");
  double limit = number_of(taskip_header_get(hs, n, "x-ratelimit-limit"));
  double left = number_of(taskip_header_get(hs, n,
                                            "x-ratelimit-remaining"));
  time_t t = date != NULL ? curl_getdate(date, NULL) : (time_t)-1;
  h->limit = limit >= 0 && limit < 1e12 ? (long)limit : -1;
  h->remaining = left >= 0 && left < 1e12 ? (long)left : -1;
  h->reset = number_of(taskip_header_get(hs, n, "x-ratelimit-reset"));
  h->retry_after = taskip_parse_retry_after(
      taskip_header_get(hs, n, "retry-after"), now);
  h->date = t == (time_t)-1 ? -1 : (double)t;
  h->too_many = status == 429;
}
