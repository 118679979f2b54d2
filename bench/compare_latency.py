#!/usr/bin/python3
"""Batch-1 inference latency of every zoo model: minnow f32 and int8, PyTorch eval, OpenCV DNN, in one sitting.

usage: bench/compare_latency.py [--minnow build/minnow] [--opencv build/bench/opencv_latency]
                                [--baseline ../shared/bench/torch_baseline.py]
                                [--threads 2] [--steps 50] [--rounds 1] [--resolution 224] [--models a,b]

For every model, back to back: OpenCV 4.6's DNN module on minnow's own float ONNX export
(bench/opencv_latency), minnow's f32 eval forward and its int8 model (`minnow bench --int8 --batch 1`;
`--eval` for a family convert_int8 refuses) and PyTorch's eval forward under no_grad
(torch_baseline.py --eval --batch 1). minnow f32 runs twice more: folded (`minnow bench --eval --fold`,
models/inference_fold.h: batch norms and the activations after them folded into the convs, as OpenCV
folds BN into its convs), and folded with its 3x3 stride-1 convs as oneDNN's Winograd kernel
(`--fold --winograd`). "best f32" is the fastest of the three f32 columns. Each side's process reports
the median of --steps forwards on random data, after its warm-up (minnow and OpenCV 2, PyTorch 1); with
--rounds R every process runs R times, all models in turn each round, and the table shows the median of
the R. Prints the CPU, then a Markdown table of the medians in ms and the ratios the deployment goals are
stated in, then footnotes for what did not run.
"""
import argparse
import json
import os
import re
import statistics
import sys

from bench_common import Failed, cpu_lines, run

# Row name -> (shown as, minnow / opencv_latency model arguments, torch_baseline.py model name). 10 classes.
MODELS = {
    "mobilenet_v1": ("mobilenet_v1", ["--model", "mobilenet_v1"], "mobilenet_v1"),
    "mobilenet_v2": ("mobilenet_v2", ["--model", "mobilenet_v2"], "mobilenet_v2"),
    "mobilenet_v3_small": ("mobilenet_v3_small", ["--model", "mobilenet_v3_small"], "mobilenet_v3_small"),
    "mobilenet_v3_large": ("mobilenet_v3_large", ["--model", "mobilenet_v3_large"], "mobilenet_v3_large"),
    "shufflenet_v1_g3": ("shufflenet_v1 (g=3)", ["--model", "shufflenet_v1", "--groups", "3"], "shufflenet_v1_g3"),
    "shufflenet_v2_x1_0": ("shufflenet_v2 x1.0", ["--model", "shufflenet_v2_x1_0"], "shufflenet_v2"),
    "squeezenet1_1": ("squeezenet1_1", ["--model", "squeezenet1_1"], "squeezenet1_1"),
    "resnet18": ("resnet18", ["--model", "resnet18"], "resnet18"),
    "mnasnet1_0": ("mnasnet1_0", ["--model", "mnasnet1_0"], "mnasnet1_0"),
    "efficientnet_b0": ("efficientnet_b0", ["--model", "efficientnet_b0"], "efficientnet_b0"),
    "googlenet": ("googlenet", ["--model", "googlenet"], "googlenet"),
    "densenet121": ("densenet121", ["--model", "densenet121"], "densenet121"),
}
def run_opencv(exe, args, res, threads, steps):
    out = json.loads(run([exe, *args, "--resolution", str(res), "--threads", str(threads), "--steps", str(steps),
                          "--num-classes", "10"]))
    return out["ms_per_batch"], out["opencv"]


def run_minnow(exe, args, res, threads, steps):
    """{"f32", "folded", "winograd", "int8"} ms (int8 None where the family has no int8 model), and why int8 is
    missing or None."""
    cmd = [exe, "bench", *args, "--resolution", str(res), "--batch", "1", "--threads", str(threads),
           "--steps", str(steps), "--num-classes", "10", "--json"]
    out = {"folded": json.loads(run(cmd + ["--eval", "--fold"]))["f32_ms_per_batch"],
           "winograd": json.loads(run(cmd + ["--eval", "--fold", "--winograd"]))["f32_ms_per_batch"]}
    try:
        q = json.loads(run(cmd + ["--int8"]))
        return {**out, "f32": q["f32_ms_per_batch"], "int8": q["int8_ms_per_batch"]}, None
    except Failed as e:
        if "has no int8 model" not in str(e):
            raise
        return {**out, "f32": json.loads(run(cmd + ["--eval"]))["f32_ms_per_batch"], "int8": None}, str(e)


def run_torch(script, name, res, threads, steps):
    out = run(["/usr/bin/python3", script, "--eval", "--batch", "1", "--models", name, "--res", str(res),
               "--threads", str(threads), "--steps", str(steps)])
    m = re.search(r"step_s=([0-9.]+) img_per_s=([0-9.]+)", out)
    if not m:
        raise Failed(f"unexpected output: {out!r}")
    # Both are rounded (4 decimals of seconds, 1 of images/s): take the one with more significant digits.
    step_s, per_s = float(m.group(1)), float(m.group(2))
    return 1000 * step_s if step_s > 0.0316 else 1000 / per_s


def median_of(values):
    """The median of a round's values; None where a side did not run (no int8 model)."""
    if any(v is None for v in values):
        return None
    return statistics.median(values)


def ratio(num, den):
    return f"{num / den:.2f}x" if num is not None and den is not None else "-"


def ms(value):
    return f"{value:.2f}" if value is not None else "-"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--minnow", default=os.path.join(here, "..", "build", "minnow"))
    ap.add_argument("--opencv", default=os.path.join(here, "..", "build", "bench", "opencv_latency"))
    ap.add_argument("--baseline", default=os.path.join(here, "..", "..", "shared", "bench", "torch_baseline.py"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50, help="timed batch-1 forwards per side (the median is shown)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="times every side of every model runs, one model after another; the table shows the median "
                         "over rounds (this machine has slow spells that catch whole processes)")
    ap.add_argument("--resolution", type=int, default=224)
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated, of: " + ", ".join(MODELS))
    a = ap.parse_args()
    rows = a.models.split(",")
    unknown = [r for r in rows if r not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; expected some of {', '.join(MODELS)}")

    for line in cpu_lines():
        print(line)
    print(f"batch 1, {a.resolution} px, 10 classes, {a.threads} thread(s), median of {a.steps} forwards per process, "
          f"median over {a.rounds} round(s)\n", flush=True)
    notes, opencv_version = [], None
    samples = {row: [] for row in rows}  # per round: {side: ms}
    for _ in range(a.rounds):
        for row in list(samples):
            shown, args, torch_name = MODELS[row]
            try:
                cv_ms, opencv_version = run_opencv(a.opencv, args, a.resolution, a.threads, a.steps)
            except Failed as e:
                notes.append(f"{shown}: left out, OpenCV DNN cannot run its ONNX export ({e})")
                del samples[row]
                continue
            try:
                m, no_int8 = run_minnow(a.minnow, args, a.resolution, a.threads, a.steps)
                m["torch"] = run_torch(a.baseline, torch_name, a.resolution, a.threads, a.steps)
            except Failed as e:
                sys.exit(f"compare_latency: {shown}: {e}")
            if no_int8 and not samples[row]:
                notes.append(f"{shown}: no int8 column ({no_int8})")
            samples[row].append({**m, "opencv": cv_ms})

    print("| model | minnow f32 ms | f32 folded ms | f32 folded + Winograd ms | minnow int8 ms | PyTorch eval ms "
          "| OpenCV DNN ms | OpenCV / folded | OpenCV / folded + Winograd (goal >= 2) | f32 / int8 "
          "| best f32 / int8 (goal >= 3) | PyTorch / minnow f32 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row, rounds in samples.items():
        m = {side: median_of([r[side] for r in rounds]) for side in rounds[0]}
        best_f32 = min(m["f32"], m["folded"], m["winograd"])
        print(f"| {MODELS[row][0]} | {ms(m['f32'])} | {ms(m['folded'])} | {ms(m['winograd'])} | {ms(m['int8'])} "
              f"| {ms(m['torch'])} | {ms(m['opencv'])} | {ratio(m['opencv'], m['folded'])} "
              f"| {ratio(m['opencv'], m['winograd'])} | {ratio(m['f32'], m['int8'])} | {ratio(best_f32, m['int8'])} "
              f"| {ratio(m['torch'], m['f32'])} |")

    print(f"\nOpenCV {opencv_version or '(none ran)'} DNN on minnow's float ONNX export (opset 10, BN folded); "
          "PyTorch eval under no_grad, NCHW.")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
