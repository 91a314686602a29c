"""Galaxy ALPR gRPC inference server."""

__version__ = "1.0.0"
