/*
** host_account.c — what the host holds per distinct key: the
** taskip_client with that key (its rate-limit state, and with a
** rate store, the store's record for it), the pinned origin, and the
** masks that scrub the key (and its base64 and percent-encoded forms)
** out of whatever scripts can see or print.
**
** The host's own key is its first account; a script spawned with a key
** of its own gets the account of that key and base URL, shared with
** scripts of the same key (found by comparing the key with the one the
** account holds, in constant time), created on first use and freed
** with the last script.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"
#include "secret.h"
#include "transport.h"
#include "ratestore_open.h"

/* The key's other spellings a server might echo. */
static int make_masks(host_account *a, const char *key, size_t len) {
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0, cap = (len + 2) / 3 * 4 + 1;
  char *enc = malloc(cap), *esc;
  a->masks[0] = taskip_secret_new(key, len);
  if (enc == NULL || a->masks[0] == NULL) {
    free(enc);
    return -1;
  }
  for (i = 0; i < len; i += 3) {
    unsigned v = (unsigned char)key[i] << 16;
    if (i + 1 < len)
      v |= (unsigned char)key[i + 1] << 8;
    if (i + 2 < len)
      v |= (unsigned char)key[i + 2];
    enc[o++] = b64[(v >> 18) & 63];
    enc[o++] = b64[(v >> 12) & 63];
    enc[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
    enc[o++] = i + 2 < len ? b64[v & 63] : '=';
  }
  a->masks[1] = taskip_secret_new(enc, o);
  taskip_wipe(enc, cap);
  free(enc);
  esc = taskip_escape(key, len);
  if (esc != NULL) {
    if (strlen(esc) != len)
      a->masks[2] = taskip_secret_new(esc, strlen(esc));
    taskip_wipe(esc, strlen(esc));
    free(esc);
  }
  return 0;
}

host_account *host_account_new(const taskip_config *client_cfg,
                               const char *rate_store, const char *key,
                               size_t keylen, char *err, size_t errlen) {
  host_account *a = calloc(1, sizeof(*a));
  taskip_config client = *client_cfg;
  const char *base = client_cfg->base_url ? client_cfg->base_url
                                          : TASKIP_DEFAULT_BASE_URL;
  if (a == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  a->refs = 1;
  a->base_url = malloc(strlen(base) + 1);
  if (a->base_url == NULL) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  strcpy(a->base_url, base);
  /* No transfer traces: they would reach scripts with the results. */
  client.debug = 0;
  if (rate_store != NULL) {               /* non-blocking: polled by steps */
    a->store = taskip_rate_store_open(rate_store, key, keylen, 0, err,
                                      errlen);
    if (a->store == NULL)
      goto fail;
    client.rate_store = a->store;
  }
  a->client = taskip_client_new(&client, key, keylen, err, errlen);
  if (a->client == NULL)
    goto fail;
  if (make_masks(a, key, keylen) != 0) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  if (taskip_origin_parse(&a->origin, base, client_cfg->allow_http, err,
                          errlen) != 0)
    goto fail;
  a->origin_ok = 1;
  return a;
fail:
  host_account_free(a);
  return NULL;
}

int host_account_is(const host_account *a, const char *key, size_t keylen,
                    const char *base_url) {
  if (base_url == NULL)
    base_url = TASKIP_DEFAULT_BASE_URL;
  return taskip_secret_is(a->masks[0], key, keylen) &&
         strcmp(base_url, a->base_url) == 0;
}

size_t host_account_scrub(const host_account *a, char *buf, size_t len) {
  size_t i, n = 0;
  for (i = 0; i < 3; i++)
    n += taskip_secret_scrub(a->masks[i], buf, len);
  return n;
}

void host_account_free(host_account *a) {
  int i;
  if (a == NULL)
    return;
  taskip_pool_free(a->pool);
  taskip_client_free(a->client);
  taskip_rate_store_free(a->store);
  for (i = 0; i < 3; i++)
    taskip_secret_free(a->masks[i]);
  if (a->origin_ok)
    taskip_origin_free(&a->origin);
  free(a->base_url);
  free(a);
}
