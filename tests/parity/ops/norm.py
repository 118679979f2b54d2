"""PyTorch references for ops/batch_norm and ops/batch_norm_relu6."""
import torch.nn.functional as F


def batch_norm(t, a):
    running_mean, running_var = t["running_mean"], t["running_var"]  # updated in place when training
    y = F.batch_norm(t["x"], running_mean, running_var, t.get("gamma"), t.get("beta"), training=a["training"],
                     momentum=a["momentum"], eps=a["eps"])
    if a["fuse_relu"]:
        y = F.relu(y)
    return {"y": y, "running_mean": running_mean, "running_var": running_var}


def batch_norm_relu6(t, a):
    running_mean, running_var = t["running_mean"], t["running_var"]  # updated in place
    y = F.batch_norm(t["x"], running_mean, running_var, t["gamma"], t["beta"], training=True,
                     momentum=a["momentum"], eps=a["eps"])
    return {"y": F.relu6(y), "running_mean": running_mean, "running_var": running_var}


OPS = {"batch_norm": batch_norm, "batch_norm_relu6": batch_norm_relu6}
