#!/usr/bin/env bash
# Every benchmark, on a release build, against a private PostgreSQL + Redis (fsync on).
# Usage: scripts/bench.sh [VIDEO]   (default ../shared/data/video/vtest.avi, else a generated clip)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build -c release
video=${1:-../shared/data/video/vtest.avi}
if [ ! -f "$video" ]; then video=.build/sample-shapes.avi; .build/release/vigil sample-video "$video" >/dev/null; fi
scripts/with-services.sh bash -c '
  set -e
  vigil=.build/release/vigil
  # Latency first, on a quiet server: after the throughput runs, checkpoints and autovacuum of
  # 300,000 new rows add tens of milliseconds to commits for a while.
  echo "# latency at 100/s";      $vigil bench router --events 1000 --rate 100 | tail -1
  echo "# latency at 1,000/s";    $vigil bench router --events 10000 --rate 1000 | tail -1
  echo "# throughput (3 runs)";    for i in 1 2 3; do $vigil bench router --events 100000 | tail -1; done
  echo "# REST API over 1,000,000 events"; $vigil bench api --events 1000000 --requests 2000 2>/dev/null
  echo "# Redis client library vs redis-benchmark (same -c/-P/-d)"; $vigil bench redis | tail -2
'
echo "# webhook delivery to a local endpoint (3 runs)"
for i in 1 2 3; do .build/release/vigil bench webhook --events 20000 | tail -1; done
echo "# motion on $video"
.build/release/vigil bench motion --video "$video"
echo "# tracking on $video: foreground on every frame; hog behind motion, four cameras at detect_fps 5"
.build/release/vigil bench tracking --video "$video" --backend foreground
.build/release/vigil bench tracking --video "$video" --backend hog --motion --detect-fps 5 --cameras 4
