/*
** builtin_chunks.h — the taskip Lua modules compiled into a program
** (taskip-run): bytecode made at build time by scripts/embed_lua.lua.
** The host serves them from its module cache instead of reading and
** compiling the lua/taskip files at every start, unless the embedder names a
** lua_dir. The symbol is weak: a program (or libtaskip.so) without it
** reads the modules from disk. Internal: not installed.
*/
#ifndef TASKIP_BUILTIN_CHUNKS_H
#define TASKIP_BUILTIN_CHUNKS_H

#include <stddef.h>

typedef struct taskip_builtin_chunk {
  const char *name;                /* "taskip.errors"; NULL ends the list */
  const char *chunkname;           /* "@taskip/errors.lua" */
  const unsigned char *code;       /* lua_dump output */
  size_t len;
} taskip_builtin_chunk;

extern const taskip_builtin_chunk taskip_builtin_chunks[]
    __attribute__((weak));

#endif
