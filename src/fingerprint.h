/*
** fingerprint.h — what a shared rate store calls a key: HMAC-SHA-256 of
** the key under a fixed, public project constant (TASKIP_FP_CONSTANT),
** as 64 lowercase hex digits. Two keys never share a record; the store
** holds no form of the key, and a key of an API's length cannot be
** found back from its fingerprint. libcrypto (OpenSSL) computes it.
*/
#ifndef TASKIP_FINGERPRINT_H
#define TASKIP_FINGERPRINT_H

#include <stddef.h>

/* The HMAC key: fixed so that every process of every machine names a
** key's record alike; versioned so a change of scheme changes names. */
#define TASKIP_FP_CONSTANT "taskip rate-limit store fingerprint v1"
#define TASKIP_FP_HEX 64

/* Writes the fingerprint of key (len bytes) and a NUL to out (at least
** TASKIP_FP_HEX + 1 bytes); 0, or -1 if libcrypto failed. */
int taskip_fingerprint(const char *key, size_t len, char *out);

#endif
