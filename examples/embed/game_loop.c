/*
** game_loop.c — taskip embedded in a frame loop.
**
** A game (or any program with its own main loop) runs automation scripts
** without ever blocking its frames: it calls taskip_host_step(h, 0) once
** per frame, and the host does a bounded slice of work — resuming scripts
** whose answers arrived, moving bytes on ready sockets — and returns.
** Here ten scripts each fetch ten contacts at once (100 requests in
** flight) while the loop measures what every step(0) costs the frame: the
** thread's CPU time (what the host itself costs, whatever else the
** machine does meanwhile) and the wall time.
**
** The key, base URL and CA file come from TASKIP_SECRET_KEY,
** TASKIP_BASE_URL and TASKIP_CAFILE; TASKIP_LUA_DIR points at the taskip
** Lua modules when they are not installed. A first round opens the
** connections; then ROUNDS rounds are measured. Prints one summary line;
** exits 1 if a script failed, if no round ever had all 100 requests in
** flight, or if the worst step(0) of a typical round (the median round)
** used more than 1 ms of CPU. One round alone can be unlucky on a busy
** machine (a page fault, a cold cache after the thread was preempted);
** a host whose step(0) is not bounded is over in every round.
**
**   build/embed-game-loop            (make builds it)
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taskip_host.h"

#define SCRIPTS 10
#define ROUNDS 5                     /* measured rounds, after the first */
#define FRAME_NS 1000000L            /* a 1 ms frame: many steps per run */
#define MAX_FRAMES 200000
#define BOUND_US 1000.0

static const char SCRIPT[] =
  "local jobs = {}\n"
  "for i = 1, 10 do\n"
  "  jobs[i] = function() return assert(taskip.contact:get(i)) end\n"
  "end\n"
  "local got = table.pack(taskip.parallel(jobs))\n"
  "assert(got.n == 10)\n";

static double clock_us(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Spawns the scripts and steps until they finish; appends the CPU and
** wall time of every step taken while all 100 requests were in flight. */
static int run_round(taskip_host *h, double *cpu, double *wall, int *n) {
  struct timespec frame = {0, FRAME_NS};
  int ids[SCRIPTS], i, frames = 0, failed = 0;
  char err[256];
  for (i = 0; i < SCRIPTS; i++) {
    ids[i] = taskip_host_spawn_buffer(h, "fetch", SCRIPT, sizeof(SCRIPT) - 1,
                                      NULL, 0, err, sizeof(err));
    if (ids[i] < 0) {
      fprintf(stderr, "game_loop: %s\n", err);
      return -1;
    }
  }
  for (;;) {
    double c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
    double w0 = clock_us(CLOCK_MONOTONIC);
    int busy = taskip_host_in_flight(h) >= SCRIPTS * 10;
    int running = taskip_host_step(h, 0);
    double c1 = clock_us(CLOCK_THREAD_CPUTIME_ID);
    double w1 = clock_us(CLOCK_MONOTONIC);
    if (busy && *n < MAX_FRAMES) {
      cpu[*n] = c1 - c0;
      wall[*n] = w1 - w0;
      (*n)++;
    }
    if (running == 0 || ++frames >= MAX_FRAMES)
      break;
    nanosleep(&frame, NULL);           /* the rest of the frame: render */
  }
  for (i = 0; i < SCRIPTS; i++) {
    const char *reason = NULL;
    int code = -1;
    taskip_host_status(h, ids[i], &reason, &code);
    if (code != 0) {
      fprintf(stderr, "game_loop: script %d: %s\n", ids[i],
              reason ? reason : "still running");
      failed++;
    }
    taskip_host_release(h, ids[i]);
  }
  return failed;
}

static double max_of(const double *x, int n) {
  double m = 0;
  int i;
  for (i = 0; i < n; i++)
    if (x[i] > m)
      m = x[i];
  return m;
}

int main(void) {
  taskip_host_config cfg;
  taskip_host *h;
  char err[256];
  const char *key = getenv("TASKIP_SECRET_KEY");
  static double cpu[MAX_FRAMES], wall[MAX_FRAMES];
  double worst[ROUNDS], typical;
  int n = 0, failed, r, seen = 0;
  signal(SIGPIPE, SIG_IGN);
  taskip_host_config_init(&cfg);
  cfg.client.base_url = getenv("TASKIP_BASE_URL");
  cfg.client.cafile = getenv("TASKIP_CAFILE");
  cfg.client.minute_limit = 100000;   /* the emulator sets the budget */
  cfg.lua_dir = getenv("TASKIP_LUA_DIR");
  cfg.key = key;
  cfg.key_len = key ? strlen(key) : 0;
  cfg.max_connections = 100;
  h = taskip_host_new(&cfg, err, sizeof(err));
  if (h == NULL) {
    fprintf(stderr, "game_loop: %s\n", err);
    return 2;
  }
  /* The first round opens the connections (a TLS handshake is one long
  ** call inside libcurl); the next rounds are the steady state. */
  failed = run_round(h, cpu, wall, &n);
  n = 0;
  for (r = 0; r < ROUNDS && failed == 0; r++) {
    int before = n;
    failed = run_round(h, cpu, wall, &n);
    if (n > before)                    /* its worst step with 100 in flight */
      worst[seen++] = max_of(cpu + before, n - before);
  }
  taskip_host_free(h);
  if (failed != 0)
    return 1;
  if (seen == 0) {
    fprintf(stderr, "game_loop: never saw 100 requests in flight\n");
    return 1;
  }
  qsort(worst, (size_t)seen, sizeof(double), cmp_double);
  typical = worst[seen / 2];
  qsort(cpu, (size_t)n, sizeof(double), cmp_double);
  qsort(wall, (size_t)n, sizeof(double), cmp_double);
  printf("steps=%d with 100 in flight in %d of %d rounds: cpu max %.0f us "
         "p99 %.0f us, worst of the median round %.0f us; wall max %.0f us "
         "p99 %.0f us median %.0f us\n", n, seen, ROUNDS, cpu[n - 1],
         cpu[(n * 99) / 100], typical, wall[n - 1], wall[(n * 99) / 100],
         wall[n / 2]);
  return typical <= BOUND_US ? 0 : 1;
}
