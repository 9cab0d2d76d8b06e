/*
** host_pattern.c — how long a Lua pattern match could take, before it
** runs. The count hook never fires inside string.find and friends, so
** a pattern like ".-.-.-.-b$" on 10 kB of "a" would hold the host for
** hours. The sandbox asks for an estimate first and refuses the call
** when it is clearly unbounded.
**
** The estimate is an upper bound of the matcher's backtracking: for
** each starting position, every quantified single-char class that is
** not the last item may be tried at each length up to the longest run
** of that class in the subject; %b and back-references may scan the
** whole subject. Starting positions are 1 for an anchored pattern, the
** positions where the first class matches when it must match a
** character, else every position. Malformed patterns are left for Lua
** to reject.
*/
#include <ctype.h>
#include <string.h>

#include "host_internal.h"

#define RUN_SCANS 16      /* at most this many subject scans per call */

static int uc(char c) {
  return (unsigned char)c;
}

/* One past the single-char class that starts at p. */
static const char *class_end(const char *p, const char *e) {
  const char *q;
  if (*p == '%')
    return p + 2 <= e ? p + 2 : e;
  if (*p != '[')
    return p + 1;
  q = p + 1;
  if (q < e && *q == '^')
    q++;
  do {                        /* the first character is never the end */
    if (q >= e)
      return e;
    if (*q == '%')
      q++;
    q++;
  } while (q < e && *q != ']');
  return q < e ? q + 1 : e;
}

static int in_class(int c, int cl) {
  int r;
  switch (tolower(cl)) {
  case 'a': r = isalpha(c); break;
  case 'c': r = iscntrl(c); break;
  case 'd': r = isdigit(c); break;
  case 'g': r = isgraph(c); break;
  case 'l': r = islower(c); break;
  case 'p': r = ispunct(c); break;
  case 's': r = isspace(c); break;
  case 'u': r = isupper(c); break;
  case 'w': r = isalnum(c); break;
  case 'x': r = isxdigit(c); break;
  default: return cl == c;
  }
  if (isupper(cl))
    r = !r;
  return r != 0;
}

/* p at '[', last at the closing ']'. */
static int in_set(int c, const char *p, const char *last) {
  int neg = 0;
  p++;
  if (p < last && *p == '^') {
    neg = 1;
    p++;
  }
  while (p < last) {
    if (*p == '%' && p + 1 < last) {
      if (in_class(c, uc(p[1])))
        return !neg;
      p += 2;
    } else if (p + 2 < last && p[1] == '-') {
      if (uc(p[0]) <= c && c <= uc(p[2]))
        return !neg;
      p += 3;
    } else {
      if (uc(*p) == c)
        return !neg;
      p++;
    }
  }
  return neg;
}

static int matches(int c, const char *p, const char *ep) {
  switch (*p) {
  case '.': return 1;
  case '%': return p + 1 < ep ? in_class(c, uc(p[1])) : 0;
  case '[': return in_set(c, p, ep - 1);
  default: return uc(*p) == c;
  }
}

/* The longest run of subject characters in the class p..ep. */
static size_t longest_run(const char *p, const char *ep, const char *s,
                          size_t ls) {
  size_t i, run = 0, best = 0;
  if (*p == '.')
    return ls;
  for (i = 0; i < ls; i++) {
    if (matches(uc(s[i]), p, ep)) {
      if (++run > best)
        best = run;
    } else {
      run = 0;
    }
  }
  return best;
}

static size_t count_in(const char *p, const char *ep, const char *s,
                       size_t ls) {
  size_t i, k = 0;
  if (*p == '.')
    return ls;
  for (i = 0; i < ls; i++)
    if (matches(uc(s[i]), p, ep))
      k++;
  return k;
}

/* Whether only capture closings follow q. */
static int last_item(const char *q, const char *e) {
  while (q < e && *q == ')')
    q++;
  return q == e;
}

double host_pattern_cost(const char *p, size_t lp, const char *s,
                         size_t ls, int anchor) {
  const char *e = p + lp;
  double n1 = (double)ls + 1, steps = 1, starts = n1;
  int first = 1, scans = 0;
  if (anchor && p < e && *p == '^') {
    starts = 1;
    anchor = 2;
    p++;
  }
  while (p < e && steps < 1e30) {
    const char *ep, *next;
    char q;
    if (*p == '(' || *p == ')') {
      p++;
      continue;
    }
    if (*p == '$' && p + 1 == e)
      break;
    if (*p == '%' && p + 1 < e && (p[1] == 'b' || isdigit(uc(p[1])))) {
      steps *= n1;                  /* a scan or a comparison per try */
      p += p[1] == 'b' ? 4 : 2;
      first = 0;
      continue;
    }
    if (*p == '%' && p + 1 < e && p[1] == 'f') {
      p += 2;
      if (p < e)
        p = class_end(p, e);
      first = 0;
      continue;
    }
    ep = class_end(p, e);
    q = ep < e ? *ep : '\0';
    next = ep;
    if (q == '?') {
      steps *= 2;
      next = ep + 1;
    } else if (q == '*' || q == '-' || q == '+') {
      next = ep + 1;
      if (!last_item(next, e)) {
        size_t run = scans++ < RUN_SCANS ? longest_run(p, ep, s, ls) : ls;
        steps *= (double)run + 1;
      }
    }
    if (first && anchor != 2) {
      if (q == '\0' || (q != '?' && q != '*' && q != '-'))
        starts = (double)count_in(p, ep, s, ls) + 1;
    }
    first = 0;
    p = next;
  }
  return starts * steps;
}

double host_plain_cost(size_t lp, size_t ls) {
  /* memchr + memcmp: bytes compared, a few dozen per nanosecond */
  if (lp > ls)
    return 0;
  return ((double)(ls - lp) + 1) * (double)lp / 64.0;
}
