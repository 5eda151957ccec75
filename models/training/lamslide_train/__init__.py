"""LaM-SLidE training pipeline: data, networks, training stages, evaluation and ONNX export."""
