#!/usr/bin/env python3
"""The compression table of docs/compression.md, from finished run folders in one sitting.

Each row is LABEL=RUN_DIR[:KIND]. KIND says which file is the deployable model and how it runs:
  float   (default) RUN_DIR/model.safetensors on the float kernels: pruned zeros, binarized
          weights and shared weights all still run as dense float32;
  int8    a QAT run: its int8 model, exported to RUN_DIR/int8.safetensors, timed by bench --int8,
          its top-1 from `minnow eval --int8` on the test split (the converted model, not the fake-quant one);
  shared  a weight-sharing run: RUN_DIR/shared.safetensors (k-bit indices and codebooks) as the file.
Top-1 is the run's last eval_epoch record; parameters and Mult-Adds come from `minnow stats`,
batch-1 latency from `minnow bench --eval/--int8 --batch 1`, for the model the run's export
describes (its metadata, channel plan included): the median over --runs rounds, each running one
bench process per row, of that process's median of --steps forwards (on a shared machine a whole
process can run slow, for tens of seconds at a time).
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


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


class Row:
    """One table row: everything but the latency, and the bench command that times it."""

    def __init__(self, exe, label, run_dir, kind, threads, steps):
        meta = export_metadata(os.path.join(run_dir, "model.safetensors"))
        args = model_args(meta)
        stats = json.loads(run([exe, "stats", *args, "--json"]))
        self.bench = [exe, "bench", *args, "--batch", "1", "--threads", str(threads), "--steps", str(steps), "--json"]
        self.file = os.path.join(run_dir, "model.safetensors")
        if kind == "int8":
            self.file = os.path.join(run_dir, "int8.safetensors")
            run([exe, "export", run_dir, "--format", "int8", "-o", self.file])
            self.bench += ["--int8"]
            self.key = "int8_ms_per_batch"
            self.top1 = json.loads(run([exe, "eval", os.path.join(run_dir, "config.yaml"), "--weights",
                                        os.path.join(run_dir, "model.safetensors"), "--int8", "--json"]))["top1"]
        else:
            self.bench += ["--eval"]
            self.key = "f32_ms_per_batch"
            self.top1 = last_top1(run_dir)
            if kind == "shared":
                self.file = os.path.join(run_dir, "shared.safetensors")
        self.label, self.stats, self.ms = label, stats, []

    def time_once(self):
        self.ms.append(json.loads(run(self.bench))[self.key])

    def cells(self):
        return [self.label, f"{self.top1:.2f}%", f"{self.stats['params']:,}", f"{self.stats['macs'] / 1e6:.2f} M",
                f"{median(self.ms):.3f}", f"{os.path.getsize(self.file) / 1024:.0f} KiB"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minnow", default="build/minnow")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--runs", type=int, default=5, help="rounds over all rows, one bench process per row each")
    p.add_argument("rows", nargs="+", help="LABEL=RUN_DIR[:KIND]")
    a = p.parse_args()
    rows, failed = [], {}
    for spec in a.rows:
        label, _, target = spec.partition("=")
        run_dir, _, kind = target.partition(":")
        try:
            rows.append(Row(a.minnow, label, run_dir, kind or "float", a.threads, a.steps))
        except (Failed, OSError, KeyError) as e:
            failed[label] = e
    # Rounds over all rows, so that a slow spell of a shared machine falls on several rows once
    # each rather than on all the runs of one row.
    for _ in range(a.runs):
        for r in rows:
            r.time_once()
    print("\n".join(cpu_lines()))
    print(f"threads {a.threads}, batch-1 latency: median over {a.runs} rounds of each process's median of "
          f"{a.steps} forwards\n")
    print("| model | top-1 | parameters | Mult-Adds | latency ms | file |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| " + " | ".join(r.cells()) + " |")
    for label, e in failed.items():
        print(f"| {label} | failed: {e} | | | | |")


if __name__ == "__main__":
    main()
