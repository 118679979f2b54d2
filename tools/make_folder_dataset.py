#!/usr/bin/python3
"""Writes an ImageNet-style folder from Debian's Fashion-MNIST package (dataset-fashion-mnist).

usage: tools/make_folder_dataset.py OUT [--size 64] [--png-every 10] [--quality 90]
                                        [--source /usr/share/datasets/fashion-mnist]

OUT/train/<class>/<index>.jpg and OUT/test/<class>/<index>.jpg: all 70,000 images (60,000 train,
10,000 test), each upscaled from 28x28 to --size x --size (bicubic) and converted to 3-channel RGB,
saved as baseline JPEG at --quality with 4:2:0 chroma, except every --png-every-th image, which is a
PNG (so one folder holds both formats, as real scraped folders do). Class folder names are the
dataset's class names with '/' replaced by '_'. configs/fashion_folder.yaml trains on the result.
Needs Debian's python3-numpy and python3-pil.
"""
import argparse
import gzip
import pathlib
import struct
import sys

import numpy as np
from PIL import Image

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot"]


def read_idx(path, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    if magic != 0x0800 + dims:
        sys.exit(f"make_folder_dataset: {path}: magic {magic:#x}, expected {0x0800 + dims:#x}")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def write_split(source, prefix, out, size, png_every, quality):
    images = read_idx(source / f"{prefix}-images-idx3-ubyte.gz", 3)
    labels = read_idx(source / f"{prefix}-labels-idx1-ubyte.gz", 1)
    if len(images) != len(labels):
        sys.exit(f"make_folder_dataset: {source}: {len(images)} {prefix} images but {len(labels)} labels")
    for name in CLASSES:
        (out / name.replace("/", "_")).mkdir(parents=True, exist_ok=True)
    for i, (pixels, label) in enumerate(zip(images, labels)):
        picture = Image.fromarray(pixels, "L").resize((size, size), Image.BICUBIC).convert("RGB")
        folder = out / CLASSES[label].replace("/", "_")
        if png_every > 0 and i % png_every == png_every - 1:
            picture.save(folder / f"{i:05d}.png", "PNG")
        else:
            picture.save(folder / f"{i:05d}.jpg", "JPEG", quality=quality, subsampling=2)
    return len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--png-every", type=int, default=10)
    parser.add_argument("--quality", type=int, default=90)
    parser.add_argument("--source", type=pathlib.Path, default=pathlib.Path("/usr/share/datasets/fashion-mnist"))
    a = parser.parse_args()
    if not 8 <= a.size <= 4096:
        sys.exit(f"make_folder_dataset: --size {a.size}, expected 8..4096")
    if not 1 <= a.quality <= 100:
        sys.exit(f"make_folder_dataset: --quality {a.quality}, expected 1..100")
    counts = {split: write_split(a.source, prefix, a.out / split, a.size, a.png_every, a.quality)
              for split, prefix in (("train", "train"), ("test", "t10k"))}
    print(f"make_folder_dataset: wrote {counts['train']} train and {counts['test']} test images "
          f"({a.size}x{a.size} RGB, every {a.png_every}th a PNG) to {a.out}")


if __name__ == "__main__":
    main()
