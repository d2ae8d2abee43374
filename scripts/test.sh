#!/usr/bin/env bash
# Runs every test, as a fresh Debian machine would: installs what is missing, builds vigil and
# its plugins, starts a private PostgreSQL and Redis (unless DATABASE_URL and REDIS_URL are
# set), runs the whole suite against them, and stops them. Arguments go to `swift test`
# (e.g. --filter RouterTests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Test tooling from PyPI: redis-py (the seed's consumer) and schemathesis (the API against its OpenAPI).
python3 -c 'import redis' 2>/dev/null || pip install -q 'redis>=5' 2>&1 | grep -v 'as the .root. user' || true
command -v schemathesis >/dev/null || pip install -q 'schemathesis>=4,<5' 2>&1 | grep -v 'as the .root. user' || true
# onnx: the tracking tests generate small YOLO-layout models with it.
python3 -c 'import onnx' 2>/dev/null || pip install -q 'onnx>=1.14' 2>&1 | grep -v 'as the .root. user' || true
export VIGIL_REQUIRE_SCHEMATHESIS=1 VIGIL_REQUIRE_ONNX=1
swift build
log=$(mktemp /tmp/vigil-test-log.XXXXXX)
status=0
scripts/with-services.sh swift test --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -cE "^Test Case '.*' passed" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed" "$log" || true)
# A test process that dies (crash, signal) must fail the run even if swift test exits 0.
if ! grep -qE "^Test Suite '(All tests|Selected tests)' passed" "$log"; then
  echo "test.sh: the XCTest run did not finish with its suite passed" >&2
  [ "$status" -ne 0 ] || status=1
  [ "$failed" -gt 0 ] || failed=1  # the test that was running when the process died
fi
rm -f "$log"
echo "$passed passed, $failed failed"
exit "$status"
