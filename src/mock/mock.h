/*
** taskip-mock: an HTTPS emulator of the TaskIP public API on loopback.
**
** The server listens on 127.0.0.1 only, with a certificate signed by a
** CA generated at start (its PEM is written to a file whose path
** taskip_mock_cafile() returns). Routing, state and faults live in Lua
** (the Lua modules taskip.mock.*), run in a lua_State private to the emulator.
**
** Thread safety: every function may be called from any thread, but
** taskip_mock_stop() must not race with the other calls on the same
** object. No secret key value is ever logged or echoed.
*/
#ifndef TASKIP_MOCK_H
#define TASKIP_MOCK_H

#include <stddef.h>

typedef struct taskip_mock taskip_mock;

/* Which server certificate to present (the CA file is always written). */
enum taskip_mock_cert_mode {
  TASKIP_MOCK_CERT_NORMAL = 0,  /* valid for 127.0.0.1 and localhost */
  TASKIP_MOCK_CERT_WRONG_HOST,  /* valid, but only for wrong.invalid */
  TASKIP_MOCK_CERT_EXPIRED,     /* right host, expired yesterday */
  TASKIP_MOCK_CERT_UNTRUSTED    /* signed by a CA other than cafile's */
};

typedef struct taskip_mock_config {
  int port;                /* 0 = ephemeral */
  const char *secret_key;  /* required; compared in constant time */
  long limit;              /* rate budget per window (default 1000) */
  long window;             /* window length in seconds (default 3600) */
  int reset_delta;         /* X-RateLimit-Reset: 0 epoch, 1 seconds left */
  long latency_ms;         /* delay added to every API response */
  const char *ca_out;      /* CA PEM path; NULL = temp dir, removed at stop */
  const char *lua_path;    /* package.path; NULL = default (LUA_PATH) */
  const char *lua_cpath;   /* package.cpath; NULL = default (LUA_CPATH) */
  int cert_mode;           /* enum taskip_mock_cert_mode */
  const char *faults_json; /* initial faults, a JSON object; may be NULL */
} taskip_mock_config;

/* Fill cfg with the defaults above (secret_key stays NULL). */
void taskip_mock_config_init(taskip_mock_config *cfg);

/* Map "normal", "wrong_host", "expired", "untrusted" to a cert mode;
** returns -1 for an unknown name. */
int taskip_mock_cert_mode_from_name(const char *name);

/*
** Start an emulator. On failure returns NULL and writes a message to
** err (if errlen > 0). The strings in cfg are copied; cfg may be
** freed after the call.
*/
taskip_mock *taskip_mock_start(const taskip_mock_config *cfg,
                               char *err, size_t errlen);

int taskip_mock_port(const taskip_mock *m);

/* "https://127.0.0.1:PORT/api/public-v1"; owned by m. */
const char *taskip_mock_base_url(const taskip_mock *m);

/* Path of the CA PEM that signs the server certificate; owned by m. */
const char *taskip_mock_cafile(const taskip_mock *m);

/*
** Run a control command in-process, e.g. {"cmd":"stats"},
** {"cmd":"faults","faults":{"fail":2}} or {"cmd":"reset"}.
** On return *reply holds a malloc'd JSON text (the caller frees it):
** the command's result, or {"error":"..."} when the result is -1.
** Returns 0 on success, -1 on error (*reply may be NULL if out of
** memory).
*/
int taskip_mock_control(taskip_mock *m, const char *json, char **reply);

/* Stop serving, join all threads, free m, and remove the temporary CA
** file and directory (a ca_out file is left in place). NULL is a
** no-op. */
void taskip_mock_stop(taskip_mock *m);

#endif
