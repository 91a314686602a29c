#!/usr/bin/env bash
# Debian packages the video tests need: ffmpeg serves a live camera stream over HTTP on loopback
# (tests/server/video/test_live_camera.py); GStreamer's RTSP server (with python3-gi, run by the system
# python3) serves a camera over RTSP, H.264 over RTP (scripts/rtsp_camera.py, tests/server/video/test_rtsp_camera.py).
# Idempotent; run as root (CI) or with sudo.
set -euo pipefail
PACKAGES=(ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
          gstreamer1.0-plugins-bad)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "video packages present: $(ffmpeg -hide_banner -version | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
ffmpeg -hide_banner -version | head -1
/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer; print('GStreamer RTSP server present')"
