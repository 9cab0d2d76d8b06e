/*
** fuzz_host — script loading and the first steps in the host.
**
** Each input is a script's text, spawned with taskip_host_spawn_buffer
** into a fresh host with tight limits (0.5 s, 100k instructions, 8 MiB,
** 16 KiB of output, 3 requests to a closed loopback port), stepped up
** to 40 times with step(h, 0), then the host is freed with whatever
** still runs. Checks: no crash, leak or UB; spawn gives an id or a
** message; a finished script has a known exit code; no output or log
** line ever holds the key, though the input may hold it.
*/
#include <signal.h>
#include <stdio.h>

#include "fuzz_lines.h"
#include "taskip_host.h"

#ifndef FUZZ_LUA_DIR
#define FUZZ_LUA_DIR "lua"
#endif

#define KEY "fuzz-host-key-5b2e-not-a-secret"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *what, const char *line, size_t len) {
  size_t k = strlen(KEY), i;
  for (i = 0; i + k <= len; i++)
    if (memcmp(line + i, KEY, k) == 0) {
      fprintf(stderr, "fuzz_host: the key in a %s line: %.*s\n", what,
              (int)len, line);
      abort();
    }
}

static void on_output(void *ud, int id, const char *line, size_t len) {
  (void)ud;
  (void)id;
  check_line("print", line, len);
}

static void on_log(void *ud, int id, int level, const char *line,
                   size_t len) {
  (void)ud;
  (void)id;
  (void)level;
  check_line("log", line, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *dir = getenv("TASKIP_LUA_DIR");
  const char *args[] = {"one", KEY};
  taskip_host_config cfg;
  taskip_host *h;
  char err[512];
  const char *reason = NULL;
  int id, i, code = -1;
  taskip_host_config_init(&cfg);
  cfg.key = KEY;
  cfg.client.base_url = "https://127.0.0.1:9/api";
  cfg.client.connect_timeout_ms = 200;
  cfg.client.timeout_ms = 300;
  cfg.client.max_retries = 0;
  cfg.client.retry_backoff = 0.001;
  cfg.client.max_wait = 0.2;
  cfg.limits.timeout = 0.5;
  cfg.limits.instructions = 100000;
  cfg.limits.memory = 8u << 20;
  cfg.limits.output = 16384;
  cfg.limits.requests = 3;
  cfg.output = on_output;
  cfg.log = on_log;
  cfg.progress = on_output;
  cfg.log_level = TASKIP_LOG_DEBUG;
  cfg.lua_dir = dir != NULL ? dir : FUZZ_LUA_DIR;
  h = taskip_host_new(&cfg, err, sizeof err);
  if (h == NULL) {
    fprintf(stderr, "fuzz_host: %s\n", err);
    abort();
  }
  id = taskip_host_spawn_buffer(h, "=fuzz", (const char *)data, size, args,
                                2, err, sizeof err);
  if (id < 0) {
    if (err[0] == '\0')
      abort();                        /* a refusal must say why */
  } else {
    for (i = 0; i < 40 && taskip_host_step(h, 0) > 0; i++)
      ;
    if (taskip_host_status(h, id, &reason, &code) == TASKIP_SCRIPT_DONE) {
      if (code < TASKIP_EXIT_OK || code > TASKIP_EXIT_LIMIT || reason == NULL)
        abort();
      check_line("reason", reason, strlen(reason));
    }
  }
  taskip_host_free(h);
  return 0;
}
