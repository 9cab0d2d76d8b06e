/*
** form.c — multipart/form-data bodies through MHD's post processor.
**
** The iterator is called with off == 0 when a part starts (also for a
** second part under the same name, as files[] is) and with growing
** offsets as the rest of it arrives.
*/
#include "form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PP_BUFFER 4096
#define MAX_FIELD (64u * 1024u)   /* a field's bytes kept, at most */

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

static mock_part *new_part(mock_form *f, const char *key,
                           const char *filename, const char *ctype)
{
  mock_part *p;

  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 8;
    mock_part *grown = realloc(f->parts, cap * sizeof *grown);

    if (grown == NULL)
      return NULL;
    f->parts = grown;
    f->cap = cap;
  }
  p = &f->parts[f->n];
  memset(p, 0, sizeof *p);
  p->name = strdup(key ? key : "");
  p->filename = dup_or_null(filename);
  p->content_type = dup_or_null(ctype);
  if (!filename)
    p->value = calloc(1, 1);
  if (p->name == NULL || (filename && !p->filename) ||
      (ctype && !p->content_type) || (!filename && !p->value)) {
    free(p->name);
    free(p->filename);
    free(p->content_type);
    free(p->value);
    return NULL;
  }
  f->n++;
  return p;
}

static enum MHD_Result on_data(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *filename,
                               const char *ctype, const char *encoding,
                               const char *data, uint64_t off, size_t size)
{
  mock_form *f = cls;
  mock_part *p = f->n > 0 ? &f->parts[f->n - 1] : NULL;

  (void)kind;
  (void)encoding;
  if (off == 0 || p == NULL) {
    p = new_part(f, key, filename, ctype);
    if (p == NULL) {
      f->broken = 1;
      return MHD_NO;
    }
  }
  if (p->value && p->value_len + size <= MAX_FIELD) {
    char *grown = realloc(p->value, p->value_len + size + 1);

    if (grown == NULL) {
      f->broken = 1;
      return MHD_NO;
    }
    memcpy(grown + p->value_len, data, size);
    p->value_len += size;
    grown[p->value_len] = '\0';
    p->value = grown;
  }
  p->size += size;
  return MHD_YES;
}

int mock_form_start(mock_form *f, struct MHD_Connection *c)
{
  const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "Content-Type");

  memset(f, 0, sizeof *f);
  if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) != 0)
    return 0;
  f->pp = MHD_create_post_processor(c, PP_BUFFER, on_data, f);
  if (f->pp == NULL)
    f->broken = 1;            /* no usable boundary */
  return 1;
}

void mock_form_feed(mock_form *f, const char *data, size_t n)
{
  if (f->pp && !f->broken && MHD_post_process(f->pp, data, n) != MHD_YES)
    f->broken = 1;
}

void mock_form_end(mock_form *f)
{
  if (f->pp && MHD_destroy_post_processor(f->pp) != MHD_YES)
    f->broken = 1;
  f->pp = NULL;
}

void mock_form_free(mock_form *f)
{
  size_t i;

  mock_form_end(f);
  for (i = 0; i < f->n; i++) {
    free(f->parts[i].name);
    free(f->parts[i].filename);
    free(f->parts[i].content_type);
    free(f->parts[i].value);
  }
  free(f->parts);
  memset(f, 0, sizeof *f);
}
