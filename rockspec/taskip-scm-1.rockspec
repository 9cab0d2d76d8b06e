rockspec_format = "3.0"
package = "taskip"
version = "scm-1"
source = {
   url = "git+file:///work/main",
}
description = {
   summary = "Automate a TaskIP account (CRM) from Lua, over a libcurl core",
   detailed = [[
taskip is a TaskIP API client: a C core on libcurl (HTTPS with connection
reuse, the X-Secret-Key header kept in C memory, rate-limit tracking,
retries that never duplicate a write) exposed to Lua as require "taskip",
with the sandboxed script runner taskip-run and the API emulator
taskip-mock (taskip-run --mock needs no account). On Lua 5.1, 5.3 and
LuaJIT the rock holds the module alone; the tools are built for 5.4.
]],
   homepage = "file:///work/main",
   license = "MIT",
}
dependencies = {
   "lua >= 5.1, < 5.5",
   "lua-cjson",
}
-- Checked for presence; the Makefile takes the flags from pkg-config
-- (Debian keeps curl/curl.h in a multiarch folder LuaRocks does not
-- search). The tools also need libmicrohttpd and GnuTLS (Lua 5.4).
external_dependencies = {
   CURL = { library = "curl" },
   URIPARSER = { header = "uriparser/Uri.h", library = "uriparser" },
   -- the shared rate stores: the key's fingerprint (HMAC) and Redis
   CRYPTO = { header = "openssl/hmac.h", library = "crypto" },
   HIREDIS = { header = "hiredis/hiredis.h", library = "hiredis" },
}
build = {
   type = "make",
   build_target = "rock-build",
   build_variables = {
      LUA = "$(LUA)",
      LUA_INCDIR = "$(LUA_INCDIR)",
      LUA_LIBDIR = "$(LUA_LIBDIR)",
      CFLAGS = "$(CFLAGS)",
      LIBFLAG = "$(LIBFLAG)",
      PREFIX = "$(PREFIX)",
      LUADIR = "$(LUADIR)",
      LIBDIR = "$(LIBDIR)",
      BINDIR = "$(BINDIR)",
   },
   install_target = "install-rock",
   install_variables = {
      LUA = "$(LUA)",
      LUA_INCDIR = "$(LUA_INCDIR)",
      LUA_LIBDIR = "$(LUA_LIBDIR)",
      CFLAGS = "$(CFLAGS)",
      LIBFLAG = "$(LIBFLAG)",
      PREFIX = "$(PREFIX)",
      LUADIR = "$(LUADIR)",
      LIBDIR = "$(LIBDIR)",
      BINDIR = "$(BINDIR)",
   },
}
-- busted is not a test_dependency: Debian's busted is no rock, and an
-- offline `luarocks test` would try to fetch it. The script builds the
-- module and runs its specs (spec/unit) with the busted on PATH.
test = {
   type = "command",
   command = "sh scripts/rock-test.sh",
}
