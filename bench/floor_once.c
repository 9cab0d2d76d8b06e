/*
** floor_once.c — the floor of row 4: a process that makes one HTTPS GET
** with libcurl and exits. Loading and initialising libcurl (and its
** shared libraries) dominates; it decodes nothing and prints nothing.
**
**   floor-once URL CAFILE        (the key from TASKIP_SECRET_KEY)
** Exit status 0 on HTTP 200.
*/
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return size * n;
}

int main(int argc, char **argv) {
  CURL *h;
  struct curl_slist *headers = NULL;
  char keyline[512];
  const char *key = getenv("TASKIP_SECRET_KEY");
  long status = 0;
  CURLcode rc;
  if (argc < 3 || key == NULL) {
    fprintf(stderr, "usage: TASKIP_SECRET_KEY=... floor-once URL CAFILE\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  h = curl_easy_init();
  snprintf(keyline, sizeof(keyline), "X-Secret-Key: %s", key);
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, keyline);
  curl_easy_setopt(h, CURLOPT_URL, argv[1]);
  curl_easy_setopt(h, CURLOPT_CAINFO, argv[2]);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  curl_global_cleanup();
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "floor-once: %s, HTTP %ld\n", curl_easy_strerror(rc),
            status);
    return 1;
  }
  return 0;
}
