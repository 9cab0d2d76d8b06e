/*
** digest.h — reading a response: status and transport codes to error
** kinds, and the rate-limit headers to numbers. Pure functions.
*/
#ifndef TASKIP_DIGEST_H
#define TASKIP_DIGEST_H

#include <stddef.h>
#include <curl/curl.h>

#include "taskip.h"
#include "ratelimit.h"

taskip_kind taskip_kind_of_status(long status);
taskip_kind taskip_kind_of_curl(CURLcode rc);

/* The value of header `name` (lowercase), or NULL. */
const char *taskip_header_get(const taskip_header *hs, size_t n,
                              const char *name);

/* Retry-After as seconds from now: delta seconds or an HTTP date. */
double taskip_parse_retry_after(const char *value, double now);

/* Fills h from the headers of a response with this status. */
void taskip_rate_headers_read(taskip_rate_headers *h,
                              const taskip_header *hs, size_t n,
                              long status, double now);

/*
** taskip_call_finish without a curl handle (client.c): digests an
** attempt whose response is given as status, headers (names in any
** case) and body, as if libcurl had delivered them with rc. For tests
** and the response fuzzer; drivers use taskip_call_finish.
*/
void taskip_call_finish_response(taskip_call *call, CURLcode rc,
                                 long status, const taskip_header *hs,
                                 size_t n, const char *body, size_t len,
                                 double now);

#endif
