/*
** host_cjson.c — the JSON codec libtaskip.so carries for its sandboxes,
** with the part of lua-cjson's interface taskip uses: new(), decode,
** encode, null, decode_max_depth, encode_max_depth,
** decode_invalid_numbers, encode_invalid_numbers (the last two accept
** their argument and keep JSON strict).
**
** Why: libtaskip.so carries its own Lua 5.4 with every symbol hidden,
** so that a program embedding LuaJIT or another Lua can load it. A
** lua-cjson loaded with dlopen would bind its lua_* calls to whatever
** Lua the program exports (or to none): it cannot serve a hidden Lua.
** The static archive and taskip-run keep using lua-cjson.
**
** Like cjson 2.1.0: numbers decode as floats (taskip.json makes
** integral ones integers), null is a light userdata NULL, "/" is
** escaped, numbers are written with %.14g, an empty table is an
** object, a table with only positive integer keys is an array unless
** excessively sparse. The encoder's text grows in memory from the
** state's allocator (a sandbox counts it); nothing here allocates with
** malloc.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host_internal.h"

#define DEFAULT_DEPTH 1000
#define SPARSE_RATIO 2
#define SPARSE_SAFE 10

typedef struct codec {
  int decode_depth, encode_depth;
} codec;

static codec *tocodec(lua_State *L) {
  return lua_touserdata(L, lua_upvalueindex(1));
}

/* {======================================================= decode */
typedef struct reader {
  lua_State *L;
  const char *s, *p, *end;
  int max_depth;
} reader;

static int fail(reader *r, const char *what) {
  return luaL_error(r->L, "Expected %s but found invalid token at "
                    "character %d", what, (int)(r->p - r->s) + 1);
}

static void skip_space(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
                           *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int hex4(const char *p) {
  int v = 0, i;
  for (i = 0; i < 4; i++) {
    int c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

static void add_utf8(luaL_Buffer *b, unsigned long c) {
  char u[4];
  int n;
  if (c < 0x80) {
    u[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    u[0] = (char)(0xC0 | (c >> 6));
    u[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    u[0] = (char)(0xE0 | (c >> 12));
    u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (c >> 18));
    u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  luaL_addlstring(b, u, (size_t)n);
}

/* Pushes the string starting after the opening quote. */
static void read_string(reader *r) {
  luaL_Buffer b;
  luaL_buffinit(r->L, &b);
  for (;;) {
    const char *run = r->p;
    while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
           (unsigned char)*r->p >= 0x20)
      r->p++;
    luaL_addlstring(&b, run, (size_t)(r->p - run));
    if (r->p >= r->end || (unsigned char)*r->p < 0x20)
      fail(r, "closing quote");
    if (*r->p == '"') {
      r->p++;
      break;
    }
    r->p++;                                        /* the backslash */
    if (r->p >= r->end)
      fail(r, "escape");
    switch (*r->p++) {
    case '"': luaL_addchar(&b, '"'); break;
    case '\\': luaL_addchar(&b, '\\'); break;
    case '/': luaL_addchar(&b, '/'); break;
    case 'b': luaL_addchar(&b, '\b'); break;
    case 'f': luaL_addchar(&b, '\f'); break;
    case 'n': luaL_addchar(&b, '\n'); break;
    case 'r': luaL_addchar(&b, '\r'); break;
    case 't': luaL_addchar(&b, '\t'); break;
    case 'u': {
      int hi = -1, lo = -1;
      if (r->end - r->p < 4 || (hi = hex4(r->p)) < 0)
        fail(r, "unicode escape");
      r->p += 4;
      if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
            (lo = hex4(r->p + 2)) < 0xDC00 || lo > 0xDFFF)
          fail(r, "unicode surrogate pair");
        r->p += 6;
        add_utf8(&b, 0x10000UL + (((unsigned long)hi - 0xD800) << 10) +
                         ((unsigned long)lo - 0xDC00));
      } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
        fail(r, "unicode escape");
      } else {
        add_utf8(&b, (unsigned long)hi);
      }
      break;
    }
    default:
      r->p--;
      fail(r, "escape");
    }
  }
  luaL_pushresult(&b);
}

/* A JSON number, strictly: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static void read_number(reader *r) {
  const char *p = r->p;
  char tmp[64];
  size_t n;
  if (p < r->end && *p == '-')
    p++;
  if (p < r->end && *p == '0') {
    p++;
  } else if (p < r->end && *p >= '1' && *p <= '9') {
    while (p < r->end && *p >= '0' && *p <= '9')
      p++;
  } else {
    fail(r, "value");
  }
  if (p < r->end && *p == '.') {
    p++;
    if (p >= r->end || *p < '0' || *p > '9')
      fail(r, "digit");
    while (p < r->end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < r->end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < r->end && (*p == '+' || *p == '-'))
      p++;
    if (p >= r->end || *p < '0' || *p > '9')
      fail(r, "digit");
    while (p < r->end && *p >= '0' && *p <= '9')
      p++;
  }
  n = (size_t)(p - r->p);
  if (n >= sizeof(tmp))
    fail(r, "shorter number");
  memcpy(tmp, r->p, n);
  tmp[n] = '\0';
  lua_pushnumber(r->L, (lua_Number)strtod(tmp, NULL));
  r->p = p;
}

static int literal(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) >= n && memcmp(r->p, word, n) == 0) {
    r->p += n;
    return 1;
  }
  return 0;
}

static void read_value(reader *r, int depth);

static void enter(reader *r, int depth) {
  if (depth > r->max_depth)
    luaL_error(r->L, "Found too many nested data structures (%d) at "
               "character %d", depth, (int)(r->p - r->s) + 1);
  luaL_checkstack(r->L, 4, "json: nesting too deep");
}

static void read_array(reader *r, int depth) {
  lua_Integer i = 0;
  enter(r, depth);
  lua_newtable(r->L);
  skip_space(r);
  if (r->p < r->end && *r->p == ']') {
    r->p++;
    return;
  }
  for (;;) {
    read_value(r, depth);
    lua_rawseti(r->L, -2, ++i);
    skip_space(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
    } else if (r->p < r->end && *r->p == ']') {
      r->p++;
      return;
    } else {
      fail(r, "comma or array end");
    }
  }
}

static void read_object(reader *r, int depth) {
  enter(r, depth);
  lua_newtable(r->L);
  skip_space(r);
  if (r->p < r->end && *r->p == '}') {
    r->p++;
    return;
  }
  for (;;) {
    skip_space(r);
    if (r->p >= r->end || *r->p != '"')
      fail(r, "object key string");
    r->p++;
    read_string(r);
    skip_space(r);
    if (r->p >= r->end || *r->p != ':')
      fail(r, "colon");
    r->p++;
    read_value(r, depth);
    lua_rawset(r->L, -3);
    skip_space(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
    } else if (r->p < r->end && *r->p == '}') {
      r->p++;
      return;
    } else {
      fail(r, "comma or object end");
    }
  }
}

static void read_value(reader *r, int depth) {
  skip_space(r);
  if (r->p >= r->end)
    fail(r, "value");
  switch (*r->p) {
  case '{': r->p++; read_object(r, depth + 1); return;
  case '[': r->p++; read_array(r, depth + 1); return;
  case '"': r->p++; read_string(r); return;
  case 't':
    if (literal(r, "true")) { lua_pushboolean(r->L, 1); return; }
    break;
  case 'f':
    if (literal(r, "false")) { lua_pushboolean(r->L, 0); return; }
    break;
  case 'n':
    if (literal(r, "null")) { lua_pushlightuserdata(r->L, NULL); return; }
    break;
  default:
    read_number(r);
    return;
  }
  fail(r, "value");
}

static int json_decode(lua_State *L) {
  reader r;
  size_t len;
  luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
  r.L = L;
  r.s = r.p = luaL_checklstring(L, 1, &len);
  r.end = r.s + len;
  r.max_depth = tocodec(L)->decode_depth;
  read_value(&r, 0);
  skip_space(&r);
  if (r.p != r.end)
    fail(&r, "the end");
  return 1;
}
/* }======================================================= */

/* {======================================================= encode */
/* The text being built: a userdata box on the stack, so an error frees
** it through __gc; grown with the state's allocator. */
typedef struct box {
  char *p;
  size_t n, cap;
  lua_Alloc alloc;
  void *ud;
} box;

static void box_free(box *b) {
  if (b->p != NULL)
    b->alloc(b->ud, b->p, b->cap, 0);
  b->p = NULL;
  b->cap = 0;
}

static int box_gc(lua_State *L) {
  box_free(lua_touserdata(L, 1));
  return 0;
}

static void put(lua_State *L, box *b, const char *s, size_t n) {
  if (b->cap - b->n < n) {
    size_t cap = b->cap ? b->cap : 256;
    char *p;
    while (cap - b->n < n) {
      if (cap > ((size_t)-1) / 2)
        luaL_error(L, "json: text too large");
      cap *= 2;
    }
    p = b->alloc(b->ud, b->p, b->cap, cap);
    if (p == NULL)
      luaL_error(L, "not enough memory");
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void put_string(lua_State *L, box *b, int idx) {
  size_t len, i;
  const char *s = lua_tolstring(L, idx, &len);
  put(L, b, "\"", 1);
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[8];
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '/': esc = "\\/"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    default:
      if (c < 0x20 || c == 0x7F) {
        snprintf(u, sizeof(u), "\\u%04x", c);
        esc = u;
      }
    }
    if (esc != NULL)
      put(L, b, esc, strlen(esc));
    else
      put(L, b, s + i, 1);
  }
  put(L, b, "\"", 1);
}

static void put_number(lua_State *L, box *b, int idx) {
  char num[64];
  int n;
  if (lua_isinteger(L, idx)) {
    n = snprintf(num, sizeof(num), LUA_INTEGER_FMT, lua_tointeger(L, idx));
  } else {
    double d = (double)lua_tonumber(L, idx);
    if (isnan(d) || isinf(d))
      luaL_error(L, "Cannot serialise number: must not be NaN or Infinity");
    n = snprintf(num, sizeof(num), "%.14g", d);
  }
  put(L, b, num, (size_t)n);
}

/* The array length of the table at idx, or -1 for an object. */
static lua_Integer array_length(lua_State *L, int idx) {
  lua_Integer max = 0, items = 0;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_Integer k;
    if (!lua_isinteger(L, -2) || (k = lua_tointeger(L, -2)) < 1) {
      lua_pop(L, 2);
      return -1;
    }
    if (k > max)
      max = k;
    items++;
    lua_pop(L, 1);
  }
  if (items == 0)
    return -1;                               /* {}: cjson's choice */
  if (max > SPARSE_SAFE && max > items * SPARSE_RATIO)
    luaL_error(L, "Cannot serialise table: excessively sparse array");
  return max;
}

static void put_value(lua_State *L, box *b, int idx, int depth);

static void put_table(lua_State *L, box *b, int idx, int depth) {
  lua_Integer n, i;
  int first = 1;
  if (depth > tocodec(L)->encode_depth)
    luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
  luaL_checkstack(L, 6, "json: nesting too deep");
  n = array_length(L, idx);
  if (n >= 0) {
    put(L, b, "[", 1);
    for (i = 1; i <= n; i++) {
      if (i > 1)
        put(L, b, ",", 1);
      lua_rawgeti(L, idx, i);
      put_value(L, b, lua_gettop(L), depth);
      lua_pop(L, 1);
    }
    put(L, b, "]", 1);
    return;
  }
  put(L, b, "{", 1);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (!first)
      put(L, b, ",", 1);
    first = 0;
    if (lua_type(L, -2) == LUA_TSTRING) {
      put_string(L, b, -2);
    } else if (lua_type(L, -2) == LUA_TNUMBER) {
      put(L, b, "\"", 1);
      put_number(L, b, -2);
      put(L, b, "\"", 1);
    } else {
      luaL_error(L, "Cannot serialise table: table key must be a number "
                 "or string");
    }
    put(L, b, ":", 1);
    put_value(L, b, lua_gettop(L), depth);
    lua_pop(L, 1);
  }
  put(L, b, "}", 1);
}

static void put_value(lua_State *L, box *b, int idx, int depth) {
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    put_string(L, b, idx);
    break;
  case LUA_TNUMBER:
    put_number(L, b, idx);
    break;
  case LUA_TBOOLEAN:
    if (lua_toboolean(L, idx))
      put(L, b, "true", 4);
    else
      put(L, b, "false", 5);
    break;
  case LUA_TNIL:
    put(L, b, "null", 4);
    break;
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) {
      put(L, b, "null", 4);
      break;
    }
    /* FALLTHROUGH */
  case LUA_TTABLE:
    if (lua_type(L, idx) == LUA_TTABLE) {
      put_table(L, b, idx, depth + 1);
      break;
    }
    /* FALLTHROUGH */
  default:
    luaL_error(L, "Cannot serialise %s: type not supported",
               luaL_typename(L, idx));
  }
}

static int json_encode(lua_State *L) {
  box *b;
  luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
  b = lua_newuserdatauv(L, sizeof(*b), 0);
  memset(b, 0, sizeof(*b));
  b->alloc = lua_getallocf(L, &b->ud);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, box_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  put_value(L, b, 1, 0);
  lua_pushlstring(L, b->p, b->n);
  box_free(b);               /* now; __gc then finds nothing to free */
  return 1;
}
/* }======================================================= */

/* {======================================================= settings */
static int depth_setting(lua_State *L, int *field) {
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer d = luaL_checkinteger(L, 1);
    luaL_argcheck(L, d >= 1 && d <= 10000, 1, "expected 1 to 10000");
    *field = (int)d;
  }
  lua_pushinteger(L, *field);
  return 1;
}

static int json_decode_max_depth(lua_State *L) {
  return depth_setting(L, &tocodec(L)->decode_depth);
}

static int json_encode_max_depth(lua_State *L) {
  return depth_setting(L, &tocodec(L)->encode_depth);
}

/* Invalid numbers (NaN, Infinity, hex) are never accepted here. */
static int json_strict(lua_State *L) {
  lua_pushboolean(L, 0);
  return 1;
}

static int json_new(lua_State *L);

static void push_module(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"decode", json_decode},
    {"encode", json_encode},
    {"decode_max_depth", json_decode_max_depth},
    {"encode_max_depth", json_encode_max_depth},
    {"decode_invalid_numbers", json_strict},
    {"encode_invalid_numbers", json_strict},
    {"new", json_new},
    {NULL, NULL}
  };
  codec *c;
  lua_newtable(L);
  c = lua_newuserdatauv(L, sizeof(*c), 0);
  c->decode_depth = DEFAULT_DEPTH;
  c->encode_depth = DEFAULT_DEPTH;
  luaL_setfuncs(L, fns, 1);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  lua_pushliteral(L, "taskip-builtin");
  lua_setfield(L, -2, "_NAME");
}
/* }======================================================= */

static int json_new(lua_State *L) {
  push_module(L);
  return 1;
}

int host_open_cjson(lua_State *L) {
  push_module(L);
  return 1;
}
