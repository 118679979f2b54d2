#!/usr/bin/python3
"""Writes the seed corpora of the train layer's fuzz targets (fuzz/harness_files.h):
safetensors files (an export, a torchvision-style state dict, every dtype), checkpoints
of the harness's tiny model with SGD and AdamW state, each behind the knob byte that
run_checkpoint reads first, and the configs in configs/ with and without overrides.
The writer and the checksum are this script's own, from DESIGN.md section 8 and
train/checkpoint_io.h; the regression test checks that minnow accepts every seed."""
import json
import pathlib
import struct
import zlib

here = pathlib.Path(__file__).resolve().parent
root = here / "corpus"


def write(target, name, data):
    path = root / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# A tensor: (file dtype, minnow dtype name, shape, raw little-endian bytes).
def f32(shape, first=0.0):
    count = 1
    for d in shape:
        count *= d
    return ("F32", "f32", shape, struct.pack(f"<{count}f", *(first + 0.25 * i for i in range(count))))


def s32(shape, values):
    return ("I32", "s32", shape, struct.pack(f"<{len(values)}i", *values))


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, _, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def crc_text(crc, text):
    return zlib.crc32(b"\0", zlib.crc32(text.encode(), crc))


# train/checkpoint_io.cpp's content_checksum: metadata in key order (but the checksum
# itself), then each tensor's name, dtype, dims and bytes in file order.
def content_checksum(tensors, metadata):
    crc = 0
    for key in sorted(metadata):
        crc = crc_text(crc_text(crc, key), metadata[key])
    for name, (_, dtype, shape, raw) in tensors.items():
        crc = crc_text(crc_text(crc_text(crc, name), dtype), "[" + ", ".join(map(str, shape)) + "]")
        crc = zlib.crc32(raw, crc)
    return f"{crc:08x}"


# fuzz/harness_files.h's tiny_model(): parameters, then buffers, as state_dict writes them.
params = {"0.weight": [2, 1, 3, 3], "0.bias": [2], "1.weight": [2], "1.bias": [2], "3.weight": [3, 2], "3.bias": [3]}
tiny = {name: f32(shape, i) for i, (name, shape) in enumerate(params.items())}
tiny |= {"1.running_mean": f32([2]), "1.running_var": f32([2], 1.0), "1.num_batches_tracked": s32([1], [7])}

mixed = {"f": f32([2, 3]), "b": ("BF16", "bf16", [4], bytes(range(8))), "q": ("I8", "s8", [3], b"\x80\x00\x7f"),
         "u": ("U8", "u8", [2, 2], b"\x00\x01\xfe\xff"), "i": s32([2], [-1, 1 << 30]),
         "one": ("F32", "f32", [], struct.pack("<f", 3.5)), "long": ("I64", "s32", [2], struct.pack("<2q", -5, 9))}
write("safetensors", "mixed_dtypes", safetensors(mixed, {"note": "every dtype minnow reads"}))
write("safetensors", "empty", safetensors({}))
export_meta = {"format": "minnow-weights-1", "model.name": "mobilenet_v2", "model.width": "0.500000",
               "model.resolution": "32", "model.num_classes": "3", "model.in_channels": "1",
               "model.small_input": "true", "model.groups": "3"}
write("safetensors", "export", safetensors(tiny, export_meta))
torch_style = dict(tiny)
torch_style["1.num_batches_tracked"] = ("I64", "s32", [], struct.pack("<q", 12))
write("safetensors", "state_dict_i64", safetensors(torch_style))

run_config = (here.parent / "configs" / "fashion_mnist.yaml").read_text()
short_config = 'model:\n  name: "mobilenet_v2"\n  num_classes: 3\ndata:\n  format: idx\n  train: ["a.idx", "b.idx"]\n'
position = {"epoch": "2", "step": "5", "global_step": "41", "best_top1": "61.250000", "train_seconds": "12.500000"}
for optimizer, state in (("sgd", {f"{p}.momentum_buffer": f32(s, -1.0) for p, s in params.items()}),
                         ("adamw", {f"{p}.{b}": f32(s, 0.5) for p, s in params.items() for b in ("exp_avg", "exp_avg_sq")}
                          | {f"{p}.step": s32([1], [41]) for p in params})):
    for config_name, config in (("short", short_config), ("run", run_config)):
        tensors = {"model." + n: t for n, t in tiny.items()} | {"optim." + n: t for n, t in state.items()}
        metadata = {"format": "minnow-checkpoint-1", "config": config, "rng.2": " ".join(["0123456789abcdef"] * 4)}
        metadata |= position
        metadata["content_crc32"] = content_checksum(tensors, metadata)
        checkpoint = safetensors(tensors, metadata)
        restore = 0x06 if optimizer == "adamw" else 0x02
        for knobs in (0x00, restore, restore | 0x01):
            write("checkpoint", f"{optimizer}_{config_name}_{knobs:02x}", bytes([knobs]) + checkpoint)
        if config_name == "short":
            write("safetensors", f"checkpoint_{optimizer}", checkpoint)

for path in sorted((here.parent / "configs").glob("*.yaml")):
    write("config", path.stem, path.read_bytes())
overrides = ["optimizer.lr=0.05", "data.transforms.mean=[0.5, 0.4, 0.3]", "data.transforms.std=[0.2, 0.2, 0.2]",
             "schedule.milestones=[2, 4]", "qat.enabled=true"]
write("config", "short_with_overrides", short_config.encode() + b"".join(b"\0" + o.encode() for o in overrides))
write("config", "overrides_only", b"\0model.name=squeezenet1_1\0data.train=folder\0distill.features=[a:b]")
