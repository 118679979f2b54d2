#!/usr/bin/python3
"""torchvision side of the model tests (tests/support/model_parity.h is the C++ side).

usage:
  torchvision_models.py describe OUT.json --num-classes K MODEL...
      writes {MODEL: {"params": N, "parameters": [[name, shape], ...], "buffers": [...]}},
      names in named_parameters() / named_buffers() order.
  torchvision_models.py reference OUT.safetensors --model NAME [--num-classes K] [--batch N]
                        [--resolution R] [--seed S] [--kwargs JSON] [--min-relu-margin M]
      builds torchvision.models.NAME(weights=None, num_classes=K, **kwargs) after
      torch.manual_seed(S), gives every BatchNorm random affine parameters and running
      statistics (so loading them is tested), draws an input and labels (redrawing, at most
      100 times, until every ReLU / ReLU6 input of the train-mode forward lies at least M
      from its kink: float32 rounding must not flip a ReLU, whose gradient would then differ
      by whole elements), and writes:
        state/<key>   every state_dict() entry (num_batches_tracked as I32, the type of minnow's buffer)
        input         (N, 3, R, R) uniform in [-1, 1);  labels (N) I32
        eval/logits   eval mode
        train/logits, train/loss   train mode, mean cross-entropy on labels
        grad/<param>  the train-mode gradient of every parameter
        after/<buffer>  every buffer after that train-mode forward (BN running statistics)
      metadata: "draws" (inputs drawn) and "relu_margin" (the smallest distance to a kink).
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
import torchvision

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import safetensors_io  # noqa: E402


def build(name, num_classes, kwargs):
    return getattr(torchvision.models, name)(weights=None, num_classes=num_classes, **kwargs)


def describe(args):
    out = {}
    for name in args.models:
        model = build(name, args.num_classes, {})
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


def relu_margin(model, x):
    """Smallest distance of a ReLU / ReLU6 input to a kink in a train-mode forward (on a copy:
    train mode updates the running statistics)."""
    probe = copy.deepcopy(model).train()
    margins = []

    def record(module, inputs):
        v = inputs[0].detach().abs()
        if isinstance(module, torch.nn.ReLU6):
            v = torch.minimum(v, (inputs[0].detach() - 6).abs())
        margins.append(v.min().item())

    for module in probe.modules():
        if isinstance(module, (torch.nn.ReLU, torch.nn.ReLU6)):
            module.register_forward_pre_hook(record)
    with torch.no_grad():
        probe(x)
    return min(margins, default=float("inf"))


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
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    result["train/logits"] = logits.detach().float()
    result["train/loss"] = loss.detach().float().reshape(1)
    for name, p in model.named_parameters():
        result["grad/" + name] = p.grad.float()
    for name, b in model.named_buffers():
        result["after/" + name] = b.to(torch.int32) if b.dtype == torch.int64 else b.float()
    safetensors_io.write(args.out, result, {"draws": draws, "relu_margin": margin})


def main():
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe")
    d.add_argument("out")
    d.add_argument("--num-classes", type=int, default=1000)
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
    args = parser.parse_args()
    describe(args) if args.command == "describe" else reference(args)


if __name__ == "__main__":
    main()
