"""Checks an exported ONNX file with python3-onnx: onnx.checker with full_check (strict shape
inference), the opset, the ops the form must use, and a dynamic batch dimension.

usage: onnx_check.py MODEL OPSET OP[,OP...]
"""
import sys

import onnx


def main():
    path, opset, required = sys.argv[1], int(sys.argv[2]), set(sys.argv[3].split(","))
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    default = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if default != [opset]:
        sys.exit(f"{path}: expected opset {opset}, got {default}")
    ops = {n.op_type for n in model.graph.node}
    if not required <= ops:
        sys.exit(f"{path}: expected the ops {sorted(required)}, missing {sorted(required - ops)}")
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    if batch.dim_param != "N":
        sys.exit(f"{path}: expected a dynamic batch dimension 'N', got {batch}")
    print(f"{path}: ok, {len(model.graph.node)} nodes")


if __name__ == "__main__":
    main()
