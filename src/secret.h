/*
** secret.h — the secret key, held in C memory only.
**
** The key lives in one page-aligned allocation that is locked in RAM
** where the OS allows, excluded from core dumps and wiped on free. The
** only copy that leaves it is the request header that libcurl sends.
*/
#ifndef TASKIP_SECRET_H
#define TASKIP_SECRET_H

#include <stddef.h>

typedef struct taskip_secret taskip_secret;

/* Copies key; NULL if it is empty, too long or holds CR, LF or NUL. */
taskip_secret *taskip_secret_new(const char *key, size_t len);
void taskip_secret_free(taskip_secret *s);        /* wipes; NULL ok */

/* "X-Secret-Key: <key>", for the header list of one request. */
const char *taskip_secret_header(const taskip_secret *s);

/*
** Replaces every occurrence of the key in buf (len bytes) with
** "[REDACTED]"-style filler of the same length, in place.
** Returns how many occurrences were found.
*/
size_t taskip_secret_scrub(const taskip_secret *s, char *buf, size_t len);

/* 1 when key (len bytes) is the secret's key, in time that does not
** depend on where they differ. */
int taskip_secret_is(const taskip_secret *s, const char *key, size_t len);

/* Zeroes memory in a way the compiler may not remove. */
void taskip_wipe(void *p, size_t len);

#endif
