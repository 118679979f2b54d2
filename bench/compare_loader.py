#!/usr/bin/python3
"""JPEG loading, minnow against torchvision, in one sitting.

usage: bench/compare_loader.py [--bench build/bench/bench_loader] [--before OLD_bench_loader]
                               [--before-label TEXT] [--images 256] [--workers 2]
                               [--dir /tmp/minnow-loader-jpegs]

Runs minnow's bench_loader on a folder of 500x375 photo-like JPEG files (it writes them, then keeps
them in --dir), optionally an earlier build's bench_loader (--before: on the same folder; a binary
linked to libminnow.so can be pointed at the earlier library with a wrapper script that sets
LD_LIBRARY_PATH), and torchvision 0.14 on the same folder: PIL decoding through ImageFolder, and
torchvision.io.decode_jpeg on uint8 tensors, each followed by RandomResizedCrop(224), a horizontal
flip, conversion to float and Normalize, batches of 32. Per-core rates are images per CPU-second of
one process doing all the work (torchvision: num_workers=0 and one thread); wall rates use 1..W
workers (torchvision: DataLoader worker processes). Prints a Markdown table.
"""
import argparse
import os
import re
import resource
import subprocess
import time

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def run_minnow(exe, images, workers, folder):
    # Older binaries always time CIFAR too, and cannot take 0 records: give them a few.
    args = [exe, "0" if folder else "1000", str(images), str(workers)] + ([folder] if folder else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(.*?)(?:, (\d+) worker\(s\): ([\d.]+) images/s wall \(([\d.]+) per worker\), ([\d.]+) images per "
                     r"CPU-second|: ([\d.]+) images per CPU-second)$", line)
        if not m:
            continue
        if m.group(6):
            rows[(m.group(1), 0)] = {"per_cpu": float(m.group(6))}
        else:
            rows[(m.group(1), int(m.group(2)))] = {"wall": float(m.group(3)), "per_cpu": float(m.group(5))}
    return rows


def cpu_seconds():
    self = resource.getrusage(resource.RUSAGE_SELF)
    return self.ru_utime + self.ru_stime


def torchvision_rates(folder, workers, epochs=2):
    import torch
    import torchvision
    import torchvision.transforms as T
    from torch.utils.data import DataLoader, Dataset

    torch.set_num_threads(1)
    pil = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    tensor = T.Compose([T.RandomResizedCrop(224, antialias=True), T.RandomHorizontalFlip(),
                        T.ConvertImageDtype(torch.float32), T.Normalize(MEAN, STD)])

    class DecodeJpeg(Dataset):
        def __init__(self):
            self.files = torchvision.datasets.ImageFolder(folder).samples

        def __len__(self):
            return len(self.files)

        def __getitem__(self, i):
            path, label = self.files[i]
            image = torchvision.io.decode_jpeg(torchvision.io.read_file(path), torchvision.io.ImageReadMode.RGB)
            return tensor(image), label

    datasets = {"PIL + ImageFolder": torchvision.datasets.ImageFolder(folder, transform=pil),
                "torchvision.io.decode_jpeg": DecodeJpeg()}
    rows = {}
    for name, dataset in datasets.items():
        for w in [0] + list(range(1, workers + 1)):
            loader = DataLoader(dataset, batch_size=32, shuffle=True, num_workers=w, persistent_workers=w > 0)
            for _ in loader:  # warm-up epoch
                pass
            cpu, start, n = cpu_seconds(), time.perf_counter(), 0
            for _ in range(epochs):
                for images, _ in loader:
                    n += images.shape[0]
            wall = time.perf_counter() - start
            if w == 0:
                rows[(name, 0)] = {"wall": n / wall, "per_cpu": n / (cpu_seconds() - cpu)}
            else:
                rows[(name, w)] = {"wall": n / wall}
            del loader
    # Decoding alone, in this process.
    files = [p for p, _ in datasets["PIL + ImageFolder"].samples]
    from PIL import Image
    cpu = cpu_seconds()
    for p in files:
        Image.open(p).convert("RGB")
    rows[("PIL decode only", 0)] = {"per_cpu": len(files) / (cpu_seconds() - cpu)}
    cpu = cpu_seconds()
    for p in files:
        torchvision.io.decode_jpeg(torchvision.io.read_file(p), torchvision.io.ImageReadMode.RGB)
    rows[("decode_jpeg only", 0)] = {"per_cpu": len(files) / (cpu_seconds() - cpu)}
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="build/bench/bench_loader")
    parser.add_argument("--before", default="", help="an earlier build's bench_loader (one that takes jpeg_dir)")
    parser.add_argument("--before-label", default="minnow, earlier build")
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", default="/tmp/minnow-loader-jpegs")
    a = parser.parse_args()

    new = run_minnow(a.bench, a.images, a.workers, a.dir)
    old = run_minnow(a.before, a.images, a.workers, a.dir) if a.before else {}
    tv = torchvision_rates(a.dir, a.workers)

    rrc = "jpeg 500x375, random-resized crop 224 + flip + normalize, batch 32"
    print(f"{os.cpu_count()} cores, {a.images} JPEG files of 500x375, batch 32\n")
    print("| pipeline | images per CPU-second (one core) | 1 worker, images/s | "
          + " | ".join(f"{w} workers, images/s" for w in range(2, a.workers + 1)) + " |")
    print("|---|---:|---:|" + "---:|" * (a.workers - 1))

    def row(label, rows, name):
        cells = [rows.get((name, 0), {}).get("per_cpu")] + [rows.get((name, w), {}).get("wall")
                                                            for w in range(1, a.workers + 1)]
        if name in ("PIL + ImageFolder", "torchvision.io.decode_jpeg"):
            cells[0] = rows[(name, 0)]["per_cpu"]
        elif (name, 1) in rows and cells[0] is None:
            cells[0] = rows[(name, 1)]["per_cpu"]
        print(f"| {label} | " + " | ".join("" if c is None else f"{c:.0f}" for c in cells) + " |")
        return cells[0]

    print("| **RandomResizedCrop(224) + flip + normalize** | | | |")
    best_new = row("minnow, libjpeg-turbo, partial decode (this build)", new, rrc)
    row("minnow, libjpeg-turbo, whole-image decode", new, rrc + ", whole-image decode")
    if old:
        row(a.before_label + ", partial decode", old, rrc)
    tv_pil = row("torchvision, PIL (ImageFolder)", tv, "PIL + ImageFolder")
    tv_io = row("torchvision, io.decode_jpeg on tensors", tv, "torchvision.io.decode_jpeg")
    print("| **decode only** | | | |")
    row("minnow, libjpeg-turbo", new, "jpeg 500x375, read + decode only")
    if old:
        row(a.before_label, old, "jpeg 500x375, read + decode only")
    row("PIL", tv, "PIL decode only")
    row("torchvision.io.decode_jpeg", tv, "decode_jpeg only")
    print("| **RandomResizedCrop(112) + flip + normalize** | | | |")
    row("minnow, whole-image decode", new, rrc.replace("224", "112") + ", whole-image decode")
    row("minnow, partial decode (crop region, DCT scaling)", new, rrc.replace("224", "112") + ", partial decode")
    print(f"\nper core, minnow / torchvision: {best_new / tv_pil:.2f}x PIL, {best_new / tv_io:.2f}x io.decode_jpeg")


if __name__ == "__main__":
    main()
