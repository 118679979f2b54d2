"""What the comparison scripts share: running a program with its failure as one line, and the CPU."""
import os
import re
import subprocess

SIMD_FLAGS = re.compile(r"^(sse4_2|avx.*|fma|f16c|amx.*)$")


class Failed(Exception):
    """A program that ended non-zero: its last stderr line says why."""


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        raise Failed(re.sub(r"^(minnow|opencv_latency): error: ", "", lines[-1]))
    return done.stdout


def cpu_lines():
    model, flags = "unknown", []
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = [v for v in value.split() if SIMD_FLAGS.match(v)]
    return [f"CPU: {model}, {os.cpu_count()} logical CPUs", f"SIMD flags: {' '.join(flags)}"]
