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
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
