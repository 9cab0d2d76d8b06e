/*
** fingerprint.c — HMAC-SHA-256 of a key under TASKIP_FP_CONSTANT, by
** libcrypto (see fingerprint.h). The digest buffer is wiped after use.
*/
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fingerprint.h"
#include "secret.h"

int taskip_fingerprint(const char *key, size_t len, char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0, i;
  if (HMAC(EVP_sha256(), TASKIP_FP_CONSTANT, sizeof(TASKIP_FP_CONSTANT) - 1,
           (const unsigned char *)key, len, md, &n) == NULL ||
      n * 2 != TASKIP_FP_HEX) {
    taskip_wipe(md, sizeof(md));
    return -1;
  }
  for (i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * n] = '\0';
  taskip_wipe(md, sizeof(md));
  return 0;
}
