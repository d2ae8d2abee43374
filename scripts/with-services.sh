#!/usr/bin/env bash
# Runs a command with PostgreSQL and Redis: the ones in DATABASE_URL/REDIS_URL when both are set,
# otherwise private ones started here (scripts/services.sh) and always stopped afterwards.
# Exports DATABASE_URL, REDIS_URL and VIGIL_SERVICES_DIR to the command; keeps its exit code.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then exec "$@"; fi
dir=$(mktemp -d /tmp/vigil-services.XXXXXX)
cleanup() { "$here/services.sh" stop "$dir" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$here/services.sh" start "$dir" >/dev/null
set -a; . "$dir/env"; set +a
export VIGIL_SERVICES_DIR=$dir
status=0
"$@" || status=$?
exit $status
