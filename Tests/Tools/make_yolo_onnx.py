"""Writes a tiny ONNX model whose single output has the YOLOv8 (1 x (4 + classes) x N) or YOLOv5
(1 x N x (5 + classes)) layout and holds fixed candidates, whatever the picture: the tracking
tests load it through OpenCV DNN and check the decoded, NMS-filtered boxes.

usage: make_yolo_onnx.py OUT.onnx LAYOUT(yolov8|yolov5) INPUT_SIZE CLASSES CANDIDATES_JSON
CANDIDATES_JSON: [[cx, cy, w, h, class, score], ...] in input pixels.
The graph: input (1x3xSxS) -> GlobalAveragePool -> Flatten -> MatMul(zeros) -> Add(candidates) -> Reshape.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out, layout, size, classes, candidates = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
    n = len(candidates)
    if layout == "yolov8":
        table = np.zeros((4 + classes, n), dtype=np.float32)
        for i, (cx, cy, w, h, cls, score) in enumerate(candidates):
            table[0:4, i] = [cx, cy, w, h]
            table[4 + int(cls), i] = score
        shape = [1, 4 + classes, n]
    elif layout == "yolov5":
        table = np.zeros((n, 5 + classes), dtype=np.float32)
        for i, (cx, cy, w, h, cls, score) in enumerate(candidates):
            table[i, 0:5] = [cx, cy, w, h, 1.0]   # objectness 1: the score is the class score
            table[i, 5 + int(cls)] = score
        shape = [1, n, 5 + classes]
    else:
        raise SystemExit("layout must be yolov8 or yolov5")
    flat = table.reshape(-1)
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "zeros"], ["product"]),
        helper.make_node("Add", ["product", "table"], ["sum"]),
        helper.make_node("Reshape", ["sum", "shape"], ["output0"]),
    ]
    initializers = [
        numpy_helper.from_array(np.zeros((3, flat.size), dtype=np.float32), "zeros"),
        numpy_helper.from_array(flat[np.newaxis, :], "table"),
        numpy_helper.from_array(np.array(shape, dtype=np.int64), "shape"),
    ]
    graph = helper.make_graph(nodes, "fixed_yolo", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
                              [helper.make_tensor_value_info("output0", TensorProto.FLOAT, shape)], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)], producer_name="vigil-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
