#!/usr/bin/python3
"""torchvision side of the weight interop tests (tests/train/test_torchvision_interop.cpp).

usage: torchvision_interop.py state-dict   WEIGHTS.safetensors IO.safetensors [MODEL]
       torchvision_interop.py check-export WEIGHTS.safetensors CIFAR.bin LOGITS.safetensors MEAN STD [MODEL]

MODEL is a torchvision.models name (or a model reference_models.py defines from its paper, such as
xception), mobilenet_v2 unless given, built by reference_models.torch_model (which gives googlenet no
auxiliary heads, as minnow's).
state-dict: torchvision's MODEL(num_classes=10) at seed 0, with BN running statistics and
affine parameters randomised (so evaluation-mode BN is no identity) and num_batches_tracked 7, saved
as its state dict (num_batches_tracked as I64). IO gets "input" (4, 3, 32, 32) and torchvision's
evaluation-mode "logits" (4, 10) for it. googlenet's convs are re-drawn kaiming_normal (fan_out) and its
fc N(0, 0.01^2) with bias 0: under its own init the logits are the fc bias for any input.
check-export: loads a minnow export into MODEL(num_classes=10) (strict names and shapes; for MNASNet
with the state dict's format version 2 attached, as torchvision requires), runs
the CIFAR-10 batch file's images, (x / 255 - MEAN) / STD with comma-separated per-channel MEAN and STD,
through it in eval mode and compares with minnow's tensor "logits":
|a - b| <= 1e-4 |b| + 1e-5 max(1, max |b|). Exits with status 1 on a mismatch.
"""
import collections
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import reference_models  # noqa: E402
import safetensors_io  # noqa: E402

RTOL = 1e-4
ATOL_SCALE = 1e-5


def make_state_dict(weights_path, io_path, model_name):
    torch.manual_seed(0)
    model = reference_models.torch_model(model_name, num_classes=10)
    with torch.no_grad():
        if model_name == "googlenet":
            for module in model.modules():
                if isinstance(module, torch.nn.Conv2d):
                    torch.nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(module, torch.nn.Linear):
                    torch.nn.init.normal_(module.weight, 0.0, 0.01)
                    torch.nn.init.zeros_(module.bias)
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.2)
                module.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(x)
    safetensors_io.write(weights_path, {name: t for name, t in model.state_dict().items()})
    safetensors_io.write(io_path, {"input": x, "logits": logits})


def cifar_images(path, mean, std):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    images = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / np.float32(255)
    mean = np.asarray(mean, dtype=np.float32).reshape(1, 3, 1, 1)
    std = np.asarray(std, dtype=np.float32).reshape(1, 3, 1, 1)
    return torch.from_numpy((images - mean) / std)


def check_export(weights_path, cifar_path, logits_path, mean, std, model_name):
    tensors, metadata = safetensors_io.read(weights_path)
    print(f"minnow export: format {metadata.get('format')}, model {metadata.get('model.name')}, {len(tensors)} tensors")
    model = reference_models.torch_model(model_name, num_classes=10)
    state = collections.OrderedDict((name, torch.from_numpy(array)) for name, array in tensors.items())
    if model_name.startswith("mnasnet"):
        # torchvision's MNASNet refuses a state dict without its format version (mnasnet.py,
        # _load_from_state_dict); version 2 is the current layout, which minnow's names follow.
        state._metadata = {"": {"version": 2}}
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        expected = model(cifar_images(cifar_path, mean, std)).numpy()
    got = safetensors_io.read(logits_path)[0]["logits"]
    if got.shape != expected.shape:
        print(f"minnow logits {got.shape}, torchvision {expected.shape}")
        return 1
    atol = ATOL_SCALE * max(1.0, float(np.abs(expected).max()))
    error = np.abs(got - expected)
    worst = float((error / (RTOL * np.abs(expected) + atol)).max())
    print(f"max |minnow - torchvision| {error.max():.3g} over logits up to {np.abs(expected).max():.3g}; "
          f"worst error / tolerance {worst:.3f}")
    return 0 if worst <= 1.0 else 1


def floats(text):
    return [float(v) for v in text.split(",")]


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "state-dict":
        make_state_dict(argv[1], argv[2], argv[3] if len(argv) == 4 else "mobilenet_v2")
        return 0
    if len(argv) in (6, 7) and argv[0] == "check-export":
        name = argv[6] if len(argv) == 7 else "mobilenet_v2"
        return check_export(argv[1], argv[2], argv[3], floats(argv[4]), floats(argv[5]), name)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main(sys.argv[1:]))
