"""PyTorch references for ops/fake_quant and ops/quant_params (torch.ao.quantization observers)."""
import torch
from torch.ao.quantization.observer import MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver


def fake_quant_per_tensor(t, a):
    return {"y": torch.fake_quantize_per_tensor_affine(t["x"], a["scale"], a["zero_point"], a["qmin"], a["qmax"])}


def fake_quant_after_clip(t, a):
    """torch.ao QAT's order after a ReLU or ReLU6: the activation, then the FakeQuantize."""
    clipped = torch.nn.functional.relu6(t["x"]) if a["relu6"] else torch.relu(t["x"])
    return {"y": torch.fake_quantize_per_tensor_affine(clipped, a["scale"], a["zero_point"], a["qmin"], a["qmax"])}


def fake_quant_per_channel(t, a):
    zero_point = t["zero_point"] if a["float_zero_point"] else t["zero_point"].to(torch.int32)
    return {"y": torch.fake_quantize_per_channel_affine(t["x"], t["scale"], zero_point, 0, a["qmin"], a["qmax"])}


def fake_quant_lsq(t, a):
    x, scale = t["x"], t["scale"]
    zero_point = torch.full(scale.shape, float(a["zero_point"]))
    if a["per_channel"]:
        y = torch._fake_quantize_learnable_per_channel_affine(x, scale, zero_point, 0, a["qmin"], a["qmax"],
                                                              a["grad_factor"])
    else:
        y = torch._fake_quantize_learnable_per_tensor_affine(x, scale, zero_point, a["qmin"], a["qmax"],
                                                             a["grad_factor"])
    return {"y": y}


def observer_qparams(t, a):
    dtype = torch.qint8 if a["signed"] else torch.quint8
    if a["per_channel"]:
        scheme = torch.per_channel_symmetric if a["symmetric"] else torch.per_channel_affine
        observer = PerChannelMinMaxObserver(ch_axis=0, dtype=dtype, qscheme=scheme, quant_min=a["qmin"],
                                            quant_max=a["qmax"])
    else:
        scheme = torch.per_tensor_symmetric if a["symmetric"] else torch.per_tensor_affine
        observer = MinMaxObserver(dtype=dtype, qscheme=scheme, quant_min=a["qmin"], quant_max=a["qmax"])
    observer(t["x"])
    scale, zero_point = observer.calculate_qparams()
    return {"scale": scale, "zero_point": zero_point.float(), "min": observer.min_val.reshape(-1),
            "max": observer.max_val.reshape(-1)}


def moving_average_min_max(t, a):
    """t["x"] stacks the observed batches along dim 0; returns the running range after each."""
    observer = MovingAverageMinMaxObserver(averaging_constant=a["momentum"])
    mins, maxs = [], []
    for batch in t["x"]:
        observer(batch)
        mins.append(observer.min_val.clone())
        maxs.append(observer.max_val.clone())
    return {"min": torch.stack(mins), "max": torch.stack(maxs)}


OPS = {
    "fake_quant_per_tensor": fake_quant_per_tensor,
    "fake_quant_after_clip": fake_quant_after_clip,
    "fake_quant_per_channel": fake_quant_per_channel,
    "fake_quant_lsq": fake_quant_lsq,
    "observer_qparams": observer_qparams,
    "moving_average_min_max": moving_average_min_max,
}
