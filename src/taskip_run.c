/*
** taskip-run: run one taskip automation script in the sandboxed host.
**
**   taskip-run [options] SCRIPT [ARGS...]
**
** main() only parses options (getopt_long) and reads the key; the
** library (taskip_host.h) does the rest. The key comes from --key-file
** (refused when group- or world-accessible, like ssh keys) or from
** TASKIP_SECRET_KEY, which is wiped and removed from the environment at
** once in any case; --mock uses the emulator's demo key. Exit codes: 0
** ok, 1 script error, 2 usage or configuration, 3 limit exceeded.
*/
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sanitizer builds free everything before exiting, so that
** LeakSanitizer checks the host's teardown. */
#if defined(__SANITIZE_ADDRESS__)
#define TASKIP_FULL_TEARDOWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TASKIP_FULL_TEARDOWN 1
#endif
#endif

#include "taskip_host.h"
#include "transport.h"
#include "secret.h"
#include "run_watchdog.h"
#include "selfpath.h"

#define DEMO_KEY "demo-key-not-a-secret"
#define KEY_MAX 4096

enum {
  OPT_BASE_URL = 256, OPT_CAFILE, OPT_KEY_FILE, OPT_MOCK, OPT_TIMEOUT,
  OPT_MAX_MEMORY, OPT_MAX_REQUESTS, OPT_MAX_INSTRUCTIONS, OPT_MAX_OUTPUT,
  OPT_MAX_CONNECTIONS, OPT_MAX_HOLD, OPT_BURST_LIMIT, OPT_ALLOW,
  OPT_DRY_RUN, OPT_RATE_STORE, OPT_RATE_FLEET,
  OPT_JSON_LOG, OPT_VERSION
};

static const struct option options[] = {
  {"base-url", required_argument, NULL, OPT_BASE_URL},
  {"cafile", required_argument, NULL, OPT_CAFILE},
  {"key-file", required_argument, NULL, OPT_KEY_FILE},
  {"mock", no_argument, NULL, OPT_MOCK},
  {"timeout", required_argument, NULL, OPT_TIMEOUT},
  {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
  {"max-requests", required_argument, NULL, OPT_MAX_REQUESTS},
  {"max-instructions", required_argument, NULL, OPT_MAX_INSTRUCTIONS},
  {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
  {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
  {"max-hold", required_argument, NULL, OPT_MAX_HOLD},
  {"burst-limit", required_argument, NULL, OPT_BURST_LIMIT},
  {"allow", required_argument, NULL, OPT_ALLOW},
  {"dry-run", no_argument, NULL, OPT_DRY_RUN},
  {"rate-store", required_argument, NULL, OPT_RATE_STORE},
  {"rate-fleet", required_argument, NULL, OPT_RATE_FLEET},
  {"json-log", no_argument, NULL, OPT_JSON_LOG},
  {"quiet", no_argument, NULL, 'q'},
  {"verbose", no_argument, NULL, 'v'},
  {"help", no_argument, NULL, 'h'},
  {"version", no_argument, NULL, OPT_VERSION},
  {NULL, 0, NULL, 0}
};

static void usage(FILE *f) {
  fputs(
"usage: taskip-run [options] SCRIPT [ARGS...]\n"
"Run a taskip automation script in a sandbox, with the API key injected.\n"
"\n"
"  --base-url URL        API base URL (default: TASKIP_BASE_URL, else\n"
"                        " TASKIP_DEFAULT_BASE_URL ")\n"
"  --cafile FILE         CA bundle (default: TASKIP_CAFILE, else system)\n"
"  --key-file FILE       read the key from FILE (mode 600 or stricter);\n"
"                        default: TASKIP_SECRET_KEY (removed once read)\n"
"  --mock                run against the emulator (taskip-mock, started\n"
"                        beside this program) with its demo key\n"
"  --timeout SECONDS     wall-clock limit, I/O included (default 300)\n"
"  --max-memory MB       memory limit of the script (default 64)\n"
"  --max-requests N      API call limit (default: none)\n"
"  --max-instructions N  Lua instruction limit (default: none)\n"
"  --max-output BYTES    print/log output limit (default 1048576)\n"
"  --max-connections N   connections to the API host (default 16)\n"
"  --max-hold MS         CPU time the script may keep running past its\n"
"                        time slice where it cannot yield (default 30;\n"
"                        0: no limit)\n"
"  --burst-limit N       requests per minute before waiting (default 100)\n"
"  --allow LIST          allowed calls: [METHOD:]PATH,... with fnmatch\n"
"                        patterns, e.g. 'GET:/contact*,POST:/invoice/*'\n"
"  --dry-run             send reads; log writes and answer them with\n"
"                        {\"dry_run\":true,...} without sending\n"
"  --rate-store URL      share the key's rate budget with other processes:\n"
"                        file:PATH (one machine) or redis://HOST:PORT[/DB]\n"
"  --rate-fleet N        while that store is unreachable, keep 1/N of the\n"
"                        budget (default 4)\n"
"  --json-log            log lines as JSON\n"
"  -q, --quiet           errors only;  -v, --verbose  debug logs too\n"
"  -h, --help, --version\n"
"\n"
"Scripts see: taskip (the client: taskip:get(path), taskip.contact:list{},\n"
"taskip.parallel{f1, f2}), json, log.info/warn/error/debug, print, sleep,\n"
"arg. Exit codes: 0 ok, 1 script error (uncaught, or `return nil, err`),\n"
"2 usage or configuration, 3 limit exceeded.\n", f);
}

static int bad_usage(const char *msg, const char *arg) {
  fprintf(stderr, "taskip-run: %s%s%s\n", msg, arg ? ": " : "",
          arg ? arg : "");
  fprintf(stderr, "Try 'taskip-run --help'.\n");
  return TASKIP_EXIT_USAGE;
}

static int parse_num(const char *s, double min, double max, double *out) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || v != v || v < min ||
      v > max)
    return -1;
  *out = v;
  return 0;
}

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode) {
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  return "an unknown kind";
}

/*
** Reads the key file into key; refuses loose permissions and anything
** but a regular file. O_NONBLOCK: opening a FIFO for reading would wait
** for a writer, before any check could run (a regular file ignores the
** flag); fstat then refuses it.
*/
static int read_key_file(const char *path, char *key, size_t *len) {
  struct stat st;
  ssize_t n;
  int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "taskip-run: --key-file %s: %s\n", path,
            strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) != 0) {
    fprintf(stderr, "taskip-run: --key-file %s: %s\n", path,
            strerror(errno));
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "taskip-run: --key-file %s: not a regular file (%s)\n",
            path, file_kind(st.st_mode));
    close(fd);
    return -1;
  }
  if ((st.st_mode & 077) != 0) {
    fprintf(stderr, "taskip-run: key file %s is accessible by group or "
            "others (mode %03o); run: chmod 600 %s\n", path,
            (unsigned)(st.st_mode & 0777), path);
    close(fd);
    return -1;
  }
  n = read(fd, key, KEY_MAX);
  close(fd);
  if (n < 0) {
    fprintf(stderr, "taskip-run: cannot read key file %s: %s\n", path,
            strerror(errno));
    return -1;
  }
  while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r' ||
                   key[n - 1] == ' ' || key[n - 1] == '\t'))
    n--;
  if (n == 0 || n >= KEY_MAX) {
    fprintf(stderr, "taskip-run: key file %s is empty or too long\n", path);
    return -1;
  }
  *len = (size_t)n;
  return 0;
}

/* Takes TASKIP_SECRET_KEY out of the environment, wiping its bytes (so
** /proc/PID/environ no longer shows it); copies it to key if asked. */
static void take_env_key(char *key, size_t *len) {
  char *v = getenv(TASKIP_KEY_ENV);
  if (v != NULL) {
    size_t n = strlen(v);
    if (key != NULL && n > 0 && n < KEY_MAX) {
      memcpy(key, v, n);
      *len = n;
    }
    taskip_wipe(v, n);
  }
  unsetenv(TASKIP_KEY_ENV);
}

/* TASKIP_LUA_DIR, if set; else NULL: the host finds the modules beside
** the program (selfpath.c). */
static const char *find_lua_dir(void) {
  const char *env = getenv("TASKIP_LUA_DIR");
  return env != NULL && *env != '\0' ? env : NULL;
}

/* {======================================================= --mock
** The emulator is another program, taskip-mock beside this one (or
** TASKIP_MOCK_PROGRAM): a plain run maps no libmicrohttpd or GnuTLS.
** It is started on an ephemeral port with the demo key; its first lines
** on stdout name the URL and CA file. It gets SIGTERM when the run ends,
** and from the kernel if this process dies first. */
static pid_t mock_pid = -1;
static char mock_url[512], mock_ca[PATH_MAX];

/* Copies src into dst (n bytes) if it fits. */
static void copy_fit(char *dst, size_t n, const char *src) {
  size_t len = strlen(src);
  if (len < n)
    memcpy(dst, src, len + 1);
}

/* Copies the value of "NAME=value" lines into the buffers. */
static void mock_line(const char *line) {
  static const char url[] = "TASKIP_BASE_URL=", ca[] = "TASKIP_CAFILE=";
  if (strncmp(line, url, sizeof(url) - 1) == 0)
    copy_fit(mock_url, sizeof(mock_url), line + sizeof(url) - 1);
  else if (strncmp(line, ca, sizeof(ca) - 1) == 0)
    copy_fit(mock_ca, sizeof(mock_ca), line + sizeof(ca) - 1);
}

static int mock_start(char *err, size_t errlen) {
  char prog[PATH_MAX], line[PATH_MAX + 64];
  const char *env = getenv("TASKIP_MOCK_PROGRAM");
  ssize_t k;
  int fds[2];
  FILE *f;
  if (env != NULL && *env != '\0') {
    snprintf(prog, sizeof(prog), "%s", env);
  } else {
    k = readlink("/proc/self/exe", prog, sizeof(prog) - 16);
    if (k <= 0 || memchr(prog, '/', (size_t)k) == NULL) {
      snprintf(err, errlen, "cannot find taskip-mock");
      return -1;
    }
    prog[k] = '\0';
    strcpy(strrchr(prog, '/') + 1, "taskip-mock");
  }
  if (pipe(fds) != 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return -1;
  }
  mock_pid = fork();
  if (mock_pid < 0) {
    snprintf(err, errlen, "fork: %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (mock_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    unsetenv("TASKIP_MOCK_SECRET_KEY");
    execl(prog, "taskip-mock", "--port", "0", (char *)NULL);
    fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  f = fdopen(fds[0], "r");
  err[0] = '\0';
  while (f != NULL && (mock_url[0] == '\0' || mock_ca[0] == '\0') &&
         fgets(line, sizeof(line), f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "TASKIP_", 7) == 0)
      mock_line(line);
    else if (err[0] == '\0')
      snprintf(err, errlen, "%.200s", line);
  }
  if (f != NULL)
    fclose(f);
  else
    close(fds[0]);
  if (mock_url[0] == '\0' || mock_ca[0] == '\0') {
    if (err[0] == '\0')
      snprintf(err, errlen, "taskip-mock did not start");
    return -1;
  }
  return 0;
}

static void mock_stop(void) {
  int status;
  if (mock_pid <= 0)
    return;
  kill(mock_pid, SIGTERM);
  while (waitpid(mock_pid, &status, 0) < 0 && errno == EINTR)
    ;
  mock_pid = -1;
}
/* }======================================================= */

static int progress_shown;

/* Pagination progress on a terminal: one line, rewritten in place. */
static void show_progress(void *ud, int id, const char *line, size_t len) {
  (void)ud;
  (void)id;
  fprintf(stderr, "\r\033[K%.*s", (int)len, line);
  progress_shown = 1;
}

static void output_line(void *ud, int id, const char *line, size_t len) {
  (void)ud;
  (void)id;
  if (progress_shown) {
    fputs("\r\033[K", stderr);
    progress_shown = 0;
  }
  fwrite(line, 1, len, stdout);
  fputc('\n', stdout);
}

static void log_line(void *ud, int id, int level, const char *line,
                     size_t len) {
  (void)ud;
  (void)id;
  (void)level;
  if (progress_shown) {
    fputs("\r\033[K", stderr);
    progress_shown = 0;
  }
  fwrite(line, 1, len, stderr);
  fputc('\n', stderr);
}

typedef struct run_opts {
  taskip_host_config cfg;
  const char *key_file;
  int mock;
  const char *script;
  char *const *args;
  int nargs;
} run_opts;

static int run(run_opts *o) {
  char key[KEY_MAX], err[512], dir[PATH_MAX];
  size_t keylen = 0;
  taskip_host *h;
  const char *reason = "";
  int id, code = TASKIP_EXIT_USAGE;
  o->cfg.lua_dir = find_lua_dir();
  selfpath_use_tree_cpath(o->cfg.lua_dir != NULL ? o->cfg.lua_dir
                          : selfpath_lua_dir("taskip/init.lua", dir,
                                             sizeof(dir)));
  if (o->mock) {
    take_env_key(NULL, NULL);
    if (mock_start(err, sizeof(err)) != 0) {
      fprintf(stderr, "taskip-run: --mock: %s\n", err);
      mock_stop();
      return TASKIP_EXIT_USAGE;
    }
    o->cfg.client.base_url = mock_url;
    o->cfg.client.cafile = mock_ca;
    memcpy(key, DEMO_KEY, sizeof(DEMO_KEY) - 1);
    keylen = sizeof(DEMO_KEY) - 1;
  } else if (o->key_file != NULL) {
    take_env_key(NULL, NULL);
    if (read_key_file(o->key_file, key, &keylen) != 0)
      goto done;
  } else {
    take_env_key(key, &keylen);
    if (keylen == 0) {
      fprintf(stderr, "taskip-run: no secret key: set " TASKIP_KEY_ENV
              ", or pass --key-file FILE (or --mock to try the "
              "emulator)\n");
      goto done;
    }
  }
  if (o->cfg.client.base_url == NULL)
    o->cfg.client.base_url = getenv("TASKIP_BASE_URL");
  if (o->cfg.client.cafile == NULL)
    o->cfg.client.cafile = getenv("TASKIP_CAFILE");
  if (o->cfg.client.base_url != NULL && *o->cfg.client.base_url == '\0')
    o->cfg.client.base_url = NULL;
  if (o->cfg.client.cafile != NULL && *o->cfg.client.cafile == '\0')
    o->cfg.client.cafile = NULL;
  o->cfg.key = key;
  o->cfg.key_len = keylen;
  h = taskip_host_new(&o->cfg, err, sizeof(err));
  taskip_wipe(key, sizeof(key));
  if (h == NULL) {
    fprintf(stderr, "taskip-run: %s\n", err);
    goto done;
  }
  id = taskip_host_spawn_file(h, o->script, (const char *const *)o->args,
                              o->nargs, err, sizeof(err));
  if (id < 0) {
    fprintf(stderr, "taskip-run: %s\n", err);
    taskip_host_free(h);
    goto done;
  }
  if (o->cfg.limits.timeout > 0 &&
      run_watchdog_start(o->cfg.limits.timeout + RUN_WATCHDOG_GRACE,
                         o->script) != 0) {
    fprintf(stderr, "taskip-run: cannot start the time-limit watchdog\n");
    taskip_host_free(h);
    goto done;
  }
  while (taskip_host_step(h, 250) > 0)
    ;
  run_watchdog_disarm();
  taskip_host_status(h, id, &reason, &code);
  fflush(stdout);
  if (progress_shown)
    fputs("\r\033[K", stderr);
  if (code != TASKIP_EXIT_OK)
    fprintf(stderr, "taskip-run: %s: %s\n", o->script, reason);
#ifndef TASKIP_FULL_TEARDOWN
  /* The process ends here: its memory (the key's pages with it) goes
  ** back to the system whole, so freeing the host piece by piece
  ** (Lua states, connections, TLS state) would only delay the exit;
  ** so would waiting for the disarmed watchdog's thread to end. */
  if (!o->mock) {
    fflush(stderr);
    _exit(code);
  }
#endif
  run_watchdog_stop();
  taskip_host_free(h);
done:
  taskip_wipe(key, sizeof(key));
  mock_stop();
  return code;
}

int main(int argc, char **argv) {
  run_opts o;
  double v;
  int opt;
  memset(&o, 0, sizeof(o));
  taskip_host_config_init(&o.cfg);
  signal(SIGPIPE, SIG_IGN);
  while ((opt = getopt_long(argc, argv, "+qvh", options, NULL)) != -1) {
    switch (opt) {
    case OPT_BASE_URL:
      o.cfg.client.base_url = optarg;
      break;
    case OPT_CAFILE:
      o.cfg.client.cafile = optarg;
      break;
    case OPT_KEY_FILE:
      o.key_file = optarg;
      break;
    case OPT_MOCK:
      o.mock = 1;
      break;
    case OPT_TIMEOUT:
      if (parse_num(optarg, 0.001, 1e7, &v) != 0)
        return bad_usage("bad --timeout", optarg);
      o.cfg.limits.timeout = v;
      break;
    case OPT_MAX_MEMORY:
      if (parse_num(optarg, 1, 1 << 20, &v) != 0)
        return bad_usage("bad --max-memory", optarg);
      o.cfg.limits.memory = (size_t)(v * 1024 * 1024);
      break;
    case OPT_MAX_REQUESTS:
      if (parse_num(optarg, 0, 1e12, &v) != 0 || v != (long)v)
        return bad_usage("bad --max-requests", optarg);
      o.cfg.limits.requests = (long)v;
      break;
    case OPT_MAX_INSTRUCTIONS:
      if (parse_num(optarg, 0, 1e18, &v) != 0)
        return bad_usage("bad --max-instructions", optarg);
      o.cfg.limits.instructions = (long long)v;
      break;
    case OPT_MAX_OUTPUT:
      if (parse_num(optarg, 0, 1e15, &v) != 0)
        return bad_usage("bad --max-output", optarg);
      o.cfg.limits.output = (size_t)v;
      break;
    case OPT_MAX_CONNECTIONS:
      if (parse_num(optarg, 1, 1000, &v) != 0 || v != (int)v)
        return bad_usage("bad --max-connections", optarg);
      o.cfg.max_connections = (int)v;
      break;
    case OPT_MAX_HOLD:
      if (parse_num(optarg, 0, 1e9, &v) != 0)
        return bad_usage("bad --max-hold", optarg);
      o.cfg.limits.hold = v / 1000;
      break;
    case OPT_BURST_LIMIT:
      if (parse_num(optarg, 1, 1e9, &v) != 0 || v != (long)v)
        return bad_usage("bad --burst-limit", optarg);
      o.cfg.client.minute_limit = (long)v;
      break;
    case OPT_ALLOW:
      o.cfg.allow = optarg;
      break;
    case OPT_DRY_RUN:
      o.cfg.dry_run = 1;
      break;
    case OPT_RATE_STORE:
      if (strncmp(optarg, "file:", 5) != 0 &&
          strncmp(optarg, "redis://", 8) != 0)
        return bad_usage("bad --rate-store (use file:PATH or "
                         "redis://HOST:PORT[/DB])", optarg);
      o.cfg.rate_store = optarg;
      break;
    case OPT_RATE_FLEET:
      if (parse_num(optarg, 1, 10000, &v) != 0 || v != (int)v)
        return bad_usage("bad --rate-fleet", optarg);
      o.cfg.client.rate_fleet = (int)v;
      break;
    case OPT_JSON_LOG:
      o.cfg.json_log = 1;
      break;
    case 'q':
      o.cfg.log_level = TASKIP_LOG_ERROR;
      break;
    case 'v':
      o.cfg.log_level = TASKIP_LOG_DEBUG;
      break;
    case 'h':
      usage(stdout);
      return TASKIP_EXIT_OK;
    case OPT_VERSION:
      printf("taskip-run %s (%s)\n", TASKIP_VERSION, taskip_user_agent());
      return TASKIP_EXIT_OK;
    default:
      fprintf(stderr, "Try 'taskip-run --help'.\n");
      return TASKIP_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return bad_usage("no script given", NULL);
  o.script = argv[optind];
  o.args = argv + optind + 1;
  o.nargs = argc - optind - 1;
  if (o.mock && o.key_file != NULL)
    return bad_usage("--mock and --key-file exclude each other", NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  o.cfg.output = output_line;
  o.cfg.log = log_line;
  if (isatty(STDERR_FILENO) && o.cfg.log_level <= TASKIP_LOG_INFO &&
      !o.cfg.json_log)
    o.cfg.progress = show_progress;
  return run(&o);
}
