#!/usr/bin/env bash
# Debian's Chromium for the console's browser test (Playwright drives it; it never downloads a browser).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: already installed"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
