#!/usr/bin/env bash
# Renders icon.svg into the PNG sizes tauri.conf.json lists (RGBA, as Tauri requires).
# Needs rsvg-convert (Debian: librsvg2-bin). Run from anywhere; writes next to this script.
set -euo pipefail
cd "$(dirname "$0")"
rsvg-convert -w 32 -h 32 icon.svg -o 32x32.png
rsvg-convert -w 128 -h 128 icon.svg -o 128x128.png
rsvg-convert -w 256 -h 256 icon.svg -o 128x128@2x.png
rsvg-convert -w 512 -h 512 icon.svg -o icon.png
