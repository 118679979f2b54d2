#!/usr/bin/python3
"""Side-by-side training-step throughput: `minnow bench` against the PyTorch baseline, in one sitting.

usage: bench/compare_torch.py [--minnow build/minnow] [--baseline ../shared/bench/torch_baseline.py]
                              [--threads 2] [--steps 5] [--settings 224x32,32x128] [--models a,b]

For every (resolution, batch) setting and every model it runs, back to back, minnow and PyTorch in
NCHW and in channels-last, and prints a Markdown table: images/s of each, PyTorch's best layout and
the ratio minnow / best. Both sides time a full training step (forward, backward, SGD update) on
random data, after warm-up, and report the median step.
"""
import argparse
import json
import os
import re
import subprocess
import sys

# Row name -> (minnow bench arguments, torch_baseline.py model name). Same architectures, 10 classes.
MODELS = {
    "mobilenet_v1": (["--model", "mobilenet_v1"], "mobilenet_v1"),
    "mobilenet_v2": (["--model", "mobilenet_v2"], "mobilenet_v2"),
    "shufflenet_v1 (g=3)": (["--model", "shufflenet_v1", "--groups", "3"], "shufflenet_v1_g3"),
    "shufflenet_v2 x1.0": (["--model", "shufflenet_v2_x1_0"], "shufflenet_v2"),
    "squeezenet1_1": (["--model", "squeezenet1_1"], "squeezenet1_1"),
    # The baseline builds these by torchvision name; both sides keep the models' own dropout and
    # (EfficientNet) stochastic depth 0.2, so both train with the same random masks' cost.
    "mobilenet_v3_small": (["--model", "mobilenet_v3_small"], "mobilenet_v3_small"),
    "mobilenet_v3_large": (["--model", "mobilenet_v3_large"], "mobilenet_v3_large"),
    "efficientnet_b0": (["--model", "efficientnet_b0"], "efficientnet_b0"),
}


def run_minnow(exe, args, res, batch, threads, steps):
    cmd = [exe, "bench", *args, "--resolution", str(res), "--batch", str(batch), "--threads", str(threads),
           "--steps", str(steps), "--num-classes", "10", "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["images_per_second"], r["params"]


def run_torch(script, name, res, batch, threads, steps, channels_last):
    cmd = ["/usr/bin/python3", script, "--models", name, "--res", str(res), "--batch", str(batch),
           "--threads", str(threads), "--steps", str(steps)] + (["--channels-last"] if channels_last else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"params=(\d+) .* img_per_s=([0-9.]+)", out)
    if not m:
        sys.exit(f"compare_torch: unexpected output from {' '.join(cmd)}: {out!r}")
    return float(m.group(2)), int(m.group(1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--minnow", default=os.path.join(here, "..", "build", "minnow"))
    ap.add_argument("--baseline", default=os.path.join(here, "..", "..", "shared", "bench", "torch_baseline.py"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--settings", default="224x32,32x128", help="comma-separated RESxBATCH")
    ap.add_argument("--models", default=",".join(MODELS))
    a = ap.parse_args()

    print("| model | res | batch | params (minnow / torch) | minnow img/s | torch NCHW img/s "
          "| torch channels-last img/s | minnow / torch best |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for setting in a.settings.split(","):
        res, batch = (int(v) for v in setting.split("x"))
        for row in a.models.split(","):
            args, torch_name = MODELS[row]
            ours, ours_params = run_minnow(a.minnow, args, res, batch, a.threads, a.steps)
            nchw, torch_params = run_torch(a.baseline, torch_name, res, batch, a.threads, a.steps, False)
            cl, _ = run_torch(a.baseline, torch_name, res, batch, a.threads, a.steps, True)
            best = max(nchw, cl)
            print(f"| {row} | {res} | {batch} | {ours_params:,} / {torch_params:,} | {ours:.1f} | {nchw:.1f} "
                  f"| {cl:.1f} | {ours / best:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
