"""PyTorch reference for train/distill_loss: alpha T^2 KL(teacher || student) + (1 - alpha) CE."""
import torch.nn.functional as F


def distillation_loss(t, a):
    temp, alpha = a["temperature"], a["alpha"]
    soft = temp * temp * F.kl_div(F.log_softmax(t["s"] / temp, dim=1), F.softmax(t["t"] / temp, dim=1),
                                  reduction="batchmean")
    hard = F.cross_entropy(t["s"], t["labels"].long(), label_smoothing=a["label_smoothing"])
    total = alpha * soft + (1 - alpha) * hard
    return {"y": total.reshape(1), "soft": soft.reshape(1), "hard": hard.reshape(1)}


OPS = {"distillation_loss": distillation_loss}
