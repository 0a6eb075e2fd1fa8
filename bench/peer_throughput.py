#!/usr/bin/env python3
"""Throughput of the Python face_recognition library, the way its users run it.

For every photo, in one process, in the order given:

    image = face_recognition.load_image_file(path)          # decode (PIL → RGB numpy)
    boxes = face_recognition.face_locations(image)          # HOG detector, upsample 1
    codes = face_recognition.face_encodings(image, boxes)   # 5-point landmarks + chip + ResNet

`face_encodings` is called as is; to split its time, the module-level helper it calls for the
landmarks (`face_recognition.api._raw_face_landmarks`) is wrapped with a timer, so
"landmarks" is the 5-point shape predictor and "encode" the rest (chip extraction inside
dlib's `compute_face_descriptor` plus the ResNet). Model loading happens at import and is not
timed; one warm-up photo (the first) is run before timing unless --no-warmup.

Paths come as arguments, or one per line on stdin when none are given. Prints one JSON object
on stdout; progress goes to stderr. Run with the peer venv's python
(.cache/peer-venv/bin/python, made by scripts/setup-peer.sh).
"""

import argparse
import importlib.metadata
import json
import os
import platform
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=UserWarning)  # pkg_resources deprecation notice

import dlib  # noqa: E402
import face_recognition  # noqa: E402
import face_recognition.api as fr_api  # noqa: E402


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def peak_rss_kib():
    """VmHWM of this process (its own address space's high-water mark), in KiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", help="photos (default: read from stdin)")
    parser.add_argument("--no-warmup", action="store_true", help="do not run the first photo once untimed")
    parser.add_argument("--upsample", type=int, default=1, help="face_locations number_of_times_to_upsample (default 1)")
    parser.add_argument("--model", default="hog", help="face_locations model (default hog)")
    args = parser.parse_args()
    paths = args.paths or [line.strip() for line in sys.stdin if line.strip()]
    if not paths:
        print("no photos given", file=sys.stderr)
        return 2

    landmark_time = [0.0]
    raw_landmarks = fr_api._raw_face_landmarks

    def timed_raw_landmarks(*a, **kw):
        t = time.perf_counter()
        try:
            return raw_landmarks(*a, **kw)
        finally:
            landmark_time[0] += time.perf_counter() - t

    fr_api._raw_face_landmarks = timed_raw_landmarks

    def one(path):
        image = face_recognition.load_image_file(path)
        boxes = face_recognition.face_locations(image, number_of_times_to_upsample=args.upsample, model=args.model)
        codes = face_recognition.face_encodings(image, boxes)
        return image, boxes, codes

    if not args.no_warmup:
        one(paths[0])
        landmark_time[0] = 0.0

    stages = {"decode": 0.0, "detect": 0.0, "landmarks": 0.0, "encode": 0.0}
    per_photo = []
    faces = no_face = errors = 0
    start = time.perf_counter()
    last = start
    for i, path in enumerate(paths):
        try:
            t0 = time.perf_counter()
            image = face_recognition.load_image_file(path)
            t1 = time.perf_counter()
            boxes = face_recognition.face_locations(image, number_of_times_to_upsample=args.upsample, model=args.model)
            t2 = time.perf_counter()
            landmark_time[0] = 0.0
            codes = face_recognition.face_encodings(image, boxes)
            t3 = time.perf_counter()
        except Exception as e:  # a bad photo never stops the run
            errors += 1
            per_photo.append(None)
            print(f"\npeer: {path}: {e}", file=sys.stderr)
            continue
        stages["decode"] += t1 - t0
        stages["detect"] += t2 - t1
        stages["landmarks"] += landmark_time[0]
        stages["encode"] += (t3 - t2) - landmark_time[0]
        faces += len(codes)
        per_photo.append(
            {
                "width": int(image.shape[1]),
                "height": int(image.shape[0]),
                "faces": len(codes),
                "decode": t1 - t0,
                "detect": t2 - t1,
                "landmarks": landmark_time[0],
                "encode": (t3 - t2) - landmark_time[0],
            }
        )
        if not codes:
            no_face += 1
        now = time.perf_counter()
        if now - last >= 1.0 or i + 1 == len(paths):
            print(
                f"\rface_recognition: {i + 1}/{len(paths)} photos, {faces} faces, {(i + 1) / (now - start):.2f} photos/s   ",
                end="",
                file=sys.stderr,
                flush=True,
            )
            last = now
    wall = time.perf_counter() - start
    print(file=sys.stderr)

    photos = len(paths) - errors
    result = {
        "library": "face_recognition",
        "face_recognition_version": package_version("face_recognition"),
        "dlib_version": dlib.__version__,
        "dlib_use_blas": bool(getattr(dlib, "DLIB_USE_BLAS", False)),
        "dlib_use_cuda": bool(getattr(dlib, "DLIB_USE_CUDA", False)),
        "python": platform.python_version(),
        "detector": f"{args.model}, upsample {args.upsample}",
        "cpu_count": os.cpu_count(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "photos": photos,
        "errors": errors,
        "faces": faces,
        "no_face": no_face,
        "wall_s": wall,
        "photos_per_s": photos / wall if wall > 0 else 0.0,
        "faces_per_s": faces / wall if wall > 0 else 0.0,
        "stages_s": stages,
        "peak_rss_kib": peak_rss_kib(),
        # getrusage's ru_maxrss is not used as the peak: after a vfork+exec (how Rust's
        # Command starts us) Linux carries the parent's high-water mark into the child's.
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "warmup": not args.no_warmup,
        "per_photo": per_photo,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
