/*
** buffer.h — a growing byte buffer, always NUL-terminated (so its data
** can be handed on as a C string): traces in the core, response bodies
** in the curl transports.
*/
#ifndef TASKIP_BUFFER_H
#define TASKIP_BUFFER_H

#include <stddef.h>

typedef struct taskip_buffer {
  char *data;            /* NULL until the first add */
  size_t len, cap;
} taskip_buffer;

/* Appends n bytes; 0, or -1 when out of memory (b unchanged). */
int taskip_buffer_add(taskip_buffer *b, const void *p, size_t n);

/* The capacity taskip_buffer_add would grow b to for n more bytes (the
** current one when they fit): a caller that budgets memory asks first. */
size_t taskip_buffer_grown(const taskip_buffer *b, size_t n);

/* Sets the capacity to cap (at least len + 1): grows, or gives back
** what is unused. 0, or -1 when out of memory (b unchanged). */
int taskip_buffer_resize(taskip_buffer *b, size_t cap);

/* Frees the data; b is empty again. */
void taskip_buffer_free(taskip_buffer *b);

#endif
