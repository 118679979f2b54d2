#!/usr/bin/python3
"""Data-parallel scaling on one machine: 1 rank x T threads against T ranks x 1 thread, in one sitting.

usage: bench/compare_ranks.py [--minnow build/minnow] [--mpirun mpirun] [--cores 2] [--steps 5]
                              [--settings 224x32,32x128] [--models mobilenet_v2] [--buckets 25,1]

For every model and (resolution, batch) setting it runs, back to back:
  - `minnow bench` in one process with --cores threads (batch B);
  - `mpirun -np cores minnow bench` with 1 thread per rank and batch B per rank (effective batch cores*B),
    for each gradient bucket size in --buckets (MB);
  - the same with batch B / cores per rank (the one-process run's effective batch), default buckets.
It prints a Markdown table: images/s over all ranks, the share of the step spent waiting for the
gradient sums (transfer, plus any lag of the slower rank), how much of that wait the overlap with
backward hid (1 - wait with overlap / wait when every sum starts after backward), and the sums alone
(one blocking allreduce of every gradient with no compute around it). Run nothing else meanwhile: on 2 cores a second job's threads
ruin the figures.
"""
import argparse
import json
import os
import platform
import subprocess


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def bench(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minnow", default=os.path.join(here, "..", "build", "minnow"))
    p.add_argument("--mpirun", default="mpirun")
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--settings", default="224x32,32x128")
    p.add_argument("--models", default="mobilenet_v2")
    p.add_argument("--buckets", default="25,1")
    a = p.parse_args()
    mpirun = [a.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(a.cores)]
    common = ["--steps", str(a.steps), "--num-classes", "10", "--json"]
    print(f"CPU: {cpu_model()}; {os.cpu_count()} logical CPUs; Open MPI shared memory; median steps of {a.steps}\n")
    print("| model | res/batch | run | buckets | images/s | ms/step | waiting for sums | hidden by overlap | "
          "sums alone | vs 1 rank |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for model in a.models.split(","):
        for setting in a.settings.split(","):
            res, batch = (int(v) for v in setting.split("x"))
            size = ["--model", model, "--resolution", str(res)]
            one = bench([a.minnow, "bench", *size, "--batch", str(batch), "--threads", str(a.cores), *common])
            base = one["images_per_second"]
            print(f"| {model} | {res}/{batch} | 1 rank x {a.cores} threads, batch {batch} | - | {base:.1f} | "
                  f"{one['ms_per_step']:.1f} | - | - | - | 1.00x |")
            buckets = a.buckets.split(",")
            runs = [(batch, mb) for mb in buckets] + [(batch // a.cores, buckets[0])]
            for per_rank, mb in runs:
                r = bench(mpirun + [a.minnow, "bench", *size, "--batch", str(per_rank), "--threads", "1",
                                    "--bucket-mb", mb, *common])
                print(f"| {model} | {res}/{batch} | {a.cores} ranks x 1 thread, batch {per_rank} each | "
                      f"{r['buckets']:.0f} of <= {mb} MB | {r['images_per_second']:.1f} | {r['ms_per_step']:.1f} | "
                      f"{r['wait_ms']:.2f} ms ({r['wait_percent']:.1f}%) | {r['hidden_percent']:.0f}% of "
                      f"{r['wait_ms_sum_after_backward']:.2f} ms | {r['sum_alone_ms']:.2f} ms | "
                      f"{r['images_per_second'] / base:.2f}x |")


if __name__ == "__main__":
    main()
