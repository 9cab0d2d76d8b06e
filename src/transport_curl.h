/*
** transport_curl.h — what the easy and multi transports share: putting
** one planned attempt on a curl easy handle, and turning what libcurl
** delivered back into a taskip_response. Internal.
*/
#ifndef TASKIP_TRANSPORT_CURL_H
#define TASKIP_TRANSPORT_CURL_H

#include <curl/curl.h>

#include "taskip.h"
#include "transport.h"
#include "buffer.h"

/* Where libcurl is in reading a request body, or one part of a
** multipart body. */
typedef struct tcurl_reader {
  const char *data;
  size_t len, off;
  int idempotent;                 /* may libcurl rewind it to re-send */
} tcurl_reader;

typedef struct tcurl_attempt {
  taskip_call *call;
  const taskip_attempt *plan;
  struct curl_slist *headers;   /* holds a copy of the key: wiped */
  tcurl_reader body;            /* the request body */
  curl_mime *mime;              /* or a multipart body, */
  tcurl_reader *readers;        /* read part by part */
  int reached;                  /* a connection was up: it may have gone */
  int too_large;
  taskip_buffer in;             /* the response body */
  taskip_meter meter;           /* take == NULL: not metered */
  size_t taken;                 /* what the meter granted for `in` */
  char errbuf[CURL_ERROR_SIZE];
} tcurl_attempt;

/* Sets every option of h for the attempt `call` has planned (clears t;
** set t->meter afterwards to meter the response body). */
CURLcode tcurl_prepare(tcurl_attempt *t, taskip_call *call, CURL *h);

/* Digests what h delivered (rc) into the call, then frees the attempt's
** buffers. */
void tcurl_finish(tcurl_attempt *t, CURL *h, CURLcode rc);

/* Frees the attempt's buffers (wiping the key's header line) and gives
** the meter back what it granted. */
void tcurl_release(tcurl_attempt *t);

taskip_failure tcurl_failure_of(CURLcode rc);

#endif
