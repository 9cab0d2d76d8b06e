/*
** secret.c — storage of the secret key (see secret.h).
*/
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "secret.h"

#define HEADER_PREFIX "X-Secret-Key: "
#define MAX_KEY_LEN 4096

struct taskip_secret {
  size_t alloc;        /* bytes mapped */
  size_t keylen;
  char *key;           /* points into header, after the prefix */
  char header[1];      /* "X-Secret-Key: <key>\0" */
};

int taskip_secret_is(const taskip_secret *s, const char *key,
                     size_t len) {
  unsigned char diff = 0;
  size_t i;
  if (s == NULL || len != s->keylen)
    return 0;
  for (i = 0; i < len; i++)
    diff |= (unsigned char)(s->key[i] ^ key[i]);
  return diff == 0;
}

void taskip_wipe(void *p, size_t len) {
  if (p != NULL)
    explicit_bzero(p, len);
}

taskip_secret *taskip_secret_new(const char *key, size_t len) {
  size_t need, page, alloc, i;
  taskip_secret *s;
  void *mem;
  if (key == NULL || len == 0 || len > MAX_KEY_LEN)
    return NULL;
  for (i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)key[i];
    if (ch < 0x20 || ch == 0x7f)   /* no CR/LF/NUL: it goes in a header */
      return NULL;
  }
  need = sizeof(taskip_secret) + sizeof(HEADER_PREFIX) + len;
  page = (size_t)sysconf(_SC_PAGESIZE);
  alloc = (need + page - 1) / page * page;
  mem = mmap(NULL, alloc, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return NULL;
  (void)mlock(mem, alloc);              /* best effort: RLIMIT_MEMLOCK */
#ifdef MADV_DONTDUMP
  (void)madvise(mem, alloc, MADV_DONTDUMP);
#endif
  s = mem;
  s->alloc = alloc;
  s->keylen = len;
  memcpy(s->header, HEADER_PREFIX, sizeof(HEADER_PREFIX) - 1);
  s->key = s->header + sizeof(HEADER_PREFIX) - 1;
  memcpy(s->key, key, len);
  s->key[len] = '\0';
  return s;
}

void taskip_secret_free(taskip_secret *s) {
  size_t alloc;
  if (s == NULL)
    return;
  alloc = s->alloc;
  taskip_wipe(s, alloc);
  munlock(s, alloc);
  munmap(s, alloc);
}

const char *taskip_secret_header(const taskip_secret *s) {
  return s->header;
}

size_t taskip_secret_scrub(const taskip_secret *s, char *buf, size_t len) {
  static const char mask[] = "[REDACTED]";
  size_t found = 0, i = 0, j;
  if (s == NULL || buf == NULL || len < s->keylen)
    return 0;
  while (i + s->keylen <= len) {
    /* memchr skips to the candidates (vectorised): bodies are large */
    const char *c = memchr(buf + i, s->key[0], len - s->keylen + 1 - i);
    if (c == NULL)
      break;
    i = (size_t)(c - buf);
    if (memcmp(buf + i, s->key, s->keylen) == 0) {
      for (j = 0; j < s->keylen; j++)
        buf[i + j] = j < sizeof(mask) - 1 ? mask[j] : '*';
      i += s->keylen;
      found++;
    } else {
      i++;
    }
  }
  return found;
}
