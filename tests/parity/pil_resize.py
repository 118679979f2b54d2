"""PIL's side of the resampling parity test (tests/data/test_resample.cpp).

usage: pil_resize.py IMAGE.raw HEIGHT WIDTH CHANNELS CASES OUT_DIR

IMAGE.raw holds HEIGHT x WIDTH x CHANNELS bytes (1: mode L, 3: RGB). Each line of CASES is
"top left height width out_height out_width"; case i is written to OUT_DIR/i.raw as the window
cropped and resized with Image.BILINEAR, as torchvision's resized_crop does on PIL images.
"""
import pathlib
import sys

from PIL import Image


def main():
    raw, height, width, channels, cases, out_dir = sys.argv[1:]
    size = (int(width), int(height))
    image = Image.frombytes("L" if channels == "1" else "RGB", size, pathlib.Path(raw).read_bytes())
    for i, line in enumerate(pathlib.Path(cases).read_text().split("\n")):
        if not line.strip():
            continue
        top, left, h, w, oh, ow = (int(v) for v in line.split())
        window = image.crop((left, top, left + w, top + h))
        out = window.resize((ow, oh), Image.BILINEAR)
        (pathlib.Path(out_dir) / f"{i}.raw").write_bytes(out.tobytes())


if __name__ == "__main__":
    main()
