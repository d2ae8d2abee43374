#!/usr/bin/env bash
# Runs vigil on a sample video: ../shared/data/video/vtest.avi where it exists, otherwise a
# clip of moving shapes that vigil generates. Starts a private PostgreSQL and Redis unless
# DATABASE_URL and REDIS_URL are set, stops them at the end, and prints what was stored.
# Extra arguments go to `vigil run` (e.g. drop --exit-when-done by setting VIGIL_FOREVER=1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build
video=../shared/data/video/vtest.avi
if [ ! -f "$video" ]; then
  video=.build/sample-shapes.avi
  [ -f "$video" ] || .build/debug/vigil sample-video "$video"
fi
export VIGIL_SAMPLE_VIDEO="$(cd "$(dirname "$video")" && pwd)/$(basename "$video")"
args=(run)
[ "${VIGIL_FOREVER:-0}" = 1 ] || args+=(--exit-when-done)
scripts/with-services.sh bash -c '
  .build/debug/vigil "$@" || exit $?
  echo "--- events stored in PostgreSQL, by type:"
  psql "$DATABASE_URL" -Atc "SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 1"
  echo "--- first events:"
  psql "$DATABASE_URL" -Atc "SELECT id, camera_id, frame_number, snapshot_path, event_data FROM events ORDER BY id LIMIT 5"
' vigil "${args[@]}" "$@"
