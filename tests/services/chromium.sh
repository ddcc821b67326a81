# Debian chromium for the browser tests (Playwright drives it through executable_path; no browser download).
start_chromium() {
  if ! dpkg -s chromium >/dev/null 2>&1; then
    log "installing Debian chromium (about 15 s)"
    if ! apt-cache show chromium >/dev/null 2>&1; then apt-get -o DPkg::Lock::Timeout=600 update -qq; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends chromium >/dev/null
  fi
  set_service_var CHROMIUM_PATH "$(command -v chromium)"
}

stop_chromium() {
  :  # chromium runs only inside each test (Playwright launches and closes it)
}
