#!/usr/bin/env bash
# Builds the Likeness Debian package from a fresh checkout, with the Tauri bundler:
#   target/package/likeness_<version>_amd64.deb  (install: sudo apt install ./likeness_*.deb)
# It holds the desktop app (/usr/bin/likeness-desktop, with its menu entry and icons), the
# `likeness` CLI (/usr/bin/likeness), the ONNX Runtime library and the face models
# (/usr/lib/likeness/, found relative to the programs, so an extracted package works anywhere).
# Binaries are built in the `dist` profile (release, no debug info, symbols stripped). The
# package's dependencies are read from the binaries (their NEEDED libraries, mapped to Debian
# packages with dpkg -S), not written by hand.
#
#   bash scripts/package.sh              set up (scripts/setup.sh), build, package
#   bash scripts/package.sh --no-setup   skip the set-up (scripts/test.sh has just run it)
#   bash scripts/package.sh --rpm        also build an .rpm (Fedora names for the dependencies;
#                                        built, never installed on Fedora by our tests)
#
# Nothing is downloaded here beyond what set-up fetches (apt, npm, PyPI); the runtime and the
# models are checked against models/*.toml before they go in.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

setup=1
rpm=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-setup) setup=0; shift ;;
    --rpm) rpm=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "package: unknown argument $1" >&2; exit 2 ;;
  esac
done

start=$(date +%s)
if [ "$setup" = 1 ]; then
  bash scripts/setup.sh
fi
out="$root/target/package"
rm -rf "$out"
mkdir -p "$out"

# 1. The runtime and the models, checked against the manifests compiled into the binaries.
models_dir="$root/models/data"
runtime_dir="$root/models/runtime"
ort_lib="$(readlink -f "$runtime_dir/libonnxruntime.so")"
[ -f "$ort_lib" ] || { echo "package: $runtime_dir/libonnxruntime.so missing (run scripts/setup.sh)" >&2; exit 1; }
model_files=()
for manifest in models/*.toml; do
  file="$(sed -n 's/^file *= *"\(.*\)"/\1/p' "$manifest")"
  want="$(sed -n 's/^sha256 *= *"\(.*\)"/\1/p' "$manifest")"
  [ -n "$file" ] && [ -n "$want" ] || { echo "package: $manifest has no file/sha256" >&2; exit 1; }
  have="$(sha256sum "$models_dir/$file" 2>/dev/null | cut -d' ' -f1 || true)"
  if [ "$have" != "$want" ]; then
    echo "package: $models_dir/$file does not match $manifest (run scripts/setup.sh)" >&2
    exit 1
  fi
  model_files+=("$file")
done
echo "package: runtime $(basename "$ort_lib") and ${#model_files[@]} models checked"

# 2. The binaries, in the dist profile: the CLI, then the desktop app through the Tauri CLI (it
#    builds the frontend, ui/dist, and embeds it). Both share every dependency build.
cargo build --locked --profile dist -p likeness-cli
npx tauri build --ci --no-bundle -- --locked --profile dist
bin="$root/target/dist"
echo "package: binaries built at $(( $(date +%s) - start )) s"

# 3. Dependencies: every library the binaries and the runtime load, by Debian package. The
#    runtime's own files are in the package; glibc's loader and libc come with every system.
deps="$(
  for elf in "$bin/likeness-desktop" "$bin/likeness" "$ort_lib"; do
    objdump -p "$elf" | awk '/NEEDED/ {print $2}'
  done | sort -u | while read -r lib; do
    case "$lib" in libonnxruntime*) continue ;; esac
    path="$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')"
    [ -n "$path" ] || { echo "package: no $lib on this system" >&2; exit 1; }
    pkg="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)"
    pkg="${pkg%%:*}"
    [ -n "$pkg" ] || { echo "package: which package has $path?" >&2; exit 1; }
    echo "$pkg"
  done | sort -u
)"
echo "package: depends on $(echo "$deps" | tr '\n' ' ')"

# 4. The bundler's configuration for this build, merged over src-tauri/tauri.conf.json.
LIKENESS_DEPS="$deps" LIKENESS_BIN="$bin" LIKENESS_ORT="$ort_lib" LIKENESS_MODELS="$models_dir" \
LIKENESS_RUNTIME="$runtime_dir" LIKENESS_MODEL_FILES="${model_files[*]}" \
python3 - > "$out/tauri.package.json" <<'EOF'
import json, os
lib = "/usr/lib/likeness"
files = {
    "/usr/bin/likeness": os.path.join(os.environ["LIKENESS_BIN"], "likeness"),
    f"{lib}/libonnxruntime.so": os.environ["LIKENESS_ORT"],
    f"{lib}/libonnxruntime_providers_shared.so":
        os.path.join(os.environ["LIKENESS_RUNTIME"], "libonnxruntime_providers_shared.so"),
}
for f in os.environ["LIKENESS_MODEL_FILES"].split():
    files[f"{lib}/models/{f}"] = os.path.join(os.environ["LIKENESS_MODELS"], f)
deps = [d for d in os.environ["LIKENESS_DEPS"].split() if d]
# The bundler adds the WebKitGTK and GTK packages itself; libc6 is on every system.
deps = [d for d in deps if d not in ("libc6", "libwebkit2gtk-4.1-0", "libgtk-3-0")]
rpm_deps = ["webkit2gtk4.1", "gtk3", "libheif"]
print(json.dumps({
    "bundle": {
        "targets": ["deb"],
        "linux": {
            "deb": {"files": files, "depends": deps, "section": "graphics", "priority": "optional"},
            "rpm": {"files": files, "depends": rpm_deps},
        },
    }
}, indent=2))
EOF

# 5. The package. `tauri build` finds the binaries already built (cargo has nothing to do).
bundles="deb"
[ "$rpm" = 1 ] && bundles="deb,rpm"
npx tauri build --ci --bundles "$bundles" --config "$out/tauri.package.json" -- --locked --profile dist
built="$(ls "$bin"/bundle/deb/*.deb)"
version="$(dpkg-deb -f "$built" Version)"
deb="$out/likeness_${version}_amd64.deb"
# The bundler writes gzip; the same package recompressed with xz (dpkg's own default) is
# 13 % smaller (63.1 → 55.1 MB), which keeps it under the 60 MB target. Contents unchanged.
rm -rf "$out/tree"
dpkg-deb -R "$built" "$out/tree"
dpkg-deb --root-owner-group -Zxz -b "$out/tree" "$deb" >/dev/null
rm -rf "$out/tree"
if [ "$rpm" = 1 ]; then cp "$bin"/bundle/rpm/*.rpm "$out/"; fi
installed_kb="$(dpkg-deb -f "$deb" Installed-Size)"
echo "package: $deb"
echo "package: .deb $(( $(stat -c %s "$deb") / 1000000 )) MB ($(stat -c %s "$deb") bytes; the bundler's gzip one: $(stat -c %s "$built")), installed $(( installed_kb / 1024 )) MiB (${installed_kb} KiB)"
echo "package: done in $(( $(date +%s) - start )) s"
