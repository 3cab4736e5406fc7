#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser tests (tests/test_browser.py) when it is
# missing. Playwright's own browser download (`playwright install`) is not used: it needs the internet.
# Without root (or without apt-get) it only says so; the browser tests then skip with a clear message.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser.sh: /usr/bin/chromium is missing and this is not root with apt-get;" \
    "the browser tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
