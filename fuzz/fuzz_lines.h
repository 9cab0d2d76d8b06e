/*
** fuzz_lines.h — shared input helpers of the fuzz targets: the input as
** a NUL-terminated copy, split into records and "Name: value" lines.
*/
#ifndef FUZZ_LINES_H
#define FUZZ_LINES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taskip.h"

#define FUZZ_MAX_HEADERS 64

/* A NUL-terminated malloc'd copy of data (NULs inside stay). */
static inline char *fuzz_copy(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

/*
** Splits the text at *p (up to end) into header lines until an empty
** line or the end: "Name: value" (no colon: the whole line is the name,
** the value empty). Names and values point into the text, which is cut
** with NULs. Returns the count; *p moves past the empty line.
*/
static inline size_t fuzz_headers(char **p, char *end, taskip_header *hs,
                                  size_t max) {
  size_t n = 0;
  char *s = *p;
  while (s < end) {
    char *nl = memchr(s, '\n', (size_t)(end - s));
    char *line_end = nl != NULL ? nl : end;
    char *colon;
    if (line_end == s) {              /* empty line: headers end */
      s = nl != NULL ? nl + 1 : end;
      break;
    }
    *line_end = '\0';
    colon = strchr(s, ':');
    if (n < max) {
      hs[n].name = s;
      if (colon != NULL) {
        *colon = '\0';
        hs[n].value = colon + 1;
        while (*hs[n].value == ' ')
          hs[n].value++;
      } else {
        hs[n].value = line_end;       /* "" */
      }
      n++;
    }
    s = nl != NULL ? nl + 1 : end;
  }
  *p = s;
  return n;
}

#endif
