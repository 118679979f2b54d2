"""PyTorch references for ops/conv2d."""
import torch.nn.functional as F


def conv2d(t, a):
    return {"y": F.conv2d(t["x"], t["w"], t.get("b"), stride=a["stride"], padding=a["padding"],
                          dilation=a["dilation"], groups=a["groups"])}


OPS = {"conv2d": conv2d}
