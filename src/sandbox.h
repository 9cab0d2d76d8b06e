/*
** sandbox.h — one sandboxed lua_State per script.
**
** The state is created with a counting allocator (hard cap), loads the
** Lua facade (lua/taskip/) with the full standard library, then seals
** itself: the script runs with an environment built from an allow
** list, never the state's real globals. A count hook enforces the
** deadline, the instruction budget and the memory verdict, and yields
** the running coroutine when the host's time slice is over. Once a
** limit trips the kill is sticky: the hook raises on every instruction
** until control is back in C.
**
** Host operations (an API call, sleep, parallel) yield the script's
** coroutine with a private sentinel after recording what they want in
** sb->op; coroutine.resume/wrap inside scripts pass such yields (and
** the hook's time-slice yields) up to the host and resume the inner
** coroutine afterwards.
**
** Internal to the host: not a public API.
*/
#ifndef TASKIP_SANDBOX_H
#define TASKIP_SANDBOX_H

#include <stddef.h>

#include <lua.h>

/* Why a script was stopped. */
typedef enum sb_limit {
  SB_LIMIT_NONE = 0,
  SB_LIMIT_TIME,
  SB_LIMIT_INSTRUCTIONS,
  SB_LIMIT_MEMORY,
  SB_LIMIT_OUTPUT,
  SB_LIMIT_REQUESTS,
  SB_LIMIT_HELD,               /* held the thread where it cannot yield */
  SB_LIMIT_KILLED              /* taskip_host_kill */
} sb_limit;

/* What a host yield asks for. */
typedef enum sb_op_kind {
  SB_OP_NONE = 0,
  SB_OP_REQUEST,               /* data: the hostcore call box */
  SB_OP_SLEEP,                 /* seconds: how long */
  SB_OP_CHILDREN,              /* data: the parallel group */
  SB_OP_FUNCTION               /* data: an embedder's function call */
} sb_op_kind;

typedef struct sb_op {
  sb_op_kind kind;
  void *data;
  double seconds;
  const char *fail;            /* set when the yield could not reach the
                                  host: the continuation raises it */
} sb_op;

typedef struct sandbox sandbox;
typedef struct sb_script sb_script;

/* Output and log sinks; the host escapes, scrubs and counts. Return
** nonzero when the script went over a limit (then sb->killed is set). */
typedef int (*sb_print_fn)(sandbox *sb, const char *text, size_t len);

struct sandbox {
  lua_State *L;
  /* memory */
  size_t mem_used, mem_cap, mem_script_cap;
  void *fail_ptr;               /* the last refused allocation */
  size_t fail_osize, fail_nsize;
  int hopeless;                 /* refused requests bigger than the cap */
  int over_memory;
  size_t deep_mem;              /* check the call depth above this */
  size_t mem_tidy;              /* in use after the last sb_tidy */
  sb_script **scripts;          /* sb_config.scripts */
  /* time and instructions */
  long long instr_budget;       /* 0: none */
  long long instr_used;
  double deadline;              /* monotonic seconds; 0: none */
  double time_limit;            /* seconds, for the message */
  double slice_end;             /* yield once past this, if yieldable */
  double slice_wall0, slice_cpu0; /* when the host resumed the script:
                                   monotonic and thread CPU seconds */
  double hold;                  /* CPU seconds it may run past its slice
                                   where it cannot yield; 0: no limit */
  int slice_yield;              /* the hook yielded for the time slice */
  int hooks_on;                 /* limits apply (off while loading) */
  /* outcome */
  sb_limit killed;
  char reason[200];
  char err_kind[32];            /* what sb_describe_* last found: the
                                   kind of a taskip error object, or "" */
  /* host yields */
  sb_op op;
  lua_State *task;              /* the host thread being resumed */
  /* the host's side */
  void *owner;
  sb_print_fn print;
  unsigned *kills;              /* sb_config.kills */
};

/* The taskip Lua modules compiled once per host and loaded into each
** new state as bytecode (the host's own files: never a script's). */
typedef struct sb_chunk sb_chunk;
void sb_chunks_free(sb_chunk *chunks);
/* Adds a copy of precompiled module `name` (bytecode from lua_dump,
** chunkname "@file") to the cache; 0, or -1 when out of memory. */
int sb_chunks_add(sb_chunk **list, const char *name, const char *chunkname,
                  const void *code, size_t len);

/* The function on top of L as bytecode (lua_dump, strip or not) in a
** malloc'd *code of *len bytes; 0, or -1 when out of memory. */
int sb_dump(lua_State *L, int strip, char **code, size_t *len);

/* The scripts a host compiled, kept as bytecode (sandbox_scripts.c). */
void sb_scripts_free(sb_script *list);
/* Loads script text (name is its chunkname) like luaL_loadbufferx in
** mode "t", from list's bytecode when it holds the same name and text,
** else compiling it and keeping the bytecode in list (NULL: none). */
int sb_scripts_load(lua_State *L, sb_script **list, const char *name,
                    const char *text, size_t len);

/* The fixed settings of a new sandbox. */
typedef struct sb_config {
  size_t mem_cap;               /* bytes for the script, above the
                                   facade's own; 0: none */
  long long instructions;       /* 0: none */
  double hold;                  /* seconds; see struct sandbox */
  const char *lua_dir;          /* holds taskip/init.lua */
  sb_chunk **chunks;            /* the host's module cache, or NULL */
  sb_script **scripts;          /* the host's compiled scripts, or NULL */
  const char *base_url;         /* shown as taskip.base_url */
  lua_CFunction open_core;      /* the in-sandbox taskip.core */
  /* adds host globals (sleep, log, taskip.parallel) to the env table
  ** at index env; the facade's client is at index client */
  void (*install)(lua_State *L, int env, int client);
  void *owner;
  sb_print_fn print;
  unsigned *kills;              /* counts this state's kills, or NULL */
} sb_config;

/* Replaces, in the state's real string and table libraries, the
** functions whose work a script controls (sandbox_lib.c). */
void sb_open_safe_lib(lua_State *L);

/* Creates and seals a state; NULL with a message on failure. */
sandbox *sb_new(const sb_config *cfg, char *err, size_t errlen);
void sb_free(sandbox *sb);                      /* NULL ok */

/* The sandbox of any thread of its state. */
sandbox *sb_of(lua_State *L);

/*
** Loads a script (text only) into a new host thread with its arguments
** (arg table and varargs). Returns the thread, ready for its first
** resume with *nargs arguments, or NULL with a message in err (a syntax
** error, out of memory). The thread stays anchored until sb_forget.
*/
lua_State *sb_spawn(sandbox *sb, const char *chunk, size_t len,
                    const char *name, const char *const *argv, int argc,
                    int *nargs, char *err, size_t errlen);

/* Marks a thread as a host thread (anchors it, and scripts may not
** resume it); runs in the script's state, may raise. */
void sb_adopt(lua_State *L, int idx);
/* Releases a host thread once it is done (no allocation). */
void sb_forget(sandbox *sb, lua_State *co);

/* The host is about to resume the script: its slice ends at slice_end
** (monotonic seconds). */
void sb_slice_start(sandbox *sb, double slice_end);

/* Arms the hook on thread co before a resume: the instruction count,
** or count 1 (raise at once) when the script is killed. */
void sb_arm(sandbox *sb, lua_State *co);

/*
** For C loops whose length a script controls and for resumes inside
** frames that cannot yield: kills the script when its time is up or
** when it has held the thread past its slice by more than sb->hold
** seconds of CPU, then raises if it is killed. Costs a clock read:
** call it every few thousand iterations.
*/
void sb_poll(lua_State *L);

/* Records a kill (the first reason wins). */
void sb_kill(sandbox *sb, sb_limit why, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Raises if the script is killed; every host function calls it. */
void sb_check(lua_State *L);

/* Pushes the arguments 1..top as tostring() gives them, joined by sep
** (print's "\t", log's " "). */
void sb_push_joined(lua_State *L, char sep);

/*
** Yields the calling coroutine to the host for op: records it, pushes
** the sentinel and yields with continuation k. Raises when the caller
** is not yieldable (inside a C call such as table.sort's comparator).
*/
int sb_host_yield(lua_State *L, sb_op_kind kind, void *data, double secs,
                  lua_KContext ctx, lua_KFunction k);

/* In a continuation: raises if the op did not reach the host. */
void sb_op_resumed(lua_State *L);

/* Whether the values a thread yielded are a host yield (sentinel). */
int sb_is_host_yield(lua_State *co, int nres);

/*
** Describes the error object on top of co's stack into buf, one line,
** without calling any metamethod: strings as they are, numbers and
** booleans formatted, a taskip error object as "taskip: kind: message
** (HTTP status)", anything else as "error object is a <type>".
*/
void sb_describe_error(sandbox *sb, lua_State *co, char *buf, size_t n);

/*
** The verdict of a finished main chunk whose results are on co's stack
** (nres values): 0 when it succeeded, 1 when it returned a failure
** (nil|false, err or a taskip error object); then buf says why.
*/
int sb_describe_return(sandbox *sb, lua_State *co, int nres, char *buf,
                       size_t n);

/* Monotonic seconds. */
double sb_clock(void);

/* {======================================================= charges
** Memory the host holds for a script outside its Lua state counts
** against the same cap (sandbox_charge.c). Every charge is given back
** exactly once, before the state is closed. */

/* Counts n more bytes against the cap: 0, or -1 (nothing counted) when
** they would pass it. Never allocates; ask before allocating. */
int sb_charge(sandbox *sb, size_t n);
/* Gives back n bytes of an earlier charge. */
void sb_uncharge(sandbox *sb, size_t n);
/* Collects the script's garbage while it waits (for a call, a sleep, a
** host function), once its heap has grown enough since the last time:
** a waiting script allocates nothing, so the collector would otherwise
** keep its garbage (a decoded answer or two) until it runs again, and a
** host with thousands of waiting scripts would hold all of it. */
void sb_tidy(sandbox *sb);

/* What counts against the script's cap now: its state, above the
** facade's own, and its charges. */
size_t sb_mem_in_use(const sandbox *sb);
/* n as "28 MB", "1.5 MB", "512 KB" or "300 bytes". */
void sb_format_bytes(size_t n, char *buf, size_t len);
/* Stops the script at its memory limit for a refused charge of n bytes
** for `what`: "memory limit (64 MB) exceeded: a request body of 28 MB
** (40 MB in use)". */
void sb_charge_refused(sandbox *sb, const char *what, size_t n);

/* }======================================================= */

#endif
