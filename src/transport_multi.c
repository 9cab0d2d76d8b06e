/*
** transport_multi.c — the non-blocking transport: attempts of many calls
** in flight on one curl multi handle, driven by the caller's loop
** (taskip_multi_run), with connections, TLS sessions and DNS answers
** shared across calls.
**
** Sockets that poll(2) reports are handed to curl one at a time, so a
** caller's time budget holds even with many transfers: the rest stay
** ready for the next run (poll is level-triggered).
**
** A transfer sent with a taskip_pool uses that pool's connections (and
** TLS sessions) only: a pool is a curl share holding a connection cache
** of its own (CURL_LOCK_DATA_CONNECT), which libcurl uses in place of
** the multi's. The host keeps one per key, so connections never carry
** two accounts' requests.
*/
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "transport.h"
#include "transport_curl.h"

#define POOL_MAX 64          /* idle easy handles kept */

struct taskip_transfer {
  CURL *easy;
  tcurl_attempt attempt;
  taskip_transfer_done done;
  void *ud;
  taskip_transfer *prev, *next;   /* in flight, in the multi's list */
  int *busy;                      /* its pool's count of transfers */
};

/* Connections open and transfers in flight, of a pool or of the
** multi's own cache. */
typedef struct pool_use {
  int connections;
  int busy;
} pool_use;

struct taskip_pool {
  CURLSH *share;
  pool_use use;
};

struct taskip_multi {
  CURLM *multi;
  CURLSH *share;
  CURL *pool[POOL_MAX];
  int npool;
  struct pollfd *fds, *ready;
  int nfds, capfds, capready, rr;
  double timer;               /* curl's timeout, monotonic; < 0: none */
  int in_flight;
  pool_use use;               /* of its own cache */
  taskip_transfer *head;
};

static double clock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* {======================================================= sockets */

/* Opens a transfer's socket as libcurl would, counting it for its pool:
** a step starts new connections (TLS handshakes) sparingly, and reuse
** is free (taskip_multi_connections). */
static curl_socket_t on_open(void *ud, curlsocktype purpose,
                             struct curl_sockaddr *a) {
  int *count = ud;
  curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
  (void)purpose;
  if (fd != CURL_SOCKET_BAD)
    (*count)++;
  return fd;
}

static int on_close(void *ud, curl_socket_t fd) {
  int *count = ud;
  (*count)--;
  return close(fd);
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *ud,
                     void *sp) {
  taskip_multi *m = ud;
  int i;
  short ev = 0;
  (void)e;
  (void)sp;
  for (i = 0; i < m->nfds; i++)
    if (m->fds[i].fd == fd)
      break;
  if (what == CURL_POLL_REMOVE) {
    if (i < m->nfds)
      m->fds[i] = m->fds[--m->nfds];
    return 0;
  }
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    ev |= POLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    ev |= POLLOUT;
  if (i == m->nfds) {
    if (m->nfds == m->capfds) {
      int cap = m->capfds ? m->capfds * 2 : 16;
      struct pollfd *a = realloc(m->fds, (size_t)cap * sizeof(*a));
      if (a == NULL)
        return -1;
      m->fds = a;
      m->capfds = cap;
    }
    m->nfds++;
    m->fds[i].fd = fd;
  }
  m->fds[i].events = ev;
  m->fds[i].revents = 0;
  return 0;
}

static int on_timer(CURLM *cm, long ms, void *ud) {
  taskip_multi *m = ud;
  (void)cm;
  m->timer = ms < 0 ? -1 : clock_now() + (double)ms / 1000.0;
  return 0;
}

/* }======================================================= */

taskip_multi *taskip_multi_new(int max_connections) {
  taskip_multi *m;
  long maxc = max_connections > 0 ? max_connections : 16;
  if (taskip_transport_init() != 0)
    return NULL;
  m = calloc(1, sizeof(*m));
  if (m == NULL)
    return NULL;
  m->timer = -1;
  m->multi = curl_multi_init();
  m->share = curl_share_init();
  if (m->multi == NULL || m->share == NULL) {
    taskip_multi_free(m);
    return NULL;
  }
  curl_share_setopt(m->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(m->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
  curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
  curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxc);
  /* keep them all when idle: a new TLS connection costs a frame */
  curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, maxc);
  return m;
}

static CURL *pool_get(taskip_multi *m) {
  if (m->npool > 0)
    return m->pool[--m->npool];
  return curl_easy_init();
}

/* An idle handle keeps its connections in the multi's cache, but not
** its copies of the last request (URL, headers): they can be large. */
static void pool_put(taskip_multi *m, CURL *e) {
  curl_easy_setopt(e, CURLOPT_SHARE, NULL);   /* leave a key's pool */
  if (m->npool < POOL_MAX) {
    curl_easy_reset(e);
    m->pool[m->npool++] = e;
  } else {
    curl_easy_cleanup(e);
  }
}

/* Takes t's handle out of the multi and frees t. */
static void transfer_end(taskip_multi *m, taskip_transfer *t) {
  curl_multi_remove_handle(m->multi, t->easy);
  pool_put(m, t->easy);
  tcurl_release(&t->attempt);
  if (t->prev != NULL)
    t->prev->next = t->next;
  else
    m->head = t->next;
  if (t->next != NULL)
    t->next->prev = t->prev;
  m->in_flight--;
  (*t->busy)--;
  free(t);
}

taskip_transfer *taskip_multi_send(taskip_multi *m, taskip_call *call,
                                   taskip_transfer_done done, void *ud) {
  return taskip_multi_send_metered(m, call, NULL, done, ud);
}

taskip_transfer *taskip_multi_send_metered(taskip_multi *m,
                                           taskip_call *call,
                                           const taskip_meter *meter,
                                           taskip_transfer_done done,
                                           void *ud) {
  return taskip_multi_send_pooled(m, call, meter, NULL, done, ud);
}

taskip_pool *taskip_pool_new(void) {
  taskip_pool *p = calloc(1, sizeof(*p));
  if (p == NULL || taskip_transport_init() != 0 ||
      (p->share = curl_share_init()) == NULL) {
    free(p);
    return NULL;
  }
  curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  return p;
}

void taskip_pool_free(taskip_pool *p) {
  if (p == NULL)
    return;
  curl_share_cleanup(p->share);       /* closes its connections */
  free(p);
}

taskip_transfer *taskip_multi_send_pooled(taskip_multi *m,
                                          taskip_call *call,
                                          const taskip_meter *meter,
                                          taskip_pool *pool,
                                          taskip_transfer_done done,
                                          void *ud) {
  taskip_transfer *t = calloc(1, sizeof(*t));
  CURLcode rc = CURLE_OUT_OF_MEMORY;
  if (t != NULL && (t->easy = pool_get(m)) != NULL) {
    rc = tcurl_prepare(&t->attempt, call, t->easy);
    if (meter != NULL)
      t->attempt.meter = *meter;
    if (rc == CURLE_OK) {
      curl_easy_setopt(t->easy, CURLOPT_PRIVATE, (void *)t);
      pool_use *use = pool != NULL ? &pool->use : &m->use;
      int *count = &use->connections;
      curl_easy_setopt(t->easy, CURLOPT_SHARE,
                       pool != NULL ? pool->share : m->share);
      curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, on_open);
      curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, count);
      curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETFUNCTION, on_close);
      curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETDATA, count);
      if (curl_multi_add_handle(m->multi, t->easy) == CURLM_OK) {
        t->done = done;
        t->ud = ud;
        t->next = m->head;
        if (m->head != NULL)
          m->head->prev = t;
        m->head = t;
        m->in_flight++;
        t->busy = &use->busy;
        use->busy++;
        return t;
      }
      rc = CURLE_OUT_OF_MEMORY;
    }
  }
  if (t != NULL) {
    t->attempt.call = call;         /* digest the failure: nothing went */
    tcurl_finish(&t->attempt, NULL, rc);
    if (t->easy != NULL)
      pool_put(m, t->easy);
    free(t);
  }
  return NULL;
}

/*
** Measured with libcurl 7.88 (OpenSSL, HTTP/1.1): about 16 KB of RSS per
** transfer in flight past the ones that own a connection; a request
** with a body also fills the 64 KB upload buffer as far as the body
** goes (a multipart body fills it whole: its bytes are not counted
** up front). libcurl holds the URL three times: the option's copy, its
** parsed pieces and the request it writes.
*/
#define TRANSFER_BYTES (16u << 10)
#define UPLOAD_BUFFER (64u << 10)

size_t taskip_multi_cost(const taskip_call *call) {
  const taskip_attempt *a = taskip_call_attempt(call);
  size_t n = TRANSFER_BYTES;
  if (a == NULL)
    return n;
  n += 3 * strlen(a->url);
  if (a->body != NULL)
    n += a->body_len < UPLOAD_BUFFER ? a->body_len : UPLOAD_BUFFER;
  if (a->part_count > 0)      /* libcurl's copy of the MIME tree, and the
                                 upload buffer, whatever the parts' size */
    n += UPLOAD_BUFFER + a->part_count * (sizeof(tcurl_reader) + 512);
  return n;
}

void taskip_multi_cancel(taskip_multi *m, taskip_transfer *t) {
  if (t != NULL)
    transfer_end(m, t);
}

/* Hands finished transfers back to their calls. */
static void collect_done(taskip_multi *m) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
    taskip_transfer *t = NULL;
    taskip_transfer_done done;
    void *ud;
    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    if (t == NULL || t->easy != msg->easy_handle) {
      curl_multi_remove_handle(m->multi, msg->easy_handle);
      continue;
    }
    tcurl_finish(&t->attempt, t->easy, msg->data.result);
    done = t->done;
    ud = t->ud;
    transfer_end(m, t);
    done(ud);
  }
}

void taskip_multi_run(taskip_multi *m, double wait, double budget) {
  int n = m->nfds, i, running, ms;
  double now = clock_now(), until = now + (budget > 0 ? budget : 0);
  if (m->timer >= 0 && m->timer - now < wait)
    wait = m->timer - now;
  ms = wait > 0 ? (int)ceil(wait * 1000) : 0;
  if (n > m->capready) {            /* never reallocated while in use */
    struct pollfd *r = realloc(m->ready, (size_t)m->capfds * sizeof(*r));
    if (r == NULL)
      return;
    m->ready = r;
    m->capready = m->capfds;
  }
  if (n > 0)
    memcpy(m->ready, m->fds, (size_t)n * sizeof(*m->ready));
  if (n > 0 || ms > 0) {
    if (poll(n > 0 ? m->ready : NULL, (nfds_t)n, ms) < 0 && errno != EINTR)
      n = 0;
  }
  for (i = 0; i < n; i++) {
    struct pollfd *p = &m->ready[(i + m->rr) % n];
    int ev = 0;
    if (p->revents == 0)
      continue;
    if (p->revents & POLLIN)
      ev |= CURL_CSELECT_IN;
    if (p->revents & POLLOUT)
      ev |= CURL_CSELECT_OUT;
    if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
      ev |= CURL_CSELECT_ERR;
    curl_multi_socket_action(m->multi, p->fd, ev, &running);
    collect_done(m);
    if (clock_now() >= until) {
      m->rr = (m->rr + i + 1) % n;
      break;
    }
  }
  if (m->timer >= 0 && clock_now() >= m->timer) {
    m->timer = -1;
    curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  collect_done(m);
}

int taskip_multi_in_flight(const taskip_multi *m) {
  return m->in_flight;
}

int taskip_multi_may_connect(const taskip_multi *m, const taskip_pool *pool,
                             int max_connections) {
  const pool_use *use = pool != NULL ? &pool->use : &m->use;
  return use->busy >= use->connections && use->connections < max_connections;
}

void taskip_multi_free(taskip_multi *m) {
  int i;
  if (m == NULL)
    return;
  while (m->head != NULL) {     /* still in flight: their owners are gone */
    m->head->attempt.meter.give = NULL;
    transfer_end(m, m->head);
  }
  for (i = 0; i < m->npool; i++)
    curl_easy_cleanup(m->pool[i]);
  if (m->multi != NULL)
    curl_multi_cleanup(m->multi);
  if (m->share != NULL)
    curl_share_cleanup(m->share);
  free(m->fds);
  free(m->ready);
  free(m);
}
