"""Model manifest, ONNX export/stamping and the `prepare` command that builds models/."""
