/*
** lua_stdio.c — lets libtaskip.so carry Debian's liblua5.4.a.
**
** That archive is compiled as position-independent *executable* code: it
** reaches stdin, stdout and stderr with PC-relative relocations, which a
** shared library can only satisfy with definitions of its own. These are
** them, hidden (nothing outside the library sees them), and set from the
** process's real streams when the library is loaded. Only the Lua inside
** libtaskip.so uses them (lauxlib's warnings, liolib, which the sandbox
** does not open). Linked into libtaskip.so alone.
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#define HIDDEN __attribute__((visibility("hidden")))

#undef stdin
#undef stdout
#undef stderr
HIDDEN FILE *stdin;
HIDDEN FILE *stdout;
HIDDEN FILE *stderr;

static FILE *real_stream(const char *name) {
  FILE **p = dlsym(RTLD_DEFAULT, name);
  return p != NULL ? *p : NULL;
}

__attribute__((constructor)) static void lua_stdio_init(void) {
  stdin = real_stream("stdin");
  stdout = real_stream("stdout");
  stderr = real_stream("stderr");
}
