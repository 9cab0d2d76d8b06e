/*
** plugin_engine.cpp — the host as a plugin runtime inside a C++ engine.
**
** The engine gives scripts two functions of its own: engine.notify(text)
** answers at once (a toast on screen), engine.load_level(name) answers a
** few frames later (the level streams in while the game keeps drawing;
** the script's coroutine waits, other scripts run). Scripts report
** progress with emit(name, value) and return their results as data. Two
** scripts run side by side, each with its own TaskIP key: the first with
** the account's key, the second with a key the server refuses, so it
** ends with the error kind "auth" while the first succeeds.
**
**   TASKIP_SECRET_KEY=... plugin-engine BASE_URL [CAFILE]   (make builds
**   build/plugin-engine; TASKIP_LUA_DIR points at lua/ in a source tree)
**
** Prints what the engine sees ("notify:", "event:", "result:" lines)
** and exits 0 when the first script succeeded and the second failed with
** "auth"; 1 otherwise, 2 if the host cannot start.
*/
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "taskip_host.h"

static const char SCRIPT[] =
  "local who = ...\n"
  "engine.notify('hello from ' .. who)\n"
  "local level = assert(engine.load_level('forest'))\n"
  "emit('progress', { step = 'level loaded', enemies = level.enemies })\n"
  "local page, err = taskip.contact:list { limit = 2 }\n"
  "if not page then return nil, err end\n"
  "emit('progress', { step = 'contacts read' })\n"
  "return { who = who, level = level.name, enemies = level.enemies,\n"
  "         ratio = level.enemies / 8 }\n";

struct pending {
  unsigned long long call;
  std::string level;
  int frames;                          /* until it is loaded */
};

struct engine {
  std::vector<pending> loading;
  int finished = 0;
};

/* Values as JSON-ish text; floats keep a '.', so 12 and 12.0 differ. */
static std::string show(const taskip_value *v) {
  char buf[64];
  size_t len, i, n = taskip_value_count(v);
  const char *s;
  std::string out;
  switch (taskip_value_kind(v)) {
  case TASKIP_VALUE_NIL: return "null";
  case TASKIP_VALUE_BOOLEAN: return taskip_value_to_boolean(v) ? "true" : "false";
  case TASKIP_VALUE_INTEGER:
    std::snprintf(buf, sizeof buf, "%lld", taskip_value_to_integer(v));
    return buf;
  case TASKIP_VALUE_NUMBER:
    std::snprintf(buf, sizeof buf, "%.17g", taskip_value_to_number(v));
    if (std::strpbrk(buf, ".eni") == nullptr)
      std::strcat(buf, ".0");
    return buf;
  case TASKIP_VALUE_STRING:
    s = taskip_value_to_string(v, &len);
    return "\"" + std::string(s, len) + "\"";
  case TASKIP_VALUE_ARRAY:
    out = "[";
    for (i = 0; i < n; i++)
      out += (i ? "," : "") + show(taskip_value_item(v, i));
    return out + "]";
  case TASKIP_VALUE_MAP:
    out = "{";
    for (i = 0; i < n; i++) {
      s = taskip_value_key(v, i, &len);
      out += (i ? ",\"" : "\"") + std::string(s, len) + "\":" +
             show(taskip_value_item(v, i));
    }
    return out + "}";
  }
  return "?";
}

/* engine.notify(text): synchronous, answered before it returns. */
static void notify(void *, taskip_host *h, int id, unsigned long long call,
                   const taskip_value *args) {
  size_t len;
  const char *text = taskip_value_to_string(taskip_value_item(args, 0), &len);
  std::printf("notify: script %d: %.*s\n", id, (int)len, text ? text : "");
  taskip_host_complete(h, call, taskip_value_boolean(1), nullptr, nullptr);
}

/* engine.load_level(name): asynchronous, answered three frames later. */
static void load_level(void *ud, taskip_host *h, int, unsigned long long call,
                       const taskip_value *args) {
  engine *e = static_cast<engine *>(ud);
  size_t len;
  const char *name = taskip_value_to_string(taskip_value_item(args, 0), &len);
  if (name == nullptr) {
    taskip_host_complete(h, call, nullptr, "bad_argument",
                         "load_level(name): name must be a string");
    return;
  }
  e->loading.push_back({call, std::string(name, len), 3});
}

/* Once a frame: levels whose time has come are answered. */
static void stream_levels(engine *e, taskip_host *h) {
  for (size_t i = 0; i < e->loading.size();) {
    pending &p = e->loading[i];
    if (--p.frames > 0) {
      i++;
      continue;
    }
    taskip_value *level = taskip_value_map();
    taskip_value_set(level, "name", 4,
                     taskip_value_string(p.level.data(), p.level.size()));
    taskip_value_set(level, "enemies", 7, taskip_value_integer(12));
    taskip_host_complete(h, p.call, level, nullptr, nullptr);
    e->loading.erase(e->loading.begin() + (long)i);
  }
}

static void on_event(void *, taskip_host *, int id, const char *name,
                     const taskip_value *value) {
  std::printf("event: script %d: %s %s\n", id, name, show(value).c_str());
}

static void on_finish(void *ud, taskip_host *, int) {
  static_cast<engine *>(ud)->finished++;
}

static void on_output(void *, int id, const char *line, size_t len) {
  std::printf("script %d: %.*s\n", id, (int)len, line);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: plugin-engine BASE_URL [CAFILE]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  const char *key = std::getenv("TASKIP_SECRET_KEY");
  engine e;
  taskip_host_config cfg;
  taskip_host_config_init(&cfg);
  cfg.key = key;
  cfg.key_len = key ? std::strlen(key) : 0;
  cfg.client.base_url = argv[1];
  cfg.client.cafile = argc > 2 ? argv[2] : nullptr;
  cfg.lua_dir = std::getenv("TASKIP_LUA_DIR");
  cfg.limits.timeout = 30;
  cfg.output = on_output;
  char err[512];
  taskip_host *h = taskip_host_new(&cfg, err, sizeof err);
  if (h == nullptr) {
    std::fprintf(stderr, "plugin-engine: %s\n", err);
    return 2;
  }
  taskip_host_on_event(h, on_event, &e);
  taskip_host_on_finish(h, on_finish, &e);
  /* engine.notify for every script; engine.load_level per script */
  if (taskip_host_register(h, "engine.notify", notify, &e, err,
                           sizeof err) != 0) {
    std::fprintf(stderr, "plugin-engine: %s\n", err);
    return 2;
  }
  const taskip_host_function own[] = {{"engine.load_level", load_level, &e}};
  const char *who[2] = {"account-a", "account-b"};
  const char *keys[2] = {key, "wrong-key-not-a-secret"};
  int ids[2];
  for (int i = 0; i < 2; i++) {
    taskip_host_spawn_opts o;
    taskip_host_spawn_opts_init(&o);
    o.name = who[i];
    o.code = SCRIPT;
    o.len = sizeof SCRIPT - 1;
    o.argv = &who[i];
    o.argc = 1;
    o.key = keys[i];                   /* copied into locked memory */
    o.key_len = keys[i] ? std::strlen(keys[i]) : 0;
    o.functions = own;
    o.nfunctions = 1;
    ids[i] = taskip_host_spawn(h, &o, err, sizeof err);
    if (ids[i] < 0) {
      std::fprintf(stderr, "plugin-engine: %s\n", err);
      taskip_host_free(h);
      return 2;
    }
  }
  int frames = 0;
  struct timespec frame = {0, 2000000};        /* a 2 ms frame */
  while (taskip_host_step(h, 0) > 0 || e.finished < 2) {
    stream_levels(&e, h);
    nanosleep(&frame, nullptr);                /* the rest: render */
    frames++;
  }
  int ok = 1;
  for (int i = 0; i < 2; i++) {
    taskip_script_result r;
    taskip_host_result(h, ids[i], &r);
    std::printf("result: script %d: exit %d kind \"%s\" values %s reason \"%s\"\n",
                ids[i], r.exit_code, r.kind,
                r.values ? show(r.values).c_str() : r.values_error, r.reason);
    if (i == 0 && r.exit_code != TASKIP_EXIT_OK)
      ok = 0;
    if (i == 1 && std::strcmp(r.kind, "auth") != 0)
      ok = 0;
    taskip_host_release(h, ids[i]);
  }
  std::printf("frames: %d\n", frames);
  taskip_host_free(h);
  return ok ? 0 : 1;
}
