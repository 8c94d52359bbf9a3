"""Reference strings for test/callbacks/format.test.ts: how Python formats floats in Keras's
progress bar ('%.4f', '%.4e', '%.0f') and in CSVLogger / messages (repr). Run
`python3 test/callbacks/format_reference.py` to regenerate the table pasted into the test.
"""
VALUES = [
    0.03125, 0.5, 1.5, 2.5, -0.5, 0.00038914, 1e-3, 0.0010001, -0.0001, 0.0, -0.0, 123456.789,
    9.99995, 0.99995, 1e-5, 1e16, 1e15, 0.1, 1 / 3, float("nan"), float("inf"), float("-inf"),
    1e-300, 5e-324, 12345678901234567890.0, 0.0005, 282.5, 0.44123, 20443820.0, 1786.90364,
]


def js(v):
    if v != v:
        return "NaN"
    if v == float("inf"):
        return "Infinity"
    if v == float("-inf"):
        return "-Infinity"
    if v == 0 and str(v).startswith("-"):
        return "-0"
    return repr(v)


if __name__ == "__main__":
    print("const PYTHON: [number, string, string, string, string][] = [")
    print("  // value, '%.4f', '%.4e', '%.0f', repr")
    for v in VALUES:
        print(f"  [{js(v)}, '{'%.4f' % v}', '{'%.4e' % v}', '{'%.0f' % v}', '{repr(v)}'],")
    print("];")
