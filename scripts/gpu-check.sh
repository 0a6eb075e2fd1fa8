#!/usr/bin/env bash
# One command for any machine with an NVIDIA GPU: is the GPU used, do its descriptors match the
# CPU's, and how much faster is indexing on it. Prints a table; exit 0 only when every target
# is met (GPU in use, same faces, max |descriptor difference| <= 1e-3, GPU indexing >= 10x the
# CPU's), 1 when a target is missed, 2 when it cannot run.
#
#   bash scripts/gpu-check.sh [--likeness BIN] [--out DIR]
#
# What it runs (all in this one run, on the same machine):
#   1. `likeness doctor`: the runtime, the models, the GPU pack and the GPU it found;
#   2. `likeness faces --embeddings` over the reference pack's photos, on the GPU and with
#      `--cpu` (the CPU runtime a machine without a GPU uses): same faces per photo (count,
#      boxes within 1 px), and the largest descriptor difference;
#   3. `likeness index` of celeba-dev (1,790 photos) into a new library, on the GPU and with
#      `--cpu`: seconds and photos/s (and, when nvidia-smi exists, the GPU's utilisation
#      sampled every 0.5 s while the GPU run indexes).
#
# Offline machines (no network at all): copy, beside each other,
#   - this checkout with target/release/likeness built (or pass --likeness /usr/bin/likeness
#     from the installed package): 94 MB;
#   - models/data (the models, 65 MB) and models/runtime (the CPU runtime, 34 MB) from a
#     checkout that ran scripts/setup.sh, or the package's /usr/lib/likeness;
#   - models/runtime/gpu/cuda13-linux-x86_64 (the GPU pack, 2.47 GB) from
#     `scripts/fetch-models.sh --gpu`, or ~/.local/share/likeness/gpu/ after
#     `likeness gpu install` (or set LIKENESS_GPU_PACK to wherever it is);
#   - the shared data: reference/ (33 MB) and data/celeba-dev (85 MB) at ../shared, or set
#     LIKENESS_SHARED / LIKENESS_DATA.
# Nothing is downloaded or built when those are there. Needs python3 for the comparison.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bin=""
out="$root/target/gpu-check"
while [ $# -gt 0 ]; do
  case "$1" in
    --likeness) bin="${2:?--likeness needs a path}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
started=$(date +%s)
shared="${LIKENESS_SHARED:-$root/../shared}"
reference="$shared/reference/images"
celeba="${LIKENESS_DATA:-$shared/data}/celeba-dev/images"
for d in "$reference" "$celeba"; do
  [ -d "$d" ] || { echo "gpu-check: $d not found (set LIKENESS_SHARED or LIKENESS_DATA)" >&2; exit 2; }
done
if [ -z "$bin" ]; then
  bin="$root/target/release/likeness"
  if [ ! -x "$bin" ]; then
    echo "gpu-check: building the release CLI (cargo build --release -p likeness-cli --locked)"
    cargo build --release -p likeness-cli --locked
  fi
fi
[ -x "$bin" ] || { echo "gpu-check: $bin is not an executable" >&2; exit 2; }
command -v python3 >/dev/null || { echo "gpu-check: python3 is needed" >&2; exit 2; }
rm -rf "$out"; mkdir -p "$out"
export ORT_DISABLE_TELEMETRY=1

echo "== 1. likeness doctor"
"$bin" doctor | tee "$out/doctor.txt" || true
"$bin" doctor --json > "$out/doctor.json" || true
gpu_provider=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("activeProvider") or "none")' "$out/doctor.json")
gpu_reason=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print((d.get("gpu") or {}).get("cpuReason") or "")' "$out/doctor.json")
gpu_device=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print((d.get("gpu") or {}).get("device") or "")' "$out/doctor.json")

echo "== 2. descriptors on the reference photos: GPU run, then CPU run"
t0=$(date +%s.%N)
"$bin" faces --embeddings --jsonl "$reference" > "$out/faces-gpu.jsonl" 2> "$out/faces-gpu.err"
t1=$(date +%s.%N)
"$bin" --cpu faces --embeddings --jsonl "$reference" > "$out/faces-cpu.jsonl" 2> "$out/faces-cpu.err"
t2=$(date +%s.%N)
tail -1 "$out/faces-gpu.err"; tail -1 "$out/faces-cpu.err"

echo "== 3. indexing celeba-dev into a new library: GPU run, then CPU run"
index_run() { # name, extra args...
  local name="$1"; shift
  local lib="$out/library-$name"
  mkdir -p "$lib"
  "$bin" --catalog "$lib/catalog.sqlite" "$@" library add "$celeba" > /dev/null
  "$bin" --catalog "$lib/catalog.sqlite" "$@" index --json > "$out/index-$name.json" 2> "$out/index-$name.err"
  grep -m1 "^running on" "$out/index-$name.err" || true
}
smi_pid=""
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 > "$out/gpu-util.csv" 2>/dev/null &
  smi_pid=$!
fi
index_run gpu
[ -n "$smi_pid" ] && kill "$smi_pid" 2>/dev/null || true
index_run cpu --cpu

python3 - "$out" "$gpu_provider" "$gpu_device" "$gpu_reason" "$t0" "$t1" "$t2" "$started" <<'EOF'
import json, os, sys, time
out, provider, device, reason, t0, t1, t2, started = sys.argv[1:9]
def load(name):
    return {d["path"]: d for d in map(json.loads, open(os.path.join(out, name)))}
gpu, cpu = load("faces-gpu.jsonl"), load("faces-cpu.jsonl")
photos = sorted(set(gpu) | set(cpu))
mismatch, worst, faces = [], 0.0, 0
for p in photos:
    g, c = gpu.get(p, {}).get("faces", []), cpu.get(p, {}).get("faces", [])
    if len(g) != len(c):
        mismatch.append(f"{os.path.basename(p)}: {len(g)} vs {len(c)} faces"); continue
    for a, b in zip(g, c):
        ba, bb = a["box"], b["box"]
        box = max(abs(ba[k] - bb[k]) for k in ("x1", "y1", "x2", "y2")) if isinstance(ba, dict) else max(abs(x - y) for x, y in zip(ba, bb))
        if box > 1.0:
            mismatch.append(f"{os.path.basename(p)}: box differs by {box:.2f} px")
        ea, eb = a.get("embedding") or [], b.get("embedding") or []
        if len(ea) != len(eb) or not ea:
            mismatch.append(f"{os.path.basename(p)}: no descriptor"); continue
        worst = max(worst, max(abs(x - y) for x, y in zip(ea, eb)))
        faces += 1
ig = json.load(open(os.path.join(out, "index-gpu.json")))
ic = json.load(open(os.path.join(out, "index-cpu.json")))
rate = lambda d: d["photos"] / d["seconds"] if d["seconds"] else 0.0
speedup = rate(ig) / rate(ic) if rate(ic) else 0.0
util = ""
path = os.path.join(out, "gpu-util.csv")
if os.path.exists(path):
    vals = [int(l.split(",")[0]) for l in open(path) if l.strip() and l.split(",")[0].strip().isdigit()]
    if vals:
        util = f"mean {sum(vals)/len(vals):.0f} %, max {max(vals)} % ({len(vals)} samples)"
on_gpu = "GPU" in provider and not reason
rows = [
    ("execution provider (doctor)", provider + (f" — {device}" if device else ""), "a GPU provider", on_gpu),
    ("reference photos with the same faces", f"{len(photos) - len({m.split(':')[0] for m in mismatch})}/{len(photos)} ({faces} faces compared)", "all", not mismatch),
    ("max |GPU − CPU descriptor|", f"{worst:.2e}", "<= 1e-3", faces > 0 and worst <= 1e-3),
    ("reference faces, seconds GPU / CPU", f"{float(t1)-float(t0):.1f} / {float(t2)-float(t1):.1f}", "", True),
    ("celeba-dev index GPU", f"{ig['photos']} photos, {ig['faces']} faces, {ig['errors']} errors, {ig['seconds']:.1f} s, {rate(ig):.1f} photos/s on {ig['provider']}", "", ig["errors"] == 0),
    ("celeba-dev index CPU", f"{ic['photos']} photos, {ic['faces']} faces, {ic['errors']} errors, {ic['seconds']:.1f} s, {rate(ic):.1f} photos/s on {ic['provider']}", "", ic["errors"] == 0),
    ("indexing speed-up GPU / CPU", f"{speedup:.1f}x", ">= 10x", on_gpu and speedup >= 10),
]
if util:
    rows.append(("GPU utilisation while indexing (nvidia-smi)", util, "", True))
print()
print("| check | measured | target | met |")
print("|---|---|---|---|")
for name, value, target, ok in rows:
    print(f"| {name} | {value} | {target} | {'yes' if ok else 'NO'} |")
if not on_gpu:
    print(f"\nThe GPU was not used: {reason or 'no GPU provider'}. The 'GPU' runs above ran on the CPU.")
for m in mismatch[:10]:
    print("mismatch:", m)
print(f"\ngpu-check: {time.time() - float(started):.0f} s in all; outputs in {out}")
sys.exit(0 if all(r[3] for r in rows) else 1)
EOF
