"""gRPC transport: thin servicer, status mapping, server assembly."""
