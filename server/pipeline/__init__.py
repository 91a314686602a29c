"""The transport-free data plane: stages, pairing, counters."""
