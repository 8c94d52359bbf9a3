"""Golden texts for test/models/summary.test.ts, rendered by the real `rich` library.

Keras 3 draws `model.summary()` with rich (keras/src/utils/summary_utils.py, print_summary).
This script restates the part of print_summary that matters for a Sequential model and lets
rich itself lay the table out, so the golden texts do not depend on tensorkit's re-implementation
of rich's column arithmetic (ratio_reduce) or of its word wrapping (divide_line):

    positions = [0.45, 0.80, 1.0]                      # sequential_like
    column_widths[i] = int(pos * line_length) - current
    Column(name, justify=["left","left","right"][i], width=column_widths[i])
    Table(*columns, width=line_length, show_lines=True)
    console = Console(highlight=False, force_terminal=False, color_system=None)  # print_fn given
    console.print('Model: "<name>"'); console.print(table); console.print(" Total params: ...")

Layer cells are "<name> (<ClassName>)", shapes Python tuples with None, params f"{n:,}" or
"0 (unbuilt)"; sizes use Keras's readable_memory_size (float32 weights: 4 bytes; the optimizer's
`iteration` counter is int64: 8 bytes). Parameter counts are computed here from the layer
formulas (Dense: in*units + units; BatchNormalization: 4*C of which 2*C non-trainable; Adam:
iteration + learning_rate + 2 slots per trainable weight; SGD without momentum: iteration +
learning_rate).

Run with a Python that has rich (Debian: apt-get install python3-rich; /usr/bin/python3):
    /usr/bin/python3 test/models/summary_reference.py > test/models/summary_golden.json
Produced with rich 13.3.1.
"""

import io
import json

import rich.console
import rich.table


def readable_memory_size(size):
    # keras/src/utils/summary_utils.py
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    scale = 1024
    for unit in units:
        if size / scale < 1:
            return "{:.2f} {}".format(size, unit)
        size /= scale
    return "{:.2f} {}".format(size, units[-1])


def render(model_name, rows, trainable, non_trainable, optimizer=None, line_length=76, connected=False):
    """rows: (layer cell, shape cell, params cell[, connected-to cell]); optimizer: (count, bytes) or None.

    connected: a functional graph that is not a plain chain gets print_summary's fourth column,
    'Connected to', with its own positions (and a default width of min(108, terminal - 4), which
    is 76 without a terminal, as for 3 columns).
    """
    if connected:
        positions = [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    else:
        positions = [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    column_widths = []
    current = 0
    for pos in positions:
        width = int(pos * line_length) - current
        assert width >= 4
        column_widths.append(width)
        current += width
    columns = [rich.table.Column(name, justify=alignment[i], width=column_widths[i]) for i, name in enumerate(header)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)
    for row in rows:
        table.add_row(*[rich.markup.escape(c) for c in row])

    opt_count, opt_bytes = optimizer if optimizer is not None else (0, 0)
    total = trainable + non_trainable + opt_count
    total_bytes = 4 * trainable + 4 * non_trainable + opt_bytes

    out = io.StringIO()
    # A console wide enough for the table (Keras's is the terminal; 80 columns without one).
    console = rich.console.Console(file=out, highlight=False, force_terminal=False, color_system=None, width=max(80, line_length + 4))
    console.print(f'Model: "{model_name}"')
    console.print(table)
    console.print(f" Total params: {total:,} ({readable_memory_size(total_bytes)})")
    console.print(f" Trainable params: {trainable:,} ({readable_memory_size(4 * trainable)})")
    console.print(f" Non-trainable params: {non_trainable:,} ({readable_memory_size(4 * non_trainable)})")
    if optimizer is not None:
        console.print(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_bytes)})")
    return out.getvalue()


def dense_params(inp, units):
    return inp * units + units


def adam(trainable):
    # iteration (int64, 8 bytes) + learning_rate (float32) + momentum and velocity per weight.
    return (2 + 2 * trainable, 8 + 4 + 8 * trainable)


SGD = (2, 8 + 4)

d1 = dense_params(784, 64)  # 50,240
d2 = dense_params(64, 10)  # 650
bn = 4 * 64  # gamma, beta (trainable) + moving mean, variance (non-trainable)

golden = {
    # keras-facts §1.4's sample: Dense(64, input 784) + Dense(10).
    "sample": render("sequential", [("dense (Dense)", "(None, 64)", f"{d1:,}"), ("dense_1 (Dense)", "(None, 10)", f"{d2:,}")], d1 + d2, 0),
    # No input shape and no data yet.
    "unbuilt": render("sequential", [("dense (Dense)", "?", "0 (unbuilt)"), ("dense_1 (Dense)", "?", "0 (unbuilt)")], 0, 0),
    # BatchNormalization: 128 non-trainable params; its 40-character cell wraps at the space.
    "batchnorm": render(
        "sequential",
        [
            ("dense (Dense)", "(None, 64)", f"{d1:,}"),
            ("batch_normalization (BatchNormalization)", "(None, 64)", f"{bn:,}"),
            ("dense_1 (Dense)", "(None, 10)", f"{d2:,}"),
        ],
        d1 + bn // 2 + d2,
        bn // 2,
    ),
    # After fit with Adam: the Optimizer params line.
    "adam_after_fit": render("sequential", [("dense (Dense)", "(None, 64)", f"{d1:,}"), ("dense_1 (Dense)", "(None, 10)", f"{d2:,}")], d1 + d2, 0, adam(d1 + d2)),
    # Deferred build by fit on 100 samples: the first batch (32 rows) fixes the batch size; SGD.
    "deferred_by_fit": render("sequential", [("dense (Dense)", "(32, 64)", f"{d1:,}"), ("dense_1 (Dense)", "(32, 10)", f"{d2:,}")], d1 + d2, 0, SGD),
    # A name longer than the 31-character cell: folded by characters, then the class name.
    "long_name": render(
        "a_model_with_a_rather_long_name",
        [
            ("a_layer_name_much_longer_than_the_column (Dense)", "(None, 64)", f"{d1:,}"),
            ("short (Dense)", "(None, 10)", f"{d2:,}"),
        ],
        d1 + d2,
        0,
    ),
    "line_length_60": render("sequential", [("dense (Dense)", "(None, 64)", f"{d1:,}"), ("dense_1 (Dense)", "(None, 10)", f"{d2:,}")], d1 + d2, 0, line_length=60),
    "line_length_100": render("sequential", [("dense (Dense)", "(None, 64)", f"{d1:,}"), ("dense_1 (Dense)", "(None, 10)", f"{d2:,}")], d1 + d2, 0, line_length=100),
    # A narrow table: the shape cell wraps at its spaces too.
    "line_length_40_conv": render(
        "sequential",
        [
            ("conv2d (Conv2D)", "(None, 26, 26, 32)", f"{3 * 3 * 1 * 32 + 32:,}"),
            ("flatten (Flatten)", "(None, 21632)", "0"),
            ("dense (Dense)", "(None, 10)", f"{dense_params(21632, 10):,}"),
        ],
        3 * 3 * 1 * 32 + 32 + dense_params(21632, 10),
        0,
        line_length=40,
    ),
}

# ---- functional models (test/models/functional_summary.test.ts) ----
# The cells follow print_summary for a Functional: one row per layer of model.layers (InputLayers
# included, shape of the layer's last call), and when the graph is not a chain, 'Connected to':
# "<producer>[<node index>][<tensor index>]" for each input of each call, joined by ", ", "-" for inputs.
conv = 3 * 3 * 1 * 4 + 4  # Conv2D(4, 3) on 1 channel
conv1x1 = 1 * 1 * 1 * 4 + 4  # Conv2D(4, 1)
head = dense_params(8 * 8 * 4, 3)
golden["functional_residual"] = render(
    "resnetish",
    [
        ("img (InputLayer)", "(None, 8, 8, 1)", "0", "-"),
        ("conv2d (Conv2D)", "(None, 8, 8, 4)", f"{conv:,}", "img[0][0]"),
        ("conv2d_1 (Conv2D)", "(None, 8, 8, 4)", f"{conv1x1:,}", "img[0][0]"),
        ("add (Add)", "(None, 8, 8, 4)", "0", "conv2d[0][0], conv2d_1[0][0]"),
        ("flatten (Flatten)", "(None, 256)", "0", "add[0][0]"),
        ("dense (Dense)", "(None, 3)", f"{head:,}", "flatten[0][0]"),
    ],
    conv + conv1x1 + head,
    0,
    connected=True,
)
h, price, kind = dense_params(4, 3), dense_params(5, 1), dense_params(5, 2)
golden["functional_two_outputs"] = render(
    "functional",
    [
        ("a (InputLayer)", "(None, 4)", "0", "-"),
        ("h (Dense)", "(None, 3)", f"{h:,}", "a[0][0]"),
        ("b (InputLayer)", "(None, 2)", "0", "-"),
        ("concatenate (Concatenate)", "(None, 5)", "0", "h[0][0], b[0][0]"),
        ("price (Dense)", "(None, 1)", f"{price:,}", "concatenate[0][0]"),
        ("kind (Dense)", "(None, 2)", f"{kind:,}", "concatenate[0][0]"),
    ],
    h + price + kind,
    0,
    connected=True,
)
# A layer called twice (nodes 0 and 1) and a nested functional model (its first call is node 0).
shared, enc, side = dense_params(4, 4), dense_params(4, 2), dense_params(4, 2)
golden["functional_shared_nested"] = render(
    "outer",
    [
        ("x (InputLayer)", "(None, 4)", "0", "-"),
        ("shared (Dense)", "(None, 4)", f"{shared:,}", "x[0][0], shared[0][0]"),
        ("encoder (Functional)", "(None, 2)", f"{enc:,}", "shared[1][0]"),
        ("side (Dense)", "(None, 2)", f"{side:,}", "x[0][0]"),
        ("add (Add)", "(None, 2)", "0", "encoder[0][0], side[0][0]"),
    ],
    shared + enc + side,
    0,
    connected=True,
)
# A plain chain: three columns, as Sequential, but with its InputLayer row.
golden["functional_chain"] = render(
    "chain",
    [
        ("input_layer (InputLayer)", "(None, 4)", "0"),
        ("dense (Dense)", "(None, 8)", f"{dense_params(4, 8):,}"),
        ("dense_1 (Dense)", "(None, 1)", f"{dense_params(8, 1):,}"),
    ],
    dense_params(4, 8) + dense_params(8, 1),
    0,
)

print(json.dumps(golden, indent=2, ensure_ascii=False))
