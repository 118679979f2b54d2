"""PyTorch references for ops/binarize: XNOR-Net's binarization with the clipped straight-through estimator.

The STE is the only hand-written gradient (SignSte); the weight's scale alpha = mean |w| per output
channel goes through torch's own autograd, so its gradient term is derived independently of minnow's.
"""
import torch


class SignSte(torch.autograd.Function):
    """sign(x) (torch.sign: sign(0) = 0) forward; dx = dy * 1{|x| <= 1} backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy * (x.abs() <= 1).to(dy.dtype)


def binarize_weight(t, a):
    w = t["x"]
    alpha = w.abs().mean(dim=tuple(range(1, w.dim())), keepdim=True)  # per output channel (dim 0)
    return {"y": alpha * SignSte.apply(w)}


def binarize_activation(t, a):
    return {"y": SignSte.apply(t["x"])}


OPS = {
    "binarize_weight": binarize_weight,
    "binarize_activation": binarize_activation,
}
