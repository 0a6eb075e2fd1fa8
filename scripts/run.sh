#!/usr/bin/env bash
# The main job: set everything up, build the likeness CLI, and find, align and embed the faces
# of every photo in a folder (default: the face_recognition test photos fetched by set-up).
#   scripts/run.sh [FOLDER_OR_PHOTO...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cargo build --release -p likeness-cli
bin="$root/target/release/likeness"
"$bin" doctor
if [ $# -eq 0 ]; then set -- "$root/models/data/test_photos"; fi
out="$root/target/faces.json"
"$bin" faces --embeddings "$@" > "$out" || status=$?
echo "run: faces written to $out"
"$bin" compare "$root/models/data/test_photos/obama.jpg" "$root/models/data/test_photos/obama2.jpg"
"$bin" compare "$root/models/data/test_photos/obama.jpg" "$root/models/data/test_photos/biden.jpg"
exit "${status:-0}"
