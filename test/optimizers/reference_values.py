"""Reference values for test/optimizers/keras_reference.test.ts.

Each optimizer's Keras 3 update rule (keras-facts section 6.2, keras/src/optimizers/*.py) is written
out here in NumPy float32, the dtype Keras computes in, and run for three steps from the same
start with the same gradients. Run `python3 test/optimizers/reference_values.py` to regenerate the
literals pasted into the test (numpy 2.x; Python floats mix with float32 arrays as float32 there,
as TensorFlow's weak types do).
"""
import json
import numpy as np

f32 = np.float32
W0 = [1.0, -2.0, 3.0]
GRADS = [[0.5, -1.0, 0.25], [0.4, -0.6, -0.3], [-0.2, 0.9, 0.05]]


def run(step_fn, weight_decay=None, lr=0.01):
    w = np.array(W0, dtype=f32)
    state = {}
    out = []
    for it, g in enumerate(GRADS):
        g = np.array(g, dtype=f32)
        lr32 = f32(lr)
        if weight_decay is not None:
            w = w - w * f32(weight_decay) * lr32
        w = step_fn(w, g, state, it, lr32)
        out.append([float(x) for x in w])
    return out


def sgd(momentum=0.0, nesterov=False):
    def step(w, g, s, it, lr):
        if momentum == 0:
            return w - g * lr
        m = s.get("m", np.zeros_like(w))
        m = m * f32(momentum) - g * lr
        s["m"] = m
        if nesterov:
            return w + (m * f32(momentum) - g * lr)
        return w + m
    return step


def adam(b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    def step(w, g, s, it, lr):
        t = f32(it + 1)
        m = s.get("m", np.zeros_like(w))
        v = s.get("v", np.zeros_like(w))
        alpha = lr * np.sqrt(f32(1) - f32(b2) ** t) / (f32(1) - f32(b1) ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        s["m"], s["v"] = m, v
        if amsgrad:
            vh = np.maximum(s.get("vh", np.zeros_like(w)), v)
            s["vh"] = vh
            v = vh
        return w - (m * alpha) / (np.sqrt(v) + eps)
    return step


def adadelta(rho=0.95, eps=1e-7):
    def step(w, g, s, it, lr):
        eg = s.get("eg", np.zeros_like(w))
        edx = s.get("edx", np.zeros_like(w))
        eg = rho * eg + (1 - rho) * np.square(g)
        delta = -(np.sqrt(edx + eps) * g) / np.sqrt(eg + eps)
        edx = rho * edx + (1 - rho) * np.square(delta)
        s["eg"], s["edx"] = eg, edx
        return w + lr * delta
    return step


def rmsprop(rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    def step(w, g, s, it, lr):
        vel = s.get("vel", np.zeros_like(w))
        vel = rho * vel + (1 - rho) * np.square(g)
        s["vel"] = vel
        if centered:
            ag = s.get("ag", np.zeros_like(w))
            ag = rho * ag + (1 - rho) * g
            s["ag"] = ag
            den = vel - np.square(ag) + eps
        else:
            den = vel + eps
        inc = (lr * g) / np.sqrt(den)
        if momentum > 0:
            mom = s.get("mom", np.zeros_like(w))
            mom = momentum * mom + inc
            s["mom"] = mom
            return w - mom
        return w - inc
    return step


def adagrad(init=0.1, eps=1e-7):
    def step(w, g, s, it, lr):
        acc = s.get("acc", np.full_like(w, f32(init)))
        acc = acc + np.square(g)
        s["acc"] = acc
        return w - (lr * g) / np.sqrt(acc + eps)
    return step


def adamax(b1=0.9, b2=0.999, eps=1e-7):
    def step(w, g, s, it, lr):
        t = f32(it + 1)
        m = s.get("m", np.zeros_like(w))
        u = s.get("u", np.zeros_like(w))
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        s["m"], s["u"] = m, u
        return w - (lr * m) / ((f32(1) - f32(b1) ** t) * (u + eps))
    return step


def nadam(b1=0.9, b2=0.999, eps=1e-7):
    def step(w, g, s, it, lr):
        # The running product is updated once per step, before the variables.
        prod = s.get("prod", f32(1.0))
        prod = f32(prod * f32(b1) * (f32(1) - f32(0.5) * f32(0.96) ** f32(it + 1)))
        s["prod"] = prod
        t = f32(it + 1)
        mu_t = f32(b1) * (f32(1) - f32(0.5) * f32(0.96) ** t)
        mu_next = f32(b1) * (f32(1) - f32(0.5) * f32(0.96) ** f32(it + 2))
        prod_next = prod * mu_next
        m = s.get("m", np.zeros_like(w))
        v = s.get("v", np.zeros_like(w))
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        s["m"], s["v"] = m, v
        m_hat = mu_next * m / (1 - prod_next) + (1 - mu_t) * g / (1 - prod)
        v_hat = v / (1 - f32(b2) ** t)
        return w - (m_hat * lr) / (np.sqrt(v_hat) + eps)
    return step


CASES = {
    "SGD {learningRate: 0.1}": run(sgd(), lr=0.1),
    "SGD {learningRate: 0.1, momentum: 0.9}": run(sgd(0.9), lr=0.1),
    "SGD {learningRate: 0.1, momentum: 0.9, nesterov: true}": run(sgd(0.9, True), lr=0.1),
    "Adam {learningRate: 0.01}": run(adam(), lr=0.01),
    "Adam {learningRate: 0.01, beta2: 0.5}": run(adam(b2=0.5), lr=0.01),
    "Adam {learningRate: 0.01, beta2: 0.5, amsgrad: true}": run(adam(b2=0.5, amsgrad=True), lr=0.01),
    "AdamW {learningRate: 0.01, weightDecay: 0.1}": run(adam(), weight_decay=0.1, lr=0.01),
    "Adadelta {learningRate: 1.0}": run(adadelta(), lr=1.0),
    "RMSprop {learningRate: 0.01}": run(rmsprop(), lr=0.01),
    "RMSprop {learningRate: 0.01, momentum: 0.5, centered: true}": run(rmsprop(momentum=0.5, centered=True), lr=0.01),
    "Adagrad {learningRate: 0.1}": run(adagrad(), lr=0.1),
    "Adamax {learningRate: 0.02}": run(adamax(), lr=0.02),
    "Nadam {learningRate: 0.01}": run(nadam(), lr=0.01),
}

if __name__ == "__main__":
    # Printed as a TypeScript object literal: the case name is `Class {options}`.
    print("const KERAS_REFERENCE: Record<string, number[][]> = {")
    for name, steps in CASES.items():
        print(f"  '{name}': [")
        for w in steps:
            print("    [" + ", ".join(repr(x) for x in w) + "],")
        print("  ],")
    print("};")
