/*
** luajit_engine.cpp — taskip's host inside a C++ program that already
** embeds its own Lua (here LuaJIT), as game engines do.
**
** libtaskip.so carries its Lua 5.4 with every symbol hidden, so the two
** Luas do not collide: the engine's LuaJIT state runs a frame script
** while the host runs a taskip script in its sandbox, in the same
** thread, one step per frame. Built with nothing but pkg-config:
**
**   c++ luajit_engine.cpp $(pkg-config --cflags --libs taskip) \
**       $(pkg-config --cflags --libs luajit) -o luajit-engine
**   TASKIP_SECRET_KEY=... luajit-engine SCRIPT [BASE_URL [CAFILE]]
**
** Prints the script's output prefixed "script: ", then one line with the
** engine's Lua version and the frames it ran, and exits with the
** script's exit code (2 if the host cannot start).
*/
#include <cstdio>
#include <cstdlib>
#include <string>

#include <lua.hpp>           /* LuaJIT's own C++ wrapper */
#include <taskip_host.h>     /* pkg-config --cflags taskip */

static void on_output(void *, int, const char *line, size_t len) {
  std::printf("script: %.*s\n", static_cast<int>(len), line);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: luajit-engine SCRIPT [BASE_URL [CAFILE]]\n");
    return 2;
  }
  lua_State *J = luaL_newstate();          /* the engine's own Lua */
  luaL_openlibs(J);
  luaL_dostring(J, "frames = 0 function frame() frames = frames + 1 end");

  const char *key = std::getenv("TASKIP_SECRET_KEY");
  taskip_host_config cfg;
  taskip_host_config_init(&cfg);
  cfg.key = key;
  cfg.key_len = key ? std::string(key).size() : 0;
  cfg.client.base_url = argc > 2 ? argv[2] : NULL;
  cfg.client.cafile = argc > 3 ? argv[3] : NULL;
  cfg.output = on_output;
  char err[512];
  taskip_host *h = taskip_host_new(&cfg, err, sizeof err);
  if (h == NULL) {
    std::fprintf(stderr, "luajit-engine: %s\n", err);
    return 2;
  }
  int id = taskip_host_spawn_file(h, argv[1], NULL, 0, err, sizeof err);
  if (id < 0) {
    std::fprintf(stderr, "luajit-engine: %s\n", err);
    taskip_host_free(h);
    return 2;
  }
  while (taskip_host_step(h, 1) > 0) {     /* one frame each */
    lua_getglobal(J, "frame");
    lua_call(J, 0, 0);
  }
  const char *reason = "";
  int code = 0;
  taskip_host_status(h, id, &reason, &code);
  if (code != 0)
    std::fprintf(stderr, "luajit-engine: %s\n", reason);
  taskip_host_free(h);

  luaL_dostring(J, "return (jit and jit.version or _VERSION) .. ', ' "
                   ".. frames .. ' frames'");
  std::printf("engine: %s\n", lua_tostring(J, -1));
  lua_close(J);
  return code;
}
