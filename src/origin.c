/*
** origin.c — origin pinning and URL building (see origin.h).
** URL parsing is uriparser's (RFC 3986); this file only checks and
** joins.
*/
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uriparser/Uri.h>

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

/* localhost, ::1, or an IPv4 literal in 127.0.0.0/8 (a name that only
** starts with "127." may resolve anywhere). */
static int is_loopback(const char *host) {
  struct in_addr a;
  if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
    return 1;
  return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* The parts of a URL, with scheme and host lowercased; a part that is
** absent is NULL. host keeps IPv6 brackets, hostname does not. */
typedef struct parts {
  char *scheme, *host, *hostname, *port, *path, *query, *user, *fragment;
} parts;

static void parts_free(parts *p) {
  free(p->scheme);
  free(p->host);
  free(p->hostname);
  free(p->port);
  free(p->path);
  free(p->query);
  free(p->user);
  free(p->fragment);
  memset(p, 0, sizeof(*p));
}

/* A copy of a text range, NULL when the part is absent; *oom is set
** when out of memory. */
static char *range(const UriTextRangeA *r, int *oom) {
  size_t n;
  char *d;
  if (r->first == NULL)
    return NULL;
  n = (size_t)(r->afterLast - r->first);
  d = malloc(n + 1);
  if (d == NULL) {
    *oom = 1;
    return NULL;
  }
  memcpy(d, r->first, n);
  d[n] = '\0';
  return d;
}

/* "/" and the segments joined by "/" ("/" for none). */
static char *path_of(const UriUriA *u) {
  const UriPathSegmentA *s;
  size_t n = 1;
  char *d, *o;
  for (s = u->pathHead; s != NULL; s = s->next)
    n += 1 + (size_t)(s->text.afterLast - s->text.first);
  d = malloc(n + 1);
  if (d == NULL)
    return NULL;
  o = d;
  for (s = u->pathHead; s != NULL; s = s->next) {
    size_t len = (size_t)(s->text.afterLast - s->text.first);
    *o++ = '/';
    memcpy(o, s->text.first, len);
    o += len;
  }
  if (o == d)
    *o++ = '/';
  *o = '\0';
  return d;
}

static const char *default_port(const char *scheme) {
  if (strcmp(scheme, "https") == 0)
    return "443";
  if (strcmp(scheme, "http") == 0)
    return "80";
  return NULL;
}

/* Parses an absolute URL with scheme and host; 0 on success. */
static int parts_of(const char *url, parts *p) {
  UriUriA u;
  const char *end = NULL;
  int oom = 0;
  memset(p, 0, sizeof(*p));
  if (uriParseSingleUriA(&u, url, &end) != URI_SUCCESS)
    return -1;
  p->scheme = range(&u.scheme, &oom);
  p->hostname = range(&u.hostText, &oom);
  p->port = range(&u.portText, &oom);
  p->query = range(&u.query, &oom);
  p->user = range(&u.userInfo, &oom);
  p->fragment = range(&u.fragment, &oom);
  p->path = path_of(&u);
  if (!oom && p->path != NULL && p->scheme != NULL &&
      p->hostname != NULL && p->hostname[0] != '\0') {
    size_t n = strlen(p->hostname);
    lower(p->scheme);
    lower(p->hostname);
    p->host = malloc(n + 3);
    if (p->host != NULL)
      snprintf(p->host, n + 3, u.hostData.ip6 != NULL ? "[%s]" : "%s",
               p->hostname);
    if (p->port == NULL || p->port[0] == '\0') {
      const char *def = default_port(p->scheme);
      free(p->port);
      p->port = def != NULL ? dupstr(def) : NULL;
    }
  }
  uriFreeUriMembersA(&u);
  if (oom || p->path == NULL || p->scheme == NULL || p->host == NULL ||
      p->port == NULL) {
    parts_free(p);
    return -1;
  }
  return 0;
}

void taskip_origin_free(taskip_origin *o) {
  free(o->scheme);
  free(o->host);
  free(o->hostname);
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
  o->hostname = dupstr(p.hostname);
  o->port = strtol(p.port, NULL, 10);
  n = strlen(p.path);
  while (n > 0 && p.path[n - 1] == '/')
    n--;
  o->base_path = malloc(n + 1);
  o->prefix = malloc(strlen(p.scheme) + strlen(p.host) + n + 32);
  if (!o->scheme || !o->host || !o->hostname || !o->base_path ||
      !o->prefix) {
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
