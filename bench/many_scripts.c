/*
** many_scripts.c — row 3: N sandboxed scripts at once in one host, each
** sleeping SLEEP seconds (so that all of them are alive and idle at
** the same time) and then making CALLS GETs of PATH one after another.
** The host has its default limits and 16 connections.
**
**   many-scripts N CALLS PATH SLEEP
** Prints one JSON object: completed/failed scripts, spawn time per
** script (taskip_host_spawn_buffer: a new sandboxed lua_State with the
** taskip modules, the script compiled), resident memory per idle script
** (RSS growth from before the spawns to when all are parked in sleep,
** divided by N), peak RSS of the process, the seconds from the end
** of the sleep to the last script's end, and the median and largest
** wall time of IDLE_STEPS step(h, 0) calls while all N are asleep.
*/
#include "bench_host.h"

#define IDLE_STEPS 101

static const char SCRIPT[] =
  "local calls, path, pause = tonumber(arg[1]), arg[2], tonumber(arg[3])\n"
  "sleep(pause)\n"
  "for _ = 1, calls do assert(taskip:get(path)) end\n";

int main(int argc, char **argv) {
  taskip_host *h;
  int n, i, completed = 0, failed = 0, *ids;
  double rss0, rss_idle, t0, t_spawned, t_idle, t_end, pause;
  double idle_step[IDLE_STEPS];
  if (argc < 5) {
    fprintf(stderr, "usage: many-scripts N CALLS PATH SLEEP\n");
    return 2;
  }
  n = atoi(argv[1]);
  pause = atof(argv[4]);
  ids = calloc((size_t)n, sizeof(*ids));
  h = bench_host(0);
  rss0 = bench_rss();
  t0 = bench_now();
  for (i = 0; i < n; i++)
    ids[i] = bench_spawn(h, SCRIPT, (const char *const *)argv + 2, 3);
  t_spawned = bench_now();
  /* Every script runs until its sleep(): then all N are idle at once. */
  t_idle = t_spawned;
  while (bench_now() - t_spawned < pause / 2) {
    taskip_host_step(h, 5);
    t_idle = bench_now();
  }
  rss_idle = bench_rss();
  for (i = 0; i < IDLE_STEPS; i++) {   /* nothing is due: what it costs */
    double t = bench_now();
    taskip_host_step(h, 0);
    idle_step[i] = bench_now() - t;
  }
  qsort(idle_step, IDLE_STEPS, sizeof(double), bench_cmp_double);
  while (taskip_host_step(h, 100) > 0)
    ;
  t_end = bench_now();
  for (i = 0; i < n; i++) {
    if (bench_check(h, ids[i]) == 0)
      completed++;
    else
      failed++;
  }
  taskip_host_free(h);
  (void)t_idle;
  printf("{\"scripts\": %d, \"completed\": %d, \"failed\": %d, "
         "\"spawn_us\": %.2f, \"idle_bytes\": %.0f, \"peak_rss\": %.0f, "
         "\"calls_seconds\": %.6f, \"idle_step_us\": %.2f, "
         "\"idle_step_max_us\": %.2f}\n",
         n, completed, failed, (t_spawned - t0) * 1e6 / n,
         (rss_idle - rss0) / n, bench_peak_rss(),
         t_end - (t_spawned + pause), idle_step[IDLE_STEPS / 2] * 1e6,
         idle_step[IDLE_STEPS - 1] * 1e6);
  free(ids);
  return failed == 0 ? 0 : 1;
}
