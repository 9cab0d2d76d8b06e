/*
** host_values.c — taskip_value: the JSON-shaped data that crosses
** between scripts and the embedder (taskip_host.h, "values").
**
** A C tree rather than JSON text: integers stay exact (lua-cjson 2.1
** turns every number into a double and loses 2^53+1), 1 and 1.0 stay
** apart, strings may hold any bytes, and the embedder reads fields
** without parsing. Each node has one owner (its parent, or whoever
** holds the root): a node with a parent cannot be added again, and a
** container cannot be added below itself, so no tree has a cycle.
** No Lua here; host_luavalue.c converts to and from Lua values.
*/
#include <stdlib.h>
#include <string.h>

#include "taskip_host.h"
#include "host_values.h"

typedef struct vkey {
  char *s;
  size_t len;
} vkey;

struct taskip_value {
  taskip_value_type type;
  taskip_value *parent;
  union {
    int b;
    long long i;
    double d;
  } u;
  char *str;                  /* STRING: NUL-terminated copy */
  size_t len;                 /* STRING: bytes */
  taskip_value **items;       /* ARRAY, MAP */
  vkey *keys;                 /* MAP */
  size_t n, cap;
};

static taskip_value *node(taskip_value_type type) {
  taskip_value *v = calloc(1, sizeof(*v));
  if (v != NULL)
    v->type = type;
  return v;
}

taskip_value *taskip_value_nil(void) { return node(TASKIP_VALUE_NIL); }

taskip_value *taskip_value_boolean(int b) {
  taskip_value *v = node(TASKIP_VALUE_BOOLEAN);
  if (v != NULL)
    v->u.b = b != 0;
  return v;
}

taskip_value *taskip_value_integer(long long i) {
  taskip_value *v = node(TASKIP_VALUE_INTEGER);
  if (v != NULL)
    v->u.i = i;
  return v;
}

taskip_value *taskip_value_number(double d) {
  taskip_value *v = node(TASKIP_VALUE_NUMBER);
  if (v != NULL)
    v->u.d = d;
  return v;
}

taskip_value *taskip_value_string(const char *s, size_t len) {
  taskip_value *v;
  if (s == NULL && len != 0)
    return NULL;
  v = node(TASKIP_VALUE_STRING);
  if (v == NULL)
    return NULL;
  v->str = malloc(len + 1);
  if (v->str == NULL) {
    free(v);
    return NULL;
  }
  if (len != 0)
    memcpy(v->str, s, len);
  v->str[len] = '\0';
  v->len = len;
  return v;
}

taskip_value *taskip_value_array(void) { return node(TASKIP_VALUE_ARRAY); }
taskip_value *taskip_value_map(void) { return node(TASKIP_VALUE_MAP); }

void taskip_value_free(taskip_value *v) {
  size_t i;
  if (v == NULL)
    return;
  for (i = 0; i < v->n; i++) {
    taskip_value_free(v->items[i]);
    if (v->keys != NULL)
      free(v->keys[i].s);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

/* Whether item may go below c: it has no owner and is not c or one of
** c's ancestors. */
static int adoptable(const taskip_value *c, const taskip_value *item) {
  const taskip_value *p;
  if (item->parent != NULL)
    return 0;
  for (p = c; p != NULL; p = p->parent)
    if (p == item)
      return 0;
  return 1;
}

static int grow(taskip_value *c) {
  size_t cap = c->cap ? c->cap * 2 : 4;
  taskip_value **items;
  if (c->n < c->cap)
    return 0;
  items = realloc(c->items, cap * sizeof(*items));
  if (items == NULL)
    return -1;
  c->items = items;
  if (c->type == TASKIP_VALUE_MAP) {
    vkey *keys = realloc(c->keys, cap * sizeof(*keys));
    if (keys == NULL)
      return -1;
    c->keys = keys;
  }
  c->cap = cap;
  return 0;
}

int taskip_value_append(taskip_value *array, taskip_value *item) {
  if (item == NULL)
    return -1;
  if (array == NULL || array->type != TASKIP_VALUE_ARRAY ||
      !adoptable(array, item)) {
    if (item->parent == NULL && item != array)
      taskip_value_free(item);
    return -1;
  }
  if (grow(array) != 0) {
    taskip_value_free(item);
    return -1;
  }
  item->parent = array;
  array->items[array->n++] = item;
  return 0;
}

int taskip_value_set(taskip_value *map, const char *key, size_t keylen,
                     taskip_value *item) {
  size_t i;
  char *k;
  if (item == NULL)
    return -1;
  if (map == NULL || map->type != TASKIP_VALUE_MAP || key == NULL ||
      !adoptable(map, item)) {
    if (item->parent == NULL && item != map)
      taskip_value_free(item);
    return -1;
  }
  for (i = 0; i < map->n; i++) {
    if (map->keys[i].len == keylen && memcmp(map->keys[i].s, key,
                                             keylen) == 0) {
      taskip_value_free(map->items[i]);
      item->parent = map;
      map->items[i] = item;
      return 0;
    }
  }
  k = malloc(keylen + 1);
  if (k == NULL || grow(map) != 0) {
    free(k);
    taskip_value_free(item);
    return -1;
  }
  memcpy(k, key, keylen);
  k[keylen] = '\0';
  item->parent = map;
  map->keys[map->n].s = k;
  map->keys[map->n].len = keylen;
  map->items[map->n++] = item;
  return 0;
}

taskip_value_type taskip_value_kind(const taskip_value *v) {
  return v != NULL ? v->type : TASKIP_VALUE_NIL;
}

int taskip_value_to_boolean(const taskip_value *v) {
  if (v == NULL || v->type == TASKIP_VALUE_NIL)
    return 0;
  return v->type == TASKIP_VALUE_BOOLEAN ? v->u.b : 1;
}

long long taskip_value_to_integer(const taskip_value *v) {
  if (v == NULL)
    return 0;
  if (v->type == TASKIP_VALUE_INTEGER)
    return v->u.i;
  if (v->type == TASKIP_VALUE_NUMBER && v->u.d > -9.2e18 && v->u.d < 9.2e18)
    return (long long)v->u.d;
  return 0;
}

double taskip_value_to_number(const taskip_value *v) {
  if (v == NULL)
    return 0;
  if (v->type == TASKIP_VALUE_NUMBER)
    return v->u.d;
  return v->type == TASKIP_VALUE_INTEGER ? (double)v->u.i : 0;
}

const char *taskip_value_to_string(const taskip_value *v, size_t *len) {
  if (v == NULL || v->type != TASKIP_VALUE_STRING) {
    if (len != NULL)
      *len = 0;
    return NULL;
  }
  if (len != NULL)
    *len = v->len;
  return v->str;
}

size_t taskip_value_count(const taskip_value *v) {
  return v != NULL ? v->n : 0;
}

const taskip_value *taskip_value_item(const taskip_value *v, size_t i) {
  return v != NULL && i < v->n ? v->items[i] : NULL;
}

const char *taskip_value_key(const taskip_value *v, size_t i, size_t *len) {
  if (v == NULL || v->type != TASKIP_VALUE_MAP || i >= v->n) {
    if (len != NULL)
      *len = 0;
    return NULL;
  }
  if (len != NULL)
    *len = v->keys[i].len;
  return v->keys[i].s;
}

const taskip_value *taskip_value_get(const taskip_value *map,
                                     const char *key) {
  size_t i, n;
  if (map == NULL || map->type != TASKIP_VALUE_MAP || key == NULL)
    return NULL;
  n = strlen(key);
  for (i = 0; i < map->n; i++)
    if (map->keys[i].len == n && memcmp(map->keys[i].s, key, n) == 0)
      return map->items[i];
  return NULL;
}

/* A node's own bytes, with malloc's header (16) per block. */
#define BLOCK 16

size_t taskip_value_size(const taskip_value *v) {
  size_t n, i;
  if (v == NULL)
    return 0;
  n = sizeof(*v) + BLOCK;
  if (v->str != NULL)
    n += v->len + 1 + BLOCK;
  if (v->items != NULL)
    n += v->cap * sizeof(*v->items) + BLOCK;
  if (v->keys != NULL)
    n += v->cap * sizeof(*v->keys) + BLOCK;
  for (i = 0; i < v->n; i++) {
    n += taskip_value_size(v->items[i]);
    if (v->keys != NULL)
      n += v->keys[i].len + 1 + BLOCK;
  }
  return n;
}

taskip_value *host_value_detach(taskip_value *array, size_t i) {
  taskip_value *v;
  if (array == NULL || array->type != TASKIP_VALUE_ARRAY || i >= array->n)
    return NULL;
  v = array->items[i];
  array->items[i] = taskip_value_nil();
  if (array->items[i] != NULL)
    array->items[i]->parent = array;
  else                                  /* out of memory: drop the slot */
    array->n = i;
  v->parent = NULL;
  return v;
}
