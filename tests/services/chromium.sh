# Debian chromium for the browser tests (Playwright drives it through executable_path; no browser download).
start_chromium() {
  apt_install chromium
  set_service_var CHROMIUM_PATH "$(command -v chromium)"
}

stop_chromium() {
  :  # chromium runs only inside each test (Playwright launches and closes it)
}
