#!/usr/bin/env bash
# Installs the Debian packages vigil needs, only those missing (apt-get update first, once).
# Arguments override the list.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(libhiredis-dev libpq-dev libssl-dev postgresql redis-server libopencv-dev opencv-data
  libcurl4-openssl-dev libtesseract-dev tesseract-ocr-eng)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
# The live page's browser test (Tests/Browser): Debian's Chromium, its driver, and Selenium and
# redis-py for Debian's own python3 (/usr/bin/python3). Without recommends: no desktop pulled in.
browser=()
if [ $# -eq 0 ]; then
  for p in chromium chromium-driver python3-selenium python3-redis; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || browser+=("$p")
  done
fi
[ ${#missing[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]} ${browser[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
[ ${#missing[@]} -eq 0 ] || apt-get install -y -qq "${missing[@]}" >/dev/null
[ ${#browser[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null
