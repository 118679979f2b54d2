"""Shared fixtures of the Python module's tests: a tiny generated IDX data set (four classes of
12x12 gray images, as tests/train/tiny_dataset.cpp writes them), a tiny config as a dict, the
`minnow` command (MINNOW_CLI, set by ctest like PYTHONPATH) and a numpy safetensors reader.
One straight training run is made once per session and shared."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import minnow

CLI = os.environ.get("MINNOW_CLI", "minnow")


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def tiny_images(n, seed):
    """n images with labels i % 4: a bright square in the label's corner, plus noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 4
    images = rng.integers(0, 80, size=(n, 12, 12))
    for i, label in enumerate(labels):
        rows = slice(0, 6) if label < 2 else slice(6, 12)
        cols = slice(0, 6) if label % 2 == 0 else slice(6, 12)
        images[i, rows, cols] += 160
    return images.astype(np.uint8), labels.astype(np.uint8)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("idx")
    for prefix, n, seed in (("train", 96, 1), ("t10k", 32, 2)):
        images, labels = tiny_images(n, seed)
        write_idx(root / f"{prefix}-images-idx3-ubyte", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte", labels)
    return root


def tiny_config(data_dir, output, epochs=2, qat=False):
    """MobileNet-v1 x0.125 at 12 px: 6 steps of 16 images an epoch, 1 thread, a step record each step."""
    config = {
        "model": {"name": "mobilenet_v1", "width": 0.125, "resolution": 12, "num_classes": 4, "in_channels": 1,
                  "small_input": True},
        "data": {"format": "idx", "train": [str(data_dir)], "batch_size": 16, "workers": 0,
                 "transforms": {"random_crop_padding": 2, "mean": [0.3], "std": [0.3]}},
        "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 1.0e-4},
        "schedule": {"name": "cosine", "warmup_epochs": 0.5},
        "epochs": epochs,
        "threads": 1,
        "seed": 7,
        "log_every_steps": 1,
        "output": str(output),
    }
    if qat:
        config["qat"] = {"enabled": True}
    return config


@pytest.fixture(scope="session")
def straight_run(data_dir, tmp_path_factory):
    """A 2-epoch run from Python: its config dict, run folder, summary and progress records."""
    output = tmp_path_factory.mktemp("straight") / "run"
    config = tiny_config(data_dir, output)
    records = []
    summary = minnow.train(config, progress=records.append)
    return config, output, summary, records


def run_cli(*args, check=True):
    run = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check:
        assert run.returncode == 0, run.stderr
    return run


def read_safetensors(path):
    """{name: array} and the metadata of a safetensors file."""
    data = pathlib.Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    types = {"F32": np.float32, "I8": np.int8, "U8": np.uint8, "I32": np.int32, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        tensors[name] = np.frombuffer(raw, dtype=types[entry["dtype"]]).reshape(entry["shape"])
    return tensors, metadata


def normalised_test_images(data_dir):
    """The test split as the evaluation transform gives it: (N, 1, 12, 12) float32."""
    raw = (data_dir / "t10k-images-idx3-ubyte").read_bytes()
    images = np.frombuffer(raw[16:], dtype=np.uint8).reshape(-1, 1, 12, 12)
    return (images.astype(np.float32) / np.float32(255) - np.float32(0.3)) / np.float32(0.3)
