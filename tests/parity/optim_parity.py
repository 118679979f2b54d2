#!/usr/bin/python3
"""PyTorch side of the optimizer, gradient-clipping and schedule parity tests.

usage: optim_parity.py optim    REQUEST.safetensors RESPONSE.safetensors
       optim_parity.py clip     REQUEST.safetensors RESPONSE.safetensors
       optim_parity.py schedule REQUEST.json        RESPONSE.json

optim: tensors "param/<name>" (initial values) and "grad/<step>/<name>" (a missing one means
no gradient that step); metadata "params" (JSON list of names, in order) and "cases" (JSON list
of {"id", "optimizer": "sgd"|"adamw", "args": {...}, "no_decay_bn_bias", "lrs": [per step]}).
Writes "<id>/<step>/<name>" (parameters after each step) and "<id>/state/<name>.<key>".
clip: tensors "grad/<name>", metadata "max_norms" (JSON list). Writes "<i>/norm" and "<i>/<name>".
schedule: a JSON list of cases (see lr_sequence); writes {id: [lr per step]}.
"""
import json
import pathlib
import sys
import warnings

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import safetensors_io  # noqa: E402


def run_optim(request, response):
    tensors, metadata = safetensors_io.read(request)
    names = json.loads(metadata["params"])
    out = {}
    for case in json.loads(metadata["cases"]):
        params = {n: torch.from_numpy(tensors["param/" + n].copy()).requires_grad_(True) for n in names}
        args = dict(case["args"])
        if case["no_decay_bn_bias"]:
            exempt = [n for n in names if params[n].ndim <= 1 or n == "bias" or n.endswith(".bias")]
            groups = [{"params": [params[n] for n in names if n not in exempt]},
                      {"params": [params[n] for n in exempt], "weight_decay": 0.0}]
        else:
            groups = [{"params": [params[n] for n in names]}]
        make = torch.optim.SGD if case["optimizer"] == "sgd" else torch.optim.AdamW
        optimizer = make(groups, lr=case["lrs"][0], foreach=False, **args)
        for step, lr in enumerate(case["lrs"]):
            for n in names:
                grad = tensors.get(f"grad/{step}/{n}")
                params[n].grad = None if grad is None else torch.from_numpy(grad.copy())
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.step()
            for n in names:
                out[f"{case['id']}/{step}/{n}"] = params[n].detach().clone()
        for n in names:
            for key, value in optimizer.state[params[n]].items():
                if value is None:  # SGD without momentum keeps momentum_buffer = None
                    continue
                value = value.detach()
                out[f"{case['id']}/state/{n}.{key}"] = value.to(torch.int32).reshape(1) if key == "step" else value
    safetensors_io.write(response, out)


def run_clip(request, response):
    tensors, metadata = safetensors_io.read(request)
    names = [k[len("grad/"):] for k in tensors]
    out = {}
    for i, max_norm in enumerate(json.loads(metadata["max_norms"])):
        params = []
        for n in names:
            p = torch.zeros(tensors["grad/" + n].shape, requires_grad=True)
            p.grad = torch.from_numpy(tensors["grad/" + n].copy())
            params.append(p)
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        out[f"{i}/norm"] = norm.reshape(1).float()
        for n, p in zip(names, params):
            out[f"{i}/{n}"] = p.grad
    safetensors_io.write(response, out)


def stepped(scheduler, optimizer, count):
    """The learning rate the scheduler gives at each of `count` consecutive steps."""
    values = []
    for _ in range(count):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return values


def dummy_optimizer(lr):
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def lr_sequence(case):
    """Per-step rates: torch's LinearLR warmup, then the main scheduler (see train/schedule.h)."""
    base, epochs, spe, w = case["base_lr"], case["epochs"], case["steps_per_epoch"], case["warmup"]
    total = epochs * spe
    rest = max(total - w, 1)
    kind = case["kind"]
    opt = dummy_optimizer(base)
    if kind == "constant":
        main = lambda step: base  # noqa: E731
    elif kind in ("step", "multistep"):
        if kind == "step":
            scheduler = torch.optim.lr_scheduler.StepLR(opt, case["step_size"], case["gamma"])
        else:
            scheduler = torch.optim.lr_scheduler.MultiStepLR(opt, case["milestones"], case["gamma"])
        per_epoch = stepped(scheduler, opt, epochs + 1)
        main = lambda step: per_epoch[step // spe]  # noqa: E731
    else:
        if kind == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=rest, eta_min=case["min_lr"])
        else:
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                opt, max_lr=case["max_lr"] or base, total_steps=rest, pct_start=case["pct_start"],
                anneal_strategy="cos", cycle_momentum=False, div_factor=case["div_factor"],
                final_div_factor=case["final_div_factor"])
        per_step = stepped(scheduler, opt, rest)
        main = lambda step: per_step[step - w]  # noqa: E731
    if w > 0:
        unit = dummy_optimizer(1.0)
        warm = torch.optim.lr_scheduler.LinearLR(unit, start_factor=case["start_factor"], total_iters=w)
        factors = stepped(warm, unit, w)
    return [main(w) * factors[s] if s < w else main(s) for s in range(total)]


def run_schedule(request, response):
    warnings.filterwarnings("ignore")
    with open(request) as f:
        cases = json.load(f)
    with open(response, "w") as f:
        json.dump({case["id"]: lr_sequence(case) for case in cases}, f)


def main():
    torch.set_num_threads(1)
    mode, request, response = sys.argv[1:4]
    {"optim": run_optim, "clip": run_clip, "schedule": run_schedule}[mode](request, response)


if __name__ == "__main__":
    main()
