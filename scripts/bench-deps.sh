#!/bin/sh
# Installs the Debian packages `make bench` (and `make bench-smoke`, run
# by `make test`) needs beyond scripts/deps.sh's: the server, the tools
# compared with, and hyperfine. As root it runs apt-get itself;
# otherwise it prints the exact command.
exec sh "$(dirname "$0")/deps.sh" nginx-light python3-requests lua-sec \
  lua-socket hyperfine openssl curl
