/*
** bench_host.h — what the host benchmarks share: a host configured from
** the environment (TASKIP_BASE_URL, TASKIP_CAFILE, TASKIP_SECRET_KEY,
** TASKIP_LUA_DIR), clocks and memory figures.
*/
#ifndef BENCH_HOST_H
#define BENCH_HOST_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "taskip_host.h"

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double bench_clock_us(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Resident set size now, in bytes. */
static inline double bench_rss(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* Peak resident set size of the process, in bytes. */
static inline double bench_peak_rss(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss * 1024.0;
}

/* qsort's comparison of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A host on the API at TASKIP_BASE_URL; exits on failure. */
static inline taskip_host *bench_host(int max_connections) {
  taskip_host_config cfg;
  taskip_host *h;
  char err[256];
  const char *key = getenv("TASKIP_SECRET_KEY");
  signal(SIGPIPE, SIG_IGN);
  taskip_host_config_init(&cfg);
  cfg.client.base_url = getenv("TASKIP_BASE_URL");
  cfg.client.cafile = getenv("TASKIP_CAFILE");
  cfg.client.minute_limit = 100000000;   /* the server sets the budget */
  cfg.lua_dir = getenv("TASKIP_LUA_DIR");
  cfg.key = key;
  cfg.key_len = key ? strlen(key) : 0;
  if (max_connections > 0)
    cfg.max_connections = max_connections;
  h = taskip_host_new(&cfg, err, sizeof(err));
  if (h == NULL) {
    fprintf(stderr, "bench: %s\n", err);
    exit(2);
  }
  return h;
}

/* Spawns code with string arguments; exits on failure. */
static inline int bench_spawn(taskip_host *h, const char *code,
                              const char *const *argv, int argc) {
  char err[256];
  int id = taskip_host_spawn_buffer(h, "bench", code, strlen(code), argv,
                                    argc, err, sizeof(err));
  if (id < 0) {
    fprintf(stderr, "bench: %s\n", err);
    exit(2);
  }
  return id;
}

/* 0 when script id finished with exit code 0, else prints why. */
static inline int bench_check(taskip_host *h, int id) {
  const char *reason = NULL;
  int code = -1;
  taskip_host_status(h, id, &reason, &code);
  if (code != 0)
    fprintf(stderr, "bench: script %d: %s\n", id,
            reason ? reason : "still running");
  taskip_host_release(h, id);
  return code == 0 ? 0 : -1;
}

#endif
