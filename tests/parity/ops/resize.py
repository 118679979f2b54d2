"""PyTorch reference for ops/resize (inference only: no gradients)."""
import torch.nn.functional as F


def resize_bilinear(t, a):
    return {"y": F.interpolate(t["x"], size=(a["height"], a["width"]), mode="bilinear", align_corners=False)}


OPS = {"resize_bilinear": resize_bilinear}
