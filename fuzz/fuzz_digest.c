/*
** fuzz_digest — response digestion: status + headers + body -> result
** or error, with the retry and rate-limit decisions, through the call
** state machine of client.c (taskip_call_digest: no network).
**
** Input: attempts separated by NUL bytes. The first byte of the input
** picks the method (GET, POST, PUT, DELETE, PATCH, HEAD). Each attempt
** is a first line "STATUS FAILURE", then "Name: value" header lines, an
** empty line and the body. FAILURE is a taskip_failure (0: a response
** came); 16 added to it says the request reached the server. A call is stepped as a driver would: each
** SEND takes the next attempt; a WAIT moves the clock to the wake time.
**
** Checks: no crash, leak or UB; the result's kind is a known one and
** agrees with status and failure; the key never appears in the message,
** the headers; a POST that got a response is never sent
** again; attempts stay within max_retries + 1; retry_after is finite.
*/
#include <math.h>
#include <stdio.h>

#include "fuzz_lines.h"
#include "digest.h"

#define KEY "fuzz-key-7f3a-not-a-secret"

static taskip_client *client;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

static void fail(const char *why, const taskip_result *r) {
  fprintf(stderr, "fuzz_digest: %s (kind %s, status %ld, failure %s, "
          "attempts %d, message '%s')\n", why, taskip_kind_name(r->kind),
          r->status, taskip_failure_name(r->failure),
          r->attempts, r->message);
  abort();
}

static int holds_key(const char *s, size_t len) {
  size_t k = strlen(KEY), i;
  for (i = 0; i + k <= len; i++)
    if (memcmp(s + i, KEY, k) == 0)
      return 1;
  return 0;
}

static void check_result(const taskip_result *r, long status, int rc,
                         int max_attempts) {
  size_t i;
  if ((int)r->kind < 0 || r->kind >= TASKIP_KIND_COUNT)
    fail("unknown kind", r);
  if (memchr(r->message, '\0', sizeof(r->message)) == NULL)
    fail("message not terminated", r);
  if (holds_key(r->message, strlen(r->message)))
    fail("key in the message", r);
  for (i = 0; i < r->header_count; i++)
    if (holds_key(r->headers[i].value, strlen(r->headers[i].value)))
      fail("key in a header value", r);
  if (r->body == NULL || r->body[r->body_len] != '\0')
    fail("body missing or not terminated", r);
  if (r->attempts > max_attempts)
    fail("too many attempts", r);
  if (isnan(r->retry_after) || isinf(r->retry_after))
    fail("retry_after not finite", r);
  if (r->kind == TASKIP_OK && (rc != 0 || status < 200 || status > 299))
    fail("ok without a 2xx", r);
  if (rc == 0 && status >= 200 && status <= 299 && r->kind != TASKIP_OK &&
      r->kind != TASKIP_TOO_LARGE)
    fail("a 2xx that is not ok", r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const methods[] = {"GET", "POST", "PUT", "DELETE",
                                        "PATCH", "HEAD"};
  taskip_config cfg;
  taskip_request req;
  taskip_call *call;
  char err[256], *text, *p, *end;
  double now = 1.7e9, wake = 0;
  int steps = 0, responded_post = 0;
  long last_status = 0;
  int last_rc = 0;
  if (size < 1)
    return 0;
  taskip_config_init(&cfg);
  cfg.base_url = "https://api.example.com/api/public-v1";
  cfg.max_response_bytes = 4096;
  cfg.retry_backoff = 0.01;
  cfg.max_retries = 3;
  cfg.rate_policy = data[0] & 0x80 ? TASKIP_RATE_ERROR : TASKIP_RATE_WAIT;
  client = taskip_client_new(&cfg, KEY, strlen(KEY), err, sizeof err);
  if (client == NULL) {
    fprintf(stderr, "fuzz_digest: %s\n", err);
    abort();
  }
  memset(&req, 0, sizeof req);
  req.method = methods[(data[0] & 0x7f) % 6];
  req.path = "/contact/7";
  req.query = "limit=10";
  if (strcmp(req.method, "POST") == 0 || strcmp(req.method, "PUT") == 0) {
    req.body = "{\"name\":\"x\"}";
    req.body_len = strlen(req.body);
  }
  call = taskip_call_new(client, &req, err, sizeof err);
  if (call == NULL)
    abort();
  text = fuzz_copy(data + 1, size - 1);
  p = text;
  end = text + size - 1;
  while (steps++ < 64) {
    taskip_step st = taskip_call_step(call, now, &wake);
    if (st == TASKIP_STEP_DONE)
      break;
    if (st == TASKIP_STEP_WAIT) {
      if (!(wake > now) || !isfinite(wake))
        fail("wait without a later finite wake time",
             taskip_call_result(call));
      now = wake;
      continue;
    }
    /* SEND */
    if (responded_post)
      fail("a POST that got a response was sent again",
           taskip_call_result(call));
    if (p > end)
      break;                           /* no more attempts in the input */
    {
      char *rec_end = p + strlen(p);
      taskip_header hs[FUZZ_MAX_HEADERS];
      long status = strtol(p, &p, 10);
      long rc = strtol(p, &p, 10);
      char *nl = memchr(p, '\n', (size_t)(rec_end - p));
      taskip_response r;
      if (status < 0 || status > 999)
        status = 0;
      if (rc < 0 || rc > 31)
        rc = TASKIP_FAIL_LOST;
      memset(&r, 0, sizeof r);
      r.failure = (taskip_failure)((rc & 15) % TASKIP_FAIL_COUNT);
      r.reached = (rc & 16) != 0;
      r.status = status;
      p = nl != NULL ? nl + 1 : rec_end;
      r.headers = hs;
      r.header_count = fuzz_headers(&p, rec_end, hs, FUZZ_MAX_HEADERS);
      r.body = p;
      r.body_len = (size_t)(rec_end - p);
      taskip_call_digest(call, &r, now);
      rc = r.failure;
      last_status = status;
      last_rc = (int)rc;
      if (strcmp(req.method, "POST") == 0 && rc == 0 && status > 0)
        responded_post = 1;
      p = rec_end + 1;
    }
  }
  if (taskip_call_step(call, now, &wake) == TASKIP_STEP_DONE)
    check_result(taskip_call_result(call), last_status, last_rc,
                 cfg.max_retries + 1);
  taskip_call_free(call);
  taskip_client_free(client);
  free(text);
  return 0;
}
