/*
** The emulator's private lua_State: requests in, responses out.
**
** All calls into the state are serialised by a mutex inside mock_lua,
** so the connection threads may call mock_lua_handle concurrently.
** This header needs no Lua headers; only lua_bridge.c includes lua.h.
*/
#ifndef TASKIP_MOCK_LUA_BRIDGE_H
#define TASKIP_MOCK_LUA_BRIDGE_H

#include <stddef.h>

#include "mock.h"
#include "form.h"

typedef struct mock_lua mock_lua;

typedef struct mock_kv {
  const char *name;
  const char *value;
} mock_kv;

/* A request as the access handler saw it; every pointer is borrowed. */
typedef struct mock_request {
  const char *method;
  const char *path;       /* raw, still percent-encoded */
  const char *raw_query;  /* text after '?', or "" */
  const mock_kv *headers; /* names lowercased */
  size_t nheaders;
  const mock_kv *query;   /* decoded name=value pairs */
  size_t nquery;
  const char *body;
  size_t body_len;
  int body_too_large;     /* body was cut at the upload cap */
  long connection_id;
  int form;               /* labelled multipart/form-data */
  int form_broken;        /* ... but not a well-formed one */
  const mock_part *parts; /* its parts, in order */
  size_t nparts;
} mock_request;

enum mock_action {
  MOCK_RESPOND = 0,
  MOCK_DROP,         /* close the connection, send nothing */
  MOCK_DROP_MID_BODY /* send headers and part of the body, then abort */
};

/*
** A response decided by Lua; every pointer is owned (malloc'd) and
** released by mock_response_free. The body is
**   head, then item repeated count times joined by sep, then tail
** so that huge bodies need not exist in memory at once. For
** MOCK_DROP_MID_BODY the connection is aborted after cut_at bytes.
*/
typedef struct mock_response {
  int status;
  int action;         /* enum mock_action */
  long delay_ms;
  char **headers;     /* name, value, name, value, ... */
  size_t nheaders;    /* number of pairs */
  char *head;
  size_t head_len;
  char *item;
  size_t item_len;
  char *sep;
  size_t sep_len;
  unsigned long long count;
  char *tail;
  size_t tail_len;
  unsigned long long cut_at;
} mock_response;

/* Create the state, set its package paths, require
** "taskip.mock.server" and initialise it from cfg. NULL on error. */
mock_lua *mock_lua_open(const taskip_mock_config *cfg,
                        char *err, size_t errlen);

/*
** Ask Lua to answer req. Always fills resp (a 500 if Lua failed);
** the caller must mock_response_free it. Returns 0, or -1 on a Lua
** error (already reported on stderr).
*/
int mock_lua_handle(mock_lua *ml, const mock_request *req,
                    mock_response *resp);

/* See taskip_mock_control in mock.h. */
int mock_lua_control(mock_lua *ml, const char *json, char **reply);

unsigned long long mock_response_length(const mock_response *resp);
void mock_response_free(mock_response *resp);
void mock_lua_close(mock_lua *ml);

#endif
