/*
** taskip-mock: run the TaskIP API emulator until SIGINT or SIGTERM.
**
** Prints two lines a shell can eval (TASKIP_BASE_URL=..., then
** TASKIP_CAFILE=...) on stdout, and a human line on stderr. Options
** are parsed with getopt_long; everything else is in src/mock/.
*/
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock/mock.h"
#include "selfpath.h"

#define VERSION "0.1.0"
#define DEMO_KEY "demo-key-not-a-secret"

enum {
  OPT_RESET_FORMAT = 256, OPT_LATENCY, OPT_CA_OUT, OPT_FAIL,
  OPT_FAIL_STATUS, OPT_DROP, OPT_MALFORMED, OPT_SLOW, OPT_REDIRECT,
  OPT_CERT_MODE, OPT_VERSION
};

static const struct option options[] = {
  {"port", required_argument, NULL, 'p'},
  {"secret-key", required_argument, NULL, 'k'},
  {"limit", required_argument, NULL, 'l'},
  {"window", required_argument, NULL, 'w'},
  {"reset-format", required_argument, NULL, OPT_RESET_FORMAT},
  {"latency-ms", required_argument, NULL, OPT_LATENCY},
  {"ca-out", required_argument, NULL, OPT_CA_OUT},
  {"cert-mode", required_argument, NULL, OPT_CERT_MODE},
  {"fail", required_argument, NULL, OPT_FAIL},
  {"fail-status", required_argument, NULL, OPT_FAIL_STATUS},
  {"drop", required_argument, NULL, OPT_DROP},
  {"malformed", required_argument, NULL, OPT_MALFORMED},
  {"slow-ms", required_argument, NULL, OPT_SLOW},
  {"redirect", required_argument, NULL, OPT_REDIRECT},
  {"help", no_argument, NULL, 'h'},
  {"version", no_argument, NULL, OPT_VERSION},
  {NULL, 0, NULL, 0}
};

static void usage(FILE *f)
{
  fputs(
"usage: taskip-mock [options]\n"
"Serve an emulation of the TaskIP API over HTTPS on 127.0.0.1.\n"
"\n"
"  --port N             listen port (default 0: ephemeral)\n"
"  --secret-key KEY     expected X-Secret-Key (default: env\n"
"                       TASKIP_MOCK_SECRET_KEY, else " DEMO_KEY ")\n"
"  --limit N            requests per window (default 1000)\n"
"  --window SECONDS     rate-limit window (default 3600); no endpoint's\n"
"                       own limit has a longer one\n"
"  --reset-format F     X-RateLimit-Reset as epoch|delta (default epoch)\n"
"  --latency-ms N       delay every API response by N ms\n"
"  --ca-out FILE        write the CA certificate here (default: a\n"
"                       temporary file, removed at exit)\n"
"  --cert-mode M        normal|wrong_host|expired|untrusted\n"
"  --fail N             next N API requests answer --fail-status\n"
"  --fail-status CODE   status for --fail (default 503)\n"
"  --drop N             next N API requests: close, no response\n"
"  --malformed N        next N API requests: 200 with broken JSON\n"
"  --slow-ms N          delay every API response by N more ms\n"
"  --redirect URL       answer every API request with 302 to URL+path\n"
"  --help, --version\n"
"\n"
"On start prints TASKIP_BASE_URL=... and TASKIP_CAFILE=... on stdout.\n"
"Control: GET /__mock/stats, POST /__mock/faults, POST /__mock/reset.\n",
        f);
}

static int bad_usage(const char *msg, const char *arg)
{
  fprintf(stderr, "taskip-mock: %s%s%s\n", msg, arg ? ": " : "",
          arg ? arg : "");
  usage(stderr);
  return 2;
}

/* Parse a decimal in [min, max]; returns 0 on success. */
static int parse_long(const char *s, long min, long max, long *out)
{
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

/* Append ,"name":value to the faults JSON buffer. */
static void add_fault(char *buf, size_t len, const char *name, long v)
{
  size_t n = strlen(buf);

  snprintf(buf + n, len - n, "%s\"%s\":%ld", n > 1 ? "," : "", name, v);
}

/* A URL safe to embed in JSON without escaping. */
static int plain_url(const char *s)
{
  for (; *s; s++) {
    if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
      return 0;
  }
  return 1;
}

/*
** Unless LUA_PATH says otherwise, the program finds its Lua modules
** beside itself: installed (BINDIR/../share/lua/5.4, wherever the tree
** was moved) or in a source tree (build/../lua); see selfpath.c. Else
** the install dirs compiled in (see mock/lua_bridge.c).
*/
static void use_own_modules(void)
{
  char dir[PATH_MAX], path[3 * PATH_MAX];

  if (getenv("LUA_PATH") != NULL || getenv("LUA_PATH_5_4") != NULL)
    return;
  if (selfpath_lua_dir("taskip/mock/server.lua", dir, sizeof dir) == NULL)
    return;
  selfpath_use_tree_cpath(dir);                     /* lua-cjson */
  snprintf(path, sizeof(path), "%s/?.lua;%s/?/init.lua;;", dir, dir);
  setenv("LUA_PATH", path, 1);
}

int main(int argc, char **argv)
{
  taskip_mock_config cfg;
  taskip_mock *m;
  char err[512];
  char faults[2048] = "{";
  const char *redirect = NULL;
  sigset_t stop_signals;
  int opt, sig, demo = 0;
  long v;

  use_own_modules();
  taskip_mock_config_init(&cfg);
  cfg.secret_key = getenv("TASKIP_MOCK_SECRET_KEY");
  for (;;) {
    const char *name;

    opt = getopt_long(argc, argv, "", options, NULL);
    if (opt == -1)
      break;
    name = NULL;
    switch (opt) {
    case 'p':
      if (parse_long(optarg, 0, 65535, &v) != 0)
        return bad_usage("bad --port", optarg);
      cfg.port = (int)v;
      break;
    case 'k':
      if (*optarg == '\0')
        return bad_usage("empty --secret-key", NULL);
      cfg.secret_key = optarg;
      break;
    case 'l':
      if (parse_long(optarg, 1, LONG_MAX, &cfg.limit) != 0)
        return bad_usage("bad --limit", optarg);
      break;
    case 'w':
      if (parse_long(optarg, 1, LONG_MAX, &cfg.window) != 0)
        return bad_usage("bad --window", optarg);
      break;
    case OPT_RESET_FORMAT:
      if (strcmp(optarg, "epoch") != 0 && strcmp(optarg, "delta") != 0)
        return bad_usage("bad --reset-format", optarg);
      cfg.reset_delta = strcmp(optarg, "delta") == 0;
      break;
    case OPT_LATENCY:
      if (parse_long(optarg, 0, 3600000L, &cfg.latency_ms) != 0)
        return bad_usage("bad --latency-ms", optarg);
      break;
    case OPT_CA_OUT:
      cfg.ca_out = optarg;
      break;
    case OPT_CERT_MODE:
      cfg.cert_mode = taskip_mock_cert_mode_from_name(optarg);
      if (cfg.cert_mode < 0)
        return bad_usage("bad --cert-mode", optarg);
      break;
    case OPT_REDIRECT:
      if (!plain_url(optarg) || *optarg == '\0')
        return bad_usage("bad --redirect", optarg);
      redirect = optarg;
      break;
    case OPT_FAIL:
      name = "fail";
      break;
    case OPT_FAIL_STATUS:
      name = "fail_status";
      break;
    case OPT_DROP:
      name = "drop";
      break;
    case OPT_MALFORMED:
      name = "malformed";
      break;
    case OPT_SLOW:
      name = "slow_ms";
      break;
    case 'h':
      usage(stdout);
      return 0;
    case OPT_VERSION:
      printf("taskip-mock " VERSION "\n");
      return 0;
    default:
      usage(stderr);
      return 2;
    }
    if (name) {
      long max = opt == OPT_FAIL_STATUS ? 599 : 100000000L;
      long min = opt == OPT_FAIL_STATUS ? 100 : 0;

      if (parse_long(optarg, min, max, &v) != 0)
        return bad_usage("bad fault value", optarg);
      add_fault(faults, sizeof faults, name, v);
    }
  }
  if (optind < argc)
    return bad_usage("unexpected argument", argv[optind]);
  if (redirect) {
    size_t n = strlen(faults);

    snprintf(faults + n, sizeof faults - n, "%s\"redirect\":\"%s\"",
             n > 1 ? "," : "", redirect);
  }
  strncat(faults, "}", sizeof faults - strlen(faults) - 1);
  cfg.faults_json = faults;
  if (cfg.secret_key == NULL || *cfg.secret_key == '\0') {
    cfg.secret_key = DEMO_KEY;
    demo = 1;
  }

  /* Block the stop signals before any thread starts, then sigwait. */
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
  signal(SIGPIPE, SIG_IGN);

  m = taskip_mock_start(&cfg, err, sizeof err);
  if (m == NULL) {
    fprintf(stderr, "taskip-mock: %s\n", err);
    return 1;
  }
  printf("TASKIP_BASE_URL=%s\nTASKIP_CAFILE=%s\n",
         taskip_mock_base_url(m), taskip_mock_cafile(m));
  fflush(stdout);
  fprintf(stderr, "taskip-mock: serving %s (key %s, limit %ld/%lds); "
          "Ctrl-C to stop\n", taskip_mock_base_url(m),
          demo ? "demo " DEMO_KEY : "given", cfg.limit, cfg.window);
  sigwait(&stop_signals, &sig);
  taskip_mock_stop(m);
  return 0;
}
