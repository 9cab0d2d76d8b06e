/*
** sandbox_scripts.c — a host's cache of compiled scripts.
**
** A host that spawns the same script again (one plugin run for many
** accounts, a job every frame) compiles it once. The cache keeps the
** script's name and text with the bytecode of its first compile
** (lua_dump with debug information, so errors name the same lines),
** and a spawn with the same name and text loads that bytecode instead
** of parsing the text. Only text the host compiled itself becomes
** bytecode here: a script is still loaded as text ("t") the first time.
** The SB_SCRIPTS_MAX most recently used scripts of up to
** SB_SCRIPTS_TEXT_MAX bytes each are kept.
*/
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "sandbox.h"

#define SB_SCRIPTS_MAX 16
#define SB_SCRIPTS_TEXT_MAX (256u << 10)

struct sb_script {
  sb_script *next;
  char *name, *text, *code;
  size_t len, code_len;
};

static void script_free(sb_script *s) {
  free(s->name);
  free(s->text);
  free(s->code);
  free(s);
}

void sb_scripts_free(sb_script *list) {
  while (list != NULL) {
    sb_script *next = list->next;
    script_free(list);
    list = next;
  }
}

/* The entry for (name, text), moved to the front; NULL if absent. */
static sb_script *find(sb_script **list, const char *name,
                       const char *text, size_t len) {
  sb_script **p, *s;
  for (p = list; (s = *p) != NULL; p = &s->next) {
    if (s->len == len && strcmp(s->name, name) == 0 &&
        memcmp(s->text, text, len) == 0) {
      *p = s->next;
      s->next = *list;
      *list = s;
      return s;
    }
  }
  return NULL;
}

/* Keeps the function on top of L, just compiled from (name, text);
** a cache that cannot take it goes on without it. */
static void keep(lua_State *L, sb_script **list, const char *name,
                 const char *text, size_t len) {
  sb_script *s, **p;
  int n = 0;
  if (len > SB_SCRIPTS_TEXT_MAX || (s = calloc(1, sizeof(*s))) == NULL)
    return;
  s->name = strdup(name);
  s->text = malloc(len > 0 ? len : 1);
  if (s->name == NULL || s->text == NULL ||
      sb_dump(L, 0, &s->code, &s->code_len) != 0) {
    script_free(s);
    return;
  }
  memcpy(s->text, text, len);
  s->len = len;
  s->next = *list;
  *list = s;
  for (p = list; *p != NULL; p = &(*p)->next) {
    if (++n > SB_SCRIPTS_MAX) {
      sb_scripts_free(*p);              /* the least recently used */
      *p = NULL;
      break;
    }
  }
}

int sb_scripts_load(lua_State *L, sb_script **list, const char *name,
                    const char *text, size_t len) {
  sb_script *s = list != NULL ? find(list, name, text, len) : NULL;
  int rc;
  if (s != NULL)
    return luaL_loadbufferx(L, s->code, s->code_len, name, "b");
  rc = luaL_loadbufferx(L, text, len, name, "t");
  if (rc == LUA_OK && list != NULL)
    keep(L, list, name, text, len);
  return rc;
}
