#!/usr/bin/python3
"""Side-by-side training-step throughput and memory: `minnow bench` against the PyTorch baseline, in one sitting.

usage: bench/compare_torch.py [--minnow build/minnow] [--baseline ../shared/bench/torch_baseline.py]
                              [--threads 2] [--steps 5] [--settings 224x32,32x128] [--models a,b]
                              [--precision f32|bf16]

Prints the CPU, then for every (resolution, batch) setting and every model it runs, back to back,
minnow and PyTorch in NCHW and in channels-last, and prints a Markdown table. Both sides time a full
training step (forward, backward, SGD update) on random data, after warm-up, and report the median step
and the process's peak RSS.
  f32:  images/s of each, PyTorch's best layout, the ratio minnow / best, and each side's peak RSS (PyTorch's
        from its faster layout).
  bf16: minnow f32 against minnow bf16 (`--precision bf16`, its speed-up over f32), and PyTorch under
        torch.autocast("cpu", dtype=torch.bfloat16) (torch_baseline.py --bf16) in both layouts; a side that
        fails says why in a footnote.
"""
import argparse
import json
import os
import re
import sys

from bench_common import Failed, cpu_lines, run

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


def run_minnow(exe, args, res, batch, threads, steps, precision="f32"):
    r = json.loads(run([exe, "bench", *args, "--resolution", str(res), "--batch", str(batch), "--threads",
                        str(threads), "--steps", str(steps), "--num-classes", "10", "--precision", precision,
                        "--json"]))
    return r["images_per_second"], r["params"], r["peak_rss_mib"]


def run_torch(script, name, res, batch, threads, steps, channels_last, bf16=False):
    cmd = ["/usr/bin/python3", script, "--models", name, "--res", str(res), "--batch", str(batch),
           "--threads", str(threads), "--steps", str(steps)]
    out = run(cmd + (["--channels-last"] if channels_last else []) + (["--bf16"] if bf16 else []))
    m = re.search(r"params=(\d+) .* img_per_s=([0-9.]+) peak_rss_mib=([0-9.]+)", out)
    if not m:
        sys.exit(f"compare_torch: unexpected output from {' '.join(cmd)}: {out!r}")
    return float(m.group(2)), int(m.group(1)), float(m.group(3))


def f32_rows(a, res, batch):
    for row in a.models.split(","):
        args, torch_name = MODELS[row]
        ours, ours_params, ours_rss = run_minnow(a.minnow, args, res, batch, a.threads, a.steps)
        nchw, torch_params, nchw_rss = run_torch(a.baseline, torch_name, res, batch, a.threads, a.steps, False)
        cl, _, cl_rss = run_torch(a.baseline, torch_name, res, batch, a.threads, a.steps, True)
        best, best_rss = max((nchw, nchw_rss), (cl, cl_rss))
        print(f"| {row} | {res} | {batch} | {ours_params:,} / {torch_params:,} | {ours:.1f} | {nchw:.1f} "
              f"| {cl:.1f} | {ours / best:.2f}x | {ours_rss:.0f} | {best_rss:.0f} | {ours_rss / best_rss:.2f} |",
              flush=True)


def bf16_rows(a, res, batch, notes):
    for row in a.models.split(","):
        args, torch_name = MODELS[row]
        f32, _, _ = run_minnow(a.minnow, args, res, batch, a.threads, a.steps)
        ours, _, ours_rss = run_minnow(a.minnow, args, res, batch, a.threads, a.steps, "bf16")
        torch_runs = []
        for channels_last in (False, True):
            try:
                torch_runs.append(run_torch(a.baseline, torch_name, res, batch, a.threads, a.steps, channels_last, True))
            except Failed as e:
                notes.append(f"{row} at {res}/b{batch}, PyTorch bf16 {'channels-last' if channels_last else 'NCHW'}: "
                             f"{e}")
                torch_runs.append(None)
        shown = [f"{t[0]:.1f}" if t else "fails" for t in torch_runs]
        ok = [t for t in torch_runs if t]
        best = max(ok) if ok else None
        vs_torch = f"{ours / best[0]:.2f}x" if best else "-"
        torch_rss = f"{best[2]:.0f}" if best else "-"
        print(f"| {row} | {res} | {batch} | {f32:.1f} | {ours:.1f} | {ours / f32:.2f}x | {shown[0]} | {shown[1]} "
              f"| {vs_torch} | {ours_rss:.0f} | {torch_rss} |", flush=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--minnow", default=os.path.join(here, "..", "build", "minnow"))
    ap.add_argument("--baseline", default=os.path.join(here, "..", "..", "shared", "bench", "torch_baseline.py"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--settings", default="224x32,32x128", help="comma-separated RESxBATCH")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--precision", choices=["f32", "bf16"], default="f32")
    a = ap.parse_args()

    for line in cpu_lines():
        print(line)
    print(f"{a.threads} thread(s), median of {a.steps} training steps each\n")
    notes = []
    if a.precision == "f32":
        print("| model | res | batch | params (minnow / torch) | minnow img/s | torch NCHW img/s "
              "| torch channels-last img/s | minnow / torch best | minnow peak RSS MiB | torch peak RSS MiB "
              "| memory minnow / torch |")
        print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print("| model | res | batch | minnow f32 img/s | minnow bf16 img/s | bf16 / f32 | torch bf16 NCHW img/s "
              "| torch bf16 channels-last img/s | minnow bf16 / torch bf16 best | minnow bf16 peak RSS MiB "
              "| torch bf16 peak RSS MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for setting in a.settings.split(","):
        res, batch = (int(v) for v in setting.split("x"))
        if a.precision == "f32":
            f32_rows(a, res, batch)
        else:
            bf16_rows(a, res, batch, notes)
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
