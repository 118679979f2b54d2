"""PyTorch references for ops/batch_norm."""
import torch.nn.functional as F


def batch_norm(t, a):
    running_mean, running_var = t["running_mean"], t["running_var"]  # updated in place when training
    y = F.batch_norm(t["x"], running_mean, running_var, t.get("gamma"), t.get("beta"), training=a["training"],
                     momentum=a["momentum"], eps=a["eps"])
    if a["fuse_relu"]:
        y = F.relu(y)
    return {"y": y, "running_mean": running_mean, "running_var": running_var}


OPS = {"batch_norm": batch_norm}
