/*
** ratestore_open.c — a shared rate store from its URL (ratestore_open.h),
** and the one warning line a process prints when its store fails.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratestore_open.h"

#define URL_HELP "use file:PATH or redis://HOST:PORT[/DB]"

/* redis://HOST:PORT[/DB] (an IPv6 HOST in brackets): 0, or -1 when it
** is not that. */
static int parse_redis(const char *rest, char *host, size_t hostcap,
                       int *port, int *db) {
  const char *colon = strrchr(rest, ':'), *p;
  char *end;
  long v;
  size_t n;
  if (colon == NULL || colon == rest || strchr(rest, '@') != NULL)
    return -1;
  n = (size_t)(colon - rest);
  if (n >= hostcap)
    return -1;
  if (rest[0] == '[' && n > 2 && rest[n - 1] == ']') {
    rest++;                           /* [::1] -> ::1 */
    n -= 2;
  }
  memcpy(host, rest, n);
  host[n] = '\0';
  for (p = host; *p; p++)
    if (*p == '/' || *p == '?' || *p == ' ')
      return -1;
  v = strtol(colon + 1, &end, 10);
  if (end == colon + 1 || v < 1 || v > 65535)
    return -1;
  *port = (int)v;
  *db = 0;
  if (*end == '/' && end[1] != '\0') {
    p = end + 1;
    v = strtol(p, &end, 10);
    if (end == p || v < 0 || v > INT_MAX)
      return -1;
    *db = (int)v;
  } else if (*end == '/') {
    end++;
  }
  return *end == '\0' ? 0 : -1;
}

taskip_rate_store *taskip_rate_store_open(const char *url, const char *key,
                                          size_t keylen, int blocking,
                                          char *err, size_t errlen) {
  char fp[TASKIP_FP_HEX + 1], host[256];
  int port, db;
  taskip_rate_store *s = NULL;
  if (url == NULL) {
    snprintf(err, errlen, "rate_store: missing (" URL_HELP ")");
    return NULL;
  }
  if (taskip_fingerprint(key, keylen, fp) != 0) {
    snprintf(err, errlen, "rate_store: cannot compute the key's "
             "fingerprint (libcrypto)");
    return NULL;
  }
  if (strncmp(url, "file:", 5) == 0 && url[5] != '\0')
    s = taskip_file_store_open(url + 5, fp, blocking, err, errlen);
  else if (strncmp(url, "redis://", 8) == 0 &&
           parse_redis(url + 8, host, sizeof(host), &port, &db) == 0)
    s = taskip_redis_store_open(host, port, db, fp, blocking, err, errlen);
  else
    snprintf(err, errlen, "rate_store: not a store URL (" URL_HELP ")");
  return s;
}

void taskip_rate_store_free(taskip_rate_store *s) {
  if (s != NULL)
    s->type->free(s);
}

void taskip_rate_store_warn(const taskip_rate_store *s, const char *why) {
  static int warned;
  if (warned)
    return;
  warned = 1;
  fprintf(stderr, "taskip: rate store %s unreachable (%s); this process "
          "keeps 1/rate_fleet of the budget to itself until it answers "
          "again\n", s->where, why);
}
