/*
** origin.h — the one origin (scheme, host, port) a client may talk to,
** and the URLs built inside it.
**
** Callers give paths ("/contact/7"); a same-origin absolute URL (as in
** the API's own pagination links) is accepted, anything that could
** reach another origin or climb out of the base path is refused.
*/
#ifndef TASKIP_ORIGIN_H
#define TASKIP_ORIGIN_H

#include <stddef.h>

typedef struct taskip_origin {
  char *scheme;       /* "https" (or "http" to loopback when allowed) */
  char *host;         /* lowercase; IPv6 in brackets */
  char *hostname;     /* the same without brackets (TLS server name) */
  long port;
  char *base_path;    /* "/api/public-v1", no trailing slash; may be "" */
  char *prefix;       /* "https://host:port/api/public-v1" */
} taskip_origin;

/* 0 on success; -1 with a message in err. */
int taskip_origin_parse(taskip_origin *o, const char *base_url,
                        int allow_http, char *err, size_t errlen);
void taskip_origin_free(taskip_origin *o);

/*
** The full URL of path plus an encoded query (NULL or "" for none).
** Returns a malloc'd string, or NULL with a message in err.
*/
char *taskip_origin_url(const taskip_origin *o, const char *path,
                        const char *query, char *err, size_t errlen);

#endif
