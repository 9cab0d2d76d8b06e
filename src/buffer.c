/*
** buffer.c — a growing byte buffer (see buffer.h).
*/
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

int taskip_buffer_add(taskip_buffer *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *d;
    while (cap < b->len + n + 1)
      cap *= 2;
    d = realloc(b->data, cap);
    if (d == NULL)
      return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void taskip_buffer_free(taskip_buffer *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}
