"""Reference values for test/layers/attention.test.ts, written to attention_golden.json.

An independent numpy implementation of Keras 3's MultiHeadAttention, Attention and
AdditiveAttention (keras/src/layers/attention/*.py, keras-facts-2 §16.2-16.3), in float64:
  python3 test/layers/goldens/attention_reference.py
Inputs and weights come from a seeded numpy generator and are stored in the JSON, so the
TypeScript test loads exactly these numbers.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(14)


def arr(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32).astype(np.float64)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mha(query, value, key, w, num_heads, key_dim, mask, zero_masked):
    """Keras 3 MultiHeadAttention on rank-3 inputs; mask [B|1, T, S] of 0/1 or None."""
    qk, qb, kk, kb, vk, vb, ok, ob = w
    q = np.einsum('btd,dnh->btnh', query, qk) + qb
    k = np.einsum('bsd,dnh->bsnh', key, kk) + kb
    v = np.einsum('bsd,dnh->bsnh', value, vk) + vb
    q = q / np.sqrt(key_dim)
    scores = np.einsum('bsnh,btnh->bnts', k, q)
    if mask is not None:
        m = mask[:, None, :, :].astype(bool)
        scores = np.where(m, scores, -1e9)
    probs = softmax(scores)
    if mask is not None and zero_masked:
        probs = np.where(m, probs, 0.0)
    ctx = np.einsum('bnts,bsnh->btnh', probs, v)
    out = np.einsum('btnh,nho->bto', ctx, ok) + ob
    return out, probs


def causal(t, s):
    return np.tril(np.ones((t, s)))[None]


def dense_attention(query, value, key, scores, v_mask, q_mask, use_causal):
    """Keras 3 Attention._apply_scores and call, given the raw scores [B, Tq, Tv]."""
    b, tq, tv = scores.shape
    m = None
    if v_mask is not None:
        m = v_mask[:, None, :]
    if use_causal:
        c = causal(tq, tv)
        m = c if m is None else m * c
    if m is not None:
        # Keras subtracts 1e9 in float32: that rounds the masked scores to multiples of 64, so
        # a fully masked row comes out (almost) uniform. Done in float32 here as well.
        penalised = (scores.astype(np.float32) - np.float32(1e9)).astype(np.float64)
        scores = np.where(m.astype(bool), scores, penalised)
    weights = softmax(scores)
    out = weights @ value
    if q_mask is not None:
        out = np.where(q_mask[:, :, None].astype(bool), out, 0.0)
    return out, weights


cases = {}

# MultiHeadAttention with a key, value_dim != key_dim, output_shape, an explicit attention mask
# (one query row fully masked), scores returned: Keras's einsum path (masked probabilities zeroed).
B, T, S, Dq, Dv, Dk, N, K, V, O = 2, 3, 4, 5, 6, 7, 2, 3, 2, 4
query, value, key = arr(B, T, Dq), arr(B, S, Dv), arr(B, S, Dk)
w = [arr(Dq, N, K, scale=0.5), arr(N, K, scale=0.1), arr(Dk, N, K, scale=0.5), arr(N, K, scale=0.1),
     arr(Dv, N, V, scale=0.5), arr(N, V, scale=0.1), arr(N, V, O, scale=0.5), arr(O, scale=0.1)]
amask = (rng.random((B, T, S)) > 0.4).astype(np.float64)
amask[1, 2, :] = 0  # a fully masked row: zeros in the scores and the output bias alone
out, probs = mha(query, value, key, w, N, K, amask, True)
cases['mha_mask_scores'] = dict(numHeads=N, keyDim=K, valueDim=V, outputShape=O, query=query, value=value, key=key,
                                weights=w, attentionMask=amask, output=out, scores=probs)

# Self-attention without a key, a query/value padding mask (from Embedding maskZero) and the
# causal mask, no scores: Keras's fused path (a fully masked row is a uniform average).
B, T, D, N, K = 2, 4, 6, 3, 2
x = arr(B, T, D)
w = [arr(D, N, K, scale=0.5), arr(N, K, scale=0.1), arr(D, N, K, scale=0.5), arr(N, K, scale=0.1),
     arr(D, N, K, scale=0.5), arr(N, K, scale=0.1), arr(N, K, D, scale=0.5), arr(D, scale=0.1)]
pad = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=np.float64)
mask = pad[:, :, None] * pad[:, None, :] * causal(T, T)
out, _ = mha(x, x, x, w, N, K, mask, False)
cases['mha_padding_causal'] = dict(numHeads=N, keyDim=K, x=x, weights=w, padding=pad, output=out)

# Attention (dot, useScale) with a key, query and value masks and the causal mask.
B, Tq, Tv, D, Dv = 2, 3, 4, 5, 3
q, v, k = arr(B, Tq, D), arr(B, Tv, Dv), arr(B, Tv, D)
scale = 0.7
qm = np.array([[1, 1, 0], [1, 1, 1]], dtype=np.float64)
vm = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], dtype=np.float64)  # batch 1, query 0: fully masked
out, weights = dense_attention(q, v, k, scale * (q @ k.transpose(0, 2, 1)), vm, qm, True)
cases['attention_dot'] = dict(query=q, value=v, key=k, scale=scale, queryMask=qm, valueMask=vm, output=out, scores=weights)

# Attention (concat, useScale), no masks.
csw = 1.3
sc = csw * np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1)
out, weights = dense_attention(q, v, k, sc, None, None, False)
cases['attention_concat'] = dict(query=q, value=v, key=k, scale=scale, concatScoreWeight=csw, output=out, scores=weights)

# AdditiveAttention with a value mask, key = value.
v2 = arr(B, Tv, D)
s = arr(D)
sc = (s * np.tanh(q[:, :, None, :] + v2[:, None, :, :])).sum(-1)
out, weights = dense_attention(q, v2, v2, sc, vm, None, False)
cases['additive'] = dict(query=q, value=v2, scale=s, valueMask=vm, output=out, scores=weights)


def plain(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, list):
        return [plain(a) for a in o]
    if isinstance(o, dict):
        return {k: plain(a) for k, a in o.items()}
    return o


path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'attention_golden.json')
with open(path, 'w') as f:
    json.dump(plain(cases), f)
print('wrote', path)
