"""The fixture file shared with tests/core/test_safetensors.cpp (same names, dtypes and formulas).

  safetensors_fixture.py write PATH   writes it the PyTorch way (torch tensors, BF16 via torch)
  safetensors_fixture.py check PATH   reads a file minnow wrote and exits non-zero on any mismatch
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

METADATA = {"format": "pt", "model": "fixture"}


def expected():
    """name -> (file dtype, shape, float64 values); minnow stores the scalar's shape [] as [1]."""
    def grid(shape, f):
        count = int(np.prod(shape, dtype=np.int64))
        return np.array([f(i) for i in range(count)], dtype=np.float64).reshape(shape)
    return {
        "features.0.weight": ("F32", [4, 3, 3, 3], grid([4, 3, 3, 3], lambda i: ((i % 17) - 8) / 16)),
        "features.0.bias": ("F32", [4], grid([4], lambda i: i * 0.375 - 0.5)),
        "scalar": ("F32", [], np.array(2.5)),
        "bf16": ("BF16", [3, 5], grid([3, 5], lambda i: (i - 4) * 0.5)),
        "i8": ("I8", [10], grid([10], lambda i: i * 25 - 128)),
        "u8": ("U8", [4, 4], grid([4, 4], lambda i: i * 16 + 15)),
        "i32": ("I32", [2, 2], np.array([[-2147483648, 2147483647], [0, 123456789]], dtype=np.float64)),
    }


def write(path):
    torch_types = {"F32": torch.float32, "BF16": torch.bfloat16}
    numpy_types = {"I8": np.int8, "U8": np.uint8, "I32": np.int32}
    tensors = {}
    for name, (dtype, _, values) in expected().items():
        if dtype in torch_types:
            tensors[name] = torch.tensor(values).to(torch_types[dtype])
        else:
            tensors[name] = values.astype(numpy_types[dtype])
    safetensors_io.write(path, tensors, METADATA)


def check(path):
    header, metadata, _ = safetensors_io.read_header(path)
    tensors, _ = safetensors_io.read(path)
    problems = []
    if metadata != METADATA:
        problems.append(f"metadata {metadata}, expected {METADATA}")
    want = expected()
    if set(header) != set(want):
        problems.append(f"tensor names {sorted(header)}, expected {sorted(want)}")
    for name in sorted(set(header) & set(want)):
        dtype, shape, values = want[name]
        got_shape = header[name]["shape"]
        if header[name]["dtype"] != dtype:
            problems.append(f"{name}: dtype {header[name]['dtype']}, expected {dtype}")
        if got_shape != shape and not (shape == [] and got_shape == [1]):
            problems.append(f"{name}: shape {got_shape}, expected {shape}")
        elif not np.array_equal(tensors[name].astype(np.float64).reshape(values.shape), values):
            problems.append(f"{name}: values {tensors[name].ravel()[:8]}, expected {values.ravel()[:8]}")
    for problem in problems:
        print(f"safetensors_fixture: {path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(f"usage: {sys.argv[0]} write|check PATH")
    sys.exit(write(sys.argv[2]) if sys.argv[1] == "write" else check(sys.argv[2]))
