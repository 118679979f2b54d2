"""PyTorch references for ops/linear."""
import torch.nn.functional as F


def linear(t, a):
    return {"y": F.linear(t["x"], t["w"], t.get("b"))}


OPS = {"linear": linear}
