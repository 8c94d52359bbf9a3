"""Golden values for test/layers/preprocessing.test.ts: Resizing, CenterCrop, Normalization.adapt.

Written from the Keras 3 definitions (keras-facts-2 sections 15.6 and 17.3) in NumPy float64,
independently of tensorkit:
  bilinear resize with half-pixel centres (tf.image.resize): source position (i + 0.5)*in/out - 0.5,
  lower = max(floor(p), 0), upper = min(ceil(p), in - 1), weight p - floor(p);
  nearest: source floor((i + 0.5)*in/out), clamped to in - 1;
  crop_to_aspect_ratio / smart_resize: crop_h = clamp(int(W*h/w), 1, H), crop_w = clamp(int(H*w/h), 1, W),
  the box starting at int((H - crop_h)/2), int((W - crop_w)/2), then resized;
  pad_to_aspect_ratio: int((max(H, int(W*h/w)) - H)/2) rows of fill_value above and below (columns alike);
  CenterCrop: a slice from (H - h)//2 when the input is large enough, else smart_resize (bilinear);
  Normalization.adapt: mean and population variance over the reduced axes.
Regenerate with `python3 test/layers/preprocessing_golden.py` (numpy 2.x): rewrites preprocessing_golden.json.
"""
import json
import os
import numpy as np

rng = np.random.default_rng(15)


def axis_weights(in_size, out_size):
    scale = in_size / out_size
    rows = []
    for i in range(out_size):
        p = (i + 0.5) * scale - 0.5
        f = np.floor(p)
        lo = int(max(f, 0))
        hi = int(min(np.ceil(p), in_size - 1))
        w = p - f
        rows.append((lo, hi, w))
    return rows


def bilinear(x, h, w):  # x: [N, H, W, C]
    n, H, W, c = x.shape
    out = np.zeros((n, h, w, c))
    for i, (y0, y1, wy) in enumerate(axis_weights(H, h)):
        for j, (x0, x1, wx) in enumerate(axis_weights(W, w)):
            top = x[:, y0, x0] * (1 - wx) + x[:, y0, x1] * wx
            bot = x[:, y1, x0] * (1 - wx) + x[:, y1, x1] * wx
            out[:, i, j] = top * (1 - wy) + bot * wy
    return out


def nearest(x, h, w):
    n, H, W, c = x.shape
    ri = [min(int(np.floor((i + 0.5) * H / h)), H - 1) for i in range(h)]
    ci = [min(int(np.floor((j + 0.5) * W / w)), W - 1) for j in range(w)]
    return x[:, ri][:, :, ci]


def crop_aspect(x, h, w):
    H, W = x.shape[1], x.shape[2]
    ch = max(min(H, int(float(W * h) / w)), 1)
    cw = max(min(W, int(float(H * w) / h)), 1)
    hs = int(float(H - ch) / 2)
    ws = int(float(W - cw) / 2)
    return x[:, hs:hs + ch, ws:ws + cw]


def pad_aspect(x, h, w, value):
    H, W = x.shape[1], x.shape[2]
    dh = int((max(H, int(W * h / w)) - H) / 2)
    dw = int((max(W, int(H * w / h)) - W) / 2)
    return np.pad(x, [(0, 0), (dh, dh), (dw, dw), (0, 0)], constant_values=value)


def flat(a):
    return [float(v) for v in np.asarray(a).ravel()]


cases = []
for name, shape, h, w, opts in [
    ("bilinear up 3x4 -> 5x7", [2, 3, 4, 2], 5, 7, {}),
    ("bilinear down 6x5 -> 4x2", [1, 6, 5, 1], 4, 2, {}),
    ("nearest 3x5 -> 7x2", [1, 3, 5, 2], 7, 2, {"interpolation": "nearest"}),
    ("crop to aspect 4x8 -> 3x3", [1, 4, 8, 1], 3, 3, {"cropToAspectRatio": True}),
    ("crop to aspect, nearest 6x4 -> 2x4", [1, 6, 4, 1], 2, 4, {"cropToAspectRatio": True, "interpolation": "nearest"}),
    ("pad to aspect 2x6 -> 4x4, fill 0.5", [1, 2, 6, 1], 4, 4, {"padToAspectRatio": True, "fillValue": 0.5}),
]:
    x = rng.normal(size=shape).astype(np.float32).astype(np.float64)
    t = x
    if opts.get("cropToAspectRatio"):
        t = crop_aspect(t, h, w)
    if opts.get("padToAspectRatio"):
        t = pad_aspect(t, h, w, opts["fillValue"])
    y = nearest(t, h, w) if opts.get("interpolation") == "nearest" else bilinear(t, h, w)
    cases.append({"layer": "Resizing", "name": name, "shape": shape, "height": h, "width": w, "options": opts,
                  "x": flat(x), "yShape": list(y.shape), "y": flat(y)})

for name, shape, h, w in [("slice 5x6 -> 2x3", [1, 5, 6, 2], 2, 3), ("smaller: 3x4 -> 5x2 (smart_resize)", [2, 3, 4, 1], 5, 2)]:
    x = rng.normal(size=shape).astype(np.float32).astype(np.float64)
    H, W = shape[1], shape[2]
    if H >= h and W >= w:
        y = x[:, (H - h) // 2:(H - h) // 2 + h, (W - w) // 2:(W - w) // 2 + w]
    else:
        y = bilinear(crop_aspect(x, h, w), h, w)
    cases.append({"layer": "CenterCrop", "name": name, "shape": shape, "height": h, "width": w, "x": flat(x), "yShape": list(y.shape), "y": flat(y)})

for name, shape, axis in [("axis -1", [6, 3], [-1]), ("axis [1, 2] of rank 3", [4, 2, 3], [1, 2]), ("axis None", [5, 2], [])]:
    x = (rng.normal(size=shape) * 3 + 10).astype(np.float32).astype(np.float64)
    keep = [a % len(shape) for a in axis]
    red = tuple(d for d in range(len(shape)) if d not in keep)
    mean = x.mean(axis=red)
    var = x.var(axis=red)
    cases.append({"layer": "Normalization", "name": name, "shape": shape, "axis": axis, "x": flat(x), "mean": flat(mean), "variance": flat(var),
                  "y": flat((x - x.mean(axis=red, keepdims=True)) / np.maximum(np.sqrt(x.var(axis=red, keepdims=True)), 1e-7))})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "preprocessing_golden.json"), "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
