/*
** A multipart/form-data request body as parts, read by libmicrohttpd's
** post processor as the upload arrives (the emulator's upload routes
** check part names, file names and sizes).
*/
#ifndef TASKIP_MOCK_FORM_H
#define TASKIP_MOCK_FORM_H

#include <stddef.h>

#include <microhttpd.h>

/* One part: a field (filename NULL; value kept) or a file (only its
** size is kept). Strings are owned. */
typedef struct mock_part {
  char *name;
  char *filename;
  char *content_type;   /* NULL when the part has none */
  char *value;          /* a field's bytes (NUL-terminated), else NULL */
  size_t value_len;     /* < size when the field was longer than kept */
  size_t size;
} mock_part;

typedef struct mock_form {
  struct MHD_PostProcessor *pp;
  mock_part *parts;
  size_t n, cap;
  int broken;           /* not a well-formed form (or out of memory) */
} mock_form;

/* Starts reading c's body as a form when it is labelled
** multipart/form-data; 1 then, else 0 (f stays empty). */
int mock_form_start(mock_form *f, struct MHD_Connection *c);

/* Feeds n more bytes of the body. */
void mock_form_feed(mock_form *f, const char *data, size_t n);

/* Ends the body: a form cut short is marked broken. */
void mock_form_end(mock_form *f);

void mock_form_free(mock_form *f);

#endif
