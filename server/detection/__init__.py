"""Object detection with ONNX models: ultralytics-exact pre/post-processing, provider choice, runner."""

from server.detection.onnx_detector import ModelInfo, OnnxDetector, Timing

__all__ = ["ModelInfo", "OnnxDetector", "Timing"]
