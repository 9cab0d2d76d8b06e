/*
** floor_get.c — the floor of row 1: a C loop of sequential GETs on one
** reused libcurl easy handle (so one keep-alive TLS connection), the
** body collected into a buffer and checked for status 200. It decodes
** nothing: this is the transport floor, what libcurl alone costs.
**
**   floor-get URL CAFILE KEY N [WARMUP]
** Prints {"n": N, "seconds": S, "bytes": B} for the N timed requests.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  buffer *b = ud;
  size_t len = size * n;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *d;
    while (cap < b->len + len + 1)
      cap *= 2;
    d = realloc(b->data, cap);
    if (d == NULL)
      return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = '\0';
  return len;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int get(CURL *h, buffer *b) {
  long status = 0;
  CURLcode rc;
  b->len = 0;
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "floor-get: %s, HTTP %ld\n", curl_easy_strerror(rc),
            status);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  CURL *h;
  struct curl_slist *headers = NULL;
  char keyline[512];
  buffer b = {NULL, 0, 0};
  long i, n, warmup;
  size_t bytes = 0;
  double t0, t1;
  if (argc < 5) {
    fprintf(stderr, "usage: floor-get URL CAFILE KEY N [WARMUP]\n");
    return 2;
  }
  n = atol(argv[4]);
  warmup = argc > 5 ? atol(argv[5]) : 10;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  h = curl_easy_init();
  snprintf(keyline, sizeof(keyline), "X-Secret-Key: %s", argv[3]);
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, keyline);
  curl_easy_setopt(h, CURLOPT_URL, argv[1]);
  curl_easy_setopt(h, CURLOPT_CAINFO, argv[2]);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  for (i = 0; i < warmup; i++)
    if (get(h, &b) != 0)
      return 1;
  t0 = now();
  for (i = 0; i < n; i++) {
    if (get(h, &b) != 0)
      return 1;
    bytes += b.len;
  }
  t1 = now();
  printf("{\"n\": %ld, \"seconds\": %.6f, \"bytes\": %zu}\n", n, t1 - t0,
         bytes);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  curl_global_cleanup();
  free(b.data);
  return 0;
}
