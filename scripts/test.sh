#!/usr/bin/env bash
# Runs every test, as a fresh Debian machine would: installs what is missing, builds vigil and
# its plugins, starts a private PostgreSQL and Redis (unless DATABASE_URL and REDIS_URL are
# set), runs the whole suite against them, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
python3 -c 'import redis' 2>/dev/null || pip install -q 'redis>=5' 2>&1 | grep -v 'as the .root. user' || true
swift build
scripts/with-services.sh swift test "$@"
