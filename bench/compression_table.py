#!/usr/bin/env python3
"""The compression table of docs/compression.md, from finished run folders in one sitting.

Each row is LABEL=RUN_DIR[:KIND]. KIND says which file is the deployable model and how it runs:
  float   (default) RUN_DIR/model.safetensors on the float kernels: pruned zeros, binarized
          weights and shared weights all still run as dense float32;
  int8    a QAT run: its int8 model, exported to RUN_DIR/int8.safetensors, timed by bench --int8,
          its top-1 from `minnow eval --int8` on the test split (the converted model, not the fake-quant one);
  shared  a weight-sharing run: RUN_DIR/shared.safetensors (k-bit indices and codebooks) as the file.
Top-1 is the run's last eval_epoch record; parameters and Mult-Adds come from `minnow stats`,
batch-1 latency from `minnow bench --eval/--int8 --batch 1` (median of --steps), for the model
the run's export describes (its metadata, channel plan included).
"""
import argparse
import json
import os
import struct

from bench_common import Failed, cpu_lines, run


def export_metadata(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(size)).get("__metadata__", {})


def model_args(meta):
    args = ["--model", meta["model.name"], "--width", meta["model.width"], "--resolution", meta["model.resolution"],
            "--num-classes", meta["model.num_classes"], "--in-channels", meta["model.in_channels"],
            "--groups", meta["model.groups"]]
    if meta.get("model.small_input") == "true":
        args.append("--small-input")
    if meta.get("model.channels"):
        args += ["--channels", meta["model.channels"]]
    return args


def last_top1(run_dir):
    top1 = None
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "eval_epoch":
                top1 = record["top1"]
    return top1


def row(exe, label, run_dir, kind, threads, steps):
    meta = export_metadata(os.path.join(run_dir, "model.safetensors"))
    args = model_args(meta)
    stats = json.loads(run([exe, "stats", *args, "--json"]))
    bench = [exe, "bench", *args, "--batch", "1", "--threads", str(threads), "--steps", str(steps), "--json"]
    file = os.path.join(run_dir, "model.safetensors")
    if kind == "int8":
        file = os.path.join(run_dir, "int8.safetensors")
        run([exe, "export", run_dir, "--format", "int8", "-o", file])
        ms = json.loads(run(bench + ["--int8"]))["int8_ms_per_batch"]
        top1 = json.loads(run([exe, "eval", os.path.join(run_dir, "config.yaml"), "--weights",
                               os.path.join(run_dir, "model.safetensors"), "--int8", "--json"]))["top1"]
    else:
        top1 = last_top1(run_dir)
        ms = json.loads(run(bench + ["--eval"]))["f32_ms_per_batch"]
        if kind == "shared":
            file = os.path.join(run_dir, "shared.safetensors")
    return [label, f"{top1:.2f}%", f"{stats['params']:,}", f"{stats['macs'] / 1e6:.2f} M",
            f"{ms:.3f}", f"{os.path.getsize(file) / 1024:.0f} KiB"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minnow", default="build/minnow")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("rows", nargs="+", help="LABEL=RUN_DIR[:KIND]")
    a = p.parse_args()
    print("\n".join(cpu_lines()))
    print(f"threads {a.threads}, batch-1 latency: median of {a.steps} forwards\n")
    print("| model | top-1 | parameters | Mult-Adds | latency ms | file |")
    print("|---|---:|---:|---:|---:|---:|")
    for spec in a.rows:
        label, _, target = spec.partition("=")
        run_dir, _, kind = target.partition(":")
        try:
            cells = row(a.minnow, label, run_dir, kind or "float", a.threads, a.steps)
        except (Failed, OSError, KeyError) as e:
            cells = [label, f"failed: {e}", "", "", "", ""]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
