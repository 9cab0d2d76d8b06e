/*
** The emulator's HTTPS server: libmicrohttpd with GnuTLS, one thread
** per connection, bound to 127.0.0.1.
**
** Request flow: the URI log callback allocates a req_ctx (it keeps the
** raw request-target, for the raw query string); the access handler
** accumulates the body (and reads a multipart one as parts, form.c),
** then hands the request to Lua (lua_bridge.c)
** and turns the answer into an MHD response. Delays are slept in the
** connection thread outside the Lua mutex, on a condition variable
** that taskip_mock_stop signals, so stopping is prompt.
**
** Percent-decoding is disabled (a no-op unescape callback) so the
** path reaches Lua raw; query values are decoded here with
** MHD_http_unescape ('+' is already a space: MHD does that first).
*/
#include "mock.h"
#include "lua_bridge.h"
#include "form.h"
#include "tls_cert.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define MAX_BODY (8u * 1024u * 1024u)  /* larger uploads answer 413 */
#define STREAM_BLOCK (64u * 1024u)
#define IDLE_TIMEOUT 120u              /* seconds, keep-alive idle */

struct taskip_mock {
  struct MHD_Daemon *daemon;
  mock_lua *lua;
  mock_tls tls;
  int port;
  char base_url[64];
  char *cafile;
  char *tmpdir;         /* non-NULL when we created it */
  pthread_mutex_t lock; /* guards stopping and next_conn_id */
  pthread_cond_t wake;  /* signalled when stopping */
  int stopping;
  long next_conn_id;
};

/* Per request: raw URI and the body read so far. */
typedef struct req_ctx {
  char *uri;
  char *body;
  size_t len;
  size_t cap;
  int too_large;
  int started;          /* the access handler has seen the headers */
  int is_form;          /* multipart/form-data: form holds its parts */
  mock_form form;
} req_ctx;

/* Per connection. */
typedef struct conn_ctx {
  long id;
} conn_ctx;

/* A growable array of name/value pairs, owned. */
typedef struct kv_list {
  mock_kv *kv;
  size_t n;
  size_t cap;
  int oom;
} kv_list;

/* Streaming state for a response built from a mock_response. */
typedef struct body_reader {
  mock_response resp;
  unsigned long long total;
} body_reader;

void taskip_mock_config_init(taskip_mock_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->limit = 1000;
  cfg->window = 3600;
  cfg->cert_mode = TASKIP_MOCK_CERT_NORMAL;
}

int taskip_mock_cert_mode_from_name(const char *name)
{
  static const char *const names[] = {
    "normal", "wrong_host", "expired", "untrusted", NULL
  };
  int i;

  for (i = 0; name && names[i]; i++) {
    if (strcmp(name, names[i]) == 0)
      return i;
  }
  return -1;
}

/* {==================================================================
** Sleeping
** =================================================================== */

/* Sleep ms milliseconds unless stopping; returns 1 if stopping. */
static int sleep_ms(taskip_mock *m, long ms)
{
  struct timespec until;
  int stopping;

  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&m->lock);
  while (!m->stopping && ms > 0) {
    if (pthread_cond_timedwait(&m->wake, &m->lock, &until) == ETIMEDOUT)
      break;
  }
  stopping = m->stopping;
  pthread_mutex_unlock(&m->lock);
  return stopping;
}

/* }================================================================== */

/* {==================================================================
** MHD callbacks: connections and request lifetime
** =================================================================== */

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
  taskip_mock *m = cls;
  conn_ctx *cc;

  (void)c;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    cc = malloc(sizeof *cc);
    if (cc) {
      pthread_mutex_lock(&m->lock);
      cc->id = ++m->next_conn_id;
      pthread_mutex_unlock(&m->lock);
    }
    *socket_context = cc;
  } else {
    free(*socket_context);
    *socket_context = NULL;
  }
}

/* Keep everything percent-encoded: Lua decodes what it needs. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
  (void)cls;
  (void)c;
  return strlen(s);
}

/* Called once per request before the headers: allocate its req_ctx,
** which MHD then passes as *req_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
  req_ctx *rc = calloc(1, sizeof *rc);

  (void)cls;
  (void)c;
  if (rc) {
    rc->uri = strdup(uri);
    if (rc->uri == NULL) {
      free(rc);
      rc = NULL;
    }
  }
  return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c,
                         void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  req_ctx *rc = *req_cls;

  (void)cls;
  (void)c;
  (void)toe;
  if (rc) {
    mock_form_free(&rc->form);
    free(rc->uri);
    free(rc->body);
    free(rc);
  }
  *req_cls = NULL;
}

/* Append an upload chunk, discarding what exceeds MAX_BODY. */
static void append_body(req_ctx *rc, const char *data, size_t n)
{
  size_t room = MAX_BODY - rc->len;
  size_t cap;
  char *p;

  if (n > room) {
    rc->too_large = 1;
    n = room;
  }
  if (rc->len + n + 1 > rc->cap) {
    cap = rc->cap ? rc->cap : 4096;
    while (cap < rc->len + n + 1)
      cap *= 2;
    p = realloc(rc->body, cap);
    if (p == NULL) {
      rc->too_large = 1;
      return;
    }
    rc->body = p;
    rc->cap = cap;
  }
  memcpy(rc->body + rc->len, data, n);
  rc->len += n;
  rc->body[rc->len] = '\0';
}

/* }================================================================== */

/* {==================================================================
** Collecting headers and query arguments
** =================================================================== */

static void kv_free(kv_list *l)
{
  size_t i;

  for (i = 0; i < l->n; i++) {
    free((char *)(uintptr_t)l->kv[i].name);
    free((char *)(uintptr_t)l->kv[i].value);
  }
  free(l->kv);
  memset(l, 0, sizeof *l);
}

/* Append a copy of name (lowercased if lower) and value (decoded if
** decode). A NULL value (a bare "?flag") becomes "". */
static void kv_add(kv_list *l, const char *name, const char *value,
                   int lower, int decode)
{
  mock_kv *kv;
  char *k, *v;
  size_t i;

  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 16;
    kv = realloc(l->kv, l->cap * sizeof *kv);
    if (kv == NULL) {
      l->oom = 1;
      return;
    }
    l->kv = kv;
  }
  k = strdup(name);
  v = strdup(value ? value : "");
  if (k == NULL || v == NULL) {
    free(k);
    free(v);
    l->oom = 1;
    return;
  }
  for (i = 0; lower && k[i]; i++)
    k[i] = (char)tolower((unsigned char)k[i]);
  if (decode) {
    MHD_http_unescape(k);
    MHD_http_unescape(v);
  }
  l->kv[l->n].name = k;
  l->kv[l->n].value = v;
  l->n++;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
  (void)kind;
  kv_add(cls, key, value, 1, 0);
  return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
  (void)kind;
  kv_add(cls, key, value, 0, 1);
  return MHD_YES;
}

/* }================================================================== */

/* {==================================================================
** Responses
** =================================================================== */

/* Copy bytes [pos, pos + max) of s (length n) that overlap [at, at+n)
** into buf; returns how many were copied. */
static size_t copy_part(char *buf, uint64_t pos, size_t max,
                        const char *s, size_t n, uint64_t at)
{
  uint64_t from, to;

  if (n == 0 || pos >= at + n || pos + max <= at)
    return 0;
  from = pos > at ? pos : at;
  to = pos + max < at + n ? pos + max : at + n;
  memcpy(buf + (from - pos), s + (from - at), (size_t)(to - from));
  return (size_t)(to - from);
}

/*
** Content reader over head + (item sep)* item + tail. Random access
** is cheap, so pos need not be sequential. Ends with an error at
** cut_at for MOCK_DROP_MID_BODY, which makes MHD abort the connection.
*/
static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
  body_reader *br = cls;
  mock_response *r = &br->resp;
  uint64_t end = br->total;
  uint64_t at, stride, first, k;
  size_t done = 0;

  if (r->action == MOCK_DROP_MID_BODY && r->cut_at < end)
    end = r->cut_at;
  if (pos >= end)
    return r->action == MOCK_DROP_MID_BODY
               ? MHD_CONTENT_READER_END_WITH_ERROR
               : MHD_CONTENT_READER_END_OF_STREAM;
  if (max > end - pos)
    max = (size_t)(end - pos);
  done += copy_part(buf, pos, max, r->head, r->head_len, 0);
  stride = r->item_len + r->sep_len;
  at = r->head_len;
  if (r->count > 0 && stride > 0) {
    first = pos > at ? (pos - at) / stride : 0;
    for (k = first; k < r->count && at + k * stride < pos + max; k++) {
      uint64_t it = at + k * stride;

      done += copy_part(buf, pos, max, r->item, r->item_len, it);
      if (k + 1 < r->count)
        done += copy_part(buf, pos, max, r->sep, r->sep_len,
                          it + r->item_len);
    }
  }
  done += copy_part(buf, pos, max, r->tail, r->tail_len,
                    br->total - r->tail_len);
  return (ssize_t)done;
}

static void free_reader(void *cls)
{
  body_reader *br = cls;

  mock_response_free(&br->resp);
  free(br);
}

/* Build the MHD response; takes ownership of *resp's contents. */
static struct MHD_Response *make_response(mock_response *resp)
{
  struct MHD_Response *r;
  body_reader *br;
  size_t i;

  if (resp->action == MOCK_RESPOND && resp->count == 0
      && resp->tail_len == 0) {
    r = MHD_create_response_from_buffer(resp->head_len,
                                        resp->head ? resp->head : "",
                                        MHD_RESPMEM_MUST_COPY);
  } else {
    br = malloc(sizeof *br);
    if (br == NULL)
      return NULL;
    br->resp = *resp;
    memset(resp, 0, sizeof *resp);
    br->total = mock_response_length(&br->resp);
    r = MHD_create_response_from_callback(br->total, STREAM_BLOCK,
                                          read_body, br, free_reader);
    if (r == NULL) {
      free_reader(br);
      return NULL;
    }
    resp = &br->resp;
  }
  for (i = 0; r && i < resp->nheaders; i++)
    MHD_add_response_header(r, resp->headers[2 * i],
                            resp->headers[2 * i + 1]);
  return r;
}

/* }================================================================== */

static long connection_id(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  const conn_ctx *cc = ci ? ci->socket_context : NULL;

  return cc ? cc->id : 0;
}

/* Ask Lua, sleep the delay, then queue the answer (or drop). */
static enum MHD_Result answer(taskip_mock *m, struct MHD_Connection *c,
                              const char *url, const char *method,
                              req_ctx *rc)
{
  kv_list headers = {NULL, 0, 0, 0};
  kv_list args = {NULL, 0, 0, 0};
  mock_request req;
  mock_response resp;
  struct MHD_Response *r;
  const char *q = strchr(rc->uri, '?');
  enum MHD_Result ret = MHD_NO;
  unsigned status;

  MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &headers);
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
  if (headers.oom || args.oom)
    goto done;
  memset(&req, 0, sizeof req);
  req.method = method;
  req.path = url;
  req.raw_query = q ? q + 1 : "";
  req.headers = headers.kv;
  req.nheaders = headers.n;
  req.query = args.kv;
  req.nquery = args.n;
  req.body = rc->body;
  req.body_len = rc->len;
  req.body_too_large = rc->too_large;
  req.connection_id = connection_id(c);
  if (rc->is_form) {
    mock_form_end(&rc->form);
    req.form = 1;
    req.form_broken = rc->form.broken;
    req.parts = rc->form.parts;
    req.nparts = rc->form.n;
  }
  mock_lua_handle(m->lua, &req, &resp);
  kv_free(&headers);
  kv_free(&args);
  if (resp.delay_ms > 0 && sleep_ms(m, resp.delay_ms)) {
    mock_response_free(&resp);
    goto done;
  }
  if (resp.action == MOCK_DROP) {
    mock_response_free(&resp);
    goto done;
  }
  status = (unsigned)resp.status;
  r = make_response(&resp); /* may take resp's contents */
  if (r) {
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
  }
  mock_response_free(&resp);
done:
  kv_free(&headers);
  kv_free(&args);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  req_ctx *rc = *req_cls;

  (void)version;
  if (rc == NULL)
    return MHD_NO;
  if (!rc->started) {
    rc->started = 1;
    rc->is_form = mock_form_start(&rc->form, c);
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    append_body(rc, upload_data, *upload_data_size);
    if (rc->is_form)
      mock_form_feed(&rc->form, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  return answer(cls, c, url, method, rc);
}

/* {==================================================================
** CA file
** =================================================================== */

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  int ok;

  if (f == NULL)
    return -1;
  ok = fputs(text, f) >= 0;
  ok = fclose(f) == 0 && ok;
  return ok ? 0 : -1;
}

/* Write the CA PEM to cfg->ca_out or to a fresh temporary directory. */
static int write_ca(taskip_mock *m, const char *ca_out,
                    char *err, size_t errlen)
{
  const char *tmp = getenv("TMPDIR");
  size_t n;

  if (ca_out == NULL) {
    if (tmp == NULL || *tmp == '\0')
      tmp = "/tmp";
    n = strlen(tmp) + sizeof "/taskip-mock-XXXXXX";
    m->tmpdir = malloc(n);
    if (m->tmpdir == NULL)
      return -1;
    snprintf(m->tmpdir, n, "%s/taskip-mock-XXXXXX", tmp);
    if (mkdtemp(m->tmpdir) == NULL) {
      snprintf(err, errlen, "mkdtemp %s: %s", m->tmpdir, strerror(errno));
      free(m->tmpdir);
      m->tmpdir = NULL;
      return -1;
    }
    n = strlen(m->tmpdir) + sizeof "/ca.pem";
    m->cafile = malloc(n);
    if (m->cafile)
      snprintf(m->cafile, n, "%s/ca.pem", m->tmpdir);
  } else {
    m->cafile = strdup(ca_out);
  }
  if (m->cafile == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (write_file(m->cafile, m->tls.ca_pem) != 0) {
    snprintf(err, errlen, "writing %s: %s", m->cafile, strerror(errno));
    return -1;
  }
  return 0;
}

/* }================================================================== */

static int start_daemon(taskip_mock *m, int port, char *err,
                        size_t errlen)
{
  struct sockaddr_in sa;
  const union MHD_DaemonInfo *info;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD
                   | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS
                   | MHD_USE_ITC;

  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  m->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
      on_request, m,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_HTTPS_MEM_KEY, m->tls.key_pem,
      MHD_OPTION_HTTPS_MEM_CERT, m->tls.cert_pem,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)m,
      MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, (void *)m,
      MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)m,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)m,
      MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT,
      MHD_OPTION_END);
  if (m->daemon == NULL) {
    snprintf(err, errlen, "cannot listen on 127.0.0.1:%d "
             "(port in use?)", port);
    return -1;
  }
  info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
  m->port = info ? info->port : port;
  snprintf(m->base_url, sizeof m->base_url,
           "https://127.0.0.1:%d/api/public-v1", m->port);
  return 0;
}

taskip_mock *taskip_mock_start(const taskip_mock_config *cfg,
                               char *err, size_t errlen)
{
  taskip_mock *m;
  pthread_condattr_t ca;
  char dummy[1];

  if (err == NULL || errlen == 0) {
    err = dummy;
    errlen = sizeof dummy;
  }
  if (cfg == NULL || cfg->secret_key == NULL || *cfg->secret_key == '\0'
      || cfg->limit < 1 || cfg->window < 1 || cfg->port < 0
      || cfg->port > 65535 || cfg->latency_ms < 0
      || cfg->cert_mode < TASKIP_MOCK_CERT_NORMAL
      || cfg->cert_mode > TASKIP_MOCK_CERT_UNTRUSTED) {
    snprintf(err, errlen, "taskip_mock_start: invalid configuration");
    return NULL;
  }
  m = calloc(1, sizeof *m);
  if (m == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&m->lock, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&m->wake, &ca);
  pthread_condattr_destroy(&ca);
  if (mock_tls_make(&m->tls, cfg->cert_mode, err, errlen) != 0
      || write_ca(m, cfg->ca_out, err, errlen) != 0) {
    taskip_mock_stop(m);
    return NULL;
  }
  m->lua = mock_lua_open(cfg, err, errlen);
  if (m->lua == NULL || start_daemon(m, cfg->port, err, errlen) != 0) {
    taskip_mock_stop(m);
    return NULL;
  }
  return m;
}

int taskip_mock_port(const taskip_mock *m)
{
  return m->port;
}

const char *taskip_mock_base_url(const taskip_mock *m)
{
  return m->base_url;
}

const char *taskip_mock_cafile(const taskip_mock *m)
{
  return m->cafile;
}

int taskip_mock_control(taskip_mock *m, const char *json, char **reply)
{
  return mock_lua_control(m->lua, json, reply);
}

void taskip_mock_stop(taskip_mock *m)
{
  if (m == NULL)
    return;
  pthread_mutex_lock(&m->lock);
  m->stopping = 1;
  pthread_cond_broadcast(&m->wake);
  pthread_mutex_unlock(&m->lock);
  if (m->daemon)
    MHD_stop_daemon(m->daemon);
  mock_lua_close(m->lua);
  if (m->tmpdir) {
    if (m->cafile)
      unlink(m->cafile);
    rmdir(m->tmpdir);
  }
  mock_tls_free(&m->tls);
  pthread_cond_destroy(&m->wake);
  pthread_mutex_destroy(&m->lock);
  free(m->cafile);
  free(m->tmpdir);
  free(m);
}
