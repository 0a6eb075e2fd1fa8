#!/usr/bin/env python3
"""Clustering quality of the Python peer (face_recognition + scikit-learn / dlib) on celeba-dev.

Encodings are made the way face_recognition's users make them (as bench/peer_throughput.py does):

    image = face_recognition.load_image_file(path)          # PIL → RGB numpy
    boxes = face_recognition.face_locations(image)          # HOG detector, upsample 1
    codes = face_recognition.face_encodings(image, boxes)   # num_jitters=1, small 5-point model

one photo at a time, in one process, for every file of <data>/identities.csv. Each photo's boxes
and encodings are cached in <cache>/<file stem>.npz and reused on a rerun (delete the folder to
recompute).

Clustering, over ALL faces found (not only each photo's main face):
  * sklearn-dbscan: sklearn.cluster.DBSCAN(eps, min_samples) (Euclidean; min_samples counts the
    point itself, as in sklearn), for every eps of --eps-grid — the recipe of face_recognition's
    users and of the issue's reference numbers;
  * dlib-chinese-whispers: dlib.chinese_whispers_clustering(descriptors, threshold) at
    --cw-threshold (0.5; the dlib example's value). Every face gets a label there; a face alone in
    its cluster is counted as noise (min_samples is printed as 1).

Scoring is the issue's (identical to cluster_quality and /tmp/issue4/metrics.py): items = rows of
identities.csv; an item's face = the largest-area face location of its photo; an item's cluster is
its face's cluster; a noise face or a photo where HOG found no face is its own singleton (misses).
BCubed P/R/F1, pairwise P/R/F1, clusters (real clusters holding at least one item), split
(identities whose items fall in > 1 real cluster), mixed (real clusters whose items are not all one
identity), noise, misses, largest (items in the biggest real cluster).

Prints one JSON object per line on stdout; progress and a summary go to stderr.
Run with the peer venv's python (.cache/peer-venv/bin/python, made by scripts/setup-peer.sh):

    .cache/peer-venv/bin/python bench/peer/cluster_peer.py \
        --data /work/shared/data/celeba-dev --cache target/bench/cluster-peer
"""

import argparse
import collections
import csv
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=UserWarning)  # pkg_resources deprecation notice

import dlib  # noqa: E402
import face_recognition  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import DBSCAN  # noqa: E402


def read_identities(data):
    with open(os.path.join(data, "identities.csv"), newline="") as f:
        return [(row["path"], row["identity"]) for row in csv.DictReader(f)]


def cache_path(cache, rel):
    stem = os.path.splitext(os.path.basename(rel))[0]
    return os.path.join(cache, stem + ".npz")


def encode(data, cache, items):
    """Boxes (top, right, bottom, left) and 128-d encodings per item, from the cache or computed."""
    os.makedirs(cache, exist_ok=True)
    out = []
    computed = 0
    start = time.perf_counter()
    last = start
    for i, (rel, _) in enumerate(items):
        cp = cache_path(cache, rel)
        if os.path.exists(cp):
            with np.load(cp) as z:
                out.append((z["boxes"].reshape(-1, 4), z["encodings"].reshape(-1, 128)))
        else:
            try:
                image = face_recognition.load_image_file(os.path.join(data, rel))
                boxes = face_recognition.face_locations(image)
                codes = face_recognition.face_encodings(image, boxes)
            except Exception as e:  # a bad photo never stops the run; it counts as a miss, uncached
                print(f"\npeer: {rel}: {e}", file=sys.stderr)
                out.append((np.zeros((0, 4), dtype=np.int64), np.zeros((0, 128))))
                continue
            b = np.array(boxes, dtype=np.int64).reshape(-1, 4)
            e = np.array(codes, dtype=np.float64).reshape(-1, 128)
            tmp = cp + ".tmp.npz"
            np.savez(tmp, boxes=b, encodings=e)
            os.replace(tmp, cp)
            out.append((b, e))
            computed += 1
        now = time.perf_counter()
        if now - last >= 2.0 or i + 1 == len(items):
            rate = computed / (now - start) if computed else 0.0
            print(
                f"\rencodings: {i + 1}/{len(items)} photos ({computed} computed, {rate:.2f} photos/s)   ",
                end="",
                file=sys.stderr,
                flush=True,
            )
            last = now
    print(file=sys.stderr)
    return out, computed, time.perf_counter() - start


def score(face_labels, main_face, truth):
    """face_labels: label per face (-1 = noise); main_face: face index per item or None (miss)."""
    keys = []
    for k, f in enumerate(main_face):
        if f is None:
            keys.append(("m", k))
        elif face_labels[f] >= 0:
            keys.append(("c", int(face_labels[f])))
        else:
            keys.append(("n", k))
    clusters = collections.defaultdict(list)
    sizes = collections.Counter(truth)
    for key, t in zip(keys, truth):
        clusters[key].append(t)
    n = len(truth)
    bp = br = 0.0
    tp = pc = 0
    for ts in clusters.values():
        cnt = collections.Counter(ts)
        pc += len(ts) * (len(ts) - 1) // 2
        for t, m in cnt.items():
            bp += m * m / len(ts)
            br += m * m / sizes[t]
            tp += m * (m - 1) // 2
    bp /= n
    br /= n
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    pt = sum(m * (m - 1) // 2 for m in sizes.values())
    pp = tp / pc if pc else 1.0
    pr = tp / pt if pt else 1.0
    pf = 2 * pp * pr / (pp + pr) if pp + pr else 0.0
    real = [ts for key, ts in clusters.items() if key[0] == "c"]
    per_identity = collections.Counter()
    for ts in real:
        for t in set(ts):
            per_identity[t] += 1
    return {
        "bP": round(bp, 4),
        "bR": round(br, 4),
        "bF": round(bf, 4),
        "pP": round(pp, 4),
        "pR": round(pr, 4),
        "pF": round(pf, 4),
        "clusters": len(real),
        "split": sum(1 for v in per_identity.values() if v > 1),
        "mixed": sum(1 for ts in real if len(set(ts)) > 1),
        "noise": sum(1 for key in keys if key[0] == "n"),
        "misses": sum(1 for key in keys if key[0] == "m"),
        "largest": max((len(ts) for ts in real), default=0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="celeba-dev folder (holds identities.csv)")
    parser.add_argument("--cache", required=True, help="folder for the per-photo encoding cache (.npz)")
    parser.add_argument(
        "--eps-grid",
        default="0.35,0.375,0.40,0.425,0.45,0.475,0.50,0.525,0.55,0.575,0.60",
        help="comma-separated DBSCAN eps values",
    )
    parser.add_argument("--min-samples", type=int, default=3, help="DBSCAN min_samples (default 3)")
    parser.add_argument("--cw-threshold", type=float, default=0.5, help="chinese whispers threshold (default 0.5)")
    args = parser.parse_args()

    items = read_identities(args.data)
    truth = [t for _, t in items]
    per_photo, computed, encode_s = encode(args.data, args.cache, items)

    encodings = []
    main_face = []
    for boxes, codes in per_photo:
        if len(codes) == 0:
            main_face.append(None)
            continue
        areas = [(b[2] - b[0]) * (b[1] - b[3]) for b in boxes]
        main_face.append(len(encodings) + int(np.argmax(areas)))  # first of equal areas
        encodings.extend(codes)
    X = np.array(encodings, dtype=np.float64).reshape(-1, 128)
    print(
        f"{len(items)} photos, {X.shape[0]} faces, {sum(f is None for f in main_face)} photos without a face; "
        f"encodings {encode_s:.1f} s ({computed} computed)",
        file=sys.stderr,
    )

    rows = []
    for eps in [float(e) for e in args.eps_grid.split(",") if e.strip()]:
        t = time.perf_counter()
        labels = DBSCAN(eps=eps, min_samples=args.min_samples).fit(X).labels_
        row = {"method": "sklearn-dbscan", "eps": eps, "min_samples": args.min_samples}
        row.update(score(labels, main_face, truth))
        row["cluster_s"] = round(time.perf_counter() - t, 4)
        rows.append(row)
        print(json.dumps(row), flush=True)

    t = time.perf_counter()
    cw = dlib.chinese_whispers_clustering([dlib.vector(list(map(float, x))) for x in X], args.cw_threshold)
    count = collections.Counter(cw)
    labels = [lab if count[lab] > 1 else -1 for lab in cw]
    row = {"method": "dlib-chinese-whispers", "eps": args.cw_threshold, "min_samples": 1}
    row.update(score(labels, main_face, truth))
    row["cluster_s"] = round(time.perf_counter() - t, 4)
    rows.append(row)
    print(json.dumps(row), flush=True)

    best = max((r for r in rows if r["method"] == "sklearn-dbscan"), key=lambda r: r["bF"], default=None)
    print("\npeer clustering on celeba-dev (face_recognition HOG encodings):", file=sys.stderr)
    print(
        f"{'method':<22} {'eps':>6} {'min':>3} {'bP':>6} {'bR':>6} {'bF':>6} {'pF':>6} "
        f"{'clust':>5} {'split':>5} {'mixed':>5} {'noise':>5} {'miss':>4}",
        file=sys.stderr,
    )
    for r in ([best] if best else []) + [rows[-1]]:
        print(
            f"{r['method']:<22} {r['eps']:>6.3f} {r['min_samples']:>3} {r['bP']:>6.3f} {r['bR']:>6.3f} {r['bF']:>6.3f} "
            f"{r['pF']:>6.3f} {r['clusters']:>5} {r['split']:>5} {r['mixed']:>5} {r['noise']:>5} {r['misses']:>4}",
            file=sys.stderr,
        )
    if best:
        print(
            f"best sklearn DBSCAN: eps {best['eps']} → BCubed F1 {best['bF']:.3f}, "
            f"misses {best['misses']}/{len(items)} ({100.0 * best['misses'] / len(items):.1f} %)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
