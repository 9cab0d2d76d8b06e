#!/bin/sh
# Installs the Debian packages taskip needs to build, test and demo, or
# the packages named as arguments (scripts/bench-deps.sh uses that).
# As root it runs apt-get itself; otherwise it prints the exact command.
# Lua 5.3, 5.1 and LuaJIT are for the module's specs on each; luajit2,
# not luajit, which would remove nginx's lua module (make bench).
# g++ builds the C++ embedding example, zip the .src.rock (make rock),
# lua-ldoc the reference (make doc); man-db and groff show the man pages.
set -eu

PACKAGES="gcc make pkg-config lua5.4 liblua5.4-dev libcurl4-openssl-dev \
lua-cjson lua-cjson-dev lua-busted lua-check luarocks libmicrohttpd-dev libgnutls28-dev \
liburiparser-dev libhiredis-dev redis-server \
openssl curl ca-certificates time clang libclang-rt-14-dev valgrind \
lua5.3 liblua5.3-dev lua5.1 liblua5.1-0-dev luajit2 libluajit2-5.1-dev \
g++ zip lua-ldoc man-db groff-base"
[ $# -gt 0 ] && PACKAGES="$*"
# nginx with its lua module and resty.core (on luajit2): the OpenResty specs
[ $# -gt 0 ] || PACKAGES="$PACKAGES nginx-light libnginx-mod-http-lua lua-resty-core"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
      grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "taskip needs these Debian packages:$missing" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
