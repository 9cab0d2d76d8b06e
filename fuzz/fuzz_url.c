/*
** fuzz_url — the path/query/URL builder (origin.c).
**
** Input: a first byte choosing one of a few pinned base URLs, then the
** path, optionally followed by a NUL byte and the query (no NUL: no
** query). taskip_origin_url either refuses, or returns a URL that must
** parse back, with libcurl's own parser (CURLU), to the pinned scheme,
** host and port, with a path under the base path, and hold no white
** space, control byte or fragment, nor a backslash before the query.
*/
#include <stdio.h>
#include <strings.h>
#include <curl/curl.h>

#include "fuzz_lines.h"
#include "origin.h"

static const char *const bases[] = {
  "https://public-api.taskip.net/api/public-v1",
  "https://127.0.0.1:8443/api/public-v1/",
  "https://[::1]:9443/base",
  "https://api.example.com",
  "HTTPS://Mixed.Example.COM:443/A/b%20c",
};
#define NBASES (sizeof(bases) / sizeof(bases[0]))

static taskip_origin origins[NBASES];

static void fail(const char *why, const char *path, const char *query,
                 const char *url) {
  fprintf(stderr, "fuzz_url: %s\n  path  %s\n  query %s\n  url   %s\n", why,
          path, query ? query : "(none)", url);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  size_t i;
  char err[256];
  (void)argc;
  (void)argv;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (i = 0; i < NBASES; i++)
    if (taskip_origin_parse(&origins[i], bases[i], 0, err, sizeof err) != 0) {
      fprintf(stderr, "fuzz_url: %s\n", err);
      abort();
    }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const taskip_origin *o;
  char *text, *path, *query, *url, err[256];
  CURLU *u;
  char *scheme = NULL, *host = NULL, *port = NULL, *upath = NULL,
       *frag = NULL;
  size_t bl, i;
  if (size < 1)
    return 0;
  o = &origins[data[0] % NBASES];
  text = fuzz_copy(data + 1, size - 1);
  path = text;
  query = strlen(path) < size - 1 ? path + strlen(path) + 1 : NULL;
  url = taskip_origin_url(o, path, query, err, sizeof err);
  if (url == NULL) {
    if (strncmp(err, "refused path: ", 14) != 0)
      fail("refusal without its prefix", path, query, err);
    free(text);
    return 0;
  }
  for (i = 0; url[i]; i++)
    if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f || url[i] == '#')
      fail("URL holds white space, a control byte or '#'", path, query,
           url);
  for (i = 0; url[i] && url[i] != '?'; i++)
    if (url[i] == '\\')                /* a '/' to WHATWG parsers */
      fail("URL path holds '\\'", path, query, url);
  if (strncmp(url, o->prefix, strlen(o->prefix)) != 0)
    fail("URL does not start with the pinned prefix", path, query, url);
  u = curl_url();
  if (u == NULL)
    abort();
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
    fail("URL does not parse", path, query, url);
  if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
          CURLUE_OK ||
      curl_url_get(u, CURLUPART_PATH, &upath, 0) != CURLUE_OK)
    fail("URL lacks a part", path, query, url);
  if (strcasecmp(scheme, o->scheme) != 0)
    fail("scheme changed", path, query, url);
  if (strcasecmp(host, o->host) != 0)
    fail("host changed", path, query, url);
  if (strtol(port, NULL, 10) != o->port)
    fail("port changed", path, query, url);
  bl = strlen(o->base_path);
  if (strncmp(upath, o->base_path, bl) != 0 || upath[bl] != '/')
    fail("path left the base path", path, query, url);
  if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
    fail("URL has a fragment", path, query, url);
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(upath);
  curl_url_cleanup(u);
  free(url);
  free(text);
  return 0;
}
