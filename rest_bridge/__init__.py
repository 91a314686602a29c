"""FastAPI bridge: the documented /galaxy-alpr/v1 JSON endpoints translated into gRPC calls."""
