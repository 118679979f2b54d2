"""PyTorch reference for ops/stochastic_depth: torchvision.ops.stochastic_depth in "row" mode,
with its Bernoulli draw replaced by minnow's keep flags (input "keep", one 0/1 per sample),
so that the rest of torchvision's function (the 1 / (1 - p) scale, the product) runs as is."""
import torch
import torchvision


def stochastic_depth(t, a):
    keep = t["keep"]
    original = torch.Tensor.bernoulli_

    def fixed_draw(noise, survival_rate):
        assert noise.shape[0] == keep.shape[0] and survival_rate == 1.0 - a["p"]
        return noise.copy_(keep.reshape(noise.shape).to(noise.dtype))

    torch.Tensor.bernoulli_ = fixed_draw
    try:
        return {"y": torchvision.ops.stochastic_depth(t["x"], a["p"], "row", training=True)}
    finally:
        torch.Tensor.bernoulli_ = original


OPS = {"stochastic_depth": stochastic_depth}
