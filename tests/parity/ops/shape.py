"""PyTorch references for ops/concat, ops/channel_shuffle and ops/reshape."""
import torch


def concat(t, a):
    return {"y": torch.cat([t[f"x{i}"] for i in range(a["n"])], dim=a["axis"])}


def split(t, a):
    pieces = torch.split(t["x"], a["sizes"], dim=a["axis"])
    return {f"y{i}": piece for i, piece in enumerate(pieces)}


def channel_shuffle(t, a):
    # As torchvision's shufflenetv2.channel_shuffle: view, transpose, flatten back.
    x = t["x"]
    n, c, h, w = x.shape
    g = a["groups"]
    return {"y": x.view(n, g, c // g, h, w).transpose(1, 2).contiguous().view(n, c, h, w)}


def reshape(t, a):
    return {"y": t["x"].reshape(a["dims"])}


def flatten(t, a):
    return {"y": torch.flatten(t["x"], 1)}


OPS = {"concat": concat, "split": split, "channel_shuffle": channel_shuffle, "reshape": reshape,
       "flatten": flatten}
