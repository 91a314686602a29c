#!/usr/bin/env bash
# Debian packages the video tests need: ffmpeg serves a live camera stream over HTTP on loopback
# (tests/server/video/test_live_camera.py). Idempotent; run as root (CI) or with sudo.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1; then
  echo "ffmpeg present: $(ffmpeg -hide_banner -version | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends ffmpeg
ffmpeg -hide_banner -version | head -1
