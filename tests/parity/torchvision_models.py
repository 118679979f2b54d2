#!/usr/bin/python3
"""torchvision side of the model tests (tests/support/model_parity.h is the C++ side).

usage:
  torchvision_models.py describe OUT.json --num-classes K [--kwargs JSON] MODEL...
      builds each torchvision.models.MODEL(weights=None, num_classes=K, **kwargs) (with
      reference_models.ZOO_KWARGS, e.g. googlenet without auxiliary heads; or, for a model
      torchvision lacks, reference_models.py's definition from its paper) and writes {MODEL: {"params": N, "parameters": [[name, shape], ...], "buffers": [...]}},
      names in named_parameters() / named_buffers() order.
  torchvision_models.py reference OUT.safetensors --model NAME [--num-classes K] [--batch N]
                        [--resolution R] [--seed S] [--kwargs JSON] [--min-relu-margin M]
                        [--kink-inputs IN.safetensors]
      builds torchvision.models.NAME(weights=None, num_classes=K, **kwargs) (or reference_models.py's) after
      torch.manual_seed(S), gives every BatchNorm random affine parameters and running
      statistics (so loading them is tested), draws an input and labels (redrawing, at most
      100 times, until every ReLU / ReLU6 / Hardtanh input of the train-mode forward lies at
      least M from its kinks: float32 rounding must not flip a ReLU, whose gradient would
      then differ by whole elements), and writes:
        state/<key>   every state_dict() entry (num_batches_tracked as I32, the type of minnow's buffer)
        input         (N, 3, R, R) uniform in [-1, 1);  labels (N) I32
        eval/logits   eval mode
        train/logits, train/loss   train mode, mean cross-entropy on labels
        grad/<param>  the train-mode gradient of every parameter
        after/<buffer>  every buffer after that train-mode forward (BN running statistics)
      metadata: "draws" (inputs drawn) and "relu_margin" (the smallest distance to a kink).
      --kink-inputs: the inputs of every ReLU / ReLU6 / Hardtanh module in the train-mode
      forward of a float32 run of the same model, or their outputs (on the same side of every
      kink), by module name (the C++ side writes the outputs).
      The train-mode reference takes each element's side of the kinks from them, so float32
      rounding that moves an input across a kink cannot give it a different gradient. A side
      may differ from the float64 one only within 1e-4 max|input| of a kink (else exit 1);
      metadata "kink_flips" counts the elements whose side differs and "kink_flip_distance"
      is the largest distance of one from its kink, over that bound.
      The forward and backward run in float64 from the float32 values that are saved, so
      the reference carries no float32 rounding of its own; results are saved as float32.
"""
import argparse
import copy
import json
import pathlib
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import reference_models  # noqa: E402
import safetensors_io  # noqa: E402


def build(name, num_classes, kwargs):
    kwargs = dict(kwargs)
    # torchvision's efficientnet_b* pass their own dropout, so a "dropout" argument is a
    # TypeError there: it is set on the built model's Dropout modules instead.
    dropout = kwargs.pop("dropout", None) if name.startswith("efficientnet_b") else None
    model = reference_models.torch_model(name, num_classes=num_classes, **kwargs)
    if dropout is not None:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = dropout
    return model


def describe(args):
    out = {}
    for name in args.models:
        model = build(name, args.num_classes, json.loads(args.kwargs))
        out[name] = {
            "params": sum(p.numel() for p in model.parameters()),
            "parameters": [[k, list(v.shape)] for k, v in model.named_parameters()],
            "buffers": [[k, list(v.shape)] for k, v in model.named_buffers()],
        }
    with open(args.out, "w") as f:
        json.dump(out, f)


def randomize_batch_norms(model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            c = module.num_features
            with torch.no_grad():
                module.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                module.bias.copy_(torch.rand(c, generator=generator) * 0.4 - 0.2)
                module.running_mean.copy_(torch.rand(c, generator=generator) * 0.2 - 0.1)
                module.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
                module.num_batches_tracked.fill_(3)


KINKED = (torch.nn.ReLU, torch.nn.Hardtanh)  # Hardtanh includes ReLU6


def kinks(module):
    """(lower, upper) kinks of a ReLU (upper None) or Hardtanh such as ReLU6 (0 and 6)."""
    return (module.min_val, module.max_val) if isinstance(module, torch.nn.Hardtanh) else (0.0, None)


def kink_distance(v, lower, upper):
    distance = (v - lower).abs()
    return distance if upper is None else torch.minimum(distance, (v - upper).abs())


def relu_margin(model, x):
    """Smallest distance of a ReLU / ReLU6 / Hardtanh input to a kink in a train-mode forward
    (on a copy: train mode updates the running statistics)."""
    probe = copy.deepcopy(model).train()
    margins = []

    def record(module, inputs):
        margins.append(kink_distance(inputs[0].detach(), *kinks(module)).min().item())

    for module in probe.modules():
        if isinstance(module, KINKED):
            module.register_forward_pre_hook(record)
    with torch.no_grad():
        probe(x)
    return min(margins, default=float("inf"))


class KinkFollowing(torch.nn.Module):
    """A ReLU / Hardtanh whose side of each kink comes from decided (the float32 input or output
    of the same module in another run); values and gradients are float64."""

    def __init__(self, name, decided, lower, upper, stats):
        super().__init__()
        self.name, self.lower, self.upper, self.stats = name, lower, upper, stats
        self.decided = self.region(decided)

    def region(self, v):  # 0: at or below lower, 1: between the kinks (gradient 1), 2: at or above upper
        above = v >= self.upper if self.upper is not None else torch.zeros_like(v, dtype=torch.bool)
        return (v > self.lower).int() + above.int()

    def forward(self, x):
        if x.shape != self.decided.shape:
            sys.exit(f"{self.name}: kink inputs have shape {list(self.decided.shape)}, the model gives {list(x.shape)}")
        flipped = self.decided != self.region(x.detach())
        if flipped.any():
            distance = kink_distance(x.detach()[flipped], self.lower, self.upper).max().item()
            bound = 1e-4 * x.detach().abs().max().item()
            self.stats["kink_flips"] += flipped.sum().item()
            self.stats["kink_flip_distance"] = max(self.stats["kink_flip_distance"], distance / bound)
        clamped = torch.full_like(x, self.lower).masked_fill(self.decided == 2, self.upper or 0.0)
        return torch.where(self.decided == 1, x, clamped)


def follow_kinks(model, path):
    """Replaces every ReLU / Hardtanh of model by KinkFollowing on the float32 inputs in path."""
    decided, _ = safetensors_io.read(path)
    stats = {"kink_flips": 0, "kink_flip_distance": 0.0}
    for name, module in list(model.named_modules()):
        if not isinstance(module, KINKED):
            continue
        if name not in decided:
            sys.exit(f"{path}: no input for {name}")
        parent, _, child = name.rpartition(".")
        replacement = KinkFollowing(name, torch.as_tensor(decided[name]).double(), *kinks(module), stats)
        setattr(model.get_submodule(parent), child, replacement)
    return stats


def state_tensors(model, prefix):
    out = {}
    for key, value in model.state_dict().items():
        value = value.detach()
        out[prefix + key] = value.to(torch.int32) if value.dtype == torch.int64 else value.float()
    return out


def reference(args):
    torch.manual_seed(args.seed)
    model = build(args.model, args.num_classes, json.loads(args.kwargs))
    generator = torch.Generator().manual_seed(args.seed + 1)
    randomize_batch_norms(model, generator)
    result = state_tensors(model, "state/")
    model = model.double()
    for draws in range(1, 101):
        x = torch.rand(args.batch, 3, args.resolution, args.resolution, generator=generator) * 2 - 1
        labels = torch.randint(0, args.num_classes, (args.batch,), generator=generator)
        margin = relu_margin(model, x.double()) if args.min_relu_margin > 0 else float("inf")
        if margin >= args.min_relu_margin:
            break
    else:
        sys.exit(f"{args.model}: no input in 100 draws keeps every ReLU input {args.min_relu_margin} from its kink")
    result["input"] = x
    result["labels"] = labels.to(torch.int32)

    x = x.double()
    model.eval()
    with torch.no_grad():
        result["eval/logits"] = model(x).float()
    model.train()
    kinks = follow_kinks(model, args.kink_inputs) if args.kink_inputs else {}
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    result["train/logits"] = logits.detach().float()
    result["train/loss"] = loss.detach().float().reshape(1)
    for name, p in model.named_parameters():
        result["grad/" + name] = p.grad.float()
    for name, b in model.named_buffers():
        result["after/" + name] = b.to(torch.int32) if b.dtype == torch.int64 else b.float()
    if kinks.get("kink_flip_distance", 0) > 1:
        sys.exit(f"{args.model}: a kink input takes the other side than in float64 {kinks['kink_flip_distance']} times "
                 "1e-4 max|input| away from the kink")
    safetensors_io.write(args.out, result, {"draws": draws, "relu_margin": margin, **kinks})


def main():
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe")
    d.add_argument("out")
    d.add_argument("--num-classes", type=int, default=1000)
    d.add_argument("--kwargs", default="{}")
    d.add_argument("models", nargs="+")
    r = sub.add_parser("reference")
    r.add_argument("out")
    r.add_argument("--model", required=True)
    r.add_argument("--num-classes", type=int, default=10)
    r.add_argument("--batch", type=int, default=2)
    r.add_argument("--resolution", type=int, default=64)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--kwargs", default="{}")
    r.add_argument("--min-relu-margin", type=float, default=0.0)
    r.add_argument("--kink-inputs", default="")
    args = parser.parse_args()
    describe(args) if args.command == "describe" else reference(args)


if __name__ == "__main__":
    main()
