/*
** parallel_get.c — row 2: TOTAL GETs at a given concurrency through the
** script host (the C API), one script using taskip.parallel with
** CONCURRENCY workers that each make their share of the calls one after
** another. With CONCURRENCY 1 it is the sequential baseline.
**
**   parallel-get TOTAL CONCURRENCY PATH [BATCHES]
** Prints {"cold": S, "warm": S}: wall seconds from spawning the script
** to its end, first in a new host (its TLS connections are opened
** inside the figure), then again in the same host (connections kept;
** skipped, and 0, when BATCHES is 1).
*/
#include "bench_host.h"

static const char SCRIPT[] =
  "local total, conc, path = tonumber(arg[1]), tonumber(arg[2]), arg[3]\n"
  "local jobs = {}\n"
  "for w = 1, conc do\n"
  "  local mine = total // conc + (w <= total % conc and 1 or 0)\n"
  "  jobs[w] = function()\n"
  "    for _ = 1, mine do assert(taskip:get(path)) end\n"
  "    return true\n"
  "  end\n"
  "end\n"
  "taskip.parallel(jobs)\n";

static double batch(taskip_host *h, const char *const *argv) {
  double t0 = bench_now();
  int id = bench_spawn(h, SCRIPT, argv, 3);
  while (taskip_host_step(h, 100) > 0)
    ;
  if (bench_check(h, id) != 0)
    exit(1);
  return bench_now() - t0;
}

int main(int argc, char **argv) {
  taskip_host *h;
  double cold, warm;
  int conc;
  if (argc < 4) {
    fprintf(stderr, "usage: parallel-get TOTAL CONCURRENCY PATH [BATCHES]\n");
    return 2;
  }
  conc = atoi(argv[2]);
  h = bench_host(conc);
  cold = batch(h, (const char *const *)argv + 1);
  warm = argc > 4 && atoi(argv[4]) == 1
             ? 0 : batch(h, (const char *const *)argv + 1);
  taskip_host_free(h);
  printf("{\"cold\": %.6f, \"warm\": %.6f}\n", cold, warm);
  return 0;
}
