/*
** host_allow.c — the --allow capability list: comma-separated
** [METHOD:]PATH patterns such as "GET:/contact*" or
** "POST:/invoice/[0-9]*".
** METHOD is an HTTP method or "*" (the default); PATH is an fnmatch(3)
** pattern over the path below the base URL, without the query, where
** '*' also matches '/'. No list means everything is allowed.
*/
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"

typedef struct rule {
  char method[8];             /* upper case, or "*" */
  char *path;
} rule;

struct host_allow {
  size_t n;
  rule *rules;
};

void host_allow_free(host_allow *a) {
  size_t i;
  if (a == NULL)
    return;
  for (i = 0; i < a->n; i++)
    free(a->rules[i].path);
  free(a->rules);
  free(a);
}

/* Parses one "[METHOD:]PATH" of len bytes into r; 0 or -1. */
static int parse_rule(rule *r, const char *s, size_t len, char *err,
                      size_t errlen) {
  const char *colon = memchr(s, ':', len), *path = s;
  size_t mlen = 0, i;
  strcpy(r->method, "*");
  if (colon != NULL && s[0] != '/') {
    mlen = (size_t)(colon - s);
    if (mlen == 0 || mlen >= sizeof(r->method)) {
      snprintf(err, errlen, "--allow: bad method in '%.*s'", (int)len, s);
      return -1;
    }
    for (i = 0; i < mlen; i++) {
      if (!isalpha((unsigned char)s[i]) && s[i] != '*') {
        snprintf(err, errlen, "--allow: bad method in '%.*s'", (int)len,
                 s);
        return -1;
      }
      r->method[i] = (char)toupper((unsigned char)s[i]);
    }
    r->method[mlen] = '\0';
    path = colon + 1;
  }
  len -= (size_t)(path - s);
  if (len == 0 || path[0] != '/') {
    snprintf(err, errlen, "--allow: the path of '%.*s' must start "
             "with '/'", (int)(len + (size_t)(path - s)), s);
    return -1;
  }
  r->path = malloc(len + 1);
  if (r->path == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(r->path, path, len);
  r->path[len] = '\0';
  return 0;
}

host_allow *host_allow_parse(const char *spec, char *err, size_t errlen) {
  host_allow *a = calloc(1, sizeof(*a));
  const char *p = spec;
  size_t cap = 1;
  for (; *p; p++)
    if (*p == ',')
      cap++;
  if (a != NULL)
    a->rules = calloc(cap, sizeof(rule));
  if (a == NULL || a->rules == NULL) {
    host_allow_free(a);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  p = spec;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    while (len > 0 && isspace((unsigned char)*p)) {
      p++;
      len--;
    }
    while (len > 0 && isspace((unsigned char)p[len - 1]))
      len--;
    if (len > 0) {
      if (parse_rule(&a->rules[a->n], p, len, err, errlen) != 0) {
        host_allow_free(a);
        return NULL;
      }
      a->n++;
    }
    if (end == NULL)
      break;
    p = end + 1;
  }
  if (a->n == 0) {
    host_allow_free(a);
    snprintf(err, errlen, "--allow: no patterns");
    return NULL;
  }
  return a;
}

int host_allow_check(const host_allow *a, const char *method,
                     const char *path) {
  size_t i;
  if (a == NULL)
    return 1;
  for (i = 0; i < a->n; i++) {
    const rule *r = &a->rules[i];
    if (fnmatch(r->method, method, 0) == 0 &&
        fnmatch(r->path, path, 0) == 0)
      return 1;
  }
  return 0;
}
