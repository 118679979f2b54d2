#!/usr/bin/python3
"""Writes the small seed corpora in fuzz/corpus/: valid CIFAR records, IDX files
(plain and gzip) and tiny JPEG/PNG/BMP images, each prefixed by the knob bytes
its fuzz target reads first. Needs Debian's python3-pil for the images."""
import gzip
import io
import pathlib
import struct

from PIL import Image

root = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    path = root / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def idx(dims, body):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + body


pixels = bytes(i * 7 % 256 for i in range(3072))
write("cifar", "cifar10_two", bytes([0]) + (bytes([3]) + pixels) * 2)
write("cifar", "cifar100_one", bytes([1]) + bytes([4, 42]) + pixels)
write("cifar", "meta", bytes([0]) + b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n")

images = idx([3, 4, 4], bytes(range(48)))
labels = idx([3], bytes([0, 1, 2]))
for name, (a, b) in {"plain": (images, labels), "gzip": (gzip.compress(images), gzip.compress(labels)),
                     "mixed": (gzip.compress(images), labels)}.items():
    write("idx", name, struct.pack("<H", len(a)) + a + b)
write("idx", "rgb", struct.pack("<H", 16 + 2 * 2 * 2 * 3) + idx([2, 2, 2, 3], bytes(24)) + idx([2], bytes([1, 0])))

for mode in ("L", "LA", "RGB", "RGBA", "P"):
    picture = Image.new(mode, (13, 9))
    value = [(x * 17 + y * 5) % 256 if mode != "P" else (x + y) % 16 for y in range(9) for x in range(13)]
    picture.putdata(value if len(mode) == 1 else [(v,) * len(mode) for v in value])
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("BMP", "bmp")):
        if fmt == "JPEG" and mode not in ("L", "RGB"):
            continue
        if fmt == "BMP" and mode == "LA":
            continue
        out = io.BytesIO()
        picture.save(out, fmt)
        for knobs in (0x00, 0x5d, 0xb2):
            write("image", f"{mode}_{ext}_{knobs:02x}", bytes([knobs]) + out.getvalue())
buffer = io.BytesIO()
Image.new("RGB", (40, 30), (200, 30, 90)).save(buffer, "JPEG", progressive=True)
write("image", "progressive_jpg", bytes([0x1c]) + buffer.getvalue())
# Files large enough for the JPEG decoder to scale down: knobs 0x04 resize to 5 pixels (the
# decoder may go to 1/8), 0x10 take a random-resized crop of 17; one in 4:2:0, one CMYK.
ramp = Image.new("RGB", (64, 48))
ramp.putdata([(x * 4, y * 5, (x + y) * 2) for y in range(48) for x in range(64)])
for name, picture, options in (("ramp420_jpg", ramp, {"subsampling": 2}),
                               ("cmyk_jpg", ramp.convert("CMYK"), {})):
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90, **options)
    for knobs in (0x04, 0x10):
        write("image", f"{name}_{knobs:02x}", bytes([knobs]) + out.getvalue())
