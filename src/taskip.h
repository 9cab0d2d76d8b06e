/*
** taskip.h — public C API of the taskip core.
**
** The core plans requests to one pinned origin, holds the secret key,
** digests responses into results or error kinds, tracks the rate limit
** and decides retries. It does no I/O, never sleeps and never blocks: a
** call is a small state machine that a transport steps until it is
** done. An attempt leaves the core as plain data (taskip_attempt) and
** comes back as plain data (taskip_response), so any transport can carry
** it: libcurl easy (transport_easy.c), libcurl multi (transport_multi.c),
** or OpenResty's cosockets (lua/taskip/ngx.lua, through the binding).
** Retry, rate-limit and redirect policy live here, once.
**
** No Lua and no libcurl here: the binding (ltaskip.c), the transports
** and the host build on this.
*/
#ifndef TASKIP_H
#define TASKIP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TASKIP_VERSION "0.1.0"
#define TASKIP_DEFAULT_BASE_URL "https://public-api.taskip.net/api/public-v1"
#define TASKIP_KEY_ENV "TASKIP_SECRET_KEY"

/* Error kinds; TASKIP_OK is success. Names come from taskip_kind_name. */
typedef enum taskip_kind {
  TASKIP_OK = 0,
  TASKIP_AUTH,          /* 401 */
  TASKIP_FORBIDDEN,     /* 403 */
  TASKIP_NOT_FOUND,     /* 404 */
  TASKIP_CONFLICT,      /* 409 */
  TASKIP_VALIDATION,    /* 422 */
  TASKIP_RATE_LIMITED,  /* 429, or the local budget is spent */
  TASKIP_HTTP,          /* other 4xx */
  TASKIP_SERVER,        /* 5xx */
  TASKIP_TIMEOUT,
  TASKIP_NETWORK,
  TASKIP_TLS,
  TASKIP_DECODE,        /* set by the layer that decodes bodies */
  TASKIP_REDIRECT,      /* 3xx: never followed, the key stays home */
  TASKIP_TOO_LARGE,
  TASKIP_KIND_COUNT
} taskip_kind;

const char *taskip_kind_name(taskip_kind kind);

typedef enum taskip_rate_policy {
  TASKIP_RATE_WAIT = 0,   /* wait for the window, up to max_wait */
  TASKIP_RATE_ERROR       /* fail at once with rate_limited */
} taskip_rate_policy;

typedef struct taskip_config {
  const char *base_url;       /* NULL: TASKIP_DEFAULT_BASE_URL */
  const char *cafile;         /* NULL: the system store */
  long timeout_ms;            /* whole attempt; default 30 s */
  long connect_timeout_ms;    /* default 10 s */
  int max_retries;            /* per call; default 2 */
  double retry_backoff;       /* first backoff in seconds; default 0.5 */
  taskip_rate_policy rate_policy;
  double max_wait;            /* longest rate-limit wait; default 300 s */
  size_t max_response_bytes;  /* default 16 MiB */
  long hour_limit;            /* documented 1000/hour until the server */
  long minute_limit;          /* says otherwise; 100/minute burst */
  int allow_http;             /* plain http, loopback hosts only */
  int debug;                  /* collect redacted transfer traces */
  struct taskip_rate_store *rate_store;  /* where the rate-limit state
                                lives, shared with other processes
                                (ratestore.h); NULL: in this client.
                                Not owned: it must outlive the client */
  int rate_fleet;             /* while rate_store is unreachable, this
                                client keeps 1/rate_fleet of the budget
                                to itself; default 4 */
} taskip_config;

void taskip_config_init(taskip_config *cfg);

typedef struct taskip_client taskip_client;

/*
** Creates a client. `key` (len bytes) is copied into locked memory; the
** caller should wipe its own copy. On failure returns NULL and writes a
** message (never containing the key) to err.
*/
taskip_client *taskip_client_new(const taskip_config *cfg,
                                 const char *key, size_t keylen,
                                 char *err, size_t errlen);
void taskip_client_free(taskip_client *c);   /* safe on NULL */

/* The rate-limit figures as they stand (see ratelimit.h); budget and
** burst point to taskip_rate_figures. Returns the wait before the next
** request may go, in seconds. */
struct taskip_rate_figures;
double taskip_client_rate(taskip_client *c, double now,
                          struct taskip_rate_figures *budget,
                          struct taskip_rate_figures *burst);

/*
** How an attempt failed when no complete response came back. The core
** decides from this (with `reached` and the method) whether the request
** can be sent again; transports only translate their own codes.
*/
typedef enum taskip_failure {
  TASKIP_FAIL_NONE = 0,   /* a response arrived */
  TASKIP_FAIL_RESOLVE,    /* the host name did not resolve */
  TASKIP_FAIL_CONNECT,    /* no connection could be made */
  TASKIP_FAIL_TLS,        /* handshake or certificate verification */
  TASKIP_FAIL_TIMEOUT,    /* the attempt's time ran out */
  TASKIP_FAIL_LOST,       /* sent (maybe), then the connection failed */
  TASKIP_FAIL_TOO_LARGE,  /* the body passed max_response_bytes */
  TASKIP_FAIL_PROTOCOL,   /* the server's answer was not valid HTTP */
  TASKIP_FAIL_OTHER,      /* anything else (out of memory, ...) */
  TASKIP_FAIL_COUNT
} taskip_failure;

/* A response header; the core lowercases names it keeps. */
typedef struct taskip_header {
  char *name;
  char *value;
} taskip_header;

/* The outcome of a call. Owned by the call. */
typedef struct taskip_result {
  taskip_kind kind;
  long status;              /* HTTP status, 0 if none arrived */
  taskip_failure failure;   /* of the last attempt; NONE: it answered */
  char message[256];        /* for failures; never holds the key */
  double retry_after;       /* seconds, < 0 when unknown */
  char *body;               /* NUL-terminated, body_len bytes */
  size_t body_len;
  taskip_header *headers;
  size_t header_count;
  int attempts;             /* requests actually sent */
  char *trace;              /* redacted debug trace, when enabled */
  size_t trace_len;
} taskip_result;

/* The longest URL a call may have: servers answer 414 beyond a few KB
** (the emulator at about 32 KB), and URL-sized work in the transports
** stays small. A longer one is refused naming the query or the path. */
#define TASKIP_MAX_URL_BYTES 16384

/*
** A part of a multipart/form-data body (file uploads): a field, or a
** file when filename is set. name, filename and content_type may not
** hold CR, LF, NUL or '"' (they go into the part's headers).
*/
typedef struct taskip_part {
  const char *name;          /* "files[]", "description" */
  const char *filename;      /* NULL: a plain field */
  const char *content_type;  /* NULL: none for a field, else
                                application/octet-stream */
  const char *data;
  size_t len;
} taskip_part;

/* The bytes a call's copy of n parts takes (taskip_call_new keeps one
** allocation of them). */
size_t taskip_parts_size(const taskip_part *parts, size_t n);

typedef struct taskip_request {
  const char *method;       /* GET, POST, PUT, PATCH, DELETE, HEAD */
  const char *path;         /* "/contact/1" or a same-origin URL */
  const char *query;        /* already encoded, without '?'; or NULL */
  const char *body;         /* JSON text or NULL */
  size_t body_len;
  const taskip_part *parts; /* or a multipart body: part_count parts */
  size_t part_count;        /* (0: none; not with body) */
  /* A limit of the endpoint's own beside the key's budget (the
  ** endpoint table's `limit` option): limit_count requests per
  ** limit_window seconds (at most 3600), counted in a bucket named
  ** limit_name ([A-Za-z0-9_.:-], at most 31 bytes) that requests
  ** naming the same limit share. NULL: none. */
  const char *limit_name;
  long limit_count;
  double limit_window;
} taskip_request;

typedef struct taskip_call taskip_call;

/*
** Plans a call. Refuses (NULL, message in err naming the parameter) a
** path that could leave the pinned origin, CR/LF in any part, a method
** other than GET, HEAD, POST, PUT, PATCH or DELETE (any case), and a
** body with GET or HEAD. Every attempt then goes with the method as
** taskip_call_method gives it, body or not.
*/
taskip_call *taskip_call_new(taskip_client *c, const taskip_request *req,
                             char *err, size_t errlen);
void taskip_call_free(taskip_call *call);

/* The call's method, uppercase: the one every attempt is sent with. A
** driver that checks calls (--allow, --dry-run) checks this string. */
const char *taskip_call_method(const taskip_call *call);

typedef enum taskip_step {
  TASKIP_STEP_SEND,   /* carry taskip_call_attempt(), then digest */
  TASKIP_STEP_WAIT,   /* come back at *wake_at (rate limit, backoff) */
  TASKIP_STEP_DONE    /* taskip_call_result is final */
} taskip_step;

taskip_step taskip_call_step(taskip_call *call, double now,
                             double *wake_at);

/*
** An attempt as plain data: what a transport must send, and how. Valid
** from the step() that answered SEND until the attempt is digested.
** headers[key_header] is the "X-Secret-Key: ..." line: it points into
** the core's locked memory, and a transport wipes any copy it makes of
** it as soon as the request is written.
*/
typedef struct taskip_attempt {
  const char *method;
  const char *url;            /* full URL, inside the pinned origin */
  const char *target;         /* the request-target: path and query */
  const char *scheme;         /* "https" (or "http" to loopback) */
  const char *host;           /* lowercase; IPv6 without brackets */
  long port;
  const char *const *headers; /* "Name: value" lines */
  size_t header_count;
  size_t key_header;          /* index of the key's line in headers */
  const char *body;           /* NULL: no body */
  size_t body_len;
  const taskip_part *parts;   /* part_count > 0: the body is these, as
                                 multipart/form-data; the transport
                                 picks the boundary and writes the
                                 Content-Type header (not in headers) */
  size_t part_count;
  int idempotent;             /* may the transport itself re-send it */
  long timeout_ms, connect_timeout_ms;
  size_t max_response_bytes;  /* a longer body is TASKIP_FAIL_TOO_LARGE */
  const char *cafile;         /* NULL: the system store */
  int debug;                  /* hand traces to taskip_call_trace */
} taskip_attempt;

const taskip_attempt *taskip_call_attempt(const taskip_call *call);

/* "resolve", "connect", ...; and back (-1: unknown name). */
const char *taskip_failure_name(taskip_failure f);
int taskip_failure_of_name(const char *name);

/* What came back from an attempt, as plain data. */
typedef struct taskip_response {
  taskip_failure failure;     /* TASKIP_FAIL_NONE: status etc. are set */
  int reached;                /* the request may have reached the server:
                                 a connection was up and writing began */
  const char *detail;         /* the transport's words, or NULL */
  long status;
  const taskip_header *headers;
  size_t header_count;
  const char *body;
  size_t body_len;
  char *body_given;           /* or: a malloc'd body with room for a NUL
                                 after body_len bytes, which the core
                                 takes over instead of copying body */
} taskip_response;

/* Digests the attempt step() handed out (copies what it keeps). */
void taskip_call_digest(taskip_call *call, const taskip_response *r,
                        double now);

/* Adds a line of a transfer trace (debug), scrubbed of the key. */
void taskip_call_trace(taskip_call *call, const char *prefix,
                       const char *text, size_t len);

const taskip_result *taskip_call_result(const taskip_call *call);

/* Seconds since the epoch, sub-second resolution. */
double taskip_now(void);

#ifdef __cplusplus
}
#endif

#endif
