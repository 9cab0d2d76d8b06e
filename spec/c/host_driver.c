/*
** host_driver: runs several scripts side by side in ONE host through
** the C API (taskip_host.h), for the host specs. An attack script runs
** next to benign ones, so a spec can show the attack is stopped while
** the host and its other scripts go on. It also times every step()
** call, to check that step() returns within its timeout.
**
**   host-driver [options] SCRIPT...
**     --base-url U --cafile F --key K --lua-dir D --timeout S
**     --max-memory MB --max-instructions N --max-requests N
**     --max-output N --max-hold MS --allow LIST --dry-run --step-ms N
**     --arg A (each script gets the --arg values as arg[1..])
**
** Prints, tab-separated: "out IDX LINE" for print() output, "log IDX
** LINE" for log lines, "done IDX CODE REASON" per script (IDX counts
** scripts from 1 in argument order), then "steps COUNT MAX_MS
** CPU_MAX_MS MEDIAN_MS": how many step() calls, the longest one in wall
** time, the most thread CPU time one took (what the host itself cost
** the caller: on a busy machine a step's wall time also counts the time
** the thread was not running; the host promises a step overruns its
** timeout by at most 50 ms of CPU, whatever its scripts do), and the
** median wall time; last "rss MAXRSS_KB", the process's peak resident
** set (getrusage).
*/
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "taskip_host.h"

#define MAX_SCRIPTS 256

static int ids[MAX_SCRIPTS];
static int nscripts;

static int index_of(int id) {
  int i;
  for (i = 0; i < nscripts; i++)
    if (ids[i] == id)
      return i + 1;
  return 0;
}

static void on_output(void *ud, int id, const char *line, size_t len) {
  (void)ud;
  printf("out\t%d\t%.*s\n", index_of(id), (int)len, line);
}

static void on_log(void *ud, int id, int level, const char *line,
                   size_t len) {
  (void)ud;
  (void)level;
  printf("log\t%d\t%.*s\n", index_of(id), (int)len, line);
}

static double clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
    {"base-url", required_argument, NULL, 'b'},
    {"cafile", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'k'},
    {"lua-dir", required_argument, NULL, 'l'},
    {"timeout", required_argument, NULL, 't'},
    {"max-memory", required_argument, NULL, 'm'},
    {"max-instructions", required_argument, NULL, 'i'},
    {"max-requests", required_argument, NULL, 'r'},
    {"max-output", required_argument, NULL, 'o'},
    {"max-hold", required_argument, NULL, 'H'},
    {"allow", required_argument, NULL, 'a'},
    {"dry-run", no_argument, NULL, 'd'},
    {"step-ms", required_argument, NULL, 's'},
    {"arg", required_argument, NULL, 'g'},
    {NULL, 0, NULL, 0}
  };
  taskip_host_config cfg;
  taskip_host *h;
  char err[512];
  const char *sargv[16];
  int opt, i, step_ms = 10, steps = 0, nargv = 0, cap = 0;
  double worst = 0, worst_cpu = 0, median = 0, *walls = NULL;
  signal(SIGPIPE, SIG_IGN);
  taskip_host_config_init(&cfg);
  cfg.output = on_output;
  cfg.log = on_log;
  cfg.log_level = TASKIP_LOG_INFO;
  cfg.client.retry_backoff = 0.01;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': cfg.client.base_url = optarg; break;
    case 'c': cfg.client.cafile = optarg; break;
    case 'k': cfg.key = optarg; break;
    case 'l': cfg.lua_dir = optarg; break;
    case 't': cfg.limits.timeout = atof(optarg); break;
    case 'm': cfg.limits.memory = (size_t)(atof(optarg) * 1048576); break;
    case 'i': cfg.limits.instructions = atoll(optarg); break;
    case 'r': cfg.limits.requests = atol(optarg); break;
    case 'o': cfg.limits.output = (size_t)atol(optarg); break;
    case 'H': cfg.limits.hold = atof(optarg) / 1000; break;
    case 'a': cfg.allow = optarg; break;
    case 'd': cfg.dry_run = 1; break;
    case 's': step_ms = atoi(optarg); break;
    case 'g': if (nargv < 16) sargv[nargv++] = optarg; break;
    default: return 2;
    }
  }
  if (cfg.key == NULL)
    cfg.key = "test-key-not-a-secret-7f3a";
  h = taskip_host_new(&cfg, err, sizeof(err));
  if (h == NULL) {
    fprintf(stderr, "host-driver: %s\n", err);
    return 2;
  }
  for (i = optind; i < argc && nscripts < MAX_SCRIPTS; i++) {
    int id = taskip_host_spawn_file(h, argv[i], sargv, nargv, err,
                                    sizeof(err));
    if (id < 0) {
      fprintf(stderr, "host-driver: %s\n", err);
      taskip_host_free(h);
      return 2;
    }
    ids[nscripts++] = id;
  }
  for (;;) {
    double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    double took, cpu;
    int left = taskip_host_step(h, step_ms);
    took = clock_ms(CLOCK_MONOTONIC) - t0;
    cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (steps == cap) {
      double *more = realloc(walls, (size_t)(cap ? cap * 2 : 1024) * sizeof(*walls));
      if (more == NULL) {
        fprintf(stderr, "host-driver: out of memory\n");
        free(walls);
        taskip_host_free(h);
        return 2;
      }
      walls = more;
      cap = cap ? cap * 2 : 1024;
    }
    walls[steps++] = took;
    if (took > worst)
      worst = took;
    if (cpu > worst_cpu)
      worst_cpu = cpu;
    if (left == 0)
      break;
  }
  qsort(walls, (size_t)steps, sizeof(*walls), cmp_double);
  median = walls[steps / 2];
  free(walls);
  for (i = 0; i < nscripts; i++) {
    const char *reason = "";
    int code = -1;
    taskip_host_status(h, ids[i], &reason, &code);
    printf("done\t%d\t%d\t%s\n", i + 1, code, reason);
  }
  printf("steps\t%d\t%.3f\t%.3f\t%.3f\n", steps, worst, worst_cpu, median);
  taskip_host_free(h);
  {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("rss\t%ld\n", ru.ru_maxrss);     /* kB on Linux */
  }
  return 0;
}
