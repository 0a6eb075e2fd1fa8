#!/usr/bin/env bash
# Builds the Likeness Debian package from a fresh checkout, with the Tauri bundler:
#   target/package/likeness_<version>_amd64.deb   (install: sudo apt install ./likeness_*.deb)
# It holds the desktop app (/usr/bin/likeness-desktop, with its menu entry and icons), the
# `likeness` CLI (/usr/bin/likeness), the ONNX Runtime library and the face models
# (/usr/lib/likeness/, found relative to the programs, so an extracted package works anywhere).
# Binaries are built in the `dist` profile (release, no debug info, symbols stripped). The
# package's dependencies are read from the binaries by dpkg-shlibdeps, not written by hand.
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
bin="$root/target/dist"
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

# 2. The bundler's configuration for this build, merged over src-tauri/tauri.conf.json: the
#    CLI, the runtime and the models as extra files.
LIKENESS_BIN="$bin" LIKENESS_ORT="$ort_lib" LIKENESS_MODELS="$models_dir" \
LIKENESS_RUNTIME="$runtime_dir" LIKENESS_MODEL_FILES="${model_files[*]}" \
python3 - > "$out/tauri.package.json" <<'PY'
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
print(json.dumps({
    "bundle": {
        "linux": {
            "deb": {"files": files, "section": "graphics", "priority": "optional"},
            # Fedora names, written by hand (the .rpm is built, never installed by our tests).
            "rpm": {"files": files, "depends": ["webkit2gtk4.1", "gtk3", "libheif"]},
        },
    }
}, indent=2))
PY

# 3. The binaries, in the dist profile, and the bundle: the CLI first, then `tauri build` (it
#    builds the frontend, ui/dist, embeds it into the desktop app, and packs the files above).
cargo build --locked --profile dist -p likeness-cli
bundles="deb"
if [ "$rpm" = 1 ]; then bundles="deb,rpm"; fi
npx tauri build --ci --bundles "$bundles" --config "$out/tauri.package.json" -- --locked --profile dist
built="$(ls "$bin"/bundle/deb/*.deb)"
echo "package: built and bundled at $(( $(date +%s) - start )) s"

# 4. Dependencies: every library the binaries and the runtime link, with the lowest versions
#    their symbols need — dpkg-shlibdeps (dpkg-dev, part of build-essential), as Debian's own
#    packages do. They replace the bundler's list (WebKitGTK and GTK, unversioned).
shl="$out/shlibdeps"
mkdir -p "$shl/debian"
printf 'Source: likeness\n\nPackage: likeness\nArchitecture: amd64\n' > "$shl/debian/control"
deps="$(cd "$shl" && dpkg-shlibdeps -O -e"$bin/likeness-desktop" -e"$bin/likeness" -e"$ort_lib" 2>/dev/null \
  | sed -n 's/^shlibs:Depends=//p')"
rm -rf "$shl"
[ -n "$deps" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
echo "package: depends on $deps"

# 5. The final .deb: the bundler's, with those dependencies, recompressed with xz (dpkg's own
#    default; the bundler writes gzip): 13 % smaller (63.0 → 55.0 MB), under the 60 MB target.
version="$(dpkg-deb -f "$built" Version)"
deb="$out/likeness_${version}_amd64.deb"
tree="$out/tree"
rm -rf "$tree"
dpkg-deb -R "$built" "$tree"
sed -i "s/^Depends: .*/Depends: $deps/" "$tree/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz -b "$tree" "$deb" >/dev/null
rm -rf "$tree"
if [ "$rpm" = 1 ]; then cp "$bin"/bundle/rpm/*.rpm "$out/"; fi
installed_kb="$(dpkg-deb -f "$deb" Installed-Size)"
echo "package: $deb"
echo "package: .deb $(( $(stat -c %s "$deb") / 1000000 )) MB ($(stat -c %s "$deb") bytes; the bundler's gzip one: $(stat -c %s "$built")), installed $(( installed_kb / 1024 )) MiB (${installed_kb} KiB)"
echo "package: done in $(( $(date +%s) - start )) s"
