#!/usr/bin/env bash
# The main job: set everything up, build the likeness CLI, and index a folder of photos end to
# end into a library (catalog + thumbnails): scan, decode, detect, align, embed, store.
# Default folder: the face_recognition test photos fetched by set-up. The library lives in
# target/run-library/ (pass LIKENESS_CATALOG=... to use another catalog).
#   scripts/run.sh [FOLDER...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cargo build --release -p likeness-cli
bin="$root/target/release/likeness"
"$bin" doctor
if [ $# -eq 0 ]; then set -- "$root/models/data/test_photos"; fi
export LIKENESS_CATALOG="${LIKENESS_CATALOG:-$root/target/run-library/catalog.sqlite}"
"$bin" library add "$@"
"$bin" index
"$bin" status --errors
echo "run: library at $LIKENESS_CATALOG"
"$bin" compare "$root/models/data/test_photos/obama.jpg" "$root/models/data/test_photos/obama2.jpg"
"$bin" compare "$root/models/data/test_photos/obama.jpg" "$root/models/data/test_photos/biden.jpg"
