"""PyTorch references for ops/pooling."""
import torch.nn.functional as F


def max_pool2d(t, a):
    return {"y": F.max_pool2d(t["x"], a["kernel"], a["stride"], a["padding"], ceil_mode=a["ceil_mode"])}


def avg_pool2d(t, a):
    return {"y": F.avg_pool2d(t["x"], a["kernel"], a["stride"], a["padding"], ceil_mode=a["ceil_mode"],
                              count_include_pad=a["count_include_pad"])}


def global_avg_pool(t, a):
    return {"y": F.adaptive_avg_pool2d(t["x"], 1)}


OPS = {"max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d, "global_avg_pool": global_avg_pool}
