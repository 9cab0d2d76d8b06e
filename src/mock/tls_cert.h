/*
** In-memory TLS material for the emulator, generated with GnuTLS.
*/
#ifndef TASKIP_MOCK_TLS_CERT_H
#define TASKIP_MOCK_TLS_CERT_H

#include <stddef.h>

typedef struct mock_tls {
  char *ca_pem;   /* CA certificate the client should trust */
  char *cert_pem; /* server certificate */
  char *key_pem;  /* server private key; never written to disk */
} mock_tls;

/*
** Generate a CA and a server certificate for the given
** enum taskip_mock_cert_mode. Returns 0 and fills t (free it with
** mock_tls_free), or -1 with a message in err.
*/
int mock_tls_make(mock_tls *t, int cert_mode, char *err, size_t errlen);

/* Free the PEM strings; safe on a zeroed or freed struct. */
void mock_tls_free(mock_tls *t);

#endif
