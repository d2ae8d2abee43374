#!/usr/bin/env bash
# Runs every test, as a fresh Debian machine would: installs what is missing, builds vigil and
# its plugins, starts a private PostgreSQL and Redis (unless DATABASE_URL and REDIS_URL are
# set), runs the whole suite against them, and stops them. Arguments go to `swift test`
# (e.g. --filter RouterTests). The last line is `N passed, M failed, K skipped`. With CI=true a
# skipped test fails the run (in CI every test must run: ../shared/data and schemathesis present).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Test tooling from PyPI: redis-py (the seed's consumer) and schemathesis (the API against its OpenAPI).
python3 -c 'import redis' 2>/dev/null || pip install -q 'redis>=5' 2>&1 | grep -v 'as the .root. user' || true
command -v schemathesis >/dev/null || pip install -q 'schemathesis>=4,<5' 2>&1 | grep -v 'as the .root. user' || true
# onnx: the tracking tests generate small YOLO-layout models with it.
python3 -c 'import onnx' 2>/dev/null || pip install -q 'onnx>=1.14' 2>&1 | grep -v 'as the .root. user' || true
export VIGIL_REQUIRE_SCHEMATHESIS=1 VIGIL_REQUIRE_ONNX=1
export VIGIL_REQUIRE_BROWSER=1  # the live page's browser test (Tests/Browser) must run, never skip
swift build
log=$(mktemp /tmp/vigil-test-log.XXXXXX)
status=0
scripts/with-services.sh swift test --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -cE "^Test Case '.*' passed" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed" "$log" || true)
skipped=$(grep -cE "^Test Case '.*' skipped" "$log" || true)
# A test process that dies (crash, signal) must fail the run even if swift test exits 0.
if ! grep -qE "^Test Suite '(All tests|Selected tests)' passed" "$log"; then
  echo "test.sh: the XCTest run did not finish with its suite passed" >&2
  [ "$status" -ne 0 ] || status=1
  [ "$failed" -gt 0 ] || failed=1  # the test that was running when the process died
fi
if [ "${CI:-}" = "true" ]; then
  if [ ! -d ../shared/data ]; then
    echo "test.sh: CI: ../shared/data is missing (the video and plate tests need it)" >&2
    status=1
  fi
  if [ "$skipped" -gt 0 ]; then
    echo "test.sh: CI: $skipped tests were skipped; in CI every test must run:" >&2
    grep -E "^Test Case '.*' skipped|[Ss]kipped" "$log" | grep -vE "^Test Suite|^Executed" | sort -u >&2 || true
    status=1
  fi
fi
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
