/*
** transport_curl.c — one planned attempt on a curl easy handle (see
** transport_curl.h), shared by the easy and multi transports.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_curl.h"
#include "transport.h"
#include "secret.h"

/* Unused room a body may keep when the core takes it over. */
#define BODY_SLACK 4096

int taskip_transport_init(void) {
  static int done;
  if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return -1;
  done = 1;
  return 0;
}

const char *taskip_user_agent(void) {
  static char ua[64];
  if (ua[0] == '\0') {
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    snprintf(ua, sizeof(ua), "taskip/%s libcurl/%s", TASKIP_VERSION,
             v->version);
  }
  return ua;
}

char *taskip_escape(const char *s, size_t n) {
  char *e, *d = NULL;
  if (n > (size_t)INT_MAX / 3)
    return NULL;
  e = curl_easy_escape(NULL, s, (int)n);
  if (e != NULL) {
    size_t len = strlen(e) + 1;
    d = malloc(len);
    if (d != NULL)
      memcpy(d, e, len);
    curl_free(e);
  }
  return d;
}

taskip_failure tcurl_failure_of(CURLcode rc) {
  switch (rc) {
  case CURLE_OK:
    return TASKIP_FAIL_NONE;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return TASKIP_FAIL_RESOLVE;
  case CURLE_COULDNT_CONNECT:
    return TASKIP_FAIL_CONNECT;
  case CURLE_OPERATION_TIMEDOUT:
    return TASKIP_FAIL_TIMEOUT;
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
    return TASKIP_FAIL_TLS;
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_SEND_FAIL_REWIND:
    return TASKIP_FAIL_LOST;
  case CURLE_FILESIZE_EXCEEDED:
    return TASKIP_FAIL_TOO_LARGE;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_UNSUPPORTED_PROTOCOL:
    return TASKIP_FAIL_PROTOCOL;
  default:
    return TASKIP_FAIL_OTHER;
  }
}

/* Frees a header list after wiping every line: one holds the key. */
static void wipe_slist(struct curl_slist *l) {
  struct curl_slist *p;
  for (p = l; p != NULL; p = p->next)
    taskip_wipe(p->data, strlen(p->data));
  curl_slist_free_all(l);
}

void tcurl_release(tcurl_attempt *t) {
  wipe_slist(t->headers);
  t->headers = NULL;
  curl_mime_free(t->mime);
  t->mime = NULL;
  free(t->readers);
  t->readers = NULL;
  taskip_buffer_free(&t->in);
  if (t->taken > 0 && t->meter.give != NULL)
    t->meter.give(t->meter.ud, t->taken);
  t->taken = 0;
}

/* {------------------------------------------------ curl callbacks */

/*
** Grows the body buffer for n more bytes with the meter's consent: by
** doubling when the budget allows it, else by as much as it allows,
** halving the ask down to what the n bytes need. -1 when even that is
** refused (or out of memory): nothing is allocated then.
*/
static int grow_metered(tcurl_attempt *t, size_t n) {
  size_t need = t->in.len + n + 1, ask, least;
  if (need <= t->in.cap)
    return 0;
  ask = taskip_buffer_grown(&t->in, n) - t->in.cap;
  least = need - t->in.cap;
  while (t->meter.take(t->meter.ud, ask) != 0) {
    if (ask == least)
      return -1;
    ask = ask / 2 > least ? ask / 2 : least;
  }
  if (taskip_buffer_resize(&t->in, t->in.cap + ask) != 0) {
    t->meter.give(t->meter.ud, ask);
    return -1;
  }
  t->taken += ask;
  return 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  tcurl_attempt *t = ud;
  size_t len = size * n;
  if (t->in.len + len > t->plan->max_response_bytes ||
      (t->meter.take != NULL && grow_metered(t, len) != 0)) {
    t->too_large = 1;
    return 0;                               /* aborts the transfer */
  }
  if (taskip_buffer_add(&t->in, p, len) != 0)
    return 0;
  return len;
}

/* Reads a body, or a part of a multipart body (a tcurl_reader). */
static size_t on_read(char *p, size_t size, size_t n, void *ud) {
  tcurl_reader *r = ud;
  size_t left = r->len - r->off;
  size_t len = size * n < left ? size * n : left;
  if (len > 0)
    memcpy(p, r->data + r->off, len);
  r->off += len;
  return len;
}

/*
** libcurl re-sends a request by itself when a reused connection turns
** out dead before any response byte, rewinding the body (each part of
** a multipart one) first. For a write that may already have reached
** the server, refusing the rewind stops that second send.
*/
static int on_seek(void *ud, curl_off_t offset, int origin) {
  tcurl_reader *r = ud;
  if (!r->idempotent || origin != SEEK_SET || offset < 0 ||
      (size_t)offset > r->len)
    return CURL_SEEKFUNC_CANTSEEK;
  r->off = (size_t)offset;
  return CURL_SEEKFUNC_OK;
}

/* Called once a connection is up (TLS included), before the request
** is written: from here on, the request may reach the server. */
static int on_prereq(void *ud, char *ip, char *local_ip, int port,
                     int local_port) {
  tcurl_attempt *t = ud;
  (void)ip;
  (void)local_ip;
  (void)port;
  (void)local_port;
  t->reached = 1;
  return CURL_PREREQFUNC_OK;
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud) {
  tcurl_attempt *t = ud;
  static const char *const mark[] = {"* ", "< ", "> "};
  (void)h;
  if (type == CURLINFO_TEXT || type == CURLINFO_HEADER_IN ||
      type == CURLINFO_HEADER_OUT)
    taskip_call_trace(t->call, mark[type], data, size);
  return 0;
}

/* }------------------------------------------------ */

/*
** The attempt's parts as a curl MIME body. The bytes are read from the
** call's copy (no second copy in libcurl) through readers that refuse
** a rewind for a write.
*/
static CURLcode build_mime(tcurl_attempt *t, CURL *h) {
  const taskip_attempt *a = t->plan;
  size_t i;
  t->mime = curl_mime_init(h);
  t->readers = calloc(a->part_count, sizeof(*t->readers));
  if (t->mime == NULL || t->readers == NULL)
    return CURLE_OUT_OF_MEMORY;
  for (i = 0; i < a->part_count; i++) {
    const taskip_part *p = &a->parts[i];
    curl_mimepart *mp = curl_mime_addpart(t->mime);
    CURLcode rc;
    if (mp == NULL)
      return CURLE_OUT_OF_MEMORY;
    t->readers[i].data = p->data;
    t->readers[i].len = p->len;
    t->readers[i].idempotent = a->idempotent;
    rc = curl_mime_name(mp, p->name);
    if (rc == CURLE_OK)
      rc = curl_mime_data_cb(mp, (curl_off_t)p->len, on_read,
                             on_seek, NULL, &t->readers[i]);
    if (rc == CURLE_OK && p->filename != NULL)
      rc = curl_mime_filename(mp, p->filename);
    if (rc == CURLE_OK && (p->content_type != NULL || p->filename != NULL))
      rc = curl_mime_type(mp, p->content_type != NULL
                                  ? p->content_type
                                  : "application/octet-stream");
    if (rc != CURLE_OK)
      return rc;
  }
  return CURLE_OK;
}

CURLcode tcurl_prepare(tcurl_attempt *t, taskip_call *call, CURL *h) {
  const taskip_attempt *a = taskip_call_attempt(call);
  struct curl_slist *l = NULL;
  CURLcode rc = CURLE_OK;
  size_t i;
  memset(t, 0, sizeof(*t));
  t->call = call;
  t->plan = a;
  if (a == NULL)
    return CURLE_BAD_FUNCTION_ARGUMENT;
  for (i = 0; i <= a->header_count; i++) {
    /* no 100-continue round trip */
    const char *line = i < a->header_count ? a->headers[i] : "Expect:";
    struct curl_slist *n = curl_slist_append(l, line);
    if (n == NULL) {
      wipe_slist(l);
      return CURLE_OUT_OF_MEMORY;
    }
    l = n;
  }
  t->headers = l;
  curl_easy_reset(h);           /* keeps the handle's live connections */

#define SET(opt, val) \
  do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
  SET(CURLOPT_URL, a->url);
  SET(CURLOPT_PROTOCOLS_STR, a->scheme);
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_HTTPHEADER, l);
  SET(CURLOPT_USERAGENT, taskip_user_agent());
  SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_TIMEOUT_MS, a->timeout_ms);
  SET(CURLOPT_CONNECTTIMEOUT_MS, a->connect_timeout_ms);
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if (a->cafile != NULL)
    SET(CURLOPT_CAINFO, a->cafile);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->max_response_bytes);
  SET(CURLOPT_WRITEFUNCTION, on_write);
  SET(CURLOPT_WRITEDATA, t);
  SET(CURLOPT_ERRORBUFFER, t->errbuf);
  SET(CURLOPT_PREREQFUNCTION, on_prereq);
  SET(CURLOPT_PREREQDATA, t);
  /* The method on the wire is the planned one, whatever the body. */
  if (strcmp(a->method, "HEAD") == 0) {
    SET(CURLOPT_NOBODY, 1L);
  } else if (a->part_count > 0) {
    if (rc == CURLE_OK)
      rc = build_mime(t, h);
    SET(CURLOPT_MIMEPOST, t->mime);
  } else if (a->body != NULL || strcmp(a->method, "POST") == 0) {
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)a->body_len);
    t->body.data = a->body;
    t->body.len = a->body_len;
    t->body.idempotent = a->idempotent;
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, &t->body);
    SET(CURLOPT_SEEKFUNCTION, on_seek);
    SET(CURLOPT_SEEKDATA, &t->body);
  } else {
    SET(CURLOPT_HTTPGET, 1L);
  }
  if (strcmp(a->method, "POST") != 0 && strcmp(a->method, "HEAD") != 0 &&
      (a->body != NULL || a->part_count > 0 ||
       strcmp(a->method, "GET") != 0))
    SET(CURLOPT_CUSTOMREQUEST, a->method);
  if (a->debug) {
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, t);
    SET(CURLOPT_VERBOSE, 1L);
  }
#undef SET
  return rc;
}

/* The last response's headers, as pointers into libcurl's memory: valid
** until h is used again. NULL (n = 0) when there are none. */
static taskip_header *headers_of(CURL *h, size_t *n) {
  struct curl_header *prev = NULL, *hd;
  taskip_header *hs;
  size_t count = 0, i;
  while ((hd = curl_easy_nextheader(h, CURLH_HEADER, -1, prev)) != NULL) {
    count++;
    prev = hd;
  }
  *n = 0;
  if (count == 0 || (hs = calloc(count, sizeof(*hs))) == NULL)
    return NULL;
  prev = NULL;
  for (i = 0; i < count; i++) {
    hd = curl_easy_nextheader(h, CURLH_HEADER, -1, prev);
    if (hd == NULL)
      break;
    prev = hd;
    hs[i].name = hd->name;
    hs[i].value = hd->value;
  }
  *n = i;
  return hs;
}

void tcurl_finish(tcurl_attempt *t, CURL *h, CURLcode rc) {
  taskip_response r;
  taskip_header *hs = NULL;
  memset(&r, 0, sizeof(r));
  if (h != NULL) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    hs = headers_of(h, &r.header_count);
  }
  r.headers = hs;
  r.failure = t->too_large ? TASKIP_FAIL_TOO_LARGE : tcurl_failure_of(rc);
  r.reached = t->reached;
  r.detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
  if (r.failure != TASKIP_FAIL_NONE) {
    taskip_buffer_free(&t->in);   /* the core keeps no failed body */
  } else if (t->in.cap > t->in.len + BODY_SLACK) {
    /* the result keeps the body: not the buffer's unused doubling */
    taskip_buffer_resize(&t->in, t->in.len + 1);
  }
  r.body = t->in.data != NULL ? t->in.data : "";
  r.body_len = t->in.len;
  r.body_given = t->in.data;  /* NUL-terminated: room for the core's */
  memset(&t->in, 0, sizeof(t->in));
  wipe_slist(t->headers);     /* the request is over: the key's copy goes */
  t->headers = NULL;
  taskip_call_digest(t->call, &r, taskip_now());
  free(hs);
  tcurl_release(t);
}
