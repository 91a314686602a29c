"""Image decoding and validation."""
