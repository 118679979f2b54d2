"""PyTorch references for ops/eltwise."""
import torch
import torch.nn.functional as F

OPS = {
    "relu": lambda t, a: {"y": F.relu(t["x"])},
    "relu6": lambda t, a: {"y": F.relu6(t["x"])},
    "hardswish": lambda t, a: {"y": F.hardswish(t["x"])},
    "hardsigmoid": lambda t, a: {"y": F.hardsigmoid(t["x"])},
    "sigmoid": lambda t, a: {"y": torch.sigmoid(t["x"])},
    "swish": lambda t, a: {"y": F.silu(t["x"])},
}
