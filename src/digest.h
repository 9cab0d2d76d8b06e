/*
** digest.h — reading a response: status and transport codes to error
** kinds, and the rate-limit headers to numbers. Pure functions.
*/
#ifndef TASKIP_DIGEST_H
#define TASKIP_DIGEST_H

#include <stddef.h>

#include "taskip.h"
#include "ratelimit.h"

taskip_kind taskip_kind_of_status(long status);
taskip_kind taskip_kind_of_failure(taskip_failure f);

/* The value of header `name` (lowercase), or NULL. */
const char *taskip_header_get(const taskip_header *hs, size_t n,
                              const char *name);

/* An HTTP date as epoch seconds, or -1. */
double taskip_http_date(const char *s);

/* Retry-After as seconds from now: delta seconds or an HTTP date. */
double taskip_parse_retry_after(const char *value, double now);

/* Fills h from the headers of a response with this status. */
void taskip_rate_headers_read(taskip_rate_headers *h,
                              const taskip_header *hs, size_t n,
                              long status, double now);

#endif
