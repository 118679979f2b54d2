"""Minimal safetensors reader and writer with numpy (no `safetensors` package needed).

read(path) -> (dict name -> np.ndarray, metadata dict); BF16 comes back widened to float32 (exact).
write(path, tensors, metadata=None) takes numpy arrays or torch tensors (torch.bfloat16 stays BF16).
read_header(path) -> (header dict without __metadata__, metadata, data bytes) for dtype-level checks.
"""
import json
import struct

import numpy as np

NUMPY_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}
FILE_DTYPES = {np.dtype(v): k for k, v in NUMPY_DTYPES.items()}
MAX_HEADER = 100_000_000


def read_header(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or n > len(blob) - 8:
        raise ValueError(f"{path}: header length {n} does not fit a {len(blob)}-byte file")
    text = blob[8:8 + n]
    if not text.startswith(b"{"):
        raise ValueError(f"{path}: header must start with '{{'")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path}: duplicate keys in {keys}")
        return dict(pairs)

    header = json.loads(text.decode("utf-8"), object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", None) or {}
    data = blob[8 + n:]
    cursor = 0
    for name, info in sorted(header.items(), key=lambda item: tuple(item[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin != cursor:
            raise ValueError(f"{path}: tensor {name} begins at {begin}, expected {cursor} (contiguous)")
        count = int(np.prod(info["shape"], dtype=np.int64))
        size = 2 if info["dtype"] == "BF16" else np.dtype(NUMPY_DTYPES[info["dtype"]]).itemsize
        if end - begin != count * size:
            raise ValueError(f"{path}: tensor {name} spans {end - begin} bytes, expected {count * size}")
        cursor = end
    if cursor != len(data):
        raise ValueError(f"{path}: tensors cover {cursor} of {len(data)} data bytes")
    return header, metadata, data


def read(path):
    header, metadata, data = read_header(path)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(NUMPY_DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"]).copy()
    return tensors, metadata


def _to_bytes(value):
    """(file dtype, shape, little-endian bytes) of a numpy array or torch tensor."""
    if type(value).__module__.startswith("torch"):
        import torch
        value = value.detach().cpu().contiguous()
        if value.dtype == torch.bfloat16:
            return "BF16", list(value.shape), value.view(torch.int16).numpy().astype("<i2").tobytes()
        value = value.numpy()
    array = np.asarray(value, order="C")  # not ascontiguousarray: it turns shape () into (1,)
    dtype = FILE_DTYPES[array.dtype]
    return dtype, list(array.shape), array.astype(array.dtype.newbyteorder("<")).tobytes()


def write(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, value in tensors.items():
        dtype, shape, raw = _to_bytes(value)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
