/*
** origin.c — origin pinning and URL building (see origin.h).
** URL parsing is libcurl's (CURLU); this file only checks and joins.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "origin.h"

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

static void lower(char *s) {
  for (; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

static int is_loopback(const char *host) {
  return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
         strncmp(host, "127.", 4) == 0;
}

/* The parts of url, with scheme and host lowercased; 0 on success. */
typedef struct parts {
  char *scheme, *host, *port, *path, *query, *user, *fragment;
} parts;

static void parts_free(parts *p) {
  curl_free(p->scheme);
  curl_free(p->host);
  curl_free(p->port);
  curl_free(p->path);
  curl_free(p->query);
  curl_free(p->user);
  curl_free(p->fragment);
  memset(p, 0, sizeof(*p));
}

static int parts_of(const char *url, parts *p) {
  CURLU *u = curl_url();
  int bad;
  memset(p, 0, sizeof(*p));
  if (u == NULL)
    return -1;
  bad = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ||
        curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &p->host, 0) ||
        curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) ||
        curl_url_get(u, CURLUPART_PATH, &p->path, 0);
  if (!bad) {
    curl_url_get(u, CURLUPART_QUERY, &p->query, 0);
    curl_url_get(u, CURLUPART_USER, &p->user, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &p->fragment, 0);
    lower(p->scheme);
    lower(p->host);
  }
  curl_url_cleanup(u);
  if (bad)
    parts_free(p);
  return bad ? -1 : 0;
}

void taskip_origin_free(taskip_origin *o) {
  free(o->scheme);
  free(o->host);
  free(o->base_path);
  free(o->prefix);
  memset(o, 0, sizeof(*o));
}

int taskip_origin_parse(taskip_origin *o, const char *base_url,
                        int allow_http, char *err, size_t errlen) {
  parts p;
  size_t n;
  memset(o, 0, sizeof(*o));
  if (parts_of(base_url, &p) != 0) {
    snprintf(err, errlen, "base_url is not a valid URL: %s", base_url);
    return -1;
  }
  if (strcmp(p.scheme, "https") != 0 &&
      !(strcmp(p.scheme, "http") == 0 && allow_http &&
        is_loopback(p.host))) {
    snprintf(err, errlen, "base_url must use https (plain http only to "
             "a loopback host with allow_http): %s", base_url);
    goto fail;
  }
  if (p.user != NULL || p.query != NULL || p.fragment != NULL) {
    snprintf(err, errlen, "base_url must not carry credentials, a query "
             "or a fragment");
    goto fail;
  }
  o->scheme = dupstr(p.scheme);
  o->host = dupstr(p.host);
  o->port = strtol(p.port, NULL, 10);
  n = strlen(p.path);
  while (n > 0 && p.path[n - 1] == '/')
    n--;
  o->base_path = malloc(n + 1);
  o->prefix = malloc(strlen(p.scheme) + strlen(p.host) + n + 32);
  if (!o->scheme || !o->host || !o->base_path || !o->prefix) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  memcpy(o->base_path, p.path, n);
  o->base_path[n] = '\0';
  sprintf(o->prefix, "%s://%s:%ld%s", o->scheme, o->host, o->port,
          o->base_path);
  parts_free(&p);
  return 0;
fail:
  parts_free(&p);
  taskip_origin_free(o);
  return -1;
}

/* "." or ".." as a whole segment of path[0..n). */
static int has_dot_segment(const char *path, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1, len;
    while (j < n && path[j] != '/')
      j++;
    len = j - i - 1;                     /* segment after the '/' at i */
    if ((len == 1 && path[i + 1] == '.') ||
        (len == 2 && path[i + 1] == '.' && path[i + 2] == '.'))
      return 1;
    i = j;
  }
  return 0;
}

/*
** Checks a relative reference "/a/b?q". Refuses what could change the
** origin or the path's meaning: "//host", backslashes, fragments, white
** space and control bytes, dot segments and encoded '.', '/' or '\'.
*/
static const char *check_path(const char *path) {
  const char *q = strchr(path, '?');
  size_t n = q != NULL ? (size_t)(q - path) : strlen(path);
  const char *s;
  if (path[0] != '/')
    return "path must start with '/' (or be a URL of the API's origin)";
  if (path[1] == '/')
    return "path must not start with '//'";
  for (s = path; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch <= 0x20 || ch == 0x7f)
      return "path holds white space or a control character";
    if (ch == '\\' || ch == '#')
      return "path holds '\\' or '#'";
  }
  for (s = path; s + 2 < path + n; s++)
    if (s[0] == '%' && (strncasecmp(s, "%2e", 3) == 0 ||
                        strncasecmp(s, "%2f", 3) == 0 ||
                        strncasecmp(s, "%5c", 3) == 0))
      return "path holds an encoded '.', '/' or '\\'";
  if (has_dot_segment(path, n))
    return "path holds a '.' or '..' segment";
  return NULL;
}

/*
** Turns a same-origin absolute URL into the path under base_path;
** returns a malloc'd relative reference or NULL with why.
*/
static char *relative_of(const taskip_origin *o, const char *url,
                         const char **why) {
  parts p;
  char *rel = NULL;
  size_t bl = strlen(o->base_path);
  if (parts_of(url, &p) != 0) {
    *why = "not a valid URL";
    return NULL;
  }
  if (strcmp(p.scheme, o->scheme) != 0 || strcmp(p.host, o->host) != 0 ||
      strtol(p.port, NULL, 10) != o->port || p.user != NULL) {
    *why = "URL points to another origin than base_url";
  } else if (strncmp(p.path, o->base_path, bl) != 0 ||
             (p.path[bl] != '/' && p.path[bl] != '\0')) {
    *why = "URL is outside base_url's path";
  } else {
    const char *tail = p.path[bl] != '\0' ? p.path + bl : "/";
    size_t len = strlen(tail) + (p.query ? strlen(p.query) + 1 : 0) + 1;
    rel = malloc(len);
    if (rel == NULL)
      *why = "out of memory";
    else
      snprintf(rel, len, "%s%s%s", tail, p.query ? "?" : "",
               p.query ? p.query : "");
  }
  parts_free(&p);
  return rel;
}

static int has_scheme(const char *s) {
  const char *c = strstr(s, "://");
  const char *p;
  if (c == NULL || c == s)
    return 0;
  for (p = s; p < c; p++)
    if (!isalpha((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
      return 0;
  return 1;
}

char *taskip_origin_url(const taskip_origin *o, const char *path,
                        const char *query, char *err, size_t errlen) {
  const char *why = NULL;
  char *rel = NULL, *url = NULL;
  size_t len;
  parts p;
  if (has_scheme(path)) {
    rel = relative_of(o, path, &why);
    if (rel == NULL)
      goto refuse;
    path = rel;
  }
  why = check_path(path);
  if (why != NULL)
    goto refuse;
  if (query != NULL) {
    const char *s;
    for (s = query; *s; s++)
      if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '#') {
        why = "query holds white space, a control character or '#'";
        goto refuse;
      }
  }
  len = strlen(o->prefix) + strlen(path) + (query ? strlen(query) : 0) + 2;
  url = malloc(len);
  if (url == NULL) {
    why = "out of memory";
    goto refuse;
  }
  snprintf(url, len, "%s%s%s%s", o->prefix, path,
           query && *query ? (strchr(path, '?') ? "&" : "?") : "",
           query ? query : "");
  /* Defence in depth: the joined URL must parse back to our origin. */
  if (parts_of(url, &p) != 0) {
    why = "path does not form a valid URL";
    goto refuse;
  }
  if (strcmp(p.scheme, o->scheme) != 0 || strcmp(p.host, o->host) != 0 ||
      strtol(p.port, NULL, 10) != o->port)
    why = "path would leave the API's origin";
  parts_free(&p);
  if (why != NULL)
    goto refuse;
  free(rel);
  return url;
refuse:
  snprintf(err, errlen, "refused path: %s", why);
  free(rel);
  free(url);
  return NULL;
}
