#!/usr/bin/env bash
# Installs the peer we benchmark against: the Python face_recognition library exactly as its
# users install it (pip builds dlib from source; OpenBLAS first so dlib uses BLAS), plus
# scikit-learn (DBSCAN, for bench/peer/cluster_peer.py), in a
# throwaway venv under .cache/peer-venv. Idempotent: a venv that already imports it is kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${LIKENESS_PEER_VENV:-$root/.cache/peer-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import face_recognition_models, face_recognition, dlib, sklearn" 2>/dev/null; then
  echo "peer: face_recognition and scikit-learn already installed in $venv"; exit 0
fi
# A venv from before the clustering benchmark: add scikit-learn (bench/peer/cluster_peer.py) only.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import face_recognition_models, face_recognition, dlib" 2>/dev/null; then
  "$venv/bin/pip" install -q scikit-learn
  "$venv/bin/python" -c "import sklearn; print('peer: scikit-learn', sklearn.__version__)"; exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq build-essential cmake libopenblas-dev liblapack-dev python3-venv python3-dev >/dev/null
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip wheel setuptools
# dlib builds from source here (no wheel for this Python); this takes a while on 2 cores.
"$venv/bin/pip" install -q face_recognition psutil scikit-learn
# face_recognition_models imports pkg_resources, which setuptools 81+ no longer ships.
"$venv/bin/pip" install -q "setuptools<81"
"$venv/bin/python" -c "import face_recognition, dlib; import sklearn; print('peer: face_recognition ok, dlib', dlib.__version__, 'BLAS', dlib.DLIB_USE_BLAS, 'scikit-learn', sklearn.__version__)"
