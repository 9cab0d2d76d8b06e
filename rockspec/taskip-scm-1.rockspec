rockspec_format = "3.0"
package = "taskip"
version = "scm-1"
source = {
   url = "git+file:///taskip",
}
description = {
   summary = "Automate a TaskIP account (CRM) from Lua, over a libcurl core",
   detailed = [[
taskip is a TaskIP API client: a C core on libcurl (HTTPS with connection
reuse, the X-Secret-Key header kept in C memory, rate-limit tracking,
retries that never duplicate a write) exposed to Lua as require "taskip".
JSON goes through lua-cjson, which must be installed (Debian: lua-cjson).
]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.1",
}
-- Only the library is looked up: Debian keeps curl/curl.h in a multiarch
-- folder (/usr/include/<triplet>/curl) that LuaRocks does not search but
-- the compiler does. Pass CURL_INCDIR=... where headers live elsewhere.
external_dependencies = {
   CURL = { library = "curl" },
   URIPARSER = { header = "uriparser/Uri.h", library = "uriparser" },
   -- the shared rate stores: the key's fingerprint (HMAC) and Redis
   CRYPTO = { header = "openssl/hmac.h", library = "crypto" },
   HIREDIS = { header = "hiredis/hiredis.h", library = "hiredis" },
}
build = {
   type = "builtin",
   modules = {
      ["taskip.core"] = {
         sources = {
            "src/ltaskip.c", "src/lresult.c", "src/lintegers.c",
            "src/client.c", "src/secret.c", "src/ratelimit.c",
            "src/retry.c", "src/origin.c", "src/digest.c", "src/buffer.c",
            "src/transport_curl.c", "src/transport_easy.c",
            "src/transport_multi.c",
            "src/fingerprint.c", "src/ratestore_open.c",
            "src/ratestore_file.c", "src/ratestore_redis.c",
            "src/lratestore.c",
         },
         defines = { "_DEFAULT_SOURCE", "_POSIX_C_SOURCE=200809L" },
         libraries = { "curl", "uriparser", "crypto", "hiredis" },
         incdirs = { "$(CURL_INCDIR)", "$(URIPARSER_INCDIR)",
            "$(CRYPTO_INCDIR)", "$(HIREDIS_INCDIR)" },
         libdirs = { "$(CURL_LIBDIR)", "$(URIPARSER_LIBDIR)",
            "$(CRYPTO_LIBDIR)", "$(HIREDIS_LIBDIR)" },
      },
      ["taskip"] = "lua/taskip/init.lua",
      ["taskip.endpoints"] = "lua/taskip/endpoints.lua",
      ["taskip.errors"] = "lua/taskip/errors.lua",
      ["taskip.json"] = "lua/taskip/json.lua",
      ["taskip.ngx"] = "lua/taskip/ngx.lua",
      ["taskip.ngx.http"] = "lua/taskip/ngx/http.lua",
      ["taskip.ngx.wire"] = "lua/taskip/ngx/wire.lua",
      ["taskip.paginate"] = "lua/taskip/paginate.lua",
      ["taskip.query"] = "lua/taskip/query.lua",
      ["taskip.read"] = "lua/taskip/read.lua",
      ["taskip.resources"] = "lua/taskip/resources.lua",
      ["taskip.slicesort"] = "lua/taskip/slicesort.lua",
   },
}
test_dependencies = {
   "busted",
}
test = {
   type = "busted",
}
