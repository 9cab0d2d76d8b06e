/*
** load_driver: ONE host runs N scripts at once, each making M API calls
** (reads and writes alternating), through the C API (taskip_host.h).
** Used by spec/integration/load_spec.lua and `make load`.
**
**   TASKIP_SECRET_KEY=... load-driver --base-url U --cafile F
**     [--scripts N (1000)] [--calls M (10)] [--prefix P (load)]
**     [--lua-dir D] [--max-connections N (16)] [--timeout S (600)]
**
** The key comes from TASKIP_SECRET_KEY only (a command line shows in
** ps), removed from the environment once read. Script i (1..N) makes M
** calls: odd ones GET /contact/{i % 20 + 1}, even ones POST
** /support-ticket with the subject "P-i-k", unique in the run; any
** failure raises, so a script ends with exit code 0 only when all its
** calls succeeded. The burst and hourly budgets of the client are
** raised to 10^9: the emulator's own budget (--limit) is what applies.
**
** Prints one line of tab-separated key=value pairs:
**   scripts= calls= ok= failed= posts= gets= seconds= calls_per_s=
**   rss_start_kb= peak_rss_kb= peak_per_script_kb=
** where peak_rss_kb is the process's VmHWM (peak resident set) and
** peak_per_script_kb = (peak - start) / scripts; then, for each failed
** script (at most 10), "failed IDX CODE REASON". Exit status 0 when
** every script succeeded, 1 otherwise, 2 on usage errors.
*/
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taskip_host.h"

static const char SCRIPT[] =
  "local id, calls, prefix = tonumber(arg[1]), tonumber(arg[2]), arg[3]\n"
  "local posts, gets = 0, 0\n"
  "for k = 1, calls do\n"
  "  if k % 2 == 0 then\n"
  "    local name = prefix .. '-' .. id .. '-' .. k\n"
  "    local v, err = taskip:post('/support-ticket',\n"
  "      { subject = name, priority = 'low', description = 'load run' })\n"
  "    if not v then error('POST ' .. name .. ': ' .. tostring(err)) end\n"
  "    posts = posts + 1\n"
  "  else\n"
  "    local v, err = taskip:get('/contact/' .. (id % 20 + 1))\n"
  "    if not v then error('GET: ' .. tostring(err)) end\n"
  "    gets = gets + 1\n"
  "  end\n"
  "end\n"
  "print(posts .. ' ' .. gets)\n";

static long total_posts, total_gets;

/* Each script prints one line "POSTS GETS". */
static void on_output(void *ud, int id, const char *line, size_t len) {
  long p = 0, g = 0;
  char buf[64];
  (void)ud;
  (void)id;
  if (len >= sizeof(buf))
    return;
  memcpy(buf, line, len);
  buf[len] = '\0';
  if (sscanf(buf, "%ld %ld", &p, &g) == 2) {
    total_posts += p;
    total_gets += g;
  }
}

static void on_log(void *ud, int id, int level, const char *line,
                   size_t len) {
  (void)ud;
  (void)level;
  fprintf(stderr, "log %d: %.*s\n", id, (int)len, line);
}

/* A "Vm...:   N kB" field of /proc/self/status, in kB; -1 if absent. */
static long status_kb(const char *field) {
  char line[256];
  long kb = -1;
  size_t n = strlen(field);
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      kb = atol(line + n + 1);
      break;
    }
  }
  fclose(f);
  return kb;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Takes the key out of the environment, wiping the variable's bytes. */
static char *take_key(void) {
  char *v = getenv("TASKIP_SECRET_KEY"), *copy;
  if (v == NULL || *v == '\0')
    return NULL;
  copy = strdup(v);
  memset(v, 0, strlen(v));
  unsetenv("TASKIP_SECRET_KEY");
  return copy;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
    {"base-url", required_argument, NULL, 'b'},
    {"cafile", required_argument, NULL, 'c'},
    {"scripts", required_argument, NULL, 'n'},
    {"calls", required_argument, NULL, 'm'},
    {"prefix", required_argument, NULL, 'p'},
    {"lua-dir", required_argument, NULL, 'l'},
    {"max-connections", required_argument, NULL, 'x'},
    {"timeout", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0}
  };
  taskip_host_config cfg;
  taskip_host *h;
  char err[512], idx[32], calls_s[32];
  const char *prefix = "load", *sargv[3];
  int *ids, opt, i, nscripts = 1000, calls = 10, ok = 0, failed = 0, shown = 0;
  long rss_start, peak;
  double t0, took;
  char *key;

  signal(SIGPIPE, SIG_IGN);
  taskip_host_config_init(&cfg);
  cfg.output = on_output;
  cfg.log = on_log;
  cfg.log_level = TASKIP_LOG_WARN;
  cfg.limits.timeout = 600;
  cfg.client.minute_limit = 1000000000L;
  cfg.client.hour_limit = 1000000000L;
  cfg.client.retry_backoff = 0.05;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'b': cfg.client.base_url = optarg; break;
    case 'c': cfg.client.cafile = optarg; break;
    case 'n': nscripts = atoi(optarg); break;
    case 'm': calls = atoi(optarg); break;
    case 'p': prefix = optarg; break;
    case 'l': cfg.lua_dir = optarg; break;
    case 'x': cfg.max_connections = atoi(optarg); break;
    case 't': cfg.limits.timeout = atof(optarg); break;
    default: return 2;
    }
  }
  if (nscripts < 1 || calls < 0 || optind != argc) {
    fprintf(stderr, "load-driver: bad arguments\n");
    return 2;
  }
  key = take_key();
  if (key == NULL) {
    fprintf(stderr, "load-driver: set TASKIP_SECRET_KEY\n");
    return 2;
  }
  cfg.key = key;
  cfg.key_len = strlen(key);
  h = taskip_host_new(&cfg, err, sizeof(err));
  memset(key, 0, cfg.key_len);
  free(key);
  if (h == NULL) {
    fprintf(stderr, "load-driver: %s\n", err);
    return 2;
  }
  ids = calloc((size_t)nscripts, sizeof(*ids));
  if (ids == NULL) {
    taskip_host_free(h);
    return 2;
  }
  rss_start = status_kb("VmRSS");
  t0 = now_s();
  snprintf(calls_s, sizeof(calls_s), "%d", calls);
  for (i = 0; i < nscripts; i++) {
    snprintf(idx, sizeof(idx), "%d", i + 1);
    sargv[0] = idx;
    sargv[1] = calls_s;
    sargv[2] = prefix;
    ids[i] = taskip_host_spawn_buffer(h, "load.lua", SCRIPT,
                                      sizeof(SCRIPT) - 1, sargv, 3, err,
                                      sizeof(err));
    if (ids[i] < 0) {
      fprintf(stderr, "load-driver: script %d: %s\n", i + 1, err);
      taskip_host_free(h);
      free(ids);
      return 2;
    }
  }
  while (taskip_host_step(h, 50) > 0)
    ;
  took = now_s() - t0;
  peak = status_kb("VmHWM");
  for (i = 0; i < nscripts; i++) {
    const char *reason = "";
    int code = -1;
    taskip_host_status(h, ids[i], &reason, &code);
    if (code == TASKIP_EXIT_OK) {
      ok++;
    } else {
      failed++;
      if (shown++ < 10)
        printf("failed\t%d\t%d\t%s\n", i + 1, code, reason);
    }
  }
  printf("scripts=%d\tcalls=%ld\tok=%d\tfailed=%d\tposts=%ld\tgets=%ld\t"
         "seconds=%.2f\tcalls_per_s=%.0f\trss_start_kb=%ld\tpeak_rss_kb=%ld\t"
         "peak_per_script_kb=%.1f\n",
         nscripts, (long)nscripts * calls, ok, failed, total_posts,
         total_gets, took, (double)(total_posts + total_gets) / took,
         rss_start, peak, (double)(peak - rss_start) / nscripts);
  taskip_host_free(h);
  free(ids);
  return failed == 0 ? 0 : 1;
}
