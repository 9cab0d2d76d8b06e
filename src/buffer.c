/*
** buffer.c — a growing byte buffer (see buffer.h).
*/
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

size_t taskip_buffer_grown(const taskip_buffer *b, size_t n) {
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + n + 1)
    cap *= 2;
  return cap;
}

int taskip_buffer_resize(taskip_buffer *b, size_t cap) {
  char *d;
  if (cap == b->cap)
    return 0;
  if (cap < b->len + 1)
    return -1;
  d = realloc(b->data, cap);
  if (d == NULL)
    return -1;
  b->data = d;
  b->cap = cap;
  return 0;
}

int taskip_buffer_add(taskip_buffer *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap &&
      taskip_buffer_resize(b, taskip_buffer_grown(b, n)) != 0)
    return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void taskip_buffer_free(taskip_buffer *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}
