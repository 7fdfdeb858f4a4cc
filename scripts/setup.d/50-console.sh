# Headless Chromium for the web console's browser test (api/console_browser_test.go)
# and scripts/screenshots.sh. Installed from Debian only when missing; sourced by setup.sh.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing chromium (Debian) for the console's browser test"
    if ! { apt-get install -y chromium >&2 || { apt-get update >&2 && apt-get install -y chromium >&2; }; }; then
      log "chromium: apt-get install failed; the console's browser test will skip"
    fi
  else
    log "chromium: not installed and cannot apt-get here (need root on Debian); the console's browser test will skip"
  fi
fi
