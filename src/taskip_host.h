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
**
** As a plugin runtime (sections below): the embedder registers
** functions scripts call (taskip_host_register, or per script in
** taskip_host_spawn_opts), answering at once or later from its loop
** (taskip_host_complete); values cross as taskip_value trees, never Lua
** objects; emit(name, value) reaches taskip_host_on_event; a finished
** script's values, error kind and whole reason come from
** taskip_host_result; and each script may carry a key of its own
** (taskip_host_spawn), with its own client, rate-limit state and
** connections. Every key the host holds is scrubbed from everything
** scripts see and from every line and reason the embedder gets.
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
** whose script has already finished with exit code 1. A host compiles
** a script once: spawning the same name and text again loads the
** bytecode of its first compile (the 16 most recently used scripts).
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
** ("" on success; owned by the host until released; at most 511
** bytes: taskip_host_result has the whole reason). Either may be
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

/* {======================================================= values
** What crosses between scripts and the embedder: JSON-shaped data
** (nil, booleans, integers kept exact, floats, byte strings, arrays,
** maps with string keys). No function, userdata, thread or metatable
** crosses. A value is a tree the host or the embedder builds with the
** functions below; a container owns what is added to it, so a tree
** cannot hold a cycle (adding a value that already has a parent, or an
** ancestor of the container, is refused). Script values that are
** cyclic, deeper than TASKIP_VALUE_DEPTH or bigger than
** TASKIP_VALUE_MAX bytes are refused with an error naming the place
** ("engine.notify: argument 1.items[3]: cyclic table"). Every
** function takes NULL where it takes a value (and then fails or
** answers the empty thing), so constructors can be nested without
** checks: a failed allocation surfaces once, at the outermost call. */

#define TASKIP_VALUE_DEPTH 32
#define TASKIP_VALUE_MAX (1u << 20)

typedef enum taskip_value_type {
  TASKIP_VALUE_NIL = 0,
  TASKIP_VALUE_BOOLEAN,
  TASKIP_VALUE_INTEGER,
  TASKIP_VALUE_NUMBER,       /* a float */
  TASKIP_VALUE_STRING,
  TASKIP_VALUE_ARRAY,        /* items 0..n-1 (Lua 1..n; nil items ok) */
  TASKIP_VALUE_MAP           /* string keys, in insertion order */
} taskip_value_type;

typedef struct taskip_value taskip_value;

/* Constructors: a new value (free it, or give it to a container or to
** taskip_host_complete), or NULL when out of memory. */
taskip_value *taskip_value_nil(void);
taskip_value *taskip_value_boolean(int b);
taskip_value *taskip_value_integer(long long i);
taskip_value *taskip_value_number(double d);
taskip_value *taskip_value_string(const char *s, size_t len);
taskip_value *taskip_value_array(void);
taskip_value *taskip_value_map(void);
/* Adds item to an array / sets key in a map (the map takes a copy of
** the key; a repeated key replaces). The container owns item from now
** on, also on failure (then item is freed). 0, or -1. */
int taskip_value_append(taskip_value *array, taskip_value *item);
int taskip_value_set(taskip_value *map, const char *key, size_t keylen,
                     taskip_value *item);
/* Frees v and everything in it (NULL ok). Not for a value a container
** owns. */
void taskip_value_free(taskip_value *v);

/* Readers; NULL reads as nil. */
taskip_value_type taskip_value_kind(const taskip_value *v);
int taskip_value_to_boolean(const taskip_value *v);   /* Lua truth */
long long taskip_value_to_integer(const taskip_value *v); /* floats cut */
double taskip_value_to_number(const taskip_value *v);
const char *taskip_value_to_string(const taskip_value *v, size_t *len);
                                     /* NUL-terminated; NULL if none */
size_t taskip_value_count(const taskip_value *v);     /* items or keys */
const taskip_value *taskip_value_item(const taskip_value *v, size_t i);
                                     /* array item, or map value i */
const char *taskip_value_key(const taskip_value *v, size_t i,
                             size_t *len);            /* map key i */
const taskip_value *taskip_value_get(const taskip_value *map,
                                     const char *key); /* NULL: absent */
/* Bytes the tree holds (what counts against a script's memory). */
size_t taskip_value_size(const taskip_value *v);

/* }======================================================= */

/* {======================================================= functions
** Host functions: scripts call `engine.notify(...)` like a Lua
** function. fn gets the arguments as an array (valid until the call is
** completed or its script ends) and answers with taskip_host_complete,
** either before it returns (the script goes on at once) or later, from
** the embedder's own loop (the script's coroutine waits like an API
** call; others run; its time limit still applies). fn may call
** taskip_host_complete and taskip_host_kill, not step, spawn or free.
** It runs in the script's time slice. */

typedef void (*taskip_host_fn)(void *ud, taskip_host *h, int script_id,
                               unsigned long long call_id,
                               const taskip_value *args);

typedef struct taskip_host_function {
  const char *name;          /* "notify" or "engine.notify" */
  taskip_host_fn fn;
  void *ud;
} taskip_host_function;

/* Gives every script spawned from now on the function `name` (one
** identifier, or two joined by a dot; not one of the sandbox's own
** globals such as taskip, json, string or print). 0, or -1 with why
** in err. */
int taskip_host_register(taskip_host *h, const char *name,
                         taskip_host_fn fn, void *ud, char *err,
                         size_t errlen);

/*
** Answers call call_id: with result (owned by the host from now on,
** NULL means nil), or with an error when err_kind is not NULL: the
** script gets nil, err where err.kind is err_kind ("not_found",
** "busy"...) and err.message is err_message (scrubbed of keys). A
** result too big for the script reaches it as nil, err of kind
** "too_large". 0, or -1 when no call call_id waits (its script ended,
** or it was answered): result is freed then.
*/
int taskip_host_complete(taskip_host *h, unsigned long long call_id,
                         taskip_value *result, const char *err_kind,
                         const char *err_message);

/* }======================================================= */

/* {======================================================= events
** emit(name, value) in a script calls the event callback (at once, in
** the script's slice; value is valid during the call only). Names are
** strings of 1..64 bytes; name and value count against the script's
** output limit. Without a callback, events are dropped. */

typedef void (*taskip_host_event_fn)(void *ud, taskip_host *h,
                                     int script_id, const char *name,
                                     const taskip_value *value);
/* Called once per script when it finishes (any way), after its result
** is available through taskip_host_result. */
typedef void (*taskip_host_finish_fn)(void *ud, taskip_host *h,
                                      int script_id);

void taskip_host_on_event(taskip_host *h, taskip_host_event_fn fn,
                          void *ud);
void taskip_host_on_finish(taskip_host *h, taskip_host_finish_fn fn,
                           void *ud);

/* }======================================================= */

/* {======================================================= results */

typedef struct taskip_script_result {
  int exit_code;
  const char *kind;          /* "" on success; a limit ("time",
                                "memory", "instructions", "output",
                                "requests", "held", "killed"); the kind
                                of a taskip error object the script
                                raised or returned ("auth", ...);
                                "load" (a syntax error); else "error" */
  const char *reason;        /* the whole reason, escaped and scrubbed
                                (up to 64 KiB; "" on success) */
  const taskip_value *values;/* the main chunk's returned values as an
                                array (NULL when it returned none it
                                could hand over: see values_error) */
  const char *values_error;  /* why values is NULL, or "" (a taskip
                                error object crosses as the map of
                                its fields) */
} taskip_script_result;

/* The result of script id: 1 once it is done (*out filled, owned by the
** host until release), 0 while it runs, -1 for an unknown id. */
int taskip_host_result(taskip_host *h, int id, taskip_script_result *out);

/* }======================================================= */

/* {======================================================= spawn
** One key per script: a script spawned with a key of its own calls
** the API with that key only, through its own taskip_client (its own
** rate-limit state and connections); scripts with the same key share
** one. What a script can see is scrubbed of its own key and of the
** host's. */

typedef struct taskip_host_spawn_opts {
  const char *name;          /* chunk name ("job"); NULL: "script" */
  const char *code;          /* the script, len bytes; or NULL and */
  size_t len;
  const char *path;          /*   a file to read */
  const char *const *argv;   /* arg[1..argc] and `...` */
  int argc;
  const char *key;           /* the script's own key (copied), or */
  size_t key_len;
  taskip_host_key_fn key_fn; /*   a provider; neither: the host's key */
  void *key_ud;
  const char *base_url;      /* NULL: the host's */
  const taskip_host_limits *limits;  /* NULL: the host's */
  const taskip_host_function *functions;  /* this script's own, besides
                                             the host's (same names
                                             override) */
  int nfunctions;
} taskip_host_spawn_opts;

/* Zeroes opts (everything from the host). */
void taskip_host_spawn_opts_init(taskip_host_spawn_opts *opts);

/* Like taskip_host_spawn_buffer; -1 with why in err (a wrong option
** names the field: "spawn: opts.code or opts.path is required"). */
int taskip_host_spawn(taskip_host *h, const taskip_host_spawn_opts *opts,
                      char *err, size_t errlen);

/* }======================================================= */

#ifdef __cplusplus
}
#endif

#endif
