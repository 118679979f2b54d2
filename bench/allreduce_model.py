#!/usr/bin/python3
"""Where data-parallel training stops scaling: the ring-allreduce cost of each zoo model's gradient
against its measured training step.

usage: bench/allreduce_model.py [--minnow build/minnow] [--threads 2] [--steps 3] [--latency-us 25]

For each model it runs `minnow bench` at 224 px, batch 32 per node, 1000 classes, and takes the
parameter count (gradient bytes B = 4 x parameters) and the median step time T. A ring allreduce over N
nodes sends 2(N-1)/N x B bytes per node in 2(N-1) rounds, so at link bandwidth W (bytes/s) and a
per-round latency a, one step's sums take
    C(N) = 2(N-1)/N x B / W + 2(N-1) x a x k        (k = gradient buckets, 25 MB each)
It prints C(N) at 8 and 64 nodes for 10 and 25 Gb/s, the efficiency T / (T + C(N)) when nothing
overlaps, and the node count N* at which C(N) first exceeds T: from there on even a perfectly
overlapped sum no longer hides behind the step, and each added node adds less than it costs.
T is this machine's step (its core count); a node with s times the compute has T / s, and N*
falls accordingly: the last column gives it for --node-speedup (the formula is in docs/distributed.md).
"""
import argparse
import json
import math
import os
import subprocess

MODELS = [("mobilenet_v1", []), ("mobilenet_v2", []), ("shufflenet_v1 (g=3)", ["--groups", "3"]),
          ("shufflenet_v2_x1_0", []), ("squeezenet1_1", []), ("resnet18", []), ("resnet50", [])]


def comm_seconds(n, gradient_bytes, gbit_per_s, latency_s, buckets):
    bandwidth = gbit_per_s * 1e9 / 8
    return 2 * (n - 1) / n * gradient_bytes / bandwidth + 2 * (n - 1) * latency_s * buckets


def stop_node_count(step_s, gradient_bytes, gbit_per_s, latency_s, buckets, limit=1_000_000):
    n = 2
    while n <= limit:
        if comm_seconds(n, gradient_bytes, gbit_per_s, latency_s, buckets) > step_s:
            return n
        n = math.ceil(n * 1.05) if n > 64 else n + 1
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minnow", default=os.path.join(here, "..", "build", "minnow"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--latency-us", type=float, default=25.0)
    p.add_argument("--node-speedup", type=float, default=16.0,
                   help="also give N* for nodes this many times faster than this machine (16: about 32 cores)")
    a = p.parse_args()
    latency = a.latency_us * 1e-6
    print(f"Step T: `minnow bench` at 224 px, batch 32, 1000 classes, {a.threads} threads on this machine; "
          f"per-round latency {a.latency_us:g} us.\n")
    print("| model | parameters | gradient MB | step T (ms) | C(8) at 10 / 25 Gb/s (ms) | C(64) at 10 / 25 Gb/s (ms) "
          f"| efficiency at 64 nodes, no overlap, 10 / 25 Gb/s | N* at 10 / 25 Gb/s | N* at 10 / 25 Gb/s, nodes "
          f"{a.node_speedup:g}x faster |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, extra in MODELS:
        model = name.split(" ")[0]
        out = subprocess.run([a.minnow, "bench", "--model", model, *extra, "--resolution", "224", "--batch", "32",
                              "--threads", str(a.threads), "--steps", str(a.steps), "--num-classes", "1000", "--json"],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out)
        params, step_s = r["params"], r["ms_per_step"] / 1e3
        gradient = 4 * params
        buckets = max(1, math.ceil(gradient / (25 * 2**20)))
        c8 = [comm_seconds(8, gradient, w, latency, buckets) * 1e3 for w in (10, 25)]
        c64 = [comm_seconds(64, gradient, w, latency, buckets) * 1e3 for w in (10, 25)]
        eff = [100 * step_s / (step_s + c / 1e3) for c in c64]
        def stops(step):
            found = [stop_node_count(step, gradient, w, latency, buckets) for w in (10, 25)]
            return " / ".join(str(s) if s else "> 10^6" for s in found)
        print(f"| {name} | {params:,} | {gradient / 2**20:.1f} | {step_s * 1e3:.0f} | {c8[0]:.1f} / {c8[1]:.1f} | "
              f"{c64[0]:.1f} / {c64[1]:.1f} | {eff[0]:.0f}% / {eff[1]:.0f}% | {stops(step_s)} | "
              f"{stops(step_s / a.node_speedup)} |")


if __name__ == "__main__":
    main()
