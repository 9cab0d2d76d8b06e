/*
** taskip_host.h — the embeddable script host: run taskip automation
** scripts, possibly written by someone else, with the account's key
** injected but out of their reach.
**
**   taskip_host_config cfg;
**   taskip_host_config_init(&cfg);
**   cfg.key = key; cfg.key_len = strlen(key);      (copied, then wipe yours)
**   cfg.client.base_url = "https://...";
**   h = taskip_host_new(&cfg, err, sizeof err);
**   id = taskip_host_spawn_file(h, "job.lua", argv, argc, err, sizeof err);
**   while (taskip_host_step(h, 100) > 0)            (or step(h, 0) per frame)
**     ;
**   taskip_host_status(h, id, &reason, &code);
**   taskip_host_free(h);
**
** Many scripts run at once in the calling thread, each in its own
** sandboxed lua_State (see sandbox-attacks.md for what that stops). An
** API call yields the script's coroutine until curl multi has the
** answer; sleep() and rate-limit waits park it; a script that computes
** is time-sliced by its count hook, so step() returns within its
** timeout. Where a script cannot yield (script code called from C, a
** library loop), it is stopped once it has held the thread limits.hold
** of CPU past its slice: a step overruns its timeout by less than 50 ms
** of CPU whatever scripts do, except for one library call's work on a
** script's own data, which its memory limit bounds (README, "Limits,
** and what they guarantee"). Nothing here is thread-safe: use a host
** from one thread. The thread needs about 1 MB of C stack for Lua's C-level
** limit (LUAI_MAXCCALLS) to trip before the stack ends. The host does
** not install signal handlers; ignore SIGPIPE in the program.
*/
#ifndef TASKIP_HOST_H
#define TASKIP_HOST_H

#include <stddef.h>

#include "taskip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes of a script (and of taskip-run). */
#define TASKIP_EXIT_OK 0
#define TASKIP_EXIT_ERROR 1      /* uncaught error, or a failure returned */
#define TASKIP_EXIT_USAGE 2      /* taskip-run: usage or configuration */
#define TASKIP_EXIT_LIMIT 3      /* a limit, or killed by the host */

typedef enum taskip_log_level {
  TASKIP_LOG_DEBUG = 0,
  TASKIP_LOG_INFO,
  TASKIP_LOG_WARN,
  TASKIP_LOG_ERROR
} taskip_log_level;

/* One escaped line of print() output (no newline), from script `id`. */
typedef void (*taskip_host_output_fn)(void *ud, int id, const char *line,
                                      size_t len);
/* One formatted log line (text, or JSON with json_log), no newline. */
typedef void (*taskip_host_log_fn)(void *ud, int id, int level,
                                   const char *line, size_t len);
/* A progress line of a long pagination ("page 3 of 10, 300 items"). */
typedef void (*taskip_host_progress_fn)(void *ud, int id, const char *line,
                                        size_t len);
/* Writes the key into buf (cap bytes); returns its length, or -1. The
** host copies it into locked memory and wipes buf. */
typedef long (*taskip_host_key_fn)(void *ud, char *buf, size_t cap);

/* Per-script limits; 0 means none. A script over one stops with exit
** code 3 and a one-line reason; the host and other scripts go on. */
typedef struct taskip_host_limits {
  double timeout;            /* wall-clock seconds, I/O waits included;
                                time spent ready while other scripts
                                run is not counted */
  long long instructions;    /* Lua VM instructions */
  size_t memory;             /* bytes of the script's Lua state beyond
                                what the taskip modules take */
  size_t output;             /* bytes of print() and log output */
  long requests;             /* API calls (retries not counted) */
  double hold;               /* CPU seconds a script may keep the thread
                                past its time slice where it cannot
                                yield (script code called from C, a long
                                library call) before it is stopped */
} taskip_host_limits;

typedef struct taskip_host_config {
  taskip_config client;      /* base URL, CA file, timeouts, retries,
                                rate policy; see taskip.h */
  const char *key;           /* the secret key (key_len bytes), or */
  size_t key_len;
  taskip_host_key_fn key_fn; /*   a provider, called once */
  void *key_ud;
  taskip_host_limits limits;
  const char *allow;         /* "[METHOD:]PATH,..." fnmatch patterns;
                                NULL allows every call */
  int dry_run;               /* writes are logged, not sent */
  int json_log;              /* log lines as JSON objects */
  int log_level;             /* taskip_log_level; lower is dropped */
  int max_connections;       /* to the API host; default 16 */
  taskip_host_output_fn output;  /* NULL: stdout */
  taskip_host_log_fn log;        /* NULL: stderr */
  taskip_host_progress_fn progress;  /* NULL: debug log lines */
  void *ud;                  /* for output, log and progress */
  const char *lua_dir;       /* holds taskip/init.lua; NULL: the
                                installed modules */
  const char *rate_store;    /* "file:PATH" or "redis://HOST:PORT[/DB]":
                                the rate budget shared with other
                                processes (README, "Many processes, one
                                key"); NULL: this host's own.
                                client.rate_fleet applies. Its updates
                                never block a step; when it cannot be
                                reached, one line goes to stderr */
} taskip_host_config;

typedef struct taskip_host taskip_host;

/* Defaults: client defaults, limits 300 s, 64 MiB, 1 MiB of output,
** 30 ms of hold, no instruction or request limit, everything allowed,
** info logs. */
void taskip_host_config_init(taskip_host_config *cfg);

/* NULL with a message in err (never holding the key) on failure. */
taskip_host *taskip_host_new(const taskip_host_config *cfg, char *err,
                             size_t errlen);

/*
** Starts a script with arguments (arg[1..argc] and the chunk's `...`).
** Returns its id (> 0), or -1 with a message when it cannot start at
** all (unreadable file, modules not found). A syntax error gives an id
** whose script has already finished with exit code 1.
*/
int taskip_host_spawn_file(taskip_host *h, const char *path,
                           const char *const *argv, int argc, char *err,
                           size_t errlen);
int taskip_host_spawn_buffer(taskip_host *h, const char *name,
                             const char *code, size_t len,
                             const char *const *argv, int argc, char *err,
                             size_t errlen);

/*
** Runs ready scripts and drives I/O, returning within timeout_ms (0:
** one non-blocking pass of well under a millisecond). Returns how many
** scripts are still running.
*/
int taskip_host_step(taskip_host *h, int timeout_ms);

/* How many API requests are on the wire or queued in curl now. */
int taskip_host_in_flight(const taskip_host *h);

typedef enum taskip_script_status {
  TASKIP_SCRIPT_UNKNOWN = -1,
  TASKIP_SCRIPT_RUNNING = 0,
  TASKIP_SCRIPT_DONE = 1
} taskip_script_status;

/* Status of script id; once done, *exit_code and a one-line *reason
** ("" on success; owned by the host until released). Either may be
** NULL. */
taskip_script_status taskip_host_status(taskip_host *h, int id,
                                        const char **reason,
                                        int *exit_code);

/* Stops a running script (exit code 3, "killed by the host"). Returns
** 0, or -1 if id is not running. Safe from the output/log callbacks. */
int taskip_host_kill(taskip_host *h, int id);

/* Forgets a finished script; its id becomes unknown. */
void taskip_host_release(taskip_host *h, int id);

/* Stops every script and frees everything; NULL is a no-op. */
void taskip_host_free(taskip_host *h);

#ifdef __cplusplus
}
#endif

#endif
