#!/bin/sh
# Installs the Debian packages `make bench` (and `make bench-smoke`, run
# by `make test`) needs beyond scripts/deps.sh's: the server, the tools
# compared with, and hyperfine. As root it runs apt-get itself;
# otherwise it prints the exact command.
set -eu

PACKAGES="nginx-light python3-requests lua-sec lua-socket hyperfine openssl \
curl"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
      grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "make bench needs these Debian packages:$missing" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
