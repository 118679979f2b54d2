#!/usr/bin/python3
"""A QAT training step against a float one (issue 14, goal 4: at most 1.3x), in one sitting.

usage: bench/compare_qat.py [--minnow build/minnow] [--threads 2] [--steps 5] [--rounds 3]
                            [--models mobilenet_v1,mobilenet_v2] [--settings 224x32,32x128]

For every round, setting and model it runs `minnow bench` without and with `--qat` (the model as
prepare_qat leaves it with the default qat section), back to back, and prints the CPU and a
Markdown table of the median ms per step over the rounds, QAT / float, and each side's peak RSS.
"""
import argparse
import json
import statistics

from bench_common import cpu_lines, run


def step(a, model, res, batch, qat):
    out = run([a.minnow, "bench", "--model", model, "--resolution", str(res), "--batch", str(batch), "--threads",
               str(a.threads), "--steps", str(a.steps), "--num-classes", "10", "--json"] + (["--qat"] if qat else []))
    r = json.loads(out)
    return r["ms_per_step"], r["peak_rss_mib"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minnow", default="build/minnow")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--models", default="mobilenet_v1,mobilenet_v2")
    p.add_argument("--settings", default="224x32,32x128")
    a = p.parse_args()
    settings = [tuple(int(v) for v in s.split("x")) for s in a.settings.split(",")]
    rows = [(m, res, batch) for res, batch in settings for m in a.models.split(",")]
    got = {}
    for _ in range(a.rounds):
        for row in rows:
            for qat in (False, True):
                got.setdefault(row + (qat,), []).append(step(a, *row, qat))
    print("\n".join(cpu_lines()))
    print(f"threads {a.threads}, steps {a.steps}, median of {a.rounds} rounds\n")
    print("| model | resolution | batch | float ms | QAT ms | QAT / float | float RSS MiB | QAT RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        f, q = got[row + (False,)], got[row + (True,)]
        fm, qm = statistics.median(v[0] for v in f), statistics.median(v[0] for v in q)
        print(f"| {row[0]} | {row[1]} | {row[2]} | {fm:.1f} | {qm:.1f} | {qm / fm:.2f}x | "
              f"{max(v[1] for v in f):.0f} | {max(v[1] for v in q):.0f} |", flush=True)


if __name__ == "__main__":
    main()
