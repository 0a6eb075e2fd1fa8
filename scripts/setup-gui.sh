#!/usr/bin/env bash
# Installs what building, running and GUI-testing the Tauri desktop shell needs on Debian 12:
#   - the WebKitGTK 4.1 / GTK 3 development packages that `tauri` links against,
#   - Xvfb, a screenshot tool (ImageMagick `import`) and fonts, to run the window headless,
#   - WebKitWebDriver (Debian `webkit2gtk-driver`) and `tauri-driver` (crates.io), to drive the
#     window over WebDriver,
#   - the root npm packages (`npm ci`): Vite, TypeScript, @tauri-apps/api and @tauri-apps/cli.
# Idempotent: packages already present are skipped, and tauri-driver is installed only once.
#
# Running the app as root under Xvfb (as CI does) needs no extra variables with Debian 12's
# WebKitGTK 2.50: wry does not turn on WebKit's bubblewrap sandbox, so only DISPLAY is required:
#   Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &
#   DISPLAY=:99 target/debug/likeness-desktop
# WebDriver: `DISPLAY=:99 tauri-driver` (port 4444; it starts /usr/bin/WebKitWebDriver on 4445),
# then a session with capabilities {"tauri:options": {"application": "<path to binary>"}}.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

apt_packages=(
  # build
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev
  # run headless + look at it
  xvfb xauth imagemagick x11-utils xdotool
  fonts-dejavu-core fonts-noto-core
  # WebDriver
  webkit2gtk-driver
)
missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-gui: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup-gui: apt packages already installed"
fi

# tauri-driver: the WebDriver proxy for Tauri apps (stays on the 2.x line, like tauri itself).
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup-gui: cargo install tauri-driver"
  cargo install --locked --version '^2' tauri-driver
else
  echo "setup-gui: tauri-driver already installed"
fi

# Frontend and Tauri CLI from the lock file.
cd "$root"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

# WebKitWebDriver has no --version flag (it prints its usage and exits 1): ask dpkg.
echo "setup-gui: WebKitWebDriver $(command -v WebKitWebDriver) from webkit2gtk-driver $(dpkg-query -W -f='${Version}' webkit2gtk-driver)"
echo "setup-gui: tauri-driver $(cargo install --list | sed -n 's/^tauri-driver v\([^:]*\):/\1/p')"
