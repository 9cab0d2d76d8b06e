/*
** ratestore_file.c — the rate store of processes on one machine: a small
** text file, one line per key ("FINGERPRINT RECORD\n"), rewritten whole
** under flock(2) for each update.
**
** flock, not fcntl: its lock belongs to the open file, so two clients of
** one process exclude each other too, and the kernel drops it when the
** holder dies. A lock held longer than LOCK_PATIENCE (a stopped process)
** makes the update fail, so nobody hangs: the client then keeps its
** share of the budget (client.c). A process killed between reserving and
** reconciling leaves its reservation counted in the record's window,
** which lapses at the window's reset: at most one window. The whole
** file is written with one pwrite, then truncated; a line that does not
** parse is dropped at the next update.
**
** Non-blocking stores (the host) answer PENDING while the lock is busy;
** blocking ones (the Lua module) sleep LOCK_NAP between tries.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ratestore_open.h"
#include "ratelimit.h"

#define LOCK_NAP 0.0005          /* seconds between tries, blocking */
#define POLL_INTERVAL 0.001      /* seconds between polls, non-blocking */
#define LOCK_PATIENCE 1.0        /* then the store counts as unreachable */
#define MAX_FILE (256u << 10)    /* a bigger file is not ours */
#define MAX_LINES 1024           /* keys kept; the oldest lines go first */

typedef struct file_store {
  taskip_rate_store base;
  int fd;
  int blocking;
  char fp[TASKIP_FP_HEX + 1];
} file_store;

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s) {
  struct timespec ts;
  ts.tv_sec = 0;
  ts.tv_nsec = (long)(s * 1e9);
  nanosleep(&ts, NULL);
}

static taskip_store_status fail(file_store *f, const char *why) {
  taskip_rate_store_warn(&f->base, why);
  return TASKIP_STORE_FAILED;
}

/* Whether line (n bytes, no newline) is "HEX64 ..." */
static int line_ok(const char *line, size_t n) {
  size_t i;
  if (n <= TASKIP_FP_HEX + 1 || line[TASKIP_FP_HEX] != ' ')
    return 0;
  for (i = 0; i < TASKIP_FP_HEX; i++)
    if (!((line[i] >= '0' && line[i] <= '9') ||
          (line[i] >= 'a' && line[i] <= 'f')))
      return 0;
  return 1;
}

/* With the lock held: read, apply, write. */
static taskip_store_status locked_update(file_store *f, taskip_store_op *op) {
  struct stat st;
  char *in = NULL, *out = NULL, rec[TASKIP_RATE_RECORD_MAX];
  const char *old = NULL;
  size_t len = 0, oldlen = 0, o = 0, n, lines = 0, skip = 0, pos, reclen;
  ssize_t got;
  taskip_store_status rc = TASKIP_STORE_FAILED;
  if (fstat(f->fd, &st) != 0)
    return fail(f, strerror(errno));
  if ((size_t)st.st_size > MAX_FILE)
    return fail(f, "state file too large");
  in = malloc((size_t)st.st_size + 1);
  out = malloc((size_t)st.st_size + TASKIP_FP_HEX + sizeof(rec) + 2);
  if (in == NULL || out == NULL) {
    rc = fail(f, "out of memory");
    goto done;
  }
  while (len < (size_t)st.st_size) {
    got = pread(f->fd, in + len, (size_t)st.st_size - len, (off_t)len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      rc = fail(f, strerror(errno));
      goto done;
    }
    if (got == 0)
      break;
    len += (size_t)got;
  }
  for (pos = 0; pos < len; pos += n + 1) {     /* count, find ours */
    const char *nl = memchr(in + pos, '\n', len - pos);
    n = nl ? (size_t)(nl - (in + pos)) : len - pos;
    if (!line_ok(in + pos, n))
      continue;
    if (memcmp(in + pos, f->fp, TASKIP_FP_HEX) == 0) {
      old = in + pos + TASKIP_FP_HEX + 1;
      oldlen = n - TASKIP_FP_HEX - 1;
    } else {
      lines++;
    }
  }
  reclen = op->apply(op->ctx, old, oldlen, rec, sizeof(rec));
  if (reclen == 0 || reclen >= sizeof(rec) ||
      memchr(rec, '\n', reclen) != NULL) {
    rc = TASKIP_STORE_DONE;                   /* nothing to write */
    goto done;
  }
  if (lines >= MAX_LINES)
    skip = lines - MAX_LINES + 1;
  for (pos = 0; pos < len; pos += n + 1) {     /* the others, then ours */
    const char *nl = memchr(in + pos, '\n', len - pos);
    n = nl ? (size_t)(nl - (in + pos)) : len - pos;
    if (!line_ok(in + pos, n) || memcmp(in + pos, f->fp, TASKIP_FP_HEX) == 0)
      continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    memcpy(out + o, in + pos, n);
    o += n;
    out[o++] = '\n';
  }
  memcpy(out + o, f->fp, TASKIP_FP_HEX);
  o += TASKIP_FP_HEX;
  out[o++] = ' ';
  memcpy(out + o, rec, reclen);
  o += reclen;
  out[o++] = '\n';
  for (pos = 0; pos < o;) {
    got = pwrite(f->fd, out + pos, o - pos, (off_t)pos);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      rc = fail(f, got < 0 ? strerror(errno) : "short write");
      goto done;
    }
    pos += (size_t)got;
  }
  if (ftruncate(f->fd, (off_t)o) != 0) {
    rc = fail(f, strerror(errno));
    goto done;
  }
  rc = TASKIP_STORE_DONE;
done:
  free(in);
  free(out);
  return rc;
}

/* One try at the lock: DONE/FAILED when it was had, PENDING if busy. */
static taskip_store_status try_update(file_store *f, taskip_store_op *op) {
  taskip_store_status rc;
  if (flock(f->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK || errno == EINTR)
      return TASKIP_STORE_PENDING;
    return fail(f, strerror(errno));
  }
  rc = locked_update(f, op);
  flock(f->fd, LOCK_UN);
  return rc;
}

static taskip_store_status file_poll(taskip_rate_store *s,
                                     taskip_store_op *op) {
  file_store *f = (file_store *)s;
  taskip_store_status rc = try_update(f, op);
  if (rc == TASKIP_STORE_PENDING &&
      ++op->phase > (int)(LOCK_PATIENCE / POLL_INTERVAL))
    return fail(f, "state file locked for too long");
  return rc;
}

static taskip_store_status file_update(taskip_rate_store *s,
                                       taskip_store_op *op) {
  file_store *f = (file_store *)s;
  taskip_store_status rc;
  double until;
  op->phase = 0;
  rc = try_update(f, op);
  if (rc != TASKIP_STORE_PENDING || !f->blocking)
    return rc;
  until = mono() + LOCK_PATIENCE;
  while (rc == TASKIP_STORE_PENDING && mono() < until) {
    nap(LOCK_NAP);
    rc = try_update(f, op);
  }
  return rc == TASKIP_STORE_PENDING
             ? fail(f, "state file locked for too long") : rc;
}

static void file_cancel(taskip_rate_store *s, taskip_store_op *op) {
  (void)s;                      /* nothing is kept between polls */
  (void)op;
}

static void file_free(taskip_rate_store *s) {
  file_store *f = (file_store *)s;
  if (f->fd >= 0)
    close(f->fd);
  free(f);
}

static const taskip_rate_store_type file_type = {
  "file", file_update, file_poll, file_cancel, file_free
};

taskip_rate_store *taskip_file_store_open(const char *path, const char *fp,
                                          int blocking, char *err,
                                          size_t errlen) {
  file_store *f = calloc(1, sizeof(*f));
  struct stat st;
  if (f == NULL) {
    snprintf(err, errlen, "rate_store: out of memory");
    return NULL;
  }
  f->base.type = &file_type;
  f->base.poll_interval = POLL_INTERVAL;
  snprintf(f->base.where, sizeof(f->base.where), "file:%s", path);
  f->blocking = blocking;
  memcpy(f->fp, fp, TASKIP_FP_HEX + 1);
  f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (f->fd < 0) {
    snprintf(err, errlen, "rate_store: cannot open %s: %s", path,
             strerror(errno));
    file_free(&f->base);
    return NULL;
  }
  if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "rate_store: %s is not a regular file", path);
    file_free(&f->base);
    return NULL;
  }
  return &f->base;
}
