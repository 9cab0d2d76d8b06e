/*
** Certificate generation for the emulator.
**
** A CA (ECDSA P-256, CA:TRUE, self-signed) signs a server certificate
** whose subjectAltName holds IP 127.0.0.1 and DNS localhost. The cert
** modes vary one thing each, so clients' TLS checks can be tested:
** wrong_host names only wrong.invalid, expired ended a day ago, and
** untrusted is signed by a second CA that is never exported.
** Validity is about one day, with notBefore backdated an hour.
*/
#include "tls_cert.h"
#include "mock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#define DAY 86400L
#define HOUR 3600L

/* A key with its self-signed or CA-signed certificate. */
typedef struct keyed_crt {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
} keyed_crt;

static void keyed_free(keyed_crt *k)
{
  if (k->crt)
    gnutls_x509_crt_deinit(k->crt);
  if (k->key)
    gnutls_x509_privkey_deinit(k->key);
  k->crt = NULL;
  k->key = NULL;
}

static int fail(char *err, size_t errlen, const char *what, int rc)
{
  if (errlen > 0)
    snprintf(err, errlen, "tls: %s: %s", what, gnutls_strerror(rc));
  return -1;
}

/* Copy a GnuTLS datum into a NUL-terminated malloc'd string. */
static char *datum_to_string(gnutls_datum_t *d)
{
  char *s = malloc(d->size + 1);

  if (s) {
    memcpy(s, d->data, d->size);
    s[d->size] = '\0';
  }
  gnutls_free(d->data);
  d->data = NULL;
  return s;
}

/*
** Set the fields common to every certificate: version, random serial,
** validity [from, until), subject CN and public key.
*/
static int set_common(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                      const char *cn, time_t from, time_t until)
{
  unsigned char serial[16];
  int rc;

  rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  if (rc < 0)
    return rc;
  serial[0] &= 0x7f; /* positive */
  serial[0] |= 0x01; /* no leading zero byte */
  rc = gnutls_x509_crt_set_version(crt, 3);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_activation_time(crt, from);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_expiration_time(crt, until);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
                                       0, cn, (unsigned)strlen(cn));
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key(crt, key);
  return rc;
}

static int new_key(gnutls_x509_privkey_t *key)
{
  int rc = gnutls_x509_privkey_init(key);

  if (rc < 0)
    return rc;
  return gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
}

/* Set the subject key id from the certificate's own public key. */
static int set_ski(gnutls_x509_crt_t crt)
{
  unsigned char id[64];
  size_t idlen = sizeof id;
  int rc = gnutls_x509_crt_get_key_id(crt, 0, id, &idlen);

  if (rc < 0)
    return rc;
  return gnutls_x509_crt_set_subject_key_id(crt, id, idlen);
}

/* Create a self-signed CA named cn, valid from now - 1h to now + 1d. */
static int make_ca(keyed_crt *ca, const char *cn, time_t now)
{
  int rc = new_key(&ca->key);

  if (rc >= 0)
    rc = gnutls_x509_crt_init(&ca->crt);
  if (rc >= 0)
    rc = set_common(ca->crt, ca->key, cn, now - HOUR, now + DAY);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_basic_constraints(ca->crt, 1, -1);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_usage(ca->crt,
        GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
  if (rc >= 0)
    rc = set_ski(ca->crt);
  if (rc >= 0)
    rc = gnutls_x509_crt_sign2(ca->crt, ca->crt, ca->key,
                               GNUTLS_DIG_SHA256, 0);
  return rc;
}

/* Add the subjectAltNames for the mode: the loopback names, or only a
** host that the client will never connect to. */
static int set_names(gnutls_x509_crt_t crt, int mode)
{
  static const unsigned char loopback[4] = {127, 0, 0, 1};
  const char *dns = "localhost";
  int rc;

  if (mode == TASKIP_MOCK_CERT_WRONG_HOST) {
    dns = "wrong.invalid";
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
        dns, (unsigned)strlen(dns), GNUTLS_FSAN_SET);
  }
  rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
      dns, (unsigned)strlen(dns), GNUTLS_FSAN_SET);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
        loopback, sizeof loopback, GNUTLS_FSAN_APPEND);
  return rc;
}

/* Create the server certificate for mode, signed by ca. */
static int make_server(keyed_crt *srv, keyed_crt *ca, int mode,
                       time_t now)
{
  unsigned char id[64];
  size_t idlen = sizeof id;
  time_t from = now - HOUR;
  time_t until = now + DAY;
  const char *cn = mode == TASKIP_MOCK_CERT_WRONG_HOST
                       ? "wrong.invalid" : "127.0.0.1";
  int rc;

  if (mode == TASKIP_MOCK_CERT_EXPIRED) {
    from = now - 2 * DAY;
    until = now - DAY;
  }
  rc = new_key(&srv->key);
  if (rc >= 0)
    rc = gnutls_x509_crt_init(&srv->crt);
  if (rc >= 0)
    rc = set_common(srv->crt, srv->key, cn, from, until);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_basic_constraints(srv->crt, 0, -1);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_usage(srv->crt,
                                       GNUTLS_KEY_DIGITAL_SIGNATURE);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_key_purpose_oid(srv->crt,
                                             GNUTLS_KP_TLS_WWW_SERVER, 0);
  if (rc >= 0)
    rc = set_names(srv->crt, mode);
  if (rc >= 0)
    rc = set_ski(srv->crt);
  if (rc >= 0)
    rc = gnutls_x509_crt_get_subject_key_id(ca->crt, id, &idlen, NULL);
  if (rc >= 0)
    rc = gnutls_x509_crt_set_authority_key_id(srv->crt, id, idlen);
  if (rc >= 0)
    rc = gnutls_x509_crt_sign2(srv->crt, ca->crt, ca->key,
                               GNUTLS_DIG_SHA256, 0);
  return rc;
}

static int export_crt(gnutls_x509_crt_t crt, char **out)
{
  gnutls_datum_t d = {NULL, 0};
  int rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d);

  if (rc < 0)
    return rc;
  *out = datum_to_string(&d);
  return *out ? 0 : GNUTLS_E_MEMORY_ERROR;
}

static int export_key(gnutls_x509_privkey_t key, char **out)
{
  gnutls_datum_t d = {NULL, 0};
  int rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d);

  if (rc < 0)
    return rc;
  *out = datum_to_string(&d);
  if (d.data)
    gnutls_memset(d.data, 0, d.size);
  return *out ? 0 : GNUTLS_E_MEMORY_ERROR;
}

int mock_tls_make(mock_tls *t, int cert_mode, char *err, size_t errlen)
{
  keyed_crt ca = {NULL, NULL};
  keyed_crt other = {NULL, NULL};
  keyed_crt srv = {NULL, NULL};
  keyed_crt *signer = &ca;
  time_t now = time(NULL);
  int rc;

  memset(t, 0, sizeof *t);
  rc = make_ca(&ca, "taskip-mock test CA", now);
  if (rc >= 0 && cert_mode == TASKIP_MOCK_CERT_UNTRUSTED) {
    rc = make_ca(&other, "taskip-mock untrusted CA", now);
    signer = &other;
  }
  if (rc >= 0)
    rc = make_server(&srv, signer, cert_mode, now);
  if (rc >= 0)
    rc = export_crt(ca.crt, &t->ca_pem);
  if (rc >= 0)
    rc = export_crt(srv.crt, &t->cert_pem);
  if (rc >= 0)
    rc = export_key(srv.key, &t->key_pem);
  keyed_free(&ca);
  keyed_free(&other);
  keyed_free(&srv);
  if (rc < 0) {
    mock_tls_free(t);
    return fail(err, errlen, "generating certificates", rc);
  }
  return 0;
}

void mock_tls_free(mock_tls *t)
{
  free(t->ca_pem);
  free(t->cert_pem);
  if (t->key_pem) {
    memset(t->key_pem, 0, strlen(t->key_pem));
    free(t->key_pem);
  }
  memset(t, 0, sizeof *t);
}
