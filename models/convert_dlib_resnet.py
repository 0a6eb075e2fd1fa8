#!/usr/bin/env python3
"""Convert dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`) to ONNX.

This is our own reader of dlib's binary serialisation (dlib/serialize.h, dlib/dnn/core.h,
dlib/dnn/layers.h, dlib/dnn/input.h, dlib/dnn/loss.h, dlib/cuda/tensor.h) for exactly one
network type: `anet_type` from dlib's examples/dnn_face_recognition_ex.cpp. It does not run
dlib and does not need it. The format facts it relies on are written down in models/README.md.

Usage:
    convert_dlib_resnet.py INPUT.dat OUTPUT.onnx
    convert_dlib_resnet.py --verify REFERENCE_DIR [--model OUTPUT.onnx]

The ONNX graph:
    input       float32 [N, 3, 150, 150], RGB, raw pixel values 0..255, NCHW
    descriptor  float32 [N, 128]  (not normalised; Euclidean distance < 0.6 = same person)
dlib's input normalisation ((x - mean) / 256) is inside the graph. Every affine layer is folded
into the convolution before it. dlib's `add_prev` zero-padding of the smaller operand (at the end
of the channel, row and column axes) is reproduced with Pad before Add.

The output bytes are deterministic: same input file and same pinned tools => same ONNX bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np

PRODUCER_NAME = "likeness-convert-dlib-resnet"
PRODUCER_VERSION = "1"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17


# --------------------------------------------------------------------------------------------
# dlib's serialisation primitives
# --------------------------------------------------------------------------------------------

class FormatError(Exception):
    pass


class Reader:
    """Reads dlib's serialisation format from a bytes object, tracking the position."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def fail(self, msg: str):
        raise FormatError(f"at byte {self.pos}: {msg}")

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            self.fail(f"unexpected end of file (wanted {n} bytes)")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self) -> int:
        """dlib integer: control byte (low 4 bits = byte count, 0x80 = negative), then the
        magnitude in little-endian bytes. Zero is written as 01 00."""
        ctrl = self.raw(1)[0]
        size = ctrl & 0x0F
        if ctrl & 0x70 or size == 0 or size > 8:
            self.pos -= 1
            self.fail(f"bad integer control byte 0x{ctrl:02x}")
        val = int.from_bytes(self.raw(size), "little")
        return -val if ctrl & 0x80 else val

    def float(self) -> float:
        """dlib float/double (float_details): int64 mantissa then int16 exponent, both as dlib
        integers; value = mantissa * 2**exponent. Exponents 32767/32766/32765 mean +inf/-inf/NaN.
        (dlib's older ASCII float format, recognised by a first byte with bits 0x70 set, is not
        used by this file and is rejected.)"""
        if self.pos < len(self.data) and self.data[self.pos] & 0x70:
            self.fail("old ASCII float format is not supported")
        mantissa = self.int()
        exponent = self.int()
        if exponent == 32767:
            return math.inf
        if exponent == 32766:
            return -math.inf
        if exponent == 32765:
            return math.nan
        return math.ldexp(mantissa, exponent)

    def string(self) -> str:
        n = self.int()
        return self.raw(n).decode("ascii")

    def bool(self) -> bool:
        """dlib bool: one ASCII byte, '1' or '0'."""
        b = self.raw(1)
        if b not in (b"0", b"1"):
            self.pos -= 1
            self.fail(f"bad bool byte {b!r}")
        return b == b"1"

    def expect_int(self, want: int, what: str):
        got = self.int()
        if got != want:
            self.fail(f"{what}: expected {want}, found {got}")

    def expect_string(self, want: str):
        start = self.pos
        got = self.string()
        if got != want:
            self.pos = start
            self.fail(f"expected layer/format tag {want!r}, found {got!r}")

    def tensor(self) -> np.ndarray:
        """dlib resizable_tensor, version 2: num_samples, k, nr, nc, then num_samples*k*nr*nc
        little-endian IEEE float32 values (not dlib's float format)."""
        self.expect_int(2, "tensor version")
        n, k, nr, nc = (self.int() for _ in range(4))
        count = n * k * nr * nc
        arr = np.frombuffer(self.raw(4 * count), dtype="<f4").astype(np.float32)
        return arr.reshape(n, k, nr, nc)

    def alias_tensor(self) -> tuple:
        """dlib alias_tensor, version 1: num_samples, k, nr, nc (no offset: the offsets into
        the layer's params are implied by the layer type)."""
        self.expect_int(1, "alias_tensor version")
        return tuple(self.int() for _ in range(4))


# --------------------------------------------------------------------------------------------
# The network type, spelled out the way dnn_face_recognition_ex.cpp writes it. A network is a
# list from the outermost layer (next to the loss) to the innermost (next to the input).
# --------------------------------------------------------------------------------------------

def L(kind, **kw):
    return [("layer", kind, kw)]


def con(n, k, stride, sub):
    # dlib con_ default padding: stride != 1 ? 0 : k/2
    return L("con", filters=n, size=k, stride=stride, pad=0 if stride != 1 else k // 2) + sub


def affine(sub):
    return L("affine") + sub


def relu(sub):
    return L("relu") + sub


def tag(i, sub):
    return [("tag", i)] + sub


def skip(i, sub):
    return [("skip", i)] + sub


def add_prev(i, sub):
    return L("add_prev", tag=i) + sub


def avg_pool(size, stride, sub):
    return L("avg_pool", size=size, stride=stride, pad=0 if stride != 1 else size // 2) + sub


def max_pool(size, stride, sub):
    return L("max_pool", size=size, stride=stride, pad=0 if stride != 1 else size // 2) + sub


def block(n, stride, sub):
    # BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>
    return affine(con(n, 3, 1, relu(affine(con(n, 3, stride, sub)))))


def residual(n, sub):
    # add_prev1<block<N,BN,1,tag1<SUBNET>>>
    return add_prev(1, block(n, 1, tag(1, sub)))


def residual_down(n, sub):
    # add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,BN,2,tag1<SUBNET>>>>>>
    return add_prev(2, avg_pool(2, 2, skip(1, tag(2, block(n, 2, tag(1, sub))))))


def ares(n, sub):
    return relu(residual(n, sub))


def ares_down(n, sub):
    return relu(residual_down(n, sub))


def anet_type():
    inner = max_pool(3, 2, relu(affine(con(32, 7, 2, []))))  # over input_rgb_image_sized<150>
    level4 = ares(32, ares(32, ares(32, inner)))
    level3 = ares(64, ares(64, ares(64, ares_down(64, level4))))
    level2 = ares(128, ares(128, ares_down(128, level3)))
    level1 = ares(256, ares(256, ares_down(256, level2)))
    level0 = ares_down(256, level1)
    # loss_metric<fc_no_bias<128, avg_pool_everything<...>>>
    return L("fc", outputs=128) + L("avg_pool_everything") + level0


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

def read_layer_details(r: Reader, kind: str, spec: dict) -> dict:
    """Reads one layer's own serialisation (the `details` object of an add_layer)."""
    if kind == "con":
        r.expect_string("con_4")
        params = r.tensor()
        num_filters = r.int()
        nr, nc = r.int(), r.int()
        stride_y, stride_x = r.int(), r.int()
        pad_y, pad_x = r.int(), r.int()
        filt = r.alias_tensor()
        bias = r.alias_tensor()
        _lr, _wd, _blr, _bwd = r.float(), r.float(), r.float(), r.float()
        if num_filters != spec["filters"] or (nr, nc) != (spec["size"],) * 2:
            r.fail(f"con: got {num_filters} filters {nr}x{nc}, expected {spec}")
        if (stride_y, stride_x) != (spec["stride"],) * 2 or (pad_y, pad_x) != (spec["pad"],) * 2:
            r.fail(f"con: got stride {stride_y},{stride_x} pad {pad_y},{pad_x}, expected {spec}")
        if filt[0] != num_filters or filt[2:] != (nr, nc) or bias != (1, num_filters, 1, 1):
            r.fail(f"con: unexpected filter/bias shapes {filt} {bias}")
        k_in = filt[1]
        nw = num_filters * k_in * nr * nc
        flat = params.reshape(-1)
        if flat.size != nw + num_filters:
            r.fail(f"con: params size {flat.size} != {nw} + {num_filters}")
        return {"kind": "con", "weight": flat[:nw].reshape(num_filters, k_in, nr, nc),
                "bias": flat[nw:].copy(), "stride": stride_y, "pad": pad_y}
    if kind == "affine":
        r.expect_string("affine_")
        params = r.tensor()
        gamma = r.alias_tensor()
        beta = r.alias_tensor()
        mode = r.int()
        k = gamma[1]
        if mode != 0 or gamma != (1, k, 1, 1) or beta != gamma:
            r.fail(f"affine: unexpected mode {mode} or shapes {gamma} {beta} (want CONV_MODE=0)")
        flat = params.reshape(-1)
        if flat.size != 2 * k:
            r.fail(f"affine: params size {flat.size} != 2*{k}")
        return {"kind": "affine", "gamma": flat[:k].copy(), "beta": flat[k:].copy()}
    if kind == "relu":
        r.expect_string("relu_")
        return {"kind": "relu"}
    if kind == "add_prev":
        r.expect_string("add_prev_")
        return {"kind": "add_prev", "tag": spec["tag"]}
    if kind in ("max_pool", "avg_pool", "avg_pool_everything"):
        r.expect_string("max_pool_2" if kind == "max_pool" else "avg_pool_2")
        nr, nc = r.int(), r.int()
        sy, sx = r.int(), r.int()
        py, px = r.int(), r.int()
        if kind == "avg_pool_everything":
            want = (0, 0, 1, 1, 0, 0)
        else:
            want = (spec["size"], spec["size"], spec["stride"], spec["stride"], spec["pad"], spec["pad"])
        if (nr, nc, sy, sx, py, px) != want:
            r.fail(f"{kind}: got {(nr, nc, sy, sx, py, px)}, expected {want}")
        return {"kind": kind, "size": nr, "stride": sy, "pad": py}
    if kind == "fc":
        r.expect_string("fc_2")
        num_outputs = r.int()
        num_inputs = r.int()
        params = r.tensor()
        w = r.alias_tensor()
        b = r.alias_tensor()
        bias_mode = r.int()
        _lr, _wd, _blr, _bwd = r.float(), r.float(), r.float(), r.float()
        if num_outputs != spec["outputs"] or bias_mode != 1:  # FC_NO_BIAS == 1
            r.fail(f"fc: outputs {num_outputs}, bias_mode {bias_mode}")
        if w != (num_inputs, num_outputs, 1, 1) or b != (1, 0, 0, 0) and b != (0, 0, 0, 0):
            r.fail(f"fc: unexpected weight/bias shapes {w} {b}")
        flat = params.reshape(-1)
        if flat.size != num_inputs * num_outputs:
            r.fail(f"fc: params size {flat.size} != {num_inputs}*{num_outputs}")
        return {"kind": "fc", "weight": flat.reshape(num_inputs, num_outputs).copy()}
    raise AssertionError(kind)


def read_add_layer_trailer(r: Reader, over_input: bool):
    """After an add_layer's details: this_layer_setup_called, gradient_input_is_stale,
    get_output_and_gradient_input_disabled (bools), then x_grad, cached_output and
    params_grad tensors (empty in a clean()ed net). The add_layer directly over the input
    layer (version 3) writes grad_final instead of params_grad, then _sample_expansion_factor."""
    r.bool()
    r.bool()
    r.bool()
    for what in ("x_grad", "cached_output", "grad_final" if over_input else "params_grad"):
        t = r.tensor()
        if t.size != 0:
            r.fail(f"expected an empty {what} tensor (net not clean()ed?), got {t.shape}")
    if over_input:
        r.expect_int(1, "_sample_expansion_factor")


def parse(data: bytes):
    r = Reader(data)
    # add_loss_layer: version 1, then the loss details, then the subnetwork.
    r.expect_int(1, "add_loss_layer version")
    r.expect_string("loss_metric_2")
    margin, dist_thresh = r.float(), r.float()
    net = anet_type()
    # Every wrapper writes its version first and then its subnetwork, so the file holds the
    # chain of versions from the outermost layer inwards, then the input layer.
    for i, item in enumerate(net):
        innermost = i == len(net) - 1
        if item[0] == "layer":
            r.expect_int(3 if innermost else 2, f"add_layer version ({item[1]}, #{i})")
        else:  # add_tag_layer / add_skip_layer
            r.expect_int(1, f"{item[0]}{item[1]} version")
    # input_rgb_image_sized<150>
    r.expect_string("input_rgb_image_sized")
    mean = (r.float(), r.float(), r.float())
    nr, nc = r.int(), r.int()
    if (nr, nc) != (150, 150):
        r.fail(f"input size {nr}x{nc}, expected 150x150")
    # Then, from the innermost layer outwards, each add_layer's details and trailer (tag and
    # skip layers write nothing after their subnetwork).
    layers = []
    for j, item in enumerate(reversed(net)):
        if item[0] == "layer":
            d = read_layer_details(r, item[1], item[2])
            read_add_layer_trailer(r, over_input=(j == 0))
            layers.append(d)
        else:
            layers.append({"kind": item[0], "tag": item[1]})
    if r.pos != len(data):
        r.fail(f"{len(data) - r.pos} bytes left after the network")
    assert r.pos == len(data)
    return {"mean": mean, "margin": margin, "dist_thresh": dist_thresh, "layers": layers,
            "bytes_read": r.pos}


# --------------------------------------------------------------------------------------------
# ONNX graph
# --------------------------------------------------------------------------------------------

def build_onnx(net: dict):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = {"n": 0}

    def name(prefix):
        counter["n"] += 1
        return f"{prefix}_{counter['n']}"

    def const(prefix, arr):
        nm = name(prefix)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), nm))
        return nm

    def node(op, inputs, prefix, **attrs):
        out = name(prefix)
        nodes.append(helper.make_node(op, inputs, [out], name=out + "_node", **attrs))
        return out

    # dlib input_rgb_image_sized: (pixel - avg) / 256, channel order R, G, B.
    mean = np.array(net["mean"], dtype=np.float32).reshape(1, 3, 1, 1)
    x = node("Sub", ["input", const("input_mean", mean)], "centred")
    x = node("Mul", [x, const("input_scale", np.array(1.0 / 256.0, dtype=np.float32))], "normalised")
    shape = (3, 150, 150)  # (k, nr, nc), tracked to reproduce add_prev padding

    layers = net["layers"]
    tags = {}
    i = 0
    n_conv = n_affine = n_add = n_pad = 0
    while i < len(layers):
        ly = layers[i]
        kind = ly["kind"]
        if kind == "con":
            # Fold the following affine layer: gamma * (W x + b) + beta.
            w = ly["weight"].astype(np.float64)
            b = ly["bias"].astype(np.float64)
            nxt = layers[i + 1]
            if nxt["kind"] != "affine":
                raise FormatError("every con is expected to be followed by an affine layer")
            g = nxt["gamma"].astype(np.float64)
            be = nxt["beta"].astype(np.float64)
            wf = (w * g[:, None, None, None]).astype(np.float32)
            bf = (b * g + be).astype(np.float32)
            s, p, k = ly["stride"], ly["pad"], w.shape[2]
            x = node("Conv", [x, const("conv_w", wf), const("conv_b", bf)], "conv",
                     kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
            shape = (w.shape[0], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
            n_conv += 1
            n_affine += 1
            i += 2
            continue
        if kind == "affine":
            raise FormatError("affine layer not preceded by a con")
        if kind == "relu":
            x = node("Relu", [x], "relu")
        elif kind == "max_pool" or kind == "avg_pool":
            k, s, p = ly["size"], ly["stride"], ly["pad"]
            x = node("MaxPool" if kind == "max_pool" else "AveragePool", [x], kind,
                     kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
            shape = (shape[0], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
        elif kind == "tag":
            tags[ly["tag"]] = (x, shape)
        elif kind == "skip":
            x, shape = tags[ly["tag"]]
        elif kind == "add_prev":
            y, yshape = tags[ly["tag"]]
            out_shape = tuple(max(a, b) for a, b in zip(shape, yshape))
            operands = []
            for t, tshape in ((x, shape), (y, yshape)):
                if tshape != out_shape:
                    # dlib tt::add zero-pads the smaller operand at the END of each axis.
                    pads = [0, 0, 0, 0, 0] + [o - s for o, s in zip(out_shape, tshape)]
                    t = node("Pad", [t, const("pad", np.array(pads, dtype=np.int64))], "pad",
                             mode="constant")
                    n_pad += 1
                operands.append(t)
            x = node("Add", operands, "add")
            shape = out_shape
            n_add += 1
        elif kind == "avg_pool_everything":
            x = node("GlobalAveragePool", [x], "global_avg")
            x = node("Flatten", [x], "flatten", axis=1)
            shape = (shape[0], 1, 1)
        elif kind == "fc":
            w = ly["weight"]
            if w.shape[0] != shape[0]:
                raise FormatError(f"fc input {w.shape[0]} != {shape[0]} channels")
            mm = helper.make_node("MatMul", [x, const("fc_w", w)], ["descriptor"], name="fc_node")
            nodes.append(mm)
            x = "descriptor"
        else:
            raise AssertionError(kind)
        i += 1
    if x != "descriptor":
        raise FormatError("the network does not end with the fc layer")
    if (n_conv, n_affine, n_add) != (29, 29, 14):
        raise FormatError(f"unexpected layer counts conv={n_conv} affine={n_affine} add={n_add}")

    graph = helper.make_graph(
        nodes, "dlib_resnet_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 150, 150])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["N", 128])],
        initializer=inits,
    )
    graph.doc_string = (
        "dlib face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat, "
        "face_recognition_models 0.3.0, CC0-1.0), converted by models/convert_dlib_resnet.py. "
        "Input: RGB 0..255 NCHW float32 150x150 dlib face chip; the graph subtracts the dlib "
        "mean and divides by 256. Output: 128-d descriptor (not normalised).")
    model = helper.make_model(
        graph, producer_name=PRODUCER_NAME, producer_version=PRODUCER_VERSION,
        opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
    model.model_version = 1
    onnx.checker.check_model(model, full_check=True)
    return model, {"conv": n_conv, "affine_folded": n_affine, "add": n_add, "pad": n_pad,
                   "nodes": len(nodes)}


def convert(src: str, dst: str, quiet: bool = False) -> str:
    import onnx  # noqa: F401  (fail early if the tools venv is missing)

    with open(src, "rb") as f:
        data = f.read()
    net = parse(data)
    model, stats = build_onnx(net)
    blob = model.SerializeToString()
    # Write atomically so an interrupted run never leaves a half-written model behind.
    d = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(prefix=".convert-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    digest = hashlib.sha256(blob).hexdigest()
    if not quiet:
        print(f"parsed {net['bytes_read']} of {len(data)} bytes (whole file); "
              f"mean RGB {tuple(round(m, 3) for m in net['mean'])}; loss_metric margin "
              f"{net['margin']:.6g} dist_thresh {net['dist_thresh']:.6g}")
        print(f"graph: {stats}; wrote {dst} ({len(blob)} bytes, sha256 {digest})")
    return digest


# --------------------------------------------------------------------------------------------
# Verification against the reference pack (needs onnxruntime and Pillow; not run by fetch.py)
# --------------------------------------------------------------------------------------------

def verify(reference_dir: str, model_path: str, batch: int = 32) -> float:
    # ONNX Runtime's telemetry uploader reads this when it loads: never on (README "Privacy").
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    try:
        import onnxruntime as ort
        from PIL import Image
    except ImportError as e:
        sys.exit(f"--verify needs onnxruntime and Pillow in this Python ({e}); "
                 "run `bash scripts/fetch-models.sh --verify REFERENCE_DIR`, which installs them")
    rows = []
    with open(os.path.join(reference_dir, "dlib.jsonl")) as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if rec.get("chip"):
                    rows.append(rec)
    if not rows:
        sys.exit(f"no faces with a chip in {reference_dir}/dlib.jsonl")
    ort.disable_telemetry_events()
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    chips = []
    for rec in rows:
        img = Image.open(os.path.join(reference_dir, rec["chip"])).convert("RGB")
        a = np.asarray(img, dtype=np.float32)
        if a.shape != (150, 150, 3):
            sys.exit(f"{rec['chip']}: shape {a.shape}, expected 150x150x3")
        chips.append(a.transpose(2, 0, 1))
    chips = np.stack(chips)
    want = np.array([rec["descriptor"] for rec in rows], dtype=np.float64)
    got = np.concatenate([sess.run(["descriptor"], {"input": chips[i:i + batch]})[0]
                          for i in range(0, len(chips), batch)]).astype(np.float64)
    diff = np.abs(got - want)
    per_face = diff.max(axis=1)
    eucl = np.linalg.norm(got - want, axis=1)
    worst = int(per_face.argmax())
    print(f"verified {len(rows)} chips: max abs component diff {per_face.max():.3g} "
          f"(median over faces {np.median(per_face):.3g}, worst {rows[worst]['chip']}); "
          f"max Euclidean distance {eucl.max():.3g}")
    if per_face.max() >= 1e-4 or eucl.max() >= 1e-3:
        sys.exit("FAIL: the converted model does not match dlib's descriptors")
    print("OK: max abs diff < 1e-4 on every chip")
    return float(per_face.max())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", nargs="?", help="dlib_face_recognition_resnet_model_v1.dat")
    ap.add_argument("dst", nargs="?", help="output .onnx")
    ap.add_argument("--verify", metavar="REFERENCE_DIR",
                    help="run the ONNX model on REFERENCE_DIR/chips and compare with dlib.jsonl")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "data", "dlib_resnet_v1.onnx"),
                    help="model for --verify (default models/data/dlib_resnet_v1.onnx)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.verify:
        if a.src or a.dst:
            ap.error("--verify takes no positional arguments")
        verify(a.verify, a.model)
        return
    if not (a.src and a.dst):
        ap.error("need INPUT.dat OUTPUT.onnx (or --verify REFERENCE_DIR)")
    try:
        convert(a.src, a.dst, quiet=a.quiet)
    except FormatError as e:
        sys.exit(f"convert_dlib_resnet: {a.src}: {e}")


if __name__ == "__main__":
    main()
