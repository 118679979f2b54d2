#!/usr/bin/python3
"""PyTorch side of the op parity tests.

usage: torch_ops.py REQUEST.safetensors RESPONSE.safetensors
The request's metadata "cases" is a JSON list of {"id", "op", "args"}; its tensors are
"<id>/<name>". Each op in tests/parity/ops/*.py maps (inputs, args) to a dict of outputs.
Inputs named "dy" / "dy_<output>" are upstream gradients; every other float input that
is not listed in args["constant"] gets its gradient written as "<id>/d<name>".
"""
import importlib
import json
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import safetensors_io  # noqa: E402

OPS = {}
for module_path in sorted((HERE / "ops").glob("[a-z]*.py")):
    module = importlib.import_module(f"ops.{module_path.stem}")
    OPS.update(module.OPS)


def run_case(case, tensors):
    prefix = case["id"] + "/"
    args = case["args"]
    constant = set(args.get("constant", []))
    inputs, grads_in = {}, {}
    for name, array in tensors.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        value = torch.from_numpy(array.copy())
        if key == "dy" or key.startswith("dy_"):
            grads_in[key] = value
        else:
            if value.is_floating_point() and key not in constant:
                value.requires_grad_(True)
            inputs[key] = value
    outputs = OPS[case["op"]](inputs, args)
    pairs = [(outputs[("y" if k == "dy" else k[3:])], g) for k, g in grads_in.items()]
    if pairs:
        torch.autograd.backward([p[0] for p in pairs], [p[1] for p in pairs])
    result = {prefix + k: v.detach().float() for k, v in outputs.items()}
    for key, value in inputs.items():
        if value.requires_grad and value.grad is not None:
            result[prefix + "d" + key] = value.grad.float()
    return result


def main():
    request, response = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    tensors, metadata = safetensors_io.read(request)
    result = {}
    for case in json.loads(metadata["cases"]):
        result.update(run_case(case, tensors))
    safetensors_io.write(response, result)


if __name__ == "__main__":
    main()
