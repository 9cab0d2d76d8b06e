/*
** step_latency.c — row 5: how long taskip_host_step(h, 0) takes with 100
** requests in flight. The method of examples/embed/game_loop.c: ten
** scripts each fetch ten contacts with taskip.parallel (100 requests in
** flight), the loop calls step(h, 0) once per 1 ms "frame" and records
** the thread CPU time and the wall time of every step taken while all
** 100 were in flight. The first round opens the TLS connections (a
** handshake is one long call inside libcurl) and is not measured; each
** further round is one run. A round that never had all 100 in flight
** (on a busy machine the first answers can come back before the last
** request is started) measures nothing and is run again, up to
** ROUNDS + 10 rounds in all.
**
**   step-latency ROUNDS
** Prints one JSON object per measured round: steps, cpu_max, cpu_p99,
** wall_max, wall_p99 (microseconds). Fails if no round had 100 in
** flight.
*/
#include "bench_host.h"

#define SCRIPTS 10
#define FRAME_NS 1000000L
#define MAX_FRAMES 200000

static const char SCRIPT[] =
  "local jobs = {}\n"
  "for i = 1, 10 do\n"
  "  jobs[i] = function() return assert(taskip.contact:get(i)) end\n"
  "end\n"
  "local got = table.pack(taskip.parallel(jobs))\n"
  "assert(got.n == 10)\n";

static double cpu[MAX_FRAMES], wall[MAX_FRAMES];

static int round_once(taskip_host *h, int *n) {
  struct timespec frame = {0, FRAME_NS};
  int ids[SCRIPTS], i, frames = 0, failed = 0;
  for (i = 0; i < SCRIPTS; i++)
    ids[i] = bench_spawn(h, SCRIPT, NULL, 0);
  *n = 0;
  for (;;) {
    double c0 = bench_clock_us(CLOCK_THREAD_CPUTIME_ID);
    double w0 = bench_clock_us(CLOCK_MONOTONIC);
    int busy = taskip_host_in_flight(h) >= SCRIPTS * 10;
    int running = taskip_host_step(h, 0);
    double c1 = bench_clock_us(CLOCK_THREAD_CPUTIME_ID);
    double w1 = bench_clock_us(CLOCK_MONOTONIC);
    if (busy && *n < MAX_FRAMES) {
      cpu[*n] = c1 - c0;
      wall[*n] = w1 - w0;
      (*n)++;
    }
    if (running == 0 || ++frames >= MAX_FRAMES)
      break;
    nanosleep(&frame, NULL);
  }
  for (i = 0; i < SCRIPTS; i++)
    failed += bench_check(h, ids[i]) != 0;
  return failed;
}

int main(int argc, char **argv) {
  taskip_host *h;
  int rounds = argc > 1 ? atoi(argv[1]) : 5, r, n = 0, measured = 0;
  h = bench_host(100);
  if (round_once(h, &n) != 0)
    return 1;
  for (r = 0; r < rounds + 10 && measured < rounds; r++) {
    if (round_once(h, &n) != 0)
      return 1;
    if (n == 0) {
      fprintf(stderr, "step-latency: a round never saw 100 requests in "
              "flight; running another\n");
      continue;
    }
    measured++;
    qsort(cpu, (size_t)n, sizeof(double), bench_cmp_double);
    qsort(wall, (size_t)n, sizeof(double), bench_cmp_double);
    printf("{\"steps\": %d, \"cpu_max\": %.1f, \"cpu_p99\": %.1f, "
           "\"wall_max\": %.1f, \"wall_p99\": %.1f}\n", n, cpu[n - 1],
           cpu[(n * 99) / 100], wall[n - 1], wall[(n * 99) / 100]);
    fflush(stdout);
  }
  taskip_host_free(h);
  if (measured == 0) {
    fprintf(stderr, "step-latency: never saw 100 requests in flight\n");
    return 1;
  }
  return 0;
}
