/*
** host_text.c — making script text safe for a terminal or a log file.
** Every byte a script prints or logs passes through host_escape: a
** script cannot start a fake log line, move the cursor, change colours
** (ESC, or the 8-bit CSI 0x9B) or hide text behind a carriage return.
*/
#include <stdio.h>
#include <string.h>

#include "host_internal.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. C1
** controls (U+0080..U+009F) count as invalid: terminals obey them. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len, i;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    if (c == 0xC2)
      lo = 0xA0;                     /* U+0080..U+009F are C1 */
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;                     /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return len;
}

size_t host_escape(const char *in, size_t n, char *out, size_t cap) {
  const unsigned char *s = (const unsigned char *)in;
  size_t i = 0, o = 0, room = cap - 4;   /* keeps space for "..." */
  while (i < n) {
    unsigned char c = s[i];
    char tmp[8];
    size_t k, len;
    if ((c >= 0x20 && c < 0x7F) || c == '\t') {
      tmp[0] = (char)c;
      k = 1;
      len = 1;
    } else if (c == '\n' || c == '\r') {
      tmp[0] = '\\';
      tmp[1] = c == '\n' ? 'n' : 'r';
      k = 2;
      len = 1;
    } else if (c >= 0x80 && (len = utf8_len(s + i, n - i)) > 0) {
      k = len;
      memcpy(tmp, s + i, len);
    } else {
      snprintf(tmp, sizeof(tmp), "\\x%02X", c);
      k = 4;
      len = 1;
    }
    if (o + k > room) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    memcpy(out + o, tmp, k);
    o += k;
    i += len;
  }
  out[o] = '\0';
  return o;
}
