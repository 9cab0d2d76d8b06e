/*
** plugin_driver: the host as a plugin runtime, for the plugin specs.
** Runs scripts in one host with the embedder's functions registered:
**
**   test.echo(...)      answers at once with its arguments (an array)
**   test.later(...)     answers with its arguments LATER_STEPS steps on
**   test.never()        never answers
**   test.fail(k, m)     answers nil, err of kind k, message m
**   test.big(n)         answers a string of n bytes
**   test.deep(n)        answers n nested arrays
**   test.leak()         answers with the host's key (which the script
**                       must see scrubbed)
**
**   plugin-driver [--base-url U --cafile F --key K --lua-dir D
**                  --timeout S --memory MB --key-for IDX=KEY
**                  --release-on-finish N] SCRIPT...
**
** With --release-on-finish, the finish callback prints the script's
** "done" line and releases it there, and for each of the first N
** scripts it spawns one more from the callback: a script that cannot
** load (so it is finished at once, while the callbacks run), numbered
** on from the command line's.
**
** Prints, tab-separated: "out IDX LINE", "call IDX NAME ARGS" per host
** function call, "event IDX NAME VALUE" per emit, "finish IDX" from
** the finish callback, and per script "done IDX CODE KIND VALUES
** REASON_BYTES REASON". Values print as JSON with floats always
** showing a '.' or an exponent, so integers and floats stay apart.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "taskip_host.h"

#define MAX_SCRIPTS 64
#define LATER_STEPS 5
#define MAX_LATER 256

static int ids[MAX_SCRIPTS], nscripts;
static int release_on_finish, respawns;
static const char *host_key;
static struct later {
  unsigned long long id;
  taskip_value *v;
  int steps;
} later[MAX_LATER];
static int nlater;

static int index_of(int id) {
  int i;
  for (i = 0; i < nscripts; i++)
    if (ids[i] == id)
      return i + 1;
  return 0;
}

static void print_string(const char *s, size_t n) {
  size_t i;
  putchar('"');
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void print_value(const taskip_value *v) {
  size_t i, n, len;
  const char *s;
  char buf[64];
  switch (taskip_value_kind(v)) {
  case TASKIP_VALUE_NIL:
    printf("null");
    break;
  case TASKIP_VALUE_BOOLEAN:
    printf(taskip_value_to_boolean(v) ? "true" : "false");
    break;
  case TASKIP_VALUE_INTEGER:
    printf("%lld", taskip_value_to_integer(v));
    break;
  case TASKIP_VALUE_NUMBER:
    snprintf(buf, sizeof(buf), "%.17g", taskip_value_to_number(v));
    if (strpbrk(buf, ".eni") == NULL)
      strcat(buf, ".0");
    printf("%s", buf);
    break;
  case TASKIP_VALUE_STRING:
    s = taskip_value_to_string(v, &len);
    print_string(s, len);
    break;
  case TASKIP_VALUE_ARRAY:
    putchar('[');
    n = taskip_value_count(v);
    for (i = 0; i < n; i++) {
      if (i > 0)
        putchar(',');
      print_value(taskip_value_item(v, i));
    }
    putchar(']');
    break;
  case TASKIP_VALUE_MAP:
    putchar('{');
    n = taskip_value_count(v);
    for (i = 0; i < n; i++) {
      if (i > 0)
        putchar(',');
      s = taskip_value_key(v, i, &len);
      print_string(s, len);
      putchar(':');
      print_value(taskip_value_item(v, i));
    }
    putchar('}');
    break;
  }
}

static taskip_value *copy_value(const taskip_value *v) {
  size_t i, n, len;
  const char *s;
  taskip_value *c;
  switch (taskip_value_kind(v)) {
  case TASKIP_VALUE_BOOLEAN:
    return taskip_value_boolean(taskip_value_to_boolean(v));
  case TASKIP_VALUE_INTEGER:
    return taskip_value_integer(taskip_value_to_integer(v));
  case TASKIP_VALUE_NUMBER:
    return taskip_value_number(taskip_value_to_number(v));
  case TASKIP_VALUE_STRING:
    s = taskip_value_to_string(v, &len);
    return taskip_value_string(s, len);
  case TASKIP_VALUE_ARRAY:
    c = taskip_value_array();
    n = taskip_value_count(v);
    for (i = 0; i < n; i++)
      taskip_value_append(c, copy_value(taskip_value_item(v, i)));
    return c;
  case TASKIP_VALUE_MAP:
    c = taskip_value_map();
    n = taskip_value_count(v);
    for (i = 0; i < n; i++) {
      s = taskip_value_key(v, i, &len);
      taskip_value_set(c, s, len, copy_value(taskip_value_item(v, i)));
    }
    return c;
  default:
    return taskip_value_nil();
  }
}

static void show_call(int id, const char *name, const taskip_value *args) {
  printf("call\t%d\t%s\t", index_of(id), name);
  print_value(args);
  putchar('\n');
}

static void fn_echo(void *ud, taskip_host *h, int id,
                    unsigned long long call, const taskip_value *args) {
  (void)ud;
  show_call(id, "echo", args);
  taskip_host_complete(h, call, copy_value(args), NULL, NULL);
}

static void fn_later(void *ud, taskip_host *h, int id,
                     unsigned long long call, const taskip_value *args) {
  (void)ud;
  (void)h;
  show_call(id, "later", args);
  if (nlater < MAX_LATER) {
    later[nlater].id = call;
    later[nlater].v = copy_value(args);
    later[nlater].steps = LATER_STEPS;
    nlater++;
  }
}

static void fn_never(void *ud, taskip_host *h, int id,
                     unsigned long long call, const taskip_value *args) {
  (void)ud;
  (void)h;
  (void)call;
  show_call(id, "never", args);
}

static void fn_fail(void *ud, taskip_host *h, int id,
                    unsigned long long call, const taskip_value *args) {
  (void)ud;
  show_call(id, "fail", args);
  taskip_host_complete(h, call, NULL,
                       taskip_value_to_string(taskip_value_item(args, 0),
                                              NULL),
                       taskip_value_to_string(taskip_value_item(args, 1),
                                              NULL));
}

static void fn_big(void *ud, taskip_host *h, int id,
                   unsigned long long call, const taskip_value *args) {
  size_t n = (size_t)taskip_value_to_integer(taskip_value_item(args, 0));
  char *s = malloc(n + 1);
  (void)ud;
  (void)id;
  memset(s, 'x', n);
  taskip_host_complete(h, call, taskip_value_string(s, n), NULL, NULL);
  free(s);
}

static void fn_deep(void *ud, taskip_host *h, int id,
                    unsigned long long call, const taskip_value *args) {
  long long n = taskip_value_to_integer(taskip_value_item(args, 0)), i;
  taskip_value *v = taskip_value_integer(n);
  (void)ud;
  (void)id;
  for (i = 0; i < n; i++) {
    taskip_value *a = taskip_value_array();
    taskip_value_append(a, v);
    v = a;
  }
  taskip_host_complete(h, call, v, NULL, NULL);
}

static void fn_leak(void *ud, taskip_host *h, int id,
                    unsigned long long call, const taskip_value *args) {
  (void)ud;
  (void)id;
  (void)args;
  taskip_host_complete(h, call, taskip_value_string(host_key,
                                                    strlen(host_key)),
                       NULL, NULL);
}

static void on_output(void *ud, int id, const char *line, size_t len) {
  (void)ud;
  printf("out\t%d\t%.*s\n", index_of(id), (int)len, line);
}

static void on_event(void *ud, taskip_host *h, int id, const char *name,
                     const taskip_value *value) {
  (void)ud;
  (void)h;
  printf("event\t%d\t%s\t", index_of(id), name);
  print_value(value);
  putchar('\n');
}

/* The "done" line of a finished script; 0, or -1 if it is unknown. */
static int print_done(taskip_host *h, int idx, int id) {
  taskip_script_result r;
  if (taskip_host_result(h, id, &r) != 1)
    return -1;
  printf("done\t%d\t%d\t%s\t", idx, r.exit_code, r.kind);
  if (r.values != NULL)
    print_value(r.values);
  else
    printf("!%s", r.values_error);
  printf("\t%zu\t%s\n", strlen(r.reason), r.reason);
  return 0;
}

static void on_finish(void *ud, taskip_host *h, int id) {
  int idx = index_of(id);
  (void)ud;
  printf("finish\t%d\n", idx);
  if (!release_on_finish)
    return;
  if (print_done(h, idx, id) != 0)
    printf("unknown\t%d\n", idx);
  taskip_host_release(h, id);
  if (respawns > 0 && nscripts < MAX_SCRIPTS) {
    static const char broken[] = "return (";
    char err[256];
    respawns--;
    ids[nscripts] = taskip_host_spawn_buffer(h, "broken", broken,
                                             sizeof(broken) - 1, NULL, 0,
                                             err, sizeof(err));
    if (ids[nscripts] >= 0)
      nscripts++;
  }
}

static void tick_later(taskip_host *h) {
  int i, j = 0;
  for (i = 0; i < nlater; i++) {
    if (--later[i].steps <= 0) {
      taskip_host_complete(h, later[i].id, later[i].v, NULL, NULL);
      continue;
    }
    later[j++] = later[i];
  }
  nlater = j;
}

int main(int argc, char **argv) {
  taskip_host_config cfg;
  taskip_host *h;
  const char *key_for[MAX_SCRIPTS] = {0};
  char err[512];
  int i, failed = 0;
  static const taskip_host_function fns[] = {
    {"test.echo", fn_echo, NULL}, {"test.later", fn_later, NULL},
    {"test.never", fn_never, NULL}, {"test.fail", fn_fail, NULL},
    {"test.big", fn_big, NULL}, {"test.deep", fn_deep, NULL},
    {"test.leak", fn_leak, NULL}
  };
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
  taskip_host_config_init(&cfg);
  cfg.output = on_output;
  cfg.limits.timeout = 20;
  for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(o, "--base-url") == 0)
      cfg.client.base_url = v;
    else if (strcmp(o, "--cafile") == 0)
      cfg.client.cafile = v;
    else if (strcmp(o, "--key") == 0)
      cfg.key = v;
    else if (strcmp(o, "--lua-dir") == 0)
      cfg.lua_dir = v;
    else if (strcmp(o, "--timeout") == 0)
      cfg.limits.timeout = atof(v);
    else if (strcmp(o, "--memory") == 0)
      cfg.limits.memory = (size_t)atol(v) << 20;
    else if (strcmp(o, "--key-for") == 0) {
      int n = atoi(v);
      const char *eq = strchr(v, '=');
      if (n >= 1 && n <= MAX_SCRIPTS && eq != NULL)
        key_for[n - 1] = eq + 1;
    } else if (strcmp(o, "--release-on-finish") == 0) {
      release_on_finish = 1;
      respawns = atoi(v);
    } else {
      fprintf(stderr, "plugin-driver: unknown option %s\n", o);
      return 2;
    }
  }
  host_key = cfg.key ? cfg.key : "";
  cfg.key_len = strlen(host_key);
  h = taskip_host_new(&cfg, err, sizeof(err));
  if (h == NULL) {
    fprintf(stderr, "plugin-driver: %s\n", err);
    return 2;
  }
  taskip_host_on_event(h, on_event, NULL);
  taskip_host_on_finish(h, on_finish, NULL);
  for (; i < argc && nscripts < MAX_SCRIPTS; i++) {
    taskip_host_spawn_opts o;
    taskip_host_spawn_opts_init(&o);
    o.path = argv[i];
    o.functions = fns;
    o.nfunctions = (int)(sizeof(fns) / sizeof(fns[0]));
    o.key = key_for[nscripts];
    ids[nscripts] = taskip_host_spawn(h, &o, err, sizeof(err));
    if (ids[nscripts] < 0) {
      fprintf(stderr, "plugin-driver: %s\n", err);
      return 2;
    }
    nscripts++;
  }
  while (taskip_host_step(h, 10) > 0)
    tick_later(h);
  for (i = 0; i < nscripts; i++) {
    if (release_on_finish) {            /* none may be left */
      if (taskip_host_status(h, ids[i], NULL, NULL) !=
          TASKIP_SCRIPT_UNKNOWN) {
        printf("left\t%d\n", i + 1);
        failed = 1;
      }
      continue;
    }
    if (print_done(h, i + 1, ids[i]) != 0) {
      failed = 1;
      continue;
    }
    taskip_host_release(h, ids[i]);
  }
  for (i = 0; i < nlater; i++)
    taskip_value_free(later[i].v);
  taskip_host_free(h);
  return failed;
}
