"""Golden values for test/layers/normalization.test.ts: GroupNormalization and UnitNormalization.

The Keras 3 formulas (keras-facts-2 section 16.1, keras/src/layers/normalization/*.py) written out
in NumPy float64 from their definitions, independently of tensorkit:
  GroupNormalization: channels split into `groups` contiguous blocks; per sample and block the mean
  and biased variance over the block's channels and every other non-batch axis;
  y = (x - mean) / sqrt(var + eps) * gamma[c] + beta[c].
  UnitNormalization: y = x / max(||x||_2, 1e-12) along the axes.
Inputs are drawn here with a fixed seed and stored with the outputs. Regenerate with
`python3 test/layers/normalization_golden.py` (numpy 2.x), which rewrites normalization_golden.json.
"""
import json
import os
import numpy as np

rng = np.random.default_rng(14)


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def group_norm(x, groups, axis, gamma, beta, eps):
    x = x.astype(np.float64)
    axis = axis % x.ndim
    c = x.shape[axis]
    out = np.empty_like(x)
    xs = np.moveaxis(x, axis, -1)  # [B, ..., C]
    os_ = np.moveaxis(out, axis, -1)
    size = c // groups
    for b in range(x.shape[0]):
        for g in range(groups):
            block = xs[b, ..., g * size:(g + 1) * size]
            mean = block.mean()
            var = ((block - mean) ** 2).mean()
            os_[b, ..., g * size:(g + 1) * size] = (block - mean) / np.sqrt(var + eps) * gamma[g * size:(g + 1) * size] + beta[g * size:(g + 1) * size]
    return out


def unit_norm(x, axes):
    x = x.astype(np.float64)
    norm = np.sqrt((x ** 2).sum(axis=tuple(axes), keepdims=True))
    return x / np.maximum(norm, 1e-12)


cases = []
for name, shape, groups, axis, eps in [
    ("channels_last groups 2", [2, 3, 2, 4], 2, -1, 1e-3),
    ("channels_first axis 1 groups 3", [2, 6, 5], 3, 1, 1e-3),
    ("groups -1 (instance norm), epsilon 0.1", [2, 4, 3], -1, -1, 0.1),
    ("groups 1, offset inputs", [2, 5, 4], 1, -1, 1e-3),
]:
    x = rng.normal(size=shape).astype(np.float32)
    if name.startswith("groups 1"):
        x = (x + 1000.0).astype(np.float32)  # a large mean: the two-pass variance has no cancellation
    c = shape[axis]
    gamma = rng.uniform(0.5, 1.5, size=c).astype(np.float32)
    beta = rng.uniform(-0.5, 0.5, size=c).astype(np.float32)
    g = c if groups == -1 else groups
    y = group_norm(x, g, axis, gamma.astype(np.float64), beta.astype(np.float64), eps)
    cases.append({"layer": "GroupNormalization", "name": name, "shape": shape, "groups": groups, "axis": axis, "epsilon": eps,
                  "x": f32list(x), "gamma": f32list(gamma), "beta": f32list(beta), "y": [float(v) for v in y.ravel()]})

for name, shape, axis in [("axis -1", [3, 4], [-1]), ("axes [1, 2]", [2, 3, 4], [1, 2]), ("axis 1 of rank 3", [2, 3, 2], [1])]:
    x = rng.normal(size=shape).astype(np.float32)
    if name == "axis -1":
        x[1] = 0.0  # an all-zero row stays zero
    y = unit_norm(x, axis)
    cases.append({"layer": "UnitNormalization", "name": name, "shape": shape, "axis": axis if len(axis) > 1 else axis[0],
                  "x": f32list(x), "y": [float(v) for v in y.ravel()]})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "normalization_golden.json"), "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
